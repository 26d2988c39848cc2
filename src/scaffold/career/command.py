"""The `scaffold bullets` and `scaffold match` commands (imports wait until a command runs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from scaffold.console import emit
from scaffold.console import error as _error

FORMATS = ("text", "json", "markdown")

FormatOption = Annotated[str, typer.Option("--format", "-f", help="text, json or markdown.")]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the result to this file instead of stdout.")
]


def _repository(path: Path) -> Path:
    from scaffold.check.runner import CheckTargetError, validate_target

    try:
        return validate_target(path)
    except CheckTargetError as exc:
        raise _error(str(exc), 2) from None
    except PermissionError as exc:
        raise _error(f"{path} cannot be read ({exc.strerror or exc}).", 2) from None


def _format(value: str) -> str:
    if value not in FORMATS:
        raise _error(f"--format must be one of {', '.join(FORMATS)}, not {value!r}.", 2)
    return value


def bullets(
    path: Annotated[Path, typer.Argument(help="Repository directory.")] = Path("."),
    output_format: FormatOption = "text",
    output: OutputOption = None,
) -> None:
    """Three to five resume bullets from the repository's evidence, each number with its source."""
    from scaffold.career import bullets as module
    from scaffold.check.report import clean_data

    output_format = _format(output_format)
    report = module.bullets(_repository(path))
    if output_format == "json":
        rendered = json.dumps(clean_data(module.to_data(report)), indent=2) + "\n"
    elif output_format == "markdown":
        rendered = module.render_markdown(report)
    else:
        from scaffold.check.report import displayable

        rendered = displayable(module.render_text(report))
    emit(rendered, output)


def match(
    descriptions: Annotated[list[Path], typer.Argument(help="Job-description files (plain text or Markdown).")],
    repo: Annotated[
        list[Path] | None, typer.Option("--repo", help="A repository to audit against them (repeatable).")
    ] = None,
    output_format: FormatOption = "text",
    output: OutputOption = None,
) -> None:
    """Rank the tools job descriptions name and show where your repositories use each, or how to add it."""
    from scaffold.career import match as module
    from scaffold.check.report import clean_data

    output_format = _format(output_format)
    try:
        texts = [module.read_description(path) for path in descriptions]
    except module.DescriptionError as exc:
        raise _error(str(exc), 2) from None
    repositories = [_repository(path) and path for path in repo or []]
    report = module.match(texts, repositories)
    if output_format == "json":
        rendered = json.dumps(clean_data(module.to_data(report)), indent=2) + "\n"
    elif output_format == "markdown":
        rendered = module.render_markdown(report)
    else:
        rendered = module.render_text(report)
    emit(rendered, output)
