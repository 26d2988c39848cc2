"""The `scaffold check` command. Heavy imports wait until the command runs, so other commands start fast."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scaffold.console import emit, tolerant_stdout
from scaffold.console import error as _error

if TYPE_CHECKING:
    from scaffold.check.model import Check
    from scaffold.check.runner import CheckRun

FORMATS = ("text", "json", "markdown", "sarif")


def _split_ids(values: list[str] | None) -> list[str]:
    return [item.strip().upper() for value in values or [] for item in value.split(",") if item.strip()]


def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Repository directories to score (several: one portfolio summary).", show_default="."),
    ] = None,
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
    """Score repositories against the credible-project rubric (several paths: a portfolio view)."""
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
    targets = paths or [Path(".")]
    roots: list[Path] = []
    if explain is None:
        for path in targets:
            try:
                roots.append(validate_target(path))
            except CheckTargetError as exc:
                raise _error(str(exc), 2) from None
            except PermissionError as exc:  # a folder on the way to the path cannot be entered
                raise _error(f"{path} cannot be read ({exc.strerror or exc}).", 2) from None
    try:  # plugins come from the installed environment only, never from a checked tree
        checks = load_checks(exclude=roots)
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
    chosen_select, chosen_ignore = _split_ids(select), _split_ids(ignore)
    for prefix in chosen_select + chosen_ignore:
        if not any(check_id.startswith(prefix) for check_id in known):
            raise _error(f"{prefix!r} matches no check; known ids: {', '.join(sorted(known))}.", 2)
    prepared = []
    for path, root in zip(targets, roots, strict=True):
        try:
            config, notes = repository_config(root)
        except ConfigError as exc:
            raise _error(f"{path / 'pyproject.toml'}: {exc}", 2) from None
        except PermissionError as exc:
            raise _error(f"{path} cannot be read ({exc.strerror or exc}).", 2) from None
        if chosen_select:
            config.select = chosen_select
        config.ignore = [*config.ignore, *chosen_ignore]
        prepared.append((path, root, config, notes))
    runs = []
    for _path, root, config, notes in prepared:
        try:
            run = run_checks(root, checks, config)
        except CheckTargetError as exc:
            raise _error(str(exc), 2) from None
        except KeyboardInterrupt:
            raise _error("interrupted.", 130) from None
        run.notes[:0] = notes
        threshold = fail_under if fail_under is not None else config.fail_under
        runs.append((run, threshold))
    if len(runs) == 1:
        rendered = _render(runs[0][0], checks, output_format, to_terminal=output is None)
    else:
        from scaffold.check import portfolio

        rendered = portfolio.render([run for run, _ in runs], checks, output_format, [str(p) for p in targets])
    emit(rendered, output)
    below = [(run, threshold) for run, threshold in runs if threshold is not None and run.score.total < threshold]
    if below:
        if output_format == "text" or output is not None:
            from rich.text import Text

            from scaffold.check.report import displayable

            for run, threshold in below:
                where = f"{displayable(str(run.root))}: " if len(runs) > 1 else ""
                message = f"{where}score {run.score.total:.1f} is below --fail-under {threshold:g}"
                Console(stderr=True).print(Text(message, style="bold red"), highlight=False, soft_wrap=True)
        raise typer.Exit(1)


def _render(run: CheckRun, checks: list[type[Check]], output_format: str, to_terminal: bool) -> str:
    """The report as one string; text on a terminal is printed with colour and returns ``""``."""
    from io import StringIO

    from rich.console import Console

    from scaffold.check import report
    from scaffold.check.sarif import render_sarif

    if output_format == "text":
        if to_terminal:
            tolerant_stdout()
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
