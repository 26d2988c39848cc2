"""Is the vllm-bench load generator ever the bottleneck? Streamed tokens/s one client process sustains.

Renders (or reuses) a vllm-bench project, starts its synthetic SSE target (no model: it writes
fake tokens as fast as it can), and drives it with the project's own client at a fixed
concurrency; then, when a GuideLLM executable is given, drives the same server with GuideLLM's
client at the same concurrency, request count and output length. Client and server share this
machine's cores, so the numbers are a floor for the client alone.

    python benchmarks/loadgen_overhead.py [--project DIR] [--guidellm PATH/bin/guidellm --tokenizer DIR]

Writes benchmarks/results/loadgen_overhead_batch<N>.json. Target: >= 20,000 output tokens/s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TARGET_TOKENS_PER_S = 20_000

# Runs inside the generated project's venv: the project's own load generator, nothing else.
CLIENT_DRIVER = """
import asyncio, json, resource, sys, time
import importlib
pkg = sys.argv[1]
loadgen = importlib.import_module(pkg + ".loadgen")
client = importlib.import_module(pkg + ".client")
config = importlib.import_module(pkg + ".config")
datasets = importlib.import_module(pkg + ".datasets")
metrics = importlib.import_module(pkg + ".metrics")
url, endpoint = sys.argv[2], sys.argv[3]
concurrency, requests, output_len = (int(x) for x in sys.argv[4:7])
plan = loadgen.LoadPlan("concurrency", concurrency, num_requests=requests, max_duration_s=600,
                        warmup_requests=concurrency)
target = client.Target(url, "synthetic", endpoint=endpoint)
stream = datasets.request_stream(config.DatasetConfig(input_len=16, output_len=output_len))
cpu0 = resource.getrusage(resource.RUSAGE_SELF)
outcome = asyncio.run(loadgen.run_load(target, stream, plan))
cpu1 = resource.getrusage(resource.RUSAGE_SELF)
m = metrics.compute_metrics(outcome.records)
print(json.dumps({"completed": m.completed, "failed": m.failed, "output_tokens": m.total_output_tokens,
                  "duration_s": m.duration_s, "output_tokens_per_s": m.output_throughput,
                  "client_cpu_s": (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime),
                  "ttft_median_ms": m.ttft_ms.median}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_project(project: Path | None) -> tuple[Path, str]:
    """A rendered vllm-bench project with its .venv; rendered and set up on first use."""
    if project is None:
        project = ROOT / ".cache" / "loadgen-bench" / "demo"
        if not (project / ".venv" / "bin" / "python").exists():
            project.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [sys.executable, "-m", "scaffold", "new", "vllm-bench", str(project), "--defaults"],
                check=True,
                cwd=ROOT,
            )
            subprocess.run(["make", "setup"], cwd=project, check=True)
    answers = (project / ".copier-answers.yml").read_text()
    package = next(line.split(":", 1)[1].strip() for line in answers.splitlines() if line.startswith("package_name:"))
    return project, package


def wait_ready(url: str, timeout_s: float = 30) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for path in ("/health", "/v1/models"):  # vLLM and the synthetic target / llama.cpp
            try:
                urllib.request.urlopen(url + path, timeout=2)
                return
            except OSError:
                pass
        time.sleep(0.5)
    raise SystemExit(f"error: the server at {url} did not become ready in {timeout_s:.0f} s.")


def start_synthetic(project: Path, package: str, port: int, batch: int) -> subprocess.Popen[bytes]:
    command = [
        str(project / ".venv/bin/python"),
        "-m",
        f"{package}.synthetic_server",
        "--port",
        str(port),
        "--batch",
        str(batch),
    ]
    process = subprocess.Popen(command, cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(f"http://127.0.0.1:{port}")
    return process


def run_ours(
    project: Path, package: str, url: str, endpoint: str, concurrency: int, requests: int, output_len: int
) -> dict[str, Any]:
    result = subprocess.run(
        [
            str(project / ".venv/bin/python"),
            "-c",
            CLIENT_DRIVER,
            package,
            url,
            endpoint,
            str(concurrency),
            str(requests),
            str(output_len),
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def run_guidellm(
    guidellm: Path,
    tokenizer: Path,
    url: str,
    model: str,
    concurrency: int,
    requests: int,
    output_len: int,
    prompt_tokens: int = 16,
    backend_options: str = "",
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "guidellm.json"
        started = time.perf_counter()
        completed = subprocess.run(
            [
                str(guidellm),
                "run",
                "--backend",
                f"kind=openai_http,target={url},model={model}{backend_options}",
                "--tokenizer",
                f"kind=hf_auto,model={tokenizer}",
                "--profile",
                f"kind=concurrent,streams={concurrency}",
                "--constraint",
                f"kind=max_requests,count={requests}",
                "--data",
                f"kind=synthetic_text,prompt_tokens={prompt_tokens},output_tokens={output_len}",
                "--output",
                f"kind=json,path={out}",
                "--disable-progress",
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )
        if completed.returncode != 0:
            raise SystemExit(f"error: guidellm failed:\n{completed.stderr[-3000:]}")
        wall = time.perf_counter() - started
        report = json.loads(out.read_text())
    benchmark = report["benchmarks"][0]
    metrics = benchmark["metrics"]
    window = benchmark["scheduler_metrics"]
    duration = window["measure_end_time"] - window["measure_start_time"]
    output_tokens = metrics["output_token_count"]["successful"]["total_sum"]
    return {
        "completed": metrics["request_totals"]["successful"],
        "failed": metrics["request_totals"]["errored"] + metrics["request_totals"]["incomplete"],
        "output_tokens": output_tokens,
        "duration_s": duration,
        "output_tokens_per_s": output_tokens / duration if duration > 0 else 0.0,
        "reported_output_tokens_per_s_mean": metrics["output_tokens_per_second"]["successful"]["mean"],
        "ttft_median_ms": metrics["time_to_first_token_ms"]["successful"]["median"],
        "itl_median_ms": metrics["inter_token_latency_ms"]["successful"]["median"],
        "wall_s_including_startup": wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", type=Path, help="A rendered vllm-bench project with .venv (default: render one)")
    parser.add_argument("--guidellm", type=Path, help="guidellm executable (its own venv); skipped when absent")
    parser.add_argument("--tokenizer", type=Path, help="Local tokenizer folder for GuideLLM's synthetic prompts")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--output-tokens", type=int, default=1000)
    parser.add_argument("--endpoint", choices=["chat", "completions"], default="chat")
    parser.add_argument(
        "--server-batch",
        type=int,
        default=32,
        help="SSE events per server write (1 = one network write per token, like a real server)",
    )
    args = parser.parse_args()

    project, package = ensure_project(args.project)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_synthetic(project, package, port, args.server_batch)
    try:
        ours = run_ours(project, package, url, args.endpoint, args.concurrency, args.requests, args.output_tokens)
        print(
            f"vllm-bench client: {ours['output_tokens_per_s']:,.0f} output tokens/s "
            f"({ours['completed']} requests, {ours['client_cpu_s']:.1f} client CPU-s)"
        )
        theirs = None
        if args.guidellm and args.tokenizer:
            theirs = run_guidellm(
                args.guidellm, args.tokenizer, url, "synthetic", args.concurrency, args.requests, args.output_tokens
            )
            print(
                f"GuideLLM client:   {theirs['output_tokens_per_s']:,.0f} output tokens/s "
                f"({theirs['completed']} requests)"
            )
    finally:
        server.terminate()
        server.wait()
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "utc_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count(), "python": platform.python_version()},
        "setup": {
            "concurrency": args.concurrency,
            "requests": args.requests,
            "output_tokens": args.output_tokens,
            "endpoint": args.endpoint,
            "server": f"synthetic SSE target, {args.server_batch} events per write",
        },
        "target_output_tokens_per_s": TARGET_TOKENS_PER_S,
        "vllm_bench_client": ours,
        "guidellm_client": theirs,
        "passes": ours["output_tokens_per_s"] >= TARGET_TOKENS_PER_S and ours["failed"] == 0,
    }
    (RESULTS / f"loadgen_overhead_batch{args.server_batch}.json").write_text(json.dumps(payload, indent=2) + "\n")
    print(
        f"{'PASS' if payload['passes'] else 'FAIL'}: target {TARGET_TOKENS_PER_S:,} tokens/s; "
        f"wrote {RESULTS / f'loadgen_overhead_batch{args.server_batch}.json'}"
    )
    if not payload["passes"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
