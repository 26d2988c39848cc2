"""Time `scaffold check`'s defences on adversarial input, and record it.

Each case is timed in-process on the matcher or parser it targets (median of RUNS), and the whole
command is timed once on a tree built from the worst of them. Writes
benchmarks/results/hostile_speed.json and .md.

    python benchmarks/hostile_speed.py
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from scaffold.check.evidence.ignore import is_ignored, parse_gitignore

RUNS = 5
RESULTS = Path(__file__).parent / "results"


def _median_s(work: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _deep_path(depth: int) -> str:
    return "/".join(f"d{i}" for i in range(depth)) + "/file.txt"


def cases() -> dict[str, dict[str, object]]:
    deep = _deep_path(30)
    many_rules = "\n".join(f"dir{i}/**/*.tmp{i}" if i % 3 else f"*name{i}*" for i in range(30_000))
    files = [f"src/module{i % 97}/sub{i % 13}/file{i}.py" for i in range(2_000)]
    star_run = parse_gitignore("*a" * 12 + "*b\n")
    double_star = parse_gitignore("**/" * 12 + "zz\n")
    big = parse_gitignore(many_rules)
    return {
        "double_star_x12_on_30_deep_path": {
            "seconds": _median_s(lambda: is_ignored(double_star, deep, False)),
            "input": "`**/` x12 then `zz`, one 30-segment path",
        },
        "star_a_x12_star_b_on_a_x60": {
            "seconds": _median_s(lambda: is_ignored(star_run, "a" * 60, False)),
            "input": "`*a` x12 then `*b`, the name `a` x60",
        },
        "rules_30k_x_files_2k": {
            "seconds": _median_s(lambda: [is_ignored(big, path, False) for path in files]),
            "input": "30,000 rules (wildcards and names; the first 10,000 applied, the rest named in a note)"
            " against 2,000 paths, parse excluded",
        },
        "parse_rules_30k": {
            "seconds": _median_s(lambda: parse_gitignore(many_rules)),
            "input": "parsing the same 30,000 rules",
        },
    }


def whole_command() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        deep = root.joinpath(*[f"d{i}" for i in range(30)])
        deep.mkdir(parents=True)
        (deep / "zz.txt").write_text("x")
        (root / ".gitignore").write_text(
            "**/" * 12 + "zz\n" + "*a" * 12 + "*b\n" + "\n".join(f"dir{i}/**/*.tmp{i}" for i in range(25_000))
        )
        for i in range(2_000):
            path = root / f"src/m{i % 50}/f{i}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x = 1\n")
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "scaffold", "check", str(root), "--format", "json"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "returncode": done.returncode,
        "input": "the three patterns above plus 25,000 rules, 2,000 files",
    }


def main() -> None:
    result = {
        "utc_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cores": os.cpu_count(),
            "load_avg_1m_at_start": os.getloadavg()[0],
        },
        "runs_per_case": RUNS,
        "matcher_median_s": cases(),
        "whole_check_s": whole_command(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "hostile_speed.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# hostile_speed",
        "",
        f"{result['utc_time']}, {result['machine']}",
        "",
        "| case | median s | input |",
        "|---|---:|---|",
    ]
    for name, case in result["matcher_median_s"].items():  # type: ignore[union-attr]
        lines.append(f"| {name} | {case['seconds']:.6f} | {case['input']} |")
    whole = result["whole_check_s"]
    lines.append(f"| whole `scaffold check` | {whole['seconds']:.2f} | {whole['input']} (exit {whole['returncode']}) |")  # type: ignore[index]
    (RESULTS / "hostile_speed.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
