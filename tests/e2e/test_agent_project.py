"""End-to-end tier for the agent kind: render it with defaults and run what its README promises,
`make setup setup-llm test eval bench`, on the real local model server, with fault injection; then
its "Make it yours" path on a CSV the template does not ship.

It is its own module so that `make ci` can run it beside the other end-to-end modules: the local
model server runs on all cores but one, which leaves a core free."""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pytest

from .conftest import assert_check_score_at_least, assert_the_example_is_flagged, make, set_up_project

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


def test_agent_ablation_and_demo_and_the_render_is_the_template_example(agent_project: Path) -> None:
    # A subset keeps CI time bounded; the README says it is one.
    make(agent_project, "ablate", "LIMIT=6", timeout=3600)
    result = json.loads((agent_project / "results/ablation.json").read_text())
    arms = result["metrics"]["variants"]
    assert list(arms) == ["baseline", "tool policy auto", "tools typed", "tools both", "faults", "faults, no retries"]
    assert all(arm["metrics"]["tasks"] == 6 for arm in arms.values())
    assert arms["faults"]["metrics"]["retries"] > 0 and arms["faults, no retries"]["metrics"]["retries"] == 0
    assert arms["faults, no retries"]["delta"] is not None and arms["baseline"]["delta"] is None
    make(agent_project, "demo")
    assert (agent_project / "docs/demo.svg").stat().st_size > 5_000
    assert_the_example_is_flagged(agent_project, "data/seattle-weather.csv", "evals/tasks.jsonl")


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


DEPOTS = ("Avonmouth", "Bramley", "Castleford", "Dunmore")
SERVICES = ("economy", "standard", "express")


def write_parcels_csv(path: Path, rows: int = 300) -> list[dict[str, str]]:
    """A made-up but plausible dispatch log: one parcel per row, plus two malformed lines at the end."""
    rng = random.Random(12)
    records = []
    for number in range(rows):
        service = rng.choice(SERVICES)
        distance = round(rng.uniform(3, 420), 1)
        records.append(
            {
                "Parcel ID": f"P{70000 + number}",
                "Dispatched On": (date(2025, 1, 6) + timedelta(days=rng.randrange(170))).isoformat(),
                "Depot": rng.choice(DEPOTS),
                "Service": service,
                "Weight (kg)": f"{rng.uniform(0.2, 24):.2f}",
                "Distance (km)": f"{distance}",
                "Delivered Late": "yes" if rng.random() < (0.3 if service == "economy" else 0.1) else "no",
            }
        )
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
        handle.write("P79998,2025-03-01,Bramley,express\n")  # fields missing
        handle.write("P79999,2025-03-02,Bramley,express,1.20,14.0,no,extra\n")  # one too many
    return records


PARCEL_TEMPLATES = """\
table: parcels
seed: 5
examples: 1
dev: 0.3
templates:
  - id: mean_weight_by_depot
    question: "What is the mean weight of the parcels dispatched from the {depot} depot, in kg?"
    answer_sql: SELECT avg(weight_kg) FROM parcels WHERE depot = %(depot)s
    unit: kg
    tolerance: 0.05
    expected_tools: [query_database]
    typed_calls: [{statistic: mean, column: weight_kg, filter_column: depot, filter_value: "{depot}"}]
    slots_sql: SELECT DISTINCT depot FROM parcels
  - id: late_by_service
    question: "How many {service} parcels were delivered late?"
    answer_sql: SELECT count(*) FROM parcels WHERE service = %(service)s AND delivered_late
    unit: parcels
    tolerance: 0
    expected_tools: [query_database]
    slots: [{service: economy}, {service: standard}, {service: express}]
  - id: distance_by_month
    question: "What was the total distance of the parcels dispatched in {month}, in km?"
    answer_sql: SELECT sum(distance_km) FROM parcels WHERE to_char(dispatched_on, 'FMMonth YYYY') = %(month)s
    unit: km
    tolerance: 1
    expected_tools: [query_database]
    typed_calls: [{statistic: sum, column: distance_km, period: "{month}"}]
    slots_sql: SELECT DISTINCT to_char(dispatched_on, 'FMMonth YYYY') AS month FROM parcels
"""


def test_agent_make_it_yours_on_a_csv_the_template_does_not_ship(agent_project: Path) -> None:
    records = write_parcels_csv(agent_project / "data/parcels.csv")
    timings: dict[str, float] = {}

    def step(target: str, *variables: str) -> str:
        started = time.monotonic()
        output = make(agent_project, target, *variables, timeout=3600)
        timings[target] = round(time.monotonic() - started, 1)
        return output

    loaded = step(
        "load-csv",
        "CSV=data/parcels.csv",
        "LICENCE=made up for this test, CC0",
        "DESCRIPTION=Answers a dispatcher's questions about half a year of parcels: weights, distances, delays.",
    )
    assert "rejected row 301 (line 302): 4 fields where the header has 7" in loaded, loaded[-2000:]
    assert "rejected row 302 (line 303): 8 fields where the header has 7" in loaded
    card = json.loads((agent_project / "data/dataset.json").read_text())
    assert card["table"] == "parcels" and card["rows"] == 300 and card["rejected_rows"] == 2
    assert {c["name"]: c["type"] for c in card["columns"]} == {
        "parcel_id": "text",
        "dispatched_on": "date",
        "depot": "text",
        "service": "text",
        "weight_kg": "float",
        "distance_km": "float",
        "delivered_late": "boolean",
    }

    assert not (agent_project / "data/seattle-weather.csv").exists()  # set aside in .data/example/
    step("tasks-init")
    draft = (agent_project / "evals/task_templates.yaml").read_text()
    assert "table: parcels" in draft and "weight_kg" in draft
    (agent_project / "evals/task_templates.yaml").write_text(PARCEL_TEMPLATES)
    step("tasks")
    tasks = [json.loads(line) for line in (agent_project / "evals/tasks.jsonl").read_text().splitlines()]
    assert {t["table"] for t in tasks} == {"parcels"}
    for task in (t for t in tasks if t["template"] == "mean_weight_by_depot"):
        depot = task["slots"]["depot"]
        expected = statistics.fmean(float(r["Weight (kg)"]) for r in records if r["Depot"] == depot)
        assert task["answer"] == pytest.approx(expected, abs=1e-4)
    late = {t["slots"]["service"]: t["answer"] for t in tasks if t["template"] == "late_by_service"}
    assert late == {s: sum(r["Service"] == s and r["Delivered Late"] == "yes" for r in records) for s in SERVICES}
    splits = [t["split"] for t in tasks]
    assert splits.count("example") == 3 and splits.count("test") >= 5

    step("eval")
    step("ablate")
    step("bench")
    step("demo")
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        assert (agent_project / "docs/demo.png").stat().st_size > 10_000  # the page, driven in the browser
    result = json.loads((agent_project / "results/eval.json").read_text())
    assert result["run"]["config"]["table"] == "parcels" and result["run"]["config"]["dataset"].startswith("own")
    assert result["metrics"]["clean"]["tasks"] == splits.count("test")
    arms = json.loads((agent_project / "results/ablation.json").read_text())["metrics"]["variants"]
    assert {"tools typed", "tools both"} <= set(arms)
    assert all(arm["metrics"]["tasks"] == splits.count("dev") for arm in arms.values())
    # The example never reaches the user's results: not its table, its questions or its data (the
    # project's own name, which --defaults takes from the example, is no part of either).
    for name in ("eval.json", "eval_cases.jsonl", "ablation.json", "bench.json"):
        text = (agent_project / "results" / name).read_text().lower().replace("seattle_weather_analyst", "")
        for word in ("weather", "seattle", "precipitation", "temp_max", "precip_inches"):
            assert word not in text, f"{word!r} in results/{name}"
    readme = (agent_project / "README.md").read_text()
    assert "table `parcels`" in readme and "**300 rows**" in readme
    assert "Seattle" not in readme.split("## Make it yours")[0].split("\n", 1)[1]  # the title is the project's name
    output = make(agent_project, "test")  # the project's own tests still pass on its own data
    assert " passed" in output and " failed" not in output
    assert_check_score_at_least(agent_project, 95)
    print("make it yours, seconds per command:", timings)
