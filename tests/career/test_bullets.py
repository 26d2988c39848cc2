"""`scaffold bullets`: every number is one a results file holds, at the key the output names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffold.career.bullets import bullets, render_markdown, render_text, to_data
from tests.career.sourcing import assert_numbers_are_sourced
from tests.check.conftest import FIXTURES, write_tree
from tests.conftest import run_scaffold


@pytest.mark.parametrize("fixture", ["strong-rag", "serving-bench", "agent-project"])
def test_fixture_bullets_carry_their_sources(fixture: str) -> None:
    root = FIXTURES / fixture
    data = to_data(bullets(root))
    assert 3 <= len(data["bullets"]) <= 5 or fixture != "strong-rag"
    assert assert_numbers_are_sourced(root, data) >= 1


def test_strong_rag_bullets_name_components_and_a_held_out_split() -> None:
    report = bullets(FIXTURES / "strong-rag")
    texts = [b.text() for b in report.bullets]
    assert texts[0].startswith("Built a retrieval-augmented question-answering service")
    assert "pgvector" in texts[0] and "FastAPI" in texts[0]
    # the results do not say how many cases they scored, so the split is named but nothing is "held-out"
    assert any("on 160 cases (evals/golden.jsonl, split into dev/test)" in t for t in texts), texts
    assert not any("held-out" in t for t in texts)
    assert any(t.startswith("Compared configurations") for t in texts)
    markdown = render_markdown(report)
    assert "[^1]:" in markdown and "results/" in markdown
    assert "Numbers from:" in render_text(report)


def test_held_out_is_claimed_only_for_a_split_eval_set(tmp_path: Path) -> None:
    cases = "".join(json.dumps({"question": f"q{i}", "answer": "a"}) + "\n" for i in range(60))
    root = write_tree(
        tmp_path,
        {
            "evals/golden.jsonl": cases,
            "results/eval.json": json.dumps({"metrics": {"cases": 60, "hit@5": 0.5, "mrr": 0.41}}),
        },
    )
    texts = [b.text() for b in bullets(root).bullets]
    assert any("on 60 cases" in t for t in texts), texts
    assert not any("held-out" in t for t in texts)


def test_held_out_is_claimed_for_a_count_that_is_the_test_split(tmp_path: Path) -> None:
    cases = "".join(json.dumps({"q": f"q{i}", "split": "test" if i < 40 else "dev"}) + "\n" for i in range(70))
    results = {"metrics": {"clean": {"tasks": 40, "success_rate": 0.6}}}
    root = write_tree(tmp_path, {"evals/tasks.jsonl": cases, "results/eval.json": json.dumps(results)})
    data = to_data(bullets(root))
    evaluated = next(b for b in data["bullets"] if b["text"].startswith("Evaluated"))
    assert evaluated["text"].startswith("Evaluated on 40 held-out cases (evals/tasks.jsonl, split into dev/test)")
    assert evaluated["numbers"][0]["key"] == "metrics.clean.tasks"
    assert assert_numbers_are_sourced(root, data) == 2


def test_a_repository_without_results_gets_bullets_without_numbers_and_the_target(tmp_path: Path) -> None:
    cases = "".join(json.dumps({"question": f"q{i}", "split": "test" if i % 2 else "dev"}) + "\n" for i in range(80))
    root = write_tree(
        tmp_path,
        {
            "Makefile": "eval:\n\tpython -m app.eval\nbench:\n\tpython -m app.bench\n",
            "evals/golden.jsonl": cases,
            "pyproject.toml": '[project]\nname = "app"\ndependencies = ["chromadb==0.5.0", "fastapi==0.115.0"]\n',
            "app/main.py": "import chromadb\nfrom fastapi import FastAPI\n",
            "Dockerfile": "FROM python:3.11-slim\n",
        },
    )
    report = bullets(root)
    data = to_data(report)
    assert all(figure["key"] == "(distinct records)" for b in data["bullets"] for figure in b["numbers"])
    assert "Chroma" in data["bullets"][0]["text"] and "FastAPI" in data["bullets"][0]["text"]
    assert any("`make eval`" in line for line in report.missing)
    assert any("`make bench`" in line for line in report.missing)


def test_a_subset_run_is_not_a_result(tmp_path: Path) -> None:
    run = {"utc_time": "2026-01-01T00:00:00Z", "sample": {"size": 4, "of": 56}}
    root = write_tree(tmp_path, {"results/eval.json": json.dumps({"run": run, "metrics": {"success_rate": 0.75}})})
    data = to_data(bullets(root))
    assert not any(figure["value"] == 0.75 for b in data["bullets"] for figure in b["numbers"])


def test_command_output_formats(tmp_path: Path) -> None:
    root = FIXTURES / "strong-rag"
    done = run_scaffold("bullets", str(root), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert assert_numbers_are_sourced(root, json.loads(done.stdout)) >= 3
    markdown = run_scaffold("bullets", str(root), "-f", "markdown", "-o", str(tmp_path / "b.md"))
    assert markdown.returncode == 0 and (tmp_path / "b.md").read_text().startswith("- Built")
    missing = run_scaffold("bullets", str(tmp_path / "nope"))
    assert missing.returncode == 2 and missing.stderr.startswith("error:")


def test_the_dataset_is_named_when_the_results_name_it(tmp_path: Path) -> None:
    results = {"metrics": {"dataset": {"name": "the Kubernetes docs", "documents": 1200}, "cases": 60, "hit@5": 0.8}}
    root = write_tree(tmp_path, {"results/eval.json": json.dumps(results)})
    data = to_data(bullets(root))
    assert data["bullets"][0]["text"] == "Built a Python project over 1,200 documents of the Kubernetes docs."
    assert assert_numbers_are_sourced(root, data) >= 2
