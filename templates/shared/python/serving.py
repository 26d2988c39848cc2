"""Serve an ASGI app from a background thread for the length of a ``with`` block.

Benchmarks, demos and helper services need a real HTTP server in the same process as the code
that drives it: real sockets and middleware, and no second process to manage.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


@contextmanager
def serve_in_thread(
    app: Any, *, host: str = "127.0.0.1", port: int = 0, name: str = "api", startup_timeout_s: float = 30.0
) -> Iterator[str]:
    """Start uvicorn on ``app`` in a daemon thread, yield its base URL, stop it on exit.

    ``port=0`` lets the operating system pick a free port, so parallel runs never collide.
    """
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"The {name} server did not start on {host}:{port or 'a free port'}.")
        time.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
