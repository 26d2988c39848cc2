"""Hostile inputs to `scaffold new` and `scaffold update`: templates that try to run code, trees that
try to make a render write elsewhere, and broken surroundings (answers files, HOME, git signing).

Most cases use a tiny template written into ``tmp_path``; each case that refuses something has a
twin that allows it, so the marker the refusal is checked against is seen to work.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile.harness import Outcome, assert_contained, run_hostile, snapshot

IDENTITY = {
    "GIT_AUTHOR_NAME": "Dev",
    "GIT_AUTHOR_EMAIL": "dev@example.com",
    "GIT_COMMITTER_NAME": "Dev",
    "GIT_COMMITTER_EMAIL": "dev@example.com",
}


def error_line(outcome: Outcome) -> str:
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    assert lines, outcome.describe()
    assert lines[-1].startswith("error:"), outcome.describe()
    return lines[-1]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **IDENTITY}, capture_output=True, text=True, check=True
    ).stdout


def copier_template(root: Path, config: str, files: dict[str, str] | None = None) -> Path:
    """A Copier template directory: ``copier.yml`` plus ``files`` (paths relative to the template)."""
    root.mkdir(parents=True)
    (root / "copier.yml").write_text(config)
    for name, text in (files or {"hello.txt.jinja": "hello {{ name }}\n"}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def cookiecutter_template(root: Path, readme: str = "hi {{ cookiecutter.slug }}\n") -> Path:
    project = root / "{{cookiecutter.slug}}"
    project.mkdir(parents=True)
    (root / "cookiecutter.json").write_text(json.dumps({"slug": "thing"}))
    (project / "README.md").write_text(readme)
    return root


NAME_QUESTION = "name:\n  type: str\n  default: world\n"


# --- third-party templates that run code -------------------------------------------------------


@pytest.mark.parametrize("trusted", [False, True])
def test_copier_tasks_need_trust(tmp_path: Path, trusted: bool) -> None:
    marker = tmp_path / "MARKER"
    template = copier_template(tmp_path / "tpl", f"_tasks:\n  - touch {marker}\n{NAME_QUESTION}")
    before = snapshot(template)
    dest = tmp_path / "out"
    outcome = run_hostile("new", str(template), str(dest), "--defaults", *(["--trust"] if trusted else []))
    if trusted:
        assert outcome.returncode == 0, outcome.describe()
        assert marker.exists() and (dest / "hello.txt").read_text() == "hello world\n"
        return
    assert_contained(outcome, marker=marker, watched=template, before=before, exit_codes=[1])
    line = error_line(outcome)
    assert "tasks" in line and "scaffold new --trust" in line
    assert not dest.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tpl"]  # no staging directory left


@pytest.mark.parametrize("trusted", [False, True])
def test_copier_jinja_extensions_need_trust(tmp_path: Path, trusted: bool) -> None:
    marker = tmp_path / "MARKER"
    template = copier_template(
        tmp_path / "tpl",
        f"_jinja_extensions:\n  - evil_ext.Evil\n{NAME_QUESTION}",
        {
            "hello.txt.jinja": "hello\n",
            "evil_ext.py": (
                f"import pathlib\npathlib.Path({str(marker)!r}).touch()\n"
                "from jinja2.ext import Extension\nclass Evil(Extension):\n    pass\n"
            ),
        },
    )
    outcome = run_hostile(
        "new", str(template), str(tmp_path / "out"), "--defaults", *(["--trust"] if trusted else []),
        env={"PYTHONPATH": str(template)},
    )  # fmt: skip
    if trusted:
        assert outcome.returncode == 0 and marker.exists(), outcome.describe()
        return
    assert_contained(outcome, marker=marker, exit_codes=[1])
    assert "jinja_extensions" in error_line(outcome) and "--trust" in error_line(outcome)


def _git_template(root: Path, config: str, files: dict[str, str]) -> Path:
    copier_template(root, config, files)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "v1")
    git(root, "tag", "v1")
    return root


def _release(template: Path, tag: str, config: str | None = None, files: dict[str, str] | None = None) -> None:
    if config is not None:
        (template / "copier.yml").write_text(config)
    for name, text in (files or {}).items():
        (template / name).write_text(text)
    git(template, "add", "-A")
    git(template, "commit", "-q", "-m", tag)
    git(template, "tag", tag)


ANSWERS_JINJA = {"{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n"}


@pytest.mark.parametrize("trusted", [False, True])
def test_update_migrations_of_a_third_party_template_need_trust(tmp_path: Path, trusted: bool) -> None:
    template = _git_template(
        tmp_path / "tpl", NAME_QUESTION, {**ANSWERS_JINJA, "Makefile.jinja": "all:\n\techo {{ name }}\n"}
    )
    dest = tmp_path / "project"
    made = run_hostile("new", str(template), str(dest), "--defaults", env=IDENTITY)
    assert made.returncode == 0, made.describe()
    marker = tmp_path / "MARKER"
    _release(template, "v2", f"_migrations:\n  - version: v2\n    command: touch {marker}\n{NAME_QUESTION}")
    outcome = run_hostile("update", str(dest), *(["--trust"] if trusted else []), env=IDENTITY)
    if trusted:
        assert outcome.returncode == 0 and marker.exists(), outcome.describe()
        return
    assert_contained(outcome, marker=marker, exit_codes=[1])
    line = error_line(outcome)
    assert "migrations" in line and "scaffold update --trust" in line
    assert git(dest, "status", "--porcelain") == ""  # nothing half-applied


@pytest.mark.parametrize("trusted", [False, True])
def test_cookiecutter_jinja_can_run_code_so_every_cookiecutter_template_needs_trust(
    tmp_path: Path, trusted: bool
) -> None:
    marker = tmp_path / "MARKER"
    payload = f"{{{{ cycler.__init__.__globals__.os.system('touch {marker}') }}}}\n"
    template = cookiecutter_template(tmp_path / "cc", readme=payload)
    dest = tmp_path / "out"
    outcome = run_hostile(
        "new", str(template), str(dest), "--defaults", *(["--trust"] if trusted else []), env={"HOME": str(tmp_path)}
    )
    if trusted:
        assert outcome.returncode == 0 and marker.exists(), outcome.describe()
        assert not (tmp_path / ".cookiecutter_replay").exists()  # the replay file stays out of HOME
        return
    assert_contained(outcome, marker=marker, exit_codes=[1])
    line = error_line(outcome)
    assert "unsandboxed Jinja" in line and "scaffold new --trust" in line
    assert not dest.exists()


@pytest.mark.parametrize(
    ("layout", "named"),
    [
        ("hooks", "hooks (post_gen_project.py)"),
        ("extensions", "Jinja extensions (_extensions)"),
    ],
)
def test_cookiecutter_hooks_and_extensions_are_named(tmp_path: Path, layout: str, named: str) -> None:
    marker = tmp_path / "MARKER"
    template = cookiecutter_template(tmp_path / "cc")
    if layout == "hooks":
        (template / "hooks").mkdir()
        (template / "hooks" / "post_gen_project.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    else:
        (template / "cookiecutter.json").write_text(json.dumps({"slug": "thing", "_extensions": ["evil.Ext"]}))
        (template / "evil.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    before = snapshot(template)
    outcome = run_hostile("new", str(template), str(tmp_path / "out"), "--defaults")
    assert_contained(outcome, marker=marker, watched=template, before=before, exit_codes=[1])
    assert named in error_line(outcome)


# --- containment: nothing is written outside DEST ----------------------------------------------


def _tiny(tmp_path: Path) -> Path:
    return copier_template(
        tmp_path / "tpl",
        NAME_QUESTION,
        {"README.md.jinja": "# {{ name }}\n", "src/pkg/__init__.py": "", "notes/todo.txt": "todo\n"},
    )


@pytest.mark.parametrize("link", ["README.md", "src", "notes/todo.txt"])
def test_force_never_writes_through_a_link_in_dest(tmp_path: Path, link: str) -> None:
    template = _tiny(tmp_path)
    outside = tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    (outside / "file.md").write_text("precious\n")
    dest = tmp_path / "dest"
    (dest / "notes").mkdir(parents=True)
    (dest / "mine.txt").write_text("mine\n")
    (dest / link).symlink_to(outside / ("dir" if link == "src" else "file.md"))
    before_outside, before_dest = snapshot(outside), snapshot(dest)
    outcome = run_hostile("new", str(template), str(dest), "--defaults", "--force")
    assert_contained(outcome, watched=outside, before=before_outside, exit_codes=[1])
    line = error_line(outcome)
    assert f"{dest / link} is a symbolic link" in line and "--force never writes through" in line
    assert snapshot(dest) == before_dest  # refused before anything moved
    assert (outside / "file.md").read_text() == "precious\n" and not any((outside / "dir").iterdir())


def test_force_keeps_dest_mode_and_user_files_and_makes_no_commit(tmp_path: Path) -> None:
    template = _tiny(tmp_path)
    dest = tmp_path / "dest"
    dest.mkdir()
    dest.chmod(0o750)
    (dest / "mine.txt").write_text("mine\n")
    outcome = run_hostile("new", str(template), str(dest), "--defaults", "--force")
    assert_contained(outcome, exit_codes=[0])
    assert stat.S_IMODE(dest.stat().st_mode) == 0o750
    assert (dest / "mine.txt").read_text() == "mine\n" and (dest / "README.md").read_text() == "# world\n"
    assert not (dest / ".git").exists()
    assert "No git commit" in outcome.stdout and "already held files" in outcome.stdout
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_force_beside_a_git_link_leaves_the_linked_repository_alone(tmp_path: Path) -> None:
    template = _tiny(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    git(elsewhere, "init", "-q", "-b", "main")
    (elsewhere / "keep.txt").write_text("keep\n")
    git(elsewhere, "add", "-A")
    git(elsewhere, "commit", "-q", "-m", "theirs")
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / ".git").symlink_to(elsewhere / ".git")
    before = snapshot(elsewhere)
    outcome = run_hostile("new", str(template), str(dest), "--defaults", "--force", env=IDENTITY)
    assert_contained(outcome, watched=elsewhere, before=before, exit_codes=[0])
    assert (dest / "README.md").is_file() and (dest / ".git").is_symlink()
    assert len(git(elsewhere, "log", "--oneline").splitlines()) == 1


def test_dest_that_is_a_link_renders_into_its_target_and_says_so(tmp_path: Path) -> None:
    template = _tiny(tmp_path)
    target = tmp_path / "real"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target)
    outcome = run_hostile("new", str(template), str(link), "--defaults", "--no-git")
    assert_contained(outcome, exit_codes=[0])
    assert link.is_symlink() and (target / "README.md").read_text() == "# world\n"
    assert "is a symbolic link; rendered into its target" in outcome.stdout
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "missing")
    refused = run_hostile("new", str(template), str(dangling), "--defaults")
    assert_contained(refused, exit_codes=[1])
    assert "does not exist" in error_line(refused) and not (tmp_path / "missing").exists()


@pytest.mark.parametrize("escape", ["../escape", "/tmp/scaffold-hostile-escape"])
def test_rendered_paths_cannot_leave_dest(tmp_path: Path, escape: str) -> None:
    template = copier_template(
        tmp_path / "tpl", f"where:\n  type: str\n  default: {escape}\n", {"{{ where }}.txt": "escaped\n"}
    )
    dest = tmp_path / "box" / "dest"
    outcome = run_hostile("new", str(template), str(dest), "--defaults")
    assert_contained(outcome, exit_codes=[1])
    assert "forbidden" in error_line(outcome)
    assert not Path(f"{escape}.txt").exists() and not (tmp_path / "box" / "escape.txt").exists()
    assert not (tmp_path / "box").exists()  # the parent made for the render is gone too


def test_a_rendered_git_directory_is_refused_before_any_git_runs(tmp_path: Path) -> None:
    marker = tmp_path / "MARKER"
    hook = f"#!/bin/sh\ntouch {marker}\n"
    template = copier_template(
        tmp_path / "tpl",
        "_subdirectory: project\n" + NAME_QUESTION,
        {
            "project/README.md": "hi\n",
            "project/.git/HEAD": "ref: refs/heads/main\n",
            "project/.git/config": f"[core]\n\tfsmonitor = touch {marker}\n",
            "project/.git/hooks/pre-commit": hook,
        },
    )
    (template / "project/.git/hooks/pre-commit").chmod(0o755)
    outcome = run_hostile("new", str(template), str(tmp_path / "out"), "--defaults", env=IDENTITY)
    assert_contained(outcome, marker=marker, exit_codes=[1])
    assert "may not ship a git repository" in error_line(outcome)
    assert not (tmp_path / "out").exists()


def test_a_rendered_link_out_of_the_project_is_refused(tmp_path: Path) -> None:
    template = copier_template(tmp_path / "tpl", "_preserve_symlinks: true\n" + NAME_QUESTION, {"a.txt": "a\n"})
    (template / "passwd").symlink_to("/etc/passwd")
    (template / "inside").symlink_to("a.txt")
    outcome = run_hostile("new", str(template), str(tmp_path / "out"), "--defaults")
    assert_contained(outcome, exit_codes=[1])
    assert "passwd -> /etc/passwd" in error_line(outcome)
    (template / "passwd").unlink()
    allowed = run_hostile("new", str(template), str(tmp_path / "out"), "--defaults", "--no-git")
    assert_contained(allowed, exit_codes=[0])
    assert os.readlink(tmp_path / "out" / "inside") == "a.txt"


# --- answers that break the generated code -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("class", "package_name 'class' is a Python keyword; choose another name."),
        ("json", "package_name 'json' is the name of a standard-library module"),
        ("sys", "package_name 'sys' is the name of a standard-library module"),
    ],
)
def test_reserved_package_names_are_refused(tmp_path: Path, name: str, message: str) -> None:
    outcome = run_hostile("new", "rag-qa", str(tmp_path / "d"), "--defaults", "--data", f"package_name={name}")
    assert_contained(outcome, exit_codes=[1])
    assert message in error_line(outcome)
    assert list(tmp_path.iterdir()) == []


# --- update ------------------------------------------------------------------------------------


def _conflicting_project(tmp_path: Path) -> Path:
    template = _git_template(
        tmp_path / "tpl",
        NAME_QUESTION,
        {**ANSWERS_JINJA, "Makefile.jinja": "all:\n\techo {{ name }} one\n", "keep.txt": "keep\n"},
    )
    dest = tmp_path / "project"
    made = run_hostile("new", str(template), str(dest), "--defaults", env=IDENTITY)
    assert made.returncode == 0, made.describe()
    (dest / "Makefile").write_text("all:\n\techo mine\n")
    git(dest, "commit", "-qam", "my Makefile")
    _release(template, "v2", files={"Makefile.jinja": "all:\n\techo {{ name }} two\n", "keep.txt": "kept\n"})
    return dest


def test_update_with_inline_conflicts_fails_and_lists_the_files(tmp_path: Path) -> None:
    dest = _conflicting_project(tmp_path)
    outcome = run_hostile("update", str(dest), env=IDENTITY)
    assert_contained(outcome, exit_codes=[1])
    assert "conflict: Makefile" in outcome.stdout and "Updated" not in outcome.stdout
    line = error_line(outcome)
    assert "update left 1 conflicted file (Makefile)" in line and "<<<<<<< before updating" in line
    assert "<<<<<<< before updating" in (dest / "Makefile").read_text()
    assert (dest / "keep.txt").read_text() == "kept\n"


def test_update_with_rej_conflicts_fails_and_lists_the_rej_files(tmp_path: Path) -> None:
    dest = _conflicting_project(tmp_path)
    outcome = run_hostile("update", str(dest), "--conflict", "rej", env=IDENTITY)
    assert_contained(outcome, exit_codes=[1])
    assert "rejected: Makefile.rej" in outcome.stdout
    assert ".rej files" in error_line(outcome)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("_src_path: [unclosed\n", "is not valid YAML (line 2)"),
        ("- a\n- b\n", "must be a mapping of answers, not list"),
        ("_commit: v1\nname: x\n", "records no template source (_src_path)"),
        ("_src_path: /somewhere\n", "records no template version (_commit)"),
        ("_src_path: 42\n_commit: v1\n", "records no template source (_src_path)"),
        (b"\xff\xfe_src_path: x\n", "is not UTF-8 text"),
        ("kind: [rag-qa]\n_src_path: /nowhere/templates.bundle\n_commit: v1\n", "which does not exist here"),
        ("_src_path: ~nobody-such-user/tpl\n_commit: v1\n", "Cannot expand '~nobody-such-user/tpl'"),
    ],
)
def test_malformed_answers_file_is_one_line(tmp_path: Path, text: str | bytes, message: str) -> None:
    dest = tmp_path / "project"
    dest.mkdir()
    answers = dest / ".copier-answers.yml"
    if isinstance(text, bytes):
        answers.write_bytes(text)
    else:
        answers.write_text(text)
    before = snapshot(dest)
    outcome = run_hostile("update", str(dest))
    assert_contained(outcome, watched=dest, before=before, exit_codes=[1])
    assert message in error_line(outcome)


# --- broken surroundings -----------------------------------------------------------------------


def test_parent_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    template = _tiny(tmp_path)
    (tmp_path / "plain").write_text("a file\n")
    outcome = run_hostile("new", str(template), str(tmp_path / "plain" / "dest"), "--defaults")
    assert_contained(outcome, exit_codes=[1])
    assert f"{tmp_path / 'plain'} is not a directory" in error_line(outcome)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_parent_is_one_line(tmp_path: Path) -> None:
    template = _tiny(tmp_path)
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        outcome = run_hostile("new", str(template), str(parent / "dest"), "--defaults")
    finally:
        parent.chmod(0o755)
    assert_contained(outcome, exit_codes=[1])
    assert "Cannot write" in error_line(outcome) and "Permission denied" in error_line(outcome)
    assert list(parent.iterdir()) == []


def test_unwritable_home_for_the_template_cache_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("a file\n")
    outcome = run_hostile(
        "new", "rag-qa", str(tmp_path / "d"), "--defaults", env={"HOME": str(tmp_path / "plain"), "SCAFFOLD_CACHE": ""}
    )
    assert_contained(outcome, exit_codes=[1])
    line = error_line(outcome)
    assert "Cannot write the template cache" in line and "SCAFFOLD_CACHE" in line
    assert not (tmp_path / "d").exists()


def test_failing_signed_commit_keeps_the_files_and_removes_the_new_repository(tmp_path: Path) -> None:
    template = _tiny(tmp_path)
    config = tmp_path / "gitconfig"
    config.write_text(
        "[user]\n\tname = Dev\n\temail = dev@example.com\n[commit]\n\tgpgsign = true\n[gpg]\n\tprogram = false\n"
    )
    dest = tmp_path / "dest"
    env = {"GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1"}
    outcome = run_hostile("new", str(template), str(dest), "--defaults", env=env)
    assert_contained(outcome, exit_codes=[1])
    line = error_line(outcome)
    assert "`git commit` failed" in line and "files are kept" in line
    assert (dest / "README.md").read_text() == "# world\n" and not (dest / ".git").exists()


def test_interrupt_during_the_first_commit_leaves_no_repository(tmp_path: Path) -> None:
    template = _tiny(tmp_path)
    real_git = subprocess.run(["which", "git"], capture_output=True, text=True, check=True).stdout.strip()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "git"
    # Ctrl-C arrives while `git commit` runs: the wrapper interrupts scaffold, its parent.
    wrapper.write_text(
        f'#!/bin/sh\nfor a in "$@"; do [ "$a" = commit ] && {{ kill -INT $PPID; sleep 5; exit 1; }}; done\n'
        f'exec {real_git} "$@"\n'
    )
    wrapper.chmod(0o755)
    dest = tmp_path / "dest"
    outcome = run_hostile(
        "new", str(template), str(dest), "--defaults", env={**IDENTITY, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    )
    assert_contained(outcome, exit_codes=[130])
    assert "Interrupted while making the first commit" in error_line(outcome)
    assert (dest / "README.md").is_file() and not (dest / ".git").exists()


def test_deleted_working_directory_is_one_line(tmp_path: Path) -> None:
    template = _tiny(tmp_path)
    for args in (
        ["new", "rag-qa", "demo", "--defaults"],
        ["new", str(template), str(tmp_path / "abs"), "--defaults"],  # absolute DEST: Copier still needs a cwd
        ["update"],
    ):
        gone = tmp_path / "gone"
        gone.mkdir()
        code = (
            "import os, runpy, sys; os.chdir(sys.argv[1]); os.rmdir(sys.argv[1]);"
            f" sys.argv = {['scaffold', *args]!r}; runpy.run_module('scaffold', run_name='__main__')"
        )
        outcome = run_hostile(python=[sys.executable, "-c", code, str(gone)])
        assert_contained(outcome, exit_codes=[1])
        assert "current directory no longer exists" in error_line(outcome)
        assert not (tmp_path / "abs").exists()


def test_unwritable_copier_cache_for_a_remote_template_is_one_line(tmp_path: Path) -> None:
    template = _git_template(tmp_path / "tpl", NAME_QUESTION, {"hello.txt.jinja": "hello {{ name }}\n"})
    (tmp_path / "plain").write_text("a file\n")
    url = f"git+file://{template}"  # a URL, so Copier clones it through its cache
    broken = {"HOME": str(tmp_path / "plain"), "XDG_CACHE_HOME": "", "COPIER_CACHE_DIR": "", **IDENTITY}
    outcome = run_hostile("new", url, str(tmp_path / "out"), "--defaults", env=broken)
    assert_contained(outcome, exit_codes=[1])
    assert "Copier cannot use" in error_line(outcome) and "COPIER_CACHE_DIR" in error_line(outcome)
    assert not (tmp_path / "out").exists()
    working = run_hostile(
        "new", url, str(tmp_path / "out"), "--defaults", env={**broken, "COPIER_CACHE_DIR": str(tmp_path / "cache")}
    )
    assert_contained(working, exit_codes=[0])
    assert (tmp_path / "out" / "hello.txt").read_text() == "hello world\n"


def test_unreachable_remote_template_is_one_line(tmp_path: Path) -> None:
    outcome = run_hostile("new", "https://127.0.0.1:9/template.git", str(tmp_path / "out"), "--defaults")
    assert_contained(outcome, exit_codes=[1])
    assert "git ls-remote failed" in error_line(outcome)
    assert list(tmp_path.iterdir()) == []


def test_update_from_a_missing_template_source_is_one_line(tmp_path: Path) -> None:
    dest = tmp_path / "project"
    dest.mkdir()
    git(dest, "init", "-q", "-b", "main")
    (dest / ".copier-answers.yml").write_text(f"_src_path: {tmp_path / 'gone'}\n_commit: v1\n")
    git(dest, "add", "-A")
    git(dest, "commit", "-qm", "project")
    before = snapshot(dest)
    outcome = run_hostile("update", str(dest))
    assert_contained(outcome, watched=dest, before=before, exit_codes=[1])
    assert "which does not exist here" in error_line(outcome)


def test_a_trusted_cookiecutter_template_still_cannot_place_files_beside_its_project(tmp_path: Path) -> None:
    template = cookiecutter_template(tmp_path / "cc")
    (template / "cookiecutter.json").write_text(json.dumps({"slug": "thing", "where": "../escaped"}))
    (template / "{{cookiecutter.slug}}" / "{{cookiecutter.where}}.txt").write_text("out\n")
    dest = tmp_path / "out"
    outcome = run_hostile("new", str(template), str(dest), "--defaults", "--trust", env={"HOME": str(tmp_path)})
    assert_contained(outcome, exit_codes=[1])
    assert "wrote outside its project folder (escaped.txt)" in error_line(outcome)
    assert not dest.exists() and not (tmp_path / "escaped.txt").exists()


def test_an_empty_existing_dest_keeps_its_mode_and_gets_the_first_commit(tmp_path: Path) -> None:
    template = _tiny(tmp_path)
    dest = tmp_path / "dest"
    dest.mkdir()
    dest.chmod(0o710)
    outcome = run_hostile("new", str(template), str(dest), "--defaults", env=IDENTITY)
    assert_contained(outcome, exit_codes=[0])
    assert stat.S_IMODE(dest.stat().st_mode) == 0o710
    assert len(git(dest, "log", "--oneline").splitlines()) == 1 and git(dest, "status", "--porcelain") == ""
