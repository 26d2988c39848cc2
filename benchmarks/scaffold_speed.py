"""Record scaffold's speed targets side by side in one run.

    python benchmarks/scaffold_speed.py new                 # `scaffold new` vs bare `copier copy`
    python benchmarks/scaffold_speed.py rag-qa --project P  # a set-up rag-qa project: make eval / make bench

Writes benchmarks/results/<name>.json and .md (medians and ratios measured in the same run).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
BIN = Path(sys.executable).parent


def machine() -> dict[str, object]:
    cpu = platform.processor()
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_avg_1m_at_start": os.getloadavg()[0],
    }


def timed(command: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def bench_new(runs: int) -> dict[str, object]:
    from scaffold import templates

    bundle = templates.template_bundle()  # warm the cache: both tools read the same bundle
    scaffold_s, copier_s = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):  # alternate so load changes hit both sides alike
            dest_a, dest_b = Path(tmp) / f"s{i}", Path(tmp) / f"c{i}"
            scaffold_s.append(timed([str(BIN / "scaffold"), "new", "rag-qa", str(dest_a), "--defaults"]))
            copier_s.append(
                timed(
                    [
                        str(BIN / "copier"),
                        "copy",
                        "--defaults",
                        "--trust",
                        "--quiet",
                        "-r",
                        "HEAD",
                        "-d",
                        "kind=rag-qa",
                        os.path.expanduser(bundle),
                        str(dest_b),
                    ]
                )
            )
            shutil.rmtree(dest_a)
            shutil.rmtree(dest_b)
    median_s, median_c = statistics.median(scaffold_s), statistics.median(copier_s)
    return {
        "runs": runs,
        "scaffold_new_s": {"median": median_s, "all": scaffold_s},
        "copier_copy_s": {"median": median_c, "all": copier_s},
        "ratio": median_s / median_c,
        "targets": {"scaffold_new_under_1s": median_s < 1.0, "ratio_within_1_3": median_s / median_c <= 1.3},
        "note": "scaffold new also initialises git and makes the first commit; copier copy does not",
    }


def bench_rag_qa(project: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    subprocess.run(["make", "ingest"], cwd=project, check=True, capture_output=True, env=env)
    start = time.perf_counter()
    subprocess.run(["make", "eval"], cwd=project, check=True, capture_output=True, env=env)
    eval_s = time.perf_counter() - start
    subprocess.run(["make", "bench"], cwd=project, check=True, capture_output=True, env=env)
    bench = json.loads((project / "results" / "bench.json").read_text())["metrics"]
    cpu = bench["latency_ms"]["cpu"]
    ingest = bench["ingest"]
    return {
        "make_eval_after_ingest_s": eval_s,
        "hybrid_retrieval_ms": cpu["retrieve_hybrid"],
        "vector_retrieval_ms": cpu["retrieve_vector"],
        "hnsw_recall@10": bench["hnsw_recall@10"],
        "ingest": ingest,
        "targets": {
            "eval_under_60s": eval_s < 60,
            "hybrid_p95_under_15ms": cpu["retrieve_hybrid"]["p95"] < 15,
            "hnsw_recall_at_least_0_95": bench["hnsw_recall@10"] >= 0.95,
            "ingest_within_5pct_of_encode": ingest["overhead_pct"] <= 5,
            "ingest_peak_under_2gb": ingest["peak_rss_mb"] < 2048,
        },
    }


def write(name: str, metrics: dict[str, object]) -> None:
    RESULTS.mkdir(exist_ok=True)
    payload = {"utc_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "machine": machine(), "metrics": metrics}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")
    lines = [f"# {name}", "", f"{payload['utc_time']}, {payload['machine']}", ""]
    lines += [f"- {key}: {json.dumps(value)}" for key, value in metrics.items()]
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    new = sub.add_parser("new")
    new.add_argument("--runs", type=int, default=9)
    rag = sub.add_parser("rag-qa")
    rag.add_argument("--project", type=Path, required=True)
    args = parser.parse_args()
    if args.what == "new":
        write("scaffold_new", bench_new(args.runs))
    else:
        write("rag_qa_targets", bench_rag_qa(args.project.resolve()))


if __name__ == "__main__":
    main()
