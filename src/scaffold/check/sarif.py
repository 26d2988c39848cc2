"""SARIF 2.1.0 output, in the shape GitHub code scanning accepts (one result per failed check)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from scaffold import __version__
from scaffold.check.model import Check, Location, Status
from scaffold.check.report import clean_data
from scaffold.check.runner import CheckRun

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_FALLBACK_ANCHORS = ("README.md", "pyproject.toml")


def _anchor(run: CheckRun, evidence: tuple[Location, ...]) -> Location:
    """Code scanning needs a file for every result; repository-wide gaps point at the README."""
    if evidence:
        return evidence[0]
    for name in _FALLBACK_ANCHORS:
        if (run.root / name).is_file():
            return Location(name, 1)
    return Location("README.md", 1)


def _uri(run: CheckRun, path: str) -> str:
    """A relative URI reference (RFC 3986, percent-encoded bytes of the file name), relative to
    the checkout (``GITHUB_WORKSPACE`` when set, else the working directory) when the checked
    folder lies inside it, so code scanning places results correctly when a subfolder of the
    repository was checked."""
    base = os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
    try:
        prefix = run.root.relative_to(Path(base).resolve())
    except ValueError:
        prefix = Path(".")
    relative = (prefix / path).as_posix() if str(prefix) != "." else path
    return quote(os.fsencode(relative), safe="/")


def render_sarif(run: CheckRun, checks: list[type[Check]]) -> str:
    by_id = {check.id: check for check in checks}
    rule_ids = [f.check_id for f in run.findings]
    rules: list[dict[str, Any]] = []
    for check_id in rule_ids:
        check = by_id.get(check_id)
        finding = next(f for f in run.findings if f.check_id == check_id)
        rules.append(
            {
                "id": check_id,
                "name": check.__name__ if check else check_id,
                "shortDescription": {"text": finding.title},
                "fullDescription": {"text": check.failure_message() if check else finding.title},
                "help": {"text": finding.fix or finding.title},
                "defaultConfiguration": {"level": "warning"},
                "properties": {
                    "family": finding.family,
                    "weight": finding.weight,
                    "tags": ["rubric", finding.family],
                },
            }
        )
    results: list[dict[str, Any]] = []
    for finding in run.findings:
        if finding.status is not Status.FAIL:
            continue
        anchor = _anchor(run, finding.verdict.evidence)
        region = {"startLine": anchor.line} if anchor.line and anchor.line >= 1 else {"startLine": 1}
        results.append(
            {
                "ruleId": finding.check_id,
                "ruleIndex": rule_ids.index(finding.check_id),
                "level": "warning",
                "message": {"text": f"{finding.title}: {finding.verdict.detail}. Fix: {finding.fix}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {
                                "uri": _uri(run, anchor.path),
                                "uriBaseId": "%SRCROOT%",
                            },
                            "region": region,
                        }
                    }
                ],
            }
        )
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "scaffold-check",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": "scaffold-check/"},
                "results": results,
                "properties": {"score": run.score.total},
            }
        ],
    }
    return json.dumps(clean_data(log), indent=2)
