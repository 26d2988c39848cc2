"""Agreement of `scaffold check` with hand scores on real public repositories.

`repos.yaml` lists public repositories (owner/name@commit) that were scored by hand against
RUBRIC.md before the checker ran on them: a verdict per check with the file that decided it, a
band (weak, middling, strong) and a justification. The hand score is those verdicts under the
same scoring policy as the checker (pass 1, partial 0.5, fail 0, na left out), so a disagreement
is always a disagreement about a check, never about weights.

The trees are not committed. For every listed repository whose git mirror is present (a bare
repository at MIRRORS/owner+name/repo), the commit is checked out into a temporary folder (a local
clone: no hooks, no filters, nothing from the repository runs) and scored. Absent mirrors are
reported as such. Writes results.json and results.md next to this file.

    python evals/real/run.py [--mirrors DIR] [--only owner/name ...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from scaffold.check.model import Check, Finding, Status, Verdict, failed, not_applicable, partially_passed, passed
from scaffold.check.registry import load_checks
from scaffold.check.runner import dependency_order, run_checks
from scaffold.check.scoring import score

HERE = Path(__file__).resolve().parent
REPOS = HERE / "repos.yaml"
DEFAULT_MIRRORS = Path(os.environ.get("SCAFFOLD_MIRRORS", HERE.parents[1].parent / ".mirror"))
BANDS = ("weak", "middling", "strong")
HAND_CREDIT = {"pass": 1.0, "partial": 0.5, "fail": 0.0}


def load_entries(path: Path = REPOS) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in entries:
        if entry["band"] not in BANDS:
            raise ValueError(f"{entry['repo']}: band {entry['band']!r} is not one of {BANDS}")
    return entries


def hand_findings(entry: dict[str, Any], checks: list[type[Check]]) -> list[Finding]:
    """The reviewer's verdicts as findings, so the checker's scoring policy turns them into a score.
    The policy includes the dependency rule: a check whose prerequisite the reviewer failed is not
    applicable (as in the checker), so a missing eval set is one failure, not three."""
    findings = []
    failed_ids: set[str] = set()
    for check in dependency_order(checks):
        given = entry["verdicts"].get(check.id)
        if given is None:
            raise ValueError(f"{entry['repo']}: no hand verdict for {check.id}")
        mark, why = given["v"], given.get("why", "")
        verdict: Verdict
        unmet = sorted(check.requires & failed_ids)
        if unmet and mark != "na":
            verdict = not_applicable(f"needs {', '.join(unmet)} to pass first (hand: {mark}: {why})")
        elif mark == "na":
            verdict = not_applicable(why)
        elif mark == "fail":
            verdict = failed(why)
            failed_ids.add(check.id)
        elif mark == "partial":
            verdict = partially_passed(HAND_CREDIT["partial"], why)
        elif mark == "pass":
            verdict = passed(why)
        else:
            raise ValueError(f"{entry['repo']}: {check.id} verdict {mark!r} is not pass/partial/fail/na")
        findings.append(Finding(check.id, check.family, check.title(), check.weight, check.fix, check.track, verdict))
    order = {check.id: position for position, check in enumerate(checks)}
    return sorted(findings, key=lambda f: order[f.check_id])


def _git(*args: str, cwd: Path | None = None) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": tempfile.gettempdir(),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_LFS_SKIP_SMUDGE": "1",
    }
    safe = ["-c", "core.hooksPath=/dev/null", "-c", "protocol.file.allow=always", "-c", "core.symlinks=true"]
    subprocess.run(["git", *safe, *args], cwd=cwd, env=env, check=True, capture_output=True, timeout=600)


def mirror_of(repo: str, mirrors: Path) -> Path:
    return mirrors / repo.replace("/", "+") / "repo"


def materialize(entry: dict[str, Any], mirrors: Path, scratch: Path) -> Path | None:
    """A work tree of the entry's commit, with its history, under `scratch`; None without a mirror."""
    mirror = mirror_of(entry["repo"], mirrors)
    if not mirror.is_dir():
        return None
    tree = scratch / entry["repo"].replace("/", "+")
    # a plain local clone (hard links, no alternates pointing out of the tree: the checker refuses those)
    _git("clone", "-q", "--no-checkout", str(mirror), str(tree))
    _git("checkout", "-q", "--detach", str(entry["commit"]), cwd=tree)
    return tree


def ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return result


def spearman(xs: list[float], ys: list[float]) -> float | None:
    if len(xs) < 3:
        return None
    rx, ry = ranks(xs), ranks(ys)
    if len(set(rx)) == 1 or len(set(ry)) == 1:
        return None
    return round(statistics.correlation(rx, ry), 3)


def evaluate(entry: dict[str, Any], tree: Path, checks: list[type[Check]]) -> dict[str, Any]:
    hand = hand_findings(entry, checks)
    hand_score = score(hand).total
    started = time.perf_counter()
    run = run_checks(tree, checks)
    seconds = time.perf_counter() - started
    tool = {f.check_id: f for f in run.findings}
    disagreements = []
    for finding in hand:
        mine, theirs = finding.status, tool[finding.check_id].status
        credits = finding.verdict.credit, tool[finding.check_id].verdict.credit
        if mine is not theirs or (mine is Status.PASS and credits[0] != credits[1]):
            disagreements.append(
                {
                    "check": finding.check_id,
                    "hand": entry["verdicts"][finding.check_id]["v"],
                    "tool": "partial" if theirs is Status.PASS and credits[1] < 1 else theirs.value,
                    "hand_why": finding.verdict.detail,
                    "tool_detail": tool[finding.check_id].verdict.detail,
                }
            )
    return {
        "repo": entry["repo"],
        "commit": entry["commit"],
        "band": entry["band"],
        "kind": entry.get("kind", ""),
        "hand": hand_score,
        "tool": run.score.total,
        "error": round(run.score.total - hand_score, 1),
        "hand_tracks": sorted(entry.get("tracks", [])),
        "tool_tracks": sorted(run.tracks),
        "files": run.file_count,
        "seconds": round(seconds, 3),
        "disagreements": disagreements,
    }


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    hand = [r["hand"] for r in rows]
    tool = [r["tool"] for r in rows]
    errors = [r["error"] for r in rows]
    inversions = [
        f"{weak['repo']} (weak, {weak['tool']}) >= {strong['repo']} (strong, {strong['tool']})"
        for weak in rows
        if weak["band"] == "weak"
        for strong in rows
        if strong["band"] == "strong" and weak["tool"] >= strong["tool"]
    ]
    by_check = Counter(d["check"] for r in rows for d in r["disagreements"])
    return {
        "repositories": len(rows),
        "bands": dict(Counter(r["band"] for r in rows)),
        "spearman": spearman(hand, tool),
        "mean_absolute_error": round(statistics.fmean(abs(e) for e in errors), 1) if rows else None,
        "mean_signed_error": round(statistics.fmean(errors), 1) if rows else None,
        "band_inversions": inversions,
        "disagreements_by_check": dict(by_check.most_common()),
        "median_seconds": round(statistics.median(r["seconds"] for r in rows), 3) if rows else None,
        "max_seconds": max((r["seconds"] for r in rows), default=None),
    }


def markdown(summary: dict[str, Any], rows: list[dict[str, Any]], absent: list[str]) -> str:
    lines = [
        "# scaffold check on real repositories",
        "",
        f"{summary['repositories']} repositories scored by hand (before the checker ran) and by `scaffold check`.",
        "",
        f"- Spearman rank correlation: **{summary['spearman']}**",
        f"- mean absolute error: **{summary['mean_absolute_error']}** points; mean signed error (checker - hand): "
        f"**{summary['mean_signed_error']}**",
        f"- band inversions (a weak repository at or above a strong one): **{len(summary['band_inversions'])}**",
        f"- checker time per repository: median {summary['median_seconds']} s, max {summary['max_seconds']} s",
        "",
        "| repository | band | hand | checker | error | files | checks that disagree (hand/checker) |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in sorted(rows, key=lambda r: r["hand"]):
        differing = ", ".join(f"{d['check']} {d['hand']}/{d['tool']}" for d in r["disagreements"]) or "-"
        lines.append(
            f"| {r['repo']}@{r['commit'][:10]} | {r['band']} | {r['hand']:.1f} | {r['tool']:.1f} | {r['error']:+.1f} "
            f"| {r['files']} | {differing} |"
        )
    if summary["band_inversions"]:
        lines += ["", "Band inversions:", *(f"- {line}" for line in summary["band_inversions"])]
    if absent:
        lines += ["", f"Not scored (no mirror present): {', '.join(absent)}"]
    lines += ["", f"Disagreements by check: {summary['disagreements_by_check'] or 'none'}"]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--no-write", action="store_true", help="print only; leave the results files alone")
    args = parser.parse_args()
    checks = load_checks(include_plugins=False)
    entries = [e for e in load_entries() if not args.only or e["repo"] in args.only]
    rows: list[dict[str, Any]] = []
    absent: list[str] = []
    with tempfile.TemporaryDirectory(prefix="scaffold-real-") as scratch:
        for entry in entries:
            tree = materialize(entry, args.mirrors, Path(scratch))
            if tree is None:
                absent.append(entry["repo"])
                continue
            rows.append(evaluate(entry, tree, checks))
            r = rows[-1]
            print(f"{r['band']:>8} hand {r['hand']:5.1f} checker {r['tool']:5.1f} {r['repo']}", file=sys.stderr)
    summary = summarize(rows)
    summary["absent"] = absent
    summary["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count()}
    report = markdown(summary, rows, absent)
    print(report)
    if not args.no_write:
        (HERE / "results.json").write_text(json.dumps({"summary": summary, "repositories": rows}, indent=2) + "\n")
        (HERE / "results.md").write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
