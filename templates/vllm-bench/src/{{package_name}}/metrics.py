"""Serving metrics, defined as ``vllm bench serve`` defines them, so numbers compare across tools.

Per request (successful requests only):
- TTFT, time to first token: request sent -> first chunk carrying generated text.
- TPOT, time per output token *excluding the first*: (E2EL - TTFT) / (output_tokens - 1); requests
  with a single output token have no TPOT.
- ITL, inter-token latency: every gap between two successive text chunks, pooled over requests
  (a chunk holding several tokens, as with speculative decoding, is one gap).
- E2EL, end-to-end latency: request sent -> last data event of the stream (the usage chunk, if any).
Each is summarised as mean, median, population std and the requested percentiles (linear
interpolation; p90, p95 and p99 unless ``PERCENTILES`` says otherwise, as ``vllm bench serve
--metric-percentiles`` does), in ms. A level where no request succeeded has no distributions
(``None``), never zeros: there is nothing to summarise.

Per run, over the measured duration (first request sent -> last request finished):
- request throughput = completed / duration; output token throughput = output tokens / duration;
  total token throughput = (input + output tokens) / duration; tokens are the server's usage counts.
- goodput = completed requests that meet every SLO / duration.
- peak concurrency = the most requests in flight at one instant.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .config import SLO
from .records import RequestRecord
from .stats import percentile, summarize

PERCENTILES: tuple[float, ...] = (90, 95, 99)


def percentile_key(q: float) -> str:
    """``p99``, ``p99.9``: the key a percentile is stored under."""
    return f"p{q:g}"


def highest_percentile(keys: Iterable[str]) -> str:
    """The highest of percentile keys such as ``p90``, ``p99``; ``median`` when there are none."""
    return max(keys, key=lambda key: float(key[1:]), default="median")


@dataclass(frozen=True)
class Distribution:
    """Summary of one latency metric in milliseconds; ``percentiles`` maps ``p90`` etc. to values."""

    n: int
    mean: float
    median: float
    std: float
    # A value is None only for imported runs whose tool did not save that percentile.
    percentiles: dict[str, float | None] = field(default_factory=dict)

    @classmethod
    def of(cls, values_ms: Sequence[float], percentiles: Sequence[float] = PERCENTILES) -> Distribution | None:
        """The summary of ``values_ms``; None for an empty sample (there is no median of nothing)."""
        if not values_ms:
            return None
        s = summarize(values_ms)
        return cls(
            int(s["n"]),
            s["mean"],
            s["p50"],
            s["std"],
            {percentile_key(q): percentile(values_ms, q) for q in percentiles},
        )


@dataclass(frozen=True)
class BenchmarkMetrics:
    completed: int
    failed: int
    failures: dict[str, int]
    duration_s: float
    total_input_tokens: int
    total_output_tokens: int
    request_throughput: float
    output_throughput: float
    total_token_throughput: float
    request_goodput: float | None
    goodput_fraction: float | None
    slo: str
    peak_concurrency: int
    ttft_ms: Distribution | None
    tpot_ms: Distribution | None
    itl_ms: Distribution | None
    e2el_ms: Distribution | None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """``failed`` when requests were sent and none succeeded: a level with no measurement."""
        return "failed" if self.completed == 0 and self.failed > 0 else "ok"

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BenchmarkMetrics:
        values = dict(data)
        for name in ("ttft_ms", "tpot_ms", "itl_ms", "e2el_ms"):
            values[name] = Distribution(**values[name]) if values.get(name) is not None else None
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})


def peak_concurrency(records: Sequence[RequestRecord]) -> int:
    """Most requests in flight at once; a request ending at t is gone before one starting at t."""
    events = sorted([(r.start_s, 1) for r in records] + [(r.end_s, -1) for r in records], key=lambda e: (e[0], e[1]))
    peak = current = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def meets_slo(record: RequestRecord, slo: SLO) -> bool:
    if not record.ok:
        return False
    if slo.ttft_ms is not None and (record.ttft_s or 0.0) * 1000 > slo.ttft_ms:
        return False
    tpot = record.tpot_s
    if slo.tpot_ms is not None and tpot is not None and tpot * 1000 > slo.tpot_ms:
        return False
    return not (slo.e2el_ms is not None and (record.latency_s or 0.0) * 1000 > slo.e2el_ms)


def measured_duration(records: Sequence[RequestRecord]) -> float:
    if not records:
        return 0.0
    return max(r.end_s for r in records) - min(r.start_s for r in records)


def compute_metrics(
    records: Sequence[RequestRecord],
    *,
    slo: SLO | None = None,
    duration_s: float | None = None,
    percentiles: Sequence[float] = PERCENTILES,
) -> BenchmarkMetrics:
    """Metrics of one run; ``duration_s`` defaults to first request sent -> last request finished."""
    ok = [r for r in records if r.ok]
    duration = duration_s if duration_s is not None else measured_duration(records)
    per_s = (lambda x: x / duration) if duration > 0 else (lambda x: 0.0)
    input_tokens = sum(r.prompt_tokens for r in ok)
    output_tokens = sum(r.output_tokens for r in ok)
    good = sum(meets_slo(r, slo) for r in ok) if slo is not None else None
    return BenchmarkMetrics(
        completed=len(ok),
        failed=len(records) - len(ok),
        failures=dict(sorted(Counter(r.error or "unknown" for r in records if not r.ok).items())),
        duration_s=duration,
        total_input_tokens=input_tokens,
        total_output_tokens=output_tokens,
        request_throughput=per_s(len(ok)),
        output_throughput=per_s(output_tokens),
        total_token_throughput=per_s(input_tokens + output_tokens),
        request_goodput=per_s(good) if good is not None else None,
        goodput_fraction=(good / len(records) if records else 0.0) if good is not None else None,
        slo=slo.describe() if slo is not None else "none",
        peak_concurrency=peak_concurrency(records),
        ttft_ms=Distribution.of([r.ttft_s * 1000 for r in ok if r.ttft_s is not None], percentiles),
        tpot_ms=Distribution.of([t * 1000 for r in ok if (t := r.tpot_s) is not None], percentiles),
        itl_ms=Distribution.of([gap * 1000 for r in ok for gap in r.itl_s], percentiles),
        e2el_ms=Distribution.of([r.latency_s * 1000 for r in ok if r.latency_s is not None], percentiles),
    )


def parse_percentiles(text: str) -> tuple[float, ...]:
    """``"50,90,99"`` -> (50.0, 90.0, 99.0); each strictly between 0 and 100, sorted, no repeats."""
    try:
        values = sorted({float(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise ValueError(f"{text!r} must be comma-separated numbers, e.g. 50,90,99") from None
    if not values or not all(0 < q < 100 for q in values):
        raise ValueError(f"{text!r} must list percentiles strictly between 0 and 100, e.g. 50,90,99")
    return tuple(values)
