"""The agent's tools: read-only SQL over the loaded table, arithmetic, and the HTTP unit service.

Which lookup tools a run gets is the tool set (``TOOL_SET``): ``sql`` (free SQL, ``query_database``),
``typed`` (``aggregate``, typed to the table's schema, see ``typed_tools``) or ``both``.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Annotated, Any

import httpx
from pydantic import BaseModel, Field

from .dataset import WEATHER, TableSchema
from .reference_service import Unit
from .settings import ToolSet
from .toolkit import Tool, ToolTransientError
from .typed_tools import aggregate_tool
from .weather_db import SCHEMA_TEXT, TABLE, run_read_only

SqlParam = str | float | int
# Limits are checked in code, not declared in the JSON schema: llama.cpp compiles length limits into
# grammar repetitions, and a long one makes its server fail on the request.
MAX_SQL_CHARS, MAX_PARAMS, MAX_EXPRESSION_CHARS = 2000, 10, 200


class QueryRows(BaseModel):
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool


class Number(BaseModel):
    value: float


class Converted(BaseModel):
    value: float
    unit: str


def database_tool(
    database_url: str, *, max_rows: int = 20, timeout_ms: int = 2000, schema_text: str = SCHEMA_TEXT, table: str = TABLE
) -> Tool:
    def query_database(
        sql: Annotated[str, Field(description="One PostgreSQL SELECT statement; %s marks a parameter.")],
        params: Annotated[list[SqlParam], Field(description="Values for the %s placeholders.")] = [],  # noqa: B006
    ) -> QueryRows:
        if len(sql) > MAX_SQL_CHARS or len(params) > MAX_PARAMS:
            raise ValueError(f"Queries are limited to {MAX_SQL_CHARS} characters and {MAX_PARAMS} parameters.")
        result = run_read_only(database_url, sql, list(params), max_rows=max_rows, timeout_ms=timeout_ms, table=table)
        return QueryRows(columns=result.columns, rows=result.rows, truncated=result.truncated)

    query_database.__doc__ = f"Run one read-only SQL query. {schema_text}"
    return Tool.from_function(query_database)


_OPERATORS: dict[type, Callable[..., float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


def evaluate_arithmetic(expression: str) -> float:
    """+ - * / ** and parentheses over numbers; anything else is refused, nothing is executed."""

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
            return float(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Pow) and abs(right) > 100:
                raise ValueError("Exponents above 100 are refused.")
            return _OPERATORS[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](walk(node.operand))
        raise ValueError(f"Unsupported element {type(node).__name__}; use numbers, + - * / ** and parentheses.")

    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        raise ValueError(f"{expression!r} is not an arithmetic expression.") from None
    try:
        return walk(tree)
    except ZeroDivisionError:
        raise ValueError("Division by zero.") from None


def calculator_tool() -> Tool:
    def calculate(
        expression: Annotated[str, Field(description="Arithmetic such as (12.5 - 9.25) / 2.")],
    ) -> Number:
        """Evaluate an arithmetic expression exactly (numbers, + - * / ** and parentheses)."""
        if len(expression) > MAX_EXPRESSION_CHARS:
            raise ValueError(f"Expressions are limited to {MAX_EXPRESSION_CHARS} characters.")
        return Number(value=round(evaluate_arithmetic(expression), 6))

    return Tool.from_function(calculate)


def conversion_tool(service_url: str, client: httpx.Client) -> Tool:
    def convert_units(
        value: Annotated[float, Field(description="The number to convert.")],
        to_unit: Annotated[Unit, Field(description="Unit wanted.")],
        from_unit: Annotated[Unit, Field(description="Unit of value.")],
    ) -> Converted:
        """Convert a length (mm, cm, in), temperature (C, F, K) or speed (m/s, km/h, mph) via the unit service."""
        try:
            response = client.get(
                f"{service_url}/convert", params={"value": value, "from_unit": from_unit, "to_unit": to_unit}
            )
        except httpx.TransportError as exc:
            raise ToolTransientError(
                f"The unit service at {service_url} is unreachable ({type(exc).__name__})."
            ) from None
        if response.status_code == 429 or response.status_code >= 500:
            raise ToolTransientError(f"The unit service answered HTTP {response.status_code}.")
        if response.status_code >= 400:
            raise ValueError(f"The unit service refused the request: {response.text[:200]}")
        try:
            return Converted.model_validate(response.json())
        except ValueError:
            raise ValueError("The unit service answered with something that is not a conversion.") from None

    return Tool.from_function(convert_units)


def build_tools(
    database_url: str,
    service_url: str,
    client: httpx.Client,
    *,
    max_rows: int = 20,
    schema: TableSchema | None = None,
    tool_set: ToolSet = "sql",
) -> list[Tool]:
    """The lookups of ``tool_set`` for ``schema`` (default: the weather example), then conversion and arithmetic."""
    schema = schema or WEATHER
    lookups: list[Tool] = []
    if tool_set in ("sql", "both"):
        lookups.append(
            database_tool(database_url, max_rows=max_rows, schema_text=schema.sql_tool_text(), table=schema.table)
        )
    if tool_set in ("typed", "both"):
        lookups.append(aggregate_tool(database_url, schema))
    return [*lookups, conversion_tool(service_url, client), calculator_tool()]
