"""Latency per step and per task at 1 and N concurrent runs against the configured model endpoint."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .agent import Agent, RunRecord
from .runtime import Runtime
from .stats import summarize


def run_level(agent: Agent, questions: Sequence[str], concurrency: int) -> dict[str, Any]:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        records: list[RunRecord] = list(pool.map(agent.run, questions))
    wall_s = time.perf_counter() - started
    steps_ms = [step.latency_s * 1000 for record in records for step in record.steps]
    output_tokens = sum(record.output_tokens for record in records)
    return {
        "concurrency": concurrency,
        "tasks": len(records),
        "wall_s": round(wall_s, 3),
        "task_ms": summarize([record.latency_s * 1000 for record in records]),
        "step_ms": summarize(steps_ms or [0.0]),
        "tasks_per_minute": round(60 * len(records) / wall_s, 2),
        "output_tokens_per_s": round(output_tokens / wall_s, 2),
        "statuses": {s: sum(r.status == s for r in records) for s in {r.status for r in records}},
    }


def cost_summary(levels: Sequence[dict[str, Any]], cost_per_hour_usd: float) -> dict[str, Any]:
    best = max(level["tasks_per_minute"] for level in levels)
    return {
        "cost_per_hour_usd": cost_per_hour_usd,
        "per_1k_tasks_usd": round(cost_per_hour_usd / (best * 60) * 1000, 4) if best else None,
    }


def run_bench(runtime: Runtime, questions: Sequence[str], levels: Sequence[int]) -> dict[str, Any]:
    """Each concurrency level over the same questions, after one warm-up run."""
    agent = runtime.agent()
    agent.run(questions[0])  # warm-up: model load and prompt cache are not what is measured
    measured = [run_level(agent, questions, level) for level in levels]
    return {"levels": measured, "cost": cost_summary(measured, runtime.settings.cost_per_hour_usd)}
