"""Answers that identify the user: the author comes from git, the CI badge only from a given GitHub user."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from scaffold import render, templates


def use_git_config(monkeypatch: pytest.MonkeyPatch, path: Path, text: str) -> None:
    path.write_text(text)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def authors(dest: Path) -> list[dict[str, str]]:
    return tomllib.loads((dest / "pyproject.toml").read_text())["project"]["authors"]  # type: ignore[no-any-return]


def test_author_defaults_to_the_git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_git_config(monkeypatch, tmp_path / "gitconfig", "[user]\n\tname = Ada Lovelace\n\temail = ada@lovelace.dev\n")
    dest = tmp_path / "demo"
    render.new_project("rag-qa", dest, defaults=True, init_git=False)
    assert authors(dest) == [{"name": "Ada Lovelace", "email": "ada@lovelace.dev"}]
    assert "Copyright (c) " in (dest / "LICENSE").read_text() and "Ada Lovelace" in (dest / "LICENSE").read_text()


def test_an_answer_wins_over_the_git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_git_config(monkeypatch, tmp_path / "gitconfig", "[user]\n\tname = Ada Lovelace\n\temail = ada@lovelace.dev\n")
    dest = tmp_path / "demo"
    render.new_project("agent", dest, data={"author_name": "Grace Hopper"}, defaults=True, init_git=False)
    assert authors(dest) == [{"name": "Grace Hopper", "email": "ada@lovelace.dev"}]


def test_without_a_git_identity_the_email_is_left_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_git_config(monkeypatch, tmp_path / "gitconfig", "[user]\n\temail = not-an-address\n")
    assert render.git_identity(tmp_path) == {}
    dest = tmp_path / "demo"
    render.new_project("vllm-bench", dest, defaults=True, init_git=True)
    assert authors(dest) == [{"name": "The LLM Serving Bench authors"}]
    assert "The LLM Serving Bench authors" in (dest / "LICENSE").read_text()


@pytest.mark.parametrize("kind", [k.name for k in templates.kinds()])
def test_ci_badge_only_with_a_github_user(kind: str, tmp_path: Path) -> None:
    badge = "https://github.com/octo-org/acme-probe/actions/workflows/ci.yml/badge.svg"
    with_user, without = tmp_path / "with", tmp_path / "without"
    answers = {"package_name": "acme_probe"}
    render.new_project(kind, with_user, data={**answers, "github_user": "octo-org"}, defaults=True, init_git=False)
    render.new_project(kind, without, data=answers, defaults=True, init_git=False)
    assert badge in (with_user / "README.md").read_text()
    readme = (without / "README.md").read_text()
    assert "/actions/workflows/" not in readme
    assert "\n\n\n" not in readme.split("##", 1)[0]  # the missing badge leaves no gap


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"github_user": "octo org"}, "github_user must be a GitHub user or organisation name"),
        ({"author_email": "nobody"}, "author_email must be an email address"),
        ({"author_name": "  "}, "author_name must not be empty"),
    ],
)
def test_bad_identity_answers_are_refused(answer: dict[str, str], message: str, tmp_path: Path) -> None:
    with pytest.raises(render.RenderError, match=message):
        render.new_project("rag-qa", tmp_path / "demo", data=answer, defaults=True, init_git=False)
    assert not (tmp_path / "demo").exists()


def test_reserved_package_names_cover_keywords_and_the_standard_library() -> None:
    import keyword
    import re
    import sys

    reserved = render._reserved_package_names()
    identifier = re.compile(r"^[a-z][a-z0-9_]*$")
    assert {k for k in keyword.kwlist if k.islower()} <= reserved
    assert {m for m in sys.stdlib_module_names if identifier.match(m)} <= reserved
    assert not {"match", "case", "type", "stdlib_answers"} & reserved  # soft keywords are fine as names


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("class", "'class' is a Python keyword"),
        ("async", "'async' is a Python keyword"),
        ("json", "'json' is the name of a standard-library module"),
        ("tomllib", "'tomllib' is the name of a standard-library module"),
    ],
)
def test_reserved_package_name_answers_are_refused_before_rendering(name: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(render.RenderError, match=message):
        render.new_project("rag-qa", tmp_path / "demo", data={"package_name": name}, defaults=True, init_git=False)
    assert not (tmp_path / "demo").exists()


def test_copier_validator_refuses_a_reserved_name_derived_from_the_project_name(tmp_path: Path) -> None:
    # No package_name answer: the default comes from project_name, so only copier.yml's validator sees it.
    with pytest.raises(render.RenderError, match="package_name 'json' is a Python keyword or a standard-library"):
        render.new_project("agent", tmp_path / "demo", data={"project_name": "JSON"}, defaults=True, init_git=False)
    assert not (tmp_path / "demo").exists()
    render.new_project("agent", tmp_path / "ok", data={"project_name": "Match"}, defaults=True, init_git=False)
    assert (tmp_path / "ok" / "src" / "match").is_dir()


@pytest.mark.parametrize("kind", ["rag-qa", "agent", "vllm-bench"])
def test_the_readme_opens_with_the_users_problem_and_data_source(kind: str, tmp_path: Path) -> None:
    problem = "Support engineers need answers from our 900-page router manual without paging through it."
    dest = tmp_path / "mine"
    render.new_project(
        kind, dest, data={"problem": problem, "data_source": "the vendor's manual, v4.2"}, defaults=True, init_git=False
    )
    head = (dest / "README.md").read_text().split("\n## ", 1)[0]
    assert problem in head and "**Data source:** the vendor's manual, v4.2." in head
    assert "example data is replaced with yours" in head  # honest about what still runs
    example = tmp_path / "example"
    render.new_project(kind, example, defaults=True, init_git=False)
    assert "What this project is for" not in (example / "README.md").read_text()


@pytest.mark.parametrize("answer", ["two\nlines", "x" * 401])
def test_a_problem_answer_is_one_bounded_line(answer: str, tmp_path: Path) -> None:
    with pytest.raises(render.RenderError, match="one line"):
        render.new_project("agent", tmp_path / "demo", data={"problem": answer}, defaults=True, init_git=False)
    assert not (tmp_path / "demo").exists()


def test_every_kind_names_the_example_it_ships_and_the_files_exist() -> None:
    for kind in templates.kinds():
        assert kind.example, kind.name
        for path in kind.example:
            assert (templates.templates_dir() / kind.name / path).is_file(), (kind.name, path)
