"""The hostile-input harness: run the real command line on a tree an attacker wrote, and watch it.

Every hostile case builds its input in a temporary directory, names a *marker* path that its
payload would create if any of its code ran, and runs `scaffold` in a subprocess through
:func:`run_hostile`. :func:`assert_contained` then asserts what every case must hold:

- no code from the input ran (the marker does not exist);
- no hang (the command finished within its time bound);
- no traceback (a failure is one ``error:`` line and a non-zero exit);
- nothing was written into the tree that was read (a snapshot before and after agree);
- memory stayed bounded (peak resident set of the command, from ``wait4``).
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

TIME_BOUND_S = 60.0  # of CPU time; a hang is killed after HANG_AFTER_S of wall time
HANG_AFTER_S = 4 * TIME_BOUND_S
MEMORY_BOUND_MIB = 1024.0


@dataclass(frozen=True)
class Outcome:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mib: float
    timed_out: bool
    cpu_seconds: float = 0.0
    """User plus system CPU time of the command: what a bound can hold on a shared, loaded machine
    (wall time only guards against a hang, through the timeout)."""

    def describe(self) -> str:
        return (
            f"scaffold {' '.join(self.args)} -> rc {self.returncode} in {self.seconds:.1f} s "
            f"({self.cpu_seconds:.1f} s CPU), "
            f"{self.peak_rss_mib:.0f} MiB\n--- stdout\n{self.stdout[-2000:]}\n--- stderr\n{self.stderr[-2000:]}"
        )


def snapshot(root: Path) -> dict[str, tuple[int, int, int, int | str]]:
    """Every entry below ``root`` (links not followed): type bits, mode, size, mtime or link target."""
    entries: dict[str, tuple[int, int, int, int | str]] = {}
    if not root.exists() and not root.is_symlink():
        return entries
    for directory, dirnames, filenames in os.walk(root, followlinks=False, onerror=lambda _: None):
        for name in [*dirnames, *filenames]:
            path = os.path.join(directory, name)
            try:
                info = os.lstat(path)
            except OSError:
                continue
            detail: int | str = info.st_mtime_ns
            if stat.S_ISLNK(info.st_mode):
                detail = os.readlink(path)
            elif stat.S_ISDIR(info.st_mode):
                detail = 0  # a directory's mtime moves when git or Python reads it; its entries are compared instead
            entries[os.path.relpath(path, root)] = (
                stat.S_IFMT(info.st_mode),
                stat.S_IMODE(info.st_mode),
                info.st_size if not stat.S_ISDIR(info.st_mode) else 0,
                detail,
            )
    return entries


def _default_interrupt() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_hostile(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = HANG_AFTER_S,
    stdin: str | None = None,
    python: Sequence[str] | None = None,
    user: int | None = None,
) -> Outcome:
    """Run ``python -m scaffold ARGS`` in a subprocess; kill it (and its group) past ``timeout``."""
    command = [*(python or [sys.executable]), "-m", "scaffold", *args]
    full_env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "200", **(env or {})}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=full_env,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
            user=user,
            # A job started in the background by a non-interactive shell inherits SIGINT ignored, and
            # Python then never raises KeyboardInterrupt; the command runs as from a terminal.
            preexec_fn=_default_interrupt,
        )
        if stdin is not None and process.stdin is not None:
            try:
                process.stdin.write(stdin.encode())
                process.stdin.close()
            except BrokenPipeError:
                pass
        timed_out = False
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                timed_out = True
                os.killpg(process.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Outcome(
            args=tuple(args),
            returncode=process.returncode,
            stdout=out.read().decode("utf-8", errors="replace"),
            stderr=err.read().decode("utf-8", errors="replace"),
            seconds=seconds,
            peak_rss_mib=usage.ru_maxrss / 1024,  # Linux reports KiB
            timed_out=timed_out,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
        )


def assert_contained(
    outcome: Outcome,
    *,
    marker: Path | None = None,
    watched: Path | None = None,
    before: Mapping[str, object] | None = None,
    exit_codes: Sequence[int] | None = None,
    time_bound: float = TIME_BOUND_S,
    memory_bound_mib: float = MEMORY_BOUND_MIB,
) -> None:
    """The invariants every hostile case holds (see the module docstring)."""
    report = outcome.describe()
    assert not outcome.timed_out, f"hung past {time_bound:.0f} s\n{report}"
    cpu = outcome.cpu_seconds
    assert cpu < time_bound, f"took {cpu:.1f} s of CPU (bound {time_bound:.0f} s)\n{report}"
    assert outcome.returncode >= 0, f"killed by signal {-outcome.returncode}\n{report}"
    assert "Traceback (most recent call last)" not in outcome.stderr + outcome.stdout, report
    assert outcome.peak_rss_mib < memory_bound_mib, f"peak RSS {outcome.peak_rss_mib:.0f} MiB\n{report}"
    if marker is not None:
        assert not marker.exists(), f"the input's code ran: {marker} was created\n{report}"
    if exit_codes is not None:
        assert outcome.returncode in exit_codes, f"exit {outcome.returncode}, expected one of {exit_codes}\n{report}"
    if outcome.returncode not in (0, 1):  # 1 is also `--fail-under`; any other failure is one error line
        lines = [line for line in outcome.stderr.splitlines() if line.strip()]
        assert lines and lines[-1].startswith("error:"), f"no one-line error\n{report}"
    if watched is not None and before is not None:
        after = snapshot(watched)
        changed = sorted({key for key in set(before) | set(after) if before.get(key) != after.get(key)})
        assert not changed, f"the command changed the tree it read: {changed[:10]}\n{report}"
