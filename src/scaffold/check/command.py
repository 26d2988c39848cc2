"""The `scaffold check` command. Heavy imports wait until the command runs, so other commands start fast."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from scaffold.check.model import Check
    from scaffold.check.runner import CheckRun

FORMATS = ("text", "json", "markdown", "sarif")


def _error(message: str, code: int) -> typer.Exit:
    """One line on stderr. The message is plain text: paths, ids and config values the user or
    the checked repository chose are never read as console markup."""
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


def _split_ids(values: list[str] | None) -> list[str]:
    return [item.strip().upper() for value in values or [] for item in value.split(",") if item.strip()]


def check(
    path: Annotated[Path, typer.Argument(help="Repository directory to score.")] = Path("."),
    output_format: Annotated[str, typer.Option("--format", "-f", help="text, json, markdown or sarif.")] = "text",
    fail_under: Annotated[
        float | None,
        typer.Option("--fail-under", help="Exit 1 when the total score is below this (0-100)."),
    ] = None,
    select: Annotated[
        list[str] | None,
        typer.Option("--select", help="Only these checks (ids or prefixes, comma-separated or repeated)."),
    ] = None,
    ignore: Annotated[list[str] | None, typer.Option("--ignore", help="Skip these checks (ids or prefixes).")] = None,
    explain: Annotated[str | None, typer.Option("--explain", help="Describe one check and exit.")] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report to this file instead of stdout."),
    ] = None,
) -> None:
    """Score a repository against the credible-project rubric."""
    from rich.console import Console

    from scaffold.check.config import ConfigError
    from scaffold.check.registry import RegistryError, load_checks
    from scaffold.check.runner import (
        CheckTargetError,
        repository_config,
        run_checks,
        validate_target,
    )

    if output_format not in FORMATS:
        raise _error(f"--format must be one of {', '.join(FORMATS)}, not {output_format!r}.", 2)
    if fail_under is not None and not 0 <= fail_under <= 100:
        raise _error("--fail-under must be between 0 and 100.", 2)
    try:
        checks = load_checks()
    except RegistryError as exc:
        raise _error(str(exc), 2) from None
    known = {c.id for c in checks}
    if explain is not None:
        from scaffold.check.docs import explain_check

        found = next((c for c in checks if c.id == explain.strip().upper()), None)
        if found is None:
            raise _error(f"no check {explain!r}; known ids: {', '.join(sorted(known))}.", 2)
        Console().print(explain_check(found), highlight=False, markup=False)
        return
    try:
        root = validate_target(path)
        config, notes = repository_config(root)
    except CheckTargetError as exc:
        raise _error(str(exc), 2) from None
    except PermissionError as exc:  # a folder on the way to the path cannot be entered
        raise _error(f"{path} cannot be read ({exc.strerror or exc}).", 2) from None
    except ConfigError as exc:
        raise _error(f"{path / 'pyproject.toml'}: {exc}", 2) from None
    chosen_select, chosen_ignore = _split_ids(select), _split_ids(ignore)
    for prefix in chosen_select + chosen_ignore:
        if not any(check_id.startswith(prefix) for check_id in known):
            raise _error(f"{prefix!r} matches no check; known ids: {', '.join(sorted(known))}.", 2)
    if chosen_select:
        config.select = chosen_select
    config.ignore = [*config.ignore, *chosen_ignore]
    threshold = fail_under if fail_under is not None else config.fail_under
    try:
        run = run_checks(root, checks, config)
    except CheckTargetError as exc:
        raise _error(str(exc), 2) from None
    except KeyboardInterrupt:
        raise _error("interrupted.", 130) from None
    run.notes[:0] = notes
    rendered = _render(run, checks, output_format, to_terminal=output is None)
    if output is not None:
        try:
            write_report(output, rendered)
        except OSError as exc:
            raise _error(f"cannot write {output}: {exc.strerror or exc}.", 2) from None
    elif rendered:
        _tolerant_stdout()
        typer.echo(rendered, nl=False)
    if threshold is not None and run.score.total < threshold:
        if output_format == "text" or output is not None:
            Console(stderr=True).print(
                f"[bold red]score {run.score.total:.1f} is below --fail-under {threshold:g}[/]",
                highlight=False,
            )
        raise typer.Exit(1)


def _tolerant_stdout() -> None:
    """Whatever the terminal's encoding, printing a report never fails on a character."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")


def _render(run: CheckRun, checks: list[type[Check]], output_format: str, to_terminal: bool) -> str:
    """The report as one string; text on a terminal is printed with colour and returns ``""``."""
    from io import StringIO

    from rich.console import Console

    from scaffold.check import report
    from scaffold.check.sarif import render_sarif

    if output_format == "text":
        if to_terminal:
            _tolerant_stdout()
            report.render_text(run, Console())
            return ""
        buffer = StringIO()
        report.render_text(run, Console(file=buffer, width=160))
        return buffer.getvalue()
    if output_format == "json":
        return report.render_json(run) + "\n"
    if output_format == "markdown":
        return report.render_markdown(run)
    return render_sarif(run, checks) + "\n"
