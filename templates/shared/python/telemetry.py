"""Tracing with OpenTelemetry: spans named and attributed after the GenAI semantic conventions.

Exporter choice, in order: an exporter passed in (tests), ``OTEL_TRACES_EXPORTER``
(``console`` | ``otlp`` | ``none``), OTLP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set, otherwise
the default given by the caller (``console`` for the API server, ``none`` for batch jobs whose
thousands of spans would drown their own output).
"""

from __future__ import annotations

import os

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
