"""Committed secrets: key-shaped strings in any text file, and `.env` files that carry values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scaffold.check.evidence.files import BINARY_SUFFIXES, FileIndex
from scaffold.check.model import Location

_KEY_PATTERNS: dict[str, str] = {
    "OpenAI-style key": r"\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}",
    "Anthropic key": r"\bsk-ant-[A-Za-z0-9_-]{32,}",
    "AWS access key id": r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    "GitHub token": r"\b(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{60,}",
    "Hugging Face token": r"\bhf_[A-Za-z0-9]{34,}\b",
    "Google API key": r"\bAIza[0-9A-Za-z_-]{35}\b",
    "Slack token": r"\bxox[baprs]-[0-9A-Za-z-]{10,}",
    "private key": r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP )?PRIVATE KEY-----",
}
_ANY_KEY = re.compile("|".join(f"(?P<k{i}>{p})" for i, p in enumerate(_KEY_PATTERNS.values())))
_KEY_NAMES = list(_KEY_PATTERNS)
# Every key pattern starts with one of these literals at a word boundary. One pass of this
# prefilter finds the candidates (ordinary words such as "task-" or "disk-" are not one), and the
# full patterns are tried only there: linear in the file, whatever it holds.
_CANDIDATE = r"(?:(?<![A-Za-z0-9_])(?:sk-|AKIA|ASIA|gh[pousr]_|github_pat_|hf_|AIza|xox[baprs]-)|-----BEGIN)"
_CANDIDATE_TEXT = re.compile(_CANDIDATE)
_CANDIDATE_BYTES = re.compile(_CANDIDATE.encode())
_ANY_KEY_BYTES = re.compile(_ANY_KEY.pattern.encode())
_ENV_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")
ENV_EXAMPLES = (
    ".env.example",
    ".env.sample",
    ".env.template",
    ".env.dist",
    "example.env",
    "env.example",
)


@dataclass(frozen=True)
class SecretHit:
    location: Location
    kind: str


@dataclass
class SecretScan:
    hits: list[SecretHit] = field(default_factory=list)
    env_files_with_values: list[tuple[Location, str]] = field(default_factory=list)
    env_examples: list[str] = field(default_factory=list)
    scanned_files: int = 0


def scan_for_secrets(files: FileIndex) -> SecretScan:
    scan = SecretScan()
    for indexed in files:
        if indexed.suffix in BINARY_SUFFIXES or not files.readable(indexed):
            continue
        name = indexed.name.lower()
        if name in ENV_EXAMPLES or (
            name.startswith(".env.") and name.split(".")[-1] in {"example", "sample", "template", "dist"}
        ):
            scan.env_examples.append(indexed.path)
        is_env_file = name == ".env" or (name.startswith(".env.") and indexed.path not in scan.env_examples)
        if is_env_file:
            _record_env_values(scan, indexed.path, files.read_text(indexed.path))
        cached = files.cached_text(indexed.path)
        content: str | bytes | None = cached if cached is not None else files.read_bytes(indexed.path)
        if content is None:
            continue
        scan.scanned_files += 1
        for kind, position in _keys(content):
            newline: str | bytes = "\n" if isinstance(content, str) else b"\n"
            line_number = content.count(newline, 0, position) + 1  # type: ignore[arg-type]
            scan.hits.append(SecretHit(Location(indexed.path, line_number), kind))
            if len(scan.hits) > 100:
                return scan
    return scan


def _keys(content: str | bytes) -> list[tuple[str, int]]:
    """Each key-shaped string in ``content``: its kind and offset."""
    found: list[tuple[str, int]] = []
    if isinstance(content, str):
        candidates, full = _CANDIDATE_TEXT, _ANY_KEY
    else:
        candidates, full = _CANDIDATE_BYTES, _ANY_KEY_BYTES  # type: ignore[assignment]
    for candidate in candidates.finditer(content):  # type: ignore[arg-type]
        match = full.match(content, candidate.start())  # type: ignore[arg-type]
        if match is not None:
            group = next(i for i, value in enumerate(match.groups()) if value is not None)
            found.append((_KEY_NAMES[group], match.start()))
    return found


def _record_env_values(scan: SecretScan, path: str, text: str | None) -> None:
    for number, line in enumerate((text or "").splitlines(), start=1):
        match = _ENV_ASSIGNMENT.match(line)
        if match and match.group(2).strip().strip("'\""):
            scan.env_files_with_values.append((Location(path, number), match.group(1)))
            return
