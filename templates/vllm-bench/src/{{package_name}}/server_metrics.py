"""What the server saw: vLLM's Prometheus /metrics scraped before, during and after a run.

Counters and histogram sums are differenced over the run (queue time, prefill/decode time,
preemptions); gauges (KV-cache usage, running and waiting requests) are sampled every second and
summarised by mean and max. Servers without /metrics (llama.cpp) simply yield no summary.
"""

from __future__ import annotations

import asyncio
import math
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)")

# Metric names changed across vLLM versions; the first one present wins.
KV_CACHE_USAGE = ("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc", "vllm:cpu_cache_usage_perc")
RUNNING = ("vllm:num_requests_running",)
WAITING = ("vllm:num_requests_waiting",)
HISTOGRAMS = {
    "queue_time_s": "vllm:request_queue_time_seconds",
    "prefill_time_s": "vllm:request_prefill_time_seconds",
    "decode_time_s": "vllm:request_decode_time_seconds",
}
PREEMPTIONS = ("vllm:num_preemptions_total", "vllm:num_preemptions")


def parse_prometheus(text: str) -> dict[str, float]:
    """Sum every sample of a metric over its labels (one model per server, so labels add nothing)."""
    values: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            continue
        try:
            number = float(match.group(3))
        except ValueError:
            continue
        if math.isnan(number):
            continue
        values[match.group(1)] = values.get(match.group(1), 0.0) + number
    return values


def _first(values: dict[str, float], names: tuple[str, ...]) -> float | None:
    for name in names:
        if name in values:
            return values[name]
    return None


def summarize_scrapes(
    before: dict[str, float], after: dict[str, float], samples: list[dict[str, float]]
) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for label, base in HISTOGRAMS.items():
        count = after.get(f"{base}_count", 0.0) - before.get(f"{base}_count", 0.0)
        total = after.get(f"{base}_sum", 0.0) - before.get(f"{base}_sum", 0.0)
        if count > 0:
            summary[f"mean_{label.removesuffix('_s')}_ms"] = 1000 * total / count
    preempt_after, preempt_before = _first(after, PREEMPTIONS), _first(before, PREEMPTIONS)
    if preempt_after is not None:
        summary["preemptions"] = preempt_after - (preempt_before or 0.0)
    for label, names in (("kv_cache_usage", KV_CACHE_USAGE), ("running", RUNNING), ("waiting", WAITING)):
        series = [v for s in samples if (v := _first(s, names)) is not None]
        if series:
            summary[f"{label}_mean"] = sum(series) / len(series)
            summary[f"{label}_max"] = max(series)
    return summary


@dataclass
class MetricsScraper:
    """Scrape ``base_url/metrics`` before the run, once a second during it, and after it."""

    base_url: str
    interval_s: float = 1.0
    before: dict[str, float] = field(default_factory=dict)
    samples: list[dict[str, float]] = field(default_factory=list)
    available: bool = True

    async def scrape(self) -> dict[str, float]:
        if not self.available:
            return {}
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                response = await client.get(self.base_url.rstrip("/").removesuffix("/v1") + "/metrics")
        except httpx.HTTPError:
            self.available = False
            return {}
        if response.status_code != 200 or "text/plain" not in response.headers.get("content-type", "text/plain"):
            self.available = False
            return {}
        return parse_prometheus(response.text)

    async def sample_until(self, stop: asyncio.Event) -> None:
        self.before = await self.scrape()
        while self.available and not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), self.interval_s)
            except TimeoutError:
                self.samples.append(await self.scrape())

    async def summary(self) -> dict[str, Any]:
        if not self.available:
            return {}
        after = await self.scrape()
        return summarize_scrapes(self.before, after, [*self.samples, after]) if after else {}
