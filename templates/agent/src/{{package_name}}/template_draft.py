"""A first draft of task templates for the loaded table, written from its columns alone.

The draft asks what a table of this shape can answer exactly: a statistic of a numeric column for
each label of a low-cardinality column, row counts per label, and totals per month when the table
has a date column. It knows nothing of what the data means, so the questions read mechanically;
rewrite them in the words of whoever would ask, delete what nobody would ask, add what they would,
then run `make tasks`. Every answer is still computed by the SQL, never by the draft.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .dataset import CardColumn, TableSchema
from .errors import UserError

MAX_NUMERIC, MAX_LABELS, INSTANCES = 3, 2, 12
_HEADER = """\
# Task templates for table {table}: drafted by `make tasks-init` from the columns; edit freely.
# question: the question, with {slot} fields; answer_sql: the exact answer, with %(slot)s parameters
# (one row, one number; write a literal % as %%); unit and tolerance: how the answer is scored;
# expected_tools: the calls a correct run makes; typed_calls: the aggregate call that answers it;
# slots (a list) or slots_sql (a query; its column names are the slot names): the instances.
# examples: instances per template shown to the model as worked examples (never scored);
# dev: the share (or count) of the rest used for tuning; the remainder is the held-out test split.
"""


def field(slot: str) -> str:
    """A slot as a question pattern writes it."""
    return "{" + slot + "}"


def _unit(column: CardColumn) -> str:
    match = re.search(r"\(([^)]{1,20})\)\s*$", column.header)
    return match[1].strip() if match else "value"


def _label(column: CardColumn) -> str:
    return column.header or column.name


def _is_identifier_like(column: CardColumn) -> bool:
    return column.name == "id" or column.name.endswith("_id") or column.name.endswith("_key")


def draft(schema: TableSchema) -> dict[str, Any]:
    table = schema.table
    numeric = [c for c in schema.columns if c.type in ("integer", "float") and not _is_identifier_like(c)]
    labels = [c for c in schema.columns if c.type == "text" and c.values and len(c.values) >= 2][:MAX_LABELS]
    dated = [c for c in schema.columns if c.type in ("date", "timestamp", "timestamptz")]
    templates: list[dict[str, Any]] = []
    for label in labels:
        slot = label.name
        templates.append(
            {
                "id": f"rows_by_{label.name}"[:63],
                "question": f"How many rows of {table} have {_label(label)} '{field(slot)}'?",
                "answer_sql": f"SELECT count(*) FROM {table} WHERE {label.name} = %({slot})s",
                "unit": "rows",
                "tolerance": 0,
                "expected_tools": ["query_database"],
                "typed_calls": [
                    {
                        "statistic": "count",
                        "column": label.name,
                        "filter_column": label.name,
                        "filter_value": field(slot),
                    }
                ],
                "slots_sql": f"SELECT DISTINCT {label.name} AS {slot} FROM {table} WHERE {label.name} IS NOT NULL",
                "instances": INSTANCES,
            }
        )
        for column in numeric[:MAX_NUMERIC]:
            templates.append(
                {
                    "id": f"mean_{column.name}_by_{label.name}"[:63],
                    "question": f"What is the mean {_label(column)} of rows of {table} "
                    f"with {_label(label)} '{field(slot)}'?",
                    "answer_sql": f"SELECT avg({column.name}) FROM {table} WHERE {label.name} = %({slot})s",
                    "unit": _unit(column),
                    "tolerance": 0.01,
                    "expected_tools": ["query_database"],
                    "typed_calls": [
                        {
                            "statistic": "mean",
                            "column": column.name,
                            "filter_column": label.name,
                            "filter_value": field(slot),
                        }
                    ],
                    "slots_sql": f"SELECT DISTINCT {label.name} AS {slot} FROM {table} WHERE {label.name} IS NOT NULL",
                    "instances": INSTANCES,
                }
            )
    if dated:
        day = dated[0].name
        month_of = f"to_char({day}, 'FMMonth YYYY')"
        for column in numeric[:MAX_NUMERIC]:
            templates.append(
                {
                    "id": f"total_{column.name}_by_month"[:63],
                    "question": f"What was the total {_label(column)} in {table} in {field('month')}?",
                    "answer_sql": f"SELECT sum({column.name}) FROM {table} WHERE {month_of} = %(month)s",
                    "unit": _unit(column),
                    "tolerance": 0.01,
                    "expected_tools": ["query_database"],
                    "typed_calls": [{"statistic": "sum", "column": column.name, "period": "{month}"}],
                    "slots_sql": f"SELECT DISTINCT {month_of} AS month FROM {table} WHERE {day} IS NOT NULL",
                    "instances": INSTANCES,
                }
            )
    if not labels and not dated:
        for column in numeric[:MAX_NUMERIC]:
            templates.append(
                {
                    "id": f"rows_above_{column.name}"[:63],
                    "question": f"How many rows of {table} have {_label(column)} above {field('threshold')}?",
                    "answer_sql": f"SELECT count(*) FROM {table} WHERE {column.name} > %(threshold)s",
                    "unit": "rows",
                    "tolerance": 0,
                    "expected_tools": ["query_database"],
                    "typed_calls": [
                        {
                            "statistic": "count",
                            "column": column.name,
                            "filter_column": column.name,
                            "filter_op": ">",
                            "filter_value": "{threshold}",
                        }
                    ],
                    "slots_sql": f"SELECT DISTINCT {column.name} AS threshold FROM {table} "
                    f"WHERE {column.name} IS NOT NULL",
                    "instances": INSTANCES,
                }
            )
    return {"table": table, "seed": 0, "examples": 1, "dev": 0.3, "templates": templates}


def draft_templates(schema: TableSchema) -> tuple[str, int]:
    """The draft as commented YAML, and how many templates it holds."""
    spec = draft(schema)
    if not spec["templates"]:
        raise UserError(f"table {schema.table} has no numeric, label or date column to draft questions from")
    body = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=110)
    return _HEADER.replace("{table}", schema.table) + body, len(spec["templates"])


def templates_table(path: Path) -> str | None:
    """The ``table:`` a template file is for, read without validating the rest."""
    match = re.search(r"^table:\s*([A-Za-z0-9_]+)", path.read_text(encoding="utf-8"), re.MULTILINE)
    return match[1] if match else None
