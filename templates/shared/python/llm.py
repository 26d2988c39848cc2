"""A small client for any OpenAI-compatible chat-completions endpoint (vLLM, llama.cpp, OpenAI).

It owns what every caller needs and nobody should write twice: timeouts, bounded retries with
exponential backoff and jitter (honouring ``Retry-After`` on HTTP 429), validation of what came
back, one span per call with GenAI attributes, and errors that say what to do next. A garbled
response raises ``LLMResponseError``; it never becomes a silent wrong answer.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from opentelemetry.trace import SpanKind

from .errors import UserError
from .telemetry import (
    ERROR_TYPE,
    GEN_AI_FINISH_REASONS,
    GEN_AI_INPUT_MESSAGES,
    GEN_AI_INPUT_TOKENS,
    GEN_AI_MAX_TOKENS,
    GEN_AI_OPERATION,
    GEN_AI_OUTPUT_MESSAGES,
    GEN_AI_OUTPUT_TOKENS,
    GEN_AI_PROVIDER,
    GEN_AI_REQUEST_MODEL,
    GEN_AI_RESPONSE_MODEL,
    GEN_AI_TEMPERATURE,
    capture_content,
    get_tracer,
    input_messages_json,
    output_messages_json,
    server_attributes,
)

RETRYABLE_STATUS = {429, 500, 502, 503, 504}
_tracer = get_tracer(__name__)


class LLMError(UserError):
    """Base class; ``retries`` lists the failed attempts that came before the final error."""

    def __init__(self, message: str, retries: Sequence[Mapping[str, Any]] = ()) -> None:
        super().__init__(message)
        self.retries = list(retries)


class LLMUnavailable(LLMError):
    """The endpoint could not be reached or kept failing; check LLM_BASE_URL and the server."""


class LLMResponseError(LLMError):
    """The endpoint answered, but not with a usable chat completion."""


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str  # raw JSON text as the model produced it; callers validate it


@dataclass
class ChatResult:
    content: str
    tool_calls: list[ToolCall]
    finish_reason: str | None
    model: str
    input_tokens: int | None
    output_tokens: int | None
    latency_s: float
    retries: list[dict[str, Any]] = field(default_factory=list)


class ChatClient:
    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._sleep = sleep
        self._jitter = jitter
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s, headers=headers, transport=transport)

    def close(self) -> None:
        self._http.close()

    def chat(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: Any = None,
        response_format: Mapping[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> ChatResult:
        body: dict[str, Any] = {"model": self.model, "messages": list(messages)}
        for key, value in (
            ("tools", tools),
            ("tool_choice", tool_choice),
            ("response_format", response_format),
            ("max_tokens", max_tokens),
            ("temperature", temperature),
        ):
            if value is not None:
                body[key] = value
        # The OpenAI-compatible wire format is what the provider name describes here, whichever
        # server (vLLM, llama.cpp, OpenAI) sits behind the URL; server.address tells them apart.
        attributes = {GEN_AI_OPERATION: "chat", GEN_AI_PROVIDER: "openai", GEN_AI_REQUEST_MODEL: self.model}
        attributes.update(server_attributes(self.base_url))
        with _tracer.start_as_current_span(f"chat {self.model}", kind=SpanKind.CLIENT, attributes=attributes) as span:
            if capture_content():
                span.set_attribute(GEN_AI_INPUT_MESSAGES, input_messages_json(messages))
            if max_tokens is not None:
                span.set_attribute(GEN_AI_MAX_TOKENS, max_tokens)
            if temperature is not None:
                span.set_attribute(GEN_AI_TEMPERATURE, temperature)
            started = time.perf_counter()
            try:
                payload, retries = self._post_with_retries("/chat/completions", body, span)
                result = self._parse(payload, retries, time.perf_counter() - started)
            except LLMError as exc:
                span.set_attribute(ERROR_TYPE, type(exc).__name__)
                raise
            span.set_attribute(GEN_AI_RESPONSE_MODEL, result.model)
            if result.input_tokens is not None:
                span.set_attribute(GEN_AI_INPUT_TOKENS, result.input_tokens)
            if result.output_tokens is not None:
                span.set_attribute(GEN_AI_OUTPUT_TOKENS, result.output_tokens)
            if result.finish_reason:
                span.set_attribute(GEN_AI_FINISH_REASONS, [result.finish_reason])
            if capture_content():
                calls = [(call.id, call.name, call.arguments) for call in result.tool_calls]
                span.set_attribute(
                    GEN_AI_OUTPUT_MESSAGES, output_messages_json(result.content, calls, result.finish_reason)
                )
            return result

    def _post_with_retries(self, path: str, body: Mapping[str, Any], span: Any) -> tuple[Any, list[dict[str, Any]]]:
        retries: list[dict[str, Any]] = []
        for attempt in range(self.max_retries + 1):
            reason: str
            retry_after: float | None = None
            try:
                response = self._http.post(path, json=body)
            except httpx.TimeoutException:
                reason = "timeout"
            except httpx.TransportError as exc:
                reason = f"connection error: {type(exc).__name__}"
            else:
                if response.status_code < 400:
                    try:
                        return response.json(), retries
                    except ValueError:
                        raise LLMResponseError(
                            f"{self.base_url} returned HTTP {response.status_code} with a body that is not JSON.",
                            retries,
                        ) from None
                if response.status_code not in RETRYABLE_STATUS:
                    raise LLMResponseError(
                        f"{self.base_url} rejected the request with HTTP {response.status_code}: {response.text[:200]}",
                        retries,
                    )
                reason = f"HTTP {response.status_code}"
                retry_after = _retry_after_seconds(response.headers.get("retry-after"))
            if attempt == self.max_retries:
                raise LLMUnavailable(
                    f"The model endpoint {self.base_url} failed {attempt + 1} times (last: {reason}); "
                    "check that the server behind LLM_BASE_URL is up.",
                    retries,
                )
            delay = backoff_delay(attempt, self.backoff_s, self.max_backoff_s, self._jitter())
            if retry_after is not None:
                delay = max(delay, min(retry_after, self.max_backoff_s * 4))
            record = {"attempt": attempt + 1, "reason": reason, "delay_s": round(delay, 3)}
            retries.append(record)
            span.add_event("retry", record)
            self._sleep(delay)
        raise AssertionError("unreachable")

    def _parse(self, payload: Any, retries: list[dict[str, Any]], latency_s: float) -> ChatResult:
        try:
            choice = payload["choices"][0]
            message = choice["message"]
            content = message.get("content") or ""
            if not isinstance(content, str):
                raise TypeError("content is not a string")
            calls = [
                ToolCall(
                    id=str(call.get("id") or f"call_{index}"),
                    name=str(call["function"]["name"]),
                    arguments=_arguments_text(call["function"].get("arguments")),
                )
                for index, call in enumerate(message.get("tool_calls") or [])
            ]
        except (KeyError, IndexError, TypeError) as exc:
            raise LLMResponseError(
                f"{self.base_url} returned something that is not a chat completion ({exc}).", retries
            ) from None
        usage = payload.get("usage") or {}
        return ChatResult(
            content=content,
            tool_calls=calls,
            finish_reason=choice.get("finish_reason"),
            model=str(payload.get("model") or self.model),
            input_tokens=usage.get("prompt_tokens"),
            output_tokens=usage.get("completion_tokens"),
            latency_s=latency_s,
            retries=retries,
        )


def backoff_delay(attempt: int, base_s: float, max_s: float, jitter: float) -> float:
    """Exponential backoff for retry ``attempt`` (0-based), capped, scaled by jitter in [0, 1) to 50-100 %."""
    return min(max_s, base_s * 2.0**attempt) * (0.5 + jitter / 2)


def _arguments_text(arguments: Any) -> str:
    if arguments is None:
        return "{}"
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


def _retry_after_seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
