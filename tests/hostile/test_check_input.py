"""`scaffold check` on trees an attacker wrote: nothing of theirs runs, nothing hangs, the report is valid.

Each case builds its tree under tmp_path, names the marker its payload would create, runs the real
command line in a subprocess and asserts containment plus one specific outcome.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.hostile.harness import assert_contained, run_hostile, snapshot

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

README = "# Demo\n\nA small project.\n"


def _git(root: Path, *args: str) -> str:
    assert GIT is not None
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(root.parent),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "Ada",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
    }
    done = subprocess.run([GIT, *args], cwd=root, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def _repo(root: Path, commits: int = 3) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "README.md").write_text(README)
    _git(root, "init", "-q")
    for number in range(commits):
        (root / "a.txt").write_text(str(number))
        _git(root, "add", ".")
        _git(root, "commit", "-qm", f"change {number}")
    return root


def _payload(marker: Path) -> str:
    return f"touch {marker}"


def _script(path: Path, marker: Path) -> Path:
    path.write_text(f"#!/bin/sh\n{_payload(marker)}\nexit 0\n")
    path.chmod(0o755)
    return path


def _check(
    root: Path,
    marker: Path | None,
    *,
    fmt: str = "json",
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    time_bound: float = 60.0,
) -> dict[str, Any]:
    before = snapshot(root)
    neutral = None
    if cwd is None:  # an empty working directory, which must stay empty
        neutral = cwd = root.parent / f"cwd-{root.name}"
        cwd.mkdir(exist_ok=True)
    outcome = run_hostile("check", str(root), "--format", fmt, env=env, cwd=cwd, timeout=4 * time_bound)
    assert_contained(outcome, marker=marker, watched=root, before=before, exit_codes=(0, 1), time_bound=time_bound)
    if neutral is not None:
        assert not any(neutral.iterdir()), f"the command wrote {sorted(neutral.iterdir())}"
    if fmt != "json":
        assert outcome.stdout.strip(), outcome.describe()
        return {}
    data: dict[str, Any] = json.loads(outcome.stdout)
    assert 0 <= data["score"]["total"] <= 100
    return data


def _finding(data: dict[str, Any], check_id: str) -> dict[str, Any]:
    return next(f for f in data["findings"] if f["id"] == check_id)


# --- git history: the checked repository's .git must not run anything -------------------------


def _partial_clone_missing_head(root: Path, marker: Path) -> None:
    """HEAD's object is missing and a promisor remote would be fetched over an attacker's ssh."""
    head = _git(root, "rev-parse", "HEAD")
    (root / ".git" / "objects" / head[:2] / head[2:]).unlink()
    _git(root, "config", "core.repositoryformatversion", "1")
    _git(root, "config", "extensions.partialClone", "origin")
    _git(root, "config", "remote.origin.url", "ssh://attacker.invalid/x")
    _git(root, "config", "remote.origin.promisor", "true")
    _git(root, "config", "core.sshCommand", f"{_payload(marker)}; false")


def _partial_clone_ext_transport(root: Path, marker: Path) -> None:
    _partial_clone_missing_head(root, marker)
    _git(root, "config", "remote.origin.url", f"ext::sh -c '{_payload(marker)}'")
    _git(root, "config", "protocol.ext.allow", "always")
    _git(root, "config", "protocol.allow", "always")
    _git(root, "config", "remote.origin.uploadpack", _payload(marker))


def _proxy_and_upload_pack(root: Path, marker: Path) -> None:
    _partial_clone_missing_head(root, marker)
    _git(root, "config", "remote.origin.url", "git://attacker.invalid/x")
    _git(root, "config", "core.gitProxy", str(_script(root.parent / "proxy.sh", marker)))
    _git(root, "config", "uploadpack.packObjectsHook", _payload(marker))


def _fsmonitor(root: Path, marker: Path) -> None:
    _git(root, "config", "core.fsmonitor", str(_script(root.parent / "fsmonitor.sh", marker)))


def _pager_and_diff(root: Path, marker: Path) -> None:
    _git(root, "config", "core.pager", _payload(marker))
    _git(root, "config", "pager.log", _payload(marker))
    _git(root, "config", "pager.rev-list", _payload(marker))
    _git(root, "config", "diff.external", str(_script(root.parent / "diff.sh", marker)))
    _git(root, "config", "gpg.program", str(_script(root.parent / "gpg.sh", marker)))
    _git(root, "config", "log.showSignature", "true")
    _git(root, "config", "core.alternateRefsCommand", _payload(marker))


def _hooks(root: Path, marker: Path) -> None:
    hooks = root / "hooks-elsewhere"
    hooks.mkdir()
    for name in ("post-checkout", "pre-commit", "post-index-change", "reference-transaction", "fsmonitor-watchman"):
        _script(root / ".git" / "hooks" / name, marker)
        _script(hooks / name, marker)
    _git(root, "config", "core.hooksPath", str(hooks))


def _include(root: Path, marker: Path) -> None:
    included = root / "included.gitconfig"
    included.write_text(
        f"[core]\n\tfsmonitor = {_script(root.parent / 'fsmonitor.sh', marker)}\n"
        f"\tpager = {_payload(marker)}\n\tsshCommand = {_payload(marker)}; false\n"
        '[remote "origin"]\n\turl = ssh://attacker.invalid/x\n\tpromisor = true\n'
    )
    head = _git(root, "rev-parse", "HEAD")
    (root / ".git" / "objects" / head[:2] / head[2:]).unlink()
    _git(root, "config", "core.repositoryformatversion", "1")
    _git(root, "config", "extensions.partialClone", "origin")
    _git(root, "config", "include.path", str(included))
    _git(root, "config", f"includeIf.gitdir:{root}/.git.path", str(included))


GIT_CONFIG_CASES: dict[str, Callable[[Path, Path], None]] = {
    "partial-clone-ssh-command": _partial_clone_missing_head,
    "partial-clone-ext-transport": _partial_clone_ext_transport,
    "git-proxy-and-upload-pack": _proxy_and_upload_pack,
    "fsmonitor-script": _fsmonitor,
    "pager-diff-gpg-alternate-refs": _pager_and_diff,
    "hooks": _hooks,
    "include-path": _include,
}


@needs_git
@pytest.mark.parametrize("build", GIT_CONFIG_CASES.values(), ids=GIT_CONFIG_CASES.keys())
def test_git_config_of_the_checked_repository_runs_nothing(tmp_path: Path, build: Callable[[Path, Path], None]) -> None:
    root = _repo(tmp_path / "repo")
    marker = tmp_path / "marker"
    build(root, marker)
    data = _check(root, marker)
    en6 = _finding(data, "EN6")
    if "partial" in build.__name__ or build in (_proxy_and_upload_pack, _include):
        assert en6["status"] == "fail" and "history unavailable" in en6["detail"], en6
    else:
        assert "3 commits" in en6["detail"], en6  # the history itself is still read
    _check(root, marker, fmt="text")


@needs_git
def test_git_variables_of_the_caller_do_not_reach_git(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    other = _repo(tmp_path / "other", commits=9)
    marker = tmp_path / "marker"
    script = str(_script(tmp_path / "run.sh", marker))
    env = {
        "GIT_DIR": str(other / ".git"),
        "GIT_WORK_TREE": str(other),
        "GIT_SSH_COMMAND": script,
        "GIT_PAGER": script,
        "GIT_EXTERNAL_DIFF": script,
        "GIT_ASKPASS": script,
        "GIT_CONFIG_PARAMETERS": f"'core.fsmonitor'='{script}'",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "core.fsmonitor",
        "GIT_CONFIG_VALUE_0": script,
        "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(other / ".git" / "objects"),
        "GIT_TRACE": str(tmp_path / "trace"),
    }
    data = _check(root, marker, env=env)
    assert "3 commits" in _finding(data, "EN6")["detail"]  # its own history, not GIT_DIR's
    assert not (tmp_path / "trace").exists()


@needs_git
def test_a_git_binary_inside_the_checked_tree_is_never_started(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    marker = tmp_path / "marker"
    (root / "bin").mkdir()
    _script(root / "bin" / "git", marker)
    _script(root / "git", marker)
    env = {"PATH": f"{root / 'bin'}{os.pathsep}{os.pathsep}.{os.pathsep}{os.environ['PATH']}"}
    assert "3 commits" in _finding(_check(root, marker, env=env, cwd=root), "EN6")["detail"]


@needs_git
def test_a_dot_git_file_pointing_out_of_the_tree_is_not_followed(tmp_path: Path) -> None:
    other = _repo(tmp_path / "other", commits=9)
    root = tmp_path / "repo"
    root.mkdir()
    (root / "README.md").write_text(README)
    (root / ".git").write_text(f"gitdir: {other / '.git'}\n")
    data = _check(root, None)
    en6 = _finding(data, "EN6")
    assert en6["status"] == "n/a" and "points outside the checked tree" in en6["detail"], en6


@needs_git
def test_a_dot_git_file_pointing_inside_the_tree_is_read(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo", commits=2)
    (root / ".git").rename(root / "real-git")
    (root / ".git").write_text("gitdir: real-git\n")
    assert "2 commits" in _finding(_check(root, None), "EN6")["detail"]


@needs_git
def test_alternates_borrowing_another_repositorys_objects_are_refused(tmp_path: Path) -> None:
    other = _repo(tmp_path / "other", commits=9)
    root = _repo(tmp_path / "repo", commits=1)
    (root / ".git" / "objects" / "info" / "alternates").write_text(f"{other / '.git' / 'objects'}\n")
    (root / ".git" / "refs" / "heads" / "main").write_text(_git(other, "rev-parse", "HEAD") + "\n")
    _git(root, "symbolic-ref", "HEAD", "refs/heads/main")
    en6 = _finding(_check(root, None), "EN6")
    assert en6["status"] == "n/a" and "not self-contained" in en6["detail"], en6


@needs_git
def test_an_object_store_linked_out_of_the_tree_is_refused(tmp_path: Path) -> None:
    other = _repo(tmp_path / "other", commits=9)
    root = _repo(tmp_path / "repo", commits=1)
    shutil.rmtree(root / ".git" / "objects")
    (root / ".git" / "objects").symlink_to(other / ".git" / "objects")
    (root / ".git" / "refs" / "heads" / "main").write_text(_git(other, "rev-parse", "HEAD") + "\n")
    _git(root, "symbolic-ref", "HEAD", "refs/heads/main")
    en6 = _finding(_check(root, None), "EN6")
    assert en6["status"] == "n/a" and "objects leads outside the checked tree" in en6["detail"], en6


@needs_git
def test_a_dot_git_link_is_never_followed(tmp_path: Path) -> None:
    other = _repo(tmp_path / "other", commits=9)
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".git").symlink_to(other / ".git")
    en6 = _finding(_check(root, None), "EN6")
    assert "9 commits" not in en6["detail"] and "link" in en6["detail"], en6


@needs_git
@pytest.mark.skipif(not IS_ROOT, reason="making a repository owned by another user needs root")
def test_a_repository_owned_by_another_user_is_not_read(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    marker = tmp_path / "marker"
    _fsmonitor(root, marker)
    for directory, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames, "."]:
            os.lchown(os.path.join(directory, name), 65534, 65534)
    en6 = _finding(_check(root, marker), "EN6")
    assert en6["status"] == "n/a", en6
    assert "owned by another user (git's safe.directory guard)" in en6["detail"], en6


# --- plugins: never from the checked repository or the current directory -----------------------


def _dist_info_plugin(root: Path, marker: Path) -> None:
    payload = f"import pathlib\npathlib.Path({str(marker)!r}).touch()\n"
    (root / "evil_plugin.py").write_text(payload + "def provide():\n    return []\n")
    dist = root / "evil_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: evil-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[scaffold.checks]\nevil = evil_plugin:provide\n")


def _shadowing_modules(root: Path, marker: Path) -> None:
    payload = f"import pathlib\npathlib.Path({str(marker)!r}).touch()\n"
    for name in ("typer", "rich", "yaml", "tomllib", "json", "ast"):
        (root / f"{name}.py").write_text(payload)


PLUGIN_CASES = {"dist-info-entry-point": _dist_info_plugin, "modules-shadowing-imports": _shadowing_modules}


@pytest.mark.parametrize("build", PLUGIN_CASES.values(), ids=PLUGIN_CASES.keys())
def test_python_m_scaffold_in_the_checked_repository_imports_nothing_from_it(
    tmp_path: Path, build: Callable[[Path, Path], None]
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    marker = tmp_path / "marker"
    (root / "README.md").write_text(README)
    build(root, marker)
    _check(root, marker, cwd=root)
    before = snapshot(root)
    outcome = run_hostile("check", ".", "--format", "json", cwd=root)
    assert_contained(outcome, marker=marker, watched=root, before=before, exit_codes=(0, 1))
    assert json.loads(outcome.stdout)["path"] == str(root.resolve())


# --- the tree itself ---------------------------------------------------------------------------


def _symlinks(root: Path, secret: Path) -> None:
    (root / "loop").symlink_to(root)
    (root / "a").mkdir()
    (root / "a" / "up").symlink_to("..")
    (root / "README.md").symlink_to(secret)
    (root / "pyproject.toml").symlink_to(secret)
    (root / "docs").symlink_to(secret.parent)
    (root / "self").symlink_to("self")


def test_links_are_never_followed(tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "secret.md"
    secret.parent.mkdir()
    secret.write_text("# Problem and dataset\nTOPSECRET 10,000 rows\n")
    root = tmp_path / "repo"
    root.mkdir()
    _symlinks(root, secret)
    data = _check(root, None)
    assert "TOPSECRET" not in json.dumps(data)
    assert data["files"]["skipped"].get("symlink (not followed)", 0) >= 5


def test_fifos_are_never_opened(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("README.md", ".gitignore", "pyproject.toml", "Makefile", "requirements.txt"):
        os.mkfifo(root / name)
    (root / ".github" / "workflows").mkdir(parents=True)
    os.mkfifo(root / ".github" / "workflows" / "ci.yml")
    data = _check(root, None, time_bound=30)
    assert data["files"]["skipped"]["not a regular file"] == 6


@pytest.mark.skipif(not IS_ROOT, reason="device nodes need root")
def test_device_nodes_are_never_opened(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    zero = os.stat("/dev/zero").st_rdev
    os.mknod(root / "README.md", stat.S_IFCHR | 0o644, zero)
    os.mknod(root / "results.json", stat.S_IFCHR | 0o644, zero)
    data = _check(root, None, time_bound=30)
    assert data["files"]["skipped"]["not a regular file"] == 2


def test_sparse_giant_files_are_not_read(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("README.md", "pyproject.toml", "results/eval.json", "src/app.py", ".gitignore"):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            handle.truncate(20 * 2**30)  # 20 GiB of holes
    data = _check(root, None, time_bound=30)
    assert sum(count for reason, count in data["files"]["skipped"].items() if reason.startswith("over")) == 5


def test_billion_laughs_yaml_stays_bounded(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    levels = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [f"a{k}: &a{k} [{','.join([f'*a{k - 1}'] * 9)}]" for k in range(1, 12)]
    bomb = "\n".join(levels) + "\non: push\njobs:\n  t:\n    steps:\n      - run: make test\n"
    for name in (".github/workflows/ci.yml", ".copier-answers.yml", "evals/cases.yaml", ".pre-commit-config.yaml"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(bomb)
    (root / "README.md").write_text(README)
    data = _check(root, None, time_bound=30)
    assert data["files"]["indexed"] == 5


def test_many_large_workflow_files_are_not_all_parsed(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    workflows = root / ".github" / "workflows"
    workflows.mkdir(parents=True)
    job = "  j{k}:\n    runs-on: ubuntu-latest\n    steps:\n      - run: 'echo {k}'\n        with: [a, b, {{c: d}}]\n"
    body = "on: push\njobs:\n" + "".join(job.format(k=k) for k in range(11_000))
    body = body[: 1000 * 1024].rsplit("\n  j", 1)[0] + "\n"
    for number in range(30):
        (workflows / f"ci{number}.yml").write_text(body)
    (root / "README.md").write_text(README)
    data = _check(root, None, time_bound=40)
    assert data["files"]["skipped"]["YAML not parsed (over the parse limit)"] == 30


def test_deeply_nested_toml_and_json_are_bounded(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "pyproject.toml").write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    (root / "results").mkdir()
    (root / "results" / "eval.json").write_text("[" * 200_000 + "]" * 200_000)
    (root / "evals").mkdir()
    (root / "evals" / "cases.jsonl").write_text(('{"a":' * 5_000 + "1" + "}" * 5_000 + "\n") * 20)
    (root / "README.md").write_text(README)
    data = _check(root, None)
    assert any(note.startswith("pyproject.toml could not be read") for note in data["notes"]), data["notes"]
    assert data["files"]["skipped"]["malformed JSON/CSV"] == 1


def test_python_that_crashes_the_parser_is_a_syntax_error_not_a_crash(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "deep.py").write_text("x = " + "(" * 100_000 + "1" + ")" * 100_000 + "\n")
    (root / "src" / "nested.py").write_text("x = " + "[" * 5_000 + "]" * 5_000 + "\n")
    (root / "src" / "chain.py").write_text("x = 1" + " + 1" * 200_000 + "\n")
    (root / "src" / "long.py").write_text("x = '" + "a" * 900_000 + "'\n")
    (root / "src" / "lambdas.py").write_text("f = " + "lambda: " * 3_000 + "1\n")
    (root / "README.md").write_text(README)
    data = _check(root, None)
    assert data["files"]["indexed"] == 6


def test_deep_directory_nesting(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    try:
        current = fd
        for _ in range(500):
            os.mkdir("d", dir_fd=current)
            below = os.open("d", os.O_RDONLY, dir_fd=current)
            if current != fd:
                os.close(current)
            current = below
        leaf = os.open("test_deep.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=current)
        os.write(leaf, b"def test_x():\n    assert 1\n")
        os.close(leaf)
        if current != fd:
            os.close(current)
    finally:
        os.close(fd)
    (root / "README.md").write_text(README)
    data = _check(root, None)
    assert data["files"]["indexed"] == 2  # the README and the file 500 folders down


def test_two_hundred_thousand_files_are_bounded_by_the_file_limit(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    count = 0
    for directory in range(210):
        path = root / f"d{directory:03d}"
        path.mkdir()
        dir_fd = os.open(path, os.O_RDONLY)
        try:
            for number in range(1_000):
                os.close(os.open(f"f{number}.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=dir_fd))
                count += 1
        finally:
            os.close(dir_fd)
    (root / "README.md").write_text(README)
    data = _check(root, None, time_bound=90)
    assert data["files"]["indexed"] == 200_000
    assert data["files"]["skipped"]["over the file limit"] == count + 1 - 200_000


def test_file_names_and_contents_that_are_not_utf8(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    raw = os.fsencode(root)
    for name in (b"caf\xe9.py", b"\xff\xfe.md", b"bad\x80name.json", b"new\nline.txt", b"tab\t|pipe.md"):
        with open(raw + b"/" + name, "wb") as handle:
            handle.write(b"x = 1\n")
    (root / "README.md").write_bytes(b"# Demo\n\xff\xfe invalid \xc3\x28 utf-8\n")
    (root / "results.json").write_bytes(b'{"metrics": {"acc": 0.9}}\xff')
    (root / "utf16.py").write_text("x = 1\n", encoding="utf-16")
    data = _check(root, None)
    _check(root, None, fmt="markdown")
    _check(root, None, fmt="sarif")
    assert data["files"]["skipped"].get("not UTF-8", 0) >= 1


def test_an_unreadable_directory_is_skipped_with_a_note(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "locked" / "inner").mkdir(parents=True)
    (root / "locked" / "inner" / "a.py").write_text("x = 1\n")
    (root / "README.md").write_text(README)
    (root / "locked").chmod(0)
    try:
        data = _check(root, None)
    finally:
        (root / "locked").chmod(0o755)
    if not IS_ROOT:  # root reads everything, whatever the mode
        assert data["files"]["skipped"]["unreadable directory"] == 1


def test_a_huge_single_line_readme_and_notebook(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "README.md").write_text("# Results " + "| 0.9 " * 170_000 + "\n")
    cell = {"cell_type": "code", "source": ["x = 1\n" * 50], "outputs": [{"text": "a" * 1000}], "metadata": {}}
    notebook = {"cells": [cell] * 3_000, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (root / "analysis.ipynb").write_text(json.dumps(notebook))
    (root / "small.ipynb").write_text(json.dumps({"cells": [cell] * 50, "metadata": {}, "nbformat": 4}))
    (root / "eval_results.json").write_text(json.dumps({"rows": [{"q": "x" * 100, "score": 0.5}] * 9_000}))
    data = _check(root, None)
    assert data["files"]["indexed"] == 4


def test_null_bytes_everywhere(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("README.md", "pyproject.toml", "Makefile", "src.py", "results.json", ".gitignore", "requirements.txt"):
        (root / name).write_bytes(b"\x00" * 100 + b"# x\n\x00")
    data = _check(root, None)
    assert data["files"]["skipped"].get("binary", 0) >= 3


def test_a_gitignore_built_to_backtrack(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    rules = ["**/" * 40 + "zz", "*a" * 40 + "*b", "/".join(["**/a"] * 30) + "/**/b"]
    rules += [f"*x{k}*y*z*" for k in range(5_000)] + [f"name{k}" for k in range(20_000)]
    (root / ".gitignore").write_text("\n".join(rules) + "\n")
    deep = root.joinpath(*["a"] * 30)
    deep.mkdir(parents=True)
    (deep / ("a" * 200)).write_text("x")
    for number in range(2_000):
        (root / f"file{number}.txt").write_text("x")
    (root / "README.md").write_text(README)
    data = _check(root, None, time_bound=30)
    assert any(".gitignore" in note for note in data["notes"]), data["notes"]
