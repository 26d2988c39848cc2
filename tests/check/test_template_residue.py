"""EN7 on real renders: a project fresh from `scaffold new` is the template's example; one whose
dataset, eval set and README are its own is not. The template is rendered again from the answers
file, offline, and nothing in the checked tree runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scaffold import render
from scaffold.check.evidence.files import build_file_index
from scaffold.check.evidence.markdown import parse_markdown
from scaffold.check.evidence.template_origin import readme_overlap, template_origin
from scaffold.check.model import Status
from scaffold.check.runner import compute_check
from tests.check.conftest import finding, score_tree


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("residue") / "project"
    render.new_project("agent", dest, defaults=True, init_git=False)
    return dest


def test_a_fresh_render_is_the_templates_example(fresh: Path) -> None:
    en7 = finding(score_tree(fresh), "EN7")
    assert en7.status is Status.FAIL
    assert "data/seattle-weather.csv" in en7.verdict.detail and "evals/tasks.jsonl" in en7.verdict.detail
    assert "100% of the" in en7.verdict.detail and "story" in en7.verdict.detail
    assert "Make it yours" in en7.fix and "`make load-csv CSV=" in en7.verdict.detail  # the first command


def test_own_data_and_an_own_readme_pass(fresh: Path, tmp_path: Path) -> None:
    project = shutil.copytree(fresh, tmp_path / "mine")
    (project / "data" / "seattle-weather.csv").unlink()
    (project / "data" / "bike-trips.csv").write_text("day,trips\n2026-01-01,12\n")
    (project / "evals" / "tasks.jsonl").write_text(json.dumps({"id": "t1", "question": "How many trips?"}) + "\n")
    (project / "README.md").write_text("# Bike trips analyst\n\nAnswers questions about my city's bike trips.\n")
    en7 = finding(score_tree(project), "EN7")
    assert en7.status is Status.PASS and en7.verdict.credit == 1.0, en7.verdict.detail


def test_a_renamed_copy_of_the_example_data_is_still_the_example(fresh: Path, tmp_path: Path) -> None:
    project = shutil.copytree(fresh, tmp_path / "renamed")
    (project / "data" / "seattle-weather.csv").rename(project / "data" / "my-data.csv")
    (project / "evals" / "tasks.jsonl").write_text("{}\n")
    origin = template_origin(build_file_index(project))
    assert (fresh / "tests/data/seattle-weather.csv").is_file()  # the tests' own copy is a fixture, not residue
    assert origin.residue == ("data/my-data.csv",)


def test_own_data_under_the_templates_readme_fails_on_the_readme(fresh: Path, tmp_path: Path) -> None:
    project = shutil.copytree(fresh, tmp_path / "readme")
    (project / "data" / "seattle-weather.csv").write_text("day,trips\n2026-01-01,12\n")
    (project / "evals" / "tasks.jsonl").write_text("{}\n")
    en7 = finding(score_tree(project), "EN7")
    assert en7.status is Status.FAIL and "most of the README's story" in en7.verdict.detail


def test_hostile_answers_are_data_never_a_path_or_code(tmp_path: Path) -> None:
    # the recorded source is never opened, a package name outside the rules is refused, and a
    # third-party template is not applicable rather than rendered
    (tmp_path / "README.md").write_text("# x\n")
    answers = tmp_path / ".copier-answers.yml"
    answers.write_text("_src_path: /etc/templates.bundle\n_commit: v1\nkind: agent\npackage_name: os\n")
    origin = template_origin(build_file_index(tmp_path))
    assert origin.baseline is None and "cannot be rendered" in origin.problem
    answers.write_text("_src_path: gh:someone/template\nkind: agent\n")
    en7 = compute_check("EN7", template_origin=template_origin(build_file_index(tmp_path)), readme=None)
    assert en7.status is Status.NOT_APPLICABLE and "gh:someone/template" in en7.detail
    answers.write_text("- not\n- a mapping\n")
    origin = template_origin(build_file_index(tmp_path))
    assert compute_check("EN7", template_origin=origin, readme=None).status is Status.NOT_APPLICABLE
    readme = parse_markdown("README.md", "# Mine\n")
    assert compute_check("EN7", template_origin=origin, readme=readme).status is Status.PASS


def test_readme_overlap_counts_the_story_not_code_short_lines_or_reference_sections() -> None:
    rendered = (
        "# Title\n\nThis line is the template's own prose.\n\n```bash\nmake eval now please\n```\nok\n\n"
        "## Architecture\n\nThe retriever sits in front of the generator.\n\n"
        "## Results\n\n### On the test split\n\nHybrid retrieval wins on this corpus.\n"
    )
    assert readme_overlap(rendered, rendered) == (2, 2)  # the intro and the results, not the architecture
    assert readme_overlap(rendered, "# Mine\n\nSomething else entirely here.\n") == (0, 2)


def test_drafted_candidates_are_not_an_eval_set(tmp_path: Path) -> None:
    from scaffold.check.evidence.eval_sets import collect_eval_sets

    rows = "".join(json.dumps({"id": f"d{i}", "question": f"Q{i}?", "status": "pending"}) + "\n" for i in range(80))
    (tmp_path / "evals").mkdir()
    (tmp_path / "evals" / "drafts.jsonl").write_text(rows)
    (tmp_path / "evals" / "golden.jsonl").write_text(rows.replace("d", "g", 1))
    paths = [s.path for s in collect_eval_sets(build_file_index(tmp_path)).sets]
    assert paths == ["evals/golden.jsonl"]


def test_sections_about_the_engineering_are_not_the_story() -> None:
    # how failures are handled is the template's code, documented; where the system fails is the author's
    rendered = "# T\n\nThe example pitch here.\n\n## Architecture\n\n### Failure handling\n\n| a timeout | retried |\n"
    rendered += "\n## Failure analysis\n\nThe example fails on weather labels often.\n"
    mine = rendered.replace("The example pitch here.", "My own pitch, in my words.").replace(
        "The example fails on weather labels often.", "Mine fails on refunds, because of dates."
    )
    assert readme_overlap(rendered, mine) == (0, 2)
