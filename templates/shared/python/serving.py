"""Serving: an ASGI app in a background thread, and the guards every generated API puts on its input.

Benchmarks, demos and helper services need a real HTTP server in the same process as the code
that drives it: real sockets and middleware, and no second process to manage (``serve_in_thread``).

Hostile input is stopped at the edge (``guard_inputs``):

* a body over ``MAX_REQUEST_BYTES`` is a 413, decided from Content-Length before anything is read,
  or, for a chunked body, after reading no more than the limit plus one chunk;
* a validation error (422) carries at most ``MAX_ERRORS`` errors and an excerpt of at most
  ``EXCERPT_CHARS`` characters of each rejected value, never the value itself (FastAPI's default
  echoes the whole input: a 50 MB body came back in the response);
* ``CleanText`` refuses NUL characters and unpaired surrogates in a text field as a 422; Postgres
  cannot store the first and UTF-8 cannot encode the second, so further in they were 500s.
"""

from __future__ import annotations

import re
import reprlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AfterValidator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

EXCERPT_CHARS = 80
MAX_ERRORS = 20
_SURROGATE = re.compile("[\ud800-\udfff]")
_REPR = reprlib.Repr()  # keyword arguments need Python 3.12
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxtuple, _REPR.maxset = 2, 4, 4, 4, 4
_REPR.maxstring, _REPR.maxother = EXCERPT_CHARS, 40


@contextmanager
def serve_in_thread(
    app: Any, *, host: str = "127.0.0.1", port: int = 0, name: str = "api", startup_timeout_s: float = 30.0
) -> Iterator[str]:
    """Start uvicorn on ``app`` in a daemon thread, yield its base URL, stop it on exit.

    ``port=0`` lets the operating system pick a free port, so parallel runs never collide.
    """
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"The {name} server did not start on {host}:{port or 'a free port'}.")
        time.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if _SURROGATE.search(value):
        raise ValueError("must not contain unpaired surrogates (not valid Unicode)")
    return value


# A text field that Postgres can store and UTF-8 can encode: no NUL, no lone surrogate.
CleanText = Annotated[str, AfterValidator(_clean_text)]


class BodySizeLimit:
    """ASGI middleware: a request body over ``max_bytes`` gets 413 and is not read any further.

    The body (at most ``max_bytes``) is read before the app runs and handed to it in one message;
    later ``receive`` calls (a streaming response waiting for the client to disconnect) pass through.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared == -1:
            await self._reply(send, 400, "Content-Length is not a number.")
            return
        if declared is not None and declared > self.max_bytes:
            await self._too_large(send)
            return
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        whole: Message | None = {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        async def replay() -> Message:
            nonlocal whole
            if whole is not None:
                message, whole = whole, None
                return message
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        await self._reply(send, 413, f"The request body is larger than {self.max_bytes} bytes (MAX_REQUEST_BYTES).")

    @staticmethod
    async def _reply(send: Send, status: int, detail: str) -> None:
        body = JSONResponse({"detail": detail}).body
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    """The declared body size; None when not declared, -1 when not a number."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return -1
    return None


def excerpt(value: Any) -> Any:
    """A short, JSON-safe stand-in for a rejected value: numbers as they are, anything else as at most
    ``EXCERPT_CHARS`` characters (containers through a depth- and length-bounded repr)."""
    if value is None or isinstance(value, bool | int | float):
        return value  # JSON parsing already bounds an integer to 4300 digits
    if isinstance(value, str):
        text = value
    elif isinstance(value, BaseException):
        text = str(value)
    else:
        text = _REPR.repr(value)
    if len(text) > EXCERPT_CHARS:
        text = text[: EXCERPT_CHARS - 1] + "\u2026"
    return text.encode("utf-8", "replace").decode("utf-8")  # a lone surrogate becomes "?"


def bounded_errors(errors: Any) -> dict[str, Any]:
    """The body of a 422: each error's type, location, message and an excerpt of its input."""
    errors = list(errors)
    shown = []
    for error in errors[:MAX_ERRORS]:
        item: dict[str, Any] = {
            "type": excerpt(error.get("type", "")),
            "loc": [part if isinstance(part, int) else excerpt(str(part)) for part in error.get("loc", ())[:8]],
            "msg": excerpt(str(error.get("msg", ""))),
        }
        if "input" in error:
            item["input"] = excerpt(error["input"])
        if isinstance(error.get("ctx"), dict):
            item["ctx"] = {excerpt(str(k)): excerpt(v) for k, v in list(error["ctx"].items())[:4]}
        shown.append(item)
    body: dict[str, Any] = {"detail": shown}
    if len(errors) > MAX_ERRORS:
        body["more_errors"] = len(errors) - MAX_ERRORS
    return body


async def bounded_validation_error(_: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    return JSONResponse(status_code=422, content=bounded_errors(errors))


def guard_inputs(app: FastAPI, *, max_request_bytes: int) -> None:
    """Put the body size limit and the bounded validation errors on ``app``."""
    app.add_middleware(BodySizeLimit, max_bytes=max_request_bytes)
    app.add_exception_handler(RequestValidationError, bounded_validation_error)
