"""Rules changed after scoring real public repositories by hand (evals/real/): each test names
what a careful reviewer credits that the checker used to miss, or the reverse."""

from __future__ import annotations

from collections.abc import Callable

from scaffold.check.evidence.history import Commit, GitHistory
from scaffold.check.model import Status
from scaffold.check.runner import CheckRun, compute_check
from tests.check.conftest import finding

Repo = Callable[[dict[str, str | bytes]], CheckRun]
DAY = 86_400
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64

RESULTS_TABLE = "| config | p50 ms | tok/s |\n|---|---:|---:|\n| fp16 | 41.0 | 812 |\n| awq | 35.5 | 930 |\n"


def test_a_report_the_readme_links_to_is_part_of_the_write_up(repo: Repo) -> None:
    readme = "# Bench\n\nServing benchmarks. The full write-up is in [the report](reports/README.md).\n"
    report = f"# Report\n\n## Results\n\n{RESULTS_TABLE}\n## Limitations\n\n" + "Only one GPU was used. " * 8 + "\n"
    run = repo({"README.md": readme, "reports/README.md": report})
    st4 = finding(run, "ST4")
    assert st4.status is Status.PASS and st4.verdict.evidence[0].path == "reports/README.md"
    assert finding(run, "ST5").status is Status.PASS


def test_linked_documents_stay_inside_the_tree_and_must_be_markdown(repo: Repo) -> None:
    readme = "# App\n\n[up](../README.md) [abs](/etc/passwd) [web](https://example.com/r.md) [code](app.py)\n"
    run = repo({"README.md": readme, "app.py": "## Results\n"})
    assert finding(run, "ST4").verdict.detail == "no section headed Results / Evaluation / Benchmarks"


def test_settings_from_the_environment_without_an_example_file_lose_a_quarter(repo: Repo) -> None:
    pr5 = finding(repo({"app.py": "import os\nKEY = os.getenv('KEY')\n"}), "PR5")
    assert pr5.status is Status.PASS and pr5.verdict.credit == 0.75 and "no .env.example" in pr5.verdict.detail
    assert finding(repo({"app.py": "x = 1\n"}), "PR5").verdict.credit == 1.0  # nothing to document
    assert finding(repo({"README.md": "# Notes\n"}), "PR5").status is Status.FAIL  # no code: nothing to credit


def test_a_streamlit_ui_is_half_a_serving_interface(repo: Repo) -> None:
    pr1 = finding(repo({"app.py": "import streamlit as st\n\nst.title('Ask')\n"}), "PR1")
    assert pr1.status is Status.PASS and pr1.verdict.credit == 0.5


def test_an_embedded_screenshot_counts_as_a_demo_but_a_diagram_does_not(repo: Repo) -> None:
    shot = repo({"README.md": "# App\n\n![Grafana during the sweep](docs/grafana.png)\n", "docs/grafana.png": PNG})
    assert finding(shot, "PR4").status is Status.PASS
    diagram = repo({"README.md": "# App\n\n![overview](docs/architecture.png)\n", "docs/architecture.png": PNG})
    assert finding(diagram, "PR4").status is Status.FAIL


def test_a_dependency_pinned_in_any_manifest_is_pinned_and_a_few_loose_ones_are_tolerated(repo: Repo) -> None:
    pinned = [f"pkg{i}==1.0" for i in range(12)]
    files: dict[str, str | bytes] = {
        "pyproject.toml": '[project]\nname="x"\ndependencies = ["httpx"]\n',
        "backend/requirements.txt": "httpx==0.28.1\n",
        "app.py": "import httpx\n",
    }
    assert finding(repo(files), "EN4").verdict.credit == 1.0
    loose = "\n".join([*pinned, "pkg12"]) + "\n"
    code = "\n".join(f"import pkg{i}" for i in range(13)) + "\n"
    assert finding(repo({"requirements.txt": loose, "app.py": code}), "EN4").verdict.credit == 1.0
    half = "\n".join([*pinned[:6], *[f"pkg{i}" for i in range(6, 12)]]) + "\n"
    assert finding(repo({"requirements.txt": half, "app.py": code}), "EN4").verdict.credit == 0.5


def test_an_unused_utility_dependency_is_not_a_failure(repo: Repo) -> None:
    files: dict[str, str | bytes] = {
        "requirements.txt": "httpx==0.28.1\npython-dotenv==1.0.1\n",
        "app.py": "import httpx\n",
    }
    en4 = finding(repo(files), "EN4")
    assert en4.status is Status.PASS and en4.verdict.credit == 1.0 and "python-dotenv" in en4.verdict.detail


def _commits(*authors: str) -> GitHistory:
    """Newest first, one a day."""
    count = len(authors)
    return GitHistory(
        commits=[
            Commit(f"{i:040x}", author, 1_700_000_000 + (count - i) * DAY, author) for i, author in enumerate(authors)
        ]
    )


def test_a_team_history_is_not_a_fork_but_a_copied_upstream_is() -> None:
    team = _commits("bo@x.org", "ada@x.org", "ada@x.org", "bo@x.org", *["ada@x.org"] * 8)
    verdict = compute_check("EN6", git_history=team)
    assert verdict.status is Status.PASS and "team" in verdict.detail
    fork = _commits("me@x.org", "me@x.org", *["upstream@x.org"] * 10)
    assert compute_check("EN6", git_history=fork).status is Status.FAIL


def test_results_in_any_results_folder_are_results(repo: Repo) -> None:
    data = (
        '{"run": {"utc_time": "2026-01-01T00:00:00Z", "git_commit": "abc", "config": {"model": "m"}}, "ttft_p50": 0.5}'
    )
    for path in ("docs/results/run1.json", "raw_data/summary/a.json", "historical_trajectories/gpt.json"):
        ev4 = finding(repo({path: data}), "EV4")
        assert ev4.status is Status.PASS and ev4.verdict.evidence[0].path == path, (path, ev4.verdict.detail)


def test_a_benchmark_command_declared_as_a_console_script_is_a_benchmark(repo: Repo) -> None:
    pyproject = '[project]\nname = "x"\n\n[project.scripts]\nllm-bench = "x.cli:main"\n'
    pf1 = finding(repo({"pyproject.toml": pyproject}), "PF1")
    assert pf1.status is Status.PASS and "llm-bench" in pf1.verdict.detail


def test_tools_of_two_kinds_pass_st7_one_kind_earns_half_and_search_apis_are_tools(repo: Repo) -> None:
    two = finding(repo({"README.md": "# Agent\n\nA LangGraph agent that searches the web with Tavily.\n"}), "ST7")
    assert two.status is Status.PASS and two.verdict.credit == 1.0, two.verdict.detail
    one = finding(repo({"README.md": "# Search\n\nVectors in Chroma, with FAISS for the offline copy.\n"}), "ST7")
    assert one.status is Status.PASS and one.verdict.credit == 0.5
    none = finding(repo({"README.md": "# Agent\n\nAn agent that answers questions.\n"}), "ST7")
    assert none.status is Status.FAIL


def test_story_headings_reviewers_read_as_design_results_and_reproduce(repo: Repo) -> None:
    readme = (
        "# Tools\n\n## When to use which mode\n\nKeyword browse over semantic search because it is faster on small catalogs.\n\n"
        f"## Throughput\n\n{RESULTS_TABLE}\n## Running it yourself\n\n```bash\npip install .\n```\n"
    )
    run = repo({"README.md": readme})
    assert [finding(run, c).status for c in ("ST3", "ST4", "ST6")] == [Status.PASS] * 3


def test_an_architecture_section_in_prose_earns_half(repo: Repo) -> None:
    prose = "The API server receives a question and the retriever fetches passages from the index. " * 3
    st2 = finding(repo({"README.md": f"# App\n\n## Architecture\n\n{prose}\n"}), "ST2")
    assert st2.status is Status.PASS and st2.verdict.credit == 0.5


def test_a_readme_baseline_table_without_data_earns_half_of_ev5(repo: Repo) -> None:
    table = "| variant | recall@5 |\n|---|---:|\n| baseline | 0.61 |\n| + reranker | 0.72 |\n"
    ev5 = finding(repo({"README.md": f"# App\n\n## Ablation\n\n{table}"}), "EV5")
    assert ev5.status is Status.PASS and ev5.verdict.credit == 0.5 and "not committed as data" in ev5.verdict.detail


def test_pasted_benchmark_output_in_a_results_section_earns_half_of_st4(repo: Repo) -> None:
    output = "```\nMean TTFT (ms): 41.2\nP99 TTFT (ms): 88.0\nMean TPOT (ms): 12.5\nThroughput: 812.5 tok/s\nP99 ITL (ms): 30.1\n```\n"
    st4 = finding(repo({"README.md": f"# Bench\n\n## Results\n\n{output}"}), "ST4")
    assert st4.status is Status.PASS and st4.verdict.credit == 0.5


def test_a_prometheus_scrape_config_is_half_of_observability(repo: Repo) -> None:
    scrape = "scrape_configs:\n  - job_name: vllm\n    static_configs:\n      - targets: ['localhost:8000']\n"
    pr3 = finding(repo({"observability/prometheus.yml": scrape, "app.py": "x = 1\n"}), "PR3")
    assert pr3.status is Status.PASS and pr3.verdict.credit == 0.5


def test_a_full_pass_in_a_linked_document_beats_a_partial_one_in_the_readme(repo: Repo) -> None:
    prose = "The API server receives a question and the retriever fetches passages from the index. " * 3
    readme = f"# App\n\n## Architecture\n\n{prose}\n\nDetails: [design](docs/design.md)\n"
    design = "# Design\n\n## Architecture\n\n```mermaid\ngraph LR\n  api --> retriever\n```\n"
    st2 = finding(repo({"README.md": readme, "docs/design.md": design}), "ST2")
    assert st2.status is Status.PASS and st2.verdict.credit == 1.0 and st2.verdict.evidence[0].path == "docs/design.md"


def test_markdown_reports_in_a_results_folder_record_measurements_but_not_data(repo: Repo) -> None:
    """A report in a results folder shows what was measured (full credit where the rubric asks for a
    measurement: the comparison, the load sweep, the engine setup) but is not data a script can
    check (half where the rubric asks for committed data: EV4, PF2)."""
    report = (
        "# RTX 3050 run, 2026-06-27\n\nModel qwen2.5-1.5b, Q4_K_M quantization on an RTX 3050 GPU.\n\n"
        "| concurrency | p50 ms | p95 ms |\n|---|---:|---:|\n| 1 | 41.0 | 60.2 |\n| 4 | 55.3 | 90.1 |\n\n"
        "| variant | tok/s |\n|---|---:|\n| baseline (CPU) | 12.0 |\n| 20 GPU layers | 37.5 |\n"
    )
    files: dict[str, str | bytes] = {
        "README.md": "# Bench\n\nA vLLM serving benchmark.\n",
        "docs/results/rtx3050.md": report,
        "bench.py": "import vllm\n" + "x = 1\n" * 20,
        "Makefile": "bench:\n\tpython bench.py\n",
    }
    run = repo(files)
    for check_id, credit in (("EV4", 0.5), ("PF2", 0.5), ("EV5", 1.0), ("SV1", 1.0), ("SV2", 1.0)):
        verdict = finding(run, check_id).verdict
        assert verdict.status is Status.PASS and verdict.credit == credit, (check_id, verdict.detail)
        assert verdict.evidence[0].path == "docs/results/rtx3050.md", check_id
    # the same tables typed into the README earn half everywhere
    typed = repo(
        {
            **{k: v for k, v in files.items() if k != "docs/results/rtx3050.md"},
            "README.md": files["README.md"] + "\n## Results\n\n" + report.split("\n\n", 2)[2],
        }
    )
    for check_id in ("EV5", "SV1"):
        verdict = finding(typed, check_id).verdict
        assert verdict.status is Status.PASS and verdict.credit == 0.5, (check_id, verdict.detail)


def test_scripts_named_by_absolute_paths_are_not_this_trees_missing_files(repo: Repo) -> None:
    readme = "# Bench\n\n## Procedure\n\n```bash\npython /home/me/vllm/benchmarks/benchmark_serving.py --model m\n```\n"
    st6 = finding(repo({"README.md": readme}), "ST6")
    assert st6.status is Status.PASS, st6.verdict.detail


def test_a_screenshot_uploaded_to_the_forge_is_a_demo(repo: Repo) -> None:
    readme = '# App\n\n<img alt="image" src="https://github.com/user-attachments/assets/71cd73fc" />\n'
    assert finding(repo({"README.md": readme}), "PR4").status is Status.PASS
    badge = "# App\n\n![build](https://img.shields.io/badge/build-passing-green)\n"
    assert finding(repo({"README.md": badge}), "PR4").status is Status.FAIL


def test_eval_cases_kept_in_python_modules_are_an_eval_set_split_by_file_name(repo: Repo) -> None:
    def tasks(count: int) -> str:
        rows = ",\n".join(
            f"    Task(user_id='u{i}', instruction='Cancel order #{i}', outputs=[])" for i in range(count)
        )
        return f"from env import Task\n\nTASKS_TEST = [\n{rows},\n]\n"

    run = repo({"envs/retail/tasks_test.py": tasks(160), "envs/retail/tasks_dev.py": tasks(20)})
    ev2 = finding(run, "EV2")
    assert ev2.status is Status.PASS and ev2.verdict.credit == 1.0 and "tasks_test.py" in ev2.verdict.detail
    assert finding(run, "EV3").status is Status.PASS


def test_results_named_as_examples_and_placeholder_tables_are_not_evidence(repo: Repo) -> None:
    data = '{"run": {"utc_time": "2026-01-01T00:00:00Z", "git_commit": "abc", "config": {"model": "m"}}, "p50_latency": 0.2}'
    ev4 = finding(repo({"results/vllm_7b_example.json": data}), "EV4")
    assert ev4.status is Status.FAIL and "example file" in ev4.verdict.detail
    table = "| metric | value |\n|---|---:|\n| recall@5 | 0.80 |\n| faithfulness | 0.90 |\n"
    st4 = finding(repo({"README.md": f"# App\n\n## Benchmarks (placeholder)\n\n{table}"}), "ST4")
    assert st4.status is Status.FAIL and "placeholders" in st4.verdict.detail


def test_numbered_steps_and_accelerator_memory_are_not_dataset_sizes() -> None:
    from scaffold.check.checks.story import dataset_sizes

    assert not dataset_sizes("2. Sends queries to the API") and not dataset_sizes("Runs on an A100 80GB GPU.")
    assert [m.group(0) for m in dataset_sizes("We index 1,678 documents from the docs")] == ["1,678 documents"]


def test_an_agent_framework_without_tools_does_not_make_an_agent(repo: Repo) -> None:
    chat = "from pydantic_ai import Agent\n\nbot = Agent('openai:gpt-4o')\n"
    assert "agent" not in repo({"chat.py": chat}).tracks
    tools = chat + "\n\n@bot.tool_plain\ndef weather(city: str) -> str:\n    return city\n"
    assert "agent" in repo({"chat.py": tools}).tracks


def test_platform_deploy_configs_are_deploy_config(repo: Repo) -> None:
    for name, text in (
        ("langgraph.json", '{"graphs": {"agent": "./src/agent.py:graph"}, "dependencies": ["."]}'),
        ("azure.yaml", "name: rag-app\nservices:\n  web:\n    project: ./src\n    host: containerapp\n"),
    ):
        pr2 = finding(repo({name: text}), "PR2")
        assert pr2.status is Status.PASS and pr2.verdict.evidence[0].path == name, name


def test_a_package_named_like_evals_is_not_an_eval_folder(repo: Repo) -> None:
    script = "import json\n\n\ndef main():\n" + "    x = 1\n" * 10 + "\n\nif __name__ == '__main__':\n    main()\n"
    assert finding(repo({"src/rag_evals_starter/data/clean.py": script}), "EV1").status is Status.FAIL
    assert finding(repo({"src/app/evaluation/run_all.py": script}), "EV1").status is Status.PASS


def test_a_token_limit_is_not_a_dataset_size() -> None:
    from scaffold.check.checks.story import dataset_sizes

    assert not dataset_sizes("Prompts are cut at 512 tokens before they reach vLLM.")
    assert dataset_sizes("The corpus holds 12M tokens of filings.")


def test_readme_only_retrieval_chunking_and_task_success_tables_earn_half(repo: Repo) -> None:
    rag = (
        "# Docs QA\n\nRetrieval-augmented answers with pgvector.\n\n## Results\n\n"
        "| chunking | recall@5 | MRR |\n|---|---:|---:|\n| 256 tokens | 0.71 | 0.52 |\n| by heading | 0.78 | 0.60 |\n"
    )
    run = repo({"README.md": rag, "index.py": "import pgvector\n"})
    for check_id in ("RAG1", "RAG2"):
        verdict = finding(run, check_id).verdict
        assert verdict.status is Status.PASS and verdict.credit == 0.5, (check_id, verdict.detail)
    agent = "# Agent\n\n## Results\n\n| strategy | pass^1 |\n|---|---:|\n| ReAct | 0.42 |\n| Act | 0.36 |\n"
    tools = "from langgraph.prebuilt import ToolNode\n"
    ag2 = finding(repo({"README.md": agent, "agent.py": tools}), "AG2")
    assert ag2.status is Status.PASS and ag2.verdict.credit == 0.5, ag2.verdict.detail


def test_a_benchmark_that_draws_its_latencies_from_a_distribution_is_not_a_benchmark(repo: Repo) -> None:
    body = "import numpy as np\n\n\ndef run(n):\n    out = []\n    for _ in range(n):\n"
    fake = body + "        latency = np.random.exponential(5.0)\n        out.append(latency)\n" + "    x = 1\n" * 12
    pf1 = finding(repo({"benchmarks/run_bench.py": fake}), "PF1")
    assert pf1.status is Status.FAIL and "random distribution" in pf1.verdict.detail
    timed = body + "        t = time.perf_counter()\n        latency = time.perf_counter() - t\n" + "    x = 1\n" * 12
    assert finding(repo({"benchmarks/run_bench.py": "import time\n" + timed}), "PF1").status is Status.PASS


def test_a_folder_tree_is_half_an_architecture_section(repo: Repo) -> None:
    tree = "```\nsrc/\n  api.py\n  retriever.py\n```\n"
    st2 = finding(repo({"README.md": f"# App\n\n## Repository structure\n\n{tree}"}), "ST2")
    assert st2.status is Status.PASS and st2.verdict.credit == 0.5, st2.verdict.detail


def test_results_with_half_their_run_metadata_earn_half_of_ev4(repo: Repo) -> None:
    data = '{"model": "llama-2-70b", "date": "2024-01-05", "concurrency": 5, "ttft_p50": 0.51}'
    ev4 = finding(repo({"raw_data/summary/a.json": data}), "EV4")
    assert ev4.status is Status.PASS and ev4.verdict.credit == 0.5, ev4.verdict.detail


def test_a_grafana_dashboard_is_not_results_data(repo: Repo) -> None:
    dashboard = '{"title": "vLLM benchmark", "panels": [{"id": 1, "gridPos": {"h": 8, "w": 12}}], "model": "qwen"}'
    ev4 = finding(repo({"observability/grafana/dashboards/vllm-benchmark.json": dashboard}), "EV4")
    assert ev4.status is Status.FAIL and not ev4.verdict.evidence, ev4.verdict.detail


SIMULATED_BENCH = (
    "import time\n\nimport numpy as np\n\n\ndef run(n):\n    rows = []\n    for _ in range(n):\n"
    "        latency = np.random.exponential(5.0)  # in a real run, time the request\n"
    "        rows.append(latency)\n    return rows\n\n\nif __name__ == '__main__':\n    run(100)\n" + "# padding\n" * 5
)
TIMED_BENCH = (
    "import time\n\nimport httpx\n\n\ndef run(n):\n    rows = []\n    for _ in range(n):\n"
    "        start = time.perf_counter()\n        httpx.post('http://localhost:8000/ask', json={})\n"
    "        rows.append(time.perf_counter() - start)\n    return rows\n\n\nif __name__ == '__main__':\n    run(100)\n"
    + "# padding\n"
    * 5
)
SERVING_RESULTS = (
    '{"model": "qwen", "dtype": "bf16", "max_num_seqs": 64, "gpu": "A100", "hardware": "A100",'
    ' "levels": [{"concurrency": 1, "p50_ms": 40}, {"concurrency": 8, "p50_ms": 90}]}'
)


def test_measurements_from_code_that_draws_latencies_at_random_are_not_evidence(repo: Repo) -> None:
    readme = "# vLLM vs TGI\n\n## Results\n\n| engine | p50 latency ms | tok/s |\n|---|---:|---:|\n| vLLM | 41 | 812 |\n| TGI | 55 | 630 |\n"
    files: dict[str, str | bytes] = {
        "README.md": readme,
        "benchmarks/run_vllm.py": SIMULATED_BENCH,
        "results/bench.json": SERVING_RESULTS,
        "docker-compose.yml": "services:\n  engine:\n    image: vllm/vllm-openai:v0.11.0\n",
    }
    run = repo(files)
    assert finding(run, "PF1").status is Status.FAIL
    honest = repo({**files, "benchmarks/run_vllm.py": TIMED_BENCH})
    for check_id in ("ST4", "SV1", "SV2"):
        assert finding(honest, check_id).status is Status.PASS, check_id
        simulated = finding(run, check_id)
        assert simulated.status is Status.FAIL, check_id
        assert "random distribution" in simulated.verdict.detail, check_id
    # one honest script beside a simulated one: the benchmark exists, but not all of it measures
    mixed = repo({**files, "benchmarks/run_tgi.py": TIMED_BENCH})
    pf1 = finding(mixed, "PF1")
    assert pf1.status is Status.PASS and pf1.verdict.credit == 0.5
    assert finding(mixed, "PF2").status is Status.FAIL
    # an eval table is not a latency table: it stays results
    quality = "# App\n\n## Results\n\n| mode | hit@5 | MRR |\n|---|---:|---:|\n| vector | 0.85 | 0.77 |\n| hybrid | 0.80 | 0.70 |\n"
    assert finding(repo({**files, "README.md": quality}), "ST4").status is Status.PASS


def test_a_benchmark_or_plotting_script_is_not_the_systems_interface_but_a_launched_engine_is(repo: Repo) -> None:
    plot = "import argparse\n\n\ndef main():\n    argparse.ArgumentParser().parse_args()\n\n\nif __name__ == '__main__':\n    main()\n"
    for path in ("benchmark.py", "analysis/compare_results.py", "scripts/plot_latency.py"):
        assert finding(repo({path: plot}), "PR1").status is Status.FAIL, path
    assert finding(repo({"cli.py": plot}), "PR1").status is Status.PASS
    launcher = 'import os\n\nos.system("vllm serve Qwen2-7B-Instruct --port 8081 > vllm.log 2>&1 &")\n'
    pr1 = finding(repo({"run-vllm.py": launcher}), "PR1")
    assert pr1.status is Status.PASS and "vLLM" in pr1.verdict.detail
    script = finding(repo({"serving/launch.sh": "#!/bin/sh\nvllm serve qwen --port 8000\n"}), "PR1")
    assert script.status is Status.PASS and script.verdict.evidence[0].path == "serving/launch.sh"
    commented = finding(repo({"serving/launch.sh": "#!/bin/sh\n# vllm serve qwen --port 8000\n"}), "PR1")
    assert commented.status is Status.FAIL


def test_an_eval_script_that_does_its_work_at_module_level_runs_with_one_command(repo: Repo) -> None:
    script = (
        "from langsmith import Client\n\nclient = Client()\n\n\ndef target(x):\n    return x\n\n\n"
        "results = client.evaluate(target, data='triage')\nframe = results.to_pandas()\nprint(frame)\n"
    )
    assert finding(repo({"src/app/eval/evaluate_triage.py": script}), "EV1").status is Status.PASS
    definitions = "def evaluate(x):\n    return x\n\n\n" + "# notes\n" * 10
    assert finding(repo({"src/app/eval/evaluate_triage.py": definitions}), "EV1").status is Status.FAIL


def test_known_gaps_is_a_limitations_section(repo: Repo) -> None:
    readme = "# App\n\n## Known Gaps\n\n" + "Precision@5 misses its target on long pages. " * 4 + "\n"
    assert finding(repo({"README.md": readme}), "ST5").status is Status.PASS


def test_a_notebook_project_with_no_secrets_passes_pr5(repo: Repo) -> None:
    notebook = '{"cells": [{"cell_type": "code", "source": ["print(1)"]}], "nbformat": 4}'
    assert finding(repo({"agent.ipynb": notebook}), "PR5").status is Status.PASS


def test_a_readme_that_runs_an_upstream_load_generator_has_half_a_benchmark(repo: Repo) -> None:
    readme = (
        "# vLLM\n\nMeasured on one A100 80GB.\n\n## Procedure\n\n```bash\npython vllm/benchmarks/benchmark_serving.py --backend vllm "
        "--dataset-name random --num-prompts 100\n```\n\n## Test 1\n\n```\nP99 TTFT (ms):      812.40\n"
        "Mean TPOT (ms):     21.32\n```\n"
    )
    run = repo({"README.md": readme})
    pf1 = finding(run, "PF1")
    assert pf1.status is Status.PASS and pf1.verdict.credit == 0.5 and "benchmark_serving.py" in pf1.verdict.detail
    pf2 = finding(run, "PF2")  # pasted percentiles beside the hardware: readable, not data
    assert pf2.status is Status.PASS and pf2.verdict.credit == 0.5 and "pasted" in pf2.verdict.detail
    commented = repo({"README.md": "# App\n\n```bash\n# later: guidellm benchmark\n```\n"})
    assert finding(commented, "PF1").status is Status.FAIL


def test_random_arrival_gaps_of_a_real_load_generator_are_not_simulated_measurements(repo: Repo) -> None:
    bench = TIMED_BENCH.replace(
        "        start = time.perf_counter()\n",
        "        gap_s = random.expovariate(4.0)\n        time.sleep(gap_s)\n        start = time.perf_counter()\n",
    ).replace("import time\n", "import random\nimport time\n", 1)
    run = repo({"benchmarks/run_load.py": bench})
    assert finding(run, "PF1").status is Status.PASS and finding(run, "PF1").verdict.credit == 1.0


def test_a_local_model_server_a_rag_project_starts_does_not_make_it_a_serving_project(repo: Repo) -> None:
    local_llm = (
        "import subprocess\nimport sys\n\n\ndef start(port):\n"
        "    return subprocess.Popen([sys.executable, '-m', 'llama_cpp.server', '--port', str(port)])\n"
    )
    run = repo({"src/app/local_llm.py": local_llm, "src/app/retrieve.py": "import pgvector\n"})
    assert "serving" not in run.tracks
    assert finding(run, "SV1").status is Status.NOT_APPLICABLE
    compose = repo({"docker-compose.yml": "services:\n  engine:\n    image: vllm/vllm-openai:v0.11.0\n"})
    assert "serving" in compose.tracks
