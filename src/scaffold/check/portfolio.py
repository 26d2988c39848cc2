"""The portfolio view: several repositories checked at once, one summary.

One row per repository (its total and family scores) and the weakest checks across the portfolio:
the checks that fail in the most repositories, with the fix. JSON carries every repository's full
report; SARIF carries one run per repository.
"""

from __future__ import annotations

import json
from collections import Counter
from io import StringIO
from typing import Any

from scaffold.check.model import FAMILY_TITLES, Check, Finding, Status
from scaffold.check.report import clean_data, displayable, markdown_text, to_data
from scaffold.check.runner import CheckRun

WEAKEST = 5


def _families(runs: list[CheckRun]) -> list[str]:
    seen = [family for run in runs for family in run.score.families]
    order = [family for family in FAMILY_TITLES if family in seen]
    return order + sorted(set(seen) - set(order))


def weakest(runs: list[CheckRun], limit: int = WEAKEST) -> list[dict[str, Any]]:
    """Checks failing in the most repositories (ties: the heavier check first)."""
    failing: Counter[str] = Counter()
    example: dict[str, Finding] = {}
    for run in runs:
        for finding in run.findings:
            if finding.status is Status.FAIL:
                failing[finding.check_id] += 1
                example.setdefault(finding.check_id, finding)
    ordered = sorted(failing, key=lambda check_id: (-failing[check_id], -example[check_id].weight, check_id))
    return [
        {
            "id": check_id,
            "title": example[check_id].title,
            "failing": failing[check_id],
            "of": len(runs),
            "fix": example[check_id].fix,
        }
        for check_id in ordered[:limit]
    ]


def to_portfolio_data(runs: list[CheckRun], names: list[str]) -> dict[str, Any]:
    totals = [run.score.total for run in runs]
    return {
        "portfolio": {
            "repositories": [
                {
                    "path": name,
                    "total": run.score.total,
                    "families": {family: fs.score for family, fs in run.score.families.items()},
                }
                for name, run in zip(names, runs, strict=True)
            ],
            "lowest": min(totals),
            "mean": round(sum(totals) / len(totals), 1),
            "weakest_checks": weakest(runs),
        },
        "reports": [to_data(run) for run in runs],
    }


def render_markdown(runs: list[CheckRun], names: list[str]) -> str:
    families = _families(runs)
    totals = [run.score.total for run in runs]
    lines = [f"## scaffold check: portfolio of {len(runs)}, lowest {min(totals):.1f} / 100", ""]
    header = ["repository", "total", *(FAMILY_TITLES.get(f, f) for f in families)]
    lines += ["| " + " | ".join(markdown_text(h) for h in header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    for name, run in zip(names, runs, strict=True):
        cells = [f"{run.score.families[f].score:.1f}" if f in run.score.families else "n/a" for f in families]
        lines.append(f"| {markdown_text(name)} | {run.score.total:.1f} | " + " | ".join(cells) + " |")
    lines += ["", "Weakest checks across the portfolio:", "", "| id | check | failing in | fix |", "|---|---|---:|---|"]
    for item in weakest(runs):
        lines.append(
            f"| {markdown_text(item['id'])} | {markdown_text(item['title'])} | {item['failing']}/{item['of']} | "
            f"{markdown_text(item['fix'] or '')} |"
        )
    return "\n".join(lines) + "\n"


def render_text(runs: list[CheckRun], names: list[str]) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    families = _families(runs)
    table = Table(title=Text(f"Portfolio of {len(runs)} repositories"), title_justify="left")
    table.add_column("repository")
    table.add_column("total", justify="right")
    for family in families:
        table.add_column(FAMILY_TITLES.get(family, family), justify="right")
    for name, run in zip(names, runs, strict=True):
        cells = [f"{run.score.families[f].score:.1f}" if f in run.score.families else "n/a" for f in families]
        table.add_row(Text(displayable(name)), f"{run.score.total:.1f}", *cells)
    weak = Table(title=Text("Weakest checks across the portfolio"), title_justify="left")
    for column in ("id", "check", "failing in", "fix"):
        weak.add_column(column)
    for item in weakest(runs):
        weak.add_row(
            item["id"],
            Text(displayable(item["title"])),
            f"{item['failing']}/{item['of']}",
            Text(displayable(item["fix"] or "")),
        )
    buffer = StringIO()
    console = Console(file=buffer, width=160)
    console.print(table)
    console.print(weak)
    return buffer.getvalue()


def render(runs: list[CheckRun], checks: list[type[Check]], output_format: str, names: list[str]) -> str:
    if output_format == "json":
        return json.dumps(clean_data(to_portfolio_data(runs, names)), indent=2) + "\n"
    if output_format == "markdown":
        return render_markdown(runs, names)
    if output_format == "sarif":
        from scaffold.check.sarif import render_sarif

        logs = [json.loads(render_sarif(run, checks)) for run in runs]
        logs[0]["runs"] = [log["runs"][0] for log in logs]
        return json.dumps(logs[0], indent=2) + "\n"
    return render_text(runs, names)
