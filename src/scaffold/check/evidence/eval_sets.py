"""Golden / held-out evaluation sets: where they are, how many distinct cases, how they are split."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from scaffold.check.evidence.files import FileIndex, IndexedFile
from scaffold.check.evidence.python_source import PythonSources

_EVAL_NAME = re.compile(
    r"(golden|eval|test[_-]?set|testset|qa|questions|held[_-]?out|holdout|benchmark|cases|tasks|dev|queries)",
    re.I,
)
_EVAL_DIRECTORY = re.compile(r"^(evals?|evaluation|evaluations|golden|tasks)$", re.I)
_UNREVIEWED = re.compile(r"(^|[_.-])(drafts?|candidates?|proposals?|unreviewed)([_.-]|$)", re.I)
_MAX_CANDIDATES = 200
_SPLIT_KEYS = ("split", "subset", "partition", "fold", "set")


@dataclass
class EvalSet:
    path: str
    cases: int
    splits: Counter[str] = field(default_factory=Counter)
    fields: set[str] = field(default_factory=set)


@dataclass
class EvalSets:
    sets: list[EvalSet]

    def largest(self) -> EvalSet | None:
        return max(self.sets, key=lambda s: s.cases, default=None)


def _is_candidate(indexed: IndexedFile) -> bool:
    if indexed.suffix not in {".jsonl", ".json", ".csv", ".tsv", ".yaml", ".yml"}:
        return False
    directories = indexed.parts[:-1]
    if any(
        part.lower() in {"results", "reports", ".github", "node_modules"} for part in directories
    ):
        return False
    if _UNREVIEWED.search(indexed.name):
        return False  # proposed cases nobody accepted yet are not an eval set
    in_eval_dir = any(_EVAL_DIRECTORY.match(part) for part in directories)
    return in_eval_dir or bool(_EVAL_NAME.search(indexed.name))


def _records(path: str, text: str) -> list[Any]:
    if path.endswith(".jsonl"):
        records: list[Any] = []
        for line in text.splitlines():
            if line.strip():
                try:
                    records.append(json.loads(line))
                except (ValueError, RecursionError):
                    continue
        return records
    if path.endswith((".csv", ".tsv")):
        try:
            return list(
                csv.DictReader(io.StringIO(text), delimiter="\t" if path.endswith(".tsv") else ",")
            )
        except csv.Error:
            return []
    if path.endswith(".json"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return []
        if isinstance(data, dict):
            lists = [v for v in data.values() if isinstance(v, list)]
            data = max(lists, key=len, default=[])
        return data if isinstance(data, list) else []
    return []


def measure_eval_set(path: str, text: str) -> EvalSet:
    records = _records(path, text)
    distinct: set[str] = set()
    for record in records:
        if record:
            try:
                distinct.add(json.dumps(record, sort_keys=True, default=str))
            except (ValueError, RecursionError, TypeError):
                distinct.add(repr(id(record)))
    found = EvalSet(path, len(distinct))
    for record in records:
        if isinstance(record, dict):
            found.fields.update(str(k).lower() for k in record)
            for key in _SPLIT_KEYS:
                if key in record and isinstance(record[key], str):
                    found.splits[record[key].lower()] += 1
                    break
    return found


_PYTHON_CASES = re.compile(r"(^|_)(tasks|cases|questions|golden|queries|examples)(_[a-z]+)?\.py$", re.I)
_SPLIT_IN_NAME = re.compile(r"(?:^|_)(train|dev|val|valid|validation|test|held_?out|holdout)(?:_|\.py$)", re.I)


def python_eval_sets(python: PythonSources) -> list[EvalSet]:
    """Cases a repository keeps in code: a module named like `tasks_test.py` or `golden_cases.py`
    whose largest module-level list literal holds the cases; a split in the file name is the split."""
    found = []
    for module in python.modules:
        name = module.path.rsplit("/", 1)[-1]
        if module.tests or not module.literal_lists or not _PYTHON_CASES.search(name):
            continue
        _, _, count = max(module.literal_lists, key=lambda item: item[2])
        measured = EvalSet(module.path, count)
        split = _SPLIT_IN_NAME.search(name)
        if split:
            measured.splits[split.group(1).lower()] = count
        found.append(measured)
    return found


def collect_eval_sets(files: FileIndex, python: PythonSources | None = None) -> EvalSets:
    sets: list[EvalSet] = list(python_eval_sets(python)) if python is not None else []
    candidates = sorted(
        (f for f in files if _is_candidate(f)), key=lambda f: (f.path.count("/"), f.path)
    )
    for indexed, text in files.texts(candidates[:_MAX_CANDIDATES]):
        if indexed.suffix in {".yaml", ".yml"}:
            continue
        measured = measure_eval_set(indexed.path, text)
        if measured.cases:
            sets.append(measured)
    return EvalSets(sets)
