"""Make the benchmark yours: point a config at your model and your GPU, and set the example's results aside.

``use_model`` rewrites one YAML config (by default ``configs/gpu.yaml``, the GPU profile): the model
(a Hugging Face id or a local Hugging Face folder), the name it is served under, the GPU it runs on
and that GPU's hourly price. Every run records its config, so the GPU profile is in every result
beside the hardware the run measured. Results written for another model are moved, not deleted, to
``results/previous/<model>/`` and the README blocks that showed them say so, so the README's
numbers are only ever the ones measured for the model the project now names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .config import ConfigError, parse_config
from .results import RESULTS_DIR, set_aside, write_text_atomic

# owner/name as the Hugging Face hub spells repositories (no revision: pin one with engine_args)
_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
HEADER = (
    "# Written by `make use-model` (edit freely; `make check-config CONFIG=...` validates it).\n"
    "# The model, the GPU profile and its price are recorded with every result of this config.\n"
)


@dataclass
class ModelChange:
    config: Path
    model: str
    previous_model: str
    archived: list[str] = field(default_factory=list)
    archive: Path | None = None


def check_model(model: str) -> str:
    """``model`` if vLLM can load it: a Hugging Face id (owner/name) or a local folder with a
    config.json; otherwise a one-line ConfigError saying which."""
    model = model.strip()
    local = Path(model).expanduser()
    if local.is_dir():
        if not (local / "config.json").is_file():
            raise ConfigError(
                f"{model} is a folder without config.json; vLLM loads a Hugging Face model folder "
                "(convert a GGUF file first, as scripts/convert_gguf_to_hf.py does)."
            )
        return str(local)
    if local.suffix == ".gguf" or model.startswith((".", "/", "~")) or local.exists():
        raise ConfigError(f"{model} is not a Hugging Face model folder (a folder with config.json).")
    if not _HUB_ID.match(model):
        raise ConfigError(
            f"{model!r} is neither a local model folder nor a Hugging Face id like Qwen/Qwen2.5-1.5B-Instruct."
        )
    return model


def served_name(model: str) -> str:
    """The name clients ask for: the model's last path part, lowercased."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(model.rstrip("/")).name).strip("-.").lower()
    return name[:64] or "bench-model"


def use_model(
    model: str,
    *,
    config: Path = Path("configs/gpu.yaml"),
    gpu: str | None = None,
    gpus: int | None = None,
    usd_per_hour: float | None = None,
    name: str | None = None,
    results_dir: Path = RESULTS_DIR,
    readme: Path = Path("README.md"),
) -> ModelChange:
    """Rewrite ``config`` for ``model`` (validated before anything is written) and move the results
    of any other model aside."""
    model = check_model(model)
    if name is not None and not _NAME.match(name):
        raise ConfigError(f"--name {name!r} must be letters, digits, '.', '_' or '-' (at most 64).")
    if gpu is not None and not (0 < len(gpu.strip()) <= 80):
        raise ConfigError("--gpu must name the GPU in at most 80 characters, e.g. 'NVIDIA L4'.")
    try:
        data: Any = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"{config} does not exist; pass one of the files in configs/ with --config.") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{config} is not valid YAML: {exc}.") from None
    if not isinstance(data, dict) or not isinstance(data.get("server"), dict):
        raise ConfigError(f"{config} has no server section to point at a model.")
    previous = str(data["server"].get("model", ""))
    data["server"]["model"] = model
    data["server"]["served_model_name"] = name or served_name(model)
    if gpu is not None or gpus is not None:
        profile = dict(data.get("gpu") or {})
        profile["name"] = (gpu or profile.get("name") or "unnamed GPU").strip()
        profile["count"] = gpus if gpus is not None else int(profile.get("count", 1))
        data["gpu"] = profile
        data.setdefault("cost", {})["num_accelerators"] = profile["count"]
    if usd_per_hour is not None:
        data.setdefault("cost", {})["usd_per_hour"] = usd_per_hour
    parse_config(data, str(config))  # refuse an invalid result before touching the file
    write_text_atomic(config, HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    change = ModelChange(config, model, previous)
    _archive_other_models(change, results_dir, readme)
    return change


def _archive_other_models(change: ModelChange, results_dir: Path, readme: Path) -> None:
    """Set aside every result (and a baseline) measured on another model, one folder per model."""
    measured: set[str] = set()
    for path in results_dir.glob("*.json"):
        try:
            model = (json.loads(path.read_text(encoding="utf-8")).get("run", {}).get("models") or {}).get("model")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(model, str) and model and model != change.model:
            measured.add(model)
    for model in sorted(measured):
        archive = served_name(model)
        note = (
            f"_No results for {change.model} yet: the run of {model} is in `results/previous/{archive}/`. "
            "Run the benchmark again to fill this table._"
        )

        def belongs(run: Mapping[str, Any], model: str = model) -> bool:
            return (run.get("models") or {}).get("model") != model

        change.archived += set_aside(belongs, archive, note, results_dir=results_dir, readme=readme)
        change.archive = results_dir / "previous" / archive
