"""A synthetic OpenAI-compatible streaming endpoint: a load target, not a model.

It answers /v1/completions and /v1/chat/completions with ``max_tokens`` fake tokens as SSE,
with configurable time to first token and inter-token gap (0 = as fast as it can write), and
reports usage like a real server. Uses: measuring the load generator's own ceiling (it has to
outrun the server, not the other way round), and injecting faults into tests. Plain asyncio
streams keep the server side cheap so the client is what gets measured.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from dataclasses import dataclass

FAULTS = ("none", "http_500", "error_mid_stream", "malformed", "zero_tokens", "drop", "no_usage", "stall")


@dataclass
class SyntheticConfig:
    ttft_ms: float = 0.0
    itl_ms: float = 0.0
    fault: str = "none"
    fault_after_tokens: int = 3
    batch: int = 32  # events per write when itl_ms == 0


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def _event(payload: dict[str, object]) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


class SyntheticServer:
    def __init__(self, config: SyntheticConfig) -> None:
        self.config = config
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                method, path, _ = request_line.split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines if h)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                keep_going = await self.route(method, path, body, writer)
                if not keep_going:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def route(self, method: str, path: str, body: bytes, writer: asyncio.StreamWriter) -> bool:
        if method == "GET" and path in ("/health", "/v1/models"):
            data = (
                b"{}"
                if path == "/health"
                else json.dumps({"object": "list", "data": [{"id": "synthetic", "object": "model"}]}).encode()
            )
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(data), data)
            )
            await writer.drain()
            return True
        if method != "POST" or path not in ("/v1/completions", "/v1/chat/completions"):
            writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return True
        self.requests += 1
        request = json.loads(body or b"{}")
        return await self.stream(request, chat=path.endswith("chat/completions"), writer=writer)

    async def stream(self, request: dict[str, object], *, chat: bool, writer: asyncio.StreamWriter) -> bool:
        config = self.config
        if config.fault == "http_500":
            data = b'{"error":{"message":"synthetic failure","type":"server_error"}}'
            writer.write(
                b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(data), data)
            )
            await writer.drain()
            return True
        max_tokens = request.get("max_tokens") or request.get("max_completion_tokens")
        tokens = 0 if config.fault == "zero_tokens" else (max_tokens if isinstance(max_tokens, int) else 16)
        prompt = request.get("prompt") or json.dumps(request.get("messages"))
        prompt_tokens = max(1, len(str(prompt)) // 4)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
        if config.ttft_ms:
            await asyncio.sleep(config.ttft_ms / 1000)
        created = int(time.time())
        kind = "chat.completion.chunk" if chat else "text_completion"
        batch: list[bytes] = []
        for index in range(tokens):
            if (
                config.fault in ("error_mid_stream", "malformed", "drop", "stall")
                and index == config.fault_after_tokens
            ):
                if config.fault == "error_mid_stream":
                    batch.append(_event({"error": {"message": "synthetic failure mid-stream", "code": 500}}))
                    break
                if config.fault == "malformed":
                    batch.append(b"data: {not json\n\n")
                    break
                writer.write(_chunk(b"".join(batch)))
                await writer.drain()
                if config.fault == "stall":
                    await asyncio.sleep(3600)
                writer.transport.abort()  # "drop": the connection dies without the end of the stream
                return False
            choice: dict[str, object] = (
                {"index": 0, "delta": {"content": f" t{index}"}, "finish_reason": None}
                if chat
                else {"index": 0, "text": f" t{index}", "finish_reason": None}
            )
            batch.append(
                _event(
                    {"id": "synthetic", "object": kind, "created": created, "model": "synthetic", "choices": [choice]}
                )
            )
            if config.itl_ms or len(batch) >= config.batch:
                writer.write(_chunk(b"".join(batch)))
                batch = []
                await writer.drain()
                if config.itl_ms:
                    await asyncio.sleep(config.itl_ms / 1000)
        else:
            usage = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": tokens,
                "total_tokens": prompt_tokens + tokens,
            }
            batch.append(
                _event(
                    {
                        "id": "synthetic",
                        "object": kind,
                        "created": created,
                        "model": "synthetic",
                        "choices": [],
                        **({} if config.fault == "no_usage" else {"usage": usage}),
                    }
                )
            )
            batch.append(b"data: [DONE]\n\n")
        writer.write(_chunk(b"".join(batch)) + b"0\r\n\r\n")
        await writer.drain()
        return True


async def serve(host: str, port: int, config: SyntheticConfig) -> None:
    server = await asyncio.start_server(SyntheticServer(config).handle, host, port, backlog=1024)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description="Synthetic OpenAI-compatible streaming load target (not a model).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--ttft-ms", type=float, default=0.0)
    parser.add_argument("--itl-ms", type=float, default=0.0)
    parser.add_argument("--fault", choices=FAULTS, default="none")
    parser.add_argument("--batch", type=int, default=32, help="SSE events per write when --itl-ms is 0")
    args = parser.parse_args()
    config = SyntheticConfig(ttft_ms=args.ttft_ms, itl_ms=args.itl_ms, fault=args.fault, batch=max(1, args.batch))
    print(
        f"Synthetic load target on http://{args.host}:{args.port}/v1 (ttft {args.ttft_ms} ms, "
        f"itl {args.itl_ms} ms, fault {args.fault})",
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, config))


if __name__ == "__main__":
    main()
