"""Latency summaries shared by every benchmark: the same percentiles, computed the same way."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default method), q in [0, 100]."""
    if not values:
        raise ValueError("percentile of an empty sample")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(values_ms: Sequence[float]) -> dict[str, float]:
    """n, mean, std, min, p50, p90, p95, p99 and max of latencies in milliseconds."""
    if not values_ms:
        raise ValueError("no measurements to summarize")
    return {
        "n": len(values_ms),
        "mean": statistics.fmean(values_ms),
        "std": statistics.pstdev(values_ms),
        "min": min(values_ms),
        "p50": percentile(values_ms, 50),
        "p90": percentile(values_ms, 90),
        "p95": percentile(values_ms, 95),
        "p99": percentile(values_ms, 99),
        "max": max(values_ms),
    }
