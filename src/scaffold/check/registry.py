"""Where checks come from: the built-in families plus any installed plugin.

A plugin package adds checks by declaring an entry point in the `scaffold.checks` group whose
object is a callable returning `Check` subclasses:

    [project.entry-points."scaffold.checks"]
    my_family = "my_package.checks:all_checks"
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import entry_points

from scaffold.check.checks import builtin_checks
from scaffold.check.evidence import Repository
from scaffold.check.model import Check

ENTRY_POINT_GROUP = "scaffold.checks"


class RegistryError(Exception):
    """A check (usually from a plugin) cannot be loaded; the message names it."""


def _validate(check: type[Check], origin: str) -> None:
    for attribute in ("id", "family"):
        if not isinstance(getattr(check, attribute, None), str):
            raise RegistryError(f"{origin}: check {check.__name__} has no '{attribute}'.")
    if not callable(getattr(check, "check", None)):
        raise RegistryError(f"{origin}: check {check.id} has no check() method.")
    unknown = [name for name in check.fact_names() if name not in Repository.FACTS]
    if unknown:
        raise RegistryError(
            f"{origin}: check {check.id} asks for unknown fact(s) {', '.join(unknown)}; "
            f"available: {', '.join(sorted(Repository.FACTS))}."
        )


def load_checks(include_plugins: bool = True) -> list[type[Check]]:
    """Every check, built-ins first, each id once."""
    found: dict[str, type[Check]] = {}

    def add(checks: Iterable[type[Check]], origin: str) -> None:
        for check in checks:
            _validate(check, origin)
            if check.id in found and found[check.id] is not check:
                raise RegistryError(
                    f"{origin}: check id {check.id} is already used by {found[check.id].__module__}."
                )
            found[check.id] = check

    add(builtin_checks(), "scaffold")
    if include_plugins:
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            try:
                provider = entry.load()
                checks = list(provider())
            except Exception as exc:  # a broken plugin must not hide the built-in verdict
                raise RegistryError(
                    f"plugin '{entry.name}' ({entry.value}) failed to load: {exc}"
                ) from exc
            add(checks, f"plugin '{entry.name}'")
    return list(found.values())
