"""PNG plots of a run: throughput against latency (with its Pareto front), TTFT and TPOT against load."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from .metrics import highest_percentile


def pareto_front(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points (latency, throughput) not beaten by another with lower latency *and* higher throughput."""
    front: list[tuple[float, float]] = []
    best = float("-inf")
    for latency, throughput in sorted(points, key=lambda p: (p[0], -p[1])):
        if throughput > best:
            front.append((latency, throughput))
            best = throughput
    return front


def _by_variant(points: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for point in points:
        # A failed level has no latencies to draw; it is marked in the README table instead.
        if point.get("ttft_ms") and point.get("tpot_ms"):
            groups[point["variant"]].append(point)
    return {name: sorted(group, key=lambda p: p["level"]) for name, group in groups.items()}


def plot_run(points: Sequence[dict[str, Any]], out_dir: Path, title: str) -> list[Path]:
    """Write pareto.png, ttft.png and tpot.png for the points of one run; returns the files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    groups = _by_variant(points)
    if not groups:
        return []
    load_axis = "concurrency" if points[0]["mode"] == "concurrency" else "request rate (req/s)"
    written = []

    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    everything = []
    for name, group in groups.items():
        xs = [p["tpot_ms"]["median"] for p in group]
        ys = [p["output_throughput"] for p in group]
        everything += list(zip(xs, ys, strict=True))
        axis.plot(xs, ys, "o-", label=name)
        for p, x, y in zip(group, xs, ys, strict=True):
            axis.annotate(p["label"], (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    front = pareto_front(everything)
    axis.plot([p[0] for p in front], [p[1] for p in front], "k--", linewidth=1, label="Pareto front")
    axis.set_xlabel("median TPOT (ms, lower is better)")
    axis.set_ylabel("output throughput (tokens/s)")
    axis.set_title(f"{title}: throughput vs latency")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    written.append(_save(figure, out_dir / "pareto.png"))

    for metric, label in (("ttft_ms", "TTFT"), ("tpot_ms", "TPOT")):
        figure, axis = plt.subplots(figsize=(6.4, 4.2))
        for name, group in groups.items():
            levels = [p["level"] for p in group]
            axis.plot(levels, [p[metric]["median"] for p in group], "o-", label=f"{name} p50")
            top = highest_percentile(group[0][metric]["percentiles"])
            if top != "median":
                axis.plot(levels, [p[metric]["percentiles"][top] for p in group], "x:", label=f"{name} {top}")
        axis.set_xlabel(load_axis)
        axis.set_ylabel(f"{label} (ms)")
        axis.set_title(f"{title}: {label} vs load")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
        written.append(_save(figure, out_dir / f"{metric.removesuffix('_ms')}.png"))
    return written


def _save(figure: Any, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
