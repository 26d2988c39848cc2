"""The regression gate of ``results/bench.json``: the shared ``Gate``, with this kind's snapshot.

Per measured point (``<variant>/<level>``): output throughput (higher is better), median TTFT and
TPOT (lower is better) and failed requests (lower is better), each with a relative tolerance.
CPU numbers on shared machines are noisy, hence a generous default. A point where every request
failed has no latencies, so the gate reports them as missing instead of comparing zeros.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from .results import Gate

DEFAULT_TOLERANCE = 0.5
LOWER_IS_BETTER = ("ttft_p50_ms", "tpot_p50_ms", "failed")


def snapshot(metrics: Mapping[str, Any]) -> dict[str, float]:
    values: dict[str, float] = {}
    for point in metrics["points"]:
        if point.get("interrupted"):
            continue
        key = f"{point['variant']}/{point['label']}"
        values[f"{key}.output_throughput"] = float(point["output_throughput"])
        values[f"{key}.failed"] = float(point["failed"])
        for name, metric in (("ttft_p50_ms", "ttft_ms"), ("tpot_p50_ms", "tpot_ms")):
            if point.get(metric) is not None:
                values[f"{key}.{name}"] = float(point[metric]["median"])
    return values


def better(name: str) -> Literal["higher", "lower"]:
    return "lower" if name.rsplit(".", 1)[-1] in LOWER_IS_BETTER else "higher"


def bench_gate(results: str = "bench", tolerance: float = DEFAULT_TOLERANCE) -> Gate:
    return Gate(results=results, snapshot=snapshot, tolerance=tolerance, relative=True, better=better)
