"""The timeline of one request, and the JSONL files that keep them as they complete.

A record is appended and flushed the moment its request finishes, so an interrupted run keeps
everything it measured and a sweep can resume at the first level without a summary.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any


@dataclass
class RequestRecord:
    """Times are seconds; ``start_s`` is relative to the start of the measured phase.

    ``ttft_s``: request sent -> first chunk carrying generated text.
    ``latency_s``: request sent -> last data event of the stream (end-to-end latency).
    ``itl_s``: gaps between successive text chunks (one per chunk after the first).
    Token counts are the server's ``usage`` numbers.
    """

    request_id: str
    start_s: float
    ok: bool = False
    error: str | None = None
    detail: str = ""
    ttft_s: float | None = None
    latency_s: float | None = None
    itl_s: list[float] = field(default_factory=list)
    prompt_tokens: int = 0
    output_tokens: int = 0

    @property
    def end_s(self) -> float:
        return self.start_s + (self.latency_s or 0.0)

    @property
    def tpot_s(self) -> float | None:
        """Time per output token after the first: (latency - ttft) / (output_tokens - 1)."""
        if not self.ok or self.output_tokens < 2 or self.ttft_s is None or self.latency_s is None:
            return None
        return (self.latency_s - self.ttft_s) / (self.output_tokens - 1)

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RequestRecord:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class RecordWriter:
    """Appends one JSON line per finished request and flushes it immediately."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file: IO[str] = path.open("w", encoding="utf-8")

    def write(self, record: RequestRecord) -> None:
        self._file.write(record.to_json() + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_records(path: Path) -> list[RequestRecord]:
    """Records of a (possibly interrupted) run; a torn last line from a crash is skipped."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(RequestRecord.from_dict(json.loads(line)))
        except (json.JSONDecodeError, TypeError):
            continue
    return records


def write_records(path: Path, records: Iterable[RequestRecord]) -> None:
    with RecordWriter(path) as writer:
        for record in records:
            writer.write(record)
