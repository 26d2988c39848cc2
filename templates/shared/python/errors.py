"""The one boundary between user mistakes and bugs.

A mistake the user can fix — a bad setting, a missing file, an unreachable server, an invalid
config — is raised as ``UserError`` (or a subclass) with a sentence that says what to do next.
``run_cli`` prints it as one ``error:`` line and exits 1. Anything else is a bug and raises with
its traceback, so it gets fixed instead of being mistaken for bad input.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings

SettingsT = TypeVar("SettingsT", bound=BaseSettings)


class UserError(Exception):
    """A mistake the user can fix; the message says how."""


def load_settings(settings_class: type[SettingsT]) -> SettingsT:
    """Read the settings from the environment and .env; a bad value is a ``UserError`` naming it."""
    try:
        return settings_class()
    except ValidationError as exc:
        raise UserError(describe_settings_error(exc)) from None


def describe_settings_error(exc: ValidationError) -> str:
    """``MAX_STEPS='abc': Input should be a valid integer`` — the variable as the user spells it."""
    problems = []
    for error in exc.errors():
        name = "_".join(str(part) for part in error["loc"]).upper() or "settings"
        given = error.get("input")
        shown = f"={given!r}" if isinstance(given, str | int | float) else ""
        problems.append(f"{name}{shown}: {error['msg']}")
    return "invalid setting " + "; ".join(problems) + " (check the environment and .env; see .env.example)."


def run_cli(app: Callable[[], object]) -> None:
    """Run a command line app; a ``UserError`` becomes one line on stderr and exit status 1."""
    try:
        app()
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
