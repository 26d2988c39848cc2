"""``make traces``: the viewer launcher's checks and failure messages, and one end-to-end run with the viewer."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind

from {{ package_name }} import traces


def test_missing_viewer_is_one_line_that_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(traces, "viewer_installed", lambda: False)
    assert traces.main([]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "make setup-traces" in err and 'pip install -e ".[traces]"' in err


def test_a_bad_port_is_one_line_and_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        traces.main(["--port", "70000"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'70000' is not a port number" in err


def test_viewer_binds_localhost_and_keeps_its_data_in_the_project(tmp_path: Path) -> None:
    command, env = traces.viewer_command(6111, 4111, tmp_path / ".data" / "phoenix")
    assert command[0] == sys.executable and command[-1] == "serve"
    assert env["PHOENIX_HOST"] == "127.0.0.1"
    assert (env["PHOENIX_PORT"], env["PHOENIX_GRPC_PORT"]) == ("6111", "4111")
    assert Path(env["PHOENIX_WORKING_DIR"]) == (tmp_path / ".data" / "phoenix").resolve()
    assert env["PHOENIX_TELEMETRY_ENABLED"] == "false"
    assert traces.DEFAULT_DATA_DIR.parts[0] == ".data"


def test_a_port_in_use_is_reported_before_anything_starts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(traces, "viewer_installed", lambda: True)
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        assert not traces.port_is_free(port)
        assert traces.main(["--port", str(port), "--data-dir", str(tmp_path)]) == 1
    assert f"Port {port} on 127.0.0.1 is in use" in capsys.readouterr().err


def test_a_viewer_that_dies_on_start_is_reported_with_its_last_log_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(traces, "viewer_installed", lambda: True)
    script = "import sys; print('starting', flush=True); print('database is locked', file=sys.stderr); sys.exit(3)"
    monkeypatch.setattr(traces, "viewer_command", lambda *_: ([sys.executable, "-c", script], {}))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert traces.main(["--port", str(port), "--grpc-port", str(port), "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "did not start (database is locked;" in err and str(tmp_path / "viewer.log") in err


def test_make_traces_receives_project_spans_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    """End to end with the real viewer; runs where the traces extra is installed (make setup-traces)."""
    if not traces.viewer_installed():
        pytest.skip('needs the traces extra: pip install -e ".[traces]"')
    ports = []
    for _ in range(2):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
    module = "{{ package_name }}.traces"
    args = ["--port", str(ports[0]), "--grpc-port", str(ports[1]), "--data-dir", str(tmp_path / "phoenix")]
    viewer = subprocess.Popen([sys.executable, "-m", module, *args], stdout=subprocess.PIPE, text=True)
    try:
        assert viewer.stdout is not None
        lines = [viewer.stdout.readline() for _ in range(3)]
        endpoint = f"http://127.0.0.1:{ports[0]}"
        assert f"export OTEL_EXPORTER_OTLP_ENDPOINT={endpoint}" in lines[1]
        provider = TracerProvider(resource=Resource.create({"service.name": "{{ package_name }}"}))
        provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces")))
        tracer = provider.get_tracer(__name__)
        with tracer.start_as_current_span("chat probe-model", kind=SpanKind.CLIENT) as span:
            span.set_attributes({"gen_ai.operation.name": "chat", "gen_ai.request.model": "probe-model"})
            span.set_attributes({"gen_ai.usage.input_tokens": 3, "gen_ai.usage.output_tokens": 4})
        provider.shutdown()
        stored: list[dict[str, Any]] = []
        for _ in range(40):
            with urllib.request.urlopen(f"{endpoint}/v1/projects/default/spans", timeout=5) as response:
                stored = json.load(response)["data"]
            if stored:
                break
            time.sleep(0.25)
        [received] = stored
        assert received["name"] == "chat probe-model" and received["span_kind"] == "LLM"
        assert received["attributes"]["llm.token_count.prompt"] == 3
        assert (tmp_path / "phoenix" / "phoenix.db").exists()
        viewer.send_signal(signal.SIGINT)
        assert viewer.wait(timeout=30) == 0
    finally:
        if viewer.poll() is None:
            viewer.kill()
            viewer.wait()
