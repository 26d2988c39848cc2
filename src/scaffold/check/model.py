"""The vocabulary shared by checks, the runner, scoring and reports."""

from __future__ import annotations

import enum
import inspect
from dataclasses import dataclass
from typing import ClassVar

STORY = "story"
EVALUATION = "evaluation"
ENGINEERING = "engineering"
PRODUCTION = "production"
PERFORMANCE = "performance"
TRACKS = "tracks"



@dataclass(frozen=True)
class Family:
    """A group of checks with its share of the total (built-ins and plugins register the same way,
    through the `scaffold.families` entry point group)."""

    name: str
    title: str
    weight: float


BUILTIN_FAMILIES: tuple[Family, ...] = (
    Family(STORY, "Story", 20),
    Family(EVALUATION, "Evaluation", 25),
    Family(ENGINEERING, "Engineering", 20),
    Family(PRODUCTION, "Production", 20),
    Family(PERFORMANCE, "Performance", 15),
    Family(TRACKS, "Track-specific", 15),
)
FAMILIES: dict[str, Family] = {family.name: family for family in BUILTIN_FAMILIES}
"""Every registered family by name, built-ins first (see `register_family`)."""
FAMILY_TITLES: dict[str, str] = {family.name: family.title for family in BUILTIN_FAMILIES}


def register_family(family: Family) -> None:
    """Add a family (from a plugin); the same name twice must be the same family."""
    known = FAMILIES.get(family.name)
    if known is not None and known != family:
        raise ValueError(f"family {family.name!r} is already registered as {known}")
    FAMILIES[family.name] = family
    FAMILY_TITLES[family.name] = family.title


@dataclass(frozen=True, order=True)
class Location:
    """A place in the checked repository: a POSIX path relative to its root, and a 1-based line."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


class Status(enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "n/a"


@dataclass(frozen=True)
class Verdict:
    """What one check concluded. `credit` is the share of the check's weight earned (0 to 1)."""

    status: Status
    detail: str = ""
    evidence: tuple[Location, ...] = ()
    credit: float = 0.0


def passed(detail: str, *evidence: Location) -> Verdict:
    return Verdict(Status.PASS, detail, tuple(evidence), 1.0)


def failed(detail: str, *evidence: Location) -> Verdict:
    return Verdict(Status.FAIL, detail, tuple(evidence), 0.0)


def partially_passed(credit: float, detail: str, *evidence: Location) -> Verdict:
    """A pass that earns only part of the weight (for example a small but real eval set)."""
    return Verdict(Status.PASS, detail, tuple(evidence), max(0.0, min(1.0, credit)))


def not_applicable(reason: str) -> Verdict:
    return Verdict(Status.NOT_APPLICABLE, reason, (), 0.0)


class Check:
    """Base of every check.

    A subclass sets the class attributes below, gives a one-line docstring (its title) and defines
    a `check` method whose parameters name the facts it needs; the runner passes each fact by name.
    The `check` method's docstring says what a failure means in general; the returned `Verdict`
    says what was found in this repository.
    """

    id: ClassVar[str]
    family: ClassVar[str]
    weight: ClassVar[float] = 1.0
    fix: ClassVar[str] = ""
    requires: ClassVar[frozenset[str]] = frozenset()
    track: ClassVar[str | None] = None

    @classmethod
    def title(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or cls.id).splitlines()[0]

    @classmethod
    def failure_message(cls) -> str:
        method = getattr(cls, "check", None)
        doc = getattr(method, "__doc__", None)
        return inspect.cleandoc(doc) if doc else cls.title()

    @classmethod
    def fact_names(cls) -> tuple[str, ...]:
        method = getattr(cls, "check", None)
        if method is None:
            return ()
        params = inspect.signature(method).parameters
        return tuple(name for name in params if name != "self")


@dataclass(frozen=True)
class Finding:
    """One check's outcome in one repository, before any scoring."""

    check_id: str
    family: str
    title: str
    weight: float
    fix: str
    track: str | None
    verdict: Verdict

    @property
    def status(self) -> Status:
        return self.verdict.status
