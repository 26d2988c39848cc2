"""The check graph: prerequisites run first, a failed prerequisite makes its dependents not
applicable (never a second failure), and one check can be computed from hand-made facts."""

from __future__ import annotations

from typing import ClassVar

import pytest

from scaffold.check.evidence.history import Commit, GitHistory
from scaffold.check.model import Check, Status, Verdict, passed
from scaffold.check.runner import compute_check, dependency_order
from tests.check.conftest import finding


class _Base(Check):
    family: ClassVar[str] = "test"

    def check(self) -> Verdict:
        return passed("ok")


class A(_Base):
    """a"""

    id = "A"
    requires = frozenset({"B"})


class B(_Base):
    """b"""

    id = "B"
    requires = frozenset({"C"})


class C(_Base):
    """c"""

    id = "C"


def test_prerequisites_come_first_and_cycles_are_refused() -> None:
    assert [c.id for c in dependency_order([A, B, C])] == ["C", "B", "A"]
    assert [c.id for c in dependency_order([C, A, B])] == ["C", "B", "A"]

    class Loop(_Base):
        """loop"""

        id = "C"
        requires = frozenset({"A"})

    with pytest.raises(ValueError, match="cycle"):
        dependency_order([A, B, Loop])


def test_a_failed_prerequisite_makes_the_dependent_not_applicable(repo) -> None:  # type: ignore[no-untyped-def]
    run = repo({"README.md": "# App\n\nNo results section here, only prose about the app and its users.\n"})
    assert finding(run, "ST4").status is Status.FAIL
    ev6 = finding(run, "EV6")
    assert ev6.status is Status.NOT_APPLICABLE and ev6.verdict.detail == "needs ST4 to pass first"
    assert [f.check_id for f in run.findings].index("ST4") < [f.check_id for f in run.findings].index("EV6")


def test_compute_check_runs_one_check_on_hand_made_facts() -> None:
    day = 86_400
    commits = [Commit(f"{i:040x}", "ada@example.com", 1_700_000_000 + i * day, "Ada") for i in range(10)]
    verdict = compute_check("EN6", git_history=GitHistory(commits=commits))
    assert verdict.status is Status.PASS
    one_day = compute_check("EN6", git_history=GitHistory(commits=commits[:1] * 9))
    assert one_day.status is Status.FAIL
    with pytest.raises(TypeError, match="git_history"):
        compute_check("EN6")
    with pytest.raises(KeyError):
        compute_check("ZZ9")
