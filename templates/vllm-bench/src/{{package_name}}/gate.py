"""Regression gate: compare a run with an accepted baseline, point by point.

A point regresses when its output throughput drops, or its median TTFT or TPOT rises, by more
than ``tolerance`` (a fraction) against the baseline, or when it has more failed requests than the
baseline. Without a baseline, any failed request fails the gate. CPU numbers on shared machines
are noisy, hence a generous default tolerance.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .results import RESULTS_DIR, load_results

BASELINE = Path("evals/baseline.json")


def snapshot(result: dict[str, Any]) -> dict[str, dict[str, float]]:
    return {
        f"{p['variant']}/{p['label']}": {
            "output_throughput": p["output_throughput"],
            "ttft_p50_ms": p["ttft_ms"]["median"],
            "tpot_p50_ms": p["tpot_ms"]["median"],
            "failed": p["failed"],
        }
        for p in result["metrics"]["points"]
        if not p.get("interrupted")
    }


def accept(name: str = "bench", baseline: Path = BASELINE, results_dir: Path = RESULTS_DIR) -> Path:
    result = load_results(name, results_dir)
    baseline.parent.mkdir(parents=True, exist_ok=True)
    payload = {"results": name, "utc_time": result["run"]["utc_time"], "points": snapshot(result)}
    baseline.write_text(json.dumps(payload, indent=2) + "\n")
    return baseline


def compare(
    name: str = "bench", baseline: Path = BASELINE, tolerance: float = 0.5, results_dir: Path = RESULTS_DIR
) -> list[str]:
    """Regressions as sentences; empty when the run is at least as good as the baseline (within tolerance)."""
    current = snapshot(load_results(name, results_dir))
    if not baseline.exists():
        # Without a baseline only the hardware-independent part applies: no request may fail.
        return [f"{key}: {now['failed']:.0f} failed requests" for key, now in current.items() if now["failed"]]
    reference = json.loads(baseline.read_text())["points"]
    problems = []
    for key, base in reference.items():
        now = current.get(key)
        if now is None:
            problems.append(f"{key}: not measured in results/{name}.json")
            continue
        if now["output_throughput"] < base["output_throughput"] * (1 - tolerance):
            problems.append(
                f"{key}: output throughput {now['output_throughput']:.1f} < {base['output_throughput']:.1f} tok/s"
            )
        for metric in ("ttft_p50_ms", "tpot_p50_ms"):
            if base[metric] > 0 and now[metric] > base[metric] * (1 + tolerance):
                problems.append(f"{key}: {metric} {now[metric]:.1f} > {base[metric]:.1f}")
        if now["failed"] > base["failed"]:
            problems.append(f"{key}: {now['failed']:.0f} failed requests (baseline {base['failed']:.0f})")
    return problems
