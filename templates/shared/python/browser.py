"""`make demo` in a real headless browser: the page at `/` is driven as a user would, and saved
as one screenshot.

A Chromium is taken from CHROMIUM, else the first one on PATH, else Playwright's own (after
`playwright install chromium`). Every request the page makes off its own server is blocked and
counted: the page needs nothing from the internet, so one such request is a bug and raises.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
SKIPPED = "Install Chromium (Debian: apt install chromium) or set CHROMIUM=/path/to/chrome, then run make demo again."


class BrowserUnavailable(RuntimeError):
    """No headless browser to drive: Playwright or a Chromium is missing."""


def chromium_path() -> str | None:
    """CHROMIUM if set, else the first Chromium on PATH; None leaves it to Playwright's own."""
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def screenshot_page(base: str, out: Path, questions: Sequence[tuple[str, str]], timeout_s: float = 300) -> Path:
    """Ask each (question, label) on the page served at ``base`` and save one full-page screenshot;
    each answer shows its label (what the eval judged of it)."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise BrowserUnavailable("Playwright is not installed (pip install -e '.[browser]')") from None
    args = [*CHROMIUM_ARGS, *(["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])]
    outside: list[str] = []
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=args)
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
            for number, (question, label) in enumerate(questions, start=1):
                page.fill("input[name=question]", question)
                page.click("button[type=submit]")
                page.wait_for_function(
                    "n => document.querySelectorAll('#history > li[data-state=done], #history > li[data-state=failed]')"
                    ".length >= n",
                    arg=number,
                    timeout=timeout_s * 1000,
                )
                page.eval_on_selector("#history > li .label", "(el, text) => { el.textContent = text; }", label)
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
