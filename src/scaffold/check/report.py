"""Render a check run as a rich table, JSON or Markdown (SARIF lives in `scaffold.check.sarif`)."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from scaffold import __version__
from scaffold.check.model import FAMILY_TITLES, Finding, Status
from scaffold.check.runner import CheckRun

_STATUS_STYLE = {Status.PASS: "green", Status.FAIL: "red", Status.NOT_APPLICABLE: "dim"}
_STATUS_MARK = {Status.PASS: "pass", Status.FAIL: "FAIL", Status.NOT_APPLICABLE: "n/a"}


def _family_order(run: CheckRun) -> list[str]:
    order = list(FAMILY_TITLES)
    extra = sorted({f.family for f in run.findings} - set(order))
    return [family for family in order + extra if any(f.family == family for f in run.findings)]


def _evidence(finding: Finding) -> str:
    return ", ".join(str(location) for location in finding.verdict.evidence[:3])


def _partial(finding: Finding) -> str:
    credit = finding.verdict.credit
    return f" ({credit:.0%} credit)" if finding.status is Status.PASS and credit < 1 else ""


def skipped_summary(run: CheckRun) -> str:
    if not run.skipped:
        return "none"
    return ", ".join(f"{count} {reason}" for reason, count in sorted(run.skipped.items()))


def tracks_summary(run: CheckRun, with_evidence: bool = False) -> str:
    if not run.tracks:
        return "general"
    if with_evidence:
        return "general, " + ", ".join(
            f"{name} ({evidence[0]})" for name, evidence in run.tracks.items()
        )
    return "general, " + ", ".join(run.tracks)


def render_text(run: CheckRun, console: Console) -> None:
    for family in _family_order(run):
        members = [f for f in run.findings if f.family == family]
        family_score = run.score.families.get(family)
        heading = FAMILY_TITLES.get(family, family.title())
        heading += f" — {family_score.score:.0f}/100" if family_score else " — not applicable"
        table = Table(
            title=heading, title_justify="left", title_style="bold", expand=True, show_lines=False
        )
        table.add_column("", width=4, no_wrap=True)
        table.add_column("id", style="cyan", no_wrap=True, width=4)
        table.add_column("check", ratio=2)
        table.add_column("evidence / reason, and the fix", ratio=3)
        for finding in members:
            status = finding.status
            evidence = _evidence(finding)
            body = Text(finding.verdict.detail + _partial(finding))
            if evidence and status is not Status.NOT_APPLICABLE:
                body.append(f"\n{evidence}", style="blue")
            if status is Status.FAIL and finding.fix:
                body.append(f"\nfix: {finding.fix}", style="dim")
            table.add_row(
                Text(_STATUS_MARK[status], style=_STATUS_STYLE[status]),
                finding.check_id,
                finding.title,
                body,
            )
        console.print(table)
    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    for family in _family_order(run):
        family_score = run.score.families.get(family)
        value = (
            f"{family_score.score:5.1f}  ({family_score.passed}/{family_score.applicable} pass, weight {family_score.weight:g})"
            if family_score
            else "  n/a"
        )
        summary.add_row(FAMILY_TITLES.get(family, family), value)
    total_style = "green" if run.score.total >= 80 else "yellow" if run.score.total >= 50 else "red"
    summary.add_row("Total", Text(f"{run.score.total:5.1f} / 100", style=f"bold {total_style}"))
    console.print(
        Group(
            summary,
            Text(f"Tracks: {tracks_summary(run, with_evidence=True)}"),
            Text(
                f"Files: {run.file_count} indexed; skipped: {skipped_summary(run)}; {run.seconds:.2f} s"
            ),
            *[Text(f"Note: {note}", style="yellow") for note in run.notes],
        )
    )


def to_data(run: CheckRun) -> dict[str, Any]:
    return {
        "tool": {"name": "scaffold check", "version": __version__},
        "path": str(run.root),
        "score": {
            "total": run.score.total,
            "families": {
                name: {
                    "score": fs.score,
                    "weight": fs.weight,
                    "passed": fs.passed,
                    "applicable": fs.applicable,
                }
                for name, fs in run.score.families.items()
            },
        },
        "tracks": {"general": ["always"], **run.tracks},
        "findings": [
            {
                "id": f.check_id,
                "family": f.family,
                "title": f.title,
                "status": f.status.value,
                "credit": f.verdict.credit,
                "weight": f.weight,
                "detail": f.verdict.detail,
                "evidence": [{"path": loc.path, "line": loc.line} for loc in f.verdict.evidence],
                "fix": f.fix,
                "track": f.track,
            }
            for f in run.findings
        ],
        "files": {
            "indexed": run.file_count,
            "skipped": run.skipped,
            "skipped_examples": run.skipped_examples,
        },
        "notes": run.notes,
        "seconds": round(run.seconds, 3),
    }


def render_json(run: CheckRun) -> str:
    return json.dumps(to_data(run), indent=2)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(run: CheckRun) -> str:
    lines = [f"## scaffold check: {run.score.total:.1f} / 100", ""]
    lines += ["| family | score | passed |", "|---|---:|---:|"]
    for family in _family_order(run):
        fs = run.score.families.get(family)
        title = FAMILY_TITLES.get(family, family)
        lines.append(
            f"| {title} | {fs.score:.1f} | {fs.passed}/{fs.applicable} |"
            if fs
            else f"| {title} | n/a | - |"
        )
    lines += [
        "",
        f"Tracks: {tracks_summary(run)}. Files: {run.file_count} indexed, skipped: {skipped_summary(run)}.",
        "",
    ]
    lines += ["| | id | check | evidence / reason | fix |", "|---|---|---|---|---|"]
    icons = {Status.PASS: "✅", Status.FAIL: "❌", Status.NOT_APPLICABLE: "n/a"}
    for finding in run.findings:
        evidence = _evidence(finding)
        detail = (
            finding.verdict.detail + _partial(finding) + (f" (`{evidence}`)" if evidence else "")
        )
        fix = finding.fix if finding.status is Status.FAIL else ""
        lines.append(
            f"| {icons[finding.status]} | {finding.check_id} | {_cell(finding.title)} | {_cell(detail)} | {_cell(fix)} |"
        )
    for note in run.notes:
        lines.append(f"\n> Note: {note}")
    return "\n".join(lines) + "\n"
