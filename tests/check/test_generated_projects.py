"""Every built-in template, rendered with its defaults, scores at least 95."""

from pathlib import Path

import pytest

from scaffold import render, templates
from tests.check.conftest import score_tree

KINDS = [kind.name for kind in templates.kinds()]


@pytest.mark.parametrize("kind", KINDS)
def test_generated_project_scores_at_least_95(kind: str, tmp_path: Path) -> None:
    source = templates.templates_dir() / kind
    if not source.is_dir() or not any(source.iterdir()):
        pytest.skip(f"the {kind} template has no files yet")
    project = render.new_project(kind, tmp_path / kind, defaults=True)
    run = score_tree(project)
    failing = {f.check_id: f.verdict.detail for f in run.findings if f.status.value == "fail"}
    assert run.score.total >= 95, failing
