"""Do the vllm-bench client's TTFT and inter-token numbers agree with GuideLLM's on the same server?

Runs the project's client, then GuideLLM, at the same concurrency, request count and lengths
against one server, and compares medians. Two servers:
- ``--server synthetic`` (default): the project's synthetic target with a fixed time to first
  token and inter-token gap, so both tools can also be checked against the known truth, free of
  model noise;
- ``--server llamacpp``: the project's llama.cpp server with Gemma 3 270M (needs `make setup-llm`);
  on a small shared CPU its latencies drift between the two runs, so read it with care.
Definitions line up as follows: TTFT is request sent -> first streamed token in both; GuideLLM's
"ITL" is a per-request average (last token - first token) / (tokens - 1), which is this project's
TPOT, so it is compared with TPOT; this project's ITL (every chunk gap pooled) is shown beside it.

    python benchmarks/loadgen_agreement.py --project DIR --guidellm PATH/bin/guidellm --tokenizer DIR

Writes benchmarks/results/loadgen_agreement_<server>.json. Target: medians within 10%.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen_overhead import RESULTS, free_port, run_guidellm, wait_ready

CLIENT_DRIVER = """
import asyncio, json, sys, importlib
pkg = sys.argv[1]
loadgen = importlib.import_module(pkg + ".loadgen")
client = importlib.import_module(pkg + ".client")
config = importlib.import_module(pkg + ".config")
datasets = importlib.import_module(pkg + ".datasets")
metrics = importlib.import_module(pkg + ".metrics")
url, model = sys.argv[2], sys.argv[3]
concurrency, requests, input_len, output_len = (int(x) for x in sys.argv[4:8])
plan = loadgen.LoadPlan("concurrency", concurrency, num_requests=requests, max_duration_s=900, warmup_requests=2)
target = client.Target(url, model, endpoint="completions", token_counts="chunks")
stream = datasets.request_stream(config.DatasetConfig(input_len=input_len, output_len=output_len))
m = metrics.compute_metrics(asyncio.run(loadgen.run_load(target, stream, plan)).records)
print(json.dumps({"completed": m.completed, "failed": m.failed, "ttft_median_ms": m.ttft_ms.median,
                  "tpot_median_ms": m.tpot_ms.median, "itl_median_ms": m.itl_ms.median,
                  "output_tokens_per_s": m.output_throughput}))
"""


def ratio(a: float, b: float) -> float:
    return abs(a - b) / b if b else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", type=Path, required=True, help="A vllm-bench project after make setup-llm")
    parser.add_argument("--guidellm", type=Path, required=True)
    parser.add_argument("--tokenizer", type=Path, required=True, help="Local Gemma 3 tokenizer folder")
    parser.add_argument("--server", choices=["synthetic", "llamacpp"], default="synthetic")
    parser.add_argument("--ttft-ms", type=float, default=100.0, help="synthetic server: time to first token")
    parser.add_argument("--itl-ms", type=float, default=20.0, help="synthetic server: gap between tokens")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--requests", type=int, default=12)
    parser.add_argument("--input-tokens", type=int, default=32)
    parser.add_argument("--output-tokens", type=int, default=32)
    args = parser.parse_args()

    answers = (args.project / ".copier-answers.yml").read_text()
    package = next(line.split(":", 1)[1].strip() for line in answers.splitlines() if line.startswith("package_name:"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    if args.server == "synthetic":
        command = [
            "-m",
            f"{package}.synthetic_server",
            "--port",
            str(port),
            "--ttft-ms",
            str(args.ttft_ms),
            "--itl-ms",
            str(args.itl_ms),
        ]
        model = "synthetic"
    else:
        command = ["-m", f"{package}.local_llm", "--port", str(port)]
        model = "gemma-3-270m"
    server = subprocess.Popen(
        [str(args.project / ".venv/bin/python"), *command],
        cwd=args.project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(url, timeout_s=120)
        result = subprocess.run(
            [
                str(args.project / ".venv/bin/python"),
                "-c",
                CLIENT_DRIVER,
                package,
                url,
                model,
                str(args.concurrency),
                str(args.requests),
                str(args.input_tokens),
                str(args.output_tokens),
            ],
            cwd=args.project,
            capture_output=True,
            text=True,
            check=True,
        )
        ours: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
        theirs = run_guidellm(
            args.guidellm,
            args.tokenizer,
            url,
            model,
            args.concurrency,
            args.requests,
            args.output_tokens,
            prompt_tokens=args.input_tokens,
            # llama-cpp-python has no /health and ignores max_completion_tokens on the chat route.
            backend_options=",validate_backend=false,request_format=/v1/completions",
        )
    finally:
        server.terminate()
        server.wait()
    comparison = {
        "ttft_median_rel_diff": ratio(ours["ttft_median_ms"], theirs["ttft_median_ms"]),
        "tpot_vs_guidellm_itl_median_rel_diff": ratio(ours["tpot_median_ms"], theirs["itl_median_ms"]),
        "itl_vs_guidellm_itl_median_rel_diff": ratio(ours["itl_median_ms"], theirs["itl_median_ms"]),
    }
    payload = {
        "utc_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpu_count": os.cpu_count(),
        "server": (
            f"synthetic target, TTFT {args.ttft_ms} ms, inter-token {args.itl_ms} ms"
            if args.server == "synthetic"
            else "llama-cpp-python server, Gemma 3 270M Q4_K_M"
        )
        + ", /v1/completions",
        "setup": vars(args)
        | {"project": str(args.project), "guidellm": str(args.guidellm), "tokenizer": str(args.tokenizer)},
        "vllm_bench_client": ours,
        "guidellm_client": theirs,
        "comparison": comparison,
        "passes": comparison["ttft_median_rel_diff"] <= 0.10
        and comparison["tpot_vs_guidellm_itl_median_rel_diff"] <= 0.10,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"loadgen_agreement_{args.server}.json").write_text(json.dumps(payload, indent=2) + "\n")
    for key, value in comparison.items():
        print(f"{key}: {value:.1%}")
    print(f"ours: {ours}\nguidellm: { {k: theirs[k] for k in ('ttft_median_ms', 'itl_median_ms', 'completed')} }")
    print("PASS" if payload["passes"] else "FAIL (see the definitions in this script's docstring)")


if __name__ == "__main__":
    main()
