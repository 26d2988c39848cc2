"""Commit history, read with `git log` on the repository's own `.git` only (never a parent's)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    timestamp: int


@dataclass
class GitHistory:
    commits: list[Commit] = field(default_factory=list)
    unavailable: str | None = None
    shallow: bool = False


def read_git_history(root: Path, limit: int = 5000) -> GitHistory:
    git_dir = root / ".git"
    if not (git_dir.is_dir() or git_dir.is_file()) or git_dir.is_symlink():
        return GitHistory(
            unavailable="not a git repository (no .git at its root; parent folders are never consulted)"
        )
    git = shutil.which("git")
    if git is None:
        return GitHistory(unavailable="git is not installed, so the history could not be read")
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")} | {
        "GIT_CEILING_DIRECTORIES": str(root.parent),
        "GIT_CONFIG_NOSYSTEM": "1",
        "LC_ALL": "C",
    }
    # Options that would make git start another program (pager, fsmonitor, signature checks) are off.
    command = [
        git,
        "--no-pager",
        "--git-dir",
        str(git_dir),
        "--work-tree",
        str(root),
        "-c",
        "core.fsmonitor=false",
        "-c",
        "log.showSignature=false",
        "-c",
        "safe.directory=*",
        "log",
        "--no-color",
        "--no-show-signature",
        f"--max-count={limit}",
        "--format=%H%x1f%ae%x1f%at",
    ]
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=20, env=env, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return GitHistory(unavailable=f"git log failed ({exc})")
    if completed.returncode != 0:
        message = completed.stderr.strip().splitlines()
        reason = message[-1] if message else f"exit {completed.returncode}"
        return GitHistory(unavailable=f"git log failed: {reason}")
    commits: list[Commit] = []
    for line in completed.stdout.splitlines():
        parts = line.split("\x1f")
        if len(parts) == 3 and parts[2].isdigit():
            commits.append(Commit(parts[0], parts[1].lower(), int(parts[2])))
    shallow = (git_dir / "shallow").is_file() if git_dir.is_dir() else False
    return GitHistory(commits=commits, shallow=shallow)
