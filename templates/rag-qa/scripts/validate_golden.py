"""Validate the golden question set against the corpus.

Checks, for every line of the golden file:
  * the line is a JSON object with the required fields and types;
  * ``id`` is unique, ``split`` is dev or test, ``kind`` is factual, howto or comparison;
  * every ``source_ids`` entry is a doc_id of the corpus (comparison questions need two);
  * the question is a paraphrase: it shares no run of 8 or more consecutive words with
    the text of any of its source documents.

Prints one line per problem (``FILE:LINE: message``) and exits with status 1 if there is
any; otherwise prints a summary and exits with status 0.

Usage:
    python scripts/validate_golden.py
    python scripts/validate_golden.py --golden evals/golden.jsonl \
        --corpus data/corpus/python-stdlib-3.11.jsonl
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GOLDEN = PROJECT_ROOT / "evals" / "golden.jsonl"
DEFAULT_CORPUS = PROJECT_ROOT / "data" / "corpus" / "python-stdlib-3.11.jsonl"

REQUIRED_FIELDS: dict[str, type] = {
    "id": str,
    "split": str,
    "question": str,
    "reference": str,
    "source_ids": list,
    "kind": str,
}
SPLITS = frozenset({"dev", "test"})
KINDS = frozenset({"factual", "howto", "comparison"})
MAX_SHARED_WORDS = 7  # a shared run of 8 or more consecutive words fails the check

_WORD = re.compile(r"[a-z0-9_]+")


@dataclass
class Report:
    path: Path
    errors: list[str] = field(default_factory=list)
    splits: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    modules: set[str] = field(default_factory=set)
    lines: int = 0

    def error(self, line_number: int, message: str) -> None:
        self.errors.append(f"{self.path}:{line_number}: {message}")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def ngrams(tokens: list[str], size: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def longest_shared_run(question: str, source_text: str) -> int:
    """Length of the longest run of consecutive words that appears in both texts."""
    question_words = words(question)
    source_words = words(source_text)
    best = 0
    for size in range(1, len(question_words) + 1):
        if ngrams(question_words, size) & ngrams(source_words, size):
            best = size
        else:
            break
    return best


def load_corpus(path: Path) -> dict[str, str]:
    """doc_id -> text for every record of the corpus."""
    texts: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                texts[str(record["doc_id"])] = str(record["text"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise SystemExit(f"{path}:{line_number}: bad corpus record: {exc}") from exc
    return texts


@functools.cache
def is_module(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def module_of(doc_id: str) -> str:
    """The module a doc_id belongs to (its longest importable prefix), for coverage counts."""
    parts = doc_id.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if is_module(candidate):
            return candidate
    return parts[0]


def check_record(record: Any, line_number: int, corpus: dict[str, str], seen_ids: set[str], report: Report) -> None:
    if not isinstance(record, dict):
        report.error(line_number, "line is not a JSON object")
        return
    for name, expected_type in REQUIRED_FIELDS.items():
        if name not in record:
            report.error(line_number, f"missing field '{name}'")
            return
        value = record[name]
        if not isinstance(value, expected_type) or (isinstance(value, str) and not value.strip()):
            report.error(line_number, f"field '{name}' must be a non-empty {expected_type.__name__}")
            return

    record_id: str = record["id"]
    if record_id in seen_ids:
        report.error(line_number, f"duplicate id '{record_id}'")
    seen_ids.add(record_id)

    if record["split"] not in SPLITS:
        report.error(line_number, f"split must be one of {sorted(SPLITS)}, got {record['split']!r}")
    if record["kind"] not in KINDS:
        report.error(line_number, f"kind must be one of {sorted(KINDS)}, got {record['kind']!r}")

    source_ids: list[Any] = record["source_ids"]
    if not source_ids or not all(isinstance(s, str) and s for s in source_ids):
        report.error(line_number, "source_ids must be a non-empty list of doc_id strings")
        return
    if len(set(source_ids)) != len(source_ids):
        report.error(line_number, "source_ids contains duplicates")
    if record["kind"] == "comparison" and len(source_ids) < 2:
        report.error(line_number, "a comparison question needs at least two source_ids")
    missing = [s for s in source_ids if s not in corpus]
    if missing:
        report.error(line_number, f"source_ids not in the corpus: {', '.join(missing)}")
        return

    for source_id in source_ids:
        shared = longest_shared_run(record["question"], corpus[source_id])
        if shared > MAX_SHARED_WORDS:
            report.error(
                line_number,
                f"question shares {shared} consecutive words with '{source_id}' (paraphrase the question)",
            )

    report.splits[record["split"]] += 1
    report.kinds[record["kind"]] += 1
    report.modules.update(module_of(s) for s in source_ids)


def validate(golden_path: Path, corpus: dict[str, str]) -> Report:
    report = Report(path=golden_path)
    seen_ids: set[str] = set()
    with golden_path.open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                report.error(line_number, "empty line")
                continue
            report.lines += 1
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                report.error(line_number, f"invalid JSON: {exc.msg} (column {exc.colno})")
                continue
            check_record(record, line_number, corpus, seen_ids, report)
    return report


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Validate evals/golden.jsonl against the corpus.")
    parser.add_argument("--golden", type=Path, default=DEFAULT_GOLDEN, help="golden JSON Lines file")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus JSON Lines file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    corpus = load_corpus(args.corpus)
    report = validate(args.golden, corpus)
    for message in report.errors:
        print(message, file=sys.stderr)
    if report.errors:
        print(f"{len(report.errors)} problem(s) in {args.golden}", file=sys.stderr)
        return 1
    splits = ", ".join(f"{name}={count}" for name, count in sorted(report.splits.items()))
    kinds = ", ".join(f"{name}={count}" for name, count in sorted(report.kinds.items()))
    print(
        f"ok: {report.lines} questions ({splits}; {kinds}), "
        f"{len(report.modules)} modules, corpus of {len(corpus)} documents"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
