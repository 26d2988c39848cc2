"""`make demo`: real POST /run streams (server-sent events) recorded as an SVG screenshot, and,
where a headless Chromium is installed, the question page at / driven in it with the same tasks
(each labelled with its exact answer, computed by the task's SQL)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from .api import create_app, parse_sse
from .browser import screenshot_page
from .runtime import Runtime
from .serving import serve_in_thread
from .tasks import Task


def record_demo(runtime: Runtime, tasks: Sequence[Task], out: Path, title: str) -> Path:
    recorder = Console(record=True, width=110)
    agent = runtime.agent()
    with (
        serve_in_thread(create_app(lambda: agent), name="agent API") as base,
        httpx.Client(base_url=base, timeout=600) as client,
    ):
        for task in tasks:
            lines = [f"[bold]{escape(task.question)}[/]", ""]
            with client.stream("POST", "/run", json={"task": task.question}) as response:
                response.raise_for_status()
                lines += [describe_event(event) for event in parse_sse(response.iter_lines())]
            lines.append(f"[dim]expected {task.answer:g} {escape(task.unit)}[/]")
            recorder.print(Panel("\n".join(lines), title="POST /run  (server-sent events)", title_align="left"))
    out.parent.mkdir(parents=True, exist_ok=True)
    recorder.save_svg(str(out), title=title)
    return out


def screenshot_demo(runtime: Runtime, tasks: Sequence[Task], out: Path) -> Path:
    agent = runtime.agent()
    with serve_in_thread(create_app(lambda: agent, runtime.settings), name="agent API") as base:
        labelled = [(task.question, f"exact answer {task.answer:g} {task.unit} (the task's SQL)") for task in tasks]
        return screenshot_page(base, out, labelled)


def describe_event(event: dict[str, Any]) -> str:
    """One line per streamed event: a step's tool calls and failures, or the run's outcome."""
    if event.get("type") == "step":
        parts = [
            escape(f"{call['name']}({json.dumps(call['arguments'], ensure_ascii=False)[:90]})")
            + " -> "
            + ("[green]ok[/]" if call["ok"] else f"[red]{call['error_kind']}[/]")
            for call in event.get("tool_calls", [])
        ]
        parts += [f"[yellow]{f['kind']}[/]" for f in event.get("failures", []) if not event.get("tool_calls")]
        retries = f", {len(event['retries'])} retries" if event.get("retries") else ""
        what = "; ".join(parts) or ("final answer" if event.get("kind") == "final" else "no tool call")
        return f"[cyan]step {event['step']}[/] {what}  [dim]{event['latency_s'] * 1000:.0f} ms{retries}[/]"
    record = event.get("record", {})
    outcome = json.dumps(record.get("answer")) if record.get("answer") else str(record.get("error"))
    latency_ms = record.get("latency_s", 0) * 1000
    return f"[bold]result[/] {record.get('status')}: {escape(outcome)}  [dim]{latency_ms:.0f} ms[/]"
