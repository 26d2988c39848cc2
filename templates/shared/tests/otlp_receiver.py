"""A real OTLP/HTTP receiver for tests: decodes what the project's exporter sends, span by span."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

# Span.SpanKind numbers on the wire.
KIND_INTERNAL = 1
KIND_CLIENT = 3


@dataclass
class ReceivedSpan:
    name: str
    kind: int
    span_id: bytes
    parent_span_id: bytes
    attributes: dict[str, Any]
    service_name: str


@dataclass
class Receiver:
    endpoint: str
    spans: list[ReceivedSpan] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)

    def by_name(self) -> dict[str, ReceivedSpan]:
        return {span.name: span for span in self.spans}


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(item) for item in value.array_value.values]
    return getattr(value, kind) if kind else None


@contextmanager
def otlp_receiver() -> Iterator[Receiver]:
    """Serve ``POST /v1/traces`` on a free localhost port until the block ends."""
    received: list[ReceivedSpan] = []
    content_types: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path != "/v1/traces":
                self.send_error(404)
                return
            content_types.append(self.headers.get("Content-Type", ""))
            request = ExportTraceServiceRequest.FromString(body)
            for resource_spans in request.resource_spans:
                resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        received.append(
                            ReceivedSpan(
                                name=span.name,
                                kind=span.kind,
                                span_id=span.span_id,
                                parent_span_id=span.parent_span_id,
                                attributes={a.key: _value(a.value) for a in span.attributes},
                                service_name=str(resource.get("service.name", "")),
                            )
                        )
            reply = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Receiver(f"http://127.0.0.1:{server.server_address[1]}", received, content_types)
    finally:
        server.shutdown()
        server.server_close()


class Switchable(SpanExporter):
    """Forwards spans to an exporter until switched off (the global tracer provider keeps its processors)."""

    def __init__(self, target: SpanExporter) -> None:
        self.target: SpanExporter | None = target

    def export(self, spans: Any) -> SpanExportResult:
        batch: list[ReadableSpan] = list(spans)
        return self.target.export(batch) if self.target else SpanExportResult.SUCCESS

    def off(self) -> None:
        if self.target is not None:
            self.target.shutdown()
        self.target = None
