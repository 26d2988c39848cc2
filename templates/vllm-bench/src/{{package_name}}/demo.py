"""``make demo``: a short real run recorded as an SVG terminal screenshot (docs/demo.svg).

It starts the fast-tier server, streams a few requests through the same client and metrics as
``make bench``, and prints each request's timeline and the resulting metrics.
"""

from __future__ import annotations

import asyncio
from contextlib import nullcontext
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .client import Target
from .config import BenchConfig
from .datasets import request_stream
from .loadgen import LoadPlan, run_load
from .metrics import Distribution, compute_metrics
from .records import RequestRecord
from .server import ServerError, running_server


def record_demo(config: BenchConfig, out: Path, *, base_url: str | None = None, requests: int = 4) -> Path:
    load = config.load
    target = Target(
        base_url or config.server.base_url,
        config.server.served_model_name,
        endpoint=load.endpoint,
        ignore_eos=load.ignore_eos,
        token_counts=load.token_counts,
    )
    plan = LoadPlan(
        "concurrency",
        2,
        num_requests=requests,
        max_duration_s=load.max_duration_s,
        warmup_requests=1,
        request_timeout_s=load.request_timeout_s,
    )
    server = nullcontext(None) if base_url else running_server(config.server, name="demo")
    with server:
        outcome = asyncio.run(run_load(target, request_stream(config.dataset, prefix="demo"), plan))
    if not any(r.ok for r in outcome.records):
        reasons = sorted({r.error or "unknown" for r in outcome.records})
        raise ServerError(f"every demo request failed ({', '.join(reasons)}); nothing worth recording")
    recorder = Console(record=True, width=100)
    recorder.print(
        f"[bold]$ make bench[/]  model [cyan]{config.server.served_model_name}[/] on "
        f"{config.server.engine}, {requests} streamed requests at concurrency 2"
    )
    recorder.print(_timelines(outcome.records))
    metrics = compute_metrics(outcome.records, slo=config.slo_targets)

    def p50(distribution: Distribution | None, digits: int) -> str:
        return "n/a" if distribution is None else f"{distribution.median:.{digits}f} ms"

    recorder.print(
        f"TTFT p50 [bold]{p50(metrics.ttft_ms, 0)}[/] · TPOT p50 [bold]{p50(metrics.tpot_ms, 1)}[/] · "
        f"ITL p50 {p50(metrics.itl_ms, 1)} · {metrics.output_throughput:.1f} output tok/s · "
        f"goodput {metrics.request_goodput or 0:.2f} req/s ({metrics.slo}) · failed {metrics.failed}"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    recorder.save_svg(str(out), title="make bench: streamed requests and their metrics")
    return out


def _timelines(records: list[RequestRecord]) -> Table:
    table = Table(title="one row per request, times from the client's clock", title_justify="left")
    for column in (
        "request",
        "sent at (s)",
        "TTFT (ms)",
        "chunks",
        "output tokens",
        "TPOT (ms)",
        "E2EL (ms)",
        "status",
    ):
        table.add_column(column, justify="left" if column in ("request", "status") else "right")
    for r in sorted(records, key=lambda r: r.start_s):
        tpot = r.tpot_s
        table.add_row(
            r.request_id,
            f"{r.start_s:.2f}",
            f"{(r.ttft_s or 0) * 1000:.0f}",
            str(len(r.itl_s) + 1 if r.ok else 0),
            str(r.output_tokens),
            "-" if tpot is None else f"{tpot * 1000:.1f}",
            f"{(r.latency_s or 0) * 1000:.0f}",
            "ok" if r.ok else f"[red]{r.error}[/]",
        )
    return table
