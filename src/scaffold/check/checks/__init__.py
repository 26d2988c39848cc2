"""The built-in checks, one module per rubric family."""

from __future__ import annotations

from scaffold.check.checks import engineering, evaluation, performance, production, story, tracks
from scaffold.check.model import Check


def builtin_checks() -> list[type[Check]]:
    """Every built-in check class, in rubric order."""
    found: list[type[Check]] = []
    for module in (story, evaluation, engineering, production, performance, tracks):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Check) and "id" in vars(value):
                found.append(value)
    return found
