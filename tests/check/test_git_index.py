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


def _index_with(names: list[bytes]) -> bytes:
    entries = b""
    for name in names:
        entry = b"\0" * 40 + b"\x11" * 20 + struct.pack(">H", min(len(name), 0x0FFF)) + name
        entries += entry + b"\0" * (8 - (len(entry) % 8))
    return b"DIRC" + struct.pack(">II", 2, len(names)) + entries


def test_in_a_checkout_the_index_is_the_list_of_files_and_no_other_file_is_read(tmp_path: Path) -> None:
    root = tmp_path / "r"
    (root / ".git").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("x = 1\n")
    (root / "scratch.py").write_text("untracked\n")
    (root / ".git" / "index").write_bytes(_index_with([b"src/app.py", b"gone.py"]))
    index = build_file_index(root)
    # A nested .gitignore is git's business: only what git tracks (and is still there) is indexed.
    assert [f.path for f in index] == ["src/app.py"] and index.tracked == {"src/app.py", "gone.py"}


def test_index_paths_never_lead_out_of_the_tree(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("KEY = 1\n")
    root = tmp_path / "r"
    (root / ".git").mkdir(parents=True)
    (root / "linked").symlink_to(outside)
    (root / "ok.py").write_text("x = 1\n")
    hostile = [b"../outside/secret.py", b"/etc/hostname", b"linked/secret.py", b"a/./b.py", b"ok.py"]
    (root / ".git" / "index").write_bytes(_index_with(hostile))
    index = build_file_index(root)
    assert [f.path for f in index] == ["ok.py"]
    assert index.skipped["unsafe path in the git index"] == 3
    assert index.skipped["below a symlink or missing folder (not followed)"] == 1
