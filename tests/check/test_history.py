"""Reading the history: what is read, what is refused, and why."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scaffold.check.evidence import history
from scaffold.check.evidence.history import read_git_history

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")


def _git(root: Path, *args: str) -> None:
    assert GIT is not None
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(root),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "Ada",
        "GIT_AUTHOR_EMAIL": "Ada@Example.com",
        "GIT_COMMITTER_NAME": "Ada",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
    }
    subprocess.run([GIT, *args], cwd=root, env=env, check=True, capture_output=True)


def _repo(root: Path, commits: int) -> Path:
    root.mkdir(parents=True)
    _git(root, "init", "-q")
    for number in range(commits):
        (root / "a.txt").write_text(str(number))
        _git(root, "add", ".")
        _git(root, "commit", "-qm", f"c{number}")
    return root


@needs_git
def test_commits_are_read_newest_first_with_lower_case_authors(tmp_path: Path) -> None:
    found = read_git_history(_repo(tmp_path / "r", 3))
    assert found.unavailable is None and len(found.commits) == 3
    assert {c.author for c in found.commits} == {"ada@example.com"}
    assert found.commits[0].timestamp >= found.commits[-1].timestamp


@needs_git
def test_a_repository_without_commits_has_an_empty_history(tmp_path: Path) -> None:
    found = read_git_history(_repo(tmp_path / "r", 0))
    assert found.unavailable is None and found.commits == []


@needs_git
def test_a_missing_head_object_is_unavailable_not_fetched(tmp_path: Path) -> None:
    root = _repo(tmp_path / "r", 1)
    for path in (root / ".git" / "objects").rglob("*"):
        if path.is_file() and len(path.parent.name) == 2:
            path.unlink()
    found = read_git_history(root)
    assert found.unavailable is not None and found.unavailable.startswith("history unavailable: git could not read it")
    assert not found.refused


def test_without_git_on_a_trusted_path_the_history_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "r"
    (root / ".git").mkdir(parents=True)
    monkeypatch.setenv("PATH", f"{root}{os.pathsep}relative/bin")
    found = read_git_history(root)
    assert found.unavailable == "git is not installed, so the history could not be read"


@pytest.mark.parametrize(
    ("stderr", "expected", "refused"),
    [
        (
            "fatal: detected dubious ownership in repository at '/x'\nTo add an exception ... safe.directory /x",
            "history unavailable: the repository is owned by another user (git's safe.directory guard)",
            True,
        ),
        ("fatal: bad object HEAD", "history unavailable: git could not read it (fatal: bad object HEAD)", False),
    ],
    ids=["dubious-ownership", "bad-object"],
)
def test_git_failures_read_as_reasons(stderr: str, expected: str, refused: bool) -> None:
    found = history._failure_reason(stderr, 128)
    assert found.unavailable == expected and found.refused is refused


def test_a_dot_git_file_without_a_gitdir_line_is_not_a_pointer(tmp_path: Path) -> None:
    (tmp_path / ".git").write_text("nonsense\n")
    found = read_git_history(tmp_path)
    assert found.unavailable == "history unavailable: the .git file is not a `gitdir:` pointer"


def test_a_commondir_leading_out_of_the_tree_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "r"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "commondir").write_text(str(tmp_path / "elsewhere"))
    found = read_git_history(root)
    assert found.refused and found.unavailable is not None and "commondir" in found.unavailable


@needs_git
def test_a_pack_linked_from_outside_the_tree_is_refused(tmp_path: Path) -> None:
    root = _repo(tmp_path / "r", 2)
    _git(root, "gc", "-q")
    packs = root / ".git" / "objects" / "pack"
    outside = tmp_path / "outside"
    outside.mkdir()
    for pack in packs.iterdir():
        pack.rename(outside / pack.name)
        pack.symlink_to(outside / pack.name)
    found = read_git_history(root)
    assert found.refused and found.unavailable is not None and "objects/pack holds links" in found.unavailable


def test_one_author_under_several_addresses_is_one_person() -> None:
    from scaffold.check.evidence.history import Commit, merge_identities

    commits = [
        Commit("a", "1234+ada@users.noreply.github.com", 3, "Ada L"),
        Commit("b", "ada@example.com", 2, "Ada Lovelace"),
        Commit("c", "ada@work.example", 1, "Ada Lovelace"),
        Commit("d", "old@laptop.local", 0, "ada-old"),
        Commit("e", "bob@example.com", 0, "Bob"),
    ]
    merged = merge_identities(commits, {"old@laptop.local": "ada@example.com"})
    authors = [c.author for c in merged]
    assert len(set(authors[:4])) == 1, authors
    assert authors[4] == "bob@example.com"
    # without a noreply login to tie them, one local part on two domains is two people
    strangers = merge_identities(
        [Commit("g", "john@a.example", 0, "John A"), Commit("h", "john@b.example", 0, "John B")], {}
    )
    assert len({c.author for c in strangers}) == 2


def test_en6_counts_a_noreply_alias_as_the_same_author(tmp_path: Path) -> None:
    import subprocess

    from tests.check.conftest import finding, score_tree

    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    people = [("Ada Lovelace", "ada@example.com")] * 6 + [("Ada", "9+ada@users.noreply.github.com")] * 3
    for day, (name, email) in enumerate(people):
        (tmp_path / f"f{day}.txt").write_text(str(day))
        env = {
            "GIT_AUTHOR_DATE": f"2026-01-{day + 1:02d}T12:00:00",
            "GIT_COMMITTER_DATE": f"2026-01-{day + 1:02d}T12:00:00",
        }
        subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
        subprocess.run(
            [
                "git",
                "-C",
                str(tmp_path),
                "-c",
                f"user.name={name}",
                "-c",
                f"user.email={email}",
                "commit",
                "-qm",
                f"c{day}",
            ],
            check=True,
            env={**__import__("os").environ, **env},
        )
    # the newest commits are by the noreply address, which on its own has 3 of 9
    en6 = finding(score_tree(tmp_path), "EN6")
    assert en6.status.value == "pass", en6.verdict.detail
