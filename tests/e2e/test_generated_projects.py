"""End-to-end tier: render each template with defaults and run the generated project's own tasks
on real components (embedded Postgres, packaged embedding model, real copier render)."""

from __future__ import annotations

import json
import os
import subprocess
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
def rag_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("e2e") / "demo"
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


@pytest.fixture(scope="module")
def agent_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("e2e-agent") / "demo"
    result = run_scaffold("new", "agent", str(dest), "--defaults")
    assert result.returncode == 0, result.stderr
    make(dest, "setup", timeout=2400)
    return dest


def test_agent_lint_and_tests_pass_including_the_real_local_model(agent_project: Path) -> None:
    make(agent_project, "lint")
    output = make(agent_project, "test")
    assert " passed" in output and " failed" not in output and " skipped" not in output


def test_agent_eval_runs_clean_and_with_faults_and_fills_the_readme(agent_project: Path) -> None:
    make(agent_project, "eval", timeout=3600)
    result = json.loads((agent_project / "results/eval.json").read_text())
    clean, faults = result["metrics"]["clean"], result["metrics"]["faults"]
    assert clean["tasks"] >= 50 and faults["tasks"] == clean["tasks"]
    assert sum(faults["injected"].values()) > 0 and faults["retries"] > 0
    assert {"p50", "p95"} <= set(clean["latency_ms"]) and clean["tokens"]["input"] > 0
    assert set(result["run"]) >= {"utc_time", "git_commit", "dataset_hash", "config", "models", "hardware"}
    readme = (agent_project / "README.md").read_text()
    assert "Not measured yet: run `make eval`" not in readme and "with injected faults" in readme
    make(agent_project, "gate")


def test_agent_bench_records_latency_at_two_concurrency_levels(agent_project: Path) -> None:
    make(agent_project, "bench", timeout=3600)
    result = json.loads((agent_project / "results/bench.json").read_text())
    levels = result["metrics"]["levels"]
    assert [level["concurrency"] for level in levels][:1] == [1] and len(levels) == 2
    assert all(level["task_ms"]["p50"] <= level["task_ms"]["p95"] for level in levels)
    assert result["run"]["hardware"]["cpu_count"] >= 1
    assert "Not measured yet: run `make bench`" not in (agent_project / "README.md").read_text()
