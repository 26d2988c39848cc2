"""``make traces``: the viewer launcher's checks and failure messages (no viewer is started here)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from {{ package_name }} import traces


def test_missing_viewer_is_one_line_that_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(traces, "viewer_installed", lambda: False)
    assert traces.main([]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "make setup-traces" in err and 'pip install -e ".[traces]"' in err


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
