"""Tracked files are read from `.git/index` as data, so a committed file that `.gitignore` matches is kept."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from scaffold.check.evidence.files import build_file_index
from scaffold.check.evidence.git_index import parse_index, tracked_paths

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")

NAMES = ["Procfile", "runs/eval_1.json", "a/b/c/" + "x" * 200, "café.py", "sp ace.txt", "runs/keep/b.json"]


def _git(root: Path, *args: str) -> None:
    assert GIT is not None
    env = {"PATH": os.environ["PATH"], "HOME": str(root), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    subprocess.run([GIT, *args], cwd=root, env=env, check=True, capture_output=True)


def _tracked_repo(root: Path, version: str) -> Path:
    root.mkdir()
    _git(root, "init", "-q")
    for name in NAMES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x")
    _git(root, "add", ".")
    _git(root, "update-index", "--index-version", version)
    _git(root, "update-index", "--skip-worktree", "sp ace.txt")  # an extended-flags entry
    return root


@needs_git
@pytest.mark.parametrize("version", ["2", "3", "4"])
def test_every_index_version_lists_the_tracked_paths(tmp_path: Path, version: str) -> None:
    root = _tracked_repo(tmp_path / "r", version)
    assert tracked_paths(root) == frozenset(NAMES)


@needs_git
def test_tracked_files_matching_gitignore_are_indexed_and_untracked_ones_are_not(tmp_path: Path) -> None:
    root = _tracked_repo(tmp_path / "r", "2")
    (root / ".gitignore").write_text("Procfile\nruns/\n")
    (root / "runs" / "eval_2.json").write_text("untracked")
    (root / "runs" / "new").mkdir()
    (root / "runs" / "new" / "c.json").write_text("untracked")
    index = build_file_index(root)
    assert "Procfile" in index and "runs/eval_1.json" in index and "runs/keep/b.json" in index
    assert "runs/eval_2.json" not in index and "runs/new/c.json" not in index
    excluded = build_file_index(root, exclude=["Procfile"])
    assert "Procfile" not in excluded  # the checker's own exclude wins over being tracked


def test_a_long_name_entry_is_read_to_its_terminator() -> None:
    name = b"d/" + b"n" * 5000
    entry = b"\0" * 40 + b"\x11" * 20 + struct.pack(">H", 0x0FFF) + name
    entry += b"\0" * (8 - (len(entry) % 8))
    data = b"DIRC" + struct.pack(">II", 2, 2) + entry + entry
    assert parse_index(data) == [name.decode()] * 2


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"DIRC",
        b"XXXX" + struct.pack(">II", 2, 0),
        b"DIRC" + struct.pack(">II", 9, 0),
        b"DIRC" + struct.pack(">II", 2, 5),
    ],
    ids=["empty", "header-only", "bad-signature", "unknown-version", "truncated"],
)
def test_an_index_git_did_not_write_is_unknown(data: bytes) -> None:
    assert parse_index(data) is None


def test_an_index_outside_the_tree_is_never_read(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "index").write_bytes(b"DIRC" + struct.pack(">II", 2, 0))
    root = tmp_path / "r"
    root.mkdir()
    (root / ".git").write_text(f"gitdir: {other}\n")
    assert tracked_paths(root) is None
    (root / ".git").unlink()
    (root / ".git").mkdir()
    (root / ".git" / "index").symlink_to(other / "index")
    assert tracked_paths(root) is None
