import json
from collections.abc import Callable

import pytest

from scaffold.check.model import Status
from scaffold.check.runner import CheckRun
from tests.check.conftest import finding

Repo = Callable[[dict[str, str | bytes]], CheckRun]

FASTAPI_APP = """
from fastapi import FastAPI

app = FastAPI()


@app.post("/ask")
def ask(question: str) -> dict[str, str]:
    return {"answer": question}
"""


def test_fastapi_routes_are_a_serving_interface(repo: Repo) -> None:
    pr1 = finding(repo({"src/app/api.py": FASTAPI_APP}), "PR1")
    assert pr1.status is Status.PASS
    assert str(pr1.verdict.evidence[0]) == "src/app/api.py:7"


def test_importing_fastapi_without_routes_is_not_a_serving_interface(repo: Repo) -> None:
    assert finding(repo({"app.py": "import fastapi\n"}), "PR1").status is Status.FAIL


def test_dockerfile_needs_real_instructions(repo: Repo) -> None:
    assert finding(repo({"Dockerfile": "# TODO\n"}), "PR2").status is Status.FAIL
    dockerfile = 'FROM python:3.11-slim\nCOPY . .\nRUN pip install .\nCMD ["app"]\n'
    assert finding(repo({"Dockerfile": dockerfile}), "PR2").status is Status.PASS


def test_tracing_must_be_used_not_only_imported(repo: Repo) -> None:
    imported_only = repo({"app.py": "from opentelemetry import trace\n\nprint('hello')\n"})
    pr3 = finding(imported_only, "PR3")
    assert pr3.status is Status.FAIL
    assert "never used" in pr3.verdict.detail
    used = repo({"app.py": "from opentelemetry import trace\n\ntracer = trace.get_tracer('app')\n"})
    assert finding(used, "PR3").status is Status.PASS


def test_tracing_in_tests_only_does_not_count(repo: Repo) -> None:
    run = repo(
        {
            "tests/test_tracing.py": "from opentelemetry import trace\n\ndef test_t():\n    assert trace.get_tracer('x')\n"
        }
    )
    assert finding(run, "PR3").status is Status.FAIL


def test_prometheus_metrics_count(repo: Repo) -> None:
    code = "from prometheus_client import Counter\n\nREQUESTS = Counter('requests', 'Requests served')\n"
    assert finding(repo({"metrics.py": code}), "PR3").status is Status.PASS


def test_demo_link_but_not_badges(repo: Repo) -> None:
    badge = "# X\n\n![CI](https://img.shields.io/badge/ci-passing-green)\n"
    assert finding(repo({"README.md": badge}), "PR4").status is Status.FAIL
    demo = "# X\n\nTry the [live demo](https://huggingface.co/spaces/me/x).\n"
    assert finding(repo({"README.md": demo}), "PR4").status is Status.PASS


def test_committed_secret_fails_with_location(repo: Repo) -> None:
    key = "sk-" + "a1B2c3D4" * 6
    run = repo({"config.py": f"API_KEY = '{key}'\n", ".env.example": "API_KEY=\n"})
    pr5 = finding(run, "PR5")
    assert pr5.status is Status.FAIL
    assert str(pr5.verdict.evidence[0]) == "config.py:1"
    assert key not in pr5.verdict.detail


def test_env_file_with_values_fails_unless_gitignored(repo: Repo) -> None:
    files: dict[str, str | bytes] = {".env": "TOKEN=abc123\n", ".env.example": "TOKEN=\n"}
    assert finding(repo(files), "PR5").status is Status.FAIL
    ignored = {**files, ".gitignore": ".env\n"}
    assert finding(repo(ignored), "PR5").status is Status.PASS


def test_benchmark_results_need_percentiles_and_hardware(repo: Repo) -> None:
    bench = {"p50_ms": 100, "p95_ms": 200}
    run = repo({"Makefile": "bench:\n\tpython bench.py\n", "results/bench.json": json.dumps(bench)})
    assert finding(run, "PF1").status is Status.PASS
    pf2 = finding(run, "PF2")
    assert pf2.status is Status.FAIL and "hardware" in pf2.verdict.detail
    bench["hardware"] = {"cpu": "EPYC"}  # type: ignore[assignment]
    run = repo({"Makefile": "bench:\n\tpython bench.py\n", "results/bench.json": json.dumps(bench)})
    assert finding(run, "PF2").status is Status.PASS


def test_cost_needs_a_number(repo: Repo) -> None:
    assert finding(repo({"README.md": "# X\n\nCost matters a lot to us.\n"}), "PF3").status is Status.FAIL
    assert finding(repo({"README.md": "# X\n\nAbout $0.002 per request.\n"}), "PF3").status is Status.PASS


def test_track_checks_apply_only_to_detected_tracks(repo: Repo) -> None:
    plain = repo({"README.md": "# A CLI\n"})
    assert finding(plain, "RAG1").status is Status.NOT_APPLICABLE
    rag = repo({"app.py": "import faiss\n"})
    assert "rag" in rag.tracks
    assert finding(rag, "RAG1").status is Status.FAIL


def test_a_declared_but_unimported_library_does_not_make_a_track(repo: Repo) -> None:
    run = repo(
        {
            "pyproject.toml": '[project]\nname="x"\ndependencies=["vllm==0.6.4"]\n',
            "app.py": "print(1)\n",
        }
    )
    assert "serving" not in run.tracks


def test_retrieval_metrics_and_hybrid_search(repo: Repo) -> None:
    files: dict[str, str | bytes] = {
        "app.py": 'import faiss\n\nQUERY = "SELECT * FROM chunks WHERE tsv @@ plainto_tsquery(%s)"\n',
        "results/eval.json": json.dumps({"recall_at_5": 0.8, "faithfulness": 0.7}),
    }
    run = repo(files)
    assert finding(run, "RAG2").status is Status.PASS
    assert finding(run, "RAG3").status is Status.PASS


def test_agent_failure_handling(repo: Repo) -> None:
    code = (
        "import json\nimport langgraph\nimport httpx\n\n"
        "def call(url):\n    try:\n        return json.loads(httpx.get(url, timeout=5).text)\n"
        "    except json.JSONDecodeError:\n        return None\n"
    )
    ag1 = finding(repo({"agent.py": code}), "AG1")
    assert ag1.status is Status.PASS, ag1.verdict.detail
    assert finding(repo({"agent.py": "import langgraph\n"}), "AG1").status is Status.FAIL


def test_serving_sweep_and_engine_config(repo: Repo) -> None:
    sweep = {
        "engine": {"model": "m", "quantization": "awq", "max_num_seqs": 64, "gpu": "L4"},
        "rows": [{"concurrency": 1, "p50": 1.0}, {"concurrency": 8, "p50": 2.0}],
    }
    run = repo({"bench.py": "import vllm\n", "results/sweep.json": json.dumps(sweep)})
    assert finding(run, "SV1").status is Status.PASS
    assert finding(run, "SV2").status is Status.PASS
    del sweep["engine"]["quantization"]  # type: ignore[attr-defined]
    sv2 = finding(repo({"bench.py": "import vllm\n", "results/sweep.json": json.dumps(sweep)}), "SV2")
    assert sv2.status is Status.FAIL and "quantization" in sv2.verdict.detail


@pytest.mark.parametrize(
    ("readme", "files"),
    [
        ('# App\n\n<a href="https://huggingface.co/spaces/me/app">Live demo</a>\n', {}),
        (
            '# App\n\n<p align="center"><img src="docs/demo.png" alt="demo screenshot" width="600"></p>\n',
            {"docs/demo.png": b"\x89PNG"},
        ),
        ("# App\n\n| what | where |\n|---|---|\n| demo | [try it](https://app.fly.dev) |\n", {}),
        (
            '# App\n\n| | |\n|---|---|\n| <img src="docs/screenshot.png"> | the UI |\n',
            {"docs/screenshot.png": b"\x89PNG"},
        ),
    ],
    ids=["html-anchor", "html-img", "link-in-table", "html-img-in-table"],
)
def test_pr4_sees_html_links_and_links_in_table_cells(repo: Repo, readme: str, files: dict[str, bytes]) -> None:
    pr4 = finding(repo({"README.md": readme, **files}), "PR4")
    assert pr4.status is Status.PASS, pr4.verdict.detail


def test_rag3_is_not_fooled_by_an_enum_value_in_a_migration(repo: Repo) -> None:
    files = {
        "app/retrieve.py": "import pgvector\nfrom sentence_transformers import SentenceTransformer\n\ndef search(q):\n    return q\n",
        "app/migrations/0003_modes.py": (
            "import enum\n\nclass Mode(enum.Enum):\n    VECTOR = 'VECTOR'\n    RERANKING = 'RERANKING'\n"
            "\nop = {'name': 'RERANKING'}\n"
        ),
        "app/models.py": "class SearchMode:\n    HYBRID = 'hybrid'\n    RERANK = 'rerank'\n",
    }
    rag3 = finding(repo(files), "RAG3")
    assert rag3.status is Status.FAIL, rag3.verdict.detail


def test_rag3_passes_on_full_text_sql_and_a_reranking_function(repo: Repo) -> None:
    sql = "SELECT id FROM chunks WHERE tsv @@ websearch_to_tsquery('english', %s) ORDER BY ts_rank(tsv, q) DESC"
    base = {"app/retrieve.py": "import pgvector\nfrom sentence_transformers import SentenceTransformer\n"}
    assert finding(repo({**base, "app/lexical.py": f"QUERY = {sql!r}\n"}), "RAG3").status is Status.PASS
    rerank = "def rerank(query, hits):\n    return sorted(hits)\n"
    assert finding(repo({**base, "app/rerank.py": rerank}), "RAG3").status is Status.PASS


def test_pf2_cites_the_benchmark_results_not_an_ablation_that_times_itself(repo: Repo) -> None:
    run = {"hardware": {"cpu": "x"}, "utc_time": "2026-01-01T00:00:00Z"}
    files = {
        "Makefile": "bench:\n\tpython bench.py\n",
        "results/ablation.json": json.dumps({"run": run, "runs": [{"mode": "a", "p50_ms": 3.0}]}),
        "results/bench.json": json.dumps({"run": run, "latency_ms": {"p50": 10.0, "p95": 20.0}}),
    }
    pf2 = finding(repo(files), "PF2")
    assert pf2.status is Status.PASS and pf2.verdict.evidence[0].path == "results/bench.json", pf2.verdict


@pytest.mark.parametrize(
    ("files", "status"),
    [
        ({"README.md": "# App\n\nThe provider is a fake LLM. Cost estimate: $0.00 per request.\n"}, Status.FAIL),
        ({"results/eval.json": json.dumps({"cost_usd": {"total": 0.0, "per_request": 0.0}})}, Status.FAIL),
        ({"README.md": "# App\n\nCost: $0.42 per 1k requests at gpt-4o-mini prices.\n"}, Status.PASS),
        ({"results/eval.json": json.dumps({"cost_usd": {"total": 0.0, "per_1k_at": {"gpt-4o": 3.69}}})}, Status.PASS),
    ],
    ids=["readme-zero", "results-zero", "readme-amount", "results-price-list"],
)
def test_pf3_needs_a_cost_above_zero(repo: Repo, files: dict[str, str], status: Status) -> None:
    pf3 = finding(repo(files), "PF3")
    assert pf3.status is status, pf3.verdict.detail


@pytest.mark.parametrize(
    ("files", "track", "expected"),
    [
        ({"deploy/docker-compose.yml": "services:\n  llm:\n    image: vllm/vllm-openai:v0.6.3\n"}, "serving", True),
        (
            {"Dockerfile": "FROM python:3.11\n# see vllm serve docs\nCMD vllm serve Qwen/Qwen2.5-1.5B\n"},
            "serving",
            True,
        ),
        ({"Dockerfile": "FROM python:3.11\n# later: vllm serve for production\n"}, "serving", False),
        ({"app/index.py": "from langchain.vectorstores import FAISS\n"}, "rag", True),
        ({"app/evaluation/judge.py": "from vllm import LLM\n"}, "serving", False),
        (
            {"agents/planner.py": "def plan():\n    pass\n", "app/main.py": "from agents import planner\n"},
            "agent",
            False,
        ),
        (
            {"app/main.py": "from agents import Agent, Runner, function_tool\n\n@function_tool\ndef f(): ...\n"},
            "agent",
            True,
        ),
        ({"app/main.py": "from agents import Agent, Runner\n"}, "agent", False),  # a chat wrapper, no tool
    ],
    ids=[
        "compose-image",
        "dockerfile-command",
        "dockerfile-comment",
        "old-langchain",
        "vllm-in-eval",
        "local-agents",
        "agents-sdk",
        "agents-sdk-without-tools",
    ],
)
def test_tracks_come_from_what_the_project_runs(repo: Repo, files: dict[str, str], track: str, expected: bool) -> None:
    assert (track in repo(files).tracks) is expected


def test_pr2_is_not_a_dev_container(repo: Repo) -> None:
    dockerfile = "FROM mcr.microsoft.com/devcontainers/python:3.11\nRUN pip install -e .\nUSER vscode\n"
    assert finding(repo({".devcontainer/Dockerfile": dockerfile}), "PR2").status is Status.FAIL
    both = repo(
        {".devcontainer/Dockerfile": dockerfile, "Dockerfile": "FROM python:3.11\nCOPY . .\nCMD uvicorn app:app\n"}
    )
    pr2 = finding(both, "PR2")
    assert pr2.status is Status.PASS and pr2.verdict.evidence[0].path == "Dockerfile", pr2.verdict


def test_secret_scan_finds_keys_among_words_that_share_their_prefix(repo: Repo) -> None:
    noise = "the task-runner frees disk-space for risk-free desk-work\n" * 2000
    key = "sk-proj-" + "A1b2C3d4" * 5
    files = {"notes.md": noise + f"OPENAI_API_KEY={key}\n" + noise, "other.md": noise}
    pr5 = finding(repo(files), "PR5")
    assert pr5.status is Status.FAIL and str(pr5.verdict.evidence[0]) == "notes.md:2001", pr5.verdict


def test_deployment_is_a_fact_checks_read() -> None:
    from scaffold.check.evidence.deployment import ContainerFile, Deployment
    from scaffold.check.model import Location
    from scaffold.check.runner import compute_check

    image = ContainerFile("Dockerfile", ((1, "FROM python:3.11"), (2, "COPY . ."), (3, "CMD uvicorn app:app")))
    stub = ContainerFile("Dockerfile", ((1, "FROM python:3.11"),))
    from scaffold.check.evidence.python_source import PythonSources

    python = PythonSources([])
    assert compute_check("PR2", deployment=Deployment(containers=[image]), python=python).status is Status.PASS
    assert compute_check("PR2", deployment=Deployment(containers=[stub]), python=python).status is Status.FAIL
    manifest = Deployment(manifests=[(Location("k8s/api.yaml", 3), "Deployment")])
    verdict = compute_check("PR2", deployment=manifest, python=python)
    assert verdict.status is Status.PASS and str(verdict.evidence[0]) == "k8s/api.yaml:3"
