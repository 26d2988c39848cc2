"""Which table the agent works on: the shipped weather example, or the user's own CSV.

``make load-csv`` writes a dataset card, ``data/dataset.json``: the table, where it came from, the
file's SHA-256, row counts and every column's name, header, type and range. Its presence makes the
project the user's: tools, prompts, task expansion and results then describe that table, and the
weather example is neither loaded nor mentioned. Without a card the project runs on the example.
The card is also what lets a fresh database (``make clean``, a new machine) be refilled from the
same file, and results record its hash.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from pydantic import BaseModel, ValidationError

from .database import connect
from .errors import UserError
from .table_loader import ColumnType, CsvOptions, LoadReport, file_sha256, load_csv
from .weather_db import SCHEMA_TEXT, TABLE, load_weather

CARD_SCHEMA = 1


class CardColumn(BaseModel):
    name: str
    header: str
    type: ColumnType
    nulls: int = 0
    values: list[str] | None = None
    minimum: Any = None
    maximum: Any = None


class DatasetCard(BaseModel):
    schema_version: int = CARD_SCHEMA
    table: str
    source: str
    sha256: str
    bytes: int
    rows: int
    rejected_rows: int
    encoding: str
    delimiter: str
    forced_types: dict[str, ColumnType] = {}
    columns: list[CardColumn]
    loaded_utc: str
    licence: str = ""
    description: str = ""


@dataclass(frozen=True)
class TableSchema:
    """The table the tools, prompts and tasks are about."""

    table: str
    rows: int
    columns: tuple[CardColumn, ...]
    example: bool  # the shipped weather table
    card: DatasetCard | None = None

    def column(self, name: str) -> CardColumn:
        return next(c for c in self.columns if c.name == name)

    def sql_tool_text(self) -> str:
        """The schema sentence in the SQL tool's description."""
        if self.example:
            return SCHEMA_TEXT
        parts = ", ".join(f"{c.name} {c.type}" for c in self.columns)
        return f"Table {self.table}({parts}), {self.rows} rows."


WEATHER = TableSchema(
    TABLE,
    1461,
    (
        CardColumn(name="day", header="date", type="date", minimum="2012-01-01", maximum="2015-12-31"),
        CardColumn(name="precipitation_mm", header="precipitation", type="float"),
        CardColumn(name="temp_max_c", header="temp_max", type="float"),
        CardColumn(name="temp_min_c", header="temp_min", type="float"),
        CardColumn(name="wind_ms", header="wind", type="float"),
        CardColumn(name="weather", header="weather", type="text", values=["drizzle", "fog", "rain", "snow", "sun"]),
    ),
    example=True,
)


def read_card(path: Path) -> DatasetCard | None:
    """The dataset card, or None when the project still runs on the example."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return DatasetCard.model_validate(json.loads(text))
    except (ValueError, ValidationError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise UserError(f"{path} is not a dataset card ({first}); load the CSV again with `make load-csv`.") from None


def relative_source(path: Path) -> str:
    """The CSV's path relative to the project when it lies inside it, so the card travels with the repository."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(resolved)


def write_card(
    path: Path,
    report: LoadReport,
    source: Path,
    forced: dict[str, ColumnType],
    licence: str = "",
    description: str = "",
) -> DatasetCard:
    card = DatasetCard(
        licence=licence.strip()[:200],
        description=description.strip()[:400],
        table=report.table,
        source=relative_source(source),
        sha256=report.source_sha256,
        bytes=report.source_bytes,
        rows=report.rows,
        rejected_rows=len(report.rejected),
        encoding=report.encoding,
        delimiter=report.delimiter,
        forced_types=forced,
        columns=[CardColumn(**vars(column)) for column in report.columns],
        loaded_utc=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(card.model_dump_json(indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)
    return card


# The example's files, moved to .data/example/ (outside the repository) once your table is loaded
EXAMPLE_FILES = (Path("data/seattle-weather.csv"), Path("data/README.md"), Path("data/LICENSE-vega-datasets.txt"))
EXAMPLE_ARCHIVE = Path(".data/example")


def retire_example() -> list[str]:
    """Move the weather example out of the repository: the project is about your table now."""
    moved = []
    if EXAMPLE_FILES[0].is_file():  # its README and licence go with it (your data/ may have its own)
        for path in EXAMPLE_FILES:
            if path.is_file():
                EXAMPLE_ARCHIVE.mkdir(parents=True, exist_ok=True)
                os.replace(path, EXAMPLE_ARCHIVE / path.name)
                moved.append(path.as_posix())
    return moved


def problem_markdown(card: DatasetCard, tasks: Sequence[Any] = ()) -> str:
    """The README's problem-and-dataset text, from the card and the task file (numbers are theirs)."""
    columns = ", ".join(f"`{c.name}` ({c.type})" for c in card.columns)
    lines = [card.description, ""] if card.description else []
    lines.append(
        f"- **Data**: `{card.source}`, **{card.rows:,} rows** ({card.rejected_rows} rejected on load), loaded into "
        f"PostgreSQL as table `{card.table}` with the columns {columns}. The dataset card `data/dataset.json` records "
        f"the file's SHA-256 (`{card.sha256[:12]}`) that every result's `dataset_hash` covers"
        + (f"; licence: {card.licence}." if card.licence else ".")
    )
    splits = Counter(getattr(task, "split", None) for task in tasks)
    if tasks:
        lines.append(
            f"- **Tasks**: `evals/tasks.jsonl`, **{len(tasks)} questions** expanded by `make tasks` from "
            "`evals/task_templates.yaml`, each answer computed by SQL on the table: "
            f"{splits['example']} worked examples, **{splits['dev']} dev** and **{splits['test']} held-out test** "
            "tasks; see `evals/README.md`."
        )
    else:
        lines.append("- **Tasks**: not written yet: `make tasks-init`, edit the templates, then `make tasks`.")
    return "\n".join(lines)


def licence_markdown(card: DatasetCard) -> str:
    return f"The data, `{card.source}`, is under its own terms: {card.licence or 'not stated (LICENCE= on load)'}."


def card_options(card: DatasetCard, base: CsvOptions) -> CsvOptions:
    return CsvOptions(
        encoding=card.encoding,
        delimiter=card.delimiter,
        types=dict(card.forced_types),
        max_bytes=base.max_bytes,
        max_columns=base.max_columns,
        max_rejected=base.max_rejected,
    )


def table_rows(url: str, table: str) -> int | None:
    """Rows in ``table``, or None when it does not exist."""
    with connect(url) as conn:
        try:
            row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
        except psycopg.errors.UndefinedTable:
            return None
    return int(row[0]) if row else 0


def open_table(url: str, card_path: Path, weather_csv: Path, limits: CsvOptions) -> TableSchema:
    """The table to work on, (re)loaded when the database does not hold it yet."""
    card = read_card(card_path)
    if card is None:
        return dataclasses.replace(WEATHER, rows=load_weather(url, weather_csv))
    if table_rows(url, card.table) != card.rows:
        source = Path(card.source)
        if not source.is_file() or file_sha256(source) != card.sha256:
            raise UserError(
                f"table {card.table} is not in the database, and {source} (its source in {card_path}) is missing "
                "or has changed; load it again: make load-csv CSV=path/to/file.csv"
            )
        load_csv(url, source, card.table, card_options(card, limits))
    return TableSchema(card.table, card.rows, tuple(card.columns), example=False, card=card)
