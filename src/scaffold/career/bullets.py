"""Resume bullets for a repository, each claim backed by evidence and each number by a results file.

A bullet is a sequence of words and :class:`Figure` objects. A figure is a number exactly as a
committed results file holds it, with that file and the key path inside it; it is printed rounded
(three decimals for scores, whole milliseconds for latencies) and never computed from other
numbers. Components are named only where the code, the dependencies or the infrastructure files
show them (`scaffold.check.evidence.vocabulary`), never because a README says so.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold.check.evidence import Repository
from scaffold.check.evidence.catalog import BUZZWORDS
from scaffold.check.evidence.results import ResultsFile
from scaffold.check.evidence.vocabulary import Tool, evidence, vocabulary
from scaffold.check.model import Location

_QUALITY = re.compile(
    r"^(hit|recall|precision|ndcg|map|mrr|success_rate|task_success(_rate)?|accuracy|exact_match|f1|"
    r"faithfulness|answer_relevancy|answer_correctness|context_recall|context_precision|pass_rate|"
    r"pass@\d+|win_rate|tool_f1)(@\d+|_at_\d+)?$",
    re.I,
)
_QUALITY_ORDER = ("success_rate", "ndcg@10", "hit@5", "mrr", "recall@5", "accuracy", "f1", "exact_match")
_PERCENTILE = re.compile(r"^(p50|p90|p95|p99|median)$|^(p50|p90|p95|p99)(?:_([a-z0-9]+?))?_(ms|s)$", re.I)
_LATENCY_PARENT = re.compile(r"(latency|ttft|e2el|e2e|itl|tpot|_ms$|_s$|response_time)", re.I)
_TOKEN_THROUGHPUT = re.compile(
    r"^(output_|total_)?(token_)?throughput(_tok(en)?s?_s)?$|^(output_)?tok(en)?s?_(per_)?s$"
)
_REQUEST_THROUGHPUT = re.compile(r"^request_throughput$|^req(uest)?s?_(per_)?s$|^[rq]ps$")
_LEVEL_KEYS = ("concurrency", "level", "batch_size", "max_concurrency")
_DATASET_PARENT = re.compile(r"^(dataset|corpus|data)$", re.I)
_DATASET_COUNT = re.compile(r"^(documents|docs|pages|chunks|rows|records|articles|passages|tables)$", re.I)
_ARM_LABELS = ("name", "arm", "variant", "strategy", "mode", "chunking", "retrieval", "engine", "model", "config")
_SKIP_PARENTS = re.compile(r"(^|\.)(run|config|hardware|baseline_file|tolerance)(\.|$)")
_COMPONENT_CATEGORIES = (
    "vector store",
    "database",
    "embedding model",
    "retrieval",
    "orchestration",
    "agent framework",
    "serving engine",
    "API framework",
)
_PURPOSE = {
    "rag": "a retrieval-augmented question-answering service",
    "agent": "a tool-using LLM agent",
    "serving": "an LLM serving benchmark",
}


@dataclass(frozen=True)
class Figure:
    """A number from a committed results file: the value as stored, where, and how it is shown."""

    value: float
    source: str
    key: str
    label: str
    unit: str = ""

    @property
    def shown(self) -> str:
        if self.unit == "ms":
            return f"{self.value:,.0f} ms" if abs(self.value) >= 10 else f"{self.value:.1f} ms"
        if self.unit == "s":
            return f"{self.value:.2f} s"
        if float(self.value).is_integer() and abs(self.value) >= 1:
            return f"{int(self.value):,}{self.unit}"
        if abs(self.value) < 1:
            return f"{self.value:.3f}{self.unit}"
        return f"{self.value:,.1f}{self.unit}"


@dataclass
class Bullet:
    parts: list[str | Figure]
    evidence: list[Location] = field(default_factory=list)

    @property
    def figures(self) -> list[Figure]:
        return [part for part in self.parts if isinstance(part, Figure)]

    def text(self, mark: Any = None) -> str:
        """The sentence; ``mark(figure)`` may add a footnote reference after each figure."""
        out = []
        for part in self.parts:
            if isinstance(part, Figure):
                out.append(part.shown + (mark(part) if mark else ""))
            else:
                out.append(part)
        return "".join(out)


@dataclass
class BulletReport:
    root: Path
    bullets: list[Bullet]
    missing: list[str]
    """What would add numbers: the make targets (or the change) that write the results."""


def _numbers(results: ResultsFile) -> Iterator[tuple[str, float]]:
    for number in results.numbers:
        if number.key_path.endswith("(key)"):
            continue
        if math.isfinite(number.value):
            yield number.key_path, number.value


def _last(key_path: str) -> tuple[str, str]:
    parts = key_path.split(".")
    return parts[-1], parts[-2] if len(parts) > 1 else ""


def _is_subset(results: ResultsFile) -> bool:
    run = results.data.get("run") if isinstance(results.data, dict) else None
    return isinstance(run, dict) and bool(run.get("sample"))


def _quality(results: ResultsFile) -> list[Figure]:
    """Headline scores: shallow keys first, in the preferred order, one per metric name."""
    found: dict[str, Figure] = {}
    for key_path, value in sorted(_numbers(results), key=lambda item: item[0].count(".")):
        name, _ = _last(key_path)
        if not _QUALITY.match(name) or _SKIP_PARENTS.search(key_path) or not 0 <= value <= 1:
            continue
        found.setdefault(name.lower(), Figure(value, results.path, key_path, _label(name)))
    ordered = [found[name] for name in _QUALITY_ORDER if name in found]
    ordered += [figure for name, figure in found.items() if name not in _QUALITY_ORDER]
    return ordered


def _label(name: str) -> str:
    name = re.sub(r"_at_(\d+)$", r"@\1", name)
    return {
        "mrr": "MRR",
        "ndcg@10": "nDCG@10",
        "success_rate": "task success",
        "f1": "F1",
        "tool_f1": "tool-choice F1",
    }.get(name.lower(), name.replace("_", " "))


def _latencies(results: ResultsFile) -> list[Figure]:
    found: list[Figure] = []
    for key_path, value in _numbers(results):
        name, _ = _last(key_path)
        match = _PERCENTILE.match(name)
        if not match or _SKIP_PARENTS.search(key_path):
            continue
        unit = (match.group(4) or "").lower()
        if not unit:
            context = key_path.rsplit(".", 1)[0]
            if not _LATENCY_PARENT.search(context):
                continue
            unit = "s" if re.search(r"_s(\.|$)", context) else "ms"
        percentile = (match.group(1) or match.group(2)).lower().replace("median", "p50")
        what = match.group(3) or next(
            (p for p in reversed(key_path.split(".")[:-1]) if not p.isdigit() and p != "percentiles"), ""
        )
        found.append(Figure(value, results.path, key_path, f"{percentile} {_latency_name(what)}".strip(), unit))
    return found


def _latency_name(parent: str) -> str:
    parent = parent.lower()
    for token, name in (
        ("ttft", "time to first token"),
        ("e2e", "end-to-end latency"),
        ("end_to_end", "end-to-end latency"),
        ("tpot", "time per token"),
        ("itl", "inter-token latency"),
    ):
        if token in parent:
            return name
    if parent in ("", "latency", "latency_ms", "latency_s", "percentiles") or re.search(r"\d$", parent):
        return "latency"  # a bare or per-level table (``concurrency_1``, ``points.0``)
    stage = re.sub(r"_(ms|s)$", "", parent).replace("_", " ")
    return f"{stage} latency" if "latency" not in stage else stage


# Which measured stage a bullet quotes first: what a user waits for, then the first token.
_STAGE_PREFERENCE = ("end-to-end", "time to first token", "latency")


def _stage_rank(figure: Figure) -> int:
    name = figure.label.split(" ", 1)[1] if " " in figure.label else ""
    return next(
        (rank for rank, stage in enumerate(_STAGE_PREFERENCE) if name.startswith(stage)), len(_STAGE_PREFERENCE)
    )


def _dataset(results: ResultsFile) -> list[Figure]:
    found: dict[str, Figure] = {}
    for key_path, value in _numbers(results):
        name, parent = _last(key_path)
        if _DATASET_PARENT.match(parent) and _DATASET_COUNT.match(name) and value >= 1:
            found.setdefault(name.lower(), Figure(value, results.path, key_path, name.lower()))
    return list(found.values())


def _arms(results: ResultsFile, metric: str) -> list[tuple[str, Figure]]:
    """Configurations compared in one file: a list of records sharing ``metric``."""

    def walk(node: Any, path: str) -> Iterator[tuple[str, Any]]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, f"{path}{key}.")
        elif isinstance(node, list):
            if sum(isinstance(item, dict) and metric in item for item in node) >= 2:
                yield path, node
            for position, value in enumerate(node):
                yield from walk(value, f"{path}{position}.")

    for path, records in walk(results.data, ""):
        arms = []
        for position, record in enumerate(records):
            value = record.get(metric) if isinstance(record, dict) else None
            if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
                label = " + ".join(str(record[k]) for k in _ARM_LABELS if isinstance(record.get(k), str))
                arms.append(
                    (label or f"#{position}", Figure(value, results.path, f"{path}{position}.{metric}", _label(metric)))
                )
        if len(arms) >= 2:
            return arms
    return []


class _Gather:
    def __init__(self, root: Path) -> None:
        self.repository = Repository(root)
        self.results = [r for r in self.repository.results.files if not _is_subset(r)]

    def tool_evidence(self, tool: Tool) -> list[Location]:
        return evidence(tool, self.repository)

    def components(self, categories: tuple[str, ...]) -> list[tuple[Tool, list[Location]]]:
        found = []
        for category in categories:
            for tool in vocabulary():
                if tool.category == category:
                    where = self.tool_evidence(tool)
                    if where:
                        found.append((tool, where))
        return found

    def _run(self) -> Iterator[tuple[ResultsFile, dict[str, Any]]]:
        for results in self.named("eval", "bench") + self.results:
            if isinstance(results.data, dict) and isinstance(results.data.get("run"), dict):
                yield results, results.data["run"]

    def models(self) -> dict[str, tuple[str, Location]]:
        """Model names recorded with the results (``run.models``, ``run.config.model``)."""
        for results, run in self._run():
            found: dict[str, tuple[str, Location]] = {}
            models: dict[str, Any] = run["models"] if isinstance(run.get("models"), dict) else {}
            config: dict[str, Any] = run["config"] if isinstance(run.get("config"), dict) else {}
            for role, keys in (("embedding", ("embedding", "embedder")), ("llm", ("llm", "model", "generator"))):
                for key, table, prefix in [(k, models, "run.models") for k in keys] + [
                    (k, config, "run.config") for k in keys
                ]:
                    value = table.get(key)
                    if isinstance(value, str) and value.strip() and len(value) < 120 and role not in found:
                        found[role] = (value.strip(), Location(f"{results.path} ({prefix}.{key})"))
            if found:
                return found
        return {}

    def dataset_name(self) -> tuple[str, Location] | None:
        """The dataset's name where the results record one (``dataset.name``, ``corpus.name``)."""
        for results in self.results:
            for key, values in results.keys.items():
                if key not in ("dataset", "corpus"):
                    continue
                for value in values:
                    name = value.get("name") if isinstance(value, dict) else value
                    if isinstance(name, str) and 0 < len(name.strip()) <= 100:
                        return name.strip(), Location(f"{results.path} ({key}.name)")
        return None

    def hardware(self) -> tuple[str, Location] | None:
        """The GPU the results were measured on, when they name one."""
        for results, run in self._run():
            hardware: dict[str, Any] = run["hardware"] if isinstance(run.get("hardware"), dict) else {}
            gpu = hardware.get("gpu")
            names = (
                [gpu]
                if isinstance(gpu, str)
                else [g.get("name") if isinstance(g, dict) else g for g in gpu or []]
                if isinstance(gpu, list)
                else []
            )
            names = [str(name) for name in names if name]
            if names:
                return names[0], Location(f"{results.path} (run.hardware.gpu)")
        return None

    def named(self, *patterns: str) -> list[ResultsFile]:
        return [r for r in self.results if any(p in Path(r.path).name.lower() for p in patterns)]

    def target(self, *names: str) -> str | None:
        task = self.repository.tasks.get(*names)
        return task.name if task else None


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _figures(figures: list[Figure]) -> list[str | Figure]:
    parts: list[str | Figure] = []
    for position, figure in enumerate(figures):
        parts += [", " if position else "", f"{figure.label} ", figure]
    return parts


def _built(gather: _Gather) -> Bullet:
    tracks = [t for t in ("rag", "agent", "serving") if t in gather.repository.tracks.detected]
    purpose = _join([_PURPOSE[t] for t in tracks]) or "a Python project"
    parts: list[str | Figure] = [f"Built {purpose}"]
    dataset = next((d for r in gather.results if (d := _dataset(r))), [])
    name = gather.dataset_name()
    if dataset:
        parts += [" over "]
        for position, figure in enumerate(dataset[:2]):
            parts += [" (" if position else "", figure, f" {figure.label}", ")" if position else ""]
        if name:
            parts.append(f" of {name[0]}")
    elif name:
        parts.append(f" over {name[0]}")
    components = gather.components(_COMPONENT_CATEGORIES)
    models = gather.models()
    where: list[Location] = []
    names = []
    for tool, locations in components[:5]:
        if tool.category == "embedding model" and "embedding" in models:
            names.append(f"{models['embedding'][0]} embeddings")
            where.append(models["embedding"][1])
        else:
            names.append(tool.name)
        where.append(locations[0])
    if "llm" in models and not any(models["llm"][0] in name for name in names):
        names.append(models["llm"][0])
        where.append(models["llm"][1])
    if names:
        parts.append(f" with {_join(names)}")
    gpu = gather.hardware()
    if gpu:
        parts.append(f", measured on {gpu[0]}")
        where.append(gpu[1])
    parts.append(".")
    return Bullet(parts, where)


_HELD_OUT = ("test", "held-out", "heldout", "holdout", "held_out")


def _cases(results: ResultsFile) -> Figure | None:
    """How many cases the run scored (``cases``, ``tasks`` or ``n``), at the shallowest key."""
    for key_path, value in sorted(_numbers(results), key=lambda item: item[0].count(".")):
        name, _ = _last(key_path)
        counted = name in ("cases", "tasks", "n_cases", "num_cases") and value >= 1 and float(value).is_integer()
        if counted and not _SKIP_PARENTS.search(key_path):
            return Figure(value, results.path, key_path, "cases")
    return None


def _counted(path: str, cases: int) -> Figure:
    """A count the checker made itself: the distinct records of an eval-set file."""
    return Figure(float(cases), path, "(distinct records)", "cases")


def _evaluated(gather: _Gather) -> tuple[Bullet | None, str | None]:
    largest = gather.repository.eval_sets.largest()
    evaluations = gather.named("eval") or [r for r in gather.results if _quality(r)]
    scored = next(((r, q) for r in evaluations if (q := _quality(r))), None)
    frameworks = [tool.name for tool, _ in gather.components(("eval framework",))]
    if scored is None:
        if set(gather.repository.tracks.detected) == {"serving"}:
            return None, None  # a serving benchmark's prompts are its workload, not an eval set
        if largest is None:
            return (
                None,
                "no eval set and no results: commit an eval set under evals/ and a `make eval` "
                "that writes results/eval.json",
            )
        hint = f"`make {gather.target('eval')}`" if gather.target("eval") else "an eval command"
        wrote: list[str | Figure] = ["Wrote an evaluation set of ", _counted(largest.path, largest.cases)]
        wrote.append(f" cases ({largest.path}).")
        return Bullet(wrote, [Location(largest.path)]), f"no committed eval results: run {hint} and commit results/"
    results, quality = scored
    parts: list[str | Figure] = ["Evaluated"]
    if largest is not None:
        splits = {name for name, count in largest.splits.items() if count}
        held_out = len(splits) >= 2 and bool(splits & set(_HELD_OUT))
        cases = _cases(results)
        split_note = f", split into {'/'.join(sorted(splits))}" if held_out else ""
        # "held-out" only for a count that is the test split's size; a whole-set count is just cases
        test_size = next((largest.splits[name] for name in _HELD_OUT if largest.splits.get(name)), None)
        quoted = cases if cases is not None and cases.value == test_size else None
        parts += [" on ", quoted or _counted(largest.path, largest.cases)]
        parts.append(f" {'held-out ' if quoted else ''}cases ({largest.path}{split_note})")
    if frameworks:
        parts.append(f" with {_join(frameworks)}")
    parts.append(": ")
    parts += _figures(quality[:3])
    parts.append(".")
    return Bullet(parts, [Location(results.path)]), None


def _compared(gather: _Gather) -> Bullet | None:
    for results in gather.named("ablation", "comparison", "sweep", "variants") or gather.results:
        quality = _quality(results)
        for figure in quality[:3]:
            metric = figure.key.rsplit(".", 1)[-1]
            arms = _arms(results, metric)
            if len(arms) < 2:
                continue
            (base_label, base), (best_label, best) = arms[0], max(arms, key=lambda arm: arm[1].value)
            if best is base:
                text: list[str | Figure] = [
                    f"Compared configurations ({results.path}); the first, {base_label}, stayed best at {base.label} ",
                    base,
                    ".",
                ]
            else:
                text = [
                    f"Compared configurations ({results.path}): {best_label} reached {best.label} ",
                    best,
                    " against ",
                    base,
                    f" for {base_label}.",
                ]
            return Bullet(text, [Location(results.path)])
    return None


def _throughput(name: str) -> tuple[str, str] | tuple[()]:
    name = name.lower()
    if _TOKEN_THROUGHPUT.match(name) and name not in ("throughput",):
        return (
            "output throughput" if "output" in name or name.startswith("throughput") else "token throughput",
            " tokens/s",
        )
    if _REQUEST_THROUGHPUT.match(name):
        return ("request throughput", " requests/s")
    return ()


def _levels(results: ResultsFile) -> list[Figure]:
    """The load levels a sweep ran (concurrency or batch size), each a figure from the file."""
    levels: dict[float, Figure] = {}
    for key_path, value in _numbers(results):
        name, parent = _last(key_path)
        if name in _LEVEL_KEYS and parent.isdigit() and not _SKIP_PARENTS.search(key_path):
            label = "concurrency" if name in ("level", "max_concurrency") else name.replace("_", " ")
            levels.setdefault(value, Figure(value, results.path, key_path, label))
    return [levels[value] for value in sorted(levels)]


def _same_record(a: str, b: str) -> bool:
    """Whether two key paths lie in the same element of a list (``points.0.level``, ``points.0.ttft_ms.p95``)."""
    head_a, head_b = a.split("."), b.split(".")
    index = next((i for i, part in enumerate(head_a) if part.isdigit()), None)
    return index is not None and head_a[: index + 1] == head_b[: index + 1]


def _benchmarked(gather: _Gather) -> tuple[Bullet | None, str | None]:
    benches = gather.named("bench", "latency", "load", "sweep")
    for results in benches + [r for r in gather.results if r not in benches]:
        latencies = sorted(_latencies(results), key=_stage_rank)  # stable: file order within a stage
        if latencies:
            stage = latencies[0].key.rsplit(".", 1)[0].removesuffix(".percentiles")
            latencies = [
                f for f in latencies if f.key.rsplit(".", 1)[0].removesuffix(".percentiles") == stage
            ] or latencies
        p50 = [f for f in latencies if f.label.startswith("p50")]
        p95 = [f for f in latencies if f.label.startswith(("p95", "p99"))]
        if not p95:
            continue
        levels = _levels(results)
        during_eval = results not in benches
        parts: list[str | Figure] = ["Measured answer latency during the eval" if during_eval else "Benchmarked"]
        if len(levels) >= 2:
            parts.append(f" {levels[0].label} levels ")
            for position, level in enumerate(levels):
                parts += [", " if position else "", level]
        parts.append(f" ({results.path}): ")
        chosen = [p50[0], p95[0]] if p50 else [p95[0]]
        parts += _figures(chosen)
        at = next((lv for lv in levels if _same_record(lv.key, chosen[-1].key)), None)
        if at is not None:
            parts += [f" at {at.label} ", at]
        throughput = [
            Figure(v, results.path, k, *_throughput(_last(k)[0]))
            for k, v in _numbers(results)
            if _throughput(_last(k)[0]) and not _SKIP_PARENTS.search(k)
        ]
        if throughput:
            best = max(throughput, key=lambda f: (f.unit, f.value))
            parts += [f"; peak {best.label} ", best]
        parts.append(".")
        target = gather.target("bench")
        hint = f"no committed benchmark: run `make {target}` and commit results/" if during_eval and target else None
        return Bullet(parts, [Location(results.path)]), hint
    target = gather.target("bench")
    if target:
        return None, f"no committed benchmark: run `make {target}` and commit results/"
    return None, "no benchmark: add a `make bench` that writes results/bench.json"


def _shipped(gather: _Gather) -> Bullet | None:
    pieces: list[str] = []
    where: list[Location] = []
    observability = gather.components(("observability",))
    if observability:
        names = [tool.name for tool, _ in observability]
        first = f"{names[0]} tracing" if names[0] == "OpenTelemetry" else names[0]
        pieces.append(first + (f" (viewed in {_join(names[1:])})" if len(names) > 1 else ""))
        where += [locations[0] for _, locations in observability]
    for tool, locations in gather.components(("deployment",)):
        pieces.append(f"a {tool.name} image" if tool.name == "Docker" else f"{tool.name} manifests")
        where.append(locations[0])
    ci = gather.repository.ci
    if ci.files:
        gate = ci.matching(re.compile(r"\bmake\s+(gate|eval)\b|\beval", re.I))
        pieces.append("CI that runs the tests" + (" and the eval regression gate" if gate else ""))
        where.append(Location(ci.files[0]))
    if not pieces:
        return None
    return Bullet(
        [f"Shipped it with {', '.join(pieces[:-1]) + ', and ' + pieces[-1] if len(pieces) > 2 else _join(pieces)}."],
        where,
    )


def bullets(root: Path) -> BulletReport:
    """Three to five bullets for the repository at ``root`` and what would add numbers to them."""
    gather = _Gather(root)
    found: list[Bullet] = [_built(gather)]
    missing: list[str] = []
    steps = (_evaluated(gather), (_compared(gather), None), _benchmarked(gather), (_shipped(gather), None))
    for bullet, hint in steps:
        if bullet:
            found.append(bullet)
        if hint:
            missing.append(hint)
    for bullet in found:
        assert not BUZZWORDS.search(bullet.text()), bullet.text()
    return BulletReport(root, found[:5], missing)


def _footnotes(report: BulletReport) -> dict[tuple[str, str], int]:
    numbering: dict[tuple[str, str], int] = {}
    for bullet in report.bullets:
        for figure in bullet.figures:
            numbering.setdefault((figure.source, figure.key), len(numbering) + 1)
    return numbering


def _value(figure: Figure) -> str:
    return repr(int(figure.value)) if float(figure.value).is_integer() else repr(figure.value)


def render_text(report: BulletReport) -> str:
    numbering = _footnotes(report)
    lines = [f"- {b.text(lambda f: f' [{numbering[(f.source, f.key)]}]')}" for b in report.bullets]
    if numbering:
        lines += ["", "Numbers from:"]
        figures = {(f.source, f.key): f for b in report.bullets for f in b.figures}
        lines += [
            f"  [{n}] {source}: {key} = {_value(figures[(source, key)])}" for (source, key), n in numbering.items()
        ]
    lines += [f"Missing: {line}" for line in report.missing]
    return "\n".join(lines) + "\n"


def render_markdown(report: BulletReport) -> str:
    from scaffold.check.report import markdown_text

    numbering = _footnotes(report)
    lines = []
    for bullet in report.bullets:
        pieces = []
        for part in bullet.parts:
            if isinstance(part, Figure):
                pieces.append(f"{markdown_text(part.shown)}[^{numbering[(part.source, part.key)]}]")
            else:
                pieces.append(markdown_text(part))
        lines.append("- " + "".join(pieces))
    figures = {(f.source, f.key): f for b in report.bullets for f in b.figures}
    if numbering:
        lines.append("")
        lines += [
            f"[^{n}]: {markdown_text(source)}, key {markdown_text(key)} = {_value(figures[(source, key)])}"
            for (source, key), n in numbering.items()
        ]
    if report.missing:
        lines.append("")
        lines += [f"> Missing: {markdown_text(line)}" for line in report.missing]
    return "\n".join(lines) + "\n"


def _template(bullet: Bullet) -> str:
    """The sentence with ``{n}`` where the n-th number goes: every digit left is part of a name."""
    figures = iter(range(len(bullet.figures)))
    return "".join(f"{{{next(figures)}}}" if isinstance(part, Figure) else part for part in bullet.parts)


def to_data(report: BulletReport) -> dict[str, Any]:
    return {
        "path": str(report.root),
        "bullets": [
            {
                "text": bullet.text(),
                "template": _template(bullet),
                "numbers": [
                    {"value": f.value, "shown": f.shown, "label": f.label, "source": f.source, "key": f.key}
                    for f in bullet.figures
                ],
                "evidence": [str(location) for location in bullet.evidence],
            }
            for bullet in report.bullets
        ],
        "missing": report.missing,
    }
