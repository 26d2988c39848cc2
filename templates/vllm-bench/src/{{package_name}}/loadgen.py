"""Load generation: fixed concurrency or Poisson/gamma arrivals, bounded by count and duration.

Warm-up requests run first and are thrown away. The measured phase stops issuing requests when
``num_requests`` were sent or ``max_duration_s`` has passed, then waits for those in flight.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx

from .client import Target, make_client, send_request
from .datasets import RequestSpec
from .records import RequestRecord


@dataclass(frozen=True)
class LoadPlan:
    mode: str  # "concurrency" | "rate"
    level: float  # concurrency, or requests per second
    num_requests: int
    max_duration_s: float
    warmup_requests: int = 0
    burstiness: float = 1.0
    max_concurrency: int | None = None
    request_timeout_s: float = 120.0
    seed: int = 0

    @property
    def label(self) -> str:
        return f"c{int(self.level)}" if self.mode == "concurrency" else f"r{self.level:g}"

    @property
    def connections(self) -> int:
        if self.mode == "concurrency":
            return int(self.level)
        return self.max_concurrency or max(16, int(self.level * 4))


@dataclass
class RunOutcome:
    records: list[RequestRecord]
    duration_s: float


def arrival_gaps(rate: float, burstiness: float, count: int, seed: int = 0) -> list[float]:
    """Gaps between arrivals: gamma-distributed with mean 1/rate; shape = burstiness (1 = Poisson).

    Burstiness below 1 clusters requests into bursts, above 1 spaces them more evenly.
    """
    rng = random.Random(seed)
    scale = 1.0 / (rate * burstiness)
    return [rng.gammavariate(burstiness, scale) for _ in range(count)]


async def run_load(
    target: Target,
    requests: Iterator[RequestSpec],
    plan: LoadPlan,
    on_record: Callable[[RequestRecord], None] = lambda _: None,
) -> RunOutcome:
    async with make_client(plan.connections, plan.request_timeout_s) as client:
        if plan.warmup_requests:
            warm = [next(requests) for _ in range(plan.warmup_requests)]
            width = max(1, min(plan.connections, len(warm)))
            for start in range(0, len(warm), width):
                now = time.perf_counter()
                await asyncio.gather(
                    *(
                        send_request(client, target, s, run_start=now, timeout_s=plan.request_timeout_s)
                        for s in warm[start : start + width]
                    )
                )
        records: list[RequestRecord] = []

        def keep(record: RequestRecord) -> None:
            records.append(record)
            on_record(record)

        run_start = time.perf_counter()
        if plan.mode == "concurrency":
            await _fixed_concurrency(client, target, requests, plan, run_start, keep)
        else:
            await _arrivals(client, target, requests, plan, run_start, keep)
    ends = [r.end_s for r in records]
    return RunOutcome(records=records, duration_s=max(ends) if ends else time.perf_counter() - run_start)


async def _fixed_concurrency(
    client: httpx.AsyncClient,
    target: Target,
    requests: Iterator[RequestSpec],
    plan: LoadPlan,
    run_start: float,
    keep: Callable[[RequestRecord], None],
) -> None:
    issued = 0
    deadline = run_start + plan.max_duration_s

    async def worker() -> None:
        nonlocal issued
        while issued < plan.num_requests and time.perf_counter() < deadline:
            issued += 1
            spec = next(requests)
            keep(await send_request(client, target, spec, run_start=run_start, timeout_s=plan.request_timeout_s))

    await asyncio.gather(*(worker() for _ in range(int(plan.level))))


async def _arrivals(
    client: httpx.AsyncClient,
    target: Target,
    requests: Iterator[RequestSpec],
    plan: LoadPlan,
    run_start: float,
    keep: Callable[[RequestRecord], None],
) -> None:
    limit = asyncio.Semaphore(plan.max_concurrency) if plan.max_concurrency else None
    deadline = run_start + plan.max_duration_s

    async def one(spec: RequestSpec) -> None:
        if limit is None:
            keep(await send_request(client, target, spec, run_start=run_start, timeout_s=plan.request_timeout_s))
            return
        async with limit:
            keep(await send_request(client, target, spec, run_start=run_start, timeout_s=plan.request_timeout_s))

    tasks: list[asyncio.Task[None]] = []
    scheduled = run_start
    try:
        for gap in arrival_gaps(plan.level, plan.burstiness, plan.num_requests, plan.seed):
            if scheduled >= deadline:
                break
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(next(requests))))
            scheduled += gap
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
