"""Markdown for results/*.md and the README blocks, rendered from the results files only."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .dataset import licence_markdown, problem_markdown, read_card
from .results import from_results, load_results, markdown_table, provenance_line, read_jsonl, sample_note
from .settings import Settings
from .tasks import TaskFileError, load_tasks


def eval_markdown(result: Mapping[str, Any]) -> str:
    metrics = result["metrics"]
    modes = [mode for mode in ("clean", "faults") if mode in metrics]
    labels = {"clean": "without faults", "faults": "with injected faults"}

    def row(label: str, pick: Any) -> list[Any]:
        return [label, *(pick(metrics[mode]) for mode in modes)]

    rows = [
        row("tasks", lambda m: m["tasks"]),
        row("task success", lambda m: m["success_rate"]),
        row("answered (valid final JSON)", lambda m: m["answered_rate"]),
        row("tool-call precision", lambda m: m["tool_precision"]),
        row("tool-call recall", lambda m: m["tool_recall"]),
        row("tool-call F1", lambda m: m["tool_f1"]),
        row("tool sequence accuracy", lambda m: m["tool_sequence_accuracy"]),
        row("steps per task (mean)", lambda m: m["steps"]["mean"]),
        row("tokens per task (mean)", lambda m: m["tokens"]["per_task"]),
        row("latency p50 (ms)", lambda m: round(m["latency_ms"]["p50"])),
        row("latency p95 (ms)", lambda m: round(m["latency_ms"]["p95"])),
        row("retries (total)", lambda m: m["retries"]),
        row("cost (USD, configured price)", lambda m: f"{m['cost_usd']['total']:.4f}"),
    ]
    table = markdown_table(["metric", *(labels[m] for m in modes)], rows)
    config = result["run"]["config"]
    source = f", `{config['source']}` sha256 {config['source_sha256'][:12]}" if config.get("source_sha256") else ""
    notes = [
        f"Model `{result['run']['models'].get('llm')}`, policy `{config.get('tool_policy')}`, "
        f"tools `{config.get('tool_set', 'sql')}`; table `{config.get('table', 'weather')}` "
        f"({config.get('dataset', 'example')}{source})."
    ]
    if result["run"].get("sample"):
        notes.append(f"**Subset**: {sample_note(result['run'])} evenly spaced tasks of the held-out split (`LIMIT`).")
    if "faults" in metrics:
        injected = ", ".join(f"{k} {v}" for k, v in sorted(metrics["faults"].get("injected", {}).items())) or "none"
        notes.append(
            f"Faults `{metrics['faults'].get('spec')}` at rate {metrics['faults'].get('rate')}; injected: {injected}."
        )
    prices = metrics["clean"]["cost_usd"]["per_1k_tasks_at"]
    if prices:
        notes.append(
            "Cost per 1,000 tasks at the measured token counts: "
            + ", ".join(f"{name} ${value:.3f}" for name, value in prices.items())
            + "."
        )
    return "\n".join([table, "", *notes, "", provenance_line(result, "results/eval.json")])


def failures_markdown(result: Mapping[str, Any], cases: Iterable[Mapping[str, Any]]) -> str:
    metrics = result["metrics"]
    modes = [mode for mode in ("clean", "faults") if mode in metrics]
    kinds = sorted(
        {k for mode in modes for k in metrics[mode]["failures"]}
        | {f"status: {s}" for mode in modes for s in metrics[mode]["status"]}
    )

    def count(mode: str, kind: str) -> int:
        if kind.startswith("status: "):
            return int(metrics[mode]["status"].get(kind[8:], 0))
        return int(metrics[mode]["failures"].get(kind, 0))

    table = markdown_table(["failure or end state", *modes], [[k, *(count(m, k) for m in modes)] for k in kinds])
    by_template = markdown_table(
        ["question template", *(f"success {m}" for m in modes)],
        [
            [name, *(metrics[m]["success_by_template"].get(name, 0.0) for m in modes)]
            for name in metrics["clean"]["success_by_template"]
        ],
    )
    examples = [c for c in cases if c["mode"] == "clean" and not c["correct"]][:3]
    lines = [table, "", by_template, ""]
    for case in examples:
        tool_calls = [c for step in case["steps"] for c in step["tool_calls"]]
        calls = "; ".join(f"{c['name']}({json.dumps(c['arguments'])[:120]}) ok={c['ok']}" for c in tool_calls)
        lines.append(
            f"- `{case['id']}` expected {case['expected']} {case['unit']}, got "
            f"{case['answer'] or case['status']}: {calls or 'no tool call'}"
        )
    return "\n".join(lines)


def bench_markdown(result: Mapping[str, Any]) -> str:
    metrics = result["metrics"]
    rows = []
    for level in metrics["levels"]:
        rows.append(
            [
                level["concurrency"],
                level["tasks"],
                round(level["task_ms"]["p50"]),
                round(level["task_ms"]["p95"]),
                round(level["task_ms"]["p99"]),
                round(level["step_ms"]["p50"]),
                round(level["step_ms"]["p95"]),
                level["tasks_per_minute"],
                level["output_tokens_per_s"],
            ]
        )
    table = markdown_table(
        [
            "concurrent runs",
            "tasks",
            "task p50 ms",
            "task p95 ms",
            "task p99 ms",
            "step p50 ms",
            "step p95 ms",
            "tasks/min",
            "output tok/s",
        ],
        rows,
    )
    cost = metrics["cost"]
    note = (
        f"Machine cost at {cost['cost_per_hour_usd']} $/h: ${cost['per_1k_tasks_usd']:.3f} per 1,000 tasks "
        f"at the best measured throughput. Engine: {result['run']['models'].get('llm')} "
        f"({result['run']['config'].get('engine')})."
    )
    return "\n".join([table, "", note, "", provenance_line(result, "results/bench.json")])


def eval_svg(result: Mapping[str, Any]) -> str:
    """Grouped bars: success, answered and tool F1, without and with faults (plain SVG, no plotting library)."""
    metrics = result["metrics"]
    modes = [(mode, color) for mode, color in (("clean", "#4C78A8"), ("faults", "#F58518")) if mode in metrics]
    bars = [("task success", "success_rate"), ("answered", "answered_rate"), ("tool-call F1", "tool_f1")]
    width, height, top, bottom, left = 460, 260, 30, 40, 40
    plot_h = height - top - bottom
    group_w = (width - left - 20) / len(bars)
    bar_w = group_w / (len(modes) + 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
        'font-size="12">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#333"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">1.0</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>',
    ]
    for group, (label, key) in enumerate(bars):
        x0 = left + group * group_w + bar_w / 2
        for index, (mode, color) in enumerate(modes):
            value = float(metrics[mode][key])
            bar_h = value * plot_h
            x = x0 + index * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - bar_h:.1f}" width="{bar_w - 4:.1f}" '
                f'height="{bar_h:.1f}" fill="{color}"/>'
            )
            parts.append(
                f'<text x="{x + bar_w / 2 - 2:.1f}" y="{top + plot_h - bar_h - 4:.1f}" '
                f'text-anchor="middle">{value:.2f}</text>'
            )
        parts.append(
            f'<text x="{x0 + bar_w * len(modes) / 2:.1f}" y="{height - 20}" text-anchor="middle">{label}</text>'
        )
    for index, (mode, color) in enumerate(modes):
        parts.append(f'<rect x="{left + index * 150}" y="6" width="10" height="10" fill="{color}"/>')
        parts.append(
            f'<text x="{left + index * 150 + 14}" y="15">{"without faults" if mode == "clean" else "with faults"}'
            "</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def ablation_markdown(result: Mapping[str, Any]) -> str:
    """One row per arm, with its change against the arm it names as its reference."""
    arms = result["metrics"]["variants"]

    def delta(arm: Mapping[str, Any], key: str) -> str:
        return "reference" if arm["delta"] is None else f"{arm['delta'][key]:+.3f}"

    rows = [
        [
            name,
            arm["change"],
            arm["metrics"]["success_rate"],
            arm["metrics"]["answered_rate"],
            arm["metrics"]["tool_f1"],
            arm["metrics"]["steps"]["mean"],
            round(arm["metrics"]["latency_ms"]["p50"]),
            arm["metrics"]["retries"],
            arm["compared_with"] or "—",
            delta(arm, "success_rate"),
            delta(arm, "answered_rate"),
            delta(arm, "tool_f1"),
        ]
        for name, arm in arms.items()
    ]
    headers = ["arm", "change", "task success", "answered", "tool-call F1", "steps (mean)", "latency p50 ms"]
    table = markdown_table([*headers, "retries", "compared with", "Δ success", "Δ answered", "Δ tool F1"], rows)
    config = result["run"]["config"]
    scope = f"{config.get('tasks')} {config.get('split')} tasks"
    if result["run"].get("sample"):
        scope += f" ({sample_note(result['run'])}, evenly spaced, `LIMIT`)"
    note = (
        f"{scope} of table `{config.get('table', 'weather')}`, model `{result['run']['models'].get('llm')}`. "
        "The arms under faults inject "
        f"`{config.get('faults')}` at rate {config.get('fault_rate')} from the same seed."
    )
    return "\n".join([table, "", note, "", provenance_line(result, "results/ablation.json")])


def _eval(results_dir: Path) -> str | None:
    """The eval block, and its chart beside it (results/eval.svg)."""
    if not (results_dir / "eval.json").is_file():
        return None
    result = load_results("eval", results_dir)
    (results_dir / "eval.svg").write_text(eval_svg(result))
    return eval_markdown(result)


def _failures(results_dir: Path) -> str | None:
    if not (results_dir / "eval.json").is_file():
        return None
    return failures_markdown(load_results("eval", results_dir), read_jsonl(results_dir / "eval_cases.jsonl"))


# The README's generated blocks, each rendered from its results file (`make report`).
def _problem(results_dir: Path) -> str | None:
    """The problem-and-dataset text from your dataset card and task file; None while the example runs."""
    settings = Settings()
    card = read_card(settings.dataset_card)
    if card is None:
        return None
    try:
        tasks = load_tasks(settings.tasks_path, table=card.table)
    except TaskFileError:  # not written yet, or still the example's: the text says so
        tasks = []
    return problem_markdown(card, tasks)


def _licence(results_dir: Path) -> str | None:
    card = read_card(Settings().dataset_card)
    return licence_markdown(card) if card is not None else None


RENDERERS = {
    "problem": _problem,
    "licence": _licence,
    "eval": _eval,
    "failures": _failures,
    "ablation": from_results("ablation", ablation_markdown),
    "bench": from_results("bench", bench_markdown),
}
