"""Shared helpers: real repository trees written to tmp_path, scored by the real checker."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.check.model import Finding
from scaffold.check.registry import load_checks
from scaffold.check.runner import CheckRun, run_checks

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "evals" / "check" / "fixtures"
FUZZ_CASES: Counter[str] = Counter()


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            # surrogatepass keeps generated text that is not valid UTF-8 as such on disk
            path.write_bytes(content.encode("utf-8", errors="surrogatepass"))
    return root


def score_tree(root: Path) -> CheckRun:
    return run_checks(root, load_checks(include_plugins=False))


def finding(run: CheckRun, check_id: str) -> Finding:
    return next(f for f in run.findings if f.check_id == check_id)


@pytest.fixture
def repo(tmp_path: Path) -> Callable[[dict[str, str | bytes]], CheckRun]:
    """Write a tree and score it."""

    built: list[Path] = []

    def build(files: dict[str, str | bytes]) -> CheckRun:
        root = tmp_path / f"repo{len(built)}"
        built.append(root)
        root.mkdir()
        return score_tree(write_tree(root, files))

    return build


@pytest.fixture
def strong_copy(tmp_path: Path) -> Path:
    """A writable copy of the strong calibration project."""
    target = tmp_path / "strong"
    shutil.copytree(FIXTURES / "strong-rag", target)
    (target / "expected.yaml").unlink()
    return target


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FUZZ_CASES:
        return
    total = sum(FUZZ_CASES.values())
    terminalreporter.write_line(
        f"fuzz: {total} generated inputs parsed without a crash: {dict(FUZZ_CASES)}"
    )
    report = os.environ.get("SCAFFOLD_FUZZ_REPORT")
    if report:
        Path(report).write_text(
            json.dumps({"total": total, "by_parser": dict(FUZZ_CASES)}, indent=2) + "\n"
        )
