"""Speed and memory of `scaffold check` on a synthetic 10,000-file repository, next to repo-review.

Builds the tree in a temporary directory (mixed Python, tests, Markdown, JSON, CSV, YAML, binary
files, plus a few files over the size limit), then measures:
  * in-process `run_checks` wall time (median of N runs; the first, cold run is reported apart),
  * the `scaffold check` command line (median of N runs, start-up included),
  * peak memory: resident set size of a child process running the check, and the peak of Python
    allocations under tracemalloc; the same again after adding enormous sparse files, to show memory
    does not grow with file size,
  * `repo-review` (with the sp-repo-review checks) on the same tree, when it is installed.

  * every real public repository of the calibration set (evals/real/repos.yaml) whose git mirror
    is present: the same two command lines on its checked-out tree, with its size on disk.

Writes benchmarks/results/check_speed.json and check_speed.md.

    python benchmarks/check_speed.py [--files 10000] [--runs 5] [--mirrors DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
BIN = Path(sys.executable).parent

PYTHON_MODULE = '''"""Module {i}."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from pkg_{group}.shared import helper

log = logging.getLogger(__name__)


@dataclass
class Record{i}:
    name: str
    value: float

    def scaled(self, factor: float) -> float:
        return self.value * factor


def load_{i}(text: str) -> list[Record{i}]:
    rows = json.loads(text)
    out = []
    for row in rows:
        try:
            out.append(Record{i}(row["name"], float(row["value"])))
        except (KeyError, ValueError):
            log.warning("bad row %s", row)
    return [helper(r) for r in out]
'''
TEST_MODULE = """from pkg_{group}.module_{i} import Record{i}, load_{i}


def test_scaled_{i}() -> None:
    assert Record{i}("a", 2.0).scaled(3) == 6.0


def test_load_{i}() -> None:
    assert load_{i}("[]") == []
"""
README = """# Synthetic project

## Problem and dataset

A synthetic repository of {files} files used to time the checker. The dataset is 12,000 rows.

## Architecture

```mermaid
flowchart LR
  a --> b
```

## Results

| metric | value |
|---|---|
| recall@5 | 0.84 |
"""


def build_tree(root: Path, total_files: int, seed: int = 3) -> dict[str, int]:
    """Write `total_files` files under `root`; returns counts by kind."""
    rng = random.Random(seed)
    counts: dict[str, int] = {}

    def write(relative: str, content: str | bytes, kind: str) -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        counts[kind] = counts.get(kind, 0) + 1

    write("README.md", README.format(files=total_files), "project")
    write(
        "pyproject.toml",
        '[project]\nname = "synthetic"\ndependencies = ["httpx==0.28.1"]\n[tool.ruff]\n[tool.mypy]\n',
        "project",
    )
    write(
        "Makefile",
        "test:\n\tpytest -q\neval:\n\tpython -m pkg_0.module_0\nbench:\n\tpython bench.py\n",
        "project",
    )
    write(
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n",
        "project",
    )
    write(
        "results/eval.json",
        json.dumps(
            {
                "run": {"utc_time": "2026-01-01", "git_commit": "abc", "config": {}, "model": "m"},
                "metrics": {"recall_at_5": 0.84},
            }
        ),
        "project",
    )
    for index in range(5):
        write(f"data/huge_{index}.bin", os.urandom(1024) * 1536, "over size limit")  # 1.5 MiB each
    plan = [
        ("python", 0.22),
        ("tests", 0.06),
        ("markdown", 0.2),
        ("json", 0.18),
        ("csv", 0.12),
        ("yaml", 0.07),
        ("binary", 0.15),
    ]
    remaining = total_files - sum(counts.values())
    quotas = {kind: int(share * remaining) for kind, share in plan}
    quotas["python"] += remaining - sum(quotas.values())
    for i in range(quotas["python"]):
        group = i // 50
        if i % 50 == 0:
            write(f"src/pkg_{group}/shared.py", "def helper(x):\n    return x\n", "python")
            continue
        write(f"src/pkg_{group}/module_{i}.py", PYTHON_MODULE.format(i=i, group=group), "python")
    for i in range(quotas["tests"]):
        write(
            f"tests/unit_{i // 100}/test_module_{i}.py",
            TEST_MODULE.format(i=i + 1, group=(i + 1) // 50),
            "tests",
        )
    for i in range(quotas["markdown"]):
        words = " ".join(
            rng.choice(["retrieval", "latency", "index", "chunk", "query", "model"])
            for _ in range(250)
        )
        write(f"docs/section_{i // 200}/page_{i}.md", f"# Page {i}\n\n{words}\n", "markdown")
    for i in range(quotas["json"]):
        write(
            f"data/json_{i // 500}/item_{i}.json",
            json.dumps({"id": i, "values": [rng.random() for _ in range(40)]}),
            "json",
        )
    for i in range(quotas["csv"]):
        rows = "\n".join(f"{j},{rng.random():.4f}" for j in range(40))
        write(f"data/csv_{i // 500}/table_{i}.csv", "id,value\n" + rows + "\n", "csv")
    for i in range(quotas["yaml"]):
        write(
            f"configs/c_{i // 200}/config_{i}.yaml",
            f"name: c{i}\nvalues: [1, 2, 3]\nnested:\n  key: value\n",
            "yaml",
        )
    for i in range(quotas["binary"]):
        write(f"assets/a_{i // 300}/image_{i}.png", os.urandom(2048), "binary")
    return counts


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (worker processes, commands)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _summary(samples: list[float], cpu: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(samples), 3),
        "min_s": round(min(samples), 3),
        "median_cpu_s": round(statistics.median(cpu), 3),
        "runs": len(samples),
    }


def time_in_process(root: Path, runs: int) -> dict[str, float]:
    from scaffold.check.registry import load_checks
    from scaffold.check.runner import run_checks

    checks = load_checks()
    samples, cpu = [], []
    for _ in range(runs + 1):
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        run_checks(root, checks)
        samples.append(time.perf_counter() - started)
        cpu.append(_cpu_seconds() - cpu_started)
    return {"cold_s": round(samples[0], 3), **_summary(samples[1:], cpu[1:])}


def time_command(command: list[str], runs: int) -> dict[str, float]:
    samples, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append(time.perf_counter() - started)
        cpu.append(_cpu_seconds() - cpu_started)
    return _summary(samples, cpu)


_MEMORY_PROBE = """
import json, resource, sys, tracemalloc
from pathlib import Path
tracemalloc.start()
from scaffold.check.registry import load_checks
from scaffold.check.runner import run_checks
run = run_checks(Path(sys.argv[1]), load_checks())
current, peak = tracemalloc.get_traced_memory()
print(json.dumps({"peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                  "tracemalloc_peak_mib": round(peak / 2**20, 1), "files_indexed": run.file_count,
                  "skipped": run.skipped, "score": run.score.total}))
"""


def measure_memory(root: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, str(root)], capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def add_enormous_files(root: Path, count: int = 4, size: int = 2 * 2**30) -> None:
    """Sparse files that claim gigabytes: they must be skipped, never read."""
    for index in range(count):
        with open(root / f"data/enormous_{index}.bin", "wb") as handle:
            handle.truncate(size)


def time_real_trees(scaffold: str, repo_review: str | None, mirrors: Path | None) -> list[dict[str, object]]:
    """The calibration set's real repositories whose mirrors are present, checked out and timed."""
    spec = importlib.util.spec_from_file_location("real_run", HERE.parent / "evals" / "real" / "run.py")
    if spec is None or spec.loader is None:
        return []
    real = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(real)
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="check-speed-real-") as scratch:
        for entry in real.load_entries():
            tree = real.materialize(entry, mirrors or real.DEFAULT_MIRRORS, Path(scratch))
            if tree is None:
                continue
            size = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file() and not p.is_symlink())
            files = sum(1 for p in tree.rglob("*") if p.is_file() and ".git" not in p.parts)
            row: dict[str, object] = {
                "repo": entry["repo"],
                "commit": entry["commit"],
                "size_mb": round(size / 1e6, 1),
                "files": files,
                "scaffold_check": time_command([scaffold, "check", str(tree), "--format", "json"], 3),
            }
            if repo_review:
                theirs = time_command([repo_review, str(tree), "--format", "json"], 3)
                row["repo_review"] = theirs
                ours = row["scaffold_check"]["median_s"]  # type: ignore[index]
                row["ratio"] = round(ours / theirs["median_s"], 2) if theirs["median_s"] else None
                # CPU time too: on a shared machine other processes stretch wall time, not CPU time
                ours_cpu = row["scaffold_check"]["median_cpu_s"]  # type: ignore[index]
                row["cpu_ratio"] = round(ours_cpu / theirs["median_cpu_s"], 2) if theirs["median_cpu_s"] else None
            rows.append(row)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mirrors", type=Path, default=None, help="git mirrors of evals/real/repos.yaml")
    args = parser.parse_args()
    scaffold = shutil.which("scaffold", path=str(BIN)) or "scaffold"
    repo_review = shutil.which("repo-review", path=str(BIN))
    with tempfile.TemporaryDirectory(prefix="check-speed-") as directory:
        root = Path(directory) / "repo"
        counts = build_tree(root, args.files)
        total = sum(1 for p in root.rglob("*") if p.is_file())
        in_process = time_in_process(root, args.runs)
        cli = time_command([scaffold, "check", str(root), "--format", "json"], args.runs)
        memory = measure_memory(root)
        add_enormous_files(root)
        memory_with_huge = measure_memory(root)
        review = None
        if repo_review:
            review = time_command([repo_review, str(root), "--format", "json"], args.runs)
        startup = time_command([scaffold, "--version"], args.runs)
    fixtures = []
    for tree in sorted((HERE.parent / "evals" / "check" / "fixtures").iterdir()):
        if (
            not (tree / "expected.yaml").is_file()
            or "base:" in (tree / "expected.yaml").read_text()
        ):
            continue  # variants are overlays on another tree; time the complete trees
        row: dict[str, object] = {
            "tree": tree.name,
            "scaffold_check": time_command([scaffold, "check", str(tree), "--format", "json"], 3),
        }
        if repo_review:
            row["repo_review"] = time_command([repo_review, str(tree), "--format", "json"], 3)
        fixtures.append(row)
    real = time_real_trees(scaffold, repo_review, args.mirrors)
    result = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        },
        "tree": {"files": total, "by_kind": counts},
        "scaffold_check_in_process": in_process,
        "scaffold_check_cli": cli,
        "scaffold_version_cli_startup": startup,
        "memory": memory,
        "memory_with_4_sparse_2gib_files": memory_with_huge,
        "repo_review_cli": review,
        "calibration_trees": fixtures,
        "real_trees": real,
        "ratio_cli_scaffold_over_repo_review": round(cli["median_s"] / review["median_s"], 2)
        if review
        else None,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "check_speed.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# scaffold check speed",
        "",
        f"Synthetic tree of {total} files ({', '.join(f'{v} {k}' for k, v in counts.items())}); "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} "
        f"(the machine is shared). Median of {args.runs} runs.",
        "",
        "| measurement | median wall s | fastest wall s | median CPU s |",
        "|---|---:|---:|---:|",
        f"| scaffold check, in process (cold first run {in_process['cold_s']} s) | {in_process['median_s']} | {in_process['min_s']} | {in_process['median_cpu_s']} |",
        f"| scaffold check, command line | {cli['median_s']} | {cli['min_s']} | {cli['median_cpu_s']} |",
        f"| scaffold --version (start-up only) | {startup['median_s']} | {startup['min_s']} | {startup['median_cpu_s']} |",
    ]
    if review:
        lines.append(
            f"| repo-review + sp-repo-review, command line | {review['median_s']} | {review['min_s']} | {review['median_cpu_s']} |"
        )
        lines += [
            "",
            f"Ratio scaffold check / repo-review (command line): {result['ratio_cli_scaffold_over_repo_review']}.",
        ]
        lines.append(
            "repo-review reads a handful of configuration files; scaffold check indexes every file, parses all Python and scans all text for secrets."
        )
    if fixtures and repo_review:
        lines += [
            "",
            "Calibration trees (median of 3 command-line runs, seconds):",
            "",
            "| tree | scaffold check | repo-review |",
            "|---|---:|---:|",
        ]
        for row in fixtures:
            ours, theirs = row["scaffold_check"], row["repo_review"]
            lines.append(f"| {row['tree']} | {ours['median_s']} | {theirs['median_s']} |")  # type: ignore[index]
    if real:
        worst = max(real, key=lambda r: r["scaffold_check"]["median_s"])
        ratios = [r["ratio"] for r in real if r.get("ratio") is not None]
        cpu_ratios = [r["cpu_ratio"] for r in real if r.get("cpu_ratio") is not None]
        lines += [
            "",
            f"Real public repositories (evals/real/repos.yaml, {len(real)} trees checked out from their mirrors; "
            "median of 3 command-line runs, seconds of wall time and of CPU time):",
            "",
            "| repository | size MB | files | scaffold check | repo-review | ratio | scaffold CPU | repo-review CPU "
            "| CPU ratio |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in sorted(real, key=lambda r: r["size_mb"]):
            theirs = row.get("repo_review")
            ours = row["scaffold_check"]
            lines.append(
                f"| {row['repo']} | {row['size_mb']} | {row['files']} | {ours['median_s']} "  # type: ignore[index]
                f"| {theirs['median_s'] if theirs else '-'} | {row.get('ratio') or '-'} "
                f"| {ours['median_cpu_s']} | {theirs['median_cpu_s'] if theirs else '-'} "  # type: ignore[index]
                f"| {row.get('cpu_ratio') or '-'} |"
            )
        lines += [
            "",
            f"Slowest real tree: {worst['repo']} at {worst['scaffold_check']['median_s']} s. "
            + (
                f"Median ratio scaffold check / repo-review on real trees: {statistics.median(ratios):.2f} "
                f"(max {max(ratios):.2f}) in wall time, {statistics.median(cpu_ratios):.2f} "
                f"(max {max(cpu_ratios):.2f}) in CPU time."
                if ratios and cpu_ratios
                else ""
            ),
        ]
    lines += [
        "",
        f"Peak RSS {memory['peak_rss_mib']} MiB (Python allocations peak {memory['tracemalloc_peak_mib']} MiB); "
        f"with four extra 2 GiB files: {memory_with_huge['peak_rss_mib']} MiB "
        f"(skipped: {memory_with_huge['skipped']}).",
    ]
    (RESULTS / "check_speed.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
