"""End-to-end tier for the agent kind: render it with defaults and run what its README promises,
`make setup setup-llm test eval bench`, on the real local model server, with fault injection.

It is its own module so that `make ci` can run it beside the other end-to-end modules: the local
model server runs on all cores but one, which leaves a core free."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import assert_check_score_at_least, make, set_up_project

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def agent_project(workspace: Path) -> Path:
    project = set_up_project(workspace, "agent", "agent")
    make(project, "setup-llm", timeout=2400)
    return project


def test_agent_lint_and_tests_pass_including_the_real_local_model(agent_project: Path) -> None:
    make(agent_project, "lint")
    output = make(agent_project, "test")
    assert " passed" in output and " failed" not in output
    # The real-model tests run here; only the trace viewer test may skip (its extra is optional).
    skipped = [line for line in output.splitlines() if line.startswith("SKIPPED")]
    assert all("traces extra" in line for line in skipped), skipped


def test_agent_eval_runs_clean_and_with_faults_and_fills_the_readme(agent_project: Path) -> None:
    make(agent_project, "eval", timeout=3600)
    result = json.loads((agent_project / "results/eval.json").read_text())
    clean, faults = result["metrics"]["clean"], result["metrics"]["faults"]
    assert clean["tasks"] >= 50 and faults["tasks"] == clean["tasks"]
    assert sum(faults["injected"].values()) > 0 and faults["retries"] > 0
    assert {"p50", "p95"} <= set(clean["latency_ms"]) and clean["tokens"]["input"] > 0
    assert set(result["run"]) >= {"utc_time", "git_commit", "dataset_hash", "config", "models", "hardware"}
    readme = (agent_project / "README.md").read_text()
    assert "Not measured yet: run `make eval`" not in readme and "with injected faults" in readme
    make(agent_project, "gate")


def test_agent_bench_records_latency_at_two_concurrency_levels(agent_project: Path) -> None:
    make(agent_project, "bench", timeout=3600)
    result = json.loads((agent_project / "results/bench.json").read_text())
    levels = result["metrics"]["levels"]
    assert [level["concurrency"] for level in levels][:1] == [1] and len(levels) == 2
    assert all(level["task_ms"]["p50"] <= level["task_ms"]["p95"] for level in levels)
    assert result["run"]["hardware"]["cpu_count"] >= 1
    assert "Not measured yet: run `make bench`" not in (agent_project / "README.md").read_text()


def test_agent_ablation_demo_and_scaffold_check_at_least_95(agent_project: Path) -> None:
    # A subset keeps CI time bounded; the README says it is one.
    make(agent_project, "ablate", "LIMIT=8", timeout=3600)
    result = json.loads((agent_project / "results/ablation.json").read_text())
    arms = result["metrics"]["variants"]
    assert list(arms) == ["baseline", "tool policy auto", "faults", "faults, no retries"]
    assert all(arm["metrics"]["tasks"] == 8 for arm in arms.values())
    assert arms["faults"]["metrics"]["retries"] > 0 and arms["faults, no retries"]["metrics"]["retries"] == 0
    assert arms["faults, no retries"]["delta"] is not None and arms["baseline"]["delta"] is None
    make(agent_project, "demo")
    assert (agent_project / "docs/demo.svg").stat().st_size > 5_000
    assert_check_score_at_least(agent_project, 95)


def test_agent_make_serve_listens_on_the_port_and_host_it_is_given(agent_project: Path) -> None:
    # make exports PORT and HOST to the processes it starts; the model server must not take them.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    server = subprocess.Popen(
        ["make", "serve", f"PORT={port}", "HOST=127.0.0.1"],
        cwd=agent_project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while True:
            assert server.poll() is None, server.stderr.read().decode()[-3000:] if server.stderr else ""
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert json.load(response) == {"status": "ok"}
                    break
            except OSError:
                assert time.monotonic() < deadline, "make serve did not answer within 240 s"
                time.sleep(1)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
