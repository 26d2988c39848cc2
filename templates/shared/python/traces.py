"""A local trace viewer for this project's spans: ``make traces`` (``python -m <package>.traces``).

It starts Arize Phoenix from the optional ``traces`` extra, bound to 127.0.0.1, with its SQLite
database under ``.data/phoenix`` so deleting ``.data/`` deletes every trace, and prints the
``OTEL_EXPORTER_OTLP_ENDPOINT`` to export in the shell that runs the project. Phoenix takes
OTLP/HTTP on the same port as its UI; nothing leaves the machine. It installs nothing itself.
Ctrl-C stops the viewer (its data stays for the next start); its output goes to ``viewer.log``
in the data folder.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

HOST = "127.0.0.1"
DEFAULT_PORT = 6006
DEFAULT_GRPC_PORT = 4317
DEFAULT_DATA_DIR = Path(".data") / "phoenix"
START_TIMEOUT_S = 120.0
INSTALL_HINT = 'The trace viewer is not installed: run `make setup-traces` (pip install -e ".[traces]").'


def viewer_installed() -> bool:
    return importlib.util.find_spec("phoenix") is not None


def viewer_command(port: int, grpc_port: int, data_dir: Path) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that start Phoenix on 127.0.0.1 with its data in ``data_dir``."""
    env = dict(os.environ)
    env.update(
        {
            "PHOENIX_HOST": HOST,
            "PHOENIX_PORT": str(port),
            "PHOENIX_GRPC_PORT": str(grpc_port),
            "PHOENIX_WORKING_DIR": str(data_dir.resolve()),
            # Offline by default: no usage reporting from the viewer.
            "PHOENIX_TELEMETRY_ENABLED": "false",
        }
    )
    return [sys.executable, "-m", "phoenix.server.main", "serve"], env


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def wait_until_ready(url: str, process: subprocess.Popen[bytes], timeout_s: float = START_TIMEOUT_S) -> bool:
    """Poll ``url`` until it answers, the process exits, or ``timeout_s`` passes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    return False


def stop(process: subprocess.Popen[bytes], grace_s: float = 10.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"traces: {message}\n")


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(prog="traces", description="Start a local trace viewer for this project.")
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT, help="UI and OTLP/HTTP port (default 6006)")
    parser.add_argument("--grpc-port", type=_port, default=DEFAULT_GRPC_PORT, help="OTLP/gRPC port (default 4317)")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="where the traces are kept")
    args = parser.parse_args(argv)
    if not viewer_installed():
        print(INSTALL_HINT, file=sys.stderr)
        return 1
    for name, port in (("--port", args.port), ("--grpc-port", args.grpc_port)):
        if not port_is_free(port):
            print(f"Port {port} on {HOST} is in use; stop what holds it or pass another {name}.", file=sys.stderr)
            return 1
    args.data_dir.mkdir(parents=True, exist_ok=True)
    command, env = viewer_command(args.port, args.grpc_port, args.data_dir)
    url = f"http://{HOST}:{args.port}"
    log_path = args.data_dir / "viewer.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        if not wait_until_ready(f"{url}/healthz", process):
            stop(process)
            lines = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            print(
                f"The trace viewer did not start ({lines[-1] if lines else 'no output'}; see {log_path}).",
                file=sys.stderr,
            )
            return 1
        print(f"Trace viewer: {url}  (data in {args.data_dir}, log in {log_path})")
        print(f"In the shell that runs the project: export OTEL_EXPORTER_OTLP_ENDPOINT={url}")
        print("Ctrl-C stops the viewer.", flush=True)
        process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop(process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
