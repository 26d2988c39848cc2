"""End-to-end tier: render each template with defaults and run the generated project's own tasks
on real components (embedded Postgres, packaged embedding model, real copier render)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import run_scaffold

pytestmark = pytest.mark.e2e


def make(project: Path, target: str, timeout: int = 1800) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "SCAFFOLD_CACHE"}}
    result = subprocess.run(["make", target], cwd=project, capture_output=True, text=True, timeout=timeout, env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"make {target} failed:\n{output[-6000:]}"
    return output


@pytest.fixture(scope="module")
def workspace() -> Iterator[Path]:
    """A directory outside pytest's own temp root: the generated projects run pytest themselves, and
    pytest resets its temp root to mode 0700, which the embedded Postgres (running as an
    unprivileged user when started by root) could then no longer traverse to reach .venv."""
    root = Path(tempfile.mkdtemp(prefix="scaffold-e2e-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def rag_project(workspace: Path) -> Path:
    dest = workspace / "demo"
    result = run_scaffold("new", "rag-qa", str(dest), "--defaults")
    assert result.returncode == 0, result.stderr
    make(dest, "setup")
    return dest


def test_rag_qa_lint_and_tests_pass(rag_project: Path) -> None:
    make(rag_project, "lint")
    output = make(rag_project, "test")
    assert " passed" in output and " failed" not in output


def test_rag_qa_eval_writes_results_and_fills_the_readme(rag_project: Path) -> None:
    make(rag_project, "eval")
    result = json.loads((rag_project / "results/eval.json").read_text())
    metrics = result["metrics"]
    assert metrics["cases"] >= 50
    assert 0.5 < metrics["retrieval"]["hit@10"] <= 1.0
    assert set(result["run"]) >= {"utc_time", "git_commit", "dataset_hash", "config", "models", "hardware"}
    readme = (rag_project / "README.md").read_text()
    assert f"{metrics['retrieval']['mrr']:.3f}" in readme
    assert "Not measured yet: run `make eval`" not in readme
    make(rag_project, "gate")


def test_rag_qa_bench_records_percentiles_and_hardware(rag_project: Path) -> None:
    make(rag_project, "bench")
    result = json.loads((rag_project / "results/bench.json").read_text())
    cpu = result["metrics"]["latency_ms"]["cpu"]
    assert {"embed", "retrieve_vector", "retrieve_lexical", "retrieve_hybrid", "ask_e2e"} <= set(cpu)
    assert all(cpu[stage]["p50"] <= cpu[stage]["p99"] for stage in cpu)
    assert result["metrics"]["hnsw_recall@10"] > 0.8
    assert result["run"]["hardware"]["cpu_count"] >= 1
    assert "Not measured yet: run `make bench`" not in (rag_project / "README.md").read_text()


def test_rag_qa_answers_with_the_real_local_model(rag_project: Path) -> None:
    make(rag_project, "setup-llm")
    result = subprocess.run(
        [str(rag_project / ".venv/bin/pytest"), "-q", "-m", "llm"],
        cwd=rag_project,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout


def test_rag_qa_scores_at_least_95_with_scaffold_check(rag_project: Path) -> None:
    make(rag_project, "ablate")
    make(rag_project, "demo")
    assert (rag_project / "results/ablation.png").stat().st_size > 10_000
    result = run_scaffold("check", str(rag_project), "--format", "json")
    report = json.loads(result.stdout)
    failing = {f["id"]: f.get("detail") for f in report["findings"] if f["status"] == "fail"}
    assert report["score"]["total"] >= 95, failing
