"""Import results made by ``vllm bench serve`` and by GuideLLM into this project's metrics schema.

vLLM (``--save-result``): one JSON object with flat summary keys (``mean_ttft_ms``,
``median_tpot_ms``, ``p99_itl_ms``, ``request_throughput`` ...). Its definitions are the ones used
here, so keys map one to one.

GuideLLM (``--output-path x.json``): ``benchmarks[*].metrics.<name>.successful`` distributions
(``mean``, ``median``, ``std_dev``, ``percentiles.p90`` ...). Its names differ from vLLM's:
- GuideLLM ``inter_token_latency_ms`` = (latency - TTFT) / (output tokens - 1) per request, which
  is vLLM's TPOT, so it becomes ``tpot_ms`` here;
- GuideLLM ``time_per_output_token_ms`` = latency / output tokens (first token included); it has
  no vLLM counterpart and is kept under ``extra``;
- GuideLLM has no pooled chunk-gap ITL; ``itl_ms`` is filled with its inter-token latency as the
  closest number, and flagged in ``extra.itl_source``.
- ``request_latency`` is in seconds there, milliseconds here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .errors import UserError
from .metrics import BenchmarkMetrics, Distribution
from .results import RESULTS_DIR, load_results, run_metadata, write_results

# The percentiles GuideLLM saves; vLLM saves those asked for with --metric-percentiles.
_GUIDELLM_PERCENTILES = ("p90", "p95", "p99")


class ImportFormatError(UserError):
    """The file is not in the format of the tool it was imported as."""


def _number(data: dict[str, Any], key: str, default: float = 0.0) -> float:
    value = data.get(key)
    return float(value) if isinstance(value, int | float) else default


def _optional(data: dict[str, Any], key: str) -> float | None:
    value = data.get(key)
    return float(value) if isinstance(value, int | float) else None


def from_vllm(data: dict[str, Any]) -> BenchmarkMetrics:
    if "mean_ttft_ms" not in data or "completed" not in data:
        raise ImportFormatError(
            "this is not a `vllm bench serve --save-result` file (no completed / mean_ttft_ms keys)"
        )

    def dist(name: str, n: int) -> Distribution | None:
        # n is the request count; vLLM does not save how many gaps its ITL pools (0 = unknown).
        if f"mean_{name}_ms" not in data or (n == 0 and name != "itl") or not data.get("completed"):
            return None
        mean = _number(data, f"mean_{name}_ms")
        saved = (re.fullmatch(rf"(p[0-9.]+)_{name}_ms", key) for key in data)
        keys = sorted((m.group(1) for m in saved if m and m.group(1) != "p50"), key=lambda k: float(k[1:]))
        return Distribution(
            n=n,
            mean=mean,
            median=_number(data, f"median_{name}_ms", mean),
            std=_number(data, f"std_{name}_ms"),
            percentiles={key: _optional(data, f"{key}_{name}_ms") for key in keys or _GUIDELLM_PERCENTILES},
        )

    completed = int(data["completed"])
    errors = [e for e in data.get("errors") or [] if e]
    failed = int(data.get("failed", len(errors)))
    goodput = data.get("request_goodput")
    return BenchmarkMetrics(
        completed=completed,
        failed=failed,
        failures={"reported_by_vllm": failed} if failed else {},
        duration_s=_number(data, "duration"),
        total_input_tokens=int(_number(data, "total_input_tokens")),
        total_output_tokens=int(_number(data, "total_output_tokens")),
        request_throughput=_number(data, "request_throughput"),
        output_throughput=_number(data, "output_throughput"),
        total_token_throughput=_number(data, "total_token_throughput"),
        request_goodput=float(goodput) if isinstance(goodput, int | float) else None,
        goodput_fraction=None,
        slo="as set in vllm bench serve",
        peak_concurrency=int(_number(data, "max_concurrent_requests", _number(data, "max_concurrency"))),
        ttft_ms=dist("ttft", completed),
        tpot_ms=dist("tpot", completed),
        itl_ms=dist("itl", 0),
        e2el_ms=dist("e2el", completed),
        extra={
            "model_id": data.get("model_id"),
            "request_rate": data.get("request_rate"),
            "max_concurrency": data.get("max_concurrency"),
            "burstiness": data.get("burstiness"),
        },
    )


def _guidellm_dist(metrics: dict[str, Any], name: str, scale: float = 1.0) -> Distribution | None:
    block = metrics.get(name)
    summary = block.get("successful") if isinstance(block, dict) else None
    if not isinstance(summary, dict) or not _number(summary, "count"):
        return None
    percentiles = summary.get("percentiles") or {}
    return Distribution(
        n=int(_number(summary, "count")),
        mean=_number(summary, "mean") * scale,
        median=_number(summary, "median", _number(percentiles, "p50")) * scale,
        std=_number(summary, "std_dev") * scale,
        percentiles={
            key: value * scale if (value := _optional(percentiles, key)) is not None else None
            for key in _GUIDELLM_PERCENTILES
        },
    )


def _guidellm_mean(metrics: dict[str, Any], name: str) -> float:
    block = metrics.get(name)
    summary = block.get("successful") if isinstance(block, dict) else None
    return _number(summary, "mean") if isinstance(summary, dict) else 0.0


def _guidellm_sum(metrics: dict[str, Any], name: str) -> int:
    block = metrics.get(name)
    summary = block.get("successful") if isinstance(block, dict) else None
    return int(_number(summary, "total_sum")) if isinstance(summary, dict) else 0


def from_guidellm_benchmark(benchmark: dict[str, Any]) -> BenchmarkMetrics:
    metrics = benchmark.get("metrics")
    if not isinstance(metrics, dict) or "time_to_first_token_ms" not in metrics:
        raise ImportFormatError(
            "this is not a GuideLLM benchmarks file (no benchmarks[].metrics.time_to_first_token_ms)"
        )
    totals = metrics.get("request_totals") or benchmark.get("request_totals") or {}
    latency = _guidellm_dist(metrics, "request_latency")
    completed = int(_number(totals, "successful", latency.n if latency else 0))
    errored, incomplete = int(_number(totals, "errored")), int(_number(totals, "incomplete"))
    window = benchmark.get("scheduler_metrics") or {}
    duration = _number(window, "measure_end_time") - _number(window, "measure_start_time")
    if duration <= 0:
        duration = _number(benchmark, "duration")
    tpot_inclusive = _guidellm_dist(metrics, "time_per_output_token_ms")
    itl = _guidellm_dist(metrics, "inter_token_latency_ms")
    concurrency = metrics.get("request_concurrency", {}).get("successful", {})
    return BenchmarkMetrics(
        completed=completed,
        failed=errored + incomplete,
        failures={k: v for k, v in (("errored", errored), ("incomplete", incomplete)) if v},
        duration_s=duration,
        total_input_tokens=_guidellm_sum(metrics, "prompt_token_count"),
        total_output_tokens=_guidellm_sum(metrics, "output_token_count"),
        request_throughput=_guidellm_mean(metrics, "requests_per_second"),
        output_throughput=_guidellm_mean(metrics, "output_tokens_per_second"),
        total_token_throughput=_guidellm_mean(metrics, "tokens_per_second"),
        request_goodput=None,
        goodput_fraction=None,
        slo="none",
        peak_concurrency=int(_number(concurrency, "max")) if isinstance(concurrency, dict) else 0,
        ttft_ms=_guidellm_dist(metrics, "time_to_first_token_ms"),
        tpot_ms=itl,
        itl_ms=itl,
        e2el_ms=_guidellm_dist(metrics, "request_latency", scale=1000.0),
        extra={
            "itl_source": "guidellm inter_token_latency_ms (per-request average, = vLLM TPOT)",
            "guidellm_time_per_output_token_ms": tpot_inclusive.median if tpot_inclusive else None,
            "strategy": (benchmark.get("config") or {}).get("strategy") or benchmark.get("scheduler"),
        },
    )


def from_guidellm(data: dict[str, Any]) -> list[BenchmarkMetrics]:
    benchmarks = data.get("benchmarks")
    if not isinstance(benchmarks, list) or not benchmarks:
        raise ImportFormatError("this is not a GuideLLM benchmarks file (no benchmarks list)")
    return [from_guidellm_benchmark(b) for b in benchmarks]


def import_file(path: Path, *, tool: str, label: str | None = None, results_dir: Path = RESULTS_DIR) -> Path:
    """Append the runs in ``path`` to ``results/imported.json`` and return that file."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"{path} does not exist; pass the JSON file the tool wrote.") from None
    except json.JSONDecodeError as exc:
        raise ImportFormatError(f"{path} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise ImportFormatError(f"{path} must hold a JSON object")
    runs = [from_vllm(data)] if tool == "vllm" else from_guidellm(data)
    name = label or path.stem
    entries = [
        {"tool": tool, "label": name if len(runs) == 1 else f"{name}[{i}]", "source": str(path), "metrics": m.to_dict()}
        for i, m in enumerate(runs)
    ]
    existing: list[dict[str, Any]] = []
    if (results_dir / "imported.json").exists():
        existing = [r for r in load_results("imported", results_dir)["metrics"]["runs"] if r["source"] != str(path)]
    run = run_metadata(config={"imported_from": [e["source"] for e in existing + entries]}, models={})
    return write_results("imported", {"runs": existing + entries}, run=run, results_dir=results_dir)
