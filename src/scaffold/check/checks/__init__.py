"""The built-in checks, one module per rubric family.

They reach the registry the way a plugin's do: scaffold's own distribution declares
`builtin_checks` and `builtin_families` in the `scaffold.checks` and `scaffold.families` entry
point groups."""

from __future__ import annotations

from scaffold.check.checks import engineering, evaluation, performance, production, story, tracks
from scaffold.check.model import BUILTIN_FAMILIES, Check, Family


def builtin_checks() -> list[type[Check]]:
    """Every built-in check class, in rubric order."""
    found: list[type[Check]] = []
    for module in (story, evaluation, engineering, production, performance, tracks):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Check) and "id" in vars(value):
                found.append(value)
    return found


def builtin_families() -> list[Family]:
    """The rubric's families and their weights."""
    return list(BUILTIN_FAMILIES)
