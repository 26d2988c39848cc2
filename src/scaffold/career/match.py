"""Stack match: the tools job descriptions ask for, ranked, against what the repositories use.

Job descriptions are plain text or Markdown. A tool counts once per description however often it
is named; the ranking is by how many descriptions name it. A tool is *found* in a repository only
where its code, dependencies, container images, CI or infrastructure files show it (the same
evidence `scaffold bullets` uses), never because its README mentions it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold.check.evidence import Repository
from scaffold.check.evidence.vocabulary import Tool, evidence, vocabulary
from scaffold.check.model import Location

MAX_DESCRIPTION_BYTES = 1024 * 1024


class DescriptionError(Exception):
    """A job-description file cannot be read; the message names it and says why."""


@dataclass(frozen=True)
class Description:
    name: str
    text: str


@dataclass
class Demand:
    tool: Tool
    descriptions: list[str] = field(default_factory=list)
    first_mention: dict[str, int] = field(default_factory=dict)
    """Description name to the line of its first mention."""
    found: dict[str, list[Location]] = field(default_factory=dict)
    """Repository (as given) to where it shows the tool; empty when it does not."""


@dataclass
class MatchReport:
    descriptions: list[str]
    repositories: list[str]
    demands: list[Demand]

    @property
    def recurring_threshold(self) -> int:
        """Named by at least this many descriptions: two, or a third of them when there are more."""
        return max(2, math.ceil(len(self.descriptions) / 3)) if len(self.descriptions) > 1 else 1

    def recurring(self) -> list[Demand]:
        return [d for d in self.demands if len(d.descriptions) >= self.recurring_threshold]


def read_description(path: Path) -> Description:
    try:
        data = path.read_bytes() if path.stat().st_size <= MAX_DESCRIPTION_BYTES else None
    except IsADirectoryError:
        raise DescriptionError(f"{path} is a directory; pass job-description files") from None
    except OSError as exc:
        raise DescriptionError(f"{path} cannot be read ({exc.strerror or exc})") from None
    if data is None:
        raise DescriptionError(f"{path} is over {MAX_DESCRIPTION_BYTES // 1024} KiB; is it a job description?")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with a byte-order mark (a Windows "Unicode" save)
        return Description(path.name, data.decode("utf-16", errors="replace"))
    if b"\x00" in data[:4096]:
        raise DescriptionError(f"{path} is binary; save the job description as plain text or Markdown")
    try:
        return Description(path.name, data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return Description(path.name, data.decode("cp1252", errors="replace"))


def match(descriptions: list[Description], repositories: list[Path]) -> MatchReport:
    demands: dict[str, Demand] = {}
    for description in descriptions:
        for tool in vocabulary():
            mentions = tool.mentions(description.text)
            if mentions:
                demand = demands.setdefault(tool.name, Demand(tool))
                demand.descriptions.append(description.name)
                demand.first_mention[description.name] = description.text.count("\n", 0, mentions[0].start()) + 1
    ranked = sorted(demands.values(), key=lambda d: (-len(d.descriptions), d.tool.name.lower()))
    for repository_path in repositories:
        repository = Repository(repository_path.resolve())
        for demand in ranked:
            demand.found[str(repository_path)] = evidence(demand.tool, repository)
    return MatchReport([d.name for d in descriptions], [str(p) for p in repositories], ranked)


def _found(demand: Demand) -> str:
    places = [
        f"{repository}/{locations[0]}" if repository not in (".", "") else str(locations[0])
        for repository, locations in demand.found.items()
        if locations
    ]
    return ", ".join(places)


def rows(report: MatchReport) -> list[dict[str, Any]]:
    out = []
    for demand in report.demands:
        found = _found(demand)
        out.append(
            {
                "tool": demand.tool.name,
                "category": demand.tool.category,
                "descriptions": len(demand.descriptions),
                "named_in": [f"{name}:{demand.first_mention[name]}" for name in demand.descriptions],
                "recurring": len(demand.descriptions) >= report.recurring_threshold,
                "found": {repo: [str(loc) for loc in locs] for repo, locs in demand.found.items()},
                "status": ("found" if found else "missing") if report.repositories else "not audited",
                "covered_by": None if found else demand.tool.suggestion(),
            }
        )
    return out


def summary(report: MatchReport) -> str:
    recurring = report.recurring()
    if not report.demands:
        return f"No known tool or practice is named in {len(report.descriptions)} description(s)."
    head = (
        f"{len(recurring)} tools recur (named in ≥ {report.recurring_threshold} of "
        f"{len(report.descriptions)} descriptions)"
    )
    if not report.repositories:
        return head + "; pass --repo PATH to audit a project against them."
    covered = [d for d in recurring if _found(d)]
    return head + f"; the repositories show {len(covered)} of them."


def to_data(report: MatchReport) -> dict[str, Any]:
    return {
        "descriptions": report.descriptions,
        "repositories": report.repositories,
        "recurring_threshold": report.recurring_threshold,
        "summary": summary(report),
        "tools": rows(report),
    }


def render_markdown(report: MatchReport) -> str:
    from scaffold.check.report import markdown_text

    lines = [f"## scaffold match: {markdown_text(summary(report))}", ""]
    lines += ["| tool | category | descriptions | found in | to close the gap |", "|---|---|---:|---|---|"]
    for row in rows(report):
        name = f"**{markdown_text(row['tool'])}**" if row["recurring"] else markdown_text(row["tool"])
        found = markdown_text(_found(next(d for d in report.demands if d.tool.name == row["tool"])))
        status = found or ("missing" if report.repositories else "—")
        lines.append(
            f"| {name} | {markdown_text(row['category'])} | {row['descriptions']} | {status} | "
            f"{markdown_text(row['covered_by'] or '')} |"
        )
    return "\n".join(lines) + "\n"


def render_text(report: MatchReport) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from scaffold.check.report import displayable

    table = Table(title=Text(displayable(summary(report))), title_justify="left", expand=True)
    for column in ("tool", "category", "JDs", "found in", "to close the gap"):
        table.add_column(column, no_wrap=column in ("JDs",))
    for row, demand in zip(rows(report), report.demands, strict=True):
        found = _found(demand)
        table.add_row(
            Text(displayable(row["tool"]), style="bold" if row["recurring"] else ""),
            Text(row["category"]),
            str(row["descriptions"]),
            Text(
                displayable(found) if found else ("missing" if report.repositories else "-"),
                style="green" if found else "red",
            ),
            Text(displayable(row["covered_by"] or "")),
        )
    from io import StringIO

    buffer = StringIO()
    Console(file=buffer, width=160).print(table)
    return buffer.getvalue()
