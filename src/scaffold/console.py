"""The command line's one user-error boundary and its output helpers, shared by every command.

A user error is one ``error:`` line on stderr and a non-zero exit; the message is plain text, so
paths, ids and values chosen by the user or by a checked repository are never read as console
markup. Reports are written whole or not at all.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

import typer


def error(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: MESSAGE`` on one line and return the exit to raise."""
    from rich.console import Console
    from rich.text import Text

    from scaffold.check.report import displayable

    line = Text("error: ", style="bold red")
    line.append(displayable(message).replace("\n", " "))
    Console(stderr=True).print(line, highlight=False, soft_wrap=True)
    return typer.Exit(code)


def write_report(output: Path, text: str) -> None:
    """Write the whole report or nothing: a regular file is replaced atomically (a failed write
    leaves the previous file, or none); a device or pipe (``/dev/stdout``) is written directly."""
    try:
        info = output.stat()
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(21, "it is a directory", str(output))
    data = text.encode("utf-8")
    if info is not None and not stat.S_ISREG(info.st_mode):
        with output.open("wb") as device:
            device.write(data)
        return
    if output.is_symlink():  # the user named a link to their report: replace what it points to
        output = output.resolve()
    descriptor, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial", dir=output.parent)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~umask)
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def tolerant_stdout() -> None:
    """Whatever the terminal's encoding, printing a report never fails on a character."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")


def emit(text: str, output: Path | None) -> None:
    """``text`` to ``output`` (whole or nothing) or to stdout; a failed write is a user error."""
    if output is not None:
        try:
            write_report(output, text)
        except OSError as exc:
            raise error(f"cannot write {output}: {exc.strerror or exc}.", 2) from None
    elif text:
        tolerant_stdout()
        typer.echo(text, nl=False)
