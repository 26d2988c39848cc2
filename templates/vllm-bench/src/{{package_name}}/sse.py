"""Incremental parser for the server-sent events of an OpenAI-compatible streaming response."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

DONE = object()


class MalformedEvent(Exception):
    """A ``data:`` line that is not JSON (and not ``[DONE]``)."""


class SSEParser:
    """Feed raw bytes as they arrive; get back decoded ``data:`` payloads (or ``DONE``).

    Works on bytes and splits on newlines itself, so a chunk boundary in the middle of an
    event, or many events in one network read, are both handled without extra copies.
    """

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, chunk: bytes) -> Iterator[dict[str, Any] | object]:
        data = self._buffer + chunk if self._buffer else chunk
        lines = data.split(b"\n")
        self._buffer = lines.pop()
        for raw in lines:
            line = raw.rstrip(b"\r")
            if not line.startswith(b"data:"):
                continue  # blank separators, comments (": ping"), event:/id: fields
            payload = line[5:].strip()
            if payload == b"[DONE]":
                yield DONE
                continue
            try:
                event = json.loads(payload)
            except ValueError:
                raise MalformedEvent(payload[:200].decode("utf-8", "replace")) from None
            if not isinstance(event, dict):
                raise MalformedEvent(payload[:200].decode("utf-8", "replace"))
            yield event

    @property
    def pending(self) -> bytes:
        return self._buffer
