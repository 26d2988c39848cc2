"""Every built-in check on hand-made facts, through `compute_check(id, **facts)`: one set of facts
that passes it and one that fails it, with no repository on disk. The facts are built with the same
parsers the checker uses (Markdown, Python, results files), so a check is tested on what it
actually receives."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scaffold.check.checks import builtin_checks
from scaffold.check.evidence.ci import CiConfig
from scaffold.check.evidence.dependencies import Dependencies, Dependency
from scaffold.check.evidence.deployment import ContainerFile, Deployment
from scaffold.check.evidence.eval_sets import EvalSet, EvalSets
from scaffold.check.evidence.files import FileIndex, IndexedFile
from scaffold.check.evidence.history import Commit, GitHistory
from scaffold.check.evidence.markdown import Markdown, parse_markdown
from scaffold.check.evidence.python_source import PythonSources, parse_python
from scaffold.check.evidence.results import ResultsData, parse_results_file
from scaffold.check.evidence.secrets import SecretHit, SecretScan
from scaffold.check.evidence.tasks import Task, Tasks
from scaffold.check.evidence.template_origin import CopierAnswers, TemplateBaseline, TemplateOrigin
from scaffold.check.evidence.tooling import LicenseFile, Tooling
from scaffold.check.model import Location, Status
from scaffold.check.runner import compute_check

Facts = dict[str, Any]
DAY = 86_400
RUN = {"utc_time": "2026-11-30T12:00:00Z", "git_commit": "4f7d22a", "config": {"model": "gemma-3-270m"}}


def md(text: str, path: str = "README.md") -> Markdown:
    return parse_markdown(path, text)


def py(**modules: str) -> PythonSources:
    return PythonSources([parse_python(path.replace("__", "/"), source) for path, source in modules.items()])


def results(*files: tuple[str, Any]) -> ResultsData:
    parsed = [parse_results_file(path, json.dumps(data)) for path, data in files]
    return ResultsData([p for p in parsed if p is not None])


def index(*paths: str) -> FileIndex:
    found = FileIndex(root=Path("/nonexistent"))
    found.files = {path: IndexedFile(path, 100) for path in paths}
    return found


def tasks(**commands: str) -> Tasks:
    return Tasks(
        {
            name: Task(name, Location("Makefile", number), [(Location("Makefile", number + 1), command)])
            for number, (name, command) in enumerate(commands.items(), start=1)
        }
    )


def ci(*lines: str) -> CiConfig:
    path = ".github/workflows/ci.yml"
    return CiConfig([path], [], [(Location(path, n), line) for n, line in enumerate(lines, start=1)])


def history(*authors: str) -> GitHistory:
    return GitHistory(
        commits=[Commit(f"{i:040x}", a, 1_700_000_000 + (len(authors) - i) * DAY, a) for i, a in enumerate(authors)]
    )


def origin(**fields: Any) -> TemplateOrigin:
    answers = CopierAnswers(".copier-answers.yml", "~/.cache/scaffold/templates.bundle", "0.1.0-45-ga0a70bc", {})
    baseline = TemplateBaseline("rag-qa", "0.1.0-45-ga0a70bc", example={"evals/golden.jsonl": "0" * 64})
    return TemplateOrigin(answers, baseline, **fields)


def writeup(text: str) -> Facts:
    return {"writeup": [md(text)], "readme": md(text), "reports": [], "python": py()}


NONE: Facts = {"writeup": [], "readme": None, "reports": [], "python": py()}
TABLE = "| metric | value |\n|---|---:|\n| recall@5 | 0.82 |\n| faithfulness | 0.91 |\n"
BENCH = {"run": {**RUN, "hardware": {"gpu": "A100"}}, "latency_ms": {"p50": 41.0, "p95": 90.0}}

# check id -> (facts that pass it, facts that fail it)
CASES: dict[str, tuple[Callable[[], Facts], Callable[[], Facts]]] = {
    "ST1": (
        lambda: writeup(
            "# Docs QA\n\n## Problem\n\nAnswer questions about the Postgres manual, a corpus of 1,678 documents "
            "scraped from the official docs.\n"
        ),
        lambda: writeup("# Docs QA\n\nA question answering app.\n"),
    ),
    "ST2": (
        lambda: writeup("# App\n\n## Architecture\n\n```mermaid\ngraph LR\n  api --> retriever --> llm\n```\n"),
        lambda: writeup("# App\n\nNo design notes.\n"),
    ),
    "ST3": (
        lambda: writeup(
            "# App\n\n## Design decisions\n\n- pgvector over FAISS because the rows already live in Postgres.\n"
        ),
        lambda: writeup("# App\n\n## Design decisions\n\nWe use pgvector.\n"),
    ),
    "ST4": (
        lambda: writeup(f"# App\n\n## Results\n\n{TABLE}"),
        lambda: writeup("# App\n\n## Results\n\nIt works well.\n"),
    ),
    "ST5": (
        lambda: writeup(
            "# App\n\n## Limitations\n\n" + "Tables in PDFs are read as plain text, so totals are lost. " * 3
        ),
        lambda: writeup("# App\n\nEverything works.\n"),
    ),
    "ST6": (
        lambda: {
            **writeup("# App\n\n## Reproduce\n\n```bash\nmake eval\n```\n"),
            "tasks": tasks(eval="python -m app eval"),
            "files": index(),
        },
        lambda: {**writeup("# App\n\n## Reproduce\n\n```bash\nmake eval\n```\n"), "tasks": tasks(), "files": index()},
    ),
    "ST7": (
        lambda: writeup("# App\n\nAnswers from pgvector with FastAPI, judged by ragas, served by vLLM.\n"),
        lambda: writeup("# App\n\nA leveraging, cutting-edge, AI-powered, seamless, synergy platform.\n"),
    ),
    "EV1": (
        lambda: {"tasks": tasks(eval="python -m app eval"), "files": index(), "python": py()},
        lambda: {"tasks": tasks(), "files": index(), "python": py()},
    ),
    "EV2": (
        lambda: {"eval_sets": EvalSets([EvalSet("evals/golden.jsonl", 160)])},
        lambda: {"eval_sets": EvalSets([EvalSet("evals/golden.jsonl", 12)])},
    ),
    "EV3": (
        lambda: {
            "eval_sets": EvalSets([EvalSet("evals/golden.jsonl", 160, Counter({"dev": 40, "test": 120}))]),
            "files": index(),
            "readme": None,
        },
        lambda: {"eval_sets": EvalSets([EvalSet("evals/golden.jsonl", 160)]), "files": index(), "readme": None},
    ),
    "EV4": (
        lambda: {"results": results(("results/eval.json", {"run": RUN, "recall_at_5": 0.8})), "reports": []},
        lambda: {"results": results(), "reports": []},
    ),
    "EV5": (
        lambda: {
            "results": results(("results/ablation.json", {"baseline": {"mrr": 0.5}, "reranker": {"mrr": 0.6}})),
            **writeup("# App\n"),
        },
        lambda: {"results": results(("results/eval.json", {"mrr": 0.5})), **NONE},
    ),
    "EV6": (
        lambda: {
            "readme": md(f"# App\n\n## Results\n\n{TABLE}"),
            "results": results(("results/eval.json", {"run": RUN, "recall_at_5": 0.82, "faithfulness": 0.91})),
        },
        lambda: {"readme": md(f"# App\n\n## Results\n\n{TABLE}"), "results": results()},
    ),
    "EV7": (
        lambda: {"ci": ci("run: make eval"), "tasks": tasks(), "python": py()},
        lambda: {"ci": ci("run: pytest -q"), "tasks": tasks(), "python": py()},
    ),
    "EN1": (
        lambda: {
            "python": py(
                tests__test_app__py="from app import add\n"
                + "".join(f"\n\ndef test_add_{i}():\n    assert add({i}, 2) == {i + 2}\n" for i in range(3))
            )
        },
        lambda: {"python": py(tests__test_app__py="def test_nothing():\n    assert True\n")},
    ),
    "EN2": (lambda: {"ci": ci("run: pytest -q")}, lambda: {"ci": CiConfig()}),
    "EN3": (
        lambda: {"tooling": Tooling(Location("pyproject.toml", 20), Location("pyproject.toml", 10), None)},
        lambda: {"tooling": Tooling(None, Location("pyproject.toml", 10), None)},
    ),
    "EN4": (
        lambda: {
            "dependencies": Dependencies([Dependency("httpx", "==0.28.1", Location("pyproject.toml", 5), True)]),
            "python": py(app__py="import httpx\n"),
            "tasks": tasks(),
            "ci": CiConfig(),
            "deployment": Deployment(),
        },
        lambda: {
            "dependencies": Dependencies(),
            "python": py(),
            "tasks": tasks(),
            "ci": CiConfig(),
            "deployment": Deployment(),
        },
    ),
    "EN5": (
        lambda: {"tooling": Tooling(None, None, LicenseFile("LICENSE", 160))},
        lambda: {"tooling": Tooling(None, None, None)},
    ),
    "EN6": (lambda: {"git_history": history(*["ada@x.org"] * 9)}, lambda: {"git_history": history("ada@x.org")}),
    "EN7": (
        lambda: {"template_origin": origin(readme_kept=(20, 163)), "readme": None},
        lambda: {"template_origin": origin(residue=("evals/golden.jsonl",), readme_kept=(160, 163)), "readme": None},
    ),
    "PR1": (
        lambda: {
            "python": py(
                app__py="from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/ask')\ndef ask():\n    return {}\n"
            ),
            "pyproject": None,
            "serving_engines": [],
        },
        lambda: {"python": py(app__py="x = 1\n"), "pyproject": None, "serving_engines": []},
    ),
    "PR2": (
        lambda: {
            "deployment": Deployment(
                [
                    ContainerFile(
                        "Dockerfile", ((1, "FROM python:3.11"), (2, "RUN pip install ."), (3, "CMD uvicorn app:app"))
                    )
                ]
            ),
            "python": py(),
        },
        lambda: {"deployment": Deployment(), "python": py()},
    ),
    "PR3": (
        lambda: {
            "python": py(app__py="from opentelemetry import trace\n\ntracer = trace.get_tracer(__name__)\n"),
            "files": index(),
        },
        lambda: {"python": py(app__py="x = 1\n"), "files": index()},
    ),
    "PR4": (
        lambda: {**writeup("# App\n\n[Live demo](https://huggingface.co/spaces/ada/docs-qa)\n"), "files": index()},
        lambda: {**writeup("# App\n\nNo demo yet.\n"), "files": index()},
    ),
    "PR5": (
        lambda: {
            "secrets": SecretScan(env_examples=[".env.example"], scanned_files=10),
            "python": py(),
            "files": index(),
        },
        lambda: {
            "secrets": SecretScan(hits=[SecretHit(Location("app.py", 3), "OpenAI API key")], scanned_files=10),
            "python": py(),
            "files": index(),
        },
    ),
    "PF1": (
        lambda: {"tasks": tasks(bench="python -m app bench"), "python": py(), "files": index(), **NONE, "pyproject": None},
        lambda: {"tasks": tasks(), "python": py(), "files": index(), **NONE, "pyproject": None},
    ),
    "PF2": (
        lambda: {"results": results(("results/bench.json", BENCH)), **NONE},
        lambda: {"results": results(("results/bench.json", {"run": RUN, "mean_ms": 40.0})), **NONE},
    ),
    "PF3": (
        lambda: {"results": results(("results/bench.json", {"cost_per_1k_requests_usd": 0.42})), "readme": None},
        lambda: {"results": results(), "readme": None},
    ),
    "RAG1": (
        lambda: {
            "results": results(
                (
                    "results/ablation.json",
                    {"variants": [{"chunk_size": 256, "mrr": 0.5}, {"chunk_size": 512, "mrr": 0.6}]},
                )
            ),
            **NONE,
        },
        lambda: {"results": results(), **NONE},
    ),
    "RAG2": (
        lambda: {"results": results(("results/eval.json", {"recall_at_5": 0.8, "faithfulness": 0.9})), **NONE},
        lambda: {"results": results(("results/eval.json", {"faithfulness": 0.9})), **NONE},
    ),
    "RAG3": (
        lambda: {"python": py(search__py="from rank_bm25 import BM25Okapi\n\nindex = BM25Okapi([])\n"), "readme": None},
        lambda: {"python": py(search__py="x = 1\n"), "readme": None},
    ),
    "AG1": (
        lambda: {
            "python": py(
                tools__py=(
                    "import json\nimport time\n\nimport httpx\n\n\ndef call(url):\n    for attempt in range(3):\n        try:\n"
                    "            return httpx.get(url, timeout=5)\n        except httpx.TimeoutException:\n"
                    "            time.sleep(2 ** attempt)\n\n\ndef parse(text):\n    try:\n        return json.loads(text)\n"
                    "    except json.JSONDecodeError:\n        return None\n"
                )
            )
        },
        lambda: {"python": py(tools__py="import httpx\n\n\ndef call(url):\n    return httpx.get(url)\n")},
    ),
    "AG2": (
        lambda: {
            "results": results(("results/eval.json", {"success_rate": 0.68})),
            "eval_sets": EvalSets([EvalSet("evals/tasks.jsonl", 88, Counter({"dev": 32, "test": 56}))]),
            **NONE,
        },
        lambda: {"results": results(), "eval_sets": EvalSets([]), **NONE},
    ),
    "SV1": (
        lambda: {
            "results": results(
                ("results/bench.json", {"levels": [{"concurrency": 1, "p50": 40}, {"concurrency": 8, "p50": 90}]})
            ),
            **NONE,
        },
        lambda: {"results": results(("results/bench.json", {"levels": [{"concurrency": 1, "p50": 40}]})), **NONE},
    ),
    "SV2": (
        lambda: {
            "results": results(
                ("results/bench.json", {"model": "qwen", "dtype": "bf16", "max_num_seqs": 64, "gpu": "A100"})
            ),
            **NONE,
        },
        lambda: {"results": results(("results/bench.json", {"model": "qwen"})), **NONE},
    ),
}


def test_every_builtin_check_has_a_case() -> None:
    assert sorted(CASES) == sorted(check.id for check in builtin_checks())


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_the_check_passes_on_facts_that_show_it_and_fails_on_facts_that_do_not(check_id: str) -> None:
    good, bad = CASES[check_id]
    passing = compute_check(check_id, **good())
    assert passing.status is Status.PASS and passing.credit == 1.0, passing.detail
    failing = compute_check(check_id, **bad())
    assert failing.status is Status.FAIL, failing.detail
