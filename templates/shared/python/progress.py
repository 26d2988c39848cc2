"""Progress for long work, on a terminal and in logs alike.

On a terminal it is a rich progress bar. When output goes to a file or a CI log, a bar would
print nothing until the end, so it writes a plain line every ``interval_s`` seconds instead
(``ingest: 640/2047 (31%), 12.9/s, about 109 s left``) and one when the work is done.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress

# update(done, total): how much is done so far, and the total when it is (newly) known.
Update = Callable[[int, "int | None"], None]


@contextmanager
def progress(description: str, total: int | None, console: Console, interval_s: float = 10.0) -> Iterator[Update]:
    if console.is_terminal:
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task(description, total=total)

            def update(done: int, new_total: int | None = None) -> None:
                bar.update(task, completed=done, total=new_total or total)

            yield update
        return
    log = _LogLines(description, total, console, interval_s)
    yield log.update
    log.finish()


class _LogLines:
    def __init__(self, description: str, total: int | None, console: Console, interval_s: float) -> None:
        self.description, self.total, self.console, self.interval_s = description, total, console, interval_s
        self.start = self.last_line = time.monotonic()
        self.done = self.printed = 0

    def update(self, done: int, total: int | None = None) -> None:
        self.done, self.total = done, total or self.total
        now = time.monotonic()
        if now - self.last_line >= self.interval_s:
            self._print(now)

    def finish(self) -> None:
        if self.done != self.printed:
            self._print(time.monotonic())

    def _print(self, now: float) -> None:
        self.last_line, self.printed = now, self.done
        self.console.print(self._line(now), highlight=False, soft_wrap=True)

    def _line(self, now: float) -> str:
        elapsed = max(now - self.start, 1e-9)
        rate = self.done / elapsed
        if not self.total:
            return f"{self.description}: {self.done} done, {rate:.1f}/s"
        left = f", about {(self.total - self.done) / rate:.0f} s left" if rate and self.done < self.total else ""
        return f"{self.description}: {self.done}/{self.total} ({self.done / self.total:.0%}), {rate:.1f}/s{left}"
