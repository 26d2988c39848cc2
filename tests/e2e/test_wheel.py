"""A wheel ships the templates and their git history, so an installed scaffold renders and
updates offline without the source checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def test_installed_wheel_renders_from_the_shipped_bundle(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)], check=True)
    wheel = next(wheels.glob("scaffold-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    subprocess.run([str(env_dir / "bin/pip"), "install", "-q", str(wheel)], check=True)
    cache = tmp_path / "cache"
    dest = tmp_path / "demo"
    result = subprocess.run(
        [str(env_dir / "bin/scaffold"), "new", "rag-qa", str(dest), "--defaults"],
        capture_output=True,
        text=True,
        env={**os.environ, "SCAFFOLD_CACHE": str(cache)},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert (cache / "templates.key").read_text().startswith("wheel:")
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == f"{cache}/templates.bundle"
    history = subprocess.run(
        ["git", "bundle", "list-heads", str(cache / "templates.bundle")], capture_output=True, text=True, check=True
    ).stdout
    assert "refs/heads/main" in history and "refs/tags/" in history
