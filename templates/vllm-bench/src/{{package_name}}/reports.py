"""README result blocks and plots, regenerated from results/*.json (never typed by hand)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .plots import plot_run
from .results import RESULTS_DIR, load_results, markdown_table, provenance_line, render_readme

HEADERS = (
    "variant",
    "load",
    "ok/failed",
    "req/s",
    "out tok/s",
    "TTFT p50 / p99 (ms)",
    "TPOT p50 / p99 (ms)",
    "ITL p50 (ms)",
    "E2EL p50 / p99 (ms)",
    "goodput (req/s)",
    "peak conc.",
    "$ / 1M out tok",
)


def _money(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}" if value < 100 else f"{value:,.0f}"


def point_row(p: dict[str, Any]) -> list[str]:
    goodput = p.get("request_goodput")
    return [
        p["variant"],
        p["label"] + (" (interrupted)" if p.get("interrupted") else ""),
        f"{p['completed']}/{p['failed']}",
        f"{p['request_throughput']:.2f}",
        f"{p['output_throughput']:.1f}",
        f"{p['ttft_ms']['median']:.1f} / {p['ttft_ms']['p99']:.1f}",
        f"{p['tpot_ms']['median']:.1f} / {p['tpot_ms']['p99']:.1f}",
        f"{p['itl_ms']['median']:.1f}",
        f"{p['e2el_ms']['median']:.0f} / {p['e2el_ms']['p99']:.0f}",
        "n/a" if goodput is None else f"{goodput:.2f}",
        str(p["peak_concurrency"]),
        _money(p.get("cost_per_1m_output_tokens_usd")),
    ]


SERVER_HEADERS = ("variant", "load", "queue time (ms)", "KV cache mean / max", "waiting max", "preemptions")


def server_row(p: dict[str, Any]) -> list[str]:
    """What vLLM's /metrics said during the point (empty for servers without /metrics)."""
    m = p["server_metrics"]
    return [
        p["variant"],
        p["label"],
        f"{m.get('mean_queue_time_ms', 0):.1f}",
        f"{m.get('kv_cache_usage_mean', 0):.1%} / {m.get('kv_cache_usage_max', 0):.1%}",
        f"{m.get('waiting_max', 0):.0f}",
        f"{m.get('preemptions', 0):.0f}",
    ]


def run_block(result: dict[str, Any], source: str) -> str:
    points = result["metrics"]["points"]
    if not points:
        return f"No points were measured in `{source}`."
    config = result["run"]["config"]
    server = result["run"].get("server", {})
    engine = server.get("engine", config["server"]["engine"])
    version = f" {server['version']}" if server.get("version") else ""
    args = ", ".join(f"{k}={v}" for k, v in points[0]["engine_args"].items() if k != "extra_cli_args") or "defaults"
    dataset = config["dataset"]
    failures = {k: v for p in points for k, v in p["failures"].items()}
    lines = [
        f"Model `{config['server']['served_model_name']}` on {engine}{version} ({args}); dataset {dataset['kind']} "
        f"(input ~{dataset['input_len']} / output {dataset['output_len']} tokens), {config['load']['num_requests']} "
        f"requests per level after {config['load']['warmup_requests']} warm-up; SLO {result['metrics']['slo']}; "
        f"${config['cost']['usd_per_hour']}/h x {config['cost']['num_accelerators']}.",
        "",
        markdown_table(HEADERS, [point_row(p) for p in points]),
        "",
    ]
    if failures:
        lines += [f"Failures by reason: {', '.join(f'{k}: {v}' for k, v in sorted(failures.items()))}.", ""]
    queue = [p for p in points if p.get("server_metrics")]
    if queue:
        lines += [markdown_table(SERVER_HEADERS, [server_row(p) for p in queue]), ""]
    lines.append(provenance_line(result, source))
    return "\n".join(lines)


def render(results_dir: Path = RESULTS_DIR, readme: Path = Path("README.md")) -> list[str]:
    """Re-render every README block whose results file exists, and its plots; returns the blocks done."""
    blocks: dict[str, str] = {}
    for name in ("bench", "vllm_cpu", "sweep", "ceiling"):
        path = results_dir / f"{name}.json"
        if not path.exists():
            continue
        result = load_results(name, results_dir)
        blocks[name] = run_block(result, str(path))
        plot_run(result["metrics"]["points"], results_dir / "plots" / name, title=name)
    if (results_dir / "imported.json").exists():
        blocks["imported"] = imported_block(load_results("imported", results_dir))
    if blocks and readme.exists():
        render_readme(blocks, readme)
    return sorted(blocks)


def imported_block(result: dict[str, Any]) -> str:
    rows = []
    for run in result["metrics"]["runs"]:
        m = run["metrics"]
        rows.append(
            [
                run["tool"],
                run["label"],
                str(m["completed"]),
                f"{m['request_throughput']:.2f}",
                f"{m['output_throughput']:.1f}",
                f"{m['ttft_ms']['median']:.1f}",
                f"{m['tpot_ms']['median']:.1f}",
                f"{m['itl_ms']['median']:.1f}",
                f"{m['e2el_ms']['median']:.0f}",
            ]
        )
    headers = ("tool", "run", "completed", "req/s", "out tok/s", "TTFT p50", "TPOT p50", "ITL p50", "E2EL p50")
    return markdown_table(headers, rows) + "\n\n" + provenance_line(result, "results/imported.json")
