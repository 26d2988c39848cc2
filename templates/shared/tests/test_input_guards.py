"""The API's input guards against hostile requests, shared by every project kind with an API.

The kind's conftest provides ``make_api`` (its real ``create_app`` with test components, taking
``max_request_bytes``), ``api_route`` (the POST route) and ``api_text_field`` (its text field).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.testclient import TestClient
from pydantic import TypeAdapter, ValidationError
from starlette.types import Message, Receive, Scope, Send

from {{ package_name }}.serving import EXCERPT_CHARS, MAX_ERRORS, BodySizeLimit, bounded_errors, serve_in_thread

MakeApi = Callable[..., FastAPI]
LIMIT = 65536


def raw_json(field: str, raw_value: str) -> bytes:
    """A JSON object with one member whose value is given as raw JSON text (escapes kept as sent)."""
    return ("{" + json.dumps(field) + ": " + raw_value + "}").encode()


def post_raw(client: TestClient, route: str, body: bytes) -> Any:
    """The response (TestClient's, from httpx or httpx2 depending on what is installed)."""
    return client.post(route, content=body, headers={"content-type": "application/json"})


@pytest.fixture
def client(make_api: MakeApi) -> Iterator[TestClient]:
    with TestClient(make_api(max_request_bytes=LIMIT)) as test_client:
        yield test_client


def test_a_normal_request_still_succeeds(client: TestClient, api_route: str, api_text_field: str) -> None:
    assert client.post(api_route, json={api_text_field: "How many days are recorded?"}).status_code == 200
    # A surrogate *pair* in JSON is one valid character, not a lone surrogate.
    assert post_raw(client, api_route, raw_json(api_text_field, '"days? \\ud83d\\ude00"')).status_code == 200


def test_a_body_over_the_limit_is_a_413_from_its_content_length(
    client: TestClient, api_route: str, api_text_field: str
) -> None:
    body = json.dumps({api_text_field: "x" * LIMIT}).encode()
    response = post_raw(client, api_route, body)
    assert response.status_code == 413 and "MAX_REQUEST_BYTES" in response.json()["detail"]
    assert len(response.content) < 200
    at_limit = json.dumps({api_text_field: "How many days? " + " " * (LIMIT - 100)}).encode()
    assert len(at_limit) <= LIMIT and post_raw(client, api_route, at_limit).status_code != 413


def test_a_chunked_body_without_content_length_is_counted(
    client: TestClient, api_route: str, api_text_field: str
) -> None:
    def chunks() -> Iterator[bytes]:
        yield raw_json(api_text_field, '"')[:-1]
        for _ in range(100):
            yield b"x" * 4096
        yield b'"}'

    request = client.build_request("POST", api_route, content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in request.headers and request.headers["transfer-encoding"] == "chunked"
    response = client.send(request)
    assert response.status_code == 413


def test_the_limit_stops_reading_a_streamed_body_after_the_limit() -> None:
    """Pure ASGI: the middleware asks for no more chunks once the limit is passed."""
    reached_app: list[Scope] = []
    asked = 0
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        reached_app.append(scope)

    async def receive() -> Message:
        nonlocal asked
        asked += 1
        return {"type": "http.request", "body": b"x" * 1000, "more_body": True}  # endless

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "method": "POST", "path": "/", "headers": []}
    asyncio.run(BodySizeLimit(app, max_bytes=10_000)(scope, receive, send))
    assert asked == 11 and not reached_app
    assert sent[0]["status"] == 413 and sent[-1]["type"] == "http.response.body"


def test_a_413_reaches_a_client_of_the_real_server_that_streams_without_content_length(
    make_api: MakeApi, api_route: str
) -> None:
    def endless() -> Iterator[bytes]:
        yield b'{"x": "'
        for _ in range(10_000):  # 40 MB unless the server stops it
            yield b"x" * 4096

    with serve_in_thread(make_api(max_request_bytes=LIMIT), name="guards") as base:
        # The server answers and closes while the client is still writing; httpx then reads the reply.
        response = httpx.post(
            f"{base}{api_route}", content=endless(), headers={"content-type": "application/json"}, timeout=30
        )
    assert response.status_code == 413 and "MAX_REQUEST_BYTES" in response.text


def test_a_huge_invalid_field_gets_a_422_of_bounded_size(
    make_api: MakeApi, api_route: str, api_text_field: str
) -> None:
    with TestClient(make_api(max_request_bytes=16 * 1024 * 1024)) as client:
        for value in (["x" * 4_000_000], {"nested": ["y" * 1_000_000] * 4}, "z" * 4_000_000 + "\x00"):
            response = client.post(api_route, json={api_text_field: value})
            assert response.status_code == 422 and len(response.content) < 2000, response.content[:300]
            echoed = response.json()["detail"][0]["input"]
            assert isinstance(echoed, str) and len(echoed) <= EXCERPT_CHARS


@pytest.mark.parametrize(
    ("raw", "needle"),
    [('"a\\u0000b"', "NUL"), ('"\\ud800"', "surrogate"), ('"ok \\udfff"', "surrogate"), ('"\\u0000"', "NUL")],
)
def test_nul_and_lone_surrogates_are_a_short_422(
    client: TestClient, api_route: str, api_text_field: str, raw: str, needle: str
) -> None:
    response = post_raw(client, api_route, raw_json(api_text_field, raw))
    assert response.status_code == 422, response.text
    assert len(response.content) < 500 and needle in response.json()["detail"][0]["msg"]


def test_many_errors_are_cut_to_a_few() -> None:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(list[int]).validate_python(["x" * 10_000] * 1000)
    body = bounded_errors(RequestValidationError(caught.value.errors()).errors())
    assert len(body["detail"]) == MAX_ERRORS and body["more_errors"] == 1000 - MAX_ERRORS
    assert len(json.dumps(body)) < MAX_ERRORS * 300
