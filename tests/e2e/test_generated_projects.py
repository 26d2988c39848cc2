"""End-to-end tier: render each template with defaults and run the generated project's own tasks
on real components (embedded Postgres, packaged embedding model, real copier render)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from importlib import metadata
from pathlib import Path

import pytest

from ..conftest import run_scaffold
from .conftest import assert_check_score_at_least, assert_the_example_is_flagged, make, project_env, set_up_project

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


def test_rag_qa_as_rendered_is_the_template_example(rag_project: Path) -> None:
    assert_the_example_is_flagged(rag_project, "data/corpus/python-stdlib-3.11.jsonl", "evals/golden.jsonl")


def installed_package_docs(venv: Path, dest: Path, own: str, limit: int = 600_000) -> dict[str, str]:
    """A corpus the templates do not ship, built offline from documentation already on the machine:
    the long descriptions of the packages installed in the project's environment (the project's own
    excluded), one page per second-level section, each titled "Package: section"."""
    site = next(venv.glob("lib/python3*/site-packages"))
    pages: dict[str, str] = {}
    size = 0
    for dist in sorted(metadata.distributions(path=[str(site)]), key=lambda d: d.metadata["Name"].lower()):
        meta, name = dist.metadata, re.sub(r"[^a-z0-9]+", "-", dist.metadata["Name"].lower())
        body = meta.get_payload() or meta.get("Description") or ""  # type: ignore[attr-defined]
        if len(body) < 1500 or name == own:
            continue
        markdown = "markdown" in (meta.get("Description-Content-Type") or "")
        sections: list[str] = []
        for part in re.split(r"(?m)^(?=## )", body) if markdown else [body]:
            if sections and len(sections[-1]) < 600:
                sections[-1] += part
            else:
                sections.append(part)
        for number, text in enumerate(sections):
            heading = re.match(r"## +(.+)", text)
            title = f"{meta['Name']}: {heading.group(1).strip()}" if heading and number else meta["Name"]
            page = f"# {title}\n\n{meta.get('Summary') or ''}\n\n{text}" if number == 0 else f"# {title}\n\n{text}"
            pages[f"{name}/{number:02d}.md"] = page
            size += len(page)
        if size > limit:
            break
    for relative, text in pages.items():
        (dest / relative).parent.mkdir(parents=True, exist_ok=True)
        (dest / relative).write_text(text, encoding="utf-8")
    return pages


def review_answers(count: int) -> str:
    """What a reviewer types: accept most, reject every seventh, rewrite one question in a user's words."""
    answers = []
    for number in range(count):
        if number == 3:
            answers += ["e", "Which command installs it, and what does it need first?", ""]
        else:
            answers.append("r" if number % 7 == 6 else "a")
    return "".join(f"{answer}\n" for answer in answers)


def test_rag_qa_make_it_yours_on_documentation_the_template_does_not_ship(rag_project: Path, workspace: Path) -> None:
    """The README's "Make it yours" path, command by command, on a corpus built on this machine."""
    pages = installed_package_docs(rag_project / ".venv", workspace / "package-docs", own="python-docs-qa")
    assert len(pages) >= 200, len(pages)
    timings: dict[str, float] = {}

    def step(target: str, *variables: str, answers: str | None = None) -> str:
        started = time.monotonic()
        output = make(rag_project, target, *variables, answers=answers, timeout=3600)
        timings[target] = round(time.monotonic() - started, 1)
        return output

    step(
        "corpus",
        f"SOURCE={workspace / 'package-docs'}",
        "NAME=package-docs",
        "LICENCE=each package's own licence, as its metadata states",
        "ORIGIN=the package metadata installed in this project's environment",
        "DESCRIPTION=Answers questions about the Python packages this project runs on, from their own documentation.",
    )
    card = json.loads((rag_project / "data/corpus/card.json").read_text())
    assert card["documents"] == len(pages) and card["name"] == "package-docs"
    assert not (rag_project / "data/corpus/python-stdlib-3.11.jsonl").exists()
    step("ingest")
    step("golden-draft", "COUNT=200")
    drafts = [json.loads(line) for line in (rag_project / "evals/drafts.jsonl").read_text().splitlines()]
    assert len(drafts) == 200 and all(d["source_ids"][0] in pages for d in drafts)
    # The review is interrupted after 40 answers (the end of input) and resumed where it stopped.
    first = step("golden-review", answers=review_answers(40))
    assert "160 left for later" in first, first[-2000:]
    rest = step("golden-review", answers=review_answers(200)[len(review_answers(40)) :])
    assert "0 left for later" in rest, rest[-2000:]
    golden = [json.loads(line) for line in (rag_project / "evals/golden.jsonl").read_text().splitlines()]
    assert 150 <= len(golden) < 200 and {c["origin"] for c in golden} == {"reviewed-offline-draft"}
    assert any(c["question"] == "Which command installs it, and what does it need first?" for c in golden)

    step("ablate")
    step("eval")
    step("bench")
    step("demo")
    result = json.loads((rag_project / "results/eval.json").read_text())
    assert result["run"]["config"]["dataset_card"]["sha256"] == card["sha256"]
    assert result["run"]["config"]["collection"] == "package_docs" and result["run"]["dataset_hash"]
    assert set(result["metrics"]["dataset"]["golden_origins"]) == {"reviewed-offline-draft"}
    assert result["metrics"]["retrieval"]["hit@10"] > 0.5
    print("retrieval arms on the user's test split:", json.dumps(result["metrics"]["modes"]))
    evals_readme = (rag_project / "evals/README.md").read_text()
    assert "written by hand" not in evals_readme and "reviewed" in evals_readme
    # The example is in neither the collection nor any result: every ranked or cited document is a page.
    cases = [json.loads(line) for line in (rag_project / "results/eval_cases.jsonl").read_text().splitlines()]
    assert {doc for case in cases for doc in case["ranking"]} <= set(pages)
    stored = subprocess.run(
        [str(rag_project / ".venv/bin/python"), "-m", "python_docs_qa", "ask", "How do I copy a directory tree?"],
        cwd=rag_project, capture_output=True, text=True, timeout=600, env=project_env(),
    )  # fmt: skip
    assert stored.returncode == 0 and "library/" not in stored.stdout and "shutil" not in stored.stdout, stored.stdout
    # The int8 ONNX build of MiniLM ranks within 0.02 nDCG@10 of MiniLM on this corpus too.
    ablation = json.loads((rag_project / "results/ablation.json").read_text())["metrics"]
    embeddings = {row["embedding"]: row for row in ablation["embeddings"]}
    assert set(embeddings) == {"sentence-transformers/all-MiniLM-L6-v2", "minilm-onnx-int8", "static-minilm"}
    assert embeddings["minilm-onnx-int8"]["vector_ndcg@10_change"] >= -0.02, embeddings
    print("embedding arms on the user's corpus:", json.dumps(ablation["embeddings"]))
    # The fusion setting tuned on the user's dev split is the one the held-out eval used.
    config, tuned = result["run"]["config"], ablation["fusion"]["best"]
    assert config["fusion_source"].startswith("results/ablation.json"), config
    assert [config[k] for k in ("rrf_k", "lexical_weight", "candidates")] == [
        tuned[k] for k in ("rrf_k", "lexical_weight", "candidates")
    ]
    print("retrieval arms on the user's dev split:", json.dumps(ablation["runs"]))
    for name in ("eval.json", "eval_cases.jsonl", "ablation.json", "bench.json"):
        text = (rag_project / "results" / name).read_text()
        assert "python-stdlib" not in text and "library/shutil" not in text, name
    # The latency benchmark, on the user's questions (run once, here, not also on the example).
    bench = json.loads((rag_project / "results/bench.json").read_text())
    cpu = bench["metrics"]["latency_ms"]["cpu"]
    assert {"embed", "retrieve_vector", "retrieve_lexical", "retrieve_hybrid", "ask_e2e"} <= set(cpu)
    assert all(cpu[stage]["p50"] <= cpu[stage]["p99"] for stage in cpu)
    assert bench["metrics"]["hnsw_recall@10"] > 0.8 and bench["run"]["hardware"]["cpu_count"] >= 1
    assert bench["run"]["config"]["collection"] == "package_docs"
    assert "Not measured yet: run `make bench`" not in (rag_project / "README.md").read_text()
    assert (rag_project / "results/ablation.png").stat().st_size > 10_000
    assert (rag_project / "docs/demo.svg").stat().st_size > 5_000
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        assert (rag_project / "docs/demo.png").stat().st_size > 10_000
    readme = (rag_project / "README.md").read_text()
    assert "package docs: **" in readme and "Python standard library" not in readme.split("## Make it yours")[0]
    assert_check_score_at_least(rag_project, 95)
    (rag_project / "results/make_it_yours_timings.json").write_text(json.dumps(timings, indent=2))
    print("make it yours, seconds per command:", timings)


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
    # Its make-it-yours path (`make use-model`, then a sweep) needs a GPU: here the render stays
    # the example, which EN7 says, and everything else is scored.
    assert_check_score_at_least(vllm_bench_project, 95, example_files=("configs/gpu.yaml",))


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
