"""Performance: measured, not claimed."""

from __future__ import annotations

import re
from typing import ClassVar

from scaffold.check.evidence.dependencies import PyProject
from scaffold.check.evidence.files import FileIndex
from scaffold.check.evidence.markdown import Markdown
from scaffold.check.evidence.python_source import PythonSources
from scaffold.check.evidence.results import ResultsData
from scaffold.check.evidence.tasks import Tasks
from scaffold.check.model import PERFORMANCE, Check, Location, Verdict, failed, partially_passed, passed
from scaffold.check.numbers import parse_shown_number

_BENCH_COMMAND = re.compile(r"bench|load-?test|latency|perf\b", re.I)
_BENCH_TASKS = ("bench", "benchmark", "benchmarks", "load-test", "loadtest", "perf", "latency")
_BENCH_FILE = re.compile(
    r"(^|/)(bench[\w-]*\.py|[\w-]*_bench(mark)?\.py|locustfile\.py|[\w-]*load[_-]?test[\w-]*\.(py|js)|k6[\w-]*\.js)$",
    re.I,
)
# Load generators a README may run instead of a benchmark of the project's own
_LOAD_GENERATOR = re.compile(
    r"\bbenchmark_serving\.py|\bvllm bench serve\b|\bgenai-perf\b|\bguidellm\b|\btoken_benchmark_ray\.py|"
    r"\blocust\s+-f\b|\bk6 run\b|\bwrk\s+-[tcd]|\bhey\s+-[nzc]|\bab\s+-n\b|\bllmperf\b"
)
_PERCENTILE = re.compile(r"(?<![a-z])p(50|90|95|99|999)(?!\d)|percentile|median", re.I)
_HARDWARE_KEY = re.compile(r"hardware|gpu|cpu|device|machine|instance|accelerator|platform")
_HARDWARE_TEXT = re.compile(
    r"\b(H100|H200|A100|A10G?|L4|L40S?|T4|V100|RTX\s?\d{4}|M[1-4]( Pro| Max)?|Xeon|EPYC|Ryzen|i[3579]-\d+|\d+\s*v?CPUs?|\d+ cores?|Graviton)\b"
)
_COST_KEY = re.compile(r"cost|usd|price|dollars|\$|tokens_saved|spend")
_COST_TEXT = re.compile(
    r"\$\s?\d[\d.,]*\s*(/|per)\s*(request|query|1k|1m|million|thousand|token|hour|month|day|call|answer|run)|"
    r"\bcost\b[^.\n]{0,60}\d|\d[^.\n]{0,40}\bper (1k|1m|million|thousand) tokens|tokens saved",
    re.I,
)


def void_if_simulated(verdict: Verdict, python: PythonSources) -> Verdict:
    """Measurements are not evidence when the project's own code invents them: a verdict that
    credits latency or throughput numbers fails once any non-test module draws such a number from a
    random distribution (the reader cannot tell which numbers came from it)."""
    if verdict.credit <= 0 or not python.simulated:
        return verdict
    path, line = python.simulated[0]
    return failed(
        f"{path}:{line} draws latencies from a random distribution, so the measurements shown are not evidence "
        f"(otherwise: {verdict.detail})",
        Location(path, line),
        *verdict.evidence[:2],
    )


class PerformanceCheck(Check):
    family: ClassVar[str] = PERFORMANCE


class PF1(PerformanceCheck):
    """A latency / throughput benchmark script or target exists"""

    id = "PF1"
    fix = (
        "Add `make bench`: a script that sends N requests at a few concurrency levels and records latency percentiles."
    )

    def check(
        self,
        tasks: Tasks,
        python: PythonSources,
        files: FileIndex,
        pyproject: PyProject | None,
        writeup: list[Markdown],
    ) -> Verdict:
        """There is no way to measure latency or throughput."""
        task = tasks.get(*_BENCH_TASKS)
        if task is not None and (task.commands or task.prerequisites):
            return passed(f"task '{task.name}'", task.location)
        if pyproject is not None:
            for name, target in (pyproject.table("project", "scripts") or {}).items():
                if _BENCH_COMMAND.search(name):
                    location = Location(pyproject.path, pyproject.line_of(name))
                    return passed(f"benchmark command '{name}' ({target})", location)
        timed: list[str] = []
        simulated: list[Location] = []
        for module in python.code:
            if (_BENCH_FILE.search(module.path) or "benchmarks/" in module.path) and module.line_count >= 15:
                if module.simulated:
                    simulated.append(Location(module.path, next(iter(module.simulated.values()))))
                else:
                    timed.append(module.path)
        if timed and simulated:
            return partially_passed(
                0.5,
                f"benchmark script {timed[0]}, but {simulated[0].path} draws its measurements from a random "
                "distribution instead of timing anything",
                Location(timed[0], 1),
                *simulated[:2],
            )
        if timed:
            return passed(f"benchmark script {timed[0]}", Location(timed[0], 1))
        if simulated:
            return failed(
                f"the benchmark script {simulated[0].path} draws its measurements from a random distribution "
                "instead of timing anything",
                *simulated[:3],
            )
        shell = [
            f for f in files if f.suffix in (".js", ".sh") and (_BENCH_FILE.search(f.path) or "benchmarks/" in f.path)
        ]
        if shell:
            return passed(f"load-test script {shell[0].path}", Location(shell[0].path))
        for document in writeup:
            for block in document.code_blocks:
                for offset, line in enumerate(block.lines, start=1):
                    if (tool := _LOAD_GENERATOR.search(line)) is not None and not line.lstrip().startswith("#"):
                        return partially_passed(
                            0.5,
                            f"{document.path} runs the load generator '{tool.group()}' from another project; "
                            "no benchmark script or target of this one",
                            Location(document.path, block.line + offset),
                        )
        return failed("no bench task and no benchmark script")


_BENCH_RESULTS = re.compile(r"bench|latency|load|perf|throughput|sweep", re.I)


class PF2(PerformanceCheck):
    """Benchmark results are committed with percentiles and the hardware they ran on"""

    id = "PF2"
    requires = frozenset({"PF1"})
    fix = "Write results/bench.json with p50/p95/p99 latency and a hardware block (CPU/GPU, driver, library versions)."

    def check(
        self, results: ResultsData, writeup: list[Markdown], reports: list[Markdown], python: PythonSources
    ) -> Verdict:
        """Latency claims without percentiles or without the hardware that produced them."""
        return void_if_simulated(self.judge(results, writeup, reports), python)

    def judge(self, results: ResultsData, writeup: list[Markdown], reports: list[Markdown]) -> Verdict:
        partial: str | None = None
        # a benchmark's own file is the evidence; an eval or ablation that also times itself comes after
        ordered = sorted(results.files, key=lambda f: not _BENCH_RESULTS.search(f.path.rsplit("/", 1)[-1]))
        for found in ordered:
            percentile = found.has_key(_PERCENTILE)
            hardware = found.has_key(_HARDWARE_KEY)
            if percentile and hardware:
                return passed(f"{found.path} has '{percentile}' and '{hardware}'", Location(found.path))
            if percentile:
                partial = f"{found.path} has percentiles but no hardware record"
        for readme in [*writeup, *reports]:
            tables = [
                t
                for t in readme.tables
                if any(_PERCENTILE.search(h) for h in t.header) and any(parse_shown_number(c.text) for c in t.cells())
            ]
            pasted = [
                block.line
                for block in readme.code_blocks
                if any(_PERCENTILE.search(line) and _NUMBER.search(line) for line in block.lines)
            ]
            hardware_lines = readme.find_lines(_HARDWARE_TEXT)
            if (tables or pasted) and hardware_lines:
                return partially_passed(
                    0.5,
                    f"percentiles and hardware appear only in {readme.path}"
                    + ("" if tables else " (as pasted output)")
                    + "; commit them as data",
                    Location(readme.path, tables[0].line if tables else pasted[0]),
                )
        return failed((partial or "no committed benchmark results with p50/p95/p99") + results.void_note())


_NUMBER = re.compile(r"\d+\.\d+|\d{2,}")
_AMOUNT = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _nonzero_amount(text: str) -> bool:
    """A cost sentence states an amount above zero ("$0.00" or "free" is no cost analysis)."""
    return any(float(m.group().replace(",", "")) > 0 for m in _AMOUNT.finditer(text))


class PF3(PerformanceCheck):
    """Cost is analysed (per request, per million tokens, or tokens saved)"""

    id = "PF3"
    fix = "Report cost per request (tokens times price, or GPU-hour cost divided by throughput) in the results and the README."

    def check(self, results: ResultsData, readme: Markdown | None) -> Verdict:
        """No cost figures."""
        zero_only = False
        for found in results.files:
            for key, values in found.keys.items():
                numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
                nested = [n.value for n in found.numbers if _COST_KEY.search(n.key_path.lower())]
                if _COST_KEY.search(key) and (numbers or nested):
                    if any(numbers) or any(nested):  # a cost of 0 everywhere is not an analysis
                        return passed(f"{found.path} records '{key}'", Location(found.path))
                    zero_only = True
        if readme is not None:
            lines = [(n, text) for n, text in readme.find_lines(_COST_TEXT) if _nonzero_amount(text)]
            if lines:
                return passed("README analyses cost", Location(readme.path, lines[0][0]))
            for table in readme.tables:
                if any(_COST_KEY.search(h.lower()) for h in table.header) and any(
                    (shown := parse_shown_number(c.text)) is not None and shown.value > 0 for c in table.cells()
                ):
                    return passed("README cost table", Location(readme.path, table.line))
        if zero_only:
            return failed("every cost figure in the results is 0 (an offline or fake provider costs nothing)")
        return failed("no cost per request / per 1M tokens in the results or README")
