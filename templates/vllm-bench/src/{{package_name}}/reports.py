"""README result blocks and plots, regenerated from results/*.json (never typed by hand)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import client_bench
from .metrics import PERCENTILES, highest_percentile, percentile_key
from .plots import plot_run
from .results import RESULTS_DIR, Renderer, load_results, markdown_table, provenance_line, refresh_readme

RUN_BLOCKS = ("bench", "vllm_cpu", "sweep", "ceiling")


def headers(top: str) -> tuple[str, ...]:
    """Table headers; ``top`` is the highest percentile the run summarised (``p99`` by default)."""
    return (
        "variant",
        "load",
        "ok/failed",
        "req/s",
        "out tok/s",
        f"TTFT p50 / {top} (ms)",
        f"TPOT p50 / {top} (ms)",
        "ITL p50 (ms)",
        f"E2EL p50 / {top} (ms)",
        "goodput (req/s)",
        "peak conc.",
        "$ / 1M out tok",
    )


def _money(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}" if value < 100 else f"{value:,.0f}"


def _pair(distribution: dict[str, Any] | None, top: str, digits: int = 1) -> str:
    if distribution is None:
        return "n/a"
    high = distribution["median"] if top == "median" else distribution["percentiles"].get(top)
    return f"{distribution['median']:.{digits}f} / " + ("n/a" if high is None else f"{high:.{digits}f}")


def point_row(p: dict[str, Any], top: str = "p99") -> list[str]:
    label = p["label"] + (" (interrupted)" if p.get("interrupted") else "")
    if p.get("status") == "failed":
        # Every request failed: nothing was measured, so no number stands in for one.
        return [p["variant"], label, f"{p['completed']}/{p['failed']}", "**failed**", *["-"] * 8]
    goodput = p.get("request_goodput")
    itl = p.get("itl_ms")
    return [
        p["variant"],
        label,
        f"{p['completed']}/{p['failed']}",
        f"{p['request_throughput']:.2f}",
        f"{p['output_throughput']:.1f}",
        _pair(p["ttft_ms"], top),
        _pair(p["tpot_ms"], top),
        "n/a" if itl is None else f"{itl['median']:.1f}",
        _pair(p["e2el_ms"], top, digits=0),
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
    top = highest_percentile(percentile_key(q) for q in result["metrics"].get("percentiles", PERCENTILES))
    lines = [
        f"Model `{config['server']['served_model_name']}` on {engine}{version} ({args}); dataset {dataset['kind']} "
        f"(input ~{dataset['input_len']} / output {dataset['output_len']} tokens), {config['load']['num_requests']} "
        f"requests per level after {config['load']['warmup_requests']} warm-up; SLO {result['metrics']['slo']}; "
        f"${config['cost']['usd_per_hour']}/h x {config['cost']['num_accelerators']}.",
        "",
        markdown_table(headers(top), [point_row(p, top) for p in points]),
        "",
    ]
    if failures:
        lines += [f"Failures by reason: {', '.join(f'{k}: {v}' for k, v in sorted(failures.items()))}.", ""]
    queue = [p for p in points if p.get("server_metrics")]
    if queue:
        lines += [markdown_table(SERVER_HEADERS, [server_row(p) for p in queue]), ""]
    lines.append(provenance_line(result, source))
    return "\n".join(lines)


def run_renderer(name: str) -> Renderer:
    """The README block of ``results/<name>.json`` (and its plots), or None before that run."""

    def render(results_dir: Path) -> str | None:
        path = results_dir / f"{name}.json"
        if not path.exists():
            return None
        result = load_results(name, results_dir)
        plot_run(result["metrics"]["points"], results_dir / "plots" / name, title=name)
        return run_block(result, str(path))

    return render


def imported_renderer(results_dir: Path) -> str | None:
    if not (results_dir / "imported.json").exists():
        return None
    return imported_block(load_results("imported", results_dir))


def render(results_dir: Path = RESULTS_DIR, readme: Path = Path("README.md")) -> list[str]:
    """Re-render every README block whose results file exists, and its plots; returns the blocks done."""
    renderers: dict[str, Renderer] = {name: run_renderer(name) for name in RUN_BLOCKS}
    renderers["imported"] = imported_renderer
    renderers[client_bench.RESULTS_NAME] = client_bench.agreement_block
    return refresh_readme(renderers, readme=readme, results_dir=results_dir)


def imported_block(result: dict[str, Any]) -> str:
    rows = []
    for run in result["metrics"]["runs"]:
        m = run["metrics"]

        def median(name: str, digits: int = 1, m: dict[str, Any] = m) -> str:
            return "n/a" if m.get(name) is None else f"{m[name]['median']:.{digits}f}"

        rows.append(
            [
                run["tool"],
                run["label"],
                str(m["completed"]),
                f"{m['request_throughput']:.2f}",
                f"{m['output_throughput']:.1f}",
                median("ttft_ms"),
                median("tpot_ms"),
                median("itl_ms"),
                median("e2el_ms", 0),
            ]
        )
    headers = ("tool", "run", "completed", "req/s", "out tok/s", "TTFT p50", "TPOT p50", "ITL p50", "E2EL p50")
    return markdown_table(headers, rows) + "\n\n" + provenance_line(result, "results/imported.json")
