"""The instructions the model gets: the table's schema and worked examples, for each tool set.

The weather example with free SQL keeps the hand-tuned prompt in ``agent.py``. Every other prompt
is built from data: the schema sentence comes from the table (the dataset card's columns, types,
ranges and labels), and the worked examples are run for real through the tools when the prompt is
built, so each result shown to the model is what the tool returns. For the user's own table the
examples are the template instances of the ``example`` split (never scored); the weather example
has its own typed examples, on months no task asks about.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .agent import INSTRUCTIONS, worked_example
from .dataset import TableSchema
from .errors import UserError
from .settings import ToolSet
from .tasks import Task
from .toolkit import ToolExecutor

Call = tuple[str, dict[str, Any]]
_STATS = "total = SUM, mean = AVG, highest = MAX, lowest = MIN, number of rows = COUNT(*)."
_TYPED_TOOL = "aggregate (one statistic of one column, optionally of the rows matching a filter{period})"

_WEATHER_TYPED_HEADER = """You answer questions about daily Seattle weather from 2012 to 2015 by calling tools, \
then reply with the final answer JSON.
Table weather has one row per day and the columns:
day (date), precipitation_mm (rain in mm), temp_max_c (daily maximum temperature in C), \
temp_min_c (daily minimum temperature in C), wind_ms (wind speed in m/s), \
weather (label: 'drizzle', 'fog', 'rain', 'snow' or 'sun').
A month is a period such as 'March 2013'.
total = sum, mean = mean, highest = max, lowest = min, number of days = count.
Tools: {tools}, convert_units (mm to in, C to F, m/s to km/h), calculate (arithmetic)."""


def _month(statistic: str, column: str, month: str, **condition: Any) -> Call:
    return "aggregate", {"statistic": statistic, "column": column, **condition, "period": month}


# (question, calls, unit); "{v1}" in an argument is the value the first call returned, and so on.
WEATHER_TYPED_EXAMPLES: list[tuple[str, list[Call], str]] = [
    (
        "What was the total precipitation in Seattle in February 2012, in inches?",
        [
            _month("sum", "precipitation_mm", "February 2012"),
            ("convert_units", {"value": "{v1}", "to_unit": "in", "from_unit": "mm"}),
        ],
        "in",
    ),
    (
        "What was the highest daily maximum temperature in Seattle in August 2015, in degrees Fahrenheit?",
        [
            _month("max", "temp_max_c", "August 2015"),
            ("convert_units", {"value": "{v1}", "to_unit": "F", "from_unit": "C"}),
        ],
        "F",
    ),
    (
        "What was the lowest daily minimum temperature in Seattle in February 2014, in °C?",
        [_month("min", "temp_min_c", "February 2014")],
        "C",
    ),
    (
        "How much higher was the average daily maximum temperature in August 2014 than in August 2012 "
        "(2014 minus 2012), in °C?",
        [
            _month("mean", "temp_max_c", "August 2014"),
            _month("mean", "temp_max_c", "August 2012"),
            ("calculate", {"expression": "{v1} - {v2}"}),
        ],
        "C",
    ),
    (
        "On how many days in February 2014 was the Seattle weather labelled 'fog'?",
        [_month("count", "day", "February 2014", filter_column="weather", filter_op="=", filter_value="fog")],
        "days",
    ),
    (
        "On how many days in October 2015 did more than 5 mm of rain fall in Seattle?",
        [_month("count", "day", "October 2015", filter_column="precipitation_mm", filter_op=">", filter_value=5)],
        "days",
    ),
    (
        "What was the mean daily wind speed in Seattle in April 2014, in km/h?",
        [
            _month("mean", "wind_ms", "April 2014"),
            ("convert_units", {"value": "{v1}", "to_unit": "km/h", "from_unit": "m/s"}),
        ],
        "km/h",
    ),
]


class ExampleFailed(UserError):
    """A worked example's tool call failed while the prompt was built."""


def run_example(executor: ToolExecutor, question: str, calls: Sequence[Call], unit: str) -> str:
    """Run the example's calls for real and render it the way the dialect shows calls and results."""
    values: list[float] = []
    shown: list[tuple[str, dict[str, Any], str]] = []
    for name, arguments in calls:
        filled = {key: _substitute(value, values) for key, value in arguments.items()}
        outcome = executor.execute(name, json.dumps(filled), "example")
        if not outcome.ok:
            raise ExampleFailed(
                f"the worked example {question[:60]!r} cannot be shown: {name} failed ({outcome.error}); "
                "fix its template in evals/task_templates.yaml and run `make tasks`."
            )
        values.append(_value(json.loads(outcome.output)))
        shown.append((name, filled, json.dumps(json.loads(outcome.output), separators=(",", ":"))))
    return worked_example(question, shown, (values[-1], unit))


def _substitute(value: Any, values: list[float]) -> Any:
    if not isinstance(value, str) or "{v" not in value:
        return value
    if value.startswith("{v") and value.endswith("}") and value[2:-1].isdigit():
        return values[int(value[2:-1]) - 1]
    for number, known in enumerate(values, start=1):
        value = value.replace("{v" + str(number) + "}", repr(known))
    return value


def _value(output: dict[str, Any]) -> float:
    """The number a tool result carries (a query's first row, last column)."""
    if "value" in output:
        value = output["value"]
    else:
        rows = output.get("rows") or [[None]]
        value = rows[0][-1]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ExampleFailed(f"a worked example's result is not a number: {str(value)[:40]!r}")
    return float(value)


def describe_columns(schema: TableSchema) -> str:
    parts = []
    for column in schema.columns:
        detail: str = column.type
        if column.values:
            detail += ": " + ", ".join(repr(v) for v in column.values)
        elif column.minimum is not None and column.maximum is not None:
            detail += f", {column.minimum} to {column.maximum}"
        parts.append(f"{column.name} ({detail})")
    return ", ".join(parts)


def tool_line(schema: TableSchema, tool_set: ToolSet) -> str:
    dated = any(c.type in ("date", "timestamp", "timestamptz") for c in schema.columns)
    typed = _TYPED_TOOL.format(period=" and to a year, month or day" if dated else "")
    lookups = {"sql": ["query_database (SQL)"], "typed": [typed], "both": [typed, "query_database (SQL)"]}[tool_set]
    return ", ".join(lookups)


def table_header(schema: TableSchema, tool_set: ToolSet) -> str:
    return "\n".join(
        [
            f"You answer questions about the table {schema.table} by calling tools, then reply with the final "
            "answer JSON.",
            f"Table {schema.table} has {schema.rows} rows and the columns: {describe_columns(schema)}.",
            _STATS,
            f"Tools: {tool_line(schema, tool_set)}, convert_units (mm to in, C to F, m/s to km/h), "
            "calculate (arithmetic).",
        ]
    )


def example_calls(task: Task, tool_set: ToolSet) -> list[Call] | None:
    """The lookup a worked example shows for ``task`` under ``tool_set`` (None: it has none to show)."""
    typed = [("aggregate", dict(call)) for call in task.typed_calls]
    if tool_set == "sql" or (tool_set == "both" and len(typed) != 1):
        return [("query_database", {"sql": task.sql})] if task.sql else None
    return typed if len(typed) == 1 else None


def build_instructions(
    schema: TableSchema, tool_set: ToolSet, executor: ToolExecutor, examples: Sequence[Task] = ()
) -> str:
    """The prompt for ``schema`` and ``tool_set``; ``executor`` runs the worked examples (no faults)."""
    if schema.example:
        if tool_set == "sql":
            return INSTRUCTIONS
        tools = tool_line(schema, tool_set).replace(" and to a year, month or day", " and to a period")
        rendered = [_WEATHER_TYPED_HEADER.format(tools=tools)]
        rendered += [run_example(executor, *example) for example in WEATHER_TYPED_EXAMPLES]
        return "\n\n".join(rendered)
    rendered = [table_header(schema, tool_set)]
    for task in examples:
        calls = example_calls(task, tool_set)
        if calls:
            rendered.append(run_example(executor, task.question, calls, task.unit))
    return "\n\n".join(rendered)
