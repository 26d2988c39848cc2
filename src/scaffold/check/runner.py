"""Run the checks against one repository: resolve facts by name, honour requires, tracks and config."""

from __future__ import annotations

import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scaffold.check.config import CheckConfig, config_from_table
from scaffold.check.evidence import Repository
from scaffold.check.evidence.files import DEFAULT_SIZE_LIMIT, read_regular_file
from scaffold.check.model import Check, Finding, Status, Verdict, failed, not_applicable
from scaffold.check.scoring import Score, ScoringPolicy, score

CHECK_METHOD = "check"


class CheckTargetError(Exception):
    """The path cannot be checked; the message says why."""


@dataclass
class CheckRun:
    root: Path
    findings: list[Finding]
    score: Score
    tracks: dict[str, list[str]]
    skipped: dict[str, int]
    skipped_examples: dict[str, list[str]]
    file_count: int
    seconds: float
    notes: list[str] = field(default_factory=list)


def validate_target(path: Path) -> Path:
    if not path.exists() and not path.is_symlink():
        raise CheckTargetError(f"{path} does not exist.")
    if path.is_symlink() and not path.exists():
        raise CheckTargetError(f"{path} is a broken link.")
    if not path.is_dir():
        raise CheckTargetError(f"{path} is a file; pass the repository's directory.")
    try:
        next(path.iterdir(), None)
    except OSError as exc:
        raise CheckTargetError(f"{path} cannot be read ({exc.strerror or exc}).") from None
    return path.resolve()


def repository_config(root: Path) -> tuple[CheckConfig, list[str]]:
    """The checked repository's own `[tool.scaffold.check]`; a broken pyproject is a note, not an error."""
    path = root / "pyproject.toml"
    if path.is_symlink() or not path.is_file():
        return CheckConfig(), []
    raw = read_regular_file(str(path), DEFAULT_SIZE_LIMIT)
    if raw is None:
        return CheckConfig(), [
            "pyproject.toml could not be opened as a regular file; [tool.scaffold.check] was ignored"
        ]
    if len(raw) > DEFAULT_SIZE_LIMIT:
        return CheckConfig(), ["pyproject.toml is over the size limit; [tool.scaffold.check] was not read"]
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, RecursionError, ValueError, MemoryError) as exc:
        return CheckConfig(), [f"pyproject.toml could not be read ({exc}); [tool.scaffold.check] was ignored"]
    table = data.get("tool", {}).get("scaffold", {}).get("check") if isinstance(data.get("tool"), dict) else None
    return config_from_table(table), []


def _verdict(check: type[Check], repository: Repository) -> Verdict:
    instance = check()
    arguments = {name: repository.fact(name) for name in check.fact_names()}
    method = getattr(instance, CHECK_METHOD)
    try:
        verdict = method(**arguments)
    except Exception as exc:  # one faulty check must not sink the whole report
        return failed(f"the check itself crashed ({type(exc).__name__}: {exc}); please report it")
    if not isinstance(verdict, Verdict):
        return failed(f"the check returned {type(verdict).__name__}, not a Verdict")
    return verdict


def compute_check(check_id: str, **facts: object) -> Verdict:
    """Run one built-in check on hand-made facts (for unit tests of a single check): every fact
    its ``check`` method names must be given; nothing is read from disk."""
    from scaffold.check.checks import builtin_checks

    check = next((c for c in builtin_checks() if c.id == check_id), None)
    if check is None:
        raise KeyError(f"no built-in check {check_id}")
    missing = [name for name in check.fact_names() if name not in facts]
    if missing:
        raise TypeError(f"{check_id} needs the fact(s) {', '.join(missing)}")
    verdict = getattr(check(), CHECK_METHOD)(**{name: facts[name] for name in check.fact_names()})
    if not isinstance(verdict, Verdict):
        raise TypeError(f"{check_id} returned {type(verdict).__name__}, not a Verdict")
    return verdict


def dependency_order(checks: Sequence[type[Check]]) -> list[type[Check]]:
    """The checks with every check after the ones it requires (otherwise in the given order)."""
    by_id = {check.id: check for check in checks}
    ordered: list[type[Check]] = []
    state: dict[str, str] = {}

    def visit(check: type[Check]) -> None:
        if state.get(check.id) == "done":
            return
        if state.get(check.id) == "visiting":
            raise ValueError(f"checks require each other in a cycle through {check.id}")
        state[check.id] = "visiting"
        for required in sorted(check.requires):
            if required in by_id:
                visit(by_id[required])
        state[check.id] = "done"
        ordered.append(check)

    for check in checks:
        visit(check)
    return ordered


def run_checks(
    root: Path,
    checks: Sequence[type[Check]],
    config: CheckConfig | None = None,
    *,
    size_limit: int = DEFAULT_SIZE_LIMIT,
    policy: ScoringPolicy | None = None,
) -> CheckRun:
    started = time.perf_counter()
    root = validate_target(root)
    notes: list[str] = []
    if config is None:
        config, notes = repository_config(root)
    repository = Repository(root, size_limit=size_limit, tracks=config.tracks, exclude=config.exclude)
    tracks = repository.tracks.detected
    by_id: dict[str, Finding] = {}
    findings: list[Finding] = []
    for check in dependency_order(checks):
        if not config.is_selected(check.id):
            continue
        verdict: Verdict
        if check.id in config.not_applicable:
            verdict = not_applicable(config.not_applicable[check.id])
        elif check.track is not None and check.track not in tracks:
            verdict = not_applicable(f"the {check.track} track was not detected")
        else:
            unmet = [r for r in sorted(check.requires) if r in by_id and by_id[r].status is Status.FAIL]
            # a check that cannot be judged until another passes is not a second failure
            verdict = (
                not_applicable(f"needs {', '.join(unmet)} to pass first") if unmet else _verdict(check, repository)
            )
        finding = Finding(check.id, check.family, check.title(), check.weight, check.fix, check.track, verdict)
        by_id[check.id] = finding
        findings.append(finding)
    order = {check.id: position for position, check in enumerate(checks)}
    findings.sort(key=lambda f: order[f.check_id])  # reported in the registry's order
    files = repository.files
    return CheckRun(
        root=root,
        findings=findings,
        score=score(findings, policy),
        tracks=tracks,
        skipped=dict(files.skipped),
        skipped_examples=dict(files.skipped_examples),
        file_count=len(files),
        seconds=time.perf_counter() - started,
        notes=[*notes, *files.notes],
    )
