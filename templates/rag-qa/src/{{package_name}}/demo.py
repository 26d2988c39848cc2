"""`make demo`: real POST /ask requests against the served API, with questions from your own test
split, recorded as an SVG terminal screenshot and, where a headless Chromium is installed, as a
screenshot of the question page driven in that browser.

The questions are test-split cases of the last `make eval` (results/eval_cases.jsonl): those the
eval judged correct (a relevant document ranked first and cited) first, each labelled with that
judgement; a case the eval missed is shown only when too few were correct, and is labelled so.
Before any eval, the golden set's test questions are shown, labelled "not evaluated yet".
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from .bench import serving
from .evaluation import load_golden
from .pipeline import RagPipeline
from .results import RESULTS_DIR, read_jsonl

DEMO_COUNT = 3
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Chromium's own background traffic off: the page must work with no network but localhost
CHROMIUM_ARGS = (
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)


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


class BrowserUnavailable(RuntimeError):
    """No headless browser to drive: Playwright or a Chromium is missing."""


def chromium_path() -> str | None:
    """CHROMIUM if set, else the first Chromium on PATH; None leaves it to Playwright's own."""
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def screenshot_page(pipeline: RagPipeline, out: Path, questions: list[DemoQuestion], timeout_s: float = 120) -> Path:
    """Ask each question on the served page in a headless Chromium and save one screenshot.

    Every request the page makes off this server is blocked and counted: the page is meant to
    need nothing from the internet, so one such request is a bug and raises."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise BrowserUnavailable("Playwright is not installed (pip install -e '.[browser]')") from None
    executable = chromium_path()
    args = [*CHROMIUM_ARGS, *(["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])]
    outside: list[str] = []
    with serving(pipeline) as base, sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=executable, headless=True, args=args)
        except PlaywrightError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BrowserUnavailable(f"no headless Chromium could start ({first})") from None
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            own = urlsplit(base).netloc

            def guard(route: Any) -> None:
                if urlsplit(route.request.url).netloc == own:
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            page.route("**/*", guard)
            page.goto(base + "/", wait_until="load")
            for number, item in enumerate(questions, start=1):
                page.fill("input[name=question]", item.question)
                page.click("button[type=submit]")
                page.wait_for_function(
                    "n => document.querySelectorAll('#history > li[data-state=done], #history > li[data-state=failed]')"
                    ".length >= n",
                    arg=number,
                    timeout=timeout_s * 1000,
                )
                page.eval_on_selector("#history > li .label", "(el, text) => { el.textContent = text; }", item.label)
            failed = page.eval_on_selector_all(
                "#history > li[data-state=failed] .a", "els => els.map(e => e.textContent)"
            )
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=True)
        finally:
            browser.close()
    if outside:
        raise RuntimeError(f"the page requested {len(outside)} resources off its own server, first {outside[0]}")
    if failed:
        raise RuntimeError(f"the page showed an error for {len(failed)} questions, first: {failed[0]}")
    return out
