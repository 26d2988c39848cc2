"""`scaffold match`: tools named by job descriptions, ranked, against what a repository shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffold.career.match import DescriptionError, match, read_description
from scaffold.check.evidence.vocabulary import vocabulary
from tests.check.conftest import FIXTURES, write_tree
from tests.conftest import run_scaffold

DESCRIPTIONS = Path(__file__).parent / "descriptions"
ALL = sorted(DESCRIPTIONS.iterdir())


def _tool(name: str):  # type: ignore[no-untyped-def]
    return next(t for t in vocabulary() if t.name == name)


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        ("Postgres experience", "PostgreSQL"),
        ("POSTGRESQL 16", "PostgreSQL"),
        ("psql and friends", "PostgreSQL"),
        ("deploy on k8s.", "Kubernetes"),
        ("(Kubernetes)", "Kubernetes"),
        ("Helm charts", "Kubernetes"),
        ("sentence transformers", "sentence-transformers"),
        ("Sentence-Transformers", "sentence-transformers"),
        ("llama.cpp or llamacpp", "llama.cpp"),
        ("Hugging Face / HuggingFace", "Hugging Face Transformers"),
        ("w&b for tracking", "Weights & Biases"),
        ("CI/CD pipelines", "GitHub Actions"),
        ("re-ranking with a cross encoder", "cross-encoder reranker"),
        ("**vLLM**,", "vLLM"),
        ("Ray Serve", "Ray"),
        ("rerankers", "cross-encoder reranker"),
    ],
)
def test_aliases_case_and_punctuation(text: str, tool: str) -> None:
    assert _tool(tool).mentions(text), f"{tool} not found in {text!r}"


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        ("a ray of sunshine", "Ray"),  # an exact alias keeps its case
        ("inspect the deliveries", "Inspect"),
        ("postgresql-ish", "Kubernetes"),
        ("pgvectorx", "pgvector"),  # no match inside a longer word
        ("chromatic aberration", "Chroma"),
        ("a phoenix rising", "Phoenix"),
    ],
)
def test_ordinary_words_are_not_tools(text: str, tool: str) -> None:
    assert not _tool(tool).mentions(text)


def test_ranking_counts_descriptions_not_mentions() -> None:
    report = match([read_description(path) for path in ALL], [])
    counts = {d.tool.name: len(d.descriptions) for d in report.demands}
    assert counts["Kubernetes"] == 3 and counts["PostgreSQL"] == 3  # k8s / Kubernetes / POSTGRESQL / Postgres
    assert counts["OpenTelemetry"] == 2 and counts["vLLM"] == 1
    assert "Ray" not in counts and "Inspect" not in counts  # the office manager's ray and inspect
    ranked = [len(d.descriptions) for d in report.demands]
    assert ranked == sorted(ranked, reverse=True)
    assert report.recurring_threshold == 2
    kubernetes = next(d for d in report.demands if d.tool.name == "Kubernetes")
    assert kubernetes.first_mention["platform.md"] == 4  # the line of the first mention


def test_a_repository_is_audited_with_evidence_not_readme_claims(tmp_path: Path) -> None:
    repo = write_tree(
        tmp_path / "repo",
        {
            "README.md": "# Demo\n\nWe use Kubernetes and vLLM everywhere.\n",  # claims only
            "pyproject.toml": '[project]\nname = "x"\ndependencies = ["psycopg==3.2.1", "fastapi==0.115.0"]\n',
            "src/x/app.py": "from fastapi import FastAPI\nimport psycopg\n",
            "deploy/compose.yaml": "services:\n  db:\n    image: pgvector/pgvector:pg16\n",
            ".github/workflows/ci.yml": "jobs:\n  t:\n    steps:\n      - run: make test\n",
        },
    )
    report = match([read_description(path) for path in ALL], [repo])
    by_name = {d.tool.name: d for d in report.demands}
    found = {name: d.found[str(repo)] for name, d in by_name.items()}
    assert [str(loc) for loc in found["PostgreSQL"]][:1] == ["src/x/app.py:2"]
    assert str(found["pgvector"][0]) == "deploy/compose.yaml:3"  # the container image
    assert str(found["GitHub Actions"][0]) == ".github/workflows/ci.yml"
    assert found["Kubernetes"] == [] and found["vLLM"] == []  # the README's claims are not evidence
    assert "vllm-bench" in by_name["vLLM"].tool.suggestion()
    assert "manifests" in by_name["Kubernetes"].tool.suggestion()


def test_command_formats_and_errors(tmp_path: Path) -> None:
    done = run_scaffold("match", *map(str, ALL), "--repo", str(FIXTURES / "strong-rag"), "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    rows = {row["tool"]: row for row in data["tools"]}
    assert rows["PostgreSQL"]["status"] == "found" and rows["PostgreSQL"]["covered_by"] is None
    assert rows["Kubernetes"]["status"] == "missing" and rows["Kubernetes"]["covered_by"]
    assert rows["Kubernetes"]["named_in"][0].startswith("agents.md:")
    markdown = run_scaffold("match", *map(str, ALL), "--format", "markdown")
    assert markdown.returncode == 0 and "| **Kubernetes** | deployment | 3 |" in markdown.stdout
    binary = tmp_path / "jd.pdf"
    binary.write_bytes(b"%PDF\x00\x01")
    for bad, message in ((tmp_path / "none.txt", "cannot be read"), (binary, "is binary"), (tmp_path, "directory")):
        failed = run_scaffold("match", str(bad))
        assert failed.returncode == 2 and failed.stderr.startswith("error:") and message in failed.stderr
        assert "Traceback" not in failed.stderr


def test_description_encodings(tmp_path: Path) -> None:
    utf16 = tmp_path / "utf16.txt"
    utf16.write_text("Kubernetes and Postgres", encoding="utf-16")
    legacy = tmp_path / "cp1252.txt"
    legacy.write_bytes("Caf\xe9 team: k8s, vLLM".encode("cp1252"))
    report = match([read_description(utf16), read_description(legacy)], [])
    assert {d.tool.name for d in report.demands} >= {"Kubernetes", "PostgreSQL", "vLLM"}
    with pytest.raises(DescriptionError):
        read_description(tmp_path / "missing.md")
