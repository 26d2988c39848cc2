"""End-to-end tier: render each template with defaults and run the generated project's own tasks
on real components (embedded Postgres, packaged embedding model, real copier render)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from ..conftest import run_scaffold
from .conftest import assert_check_score_at_least, make, set_up_project

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def rag_project(workspace: Path) -> Path:
    return set_up_project(workspace, "rag-qa", "demo")


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
    assert_check_score_at_least(rag_project, 95)


@pytest.fixture(scope="module")
def vllm_bench_project(workspace: Path) -> Path:
    return set_up_project(workspace, "vllm-bench", "bench")


def test_vllm_bench_lint_and_tests_pass(vllm_bench_project: Path) -> None:
    make(vllm_bench_project, "lint")
    output = make(vllm_bench_project, "test")
    assert " passed" in output and " failed" not in output


def test_vllm_bench_bench_against_a_real_llamacpp_server(vllm_bench_project: Path) -> None:
    make(vllm_bench_project, "setup-llm")
    make(vllm_bench_project, "bench")
    result = json.loads((vllm_bench_project / "results/bench.json").read_text())
    points = result["metrics"]["points"]
    assert [p["label"] for p in points] == ["c1", "c2", "c4"]
    assert result["metrics"]["status"] == "ok"
    for point in points:
        assert point["status"] == "ok" and point["completed"] >= 6 and point["output_throughput"] > 0
        assert 0 < point["ttft_ms"]["median"] <= point["ttft_ms"]["percentiles"]["p99"]
        assert point["tpot_ms"]["median"] > 0 and point["cost_per_1m_output_tokens_usd"] > 0
    assert result["run"]["hardware"]["cpu"] and result["run"]["config"]["server"]["engine"] == "llamacpp"
    for plot in ("pareto", "ttft", "tpot"):
        assert (vllm_bench_project / f"results/plots/bench/{plot}.png").stat().st_size > 1000
    readme = (vllm_bench_project / "README.md").read_text()
    assert "Not measured yet: run `make bench`." not in readme
    assert f"{points[0]['output_throughput']:.1f}" in readme
    make(vllm_bench_project, "baseline")
    assert "No regression against evals/baseline.json" in make(vllm_bench_project, "gate")


def test_vllm_bench_against_a_dead_server_fails_and_says_so(vllm_bench_project: Path) -> None:
    """No invented latencies: every level failed, exit status non-zero, the results file marks it failed."""
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    result = subprocess.run(
        ["make", "bench-url", "URL=http://127.0.0.1:9", "CONFIG=configs/llamacpp.yaml", "ARGS=--num-requests 2"],
        cwd=vllm_bench_project, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert result.returncode != 0
    assert "error: every request failed at default/c1" in result.stderr and "Traceback" not in result.stderr
    assert "TTFT p50 0.0" not in result.stdout
    written = json.loads((vllm_bench_project / "results/bench_url.json").read_text())
    assert written["metrics"]["status"] == "failed"
    assert all(p["status"] == "failed" and p["ttft_ms"] is None for p in written["metrics"]["points"])


@pytest.mark.skipif(
    not os.environ.get("SCAFFOLD_E2E_VLLM_CPU"),
    reason="real vLLM on CPU: a 3.7 GB install and a 1.5-4 min start; set SCAFFOLD_E2E_VLLM_CPU=1",
)
def test_vllm_bench_against_real_vllm_on_cpu(vllm_bench_project: Path) -> None:
    make(vllm_bench_project, "setup-vllm-cpu", timeout=2400)
    make(vllm_bench_project, "bench-vllm-cpu", timeout=2400)
    result = json.loads((vllm_bench_project / "results/vllm_cpu.json").read_text())
    points = result["metrics"]["points"]
    assert all(p["completed"] == 16 and p["failed"] == 0 for p in points)
    assert result["run"]["server"]["version"]  # vLLM answers /version
    assert any(p["server_metrics"] for p in points)  # its /metrics were scraped


def test_vllm_bench_scores_at_least_95_with_scaffold_check(vllm_bench_project: Path) -> None:
    make(vllm_bench_project, "setup-llm")
    if not (vllm_bench_project / "results/bench.json").exists():
        make(vllm_bench_project, "bench")
    make(vllm_bench_project, "demo")
    assert (vllm_bench_project / "docs/demo.svg").stat().st_size > 5_000
    assert_check_score_at_least(vllm_bench_project, 95)


def test_rag_qa_with_custom_names_collects_its_whole_suite(rag_project: Path, workspace: Path) -> None:
    """A render with its own package name and license, installed without dependencies into the
    default project's environment (which has them all): every test module imports."""
    custom = workspace / "custom-names"
    answers = ["--data", "package_name=acme_probe", "--data", "license=Apache-2.0"]
    rendered = run_scaffold("new", "rag-qa", str(custom), "--defaults", "--no-git", *answers)
    assert rendered.returncode == 0, rendered.stderr
    bin_dir = rag_project / ".venv" / "bin"
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "SCAFFOLD_CACHE"}}
    install = [str(bin_dir / "pip"), "install", "-q", "--no-deps", "-e", str(custom)]
    subprocess.run(install, check=True, capture_output=True, timeout=900, env=env)
    collect = [str(bin_dir / "pytest"), "--collect-only", "-q"]
    collected = subprocess.run(collect, cwd=custom, capture_output=True, text=True, timeout=900, env=env)
    assert collected.returncode == 0, collected.stdout[-4000:] + collected.stderr[-2000:]
    count = re.search(r"(\d+) tests? collected", collected.stdout)
    assert count and int(count.group(1)) > 10, collected.stdout[-2000:]
