"""The `scaffold` command line."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from scaffold import __version__
from scaffold.career.command import bullets as bullets_command
from scaffold.career.command import match as match_command
from scaffold.check.command import check as check_command

app = typer.Typer(
    help="Generate credible AI-engineering projects and score repositories against the rubric.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()


class Conflict(StrEnum):
    inline = "inline"
    rej = "rej"


def _fail(message: str, code: int = 1) -> typer.Exit:
    from scaffold.console import error

    return error(message, code)


def _version(value: bool) -> None:
    if value:
        console.print(f"scaffold {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """scaffold: credible AI-engineering projects, generated and checked."""


@app.command("list")
def list_kinds() -> None:
    """List the built-in project kinds."""
    from scaffold import templates

    table = Table("kind", "what you get", box=None, header_style="bold")
    for kind in templates.kinds():
        table.add_row(f"[cyan]{kind.name}[/]", kind.summary)
    console.print(table)


_TRUST_HELP = (
    "Let a third-party template run code: Copier tasks, migrations and Jinja extensions, or any Cookiecutter"
    " template (hooks, unsandboxed Jinja). The built-in kinds never need it."
)


@app.command()
def new(
    kind: Annotated[
        str, typer.Argument(help="A built-in kind (see `scaffold list`), or a path or git URL of a template.")
    ],
    dest: Annotated[Path, typer.Argument(help="Directory to create.")],
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Accept every default answer without prompting.")
    ] = False,
    data: Annotated[
        list[str] | None, typer.Option("--data", "-d", help="Answer a question: key=value (repeatable).")
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Render into a non-empty directory, overwriting its files (never through a symbolic link);"
            " no git commit is made there.",
        ),
    ] = False,
    git: Annotated[
        bool, typer.Option("--git/--no-git", help="Initialise a git repository with a first commit.")
    ] = True,
    trust: Annotated[bool, typer.Option("--trust", help=_TRUST_HELP)] = False,
) -> None:
    """Render a new project."""
    from scaffold import render, templates  # imported here: `scaffold check` never needs them

    try:
        answers = render.parse_data(data or [])
        made = render.new_project(kind, dest, data=answers, defaults=defaults, force=force, init_git=git, trust=trust)
    except (render.RenderError, templates.TemplateError) as exc:
        raise _fail(str(exc), getattr(exc, "code", 1)) from None
    except KeyboardInterrupt:
        raise _fail("interrupted; nothing was written.", 130) from None
    if made.note:
        console.print(f"Note: {made.note}.", highlight=False, soft_wrap=True)
    console.print(f"[green]Created[/] {made.path}", highlight=False, soft_wrap=True)
    if made.git == "existing-files":
        console.print(
            f"No git commit: {made.path} already held files, which scaffold does not commit for you;"
            " review and commit the project yourself (`scaffold update` needs a committed, clean tree).",
            highlight=False,
            soft_wrap=True,
        )
    elif made.git == "inside-repository":
        console.print(
            "No git commit: the project is inside an existing git repository; commit it there.",
            highlight=False,
            soft_wrap=True,
        )
    builtin = templates.kind(kind)
    if builtin is not None:
        console.print(f"Next: cd {dest} && {builtin.first_run}", highlight=False, soft_wrap=True)
        if builtin.make_it_yours:
            console.print(
                f"Then make it yours: {builtin.make_it_yours} (the README's 'Make it yours' section has the rest).",
                highlight=False,
                soft_wrap=True,
            )


@app.command()
def update(
    dest: Annotated[Path, typer.Argument(help="A project made by `scaffold new`.")] = Path("."),
    data: Annotated[
        list[str] | None, typer.Option("--data", "-d", help="Change an answer: key=value (repeatable).")
    ] = None,
    conflict: Annotated[
        Conflict, typer.Option(help="How to show merge conflicts: inline markers or .rej files.")
    ] = Conflict.inline,
    trust: Annotated[bool, typer.Option("--trust", help=_TRUST_HELP)] = False,
) -> None:
    """Carry the newest template version into an existing project (three-way merge, offline).

    Exits non-zero while the merge left conflicts, and lists the files that have them.
    """
    from scaffold import render, templates

    try:
        result = render.update_project(dest, data=render.parse_data(data or []), conflict=conflict.value, trust=trust)
    except (render.RenderError, templates.TemplateError) as exc:
        raise _fail(str(exc), getattr(exc, "code", 1)) from None
    except KeyboardInterrupt:
        raise _fail("interrupted; check `git status` in the project before retrying.", 130) from None
    if result.clean:
        console.print(f"[green]Updated[/] {dest}; review with `git diff` and commit.", highlight=False)
        return
    for path in result.conflicted:
        console.print(f"conflict: {path}", highlight=False, soft_wrap=True)
    for path in result.rejects:
        console.print(f"rejected: {path}", highlight=False, soft_wrap=True)
    count = len(result.conflicted) + len(result.rejects)
    files = ", ".join([*result.conflicted, *result.rejects][:5]) + (", ..." if count > 5 else "")
    how = (
        "resolve the <<<<<<< before updating / >>>>>>> after updating markers"
        if result.conflicted
        else "re-apply your changes from the .rej files by hand and delete them"
    )
    raise _fail(f"update left {count} conflicted file{'s' if count != 1 else ''} ({files}); {how}, then commit.")


app.command("check")(check_command)
app.command("bullets")(bullets_command)
app.command("match")(match_command)


def main() -> None:
    app()
