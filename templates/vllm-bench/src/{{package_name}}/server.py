"""Start, wait for and stop the model server named in the config (vLLM, llama.cpp or synthetic)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from .config import EngineArgs, ServerConfig
from .errors import UserError

LOG_DIR = Path(".data/logs")


class ServerError(UserError):
    """The server could not be started or never became ready; the message says where to look."""


def require_installed(server: ServerConfig) -> None:
    """Fail in one sentence, before any start, when the server's interpreter or model is missing."""
    if server.engine != "vllm":
        return
    setup = f"run `make {server.setup}` first" if server.setup else "install vLLM there or set server.python"
    if shutil.which(server.python) is None:
        raise ServerError(f"No such interpreter {server.python!r} for vLLM: {setup}.")
    looks_local = server.model.startswith((".", "/")) or Path(server.model).is_absolute()
    if looks_local and not Path(server.model).exists():
        raise ServerError(f"The model folder {server.model} does not exist: {setup} (it converts the model).")


def vllm_command(server: ServerConfig, engine_args: EngineArgs | None = None) -> list[str]:
    """The OpenAI-compatible vLLM server command for this config (module form works on every build)."""
    args = engine_args or server.engine_args
    return [
        server.python,
        "-m",
        "vllm.entrypoints.openai.api_server",
        "--model",
        server.model,
        "--served-model-name",
        server.served_model_name,
        "--host",
        server.host,
        "--port",
        str(server.port),
        *args.cli_args(),
    ]


def server_command(server: ServerConfig, engine_args: EngineArgs | None = None) -> list[str]:
    if server.engine == "vllm":
        return vllm_command(server, engine_args)
    if server.engine == "llamacpp":
        from .local_llm import server_command as llamacpp_command

        n_ctx = (engine_args or server.engine_args).max_model_len or 4096
        return llamacpp_command(server.port, server.host, n_ctx)
    if server.engine == "synthetic":
        return [
            sys.executable,
            "-m",
            f"{__package__}.synthetic_server",
            "--host",
            server.host,
            "--port",
            str(server.port),
        ]
    raise ServerError("server.engine is external: start it yourself and pass --base-url.")


def wait_ready(base_url: str, timeout_s: float, process: subprocess.Popen[bytes] | None = None) -> float:
    """Poll /health (vLLM) or /v1/models until the server answers; returns seconds waited."""
    start = time.monotonic()
    with httpx.Client(timeout=5) as client:
        while time.monotonic() - start < timeout_s:
            if process is not None and process.poll() is not None:
                raise ServerError(f"the server exited with code {process.returncode} before it was ready")
            for path in ("/health", "/v1/models"):
                try:
                    if client.get(base_url + path).status_code == 200:
                        return time.monotonic() - start
                except httpx.HTTPError:
                    pass
            time.sleep(0.5)
    raise ServerError(f"the server at {base_url} was not ready after {timeout_s:.0f} s")


@contextmanager
def running_server(
    server: ServerConfig, engine_args: EngineArgs | None = None, name: str = "server"
) -> Iterator[float]:
    """Run the configured server for the duration of the block; yields its startup time in seconds."""
    require_installed(server)
    command = server_command(server, engine_args)
    if port_in_use(server.host, server.port):
        raise ServerError(
            f"port {server.port} on {server.host} is already in use; stop what listens there or change server.port"
        )
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"{name}.log"
    env = {**os.environ, **server.env}
    print(f"Starting {server.engine}: {' '.join(command)} (log: {log_path})", flush=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        try:
            startup = wait_ready(server.base_url, server.startup_timeout_s, process)
        except ServerError as exc:
            tail = log_path.read_text(errors="replace")[-1500:]
            raise ServerError(f"{exc}; last lines of {log_path}:\n{tail}") from None
        print(f"Server ready after {startup:.1f} s", flush=True)
        yield startup
    finally:
        stop(process)


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def stop(process: subprocess.Popen[bytes], grace_s: float = 20) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def serve_forever(server: ServerConfig) -> None:
    """``make serve``: replace this process with the server so Ctrl-C and signals reach it directly."""
    require_installed(server)
    command = server_command(server)
    print(
        f"Serving {server.served_model_name} at {server.base_url}/v1 ({server.engine}): {' '.join(command)}", flush=True
    )
    os.environ.update(server.env)
    os.execvp(command[0], command)
