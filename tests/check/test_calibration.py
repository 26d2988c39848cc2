"""Every calibration fixture lands in its expected band with its expected failures."""

import importlib.util
from pathlib import Path

import pytest

from tests.check.conftest import FIXTURES, REPO_ROOT

spec = importlib.util.spec_from_file_location(
    "calibration", REPO_ROOT / "evals" / "check" / "run.py"
)
assert spec is not None and spec.loader is not None
calibration = importlib.util.module_from_spec(spec)
spec.loader.exec_module(calibration)

FIXTURE_DIRS = sorted(p for p in FIXTURES.iterdir() if (p / "expected.yaml").is_file())


def test_there_are_at_least_twelve_fixtures() -> None:
    assert len(FIXTURE_DIRS) >= 12


@pytest.mark.parametrize("directory", FIXTURE_DIRS, ids=lambda p: p.name)
def test_fixture_agrees_with_expectation(directory: Path) -> None:
    row = calibration.evaluate_fixture(directory)
    assert row["agrees"], row["problems"]


def test_fixtures_hold_no_git_directory() -> None:
    assert not [p for p in FIXTURES.rglob(".git")]
