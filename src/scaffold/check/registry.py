"""Where checks come from: the built-in families plus any installed plugin.

A plugin package adds checks by declaring an entry point in the `scaffold.checks` group whose
object is a callable returning `Check` subclasses, and facts (evidence its checks ask for by
parameter name) in the `scaffold.facts` group, each a function of the `Repository`:

    [project.entry-points."scaffold.checks"]
    my_family = "my_package.checks:all_checks"

    [project.entry-points."scaffold.facts"]
    dockerfiles = "my_package.facts:dockerfiles"

Plugins come only from the environment scaffold runs in: a distribution found through the current
directory, an empty `sys.path` entry, or a path inside the checked repository is never loaded (a
checked repository could otherwise ship a `*.dist-info` folder whose entry point runs its code),
and while a plugin's module is imported those paths are off `sys.path`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from importlib.metadata import EntryPoint, distributions
from pathlib import Path

from scaffold.check.checks import builtin_checks
from scaffold.check.evidence import Repository
from scaffold.check.model import Check

ENTRY_POINT_GROUP = "scaffold.checks"
FACT_ENTRY_POINT_GROUP = "scaffold.facts"


class RegistryError(Exception):
    """A check (usually from a plugin) cannot be loaded; the message names it."""


def _validate(check: type[Check], origin: str) -> None:
    for attribute in ("id", "family"):
        if not isinstance(getattr(check, attribute, None), str):
            raise RegistryError(f"{origin}: check {check.__name__} has no '{attribute}'.")
    if not callable(getattr(check, "check", None)):
        raise RegistryError(f"{origin}: check {check.id} has no check() method.")
    known = Repository.known_facts()
    unknown = [name for name in check.fact_names() if name not in known]
    if unknown:
        raise RegistryError(
            f"{origin}: check {check.id} asks for unknown fact(s) {', '.join(unknown)}; "
            f"available: {', '.join(sorted(known))}."
        )


def _is_within(entry: str, untrusted: Sequence[Path]) -> bool:
    if not entry:
        return True  # '' is the current directory
    try:
        resolved = Path(entry).resolve()
    except (OSError, RuntimeError, ValueError):
        return True
    return any(resolved == place or resolved.is_relative_to(place) for place in untrusted)


def trusted_path(exclude: Sequence[Path] = ()) -> list[str]:
    """`sys.path` without '' and without entries at or below the current directory or `exclude`."""
    untrusted = [Path(os.getcwd()).resolve(), *(Path(p).resolve() for p in exclude)]
    return [entry for entry in sys.path if isinstance(entry, str) and not _is_within(entry, untrusted)]


@contextmanager
def _only_trusted_imports(path: list[str]) -> Iterator[None]:
    saved = sys.path[:]
    sys.path[:] = path
    try:
        yield
    finally:
        sys.path[:] = saved


def plugin_entry_points(exclude: Sequence[Path] = (), group: str = ENTRY_POINT_GROUP) -> list[EntryPoint]:
    """Entry points of ``group`` from trusted distributions only, each name once."""
    found: dict[str, EntryPoint] = {}
    for distribution in distributions(path=trusted_path(exclude)):
        for entry in distribution.entry_points:
            if entry.group == group and entry.name not in found:
                found[entry.name] = entry
    return list(found.values())


def load_checks(include_plugins: bool = True, *, exclude: Sequence[Path] = ()) -> list[type[Check]]:
    """Every check, built-ins first, each id once.

    Plugins are looked up on `sys.path` less the current directory and `exclude` (pass the checked
    repository's root), so nothing inside the checked tree is ever imported.
    """
    found: dict[str, type[Check]] = {}

    def add(checks: Iterable[type[Check]], origin: str) -> None:
        for check in checks:
            _validate(check, origin)
            if check.id in found and found[check.id] is not check:
                raise RegistryError(f"{origin}: check id {check.id} is already used by {found[check.id].__module__}.")
            found[check.id] = check

    add(builtin_checks(), "scaffold")
    if include_plugins:
        path = trusted_path(exclude)
        for entry in plugin_entry_points(exclude, FACT_ENTRY_POINT_GROUP):  # facts first: checks ask for them
            try:
                with _only_trusted_imports(path):
                    provider = entry.load()
                if not callable(provider):
                    raise TypeError("its object is not callable (it must take the repository and return the fact)")
                Repository.register_fact(entry.name, provider)
            except Exception as exc:  # a broken plugin must not hide the built-in verdict
                raise RegistryError(f"fact plugin '{entry.name}' ({entry.value}) failed to load: {exc}") from exc
        for entry in plugin_entry_points(exclude):
            try:
                with _only_trusted_imports(path):
                    provider = entry.load()
                    checks = list(provider())
            except Exception as exc:  # a broken plugin must not hide the built-in verdict
                raise RegistryError(f"plugin '{entry.name}' ({entry.value}) failed to load: {exc}") from exc
            add(checks, f"plugin '{entry.name}'")
    return list(found.values())
