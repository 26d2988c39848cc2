"""`scaffold check A B C`: one summary over a portfolio, gated on its weakest repository."""

from __future__ import annotations

import json

from tests.check.conftest import FIXTURES
from tests.conftest import run_scaffold

PORTFOLIO = [str(FIXTURES / name) for name in ("strong-rag", "serving-bench", "tutorial-clone")]


def test_portfolio_json_has_every_report_and_the_weakest_checks() -> None:
    done = run_scaffold("check", *PORTFOLIO, "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    rows = data["portfolio"]["repositories"]
    assert [row["path"] for row in rows] == PORTFOLIO
    totals = [report["score"]["total"] for report in data["reports"]]
    assert [row["total"] for row in rows] == totals
    assert data["portfolio"]["lowest"] == min(totals)
    weakest = data["portfolio"]["weakest_checks"]
    failing = {
        check_id: sum(f["id"] == check_id and f["status"] == "fail" for r in data["reports"] for f in r["findings"])
        for check_id in {w["id"] for w in weakest}
    }
    assert all(w["failing"] == failing[w["id"]] and w["of"] == 3 for w in weakest)
    assert [w["failing"] for w in weakest] == sorted((w["failing"] for w in weakest), reverse=True)


def test_fail_under_gates_on_each_repository() -> None:
    done = run_scaffold("check", *PORTFOLIO, "--fail-under", "50", "--format", "markdown")
    assert done.returncode == 1
    assert "| repository | total |" in done.stdout and "Weakest checks across the portfolio" in done.stdout
    strong = run_scaffold("check", *PORTFOLIO[:2], "--fail-under", "50")
    assert strong.returncode == 0, strong.stdout + strong.stderr


def test_portfolio_sarif_has_one_run_per_repository() -> None:
    done = run_scaffold("check", *PORTFOLIO, "--format", "sarif")
    assert done.returncode == 0
    assert len(json.loads(done.stdout)["runs"]) == 3


def test_a_missing_path_in_a_portfolio_is_one_error() -> None:
    done = run_scaffold("check", PORTFOLIO[0], "/nonexistent/repo")
    assert done.returncode == 2 and done.stderr.startswith("error:") and "does not exist" in done.stderr
