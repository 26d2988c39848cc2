"""Tracing with OpenTelemetry: spans named and attributed after the GenAI semantic conventions.

Span names read ``"{operation} {model, tool, agent or data source}"``; remote model calls are
``CLIENT`` spans, work done in this process ``INTERNAL``. Prompts, completions, tool arguments and
results stay off spans unless ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true``: they can
hold personal data. When captured, messages are JSON text in the conventions' parts format (span
attributes cannot hold nested maps).

Exporter choice, in order: an exporter passed in (tests), ``OTEL_TRACES_EXPORTER``
(``console`` | ``otlp`` | ``none``), OTLP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set, otherwise
the default given by the caller (``console`` for the API server, ``none`` for batch jobs whose
thousands of spans would drown their own output).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)

# GenAI semantic-convention attribute names, kept in one place.
GEN_AI_OPERATION = "gen_ai.operation.name"
GEN_AI_PROVIDER = "gen_ai.provider.name"
GEN_AI_REQUEST_MODEL = "gen_ai.request.model"
GEN_AI_RESPONSE_MODEL = "gen_ai.response.model"
GEN_AI_MAX_TOKENS = "gen_ai.request.max_tokens"
GEN_AI_TEMPERATURE = "gen_ai.request.temperature"
GEN_AI_INPUT_TOKENS = "gen_ai.usage.input_tokens"
GEN_AI_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
GEN_AI_FINISH_REASONS = "gen_ai.response.finish_reasons"
GEN_AI_TOOL_NAME = "gen_ai.tool.name"
GEN_AI_TOOL_CALL_ID = "gen_ai.tool.call.id"
GEN_AI_TOOL_TYPE = "gen_ai.tool.type"
GEN_AI_TOOL_CALL_ARGUMENTS = "gen_ai.tool.call.arguments"
GEN_AI_TOOL_CALL_RESULT = "gen_ai.tool.call.result"
GEN_AI_AGENT_NAME = "gen_ai.agent.name"
GEN_AI_DATA_SOURCE_ID = "gen_ai.data_source.id"
GEN_AI_REQUEST_TOP_K = "gen_ai.request.top_k"
GEN_AI_RETRIEVAL_QUERY = "gen_ai.retrieval.query.text"
GEN_AI_RETRIEVAL_DOCUMENTS = "gen_ai.retrieval.documents"
GEN_AI_EMBEDDINGS_DIMENSION = "gen_ai.embeddings.dimension.count"
GEN_AI_INPUT_MESSAGES = "gen_ai.input.messages"
GEN_AI_OUTPUT_MESSAGES = "gen_ai.output.messages"
SERVER_ADDRESS = "server.address"
SERVER_PORT = "server.port"
ERROR_TYPE = "error.type"

CAPTURE_CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"

_provider: TracerProvider | None = None


def configure_tracing(service_name: str, *, default_exporter: str = "console") -> TracerProvider:
    """Install the global tracer provider once and return it."""
    global _provider
    if _provider is not None:
        return _provider
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    choice = os.environ.get("OTEL_TRACES_EXPORTER") or (
        "otlp" if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") else default_exporter
    )
    if choice == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    elif choice == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    elif choice != "none":
        raise ValueError(f"OTEL_TRACES_EXPORTER must be console, otlp or none, got {choice!r}")
    trace.set_tracer_provider(provider)
    _provider = provider
    return provider


def add_exporter(exporter: SpanExporter, service_name: str = "test") -> None:
    """Send every finished span to ``exporter`` too, synchronously (used by tests)."""
    configure_tracing(service_name, default_exporter="none").add_span_processor(SimpleSpanProcessor(exporter))


def get_tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


def capture_content() -> bool:
    """Whether prompts, completions and tool payloads may go on spans (read per call, off by default)."""
    return os.environ.get(CAPTURE_CONTENT_ENV, "").strip().lower() == "true"


def server_attributes(base_url: str) -> dict[str, Any]:
    """``server.address`` and ``server.port`` of an HTTP endpoint, for spans of calls made to it."""
    parts = urlsplit(base_url)
    if not parts.hostname:
        return {}
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return {SERVER_ADDRESS: parts.hostname, SERVER_PORT: port}


def _text_parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "content": content}] if content else []
    if isinstance(content, list):  # OpenAI content parts
        return [{"type": "text", "content": part.get("text", "")} for part in content if isinstance(part, Mapping)]
    return []


def _arguments(raw: Any) -> Any:
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def input_messages_json(messages: Sequence[Mapping[str, Any]]) -> str:
    """Chat-completions messages as ``gen_ai.input.messages`` JSON (role plus typed parts)."""
    converted: list[dict[str, Any]] = []
    for message in messages:
        role = str(message.get("role", "user"))
        if role == "tool":
            parts: list[dict[str, Any]] = [
                {"type": "tool_call_response", "id": message.get("tool_call_id"), "result": message.get("content")}
            ]
        else:
            parts = _text_parts(message.get("content"))
            for call in message.get("tool_calls") or []:
                function = call.get("function") or {}
                parts.append(
                    {
                        "type": "tool_call",
                        "id": call.get("id"),
                        "name": function.get("name"),
                        "arguments": _arguments(function.get("arguments")),
                    }
                )
        converted.append({"role": role, "parts": parts})
    return json.dumps(converted, ensure_ascii=False)


def output_messages_json(
    content: str, tool_calls: Sequence[tuple[str, str, str]] = (), finish_reason: str | None = None
) -> str:
    """One model answer as ``gen_ai.output.messages`` JSON; ``tool_calls`` holds (id, name, arguments)."""
    parts = _text_parts(content)
    parts += [
        {"type": "tool_call", "id": call_id, "name": name, "arguments": _arguments(arguments)}
        for call_id, name, arguments in tool_calls
    ]
    return json.dumps(
        [{"role": "assistant", "parts": parts, "finish_reason": finish_reason or "stop"}], ensure_ascii=False
    )
