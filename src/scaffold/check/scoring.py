"""The scoring policy: how findings become family scores and a 0-100 total.

Kept apart from the checks so weights can change without touching them. A family's score is the
weighted share of its applicable checks earned; the total is the weighted mean of the families that
have at least one applicable check (the track family only counts when a track applies).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from scaffold.check.model import BUILTIN_FAMILIES, FAMILIES, Finding, Status

FAMILY_WEIGHTS: dict[str, float] = {family.name: family.weight for family in BUILTIN_FAMILIES}
"""The built-in families' weights; a policy's default also has every registered plugin family's."""


@dataclass(frozen=True)
class FamilyScore:
    family: str
    score: float
    weight: float
    passed: int
    applicable: int


@dataclass(frozen=True)
class Score:
    total: float
    families: dict[str, FamilyScore] = field(default_factory=dict)


@dataclass(frozen=True)
class ScoringPolicy:
    family_weights: Mapping[str, float] = field(
        default_factory=lambda: {name: family.weight for name, family in FAMILIES.items()}
    )
    check_weights: Mapping[str, float] = field(default_factory=dict)
    """Overrides of a check's own weight, by id."""
    default_family_weight: float = 10.0

    def weight_of(self, finding: Finding) -> float:
        return self.check_weights.get(finding.check_id, finding.weight)


def score(findings: Sequence[Finding], policy: ScoringPolicy | None = None) -> Score:
    policy = policy or ScoringPolicy()
    by_family: dict[str, list[Finding]] = {}
    for finding in findings:
        by_family.setdefault(finding.family, []).append(finding)
    families: dict[str, FamilyScore] = {}
    for family, members in by_family.items():
        applicable = [f for f in members if f.status is not Status.NOT_APPLICABLE]
        possible = sum(policy.weight_of(f) for f in applicable)
        if not applicable or possible <= 0:
            continue
        earned = sum(
            policy.weight_of(f) * f.verdict.credit for f in applicable if f.status is Status.PASS
        )
        families[family] = FamilyScore(
            family,
            round(100 * earned / possible, 1),
            policy.family_weights.get(family, policy.default_family_weight),
            sum(1 for f in applicable if f.status is Status.PASS),
            len(applicable),
        )
    total_weight = sum(f.weight for f in families.values())
    total = (
        sum(f.score * f.weight for f in families.values()) / total_weight if total_weight else 0.0
    )
    return Score(round(total, 1), families)
