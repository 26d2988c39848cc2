"""What the load generator sends: random prompts of a set length, the bundled prompt set, or your JSONL.

Prompt lengths here are targets. The token counts that enter the metrics are always the ones
the server reports in its ``usage`` block, never an estimate made on this side.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .config import ConfigError, DatasetConfig

BUNDLED_PROMPTS = Path("evals/prompts.jsonl")

# Short, frequent English words: nearly every one is a single token in common tokenizers, so
# ``input_len`` words land close to ``input_len`` tokens.
_VOCABULARY = (  # noqa: SIM905 - one readable block of words
    "the of and to in is was for on are as with his they at be this from have or one had by but not "
    "what all were we when your can said there use an each which she do how their if will up other "
    "about out many then them these so some her would make like him into time has look two more go "
    "see no way could people my than first water been call who its now find long down day did get "
    "come made may part over new sound take only little work know place year live me back give most "
    "very after thing our just name good man think say great where help through much line right too "
    "mean old any same tell boy follow came want show also around form three small set put end does "
    "another well large must big even such because turn here why ask went men read need land different "
    "home us move try kind hand picture again change off play spell air away animal house point page"
).split()


@dataclass(frozen=True)
class RequestSpec:
    """One request to send: the prompt and how many tokens to ask for."""

    request_id: str
    prompt: str
    max_tokens: int


def random_prompt(rng: random.Random, length: int) -> str:
    return " ".join(rng.choice(_VOCABULARY) for _ in range(length))


def load_jsonl_prompts(path: Path, split: str = "all") -> list[tuple[str, int | None]]:
    """(prompt, max_tokens or None) pairs from a JSONL file with a ``prompt`` field per line.

    With ``split`` dev or test, only rows whose ``split`` field matches are kept.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"Prompt file {path} does not exist; check dataset.path.") from None
    prompts: list[tuple[str, int | None]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise ConfigError(f"{path}:{number} is not valid JSON; every line must be an object.") from None
        if not isinstance(row, dict) or not isinstance(row.get("prompt"), str) or not row["prompt"]:
            raise ConfigError(f"{path}:{number} needs a non-empty string field 'prompt'.")
        if split != "all" and row.get("split") != split:
            continue
        max_tokens = row.get("max_tokens")
        if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens <= 0):
            raise ConfigError(f"{path}:{number} has max_tokens {max_tokens!r}; use a positive integer or leave it out.")
        prompts.append((row["prompt"], max_tokens))
    if not prompts:
        where = f" in split {split!r}" if split != "all" else ""
        raise ConfigError(f"{path} holds no prompts{where}.")
    return prompts


def request_stream(config: DatasetConfig, prefix: str = "req") -> Iterator[RequestSpec]:
    """An endless, reproducible stream of requests (the load generator decides how many to take)."""
    rng = random.Random(config.seed)
    if config.kind == "random":
        index = 0
        while True:
            yield RequestSpec(f"{prefix}-{index}", random_prompt(rng, config.input_len), config.output_len)
            index += 1
    path = BUNDLED_PROMPTS if config.kind == "prompts" else Path(config.path or "")
    prompts = load_jsonl_prompts(path, config.split)
    index = 0
    while True:
        order = list(range(len(prompts)))
        rng.shuffle(order)
        for position in order:
            prompt, max_tokens = prompts[position]
            yield RequestSpec(f"{prefix}-{index}", prompt, max_tokens or config.output_len)
            index += 1
