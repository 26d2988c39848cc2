"""`make demo`: real POST /ask requests against the served API, recorded as an SVG screenshot."""

from __future__ import annotations

from pathlib import Path

import httpx
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from .bench import serving
from .pipeline import RagPipeline

DEMO_QUESTIONS = (
    "How do I copy a whole directory tree?",
    "How can I get JSON output with the keys sorted?",
    "Which clock should I use to measure elapsed time?",
)


def record_demo(pipeline: RagPipeline, out: Path, title: str, questions: tuple[str, ...] = DEMO_QUESTIONS) -> Path:
    recorder = Console(record=True, width=100)
    with serving(pipeline) as base, httpx.Client(base_url=base, timeout=120) as client:
        for question in questions:
            body = client.post("/ask", json={"question": question}).raise_for_status().json()
            sources = "\n".join(f"  [{c['number']}] {escape(c['doc_id'])}" for c in body["citations"])
            recorder.print(
                Panel(
                    f"[bold]{escape(question)}[/]\n\n{escape(body['answer'])}\n\n[cyan]sources[/]\n{sources}\n\n"
                    f"[dim]{body['mode']} · {sum(body['timings_ms'].values()):.0f} ms[/]",
                    title="POST /ask",
                    title_align="left",
                )
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    recorder.save_svg(str(out), title=title)
    return out
