"""Held-out task evaluation: task success, tool-call accuracy, steps, tokens, cost, latency."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .agent import Agent, RunRecord
from .errors import UserError
from .faults import FaultInjector
from .results import Gate
from .runtime import Runtime
from .stats import summarize
from .tasks import Task, TaskFileError


def is_correct(task: Task, record: RunRecord) -> bool:
    if record.status != "answered" or record.answer is None:
        return False
    allowed = max(task.tolerance, 0.01 * abs(task.answer))
    return abs(float(record.answer["answer"]) - task.answer) <= allowed + 1e-9


# A lookup is a lookup: an aggregate call does the work an expected query_database call does.
LOOKUP_EQUIVALENT = {"aggregate": "query_database"}


def called_tools(record: RunRecord) -> list[str]:
    """Names of the tool calls that succeeded, in order (failed attempts are not choices that count)."""
    return [call["name"] for call in record.tool_calls if call["ok"]]


def tool_match(task: Task, record: RunRecord) -> tuple[int, int, int]:
    """(true positives, predicted, expected) over tool names as multisets, lookups counted as one kind."""
    predicted = Counter(LOOKUP_EQUIVALENT.get(name, name) for name in called_tools(record))
    expected = Counter(LOOKUP_EQUIVALENT.get(name, name) for name in task.expected_tools)
    return sum((predicted & expected).values()), sum(predicted.values()), sum(expected.values())


def cost_usd(prices: Mapping[str, Any], model: str, input_tokens: int, output_tokens: int) -> float:
    price = prices.get(model, {})
    return (
        input_tokens * float(price.get("input_per_mtok", 0.0))
        + output_tokens * float(price.get("output_per_mtok", 0.0))
    ) / 1_000_000


def load_prices(path: Path) -> dict[str, Any]:
    try:
        prices: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except json.JSONDecodeError as exc:
        raise TaskFileError(f"{path} is not valid JSON ({exc.msg}).") from None
    return {name: value for name, value in prices.items() if not name.startswith("_")}


def subset(tasks: Sequence[Task], limit: int | None) -> list[Task]:
    """``limit`` evenly spaced tasks (every template stays represented); all of them without a limit."""
    if not limit or limit >= len(tasks):
        return list(tasks)
    return [tasks[i * len(tasks) // limit] for i in range(limit)]


def run_tasks(agent: Agent, tasks: Sequence[Task], advance: Callable[[], None] = lambda: None) -> list[RunRecord]:
    records = []
    for task in tasks:
        records.append(agent.run(task.question))
        advance()
    return records


def score(
    tasks: Sequence[Task], records: Sequence[RunRecord], *, model: str, prices: Mapping[str, Any]
) -> dict[str, Any]:
    n = len(tasks)
    correct = [is_correct(t, r) for t, r in zip(tasks, records, strict=True)]
    tp = predicted = expected = 0
    sequence_hits = 0
    for task, record in zip(tasks, records, strict=True):
        hit, pred, exp = tool_match(task, record)
        tp, predicted, expected = tp + hit, predicted + pred, expected + exp
        sequence_hits += [LOOKUP_EQUIVALENT.get(n, n) for n in called_tools(record)] == [
            LOOKUP_EQUIVALENT.get(n, n) for n in task.expected_tools
        ]
    precision = tp / predicted if predicted else 0.0
    recall = tp / expected if expected else 0.0
    input_tokens = sum(r.input_tokens for r in records)
    output_tokens = sum(r.output_tokens for r in records)
    by_template: dict[str, list[bool]] = {}
    for task, ok in zip(tasks, correct, strict=True):
        by_template.setdefault(task.template, []).append(ok)
    return {
        "tasks": n,
        "success_rate": sum(correct) / n,
        "answered_rate": sum(r.status == "answered" for r in records) / n,
        "status": dict(Counter(r.status for r in records)),
        "tool_precision": precision,
        "tool_recall": recall,
        "tool_f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "tool_sequence_accuracy": sequence_hits / n,
        "steps": summarize([float(len(r.steps)) for r in records]),
        "tokens": {"input": input_tokens, "output": output_tokens, "per_task": (input_tokens + output_tokens) / n},
        "cost_usd": {
            "total": cost_usd(prices, model, input_tokens, output_tokens),
            "per_1k_tasks_at": {
                name: 1000 / n * cost_usd(prices, name, input_tokens, output_tokens) for name in prices
            },
        },
        "latency_ms": summarize([r.latency_s * 1000 for r in records]),
        "failures": dict(Counter(f["kind"] for r in records for f in r.failures)),
        "retries": len([x for r in records for x in r.retries]),
        "success_by_template": {name: sum(oks) / len(oks) for name, oks in sorted(by_template.items())},
    }


def case_rows(mode: str, tasks: Iterable[Task], records: Iterable[RunRecord]) -> list[dict[str, Any]]:
    return [
        {
            "mode": mode,
            "id": t.id,
            "question": t.question,
            "expected": t.answer,
            "unit": t.unit,
            "correct": is_correct(t, r),
            "expected_tools": list(t.expected_tools),
            "called_tools": called_tools(r),
            **r.to_dict(),
        }
        for t, r in zip(tasks, records, strict=True)
    ]


GATED = ("success_rate", "tool_f1", "answered_rate")


# `make gate` / `make baseline`: each gated rate, without and with faults, may drop by 0.05 (absolute).
GATE = Gate(
    "eval",
    snapshot=lambda metrics: {
        f"{mode}.{key}": float(metrics[mode][key]) for mode in ("clean", "faults") if mode in metrics for key in GATED
    },
    tolerance=0.05,
)


@dataclass(frozen=True)
class Variant:
    """One ablation arm: settings changed from the configured defaults, with or without faults."""

    name: str
    change: str
    overrides: Mapping[str, Any]
    faults: bool
    compared_with: str | None = None


TOOL_SETS = {
    "sql": "free SQL (query_database)",
    "typed": "typed tools (aggregate, enums from the schema)",
    "both": "typed tools first, free SQL as fallback",
}


def ablation_variants(tool_policy: str, tool_set: str = "sql") -> list[Variant]:
    """One change at a time, each against its own reference arm.

    The other tool policy shows what the router is worth; the other tool sets show what typing the
    lookup to the table's schema is worth; turning retries off under the same faults shows what the
    failure handling is worth.
    """
    other = "auto" if tool_policy == "routed" else "routed"
    tool_arms = [
        Variant(f"tools {name}", f"TOOL_SET={name}: {what}", {"tool_set": name}, False, "baseline")
        for name, what in TOOL_SETS.items()
        if name != tool_set
    ]
    return [
        Variant("baseline", f"configured defaults (tool policy {tool_policy}, tools {tool_set}), no faults", {}, False),
        Variant(f"tool policy {other}", f"TOOL_POLICY={other}", {"tool_policy": other}, False, "baseline"),
        *tool_arms,
        Variant("faults", "configured defaults with injected faults", {}, True),
        Variant(
            "faults, no retries",
            "TOOL_MAX_RETRIES=0, LLM_MAX_RETRIES=0, same faults",
            {"tool_max_retries": 0, "llm_max_retries": 0},
            True,
            "faults",
        ),
    ]


def compare_arms(arms: dict[str, dict[str, Any]]) -> None:
    """Add to every arm its change in the gated metrics against its reference arm (None for references)."""
    for arm in arms.values():
        reference = arms.get(arm["compared_with"] or "")
        arm["delta"] = {key: arm["metrics"][key] - reference["metrics"][key] for key in GATED} if reference else None


Progress = Callable[[int, "int | None"], None]


def evaluate(
    runtime: Runtime, tasks: Sequence[Task], spec: str, progress: Callable[[str], Progress]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The tasks without faults, then (when the fault ``spec`` names any) with them: metrics and case
    rows. ``progress(mode)`` gives the update function for one pass."""
    settings = runtime.settings
    prices = load_prices(settings.prices_path)
    injector = FaultInjector.parse(spec, settings.fault_rate, settings.fault_seed)
    metrics: dict[str, Any] = {}
    cases: list[dict[str, Any]] = []
    for mode, faults in [("clean", None), *([("faults", injector)] if injector.active else [])]:
        update = progress(mode)
        records = run_tasks(runtime.agent(faults), tasks, counter(update, len(tasks)))
        metrics[mode] = score(tasks, records, model=settings.llm_model, prices=prices)
        cases.extend(case_rows(mode, tasks, records))
    if injector.active:
        metrics["faults"].update(spec=spec, rate=settings.fault_rate, injected=dict(injector.injected))
    return metrics, cases


def run_ablation(
    runtime: Runtime, tasks: Sequence[Task], spec: str, progress: Callable[[str], Progress]
) -> dict[str, Any]:
    """Every arm of ``ablation_variants`` on the same tasks, each compared with its reference arm."""
    settings = runtime.settings
    prices = load_prices(settings.prices_path)
    if not FaultInjector.parse(spec, settings.fault_rate, settings.fault_seed).active:
        raise UserError("the ablation compares retries on and off under faults; FAULTS must name a fault.")
    arms: dict[str, Any] = {}
    for variant in ablation_variants(settings.tool_policy, settings.tool_set):
        arm = dataclasses.replace(runtime, settings=settings.model_copy(update=dict(variant.overrides)))
        # Every faulty arm gets the same seed, so arms differ by their change, not by their luck.
        injector = FaultInjector.parse(spec, settings.fault_rate, settings.fault_seed) if variant.faults else None
        records = run_tasks(arm.agent(injector), tasks, counter(progress(variant.name), len(tasks)))
        arms[variant.name] = {
            "change": variant.change,
            "tool_set": arm.settings.tool_set,
            "compared_with": variant.compared_with,
            "faults": dict(injector.injected) if injector else None,
            "metrics": score(tasks, records, model=settings.llm_model, prices=prices),
        }
    compare_arms(arms)
    return arms


def counter(update: Progress, total: int) -> Callable[[], None]:
    """An ``advance()`` for ``run_tasks`` that reports done/total to ``update``."""
    done = 0

    def advance() -> None:
        nonlocal done
        done += 1
        update(done, total)

    return advance
