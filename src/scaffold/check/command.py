"""The `scaffold check` command. Heavy imports wait until the command runs, so other commands start fast."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

FORMATS = ("text", "json", "markdown", "sarif")


def _error(message: str, code: int) -> typer.Exit:
    from rich.console import Console

    Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _split_ids(values: list[str] | None) -> list[str]:
    return [
        item.strip().upper() for value in values or [] for item in value.split(",") if item.strip()
    ]


def check(
    path: Annotated[Path, typer.Argument(help="Repository directory to score.")] = Path("."),
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="text, json, markdown or sarif.")
    ] = "text",
    fail_under: Annotated[
        float | None,
        typer.Option("--fail-under", help="Exit 1 when the total score is below this (0-100)."),
    ] = None,
    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select", help="Only these checks (ids or prefixes, comma-separated or repeated)."
        ),
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option("--ignore", help="Skip these checks (ids or prefixes).")
    ] = None,
    explain: Annotated[
        str | None, typer.Option("--explain", help="Describe one check and exit.")
    ] = None,
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
    if output_format == "text":
        from scaffold.check.report import render_text

        if output is not None:
            with output.open("w", encoding="utf-8") as handle:
                render_text(run, Console(file=handle, width=160))
        else:
            render_text(run, Console())
    else:
        if output_format == "json":
            from scaffold.check.report import render_json

            rendered = render_json(run)
        elif output_format == "markdown":
            from scaffold.check.report import render_markdown

            rendered = render_markdown(run)
        else:
            from scaffold.check.sarif import render_sarif

            rendered = render_sarif(run, checks)
        if output is not None:
            try:
                output.write_text(rendered, encoding="utf-8")
            except OSError as exc:
                raise _error(f"cannot write {output}: {exc.strerror or exc}.", 2) from None
        else:
            typer.echo(rendered)
    if threshold is not None and run.score.total < threshold:
        if output_format == "text" or output is not None:
            Console(stderr=True).print(
                f"[bold red]score {run.score.total:.1f} is below --fail-under {threshold:g}[/]",
                highlight=False,
            )
        raise typer.Exit(1)
