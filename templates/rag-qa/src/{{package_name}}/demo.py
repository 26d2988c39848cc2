"""`make demo`: real POST /ask requests against the served API, with questions from your own test
split, recorded as an SVG terminal screenshot and, where a headless Chromium is installed, as a
screenshot of the question page driven in that browser.

The questions are test-split cases of the last `make eval` (results/eval_cases.jsonl): those the
eval judged correct (a relevant document ranked first and cited) first, each labelled with that
judgement; a case the eval missed is shown only when too few were correct, and is labelled so.
Before any eval, the golden set's test questions are shown, labelled "not evaluated yet".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from .bench import serving
from .browser import screenshot_page
from .evaluation import load_golden
from .pipeline import RagPipeline
from .results import RESULTS_DIR, read_jsonl

DEMO_COUNT = 3


@dataclass(frozen=True)
class DemoQuestion:
    question: str
    label: str


def demo_questions(golden_path: Path, results_dir: Path = RESULTS_DIR, count: int = DEMO_COUNT) -> list[DemoQuestion]:
    """Up to ``count`` questions of the test split, each labelled with what the eval judged."""
    rows = read_jsonl(results_dir / "eval_cases.jsonl")
    if rows:
        correct = [r for r in rows if _judged_correct(r)]
        missed = [r for r in rows if not _judged_correct(r)]
        chosen = [DemoQuestion(r["question"], "eval: correct (source ranked first and cited)") for r in correct]
        chosen += [DemoQuestion(r["question"], "eval: missed (shown as it is)") for r in missed]
        return chosen[:count]
    cases = [c for c in load_golden(golden_path) if c.split == "test"] if golden_path.is_file() else []
    return [DemoQuestion(c.question, "not evaluated yet: run make eval") for c in cases[:count]]


def _judged_correct(row: dict[str, Any]) -> bool:
    expected = set(row.get("expected") or [])
    return row.get("first_relevant_rank") == 1 and bool(expected & set(row.get("citations") or []))


def record_demo(pipeline: RagPipeline, out: Path, title: str, questions: list[DemoQuestion]) -> Path:
    recorder = Console(record=True, width=100)
    with serving(pipeline) as base, httpx.Client(base_url=base, timeout=120) as client:
        for item in questions:
            body = client.post("/ask", json={"question": item.question}).raise_for_status().json()
            sources = "\n".join(f"  [{c['number']}] {escape(c['doc_id'])}" for c in body["citations"])
            recorder.print(
                Panel(
                    f"[bold]{escape(item.question)}[/]\n[green]{escape(item.label)}[/]\n\n{escape(body['answer'])}"
                    f"\n\n[cyan]sources[/]\n{sources}\n\n"
                    f"[dim]{body['mode']} · {sum(body['timings_ms'].values()):.0f} ms[/]",
                    title="POST /ask",
                    title_align="left",
                )
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    recorder.save_svg(str(out), title=title)
    return out


def screenshot_demo(pipeline: RagPipeline, out: Path, questions: list[DemoQuestion]) -> Path:
    """The question page at /, driven in a headless Chromium with the same questions."""
    with serving(pipeline) as base:
        return screenshot_page(base, out, [(q.question, q.label) for q in questions])
