"""Any CSV into a Postgres table: column types inferred, safe identifiers, rejected rows named, all or nothing.

Two passes over the file, so memory stays flat whatever its size. The first pass reads the header,
rejects rows that cannot be loaded (wrong number of fields, a NUL character) and infers each
column's type: the narrowest of boolean, integer, float, date, timestamp and timestamptz that every
value fits; failing that, the narrowest that all but 1 % of the values fit (at least one may miss,
so one typo in a date column rejects its row instead of turning the column into text); text
otherwise, or whatever ``--type`` forces. Empty cells and NA, N/A, NULL, NaN and None are NULL in
typed columns; text keeps them as written, except an empty cell, which is NULL. The second pass
converts the rows, rejects those with a value that does not fit its column's type, and streams the
rest with COPY into a staging table, which replaces the old table in the same transaction: a
failed load, or more rejected rows than allowed, leaves the previous table as it was.

Identifiers come from the header: ASCII-folded, lower case, ``_`` for anything else, a ``c_`` prefix
before a leading digit, a ``_`` suffix for words PostgreSQL reserves, ``_2``, ``_3`` for duplicates,
at most 63 characters. They are passed to the server as quoted identifiers (``psycopg.sql``), never
spliced into SQL text.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import psycopg
from psycopg import sql

from .database import connect
from .errors import UserError

ColumnType = Literal["boolean", "integer", "float", "date", "timestamp", "timestamptz", "text"]
SQL_TYPES: dict[str, str] = {
    "boolean": "boolean",
    "integer": "bigint",
    "float": "double precision",
    "date": "date",
    "timestamp": "timestamp",
    "timestamptz": "timestamptz",
    "text": "text",
}
# Preference order: the first type every value fits wins.
INFERRED: tuple[ColumnType, ...] = ("boolean", "integer", "float", "date", "timestamp", "timestamptz")
NULL_TOKENS = frozenset({"", "na", "n/a", "null", "nan", "none"})
MAX_IDENTIFIER = 63
MAX_DISTINCT_KEPT = 10  # distinct values of a column remembered for its description (if it has no more)
MAX_FIELD_CHARS = 100_000
DELIMITERS = ",;\t|"
PROGRESS_EVERY = 5000  # records between progress reports

_TRUE, _FALSE = {"true", "t", "yes", "y"}, {"false", "f", "no", "n"}
_INTEGER = re.compile(r"[+-]?(?:0|[1-9]\d*)")
_FLOAT = re.compile(r"[+-]?(?:(?:0|[1-9]\d*)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?")
_ZONE = re.compile(r"(?:Z|[+-]\d{2}(?::?\d{2})?)")
INT64 = 2**63
# Letters that Unicode does not decompose into an ASCII base letter.
_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})


class CsvLoadError(UserError):
    """The CSV cannot be loaded; nothing in the database was changed."""


def parse_value(kind: ColumnType, text: str) -> Any:
    """``text`` (stripped, not a NULL token) as a value of ``kind``; ValueError when it does not fit."""
    if kind == "text":
        return text
    if kind == "boolean":
        lowered = text.lower()
        if lowered in _TRUE or lowered in _FALSE:
            return lowered in _TRUE
    elif kind == "integer":
        if _INTEGER.fullmatch(text) and -INT64 <= int(text) < INT64:
            return int(text)
    elif kind == "float":
        if _FLOAT.fullmatch(text) and math.isfinite(number := float(text)):
            return number
    elif kind == "date":
        if match := _DATE.fullmatch(text):
            return date(*(int(part) for part in match.groups()))
    elif kind == "timestamp":
        if _DATE.fullmatch(text):
            day = parse_value("date", text)
            return datetime(day.year, day.month, day.day)
        if _TIMESTAMP.fullmatch(text):
            return datetime.fromisoformat(text)
    elif kind == "timestamptz" and (head := _TIMESTAMP.match(text)) and _ZONE.fullmatch(text[head.end() :]):
        return datetime.fromisoformat(text)
    raise ValueError(f"{text[:40]!r} is not {a_type(kind)}")


def a_type(kind: str) -> str:
    return f"an {kind}" if kind == "integer" else f"a {kind}"


def fits(kind: ColumnType, text: str) -> bool:
    try:
        parse_value(kind, text)
    except ValueError:
        return False
    return True


def is_null(kind: ColumnType, text: str) -> bool:
    return text == "" if kind == "text" else text.lower() in NULL_TOKENS


def safe_identifier(header: str, taken: set[str], reserved: frozenset[str], fallback: str) -> str:
    """A lower-case ASCII identifier for ``header`` that is not reserved and not in ``taken`` (added to it)."""
    spelled = unicodedata.normalize("NFKD", header.lower().translate(_LETTERS))
    folded = spelled.encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9]+", "_", folded).strip("_") or fallback
    if name[0].isdigit():
        name = f"c_{name}"
    name = name[:MAX_IDENTIFIER].rstrip("_")
    if name in reserved:
        name = f"{name[: MAX_IDENTIFIER - 1]}_"
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        suffix = f"_{number}"
        candidate = f"{name[: MAX_IDENTIFIER - len(suffix)]}{suffix}"
    taken.add(candidate)
    return candidate


@dataclass
class ColumnProfile:
    """What the first pass learns about one column: for each type, how many of its values do not fit."""

    name: str
    header: str
    forced: ColumnType | None = None
    misfits: dict[ColumnType, int] = field(default_factory=lambda: dict.fromkeys(INFERRED, 0))
    values: int = 0  # non-NULL values seen
    distinct: set[str] = field(default_factory=set)
    too_many_values: bool = False

    def observe(self, text: str, give_up_after: int) -> None:
        if text:
            self._remember(text)
        if self.forced is not None or is_null("float", text):
            return
        self.values += 1
        for kind in list(self.misfits):
            if not fits(kind, text):
                self.misfits[kind] += 1
                if self.misfits[kind] > give_up_after:  # more rows than may ever be rejected
                    del self.misfits[kind]

    def _remember(self, text: str) -> None:
        if self.too_many_values:
            return
        self.distinct.add(text[:80])
        if len(self.distinct) > MAX_DISTINCT_KEPT:
            self.too_many_values, self.distinct = True, set()

    @property
    def type(self) -> ColumnType:
        """The forced type; else the narrowest type every value fits; else the narrowest that all but
        1 % of the values fit (at least one may miss: a stray typo rejects its row, not the column's type)."""
        if self.forced:
            return self.forced
        exact = [kind for kind in INFERRED if self.misfits.get(kind) == 0]
        if exact:
            return exact[0]
        allowed = max(1, self.values // 100)
        return next((kind for kind in INFERRED if self.misfits.get(kind, allowed + 1) <= allowed), "text")


@dataclass(frozen=True)
class Rejected:
    row: int  # data row number, 1 = the first row after the header
    line: int  # line of the file where the row ends
    reason: str

    def __str__(self) -> str:
        return f"row {self.row} (line {self.line}): {self.reason}"


@dataclass(frozen=True)
class LoadedColumn:
    name: str
    header: str
    type: ColumnType
    nulls: int
    values: list[str] | None  # every distinct value, when there are at most MAX_DISTINCT_KEPT
    minimum: Any = None
    maximum: Any = None


@dataclass(frozen=True)
class LoadReport:
    table: str
    rows: int
    rejected: list[Rejected]
    columns: list[LoadedColumn]
    source_sha256: str
    source_bytes: int
    encoding: str
    delimiter: str


@dataclass(frozen=True)
class CsvOptions:
    encoding: str = "utf-8"
    delimiter: str | None = None  # None: detected among , ; tab |
    types: Mapping[str, ColumnType] = field(default_factory=dict)  # header or identifier -> forced type
    max_bytes: int = 256 * 1024 * 1024
    max_columns: int = 200
    max_rejected: int = 100


def _open_rows(
    path: Path, options: CsvOptions, delimiter: str, progress: Callable[[int], None] | None = None
) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) per record; decoding and CSV syntax errors are one-line ``CsvLoadError``s.

    ``progress`` hears how many bytes of the file have been read, every few thousand records."""
    csv.field_size_limit(MAX_FIELD_CHARS)
    encoding = "utf-8-sig" if options.encoding.lower().replace("_", "-") in ("utf-8", "utf8") else options.encoding
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter, strict=False)
        while True:
            if progress and reader.line_num % PROGRESS_EVERY == 0:
                progress(raw.tell())
            try:
                fields = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise CsvLoadError(
                    f"{path} is not valid {options.encoding} near line {reader.line_num + 1} ({exc.reason}); "
                    "pass its encoding, e.g. `--encoding latin-1` (make load-csv ENCODING=latin-1)."
                ) from None
            except csv.Error as exc:
                raise CsvLoadError(f"{path} line {reader.line_num}: {exc}; nothing was loaded.") from None
            yield reader.line_num, fields


def detect_delimiter(path: Path, options: CsvOptions) -> str:
    if options.delimiter:
        return options.delimiter
    with path.open(newline="", encoding=options.encoding, errors="replace") as handle:
        sample = handle.read(64 * 1024)
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def check_file(path: Path, options: CsvOptions) -> int:
    try:
        codecs.lookup(options.encoding)
    except LookupError:
        raise CsvLoadError(
            f"unknown encoding {options.encoding!r}; use one Python knows, e.g. utf-8 or latin-1."
        ) from None
    if options.delimiter is not None and len(options.delimiter) != 1:
        raise CsvLoadError(f"the delimiter must be one character, not {options.delimiter!r}.")
    if not path.is_file():
        raise CsvLoadError(f"{path} does not exist or is not a file.")
    size = path.stat().st_size
    if size == 0:
        raise CsvLoadError(f"{path} is empty; a CSV needs a header line and at least one row.")
    if size > options.max_bytes:
        raise CsvLoadError(
            f"{path} is {_size(size)}, over the limit of {_size(options.max_bytes)} (MAX_CSV_MB); "
            "load a sample, or raise the limit."
        )
    return size


def _size(count: int) -> str:
    return f"{count / 2**20:.1f} MiB" if count >= 2**20 else f"{count:,} bytes"


def profile(
    path: Path, options: CsvOptions, reserved: frozenset[str], progress: Callable[[int], None] | None = None
) -> tuple[list[ColumnProfile], list[Rejected], int, str]:
    """First pass: column names and types, rejected rows, the number of loadable rows, the delimiter."""
    delimiter = detect_delimiter(path, options)
    rows = _open_rows(path, options, delimiter, progress)
    header: list[str] | None = None
    for _line, fields in rows:
        if fields and any(cell.strip() for cell in fields):
            header = fields
            break
    if header is None:
        raise CsvLoadError(f"{path} has no header line.")
    if len(header) > options.max_columns:
        raise CsvLoadError(
            f"{path} has {len(header)} columns, over the limit of {options.max_columns} (MAX_CSV_COLUMNS)."
        )
    taken: set[str] = set()
    columns = [
        ColumnProfile(safe_identifier(text.strip(), taken, reserved, f"column_{number}"), text.strip())
        for number, text in enumerate(header, start=1)
    ]
    _apply_forced_types(columns, options.types)
    rejected: list[Rejected] = []
    good = 0
    for number, (line, fields) in enumerate(_data_rows(rows), start=1):
        reason = _problem(columns, fields)
        if reason:
            rejected.append(Rejected(number, line, reason))
            if len(rejected) > options.max_rejected:
                break
            continue
        good += 1
        for column, text in zip(columns, fields, strict=True):
            column.observe(text.strip(), options.max_rejected)
    return columns, rejected, good, delimiter


def _data_rows(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    """Records after the header, without blank lines."""
    for line, fields in rows:
        if fields and not (len(fields) == 1 and not fields[0].strip()):
            yield line, fields


def _apply_forced_types(columns: list[ColumnProfile], types: Mapping[str, ColumnType]) -> None:
    by_key = {c.name: c for c in columns} | {c.header: c for c in columns}
    for key, kind in types.items():
        if key not in by_key:
            known = ", ".join(c.name for c in columns)
            raise CsvLoadError(f"--type names column {key!r}, which the header does not have (columns: {known}).")
        if kind not in SQL_TYPES:
            raise CsvLoadError(f"--type {key}={kind}: the type must be one of {', '.join(SQL_TYPES)}.")
        by_key[key].forced = kind


def _problem(columns: Sequence[ColumnProfile], fields: list[str]) -> str | None:
    """Why a row cannot be loaded whatever the column types are (None: it can)."""
    if len(fields) != len(columns):
        return f"{len(fields)} fields where the header has {len(columns)}"
    for column, text in zip(columns, fields, strict=True):
        if "\x00" in text:
            return f"column {column.name}: contains a NUL character"
    return None


def reserved_words(conn: Any) -> frozenset[str]:
    """Words this server will not take as a bare column name (reserved, and reserved-for-type/function)."""
    rows = conn.execute("SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T')").fetchall()
    return frozenset(str(row[0]) for row in rows)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_csv(
    url: str,
    path: Path,
    table: str | None = None,
    options: CsvOptions | None = None,
    on_rejected: Callable[[Rejected], None] = lambda _row: None,
    on_progress: Callable[[str, int, int], None] = lambda _stage, _done, _total: None,
) -> LoadReport:
    """Load ``path`` into ``table`` (default: from the file name), replacing it only if the whole load succeeds.

    ``on_rejected`` hears of every rejected row as it is found (at most ``max_rejected`` of them;
    one more aborts the load); ``on_progress`` hears (pass, bytes read, file size) as each pass goes."""
    options = options or CsvOptions()
    size = check_file(path, options)
    with connect(url, autocommit=True) as conn:
        reserved = reserved_words(conn)
        name = safe_identifier(table or path.stem, set(), reserved, "csv_table")
        columns, rejected, good, delimiter = profile(path, options, reserved, lambda n: on_progress("read", n, size))
        on_progress("read", size, size)
        for row in rejected[: options.max_rejected]:
            on_rejected(row)
        if len(rejected) > options.max_rejected:
            raise too_many_rejected(path, options)
        if good == 0:
            raise CsvLoadError(f"{path} has no row that can be loaded; nothing was loaded.")

        def reject(row: Rejected) -> None:
            rejected.append(row)
            on_rejected(row)
            if len(rejected) > options.max_rejected:
                raise too_many_rejected(path, options)

        try:
            copied, loaded = _replace_table(
                conn, name, columns, path, options, delimiter, good, reject, lambda n: on_progress("load", n, size)
            )
            on_progress("load", size, size)
        except psycopg.Error as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise CsvLoadError(f"the database refused the load ({first}); table {name} is unchanged.") from None
    return LoadReport(name, copied, rejected, loaded, file_sha256(path), size, options.encoding, delimiter)


def _replace_table(
    conn: Any,
    name: str,
    columns: list[ColumnProfile],
    path: Path,
    options: CsvOptions,
    delimiter: str,
    expected: int,
    reject: Callable[[Rejected], None],
    progress: Callable[[int], None] | None = None,
) -> tuple[int, list[LoadedColumn]]:
    """One transaction: fill a staging table, then swap it in for ``name``; any failure rolls it all back."""
    staging = f"{name[: MAX_IDENTIFIER - 9]}__loading"
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('agent csv load'))")
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(staging)))
        definition = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(SQL_TYPES[c.type])) for c in columns
        )
        conn.execute(sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(staging), definition))
        copied, skipped = copy_rows(conn, staging, columns, path, options, delimiter, reject, progress)
        if copied + skipped != expected:  # the file changed between the two passes
            raise CsvLoadError(f"{path} changed while it was being loaded; load it again.")
        if copied == 0:
            raise CsvLoadError(f"{path} has no row that can be loaded; nothing was loaded.")
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(sql.Identifier(staging), sql.Identifier(name)))
        loaded = [_loaded_column(conn, name, c) for c in columns]
    return copied, loaded


def copy_rows(
    conn: Any,
    table: str,
    columns: Sequence[ColumnProfile],
    path: Path,
    options: CsvOptions,
    delimiter: str,
    reject: Callable[[Rejected], None],
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Second pass: convert each loadable row and stream it into ``table``.

    A value that does not fit its column's type rejects its row (through ``reject``). Returns the
    rows copied and the rows rejected here."""
    names = sql.SQL(", ").join(sql.Identifier(c.name) for c in columns)
    kinds = [c.type for c in columns]
    copied = skipped = 0
    rows = _data_rows(_open_rows(path, options, delimiter, progress))
    next(rows, None)  # the header
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), names)
    with conn.cursor().copy(statement) as copy:
        for number, (line, fields) in enumerate(rows, start=1):
            if _problem(columns, fields):
                continue  # rejected by the first pass
            try:
                values = convert_row(columns, fields, kinds)
            except ValueError as exc:
                skipped += 1
                reject(Rejected(number, line, str(exc)))
                continue
            copy.write_row(values)
            copied += 1
    return copied, skipped


def convert_row(
    columns: Sequence[ColumnProfile], fields: Sequence[str], kinds: Sequence[ColumnType] | None = None
) -> list[Any]:
    """The row's values as their columns' types; ValueError naming the column when one does not fit."""
    values: list[Any] = []
    for column, kind, text in zip(columns, kinds or [c.type for c in columns], fields, strict=True):
        value = text.strip()
        if is_null(kind, value):
            values.append(None)
            continue
        try:
            values.append(parse_value(kind, value))
        except ValueError:
            raise ValueError(f"column {column.name}: {value[:40]!r} is not {a_type(kind)}") from None
    return values


def too_many_rejected(path: Path, options: CsvOptions) -> CsvLoadError:
    return CsvLoadError(
        f"more than {options.max_rejected} rows of {path} were rejected (MAX_REJECTED_ROWS); nothing was loaded. "
        "Check the delimiter and the encoding, or force a column's type with --type COLUMN=text."
    )


def _loaded_column(conn: Any, table: str, column: ColumnProfile) -> LoadedColumn:
    ident = sql.Identifier(column.name)
    ordered = column.type in ("integer", "float", "date", "timestamp", "timestamptz")
    extremes = sql.SQL("min({}), max({})").format(ident, ident) if ordered else sql.SQL("NULL, NULL")
    row = conn.execute(
        sql.SQL("SELECT count(*) - count({}), {} FROM {}").format(ident, extremes, sql.Identifier(table))
    ).fetchone()
    values = None if column.too_many_values or column.type not in ("text", "boolean") else sorted(column.distinct)
    return LoadedColumn(column.name, column.header, column.type, int(row[0]), values, _plain(row[1]), _plain(row[2]))


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
