"""The kind catalog (templates/kinds.yml) is the one source of kind metadata, and copier.yml follows it."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest
import yaml

from scaffold import catalog, templates

from .conftest import run_scaffold

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
COPIER_YML = TEMPLATES / "copier.yml"


def questions() -> dict[str, dict[str, object]]:
    config = yaml.safe_load(COPIER_YML.read_text(encoding="utf-8"))
    return {name: spec for name, spec in config.items() if not name.startswith("_")}


def test_copier_yml_is_generated_from_the_catalog() -> None:
    current = COPIER_YML.read_text(encoding="utf-8")
    assert catalog.with_block(current, templates.kinds()) == current, "run `make catalog`"
    assert catalog.main(["--check", str(COPIER_YML)]) == 0


def test_a_catalog_edit_makes_the_check_fail(tmp_path: Path) -> None:
    copier_yml = tmp_path / "copier.yml"
    copier_yml.write_text(COPIER_YML.read_text(encoding="utf-8"))
    entries = yaml.safe_load((TEMPLATES / "kinds.yml").read_text(encoding="utf-8"))
    entries["agent"]["defaults"]["project_name"] = "Harbour Tides Analyst"
    (tmp_path / "kinds.yml").write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False))
    assert catalog.main(["--check", str(copier_yml)]) == 1
    assert catalog.main([str(copier_yml)]) == 0  # regenerates
    assert catalog.main(["--check", str(copier_yml)]) == 0
    assert "{% elif kind == 'agent' %}Harbour Tides Analyst{% elif" in copier_yml.read_text()


def test_every_kind_has_a_template_folder_and_every_folder_a_kind() -> None:
    folders = {p.name for p in TEMPLATES.iterdir() if p.is_dir() and p.name != "shared"}
    names = [kind.name for kind in templates.kinds()]
    assert sorted(names) == sorted(folders)
    assert list(questions()["kind"]["choices"].values()) == names  # type: ignore[union-attr]


def test_list_shows_the_catalog_summaries() -> None:
    result = run_scaffold("list", env={"COLUMNS": "400"})
    assert result.returncode == 0, result.stderr
    for kind in templates.kinds():
        line = next(line for line in result.stdout.splitlines() if line.split()[:1] == [kind.name])
        assert " ".join(line.split()[1:]) == kind.summary


def test_next_line_is_the_kinds_first_run_from_the_catalog(tmp_path: Path) -> None:
    dest = tmp_path / "bench"
    result = run_scaffold("new", "vllm-bench", str(dest), "--defaults", "--no-git", env={"COLUMNS": "400"})
    assert result.returncode == 0, result.stderr
    first_run = templates.kind("vllm-bench").first_run  # type: ignore[union-attr]
    assert "make setup-llm" in first_run
    assert f"Next: cd {dest} && {first_run}" in result.stdout
    assert "First run" not in (dest / "Makefile").read_text()  # one source, not a second copy
    make_it_yours = templates.kind("vllm-bench").make_it_yours  # type: ignore[union-attr]
    assert make_it_yours and f"Then make it yours: {make_it_yours}" in result.stdout
    target = make_it_yours.split()[1]
    assert f"\n{target}:" in (dest / "Makefile").read_text()  # the hint names a target that exists


def test_ci_switches_come_from_the_catalog(tmp_path: Path) -> None:
    from scaffold import render

    for kind in templates.kinds():
        dest = tmp_path / kind.name
        render.new_project(kind.name, dest, defaults=True, init_git=False)
        workflow = (dest / ".github/workflows/ci.yml").read_text()
        assert ("make eval-gate" in workflow) == kind.ci["eval_gate"], kind.name
        assert ("run: make bench" in workflow) == kind.ci["bench"], kind.name


def included_text(folder: Path) -> str:
    """The kind folder's file names and contents, plus the shared partials it includes."""
    parts: list[str] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        parts.append(str(path.relative_to(folder)))
        if path.suffix == ".jinja":
            parts.append(path.read_text(encoding="utf-8"))
    text = "\n".join(parts)
    for partial in set(re.findall(r"include '([^']+)'", text)):
        parts.append((TEMPLATES / partial).read_text(encoding="utf-8"))
    return "\n".join(parts)


def is_asked(spec: dict[str, object], kind: str) -> bool:
    when = spec.get("when", True)
    if isinstance(when, str):
        when = jinja2.Template(when).render(kind=kind).strip().lower() not in {"false", "no", "0", ""}
    return bool(when)


@pytest.mark.parametrize("kind", [k.name for k in templates.kinds()])
def test_every_question_a_kind_is_asked_is_used_by_it(kind: str) -> None:
    text = included_text(TEMPLATES / kind)
    asked = [name for name, spec in questions().items() if name != "kind" and is_asked(spec, kind)]
    unused = [name for name in asked if not re.search(rf"\b{name}\b", text)]
    assert unused == [], f"{kind} asks {unused} but never uses the answers"


def test_a_malformed_catalog_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "copier.yml").write_text(f"{catalog.START}\n{catalog.END}\n")
    (tmp_path / "kinds.yml").write_text("demo:\n  summary: A demo\n  first_run: make test\n")
    with pytest.raises(catalog.CatalogError, match="kind 'demo': defaults must give exactly"):
        catalog.load(tmp_path / "kinds.yml")
    assert catalog.main(["--check", str(tmp_path / "copier.yml")]) == 1
    (tmp_path / "kinds.yml").write_text("Bad Kind': {}\n")
    with pytest.raises(catalog.CatalogError, match="lowercase letters, digits and hyphens"):
        catalog.load(tmp_path / "kinds.yml")
