"""`scaffold update`: a newer template version arrives through Copier's three-way merge, offline,
and the user's own edits survive. Runs the real bundle builder on a throwaway scaffold checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scaffold import render, templates

COPIER_YML = """\
_subdirectory: "{{ kind }}"
kind:
  type: str
  choices:
    "mini — a tiny kind for tests": mini
  default: mini
greeting:
  type: str
  default: hello
"""
KINDS_YML = """\
mini:
  summary: a tiny kind for tests
  defaults: {project_name: Mini, description: A tiny project.}
  first_run: make test
  ci: {eval_gate: false, bench: false, setup_llm: false}
"""
IDENTITY = {
    "GIT_AUTHOR_NAME": "Dev",
    "GIT_AUTHOR_EMAIL": "dev@example.com",
    "GIT_COMMITTER_NAME": "Dev",
    "GIT_COMMITTER_EMAIL": "dev@example.com",
}


def git(cwd: Path, *args: str, date: str = "2026-01-01T10:00:00+00:00") -> str:
    env = {**os.environ, **IDENTITY, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "scaffold-checkout"
    kind = root / "templates" / "mini"
    kind.mkdir(parents=True)
    (root / "templates" / "copier.yml").write_text(COPIER_YML)
    (root / "templates" / "kinds.yml").write_text(KINDS_YML)
    (kind / "{{_copier_conf.answers_file}}.jinja").write_text("{{ _copier_answers|to_nice_yaml -}}\n")
    (kind / "app.txt.jinja").write_text("greeting: {{ greeting }}\nversion: 1\n")
    (kind / "notes.md").write_text("# Notes\n\nline one\n")
    (root / "src" / "scaffold").mkdir(parents=True)
    (root / "src" / "scaffold" / "__init__.py").write_text('__version__ = "0.1.0"\n')
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first template")
    monkeypatch.setattr(templates, "_source_checkout", lambda: root)
    monkeypatch.setattr(templates, "templates_dir", lambda: root / "templates")
    return root


def bundle_heads(bundle: Path) -> str:
    return subprocess.run(
        ["git", "bundle", "list-heads", str(bundle)], capture_output=True, text=True, check=True
    ).stdout


def test_history_is_deterministic(checkout: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.bundle", tmp_path / "b.bundle"
    templates.build_bundle(checkout, first)
    templates.build_bundle(checkout, second)
    assert bundle_heads(first) == bundle_heads(second)
    assert "refs/tags/0.1.0" in bundle_heads(first)


def test_update_brings_template_changes_and_keeps_user_edits(
    checkout: Path, tmp_path: Path, isolated_cache: Path
) -> None:
    dest = tmp_path / "project"
    render.new_project("mini", dest, defaults=True, data={"greeting": "hi"})
    assert (dest / "app.txt").read_text() == "greeting: hi\nversion: 1\n"

    # The user makes the project their own.
    (dest / "notes.md").write_text("# Notes\n\nline one\nmy own line\n")
    git(dest, "commit", "-qam", "my notes")

    # A later scaffold version improves the template.
    kind = checkout / "templates" / "mini"
    (kind / "app.txt.jinja").write_text("greeting: {{ greeting }}\nversion: 2\n")
    (kind / "added.txt").write_text("new in version 2\n")
    git(checkout, "add", "-A")
    git(checkout, "commit", "-q", "-m", "second template", date="2026-02-01T10:00:00+00:00")

    # Another machine: nothing cached, the history is rebuilt from scratch.
    shutil.rmtree(isolated_cache)
    assert render.update_project(dest).clean

    assert (dest / "app.txt").read_text() == "greeting: hi\nversion: 2\n"
    assert (dest / "added.txt").read_text() == "new in version 2\n"
    assert "my own line" in (dest / "notes.md").read_text()
    assert "greeting: hi" in (dest / ".copier-answers.yml").read_text()


def test_uncommitted_template_edits_are_rendered(checkout: Path, tmp_path: Path) -> None:
    (checkout / "templates" / "mini" / "draft.txt").write_text("work in progress\n")
    dest = tmp_path / "project"
    render.new_project("mini", dest, defaults=True)
    assert (dest / "draft.txt").read_text() == "work in progress\n"


def test_update_refuses_a_dirty_project(checkout: Path, tmp_path: Path) -> None:
    dest = tmp_path / "project"
    render.new_project("mini", dest, defaults=True)
    (dest / "notes.md").write_text("uncommitted\n")
    with pytest.raises(render.RenderError, match="dirty"):
        render.update_project(dest)


def _conflicting_update(checkout: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "project"
    render.new_project("mini", dest, defaults=True)
    (dest / "app.txt").write_text("greeting: hello\nversion: mine\n")
    git(dest, "commit", "-qam", "my version")
    (checkout / "templates" / "mini" / "app.txt.jinja").write_text("greeting: {{ greeting }}\nversion: 2\n")
    (checkout / "templates" / "mini" / "notes.md").write_text("# Notes\n\nline one, improved\n")
    git(checkout, "commit", "-qam", "second template", date="2026-02-01T10:00:00+00:00")
    return dest


def test_update_reports_inline_conflicts(checkout: Path, tmp_path: Path) -> None:
    dest = _conflicting_update(checkout, tmp_path)
    result = render.update_project(dest)
    assert result.conflicted == ("app.txt",) and result.rejects == () and not result.clean
    assert "<<<<<<< before updating" in (dest / "app.txt").read_text()
    assert (dest / "notes.md").read_text() == "# Notes\n\nline one, improved\n"  # merged cleanly


def test_update_reports_rej_files(checkout: Path, tmp_path: Path) -> None:
    dest = _conflicting_update(checkout, tmp_path)
    result = render.update_project(dest, conflict="rej")
    assert result.rejects == ("app.txt.rej",) and result.conflicted == ()
    # The new template version is in place; the user's change that did not apply waits in the .rej file.
    assert (dest / "app.txt").read_text() == "greeting: hello\nversion: 2\n"
    assert "+version: mine" in (dest / "app.txt.rej").read_text()


def test_update_cli_exits_non_zero_while_conflicts_remain(checkout: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from scaffold.cli import app

    dest = _conflicting_update(checkout, tmp_path)
    result = CliRunner().invoke(app, ["update", str(dest)])
    assert result.exit_code == 1
    assert "conflict: app.txt" in result.output and "Updated" not in result.output
    assert "update left 1 conflicted file (app.txt)" in result.output


def test_built_in_templates_run_their_tasks_without_trust(checkout: Path, tmp_path: Path) -> None:
    copier_yml = checkout / "templates" / "copier.yml"
    copier_yml.write_text("_tasks:\n  - touch task-ran\n" + copier_yml.read_text())
    dest = tmp_path / "project"
    made = render.new_project("mini", dest, defaults=True)
    assert (dest / "task-ran").is_file() and made.git == "committed"


def test_a_third_party_project_needs_trust_for_its_tasks(tmp_path: Path) -> None:
    template = tmp_path / "tpl"
    template.mkdir()
    (template / "copier.yml").write_text("_tasks:\n  - touch task-ran\nname:\n  type: str\n  default: x\n")
    (template / "{{_copier_conf.answers_file}}.jinja").write_text("{{ _copier_answers|to_nice_yaml -}}\n")
    git(template, "init", "-q", "-b", "main")
    git(template, "add", "-A")
    git(template, "commit", "-q", "-m", "v1")
    git(template, "tag", "v1")
    dest = tmp_path / "project"
    with pytest.raises(render.RenderError, match=r"unsafe feature: tasks\. .*scaffold new --trust"):
        render.new_project(str(template), dest, defaults=True)
    render.new_project(str(template), dest, defaults=True, trust=True)
    assert (dest / "task-ran").is_file()
    (template / "later.txt").write_text("v2\n")
    git(template, "add", "-A")
    git(template, "commit", "-q", "-m", "v2")
    git(template, "tag", "v2")
    with pytest.raises(render.RenderError, match="scaffold update --trust"):
        render.update_project(dest)
    assert render.update_project(dest, trust=True).clean
    assert (dest / "later.txt").read_text() == "v2\n"
