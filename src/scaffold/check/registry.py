"""Where checks come from: the built-in families plus any installed plugin.

A plugin package adds checks by declaring an entry point in the `scaffold.checks` group whose
object is a callable returning `Check` subclasses, and facts (evidence its checks ask for by
parameter name) in the `scaffold.facts` group, each a function of the `Repository`:

    [project.entry-points."scaffold.checks"]
    my_family = "my_package.checks:all_checks"

    [project.entry-points."scaffold.facts"]
    dockerfiles = "my_package.facts:dockerfiles"

    [project.entry-points."scaffold.families"]
    my_family = "my_package.checks:families"   # returns Family(name, title, weight) objects

The built-in checks, facts and families come through the same groups (scaffold's own distribution
declares them); only plugins are skipped with `include_plugins=False`.

Plugins come only from the environment scaffold runs in: a distribution found through the current
directory, an empty `sys.path` entry, or a path inside the checked repository is never loaded (a
checked repository could otherwise ship a `*.dist-info` folder whose entry point runs its code),
and while a plugin's module is imported those paths are off `sys.path`.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from importlib.metadata import EntryPoint, distributions
from pathlib import Path
from typing import TypeVar

from scaffold.check.checks import builtin_checks, builtin_families
from scaffold.check.evidence import Repository
from scaffold.check.model import Check, Family, register_family

ENTRY_POINT_GROUP = "scaffold.checks"
FACT_ENTRY_POINT_GROUP = "scaffold.facts"
FAMILY_ENTRY_POINT_GROUP = "scaffold.families"
T = TypeVar("T")


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


BUILTIN_DISTRIBUTION = "scaffold"


def plugin_entry_points(exclude: Sequence[Path] = (), group: str = ENTRY_POINT_GROUP) -> list[EntryPoint]:
    """Entry points of ``group`` from trusted distributions only, each (distribution, name) once;
    scaffold's own (the built-ins) are not among them."""
    builtin = builtin_entry_points(group)
    return [entry for entry in _entry_points(exclude, group) if entry not in builtin]


def _entry_points(exclude: Sequence[Path], group: str) -> list[EntryPoint]:
    found: dict[tuple[str, str], EntryPoint] = {}
    for name, entry in _scaffold_entry_points(tuple(trusted_path(exclude))):
        if entry.group == group and (name, entry.name) not in found:
            found[(name, entry.name)] = entry
    return list(found.values())


@lru_cache(maxsize=16)
def _scaffold_entry_points(path: tuple[str, ...]) -> tuple[tuple[str, EntryPoint], ...]:
    """(distribution name, entry point) for every `scaffold.*` entry point of the distributions on
    `path`, in one pass. A distribution's metadata is parsed only when its entry_points.txt names
    a scaffold group (parsing every METADATA file was most of the start-up time)."""
    found: list[tuple[str, EntryPoint]] = []
    for distribution in distributions(path=list(path)):
        try:
            text = distribution.read_text("entry_points.txt")
        except (OSError, UnicodeDecodeError):
            continue
        if not text or "[scaffold." not in text:
            continue
        name = distribution.name
        found.extend((name, entry) for entry in distribution.entry_points if entry.group.startswith("scaffold."))
    return tuple(found)


def _environment_path() -> list[str]:
    """The running interpreter's own site-packages, where scaffold's metadata is installed (trusted
    even when a virtual environment sits inside the current directory)."""
    paths = sysconfig.get_paths()
    return sorted({paths["purelib"], paths["platlib"]})


def builtin_entry_points(group: str) -> list[EntryPoint]:
    """scaffold's own entry points in ``group`` (the built-in checks, facts, families)."""
    return [
        entry
        for name, entry in _scaffold_entry_points(tuple(_environment_path()))
        if name == BUILTIN_DISTRIBUTION and entry.group == group and entry.value.startswith("scaffold.check.")
    ]


def _builtin(group: str, fallback: Callable[[], list[T]]) -> list[T]:
    """What scaffold's own entry point in ``group`` provides (the built-ins come through the same
    path as plugins); without installed metadata (a source tree on `sys.path`), the same function."""
    entries = builtin_entry_points(group)
    if not entries:
        return fallback()
    provided: list[T] = []
    for entry in entries:
        provided.extend(entry.load()())
    return provided


def load_builtin_facts() -> None:
    """Register the built-in facts from scaffold's own `scaffold.facts` entry point (without
    installed metadata, from the same function)."""
    from scaffold.check.evidence import builtin_facts

    entries = builtin_entry_points(FACT_ENTRY_POINT_GROUP)
    providers: dict[str, Callable[[Repository], object]] = {}
    for entry in entries or []:
        providers.update(entry.load()())
    Repository.register_builtin_facts(providers if entries else builtin_facts())


def load_families(include_plugins: bool = True, *, exclude: Sequence[Path] = ()) -> list[Family]:
    """Every family (built-ins first), registered so reports and scoring know their titles and weights."""
    families = _builtin(FAMILY_ENTRY_POINT_GROUP, builtin_families)
    if include_plugins:
        path = trusted_path(exclude)
        for entry in plugin_entry_points(exclude, FAMILY_ENTRY_POINT_GROUP):
            try:
                with _only_trusted_imports(path):
                    provider = entry.load()
                    extra = list(provider())
                if not all(isinstance(f, Family) for f in extra):
                    raise TypeError("it must return Family objects")
            except Exception as exc:  # a broken plugin must not hide the built-in verdict
                raise RegistryError(f"family plugin '{entry.name}' ({entry.value}) failed to load: {exc}") from exc
            families.extend(extra)
    for family in families:
        try:
            register_family(family)
        except ValueError as exc:
            raise RegistryError(str(exc)) from None
    return families


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

    load_builtin_facts()
    add(_builtin(ENTRY_POINT_GROUP, builtin_checks), "scaffold")
    load_families(include_plugins, exclude=exclude)
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
