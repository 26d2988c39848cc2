"""The request function: one streamed completion, timed chunk by chunk, never raising.

Every way a request can go wrong ends as a failed ``RequestRecord`` with a reason, so one bad
request never stops a run. Reasons: ``connect_error``, ``timeout``, ``http_<status>``,
``server_error`` (an error event mid-stream), ``stream_interrupted`` (the connection dropped before
``[DONE]``), ``malformed_sse``, ``missing_usage``, ``zero_output_tokens``, ``no_text``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
from opentelemetry.trace import SpanKind, Status, StatusCode

from . import telemetry
from .datasets import RequestSpec
from .records import RequestRecord
from .sse import DONE, MalformedEvent, SSEParser

tracer = telemetry.get_tracer(__name__)


@dataclass(frozen=True)
class Target:
    """An OpenAI-compatible server: vLLM, llama.cpp, the synthetic server, or a hosted API."""

    base_url: str
    model: str
    endpoint: str = "completions"
    api_key: str | None = None
    ignore_eos: bool = False
    temperature: float = 0.0
    # "usage": the server's usage block (required). "chunks": for servers that ignore
    # stream_options.include_usage but stream exactly one chunk per token (llama-cpp-python).
    token_counts: str = "usage"

    @property
    def url(self) -> str:
        root = self.base_url.rstrip("/")
        root = root if root.endswith("/v1") else root + "/v1"
        return f"{root}/{'chat/completions' if self.endpoint == 'chat' else 'completions'}"

    def payload(self, spec: RequestSpec) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": spec.max_tokens,
            "temperature": self.temperature,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if self.endpoint == "chat":
            body["messages"] = [{"role": "user", "content": spec.prompt}]
        else:
            body["prompt"] = spec.prompt
        if self.ignore_eos:
            body["ignore_eos"] = True
        return body


def make_client(max_connections: int, timeout_s: float) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    return httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)))


def _chunk_text(event: dict[str, Any]) -> str | None:
    choices = event.get("choices")
    if not choices:
        return None
    choice = choices[0]
    if "text" in choice:
        return choice["text"] or None
    delta = choice.get("delta") or {}
    return delta.get("content") or delta.get("reasoning_content") or None


async def send_request(
    client: httpx.AsyncClient, target: Target, spec: RequestSpec, *, run_start: float, timeout_s: float
) -> RequestRecord:
    headers = {"Authorization": f"Bearer {target.api_key}"} if target.api_key else {}
    operation = "chat" if target.endpoint == "chat" else "text_completion"
    attributes: dict[str, Any] = {
        telemetry.GEN_AI_OPERATION: operation,
        telemetry.GEN_AI_PROVIDER: "openai",  # the wire format; server.address names the server
        telemetry.GEN_AI_REQUEST_MODEL: target.model,
        telemetry.GEN_AI_MAX_TOKENS: spec.max_tokens,
        telemetry.GEN_AI_TEMPERATURE: target.temperature,
        "gen_ai.request.stream": True,
        **telemetry.server_attributes(target.base_url),
    }
    capture = telemetry.capture_content()
    seen = _Seen(texts=[] if capture else None)
    with tracer.start_as_current_span(
        f"{operation} {target.model}", kind=SpanKind.CLIENT, attributes=attributes
    ) as span:
        if capture:
            span.set_attribute(
                telemetry.GEN_AI_INPUT_MESSAGES,
                telemetry.input_messages_json([{"role": "user", "content": spec.prompt}]),
            )
        sent = time.perf_counter()
        record = RequestRecord(request_id=spec.request_id, start_s=sent - run_start)
        try:
            async with asyncio.timeout(timeout_s):
                await _stream(client, target, spec, headers, sent, record, seen)
        except TimeoutError:
            _fail(record, "timeout", f"no complete response within {timeout_s:g} s")
        except httpx.ConnectError as exc:
            _fail(record, "connect_error", str(exc) or "connection refused")
        except httpx.TimeoutException as exc:
            _fail(record, "timeout", type(exc).__name__)
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            _fail(record, "stream_interrupted", str(exc) or type(exc).__name__)
        except MalformedEvent as exc:
            _fail(record, "malformed_sse", str(exc))
        except httpx.HTTPError as exc:
            _fail(record, "http_error", f"{type(exc).__name__}: {exc}")
        if record.latency_s is None:
            record.latency_s = time.perf_counter() - sent
        span.set_attribute(telemetry.GEN_AI_INPUT_TOKENS, record.prompt_tokens)
        span.set_attribute(telemetry.GEN_AI_OUTPUT_TOKENS, record.output_tokens)
        if record.ttft_s is not None:
            span.set_attribute("gen_ai.response.time_to_first_chunk", record.ttft_s)
        if seen.model:
            span.set_attribute(telemetry.GEN_AI_RESPONSE_MODEL, seen.model)
        if seen.texts is not None and record.ok:
            span.set_attribute(telemetry.GEN_AI_OUTPUT_MESSAGES, telemetry.output_messages_json("".join(seen.texts)))
        if not record.ok:
            span.set_status(Status(StatusCode.ERROR, record.error or "failed"))
            span.set_attribute(telemetry.ERROR_TYPE, record.error or "failed")
    return record


@dataclass
class _Seen:
    """What the stream told us beyond timings: the serving model and, when captured, the text."""

    model: str | None = None
    texts: list[str] | None = None


def _fail(record: RequestRecord, reason: str, detail: str) -> None:
    record.ok = False
    record.error = reason
    record.detail = detail[:300]


async def _stream(
    client: httpx.AsyncClient,
    target: Target,
    spec: RequestSpec,
    headers: dict[str, str],
    sent: float,
    record: RequestRecord,
    seen: _Seen,
) -> None:
    parser = SSEParser()
    last_text_at: float | None = None
    last_event_at: float | None = None
    usage: dict[str, Any] | None = None
    done = False
    itl = record.itl_s
    async with client.stream("POST", target.url, json=target.payload(spec), headers=headers) as response:
        if response.status_code != 200:
            body = (await response.aread()).decode("utf-8", "replace")
            _fail(record, f"http_{response.status_code}", body)
            return
        async for chunk in response.aiter_bytes():
            now = time.perf_counter()
            for event in parser.feed(chunk):
                if event is DONE:
                    done = True
                    continue
                assert isinstance(event, dict)
                last_event_at = now
                if "error" in event:
                    _fail(record, "server_error", str(event["error"]))
                    return
                if seen.model is None and isinstance(event.get("model"), str):
                    seen.model = event["model"]
                text = _chunk_text(event)
                if text is not None:
                    if seen.texts is not None:
                        seen.texts.append(text)
                    if last_text_at is None:
                        record.ttft_s = now - sent
                    else:
                        itl.append(now - last_text_at)
                    last_text_at = now
                if event.get("usage"):
                    usage = event["usage"]
    # As in vllm bench serve: the request ends with its last data event (the usage chunk on
    # servers that send one), not with [DONE] or the connection closing.
    record.latency_s = (last_event_at or time.perf_counter()) - sent
    if not done:
        _fail(record, "stream_interrupted", "the stream ended without [DONE]")
    elif usage is None and target.token_counts == "chunks":
        record.output_tokens = len(itl) + 1 if record.ttft_s is not None else 0
        if record.output_tokens == 0:
            _fail(record, "zero_output_tokens", "the stream carried no text")
        else:
            record.ok = True
    elif usage is None:
        _fail(record, "missing_usage", "the server sent no usage block; it must support stream_options.include_usage")
    else:
        record.prompt_tokens = int(usage.get("prompt_tokens") or 0)
        record.output_tokens = int(usage.get("completion_tokens") or 0)
        if record.output_tokens == 0:
            _fail(record, "zero_output_tokens", "the server reported 0 completion tokens")
        elif record.ttft_s is None:
            _fail(record, "no_text", "usage reported tokens but no chunk carried text")
        else:
            record.ok = True
