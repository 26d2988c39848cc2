"""The dataset in Postgres: loading the CSV once, and the read-only query path the SQL tool uses.

Writes are refused three times: a statement that does not start with SELECT or WITH, or that holds
more than one statement, never reaches the server; anything else runs inside a READ ONLY
transaction with a statement timeout, so a data-modifying CTE or a slow cross join fails inside
Postgres; and the tool connects as a role that may only read this table (``sql_role``), so server
files, other sessions and writes are refused by privileges, whatever the session's settings.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

from .database import connect
from .toolkit import ToolRefused

TABLE = "weather"
COLUMNS = (
    ("day", "date PRIMARY KEY"),
    ("precipitation_mm", "real NOT NULL"),
    ("temp_max_c", "real NOT NULL"),
    ("temp_min_c", "real NOT NULL"),
    ("wind_ms", "real NOT NULL"),
    ("weather", "text NOT NULL"),
)
SCHEMA_TEXT = (
    f"Table {TABLE}(day date, precipitation_mm real, temp_max_c real, temp_min_c real, wind_ms real, "
    "weather text one of drizzle|fog|rain|snow|sun), one row per day in Seattle, 2012-01-01 to 2015-12-31."
)
_READ_START = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)


class QueryRefused(ToolRefused):
    """The statement is not a single read-only query."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool


def read_weather_csv(path: Path) -> list[tuple[date, float, float, float, float, str]]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return [
                (
                    date.fromisoformat(row["date"].replace("/", "-")),
                    float(row["precipitation"]),
                    float(row["temp_max"]),
                    float(row["temp_min"]),
                    float(row["wind"]),
                    row["weather"],
                )
                for row in csv.DictReader(handle)
            ]
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} is missing; restore it from git (it ships with the project).") from None
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{path} is not the Seattle weather CSV this project expects ({exc}).") from None


def load_weather(url: str, csv_path: Path) -> int:
    """Create and fill the table unless it already holds every row; returns the row count."""
    rows = read_weather_csv(csv_path)
    with connect(url) as conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({', '.join(f'{n} {t}' for n, t in COLUMNS)})")
        count = conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()
        if count is not None and count[0] == len(rows):
            return len(rows)
        conn.execute(f"TRUNCATE {TABLE}")
        with conn.cursor().copy(f"COPY {TABLE} ({', '.join(n for n, _ in COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return len(rows)


def check_read_only(sql: str) -> str:
    statement = sql.strip().rstrip(";").strip()
    if not statement:
        raise QueryRefused("The SQL statement is empty.")
    if ";" in statement:
        raise QueryRefused("Only one SQL statement per call is allowed.")
    if not _READ_START.match(statement):
        raise QueryRefused("Only read-only SELECT (or WITH ... SELECT) statements are allowed; writes are refused.")
    return statement


def run_read_only(
    url: str, sql: str, params: list[Any] | dict[str, Any], *, max_rows: int, timeout_ms: int, table: str = TABLE
) -> QueryResult:
    statement = check_read_only(sql)
    with connect(url) as conn:
        conn.read_only = True
        try:
            with conn.transaction():
                conn.execute(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
                cursor = conn.execute(statement, params or None)
                if cursor.description is None:
                    raise QueryRefused("The statement returned no rows to read.")
                fetched = cursor.fetchmany(max_rows + 1)
        except psycopg.errors.ReadOnlySqlTransaction:
            raise QueryRefused("The statement tries to write; this tool is read-only.") from None
        except psycopg.errors.InsufficientPrivilege as exc:
            first = (str(exc).strip().splitlines() or ["permission denied"])[0]
            raise QueryRefused(f"Refused by the database ({first}); this tool may only read {table}.") from None
        except psycopg.errors.QueryCanceled:
            raise TimeoutError(f"The query ran longer than {timeout_ms} ms and was cancelled.") from None
        except psycopg.Error as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ValueError(f"SQL error: {first}") from None
    columns = [column.name for column in cursor.description]
    rows = [[_plain(value) for value in row] for row in fetched[:max_rows]]
    return QueryResult(columns=columns, rows=rows, truncated=len(fetched) > max_rows)


def _plain(value: Any) -> Any:
    """Values that JSON can carry: dates as ISO text, Decimals as floats."""
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)
