"""The harness itself must be able to fail: each invariant is seen to trip on a command that breaks it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.hostile.harness import assert_contained, run_hostile, snapshot


def _python(code: str) -> list[str]:
    # `python -c CODE -m scaffold ...`: CODE runs and the rest is its argv, never scaffold.
    return [sys.executable, "-c", code]


def test_a_hang_is_killed_and_reported(tmp_path: Path) -> None:
    outcome = run_hostile(python=_python("import time; time.sleep(30)"), timeout=1)
    assert outcome.timed_out
    with pytest.raises(AssertionError, match="hung"):
        assert_contained(outcome, time_bound=1)


def test_a_traceback_is_caught() -> None:
    outcome = run_hostile(python=_python("raise SystemExit(__import__('x' * 3))"))
    with pytest.raises(AssertionError, match="Traceback"):
        assert_contained(outcome)


def test_memory_and_markers_and_writes_are_seen(tmp_path: Path) -> None:
    watched = tmp_path / "tree"
    watched.mkdir()
    (watched / "a.txt").write_text("a")
    before = snapshot(watched)
    marker = tmp_path / "marker"
    code = (
        "import pathlib, sys; b = bytearray(300 * 2**20);"
        f"pathlib.Path({str(marker)!r}).touch(); pathlib.Path({str(watched / 'b.txt')!r}).write_text('b')"
    )
    outcome = run_hostile(python=_python(code))
    assert outcome.returncode == 0 and outcome.peak_rss_mib > 250
    with pytest.raises(AssertionError, match="peak RSS"):
        assert_contained(outcome, memory_bound_mib=250)
    with pytest.raises(AssertionError, match="code ran"):
        assert_contained(outcome, marker=marker)
    with pytest.raises(AssertionError, match="changed the tree"):
        assert_contained(outcome, watched=watched, before=before)


def test_a_failure_without_an_error_line_is_caught() -> None:
    outcome = run_hostile(python=_python("import sys; print('oops', file=sys.stderr); sys.exit(2)"))
    with pytest.raises(AssertionError, match="one-line error"):
        assert_contained(outcome)
