"""The composite GitHub Action and the pre-commit hook run the real command."""

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from tests.check.conftest import FIXTURES, REPO_ROOT

BIN = Path(sys.executable).parent


def test_action_is_composite_and_installs_and_runs_the_checker() -> None:
    action = yaml.safe_load((REPO_ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert {"path", "fail-under", "sarif-file"} <= set(action["inputs"])
    assert action["outputs"]["score"]["value"] == "${{ steps.check.outputs.score }}"
    steps = {step.get("id"): step for step in action["runs"]["steps"]}
    assert "scaffold check" in steps["check"]["run"]
    assert "GITHUB_STEP_SUMMARY" in steps["check"]["run"]


def _run_action_step(
    tmp_path: Path, path: Path | str, fail_under: str, cwd: Path | None = None
) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    action = yaml.safe_load((REPO_ROOT / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "check")
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "INPUT_PATH": str(path),
        "INPUT_FAIL_UNDER": fail_under,
        "INPUT_SARIF_FILE": str(tmp_path / "out.sarif"),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(output),
        "RUNNER_TEMP": str(tmp_path),
    }
    done = subprocess.run(["bash", "-e", "-c", step["run"]], env=env, capture_output=True, text=True, cwd=cwd)
    return done, summary, output


def test_action_step_writes_summary_and_score_and_passes_above_threshold(tmp_path: Path) -> None:
    done, summary, output = _run_action_step(tmp_path, FIXTURES / "strong-rag", "90")
    assert done.returncode == 0, done.stderr
    assert summary.read_text().startswith("## scaffold check:")
    score = float(output.read_text().strip().removeprefix("score="))
    assert score >= 90
    assert (tmp_path / "out.sarif").is_file()


def test_action_step_fails_under_the_threshold(tmp_path: Path) -> None:
    done, summary, _ = _run_action_step(tmp_path, FIXTURES / "tutorial-clone", "60")
    assert done.returncode == 1
    assert "scaffold check" in summary.read_text()


def test_pre_commit_hook_entry_is_the_installed_command() -> None:
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "scaffold-check")
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    command, *args = hook["entry"].split()
    scripts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert command in scripts
    done = subprocess.run(
        [str(BIN / command), *args, *hook.get("args", []), "--fail-under", "90"],
        cwd=FIXTURES / "strong-rag",
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    failing = subprocess.run(
        [str(BIN / command), *args, "--fail-under", "90"],
        cwd=FIXTURES / "notebook-only",
        capture_output=True,
        text=True,
    )
    assert failing.returncode == 1


def _hostile_workspace(root: Path, marker: Path) -> None:
    """A checked repository whose Python files would take over any Python started in it."""
    payload = f"import pathlib; pathlib.Path({str(marker)!r}).touch()\n"
    (root / "json.py").write_text(payload + "def load(*a, **k):\n    return {'score': {'total': 100.0}}\n")
    (root / "sys.py").write_text(payload)
    (root / "sitecustomize.py").write_text(payload)
    (root / "usercustomize.py").write_text(payload)
    (root / "pip").mkdir()
    (root / "pip" / "__init__.py").write_text(payload)
    (root / "pip" / "__main__.py").write_text(payload)
    (root / "scaffold").mkdir()
    (root / "scaffold" / "__init__.py").write_text(payload)
    dist = root / "evil-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: evil\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[scaffold.checks]\nevil = json:load\n")


def test_action_step_runs_no_python_of_the_checked_workspace(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(FIXTURES / "tutorial-clone", workspace)
    marker = tmp_path / "marker"
    _hostile_workspace(workspace, marker)
    reports = tmp_path / "runner"
    reports.mkdir()
    done, _summary, output = _run_action_step(reports, Path("."), "0", cwd=workspace)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not marker.exists(), "a Python file of the checked workspace ran"
    score = float(output.read_text().strip().removeprefix("score="))
    assert score < 60, "the score came from the workspace's json.py"
    assert (reports / "out.sarif").is_file()
    failing, _, _ = _run_action_step(reports, Path("."), "99", cwd=workspace)
    assert failing.returncode == 1 and "below fail-under" in failing.stderr
    assert not marker.exists()


def test_action_step_rejects_a_fail_under_that_is_not_a_number(tmp_path: Path) -> None:
    done, _, _ = _run_action_step(tmp_path, FIXTURES / "tutorial-clone", "$(touch x)")
    assert done.returncode == 1
    assert "fail-under must be a number" in done.stderr
    assert not (tmp_path / "x").exists()


def test_action_step_gates_a_portfolio_on_its_lowest_repository(tmp_path: Path) -> None:
    paths = f"{FIXTURES / 'strong-rag'}\n\n{FIXTURES / 'serving-bench'}\n"
    done, summary, output = _run_action_step(tmp_path, paths, "50")
    assert done.returncode == 0, done.stderr
    assert "portfolio of 2" in summary.read_text()
    report = json.loads((tmp_path / "scaffold-check" / "report.json").read_text())
    assert float(output.read_text().strip().removeprefix("score=")) == report["portfolio"]["lowest"]
    assert len(json.loads((tmp_path / "out.sarif").read_text())["runs"]) == 2
    failing, _, _ = _run_action_step(tmp_path, f"{paths}{FIXTURES / 'tutorial-clone'}", "50")
    assert failing.returncode == 1
