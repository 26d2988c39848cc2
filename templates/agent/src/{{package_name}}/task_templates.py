"""Task templates as data: questions with slots, and the SQL that computes each exact answer.

``evals/task_templates.yaml`` names the table, a seed and the split, and lists templates::

    table: listings
    seed: 7
    examples: 1      # per template: shown to the model as a worked example, never scored
    dev: 0.3         # per template: a share (or a count, if an integer >= 1) of the rest for dev
    templates:
      - id: mean_price_by_borough
        question: "What is the mean nightly price of listings in {borough}, in USD?"
        answer_sql: SELECT avg(price) FROM listings WHERE borough = %(borough)s
        unit: USD
        tolerance: 0.5
        expected_tools: [query_database]
        typed_calls: [{statistic: mean, column: price, filter_column: borough, filter_value: "{borough}"}]
        slots_sql: SELECT DISTINCT borough FROM listings WHERE borough IS NOT NULL
        instances: 12

Slots come from ``slots`` (a list of mappings, taken in their order) or ``slots_sql`` (one row per
instance, column names are slot names; sorted, then shuffled with the seed). ``{name}`` in the
question and in ``typed_calls`` strings, ``%(name)s`` in ``answer_sql``. Each answer is computed by
running ``answer_sql`` on the loaded table (read-only), so it must return one row with one number.
Instances are split in their (shuffled) order: examples first, then dev, the rest held-out test;
the same file and table always give the same tasks.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
import string
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .database import connect
from .dataset import TableSchema
from .errors import UserError
from .typed_tools import AggregateRequest, compose_aggregate
from .weather_db import run_read_only

Scalar = str | int | float | bool
MAX_TEMPLATES, MAX_INSTANCES, MAX_FILE_BYTES = 200, 1000, 1_000_000
KNOWN_TOOLS = ("query_database", "aggregate", "convert_units", "calculate")


class TemplateError(UserError):
    """The task template file is missing, malformed, or a template cannot be expanded."""


class TaskTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    question: str = Field(min_length=1, max_length=500)
    answer_sql: str = Field(min_length=1, max_length=4000)
    unit: str = Field(min_length=1, max_length=24)
    tolerance: float = Field(ge=0)
    expected_tools: list[str] = Field(min_length=1, max_length=8)
    typed_calls: list[dict[str, Scalar | None]] = []
    slots: list[dict[str, Scalar]] | None = None
    slots_sql: str | None = Field(None, max_length=4000)
    instances: int | None = Field(None, ge=1, le=MAX_INSTANCES)

    @model_validator(mode="after")
    def one_slot_source(self) -> TaskTemplate:
        if (self.slots is None) == (self.slots_sql is None):
            raise ValueError("give exactly one of slots (a list) and slots_sql (a query)")
        unknown = [tool for tool in self.expected_tools if tool not in KNOWN_TOOLS]
        if unknown:
            raise ValueError(f"unknown expected tool {unknown[0]!r}; tools: {', '.join(KNOWN_TOOLS)}")
        return self


class TemplateFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    table: str = Field(pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    seed: int = 0
    examples: int = Field(0, ge=0, le=3)
    dev: int | float = 0.3
    templates: list[TaskTemplate] = Field(min_length=1, max_length=MAX_TEMPLATES)

    @model_validator(mode="after")
    def unique_ids(self) -> TemplateFile:
        ids = [t.id for t in self.templates]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"template ids must be unique; repeated: {', '.join(duplicates)}")
        if isinstance(self.dev, float) and not 0 <= self.dev < 1:
            raise ValueError("dev is a share below 1 (0.3) or a count per template (4)")
        return self


def read_templates(path: Path) -> TemplateFile:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise TemplateError(f"{path} is over {MAX_FILE_BYTES // 1000} kB; split it or trim it.")
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TemplateError(
            f"{path} does not exist; write one (see evals/README.md) or run `make tasks-init`."
        ) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise TemplateError(f"{path} is not valid YAML ({first}).") from None
    try:
        return TemplateFile.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "file"
        raise TemplateError(f"{path}: {where}: {error['msg']} ({exc.error_count()} problem(s) in all).") from None


def slot_names(pattern: str) -> set[str]:
    """The ``{name}`` fields of a pattern; attribute and index access is refused."""
    names = set()
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise ValueError(f"{pattern[:60]!r} is not a valid pattern ({exc}); double a brace to write it") from None
    for _text, name, _spec, _conversion in parsed:
        if name is None:
            continue
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ValueError(f"slot {name!r} must be a plain name")
        names.add(name)
    return names


def fill(pattern: str, slots: Mapping[str, Any]) -> str:
    missing = slot_names(pattern) - set(slots)
    if missing:
        raise ValueError(f"no value for slot {sorted(missing)[0]!r}")
    return pattern.format_map(dict(slots))


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def rounded(answer: float) -> float:
    """Four decimals, or six significant digits for answers below 0.01."""
    return round(answer, 4) if abs(answer) >= 0.01 or answer == 0 else float(f"{answer:.6g}")


def split_counts(total: int, examples: int, dev: int | float) -> tuple[int, int]:
    """(examples, dev) instances of a template with ``total``; at least one is left for test when possible."""
    shown = min(examples, max(total - 2, 0))
    rest = total - shown
    wanted = dev if isinstance(dev, int) else round(dev * rest)
    return shown, max(0, min(wanted, rest - 1))


def slot_values(template: TaskTemplate, url: str, seed: int, table: str) -> list[dict[str, Any]]:
    if template.slots is not None:
        values = [dict(v) for v in template.slots]
    else:
        result = run_read_only(
            url, template.slots_sql or "", [], max_rows=MAX_INSTANCES * 10, timeout_ms=10_000, table=table
        )
        values = [{name: plain(cell) for name, cell in zip(result.columns, row, strict=True)} for row in result.rows]
        values.sort(key=lambda v: json.dumps(v, sort_keys=True, default=str))
        random.Random(f"{seed}:{template.id}").shuffle(values)
    return values[: template.instances] if template.instances else values


def exact_answer(url: str, template: TaskTemplate, slots: Mapping[str, Any], table: str) -> float | None:
    """The answer SQL's single number, or None when it yields no value for these slots."""
    result = run_read_only(url, template.answer_sql, dict(slots), max_rows=2, timeout_ms=10_000, table=table)
    if len(result.rows) != 1 or len(result.rows[0]) != 1:
        raise ValueError(f"answer_sql must return one row with one column; it returned {len(result.rows)} row(s)")
    value = result.rows[0][0]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"answer_sql must return a number; it returned {str(value)[:40]!r}")
    return float(value)


def shown_sql(url: str, statement: str, slots: Mapping[str, Any]) -> str:
    """The answer SQL with its parameters bound, for people reading the task file."""
    with connect(url) as conn:
        return psycopg.ClientCursor(conn).mogrify(statement, dict(slots))


def expand(
    spec: TemplateFile,
    url: str,
    table: str,
    warn: Callable[[str], None] = lambda _line: None,
    schema: TableSchema | None = None,
) -> list[dict[str, Any]]:
    """Every template's instances with exact answers from ``url``; skipped instances are reported to ``warn``.

    With ``schema``, every typed call is checked against it the way the aggregate tool checks one."""
    if spec.table != table:
        raise TemplateError(
            f"the templates are for table {spec.table!r} but the loaded table is {table!r}; set `table:` in the file."
        )
    tasks: list[dict[str, Any]] = []
    for template in spec.templates:
        drawn: list[dict[str, Any]] = []
        seen: set[str] = set()
        try:
            for slots in slot_values(template, url, spec.seed, table):
                question = fill(template.question, slots)
                if question in seen:
                    continue
                seen.add(question)
                answer = exact_answer(url, template, slots, table)
                if answer is None:
                    warn(f"{template.id} {json.dumps(slots, default=str)}: answer_sql gave no value; skipped")
                    continue
                calls = [
                    {k: fill(v, slots) if isinstance(v, str) else v for k, v in c.items()} for c in template.typed_calls
                ]
                for call in calls if schema else []:
                    check_typed_call(schema, call)  # type: ignore[arg-type]
                drawn.append(
                    {
                        "question": question,
                        "answer": rounded(answer),
                        "unit": template.unit,
                        "tolerance": template.tolerance,
                        "expected_tools": list(template.expected_tools),
                        "sql": shown_sql(url, template.answer_sql, slots),
                        "table": table,
                        "slots": slots,
                        "typed_calls": calls,
                    }
                )
        except (ValueError, UserError) as exc:
            raise TemplateError(f"template {template.id}: {exc}") from None
        if not drawn:
            raise TemplateError(f"template {template.id} gave no task; check slots and answer_sql.")
        shown, dev = split_counts(len(drawn), spec.examples, spec.dev)
        for index, task in enumerate(drawn):
            task["split"] = "example" if index < shown else "dev" if index < shown + dev else "test"
            task["template"] = template.id
        tasks.extend(drawn)
    for number, task in enumerate(tasks, start=1):
        task["id"] = f"{task['template']}-{number:03d}"
    return tasks


def check_typed_call(schema: TableSchema, call: Mapping[str, Any]) -> None:
    """ValueError unless ``call`` is a request the aggregate tool would accept for ``schema``."""
    try:
        request = AggregateRequest(**call)
    except TypeError:
        allowed = ", ".join(f.name for f in dataclasses.fields(AggregateRequest))
        raise ValueError(f"typed_calls {dict(call)} has an unknown argument; arguments: {allowed}") from None
    compose_aggregate(schema, request)


TASK_KEYS = (
    "id", "split", "template", "question", "answer", "unit", "tolerance", "expected_tools", "sql", "table", "slots",
    "typed_calls",
)  # fmt: skip


def write_tasks(tasks: list[dict[str, Any]], path: Path) -> dict[str, int]:
    """Write the task file atomically; returns the count per split."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".jsonl.partial")
    with partial.open("w", encoding="utf-8") as handle:
        for task in tasks:
            handle.write(json.dumps({key: task[key] for key in TASK_KEYS}, ensure_ascii=False, default=str) + "\n")
    partial.replace(path)
    return {split: sum(t["split"] == split for t in tasks) for split in ("example", "dev", "test")}
