"""A tool typed to the loaded table: ``aggregate`` takes enums built from its schema instead of SQL text.

The model sees the table's column names as JSON-schema enums, so a constrained decoder can only
write a column that exists; a statistic is one of five words. The request is validated again here
(the executor validates the enums; this module checks that the statistic suits the column's type,
that the filter value parses as the filter column's type and that the period is a real year, month
or day) and composed with quoted identifiers and bound parameters, then run on the same read-only
path as free SQL.
"""

from __future__ import annotations

import calendar
import inspect
import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from psycopg import sql
from pydantic import BaseModel, Field

from .dataset import TableSchema
from .table_loader import a_type, parse_value
from .toolkit import Tool
from .weather_db import run_read_only

Statistic = Literal["mean", "min", "max", "sum", "count"]
Operator = Literal["=", "!=", "<", "<=", ">", ">="]
FUNCTIONS = {"mean": "avg", "min": "min", "max": "max", "sum": "sum", "count": "count"}
NUMERIC = frozenset({"integer", "float"})
DATED = frozenset({"date", "timestamp", "timestamptz"})
ORDERED = NUMERIC | DATED
_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name} | {
    name.lower(): number for number, name in enumerate(calendar.month_abbr) if name
}
_YEAR = re.compile(r"(\d{4})")
_YEAR_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})")
_DAY = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_MONTH_YEAR = re.compile(r"([A-Za-z]+)\.?\s+(\d{4})")


class Aggregated(BaseModel):
    value: float | str | None
    rows: int


@dataclass(frozen=True)
class AggregateRequest:
    statistic: str
    column: str
    filter_column: str | None = None
    filter_op: str = "="
    filter_value: str | float | None = None
    period: str | None = None
    period_column: str | None = None


def parse_period(text: str) -> tuple[date, date]:
    """[start, end) of a year (2014), a month (2014-03, March 2014) or a day (2014-03-15)."""
    value = text.strip()
    try:
        if match := _DAY.fullmatch(value):
            start = date(*(int(part) for part in match.groups()))
            return start, date.fromordinal(start.toordinal() + 1)
        if match := _YEAR_MONTH.fullmatch(value):
            return _month(int(match[1]), int(match[2]))
        if (match := _MONTH_YEAR.fullmatch(value)) and match[1].lower() in _MONTHS:
            return _month(int(match[2]), _MONTHS[match[1].lower()])
        if match := _YEAR.fullmatch(value):
            return date(int(match[1]), 1, 1), date(int(match[1]) + 1, 1, 1)
    except ValueError:
        pass
    raise ValueError(f"period {value[:40]!r} is not a year (2014), a month (2014-03 or March 2014) or a day.")


def _month(year: int, month: int) -> tuple[date, date]:
    start = date(year, month, 1)
    return start, (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1))


def filter_parameter(kind: str, value: str | float) -> Any:
    """The filter value as the filter column's type; a ValueError says why it is not one."""
    if kind == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind in NUMERIC and isinstance(value, int | float):
        return value
    return parse_value(kind, str(value).strip())  # type: ignore[arg-type]


def compose_aggregate(schema: TableSchema, request: AggregateRequest) -> tuple[sql.Composed, list[Any]]:
    """The SQL and parameters for ``request``; ValueError with a sentence for a request that makes no sense."""
    names = {c.name: c.type for c in schema.columns}
    for field_name in ("column", "filter_column", "period_column"):
        value = getattr(request, field_name)
        if value is not None and value not in names:
            raise ValueError(f"{field_name} {value!r} is not a column of {schema.table}.")
    kind = names[request.column]
    if request.statistic not in FUNCTIONS:
        raise ValueError(f"statistic must be one of {', '.join(FUNCTIONS)}.")
    if request.statistic in ("mean", "sum") and kind not in NUMERIC:
        raise ValueError(f"{request.statistic} needs a numeric column; {request.column} is {kind}.")
    if request.statistic in ("min", "max") and kind not in ORDERED:
        raise ValueError(f"{request.statistic} needs a numeric or date column; {request.column} is {kind}.")
    target: sql.Composable = sql.Identifier(request.column)
    if request.statistic in ("mean", "sum"):
        target = sql.SQL("{}::double precision").format(target)
    conditions: list[sql.Composable] = []
    params: list[Any] = []
    if request.filter_column is not None or request.filter_value is not None:
        if request.filter_column is None or request.filter_value is None:
            raise ValueError("filter_column and filter_value go together; give both or neither.")
        filter_kind = names[request.filter_column]
        if request.filter_op not in ("=", "!=", "<", "<=", ">", ">="):
            raise ValueError("filter_op must be one of = != < <= > >=.")
        if filter_kind in ("text", "boolean") and request.filter_op not in ("=", "!="):
            raise ValueError(f"{request.filter_column} is {filter_kind}; compare it with = or !=.")
        try:
            parameter = filter_parameter(filter_kind, request.filter_value)
        except ValueError:
            shown = str(request.filter_value)[:40]
            raise ValueError(
                f"filter_value {shown!r} is not {a_type(filter_kind)} ({request.filter_column})."
            ) from None
        column = sql.Identifier(request.filter_column)
        if filter_kind == "text":  # labels are matched without regard to case
            conditions.append(sql.SQL("lower({}) {} lower(%s)").format(column, sql.SQL(request.filter_op)))
        else:
            conditions.append(sql.SQL("{} {} %s").format(column, sql.SQL(request.filter_op)))
        params.append(parameter)
    if request.period is not None:
        dated = [c.name for c in schema.columns if c.type in DATED]
        period_column = request.period_column or (dated[0] if dated else None)
        if period_column is None or names[period_column] not in DATED:
            raise ValueError(f"{schema.table} has no date column to take a period of.")
        start, end = parse_period(request.period)
        column = sql.Identifier(period_column)
        conditions.append(sql.SQL("{} >= %s AND {} < %s").format(column, column))
        params += [start, end]
    where = sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("")
    query = sql.SQL("SELECT {}({}), count(*) FROM {}{}").format(
        sql.SQL(FUNCTIONS[request.statistic]), target, sql.Identifier(schema.table), where
    )
    return query, params


def aggregate_tool(database_url: str, schema: TableSchema, *, timeout_ms: int = 2000) -> Tool:
    """``aggregate`` with its enums taken from ``schema``."""
    columns = tuple(c.name for c in schema.columns)
    dated = tuple(c.name for c in schema.columns if c.type in DATED)
    column_name: Any = Literal[columns]  # type: ignore[valid-type]

    def aggregate(**arguments: Any) -> Aggregated:
        request = AggregateRequest(**arguments)
        query, params = compose_aggregate(schema, request)
        result = run_read_only(
            database_url, query.as_string(None), params, max_rows=1, timeout_ms=timeout_ms, table=schema.table
        )
        value, rows = result.rows[0] if result.rows else (None, 0)
        return Aggregated(value=value, rows=int(rows))

    required = inspect.Parameter.empty
    parameters: list[tuple[str, Any, Any]] = [
        (
            "statistic",
            Annotated[Statistic, Field(description="mean, min, max, sum, or count of rows with a value.")],
            required,
        ),
        ("column", Annotated[column_name, Field(description="The column the statistic is taken of.")], required),
        (
            "filter_column",
            Annotated[column_name | None, Field(description="Only rows where this column matches filter_value.")],
            None,
        ),
        ("filter_op", Annotated[Operator, Field(description="How filter_column compares with filter_value.")], "="),
        (
            "filter_value",
            Annotated[str | float | None, Field(description="The value filter_column is compared with.")],
            None,
        ),
    ]
    if dated:
        what = f"of {dated[0]}" if len(dated) == 1 else "of period_column"
        period_text = f"Only rows in this year, month or day {what}."
        parameters.append(("period", Annotated[str | None, Field(description=period_text)], None))
    if len(dated) > 1:
        dated_name: Any = Literal[dated]  # type: ignore[valid-type]
        parameters.append(("period_column", Annotated[dated_name | None, Field(description="Date column.")], None))
    aggregate.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default) for name, _, default in parameters]
    )
    aggregate.__annotations__ = {name: hint for name, hint, _ in parameters} | {"return": Aggregated}
    aggregate.__doc__ = (
        f"One statistic of one column of table {schema.table} ({schema.rows} rows), optionally only over rows "
        "that match a filter" + (" and a period." if dated else ".")
    )
    return Tool.from_function(aggregate)
