"""Shared by the end-to-end tier: a workspace outside pytest's temp root and `make` in a generated project."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def make(project: Path, target: str, *variables: str, timeout: int = 1800) -> str:
    """``make target [NAME=value ...]`` in the generated project, outside scaffold's own environment."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "SCAFFOLD_CACHE"}}
    result = subprocess.run(
        ["make", target, *variables], cwd=project, capture_output=True, text=True, timeout=timeout, env=env
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"make {target} failed:\n{output[-6000:]}"
    return output


@pytest.fixture(scope="module")
def workspace() -> Iterator[Path]:
    """A directory outside pytest's own temp root: the generated projects run pytest themselves, and
    pytest resets its temp root to mode 0700, which the embedded Postgres (running as an
    unprivileged user when started by root) could then no longer traverse to reach .venv."""
    root = Path(tempfile.mkdtemp(prefix="scaffold-e2e-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)
