"""Calibration of `scaffold check`: score every fixture tree and compare with its expected.yaml.

Each fixture under evals/check/fixtures/ is a small repository with an expected score band, the
tracks that must be detected, and the checks that must fail, pass, or pass with partial credit.
A fixture with `base: NAME` holds only what differs from that fixture (plus `remove: [...]`), so
each variant shows exactly the one defect it is about; it is assembled in a temporary folder.
Writes results.json and results.md next to this file; exits 1 when any expectation is missed.

    python evals/check/run.py
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

from scaffold.check.model import Status
from scaffold.check.registry import load_checks
from scaffold.check.runner import run_checks

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"


def expectation(directory: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(
        (directory / "expected.yaml").read_text(encoding="utf-8")
    )
    return loaded


@contextmanager
def materialized(directory: Path) -> Iterator[Path]:
    """The fixture's repository tree: the folder itself, or its base with this folder laid over it."""
    expected = expectation(directory)
    if "base" not in expected:
        yield directory
        return
    ignore = shutil.ignore_patterns("expected.yaml")
    with tempfile.TemporaryDirectory(prefix=f"{directory.name}-") as scratch:
        tree = Path(scratch) / directory.name
        shutil.copytree(FIXTURES / expected["base"], tree, ignore=ignore)
        for removed in expected.get("remove", []):
            target = tree / removed
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink()
        shutil.copytree(directory, tree, ignore=ignore, dirs_exist_ok=True)
        yield tree


def evaluate_fixture(directory: Path) -> dict[str, Any]:
    expected = expectation(directory)
    with materialized(directory) as tree:
        run = run_checks(tree, load_checks(include_plugins=False))
    status = {f.check_id: f for f in run.findings}
    failing = sorted(i for i, f in status.items() if f.status is Status.FAIL)
    problems: list[str] = []
    low, high = expected["band"]
    if not low <= run.score.total <= high:
        problems.append(f"score {run.score.total} outside [{low}, {high}]")
    for check_id in expected.get("must_fail", []):
        if status[check_id].status is not Status.FAIL:
            problems.append(f"{check_id} should fail")
    for check_id in expected.get("must_pass", []):
        if status[check_id].status is not Status.PASS or status[check_id].verdict.credit < 1:
            problems.append(f"{check_id} should pass ({status[check_id].verdict.detail})")
    for check_id in expected.get("partial", []):
        credit = status[check_id].verdict.credit
        if status[check_id].status is not Status.PASS or not 0 < credit < 1:
            problems.append(f"{check_id} should earn partial credit")
    detected = set(run.tracks)
    wanted = set(expected.get("tracks", []))
    if detected != wanted:
        problems.append(f"tracks {sorted(detected)} != expected {sorted(wanted)}")
    return {
        "fixture": directory.name,
        "description": expected.get("description", ""),
        "band": [low, high],
        "score": run.score.total,
        "tracks": sorted(detected),
        "failing": failing,
        "expected_failing": sorted(expected.get("must_fail", [])),
        "agrees": not problems,
        "problems": problems,
        "seconds": round(run.seconds, 3),
    }


def markdown(rows: list[dict[str, Any]]) -> str:
    agreed = sum(r["agrees"] for r in rows)
    lines = [
        "# scaffold check calibration",
        "",
        f"{agreed} of {len(rows)} fixtures agree with their expected band, tracks and failing checks.",
        "",
        "| fixture | band | score | tracks | failing checks | agrees |",
        "|---|---|---:|---|---|---|",
    ]
    for r in rows:
        verdict = "yes" if r["agrees"] else "NO: " + "; ".join(r["problems"])
        lines.append(
            f"| {r['fixture']} | {r['band'][0]}-{r['band'][1]} | {r['score']:.1f} | {', '.join(r['tracks']) or '-'} "
            f"| {', '.join(r['failing'])} | {verdict} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    fixtures = sorted(p for p in FIXTURES.iterdir() if (p / "expected.yaml").is_file())
    rows = [evaluate_fixture(directory) for directory in fixtures]
    table = Table(
        "fixture", "band", "score", "tracks", "agrees", title="scaffold check calibration"
    )
    for r in rows:
        table.add_row(
            r["fixture"],
            f"{r['band'][0]}-{r['band'][1]}",
            f"{r['score']:.1f}",
            ", ".join(r["tracks"]) or "-",
            "[green]yes[/]" if r["agrees"] else "[red]" + "; ".join(r["problems"]) + "[/]",
        )
    console = Console()
    console.print(table)
    agreed = sum(r["agrees"] for r in rows)
    summary = {
        "fixtures": len(rows),
        "agree": agreed,
        "agreement": round(agreed / len(rows), 3) if rows else 0.0,
    }
    (HERE / "results.json").write_text(
        json.dumps({"summary": summary, "fixtures": rows}, indent=2) + "\n", encoding="utf-8"
    )
    (HERE / "results.md").write_text(markdown(rows), encoding="utf-8")
    console.print(f"agreement: {agreed}/{len(rows)}")
    return 0 if agreed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
