"""Render a check run as a rich table, JSON or Markdown (SARIF lives in `scaffold.check.sarif`)."""

from __future__ import annotations

import json
import re
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from scaffold import __version__
from scaffold.check.model import FAMILY_TITLES, Finding, Status
from scaffold.check.runner import CheckRun

_STATUS_STYLE = {Status.PASS: "green", Status.FAIL: "red", Status.NOT_APPLICABLE: "dim"}
_STATUS_MARK = {Status.PASS: "pass", Status.FAIL: "FAIL", Status.NOT_APPLICABLE: "n/a"}


_SURROGATE_OR_CONTROL = re.compile("[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_~\[\]|])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte of a file name (surrogate escape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}" if code > 0xFF else f"\\x{code:02x}"


def displayable(text: str) -> str:
    """Text from the checked repository as well-formed, printable Unicode.

    Undecodable bytes in file names become ``\\xNN``, lone surrogates ``\\uNNNN`` and control
    characters (terminal escapes included) ``\\xNN``; newlines and tabs stay.
    """
    return _SURROGATE_OR_CONTROL.sub(_visible, text)


def clean_data(value: Any) -> Any:
    """``value`` (JSON-shaped) with every string made :func:`displayable`, so any JSON parser reads it."""
    if isinstance(value, str):
        return displayable(value)
    if isinstance(value, dict):
        return {displayable(str(key)): clean_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean_data(item) for item in value]
    return value


def markdown_text(text: str) -> str:
    """Inert Markdown for text the report did not write: no HTML, links, emphasis, code or cell breaks."""
    text = displayable(text).replace("\r", " ").replace("\n", " ")
    text = "".join(_HTML.get(char, char) for char in text)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


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
        return "general, " + ", ".join(f"{name} ({evidence[0]})" for name, evidence in run.tracks.items())
    return "general, " + ", ".join(run.tracks)


def render_text(run: CheckRun, console: Console) -> None:
    for family in _family_order(run):
        members = [f for f in run.findings if f.family == family]
        family_score = run.score.families.get(family)
        heading = displayable(FAMILY_TITLES.get(family, family.title()))
        heading += f" — {family_score.score:.0f}/100" if family_score else " — not applicable"
        table = Table(title=Text(heading), title_justify="left", title_style="bold", expand=True, show_lines=False)
        table.add_column("", width=4, no_wrap=True)
        table.add_column("id", style="cyan", no_wrap=True, width=4)
        table.add_column("check", ratio=2)
        table.add_column("evidence / reason, and the fix", ratio=3)
        for finding in members:
            status = finding.status
            evidence = _evidence(finding)
            body = Text(displayable(finding.verdict.detail + _partial(finding)))
            if evidence and status is not Status.NOT_APPLICABLE:
                body.append(f"\n{displayable(evidence)}", style="blue")
            if status is Status.FAIL and finding.fix:
                body.append(f"\nfix: {displayable(finding.fix)}", style="dim")
            table.add_row(
                Text(_STATUS_MARK[status], style=_STATUS_STYLE[status]),
                Text(displayable(finding.check_id)),
                Text(displayable(finding.title)),
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
        summary.add_row(Text(displayable(FAMILY_TITLES.get(family, family))), value)
    total_style = "green" if run.score.total >= 80 else "yellow" if run.score.total >= 50 else "red"
    summary.add_row("Total", Text(f"{run.score.total:5.1f} / 100", style=f"bold {total_style}"))
    console.print(
        Group(
            summary,
            Text(displayable(f"Tracks: {tracks_summary(run, with_evidence=True)}")),
            Text(displayable(f"Files: {run.file_count} indexed; skipped: {skipped_summary(run)}; {run.seconds:.2f} s")),
            *[Text(displayable(f"Note: {note}"), style="yellow") for note in run.notes],
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
    return json.dumps(clean_data(to_data(run)), indent=2)


def _code(text: str) -> str:
    """A code span that no backtick, pipe or HTML inside ``text`` can leave."""
    text = displayable(text).replace("\r", " ").replace("\n", " ").replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render_markdown(run: CheckRun) -> str:
    """Markdown for a job summary or a pull-request comment. Every string that is not the
    report's own wording goes through :func:`markdown_text` or :func:`_code`, since the checked
    repository chooses its file names, headings and script names."""
    lines = [f"## scaffold check: {run.score.total:.1f} / 100", ""]
    lines += ["| family | score | passed |", "|---|---:|---:|"]
    for family in _family_order(run):
        fs = run.score.families.get(family)
        title = markdown_text(FAMILY_TITLES.get(family, family))
        lines.append(f"| {title} | {fs.score:.1f} | {fs.passed}/{fs.applicable} |" if fs else f"| {title} | n/a | - |")
    lines += [
        "",
        f"Tracks: {markdown_text(tracks_summary(run))}. Files: {run.file_count} indexed, "
        f"skipped: {markdown_text(skipped_summary(run))}.",
        "",
    ]
    lines += ["| | id | check | evidence / reason | fix |", "|---|---|---|---|---|"]
    icons = {Status.PASS: "✅", Status.FAIL: "❌", Status.NOT_APPLICABLE: "n/a"}
    for finding in run.findings:
        evidence = _evidence(finding)
        detail = markdown_text(finding.verdict.detail + _partial(finding))
        if evidence:
            detail += f" ({_code(evidence)})"
        fix = markdown_text(finding.fix) if finding.status is Status.FAIL and finding.fix else ""
        lines.append(
            f"| {icons[finding.status]} | {markdown_text(finding.check_id)} | "
            f"{markdown_text(finding.title)} | {detail} | {fix} |"
        )
    for note in run.notes:
        lines.append(f"\n> Note: {markdown_text(note)}")
    return "\n".join(lines) + "\n"
