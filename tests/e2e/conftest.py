"""Shared by the end-to-end tier: a workspace outside pytest's temp root and `make` in a generated project."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import pytest

from ..career.sourcing import assert_numbers_are_sourced
from ..conftest import run_scaffold


def project_env() -> dict[str, str]:
    """The environment a generated project's commands run in: not scaffold's own."""
    return {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "SCAFFOLD_CACHE"}}


def make(project: Path, target: str, *variables: str, timeout: int = 1800, answers: str | None = None) -> str:
    """``make target [NAME=value ...]`` in the generated project, outside scaffold's own environment;
    ``answers`` is what a user types at its prompts (standard input)."""
    # llama-cpp-python compiles on install: one `make setup-llm` at a time across the tier's
    # processes, so the projects after the first install the wheel pip cached from its build.
    with _exclusive("setup-llm") if target == "setup-llm" else nullcontext():
        result = subprocess.run(
            ["make", target, *variables],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=project_env(),
            input=answers if answers is not None else "",
        )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"make {target} failed:\n{output[-6000:]}"
    return output


@contextmanager
def _exclusive(name: str) -> Iterator[None]:
    """Held by one process of this machine at a time (a lock file in the temp directory)."""
    with (Path(tempfile.gettempdir()) / f"scaffold-e2e-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def set_up_project(workspace: Path, kind: str, name: str, setup_timeout: int = 1800) -> Path:
    """Render ``kind`` with its defaults into ``workspace/name`` and run its ``make setup``."""
    dest = workspace / name
    result = run_scaffold("new", kind, str(dest), "--defaults")
    assert result.returncode == 0, result.stderr
    make(dest, "setup", timeout=setup_timeout)
    return dest


def check_report(project: Path) -> dict[str, Any]:
    """`scaffold check --format json` of the project, after committing everything, as a user does
    (only what git tracks counts as committed)."""
    identity = ["-c", "user.name=e2e", "-c", "user.email=e2e@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "add", "-A"], cwd=project, check=True, capture_output=True)
    subprocess.run(
        ["git", *identity, "commit", "-q", "--allow-empty", "-m", "Results of make targets"],
        cwd=project,
        check=True,
        capture_output=True,
    )
    report: dict[str, Any] = json.loads(run_scaffold("check", str(project), "--format", "json").stdout)
    return report


def finding(report: dict[str, Any], check_id: str) -> dict[str, Any]:
    return next(f for f in report["findings"] if f["id"] == check_id)


def assert_the_example_is_flagged(project: Path, *example_files: str) -> dict[str, Any]:
    """A render still holding the template's example fails EN7, which names the files and the fix."""
    report = check_report(project)
    en7 = finding(report, "EN7")
    assert en7["status"] == "fail", en7
    assert all(name in en7["detail"] for name in example_files), en7
    assert "Make it yours" in en7.get("fix", "") and "make it yours: `make " in en7["detail"], en7
    return report


def points_lost(report: dict[str, Any], check_id: str) -> float:
    """What ``check_id`` costs the total, by the scoring policy (weighted share of its family, weighted
    mean of the families)."""
    lost = finding(report, check_id)
    families = report["score"]["families"]
    family = next(name for name in families if name.lower() == lost["family"].lower())
    members = [f for f in report["findings"] if f["family"] == lost["family"] and f["status"] != "n/a"]
    share = lost["weight"] * (1 - lost["credit"]) / sum(f["weight"] for f in members)
    return 100 * families[family]["weight"] / sum(f["weight"] for f in families.values()) * share


def assert_check_score_at_least(project: Path, floor: float, *, example_files: tuple[str, ...] = ()) -> None:
    """`scaffold check` scores the generated project at ``floor`` or more, with EN7 (not the
    template's example) passing; failing ids in the message. With ``example_files``, the project
    is still the example (a kind whose make-it-yours path needs hardware the test machine lacks):
    EN7 must fail naming them, and everything else must reach ``floor``."""
    if example_files:
        report = assert_the_example_is_flagged(project, *example_files)
        total = report["score"]["total"] + points_lost(report, "EN7")
    else:
        report = check_report(project)
        assert finding(report, "EN7")["status"] == "pass", finding(report, "EN7")
        total = report["score"]["total"]
    failing = {f["id"]: f.get("detail") for f in report["findings"] if f["status"] == "fail"}
    assert total >= floor, failing
    # The same evidence makes its resume bullets: every number is in a results file, with its key.
    bullets = json.loads(run_scaffold("bullets", str(project), "--format", "json").stdout)
    assert 3 <= len(bullets["bullets"]) <= 5, bullets
    assert assert_numbers_are_sourced(project, bullets) >= 3, bullets


@pytest.fixture(scope="module")
def workspace() -> Iterator[Path]:
    """A directory outside pytest's own temp root: the generated projects run pytest themselves, and
    pytest resets its temp root to mode 0700, which the embedded Postgres (running as an
    unprivileged user when started by root) could then no longer traverse to reach .venv."""
    root = Path(tempfile.mkdtemp(prefix="scaffold-e2e-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)
