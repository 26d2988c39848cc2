"""Committed results data: JSON (and CSV) files of metrics, flattened into numbers and keys."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from scaffold.check.evidence.files import FileIndex, IndexedFile

# Folders that hold results: results/, reports/, docs/results/, dynamic_tools_benchmark_results/,
# raw_data/, historical_trajectories/ … (an eval *set* lives in evals/ or data/, never here).
_RESULTS_DIRECTORY = re.compile(
    r"results?$|^(reports?|metrics|outputs?|runs|experiments?|evaluations?|scores|benchmarks?|raw_data|"
    r"leaderboards?)$|trajector",
    re.I,
)
# What says how a run was configured (what an ablation varies): a container of settings, or a
# setting's own name.
_CONFIG_CONTAINER = re.compile(r"^(config|configuration|params|parameters|settings|hyperparameters|args)$", re.I)
_CONFIG_LEAF = re.compile(r"model|chunk|strategy|mode|variant|rerank|embed|top_?k|retriever|index", re.I)
_RESULTS_NAME = re.compile(r"(result|metric|bench|eval|ablation|score|report)", re.I)
_NOT_RESULTS = frozenset({"package.json", "package-lock.json", "tsconfig.json", "composer.json"})


@dataclass(frozen=True)
class NumberAt:
    key_path: str
    value: float


@dataclass
class ResultsFile:
    path: str
    data: Any
    numbers: list[NumberAt] = field(default_factory=list)
    keys: dict[str, list[Any]] = field(default_factory=dict)
    """Every key (lower case) mapped to the values seen under it."""

    def has_key(self, pattern: re.Pattern[str]) -> str | None:
        for key in self.keys:
            if pattern.search(key):
                return key
        return None

    def values_for(self, pattern: re.Pattern[str]) -> list[Any]:
        values: list[Any] = []
        for key, seen in self.keys.items():
            if pattern.search(key):
                values.extend(seen)
        return values


@dataclass
class ResultsData:
    files: list[ResultsFile]
    void: list[tuple[str, str]] = field(default_factory=list)
    """Results files that are not evidence, each with the reason: a run where nothing succeeded,
    every latency is zero, or the run declares a fake or mock provider."""

    def void_note(self) -> str:
        """``; not evidence: FILE (reason), …`` for a failure message, or ``""``."""
        if not self.void:
            return ""
        return "; not evidence: " + ", ".join(f"{path} ({reason})" for path, reason in self.void[:3])

    def all_numbers(self) -> list[tuple[str, NumberAt]]:
        return [(f.path, number) for f in self.files for number in f.numbers]

    def sweeps(self) -> list[list[ResultsFile]]:
        """Groups of results files in one folder with the same metrics (schema) whose
        configurations differ: one run per variant, which together are an ablation."""
        groups: dict[tuple[str, frozenset[str]], list[ResultsFile]] = {}
        for found in self.files:
            schema = _schema(found)
            if len(schema) >= 2:
                groups.setdefault((found.path.rsplit("/", 1)[0] if "/" in found.path else "", schema), []).append(found)
        return [
            members
            for members in groups.values()
            if len(members) >= 2 and len({_configuration(member.data) for member in members}) >= 2
        ]


_INDEX = re.compile(r"\.\d+(?=\.|$)")


def _schema(found: ResultsFile) -> frozenset[str]:
    """The metric keys of a file (list positions folded), configuration keys left out."""
    return frozenset(
        _INDEX.sub(".#", number.key_path)
        for number in found.numbers
        if not number.key_path.endswith("(key)")
        and not any(_CONFIG_CONTAINER.match(part) for part in number.key_path.split("."))
        and not _CONFIG_LEAF.search(number.key_path.rsplit(".", 1)[-1])
    )


def _configuration(data: Any, depth: int = 0, under_config: bool = False) -> str:
    """A stable text of the values a run was configured with (keys that look like configuration)."""
    if depth > 8:
        return ""
    if isinstance(data, dict):
        parts = []
        for key in sorted(data, key=str):
            inside = under_config or bool(_CONFIG_CONTAINER.match(str(key)) or _CONFIG_LEAF.search(str(key)))
            text = _configuration(data[key], depth + 1, inside)
            if text:
                parts.append(f"{key}={text}")
        return "{" + ",".join(parts) + "}" if parts else ""
    if isinstance(data, list):
        inner = [_configuration(item, depth + 1, under_config) for item in data[:50]]
        return "[" + ",".join(inner) + "]" if any(inner) else ""
    return json.dumps(data, default=str)[:200] if under_config else ""


def _flatten(node: Any, prefix: str, out: ResultsFile, depth: int = 0) -> None:
    if depth > 40 or len(out.numbers) > 200_000:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            key_text = str(key)
            out.keys.setdefault(key_text.lower(), []).append(value)
            number = _as_number(key_text)
            if number is not None:
                out.numbers.append(NumberAt(f"{prefix}{key_text} (key)", number))
            _flatten(value, f"{prefix}{key_text}.", out, depth + 1)
    elif isinstance(node, list):
        for position, value in enumerate(node):
            _flatten(value, f"{prefix}{position}.", out, depth + 1)
    elif isinstance(node, bool):
        return
    elif isinstance(node, int | float):
        out.numbers.append(NumberAt(prefix.rstrip("."), float(node)))
    elif isinstance(node, str):
        number = _as_number(node)
        if number is not None:
            out.numbers.append(NumberAt(prefix.rstrip("."), number))


def _as_number(text: str) -> float | None:
    try:
        value = float(text.strip().rstrip("%"))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _is_results_file(indexed: IndexedFile) -> bool:
    if indexed.suffix not in {".json", ".csv"} or indexed.name.lower() in _NOT_RESULTS:
        return False
    directories = {part.lower() for part in indexed.parts[:-1]}
    if directories & {"node_modules", "fixtures", "golden", "data", "grafana", "dashboards", "provisioning"}:
        return False
    return is_results_folder(directories) or bool(_RESULTS_NAME.search(indexed.name))


def is_results_folder(folders: Iterable[str]) -> bool:
    """Whether a path with these folder names lies in a results folder."""
    return any(_RESULTS_DIRECTORY.search(folder) for folder in folders)


def parse_results_file(path: str, text: str) -> ResultsFile | None:
    """Parse one results file; None when it is malformed."""
    if path.lower().endswith(".csv"):
        try:
            rows = list(csv.DictReader(io.StringIO(text)))
        except csv.Error:
            return None
        parsed = ResultsFile(path, rows)
        _flatten(rows, "", parsed)
        return parsed
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    parsed = ResultsFile(path, data)
    _flatten(data, "", parsed)
    return parsed


# `fake`, `Mock`, `FakeLLM`, `dummy-model`, `stub` (not `mockup`, `stubborn`)
_FAKE = re.compile(r"(?i:\b(fake|mock|dummy|stub))(?![a-z])")
_PROVIDER_KEYS = ("provider", "llm", "model", "backend", "answerer", "client", "engine", "generator", "llm_provider")
_COMPLETED = frozenset({"completed", "successful", "succeeded", "success_count", "successes", "ok"})
_FAILED = frozenset({"failed", "errors", "error_count", "failures", "failed_requests"})
_SUCCESS_RATE = frozenset({"success_rate", "task_success", "task_success_rate", "pass_rate", "accuracy"})
_LATENCY_VALUE = re.compile(r"^(p50|p90|p95|p99|mean|median)$")
_LATENCY_PATH = re.compile(r"latency|ttft|e2el|_ms(\.|$)", re.I)


_PLACEHOLDER_NAME = re.compile(r"(?:^|[_.-])(example|sample|placeholder|dummy|mock|fake|template)(?:$|[_.-])", re.I)


def void_reason(parsed: ResultsFile) -> str | None:
    """Why a results file is not evidence of a working system, or None when it may be."""
    stem = parsed.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    placeholder = _PLACEHOLDER_NAME.search(stem)
    if placeholder:
        return f"an {placeholder.group(1).lower()} file by its name, not a recorded run"
    for key in _PROVIDER_KEYS:
        for value in parsed.keys.get(key, []):
            if isinstance(value, str) and _FAKE.search(value):
                return f"the run declares a {_FAKE.search(value).group(1).lower()} provider ({key}: {value[:40]})"  # type: ignore[union-attr]
    by_name: dict[str, list[float]] = {}
    latencies: list[float] = []
    for number in parsed.numbers:
        if number.key_path.endswith("(key)"):
            continue
        name = number.key_path.rsplit(".", 1)[-1].lower()
        by_name.setdefault(name, []).append(number.value)
        if _LATENCY_VALUE.match(name) and _LATENCY_PATH.search(number.key_path):
            latencies.append(number.value)
    completed = [v for name in _COMPLETED for v in by_name.get(name, [])]
    failed = [v for name in _FAILED for v in by_name.get(name, [])]
    if completed and not any(completed) and any(failed):
        return f"nothing completed: {int(sum(failed))} failed"
    rates = [v for name in _SUCCESS_RATE for v in by_name.get(name, [])]
    if rates and not any(rates):
        return "nothing succeeded: every success rate is 0"
    if len(latencies) >= 2 and not any(latencies):
        return "every latency is 0"
    return None


def collect_results(files: FileIndex) -> ResultsData:
    found: list[ResultsFile] = []
    void: list[tuple[str, str]] = []
    for indexed, text in files.texts(f for f in files if _is_results_file(f)):
        parsed = parse_results_file(indexed.path, text)
        if parsed is None:
            files.skip("malformed JSON/CSV", indexed.path)
            continue
        reason = void_reason(parsed)
        if reason is None and files.tracked is not None and indexed.path not in files.tracked:
            reason = "not committed: git does not track it"
        if reason is not None:
            void.append((parsed.path, reason))
            continue
        found.append(parsed)
    return ResultsData(sorted(found, key=lambda f: f.path), sorted(void))
