"""The results lifecycle and the user-error boundary, shared by every project kind."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from {{ package_name }}.errors import UserError, load_settings
from {{ package_name }}.progress import progress
from {{ package_name }}.results import (
    Gate,
    flatten,
    from_results,
    git_state,
    hardware_fingerprint,
    provenance_line,
    refresh_readme,
    run_metadata,
    set_aside,
    write_results,
)
from {{ package_name }}.settings import Settings

GATE = Gate("eval", snapshot=flatten, tolerance=0.05)
LATENCY_GATE = Gate(
    "bench",
    snapshot=flatten,
    tolerance=0.5,
    relative=True,
    better=lambda name: "lower" if name.endswith("_ms") else "higher",
)


def write_run(results: Path, name: str, metrics: dict[str, float], sample: tuple[int, int] | None = None) -> None:
    write_results(name, metrics, run=run_metadata(config={}, models={}, sample=sample), results_dir=results)


def test_gate_accepts_a_full_run_and_flags_only_real_regressions(tmp_path: Path) -> None:
    gate = Gate("eval", snapshot=flatten, tolerance=0.05, baseline_path=tmp_path / "baseline.json")
    write_run(tmp_path, "eval", {"success": 0.80, "f1": 0.60})
    gate.accept(results_dir=tmp_path)
    assert json.loads(gate.baseline_path.read_text())["tolerance"] == 0.05
    write_run(tmp_path, "eval", {"success": 0.76, "f1": 0.50})
    assert gate.check(tmp_path) == ["f1: 0.500 < baseline 0.600 (tolerance 0.05)."]


def test_the_tolerance_stored_in_the_baseline_is_the_one_applied(tmp_path: Path) -> None:
    gate = Gate("eval", snapshot=flatten, tolerance=0.05, baseline_path=tmp_path / "baseline.json")
    write_run(tmp_path, "eval", {"success": 0.80})
    gate.accept(tolerance=0.2, results_dir=tmp_path)
    write_run(tmp_path, "eval", {"success": 0.65})
    assert gate.check(tmp_path) == []


def test_relative_gate_for_latencies_that_should_fall(tmp_path: Path) -> None:
    gate = dataclasses.replace(LATENCY_GATE, baseline_path=tmp_path / "baseline.json")
    write_run(tmp_path, "bench", {"ttft_ms": 100.0, "throughput": 40.0})
    gate.accept(results_dir=tmp_path)
    write_run(tmp_path, "bench", {"ttft_ms": 149.0, "throughput": 21.0})
    assert gate.check(tmp_path) == []
    write_run(tmp_path, "bench", {"ttft_ms": 151.0, "throughput": 19.0})
    assert [line.split(":")[0] for line in gate.check(tmp_path)] == ["ttft_ms", "throughput"]


def test_a_subset_run_is_neither_accepted_nor_compared_with_a_full_baseline(tmp_path: Path) -> None:
    gate = Gate("eval", snapshot=flatten, tolerance=0.05, baseline_path=tmp_path / "baseline.json")
    write_run(tmp_path, "eval", {"success": 0.8}, sample=(8, 56))
    with pytest.raises(UserError, match=r"a subset \(8 of 56\).*before `make baseline`"):
        gate.accept(results_dir=tmp_path)
    write_run(tmp_path, "eval", {"success": 0.8})
    gate.accept(results_dir=tmp_path)
    write_run(tmp_path, "eval", {"success": 0.8}, sample=(8, 56))
    with pytest.raises(UserError, match=r"a subset \(8 of 56\) and .* is a full run"):
        gate.check(tmp_path)


def test_gate_without_a_baseline_says_how_to_make_one(tmp_path: Path) -> None:
    gate = Gate("eval", snapshot=flatten, tolerance=0.05, baseline_path=tmp_path / "missing.json")
    write_run(tmp_path, "eval", {"success": 0.8})
    with pytest.raises(UserError, match="run `make baseline`"):
        gate.check(tmp_path)


def test_refresh_readme_renders_only_blocks_whose_results_exist(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    blocks = [f"<!-- results:{name} -->\nold\n<!-- /results:{name} -->" for name in ("eval", "bench")]
    readme.write_text("# P\n" + "\n".join(blocks) + "\n")
    write_run(tmp_path, "eval", {"success": 0.8})
    renderers = {
        "eval": from_results("eval", lambda r: f"success {r['metrics']['success']:.2f}"),
        "bench": from_results("bench", lambda r: "never"),
    }
    assert refresh_readme(renderers, readme=readme, results_dir=tmp_path) == ["eval"]
    text = readme.read_text()
    assert "success 0.80" in text and "old" in text.split("results:bench")[1]
    assert (tmp_path / "eval.md").read_text().startswith("# eval")


def test_the_provenance_names_the_cpu_features_that_decide_inference_speed() -> None:
    assert isinstance(hardware_fingerprint()["cpu_features"], list)
    hardware: dict[str, Any] = {"cpu": "CPU X", "cpu_count": 2, "gpu": [], "cpu_features": ["avx2", "avx512_vnni"]}
    run = {"utc_time": "t", "git_commit": None, "hardware": hardware}
    assert "CPU X (2 cores, avx2, avx512_vnni), no GPU" in provenance_line({"run": run}, "results/eval.json")
    hardware["cpu_features"] = []
    assert "CPU X (2 cores), no GPU" in provenance_line({"run": run}, "results/eval.json")


def test_a_project_inside_another_checkout_records_no_commit(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(tmp_path),
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "x",
        ],
        check=True,
    )
    inner = tmp_path / "project"
    inner.mkdir()
    assert git_state(tmp_path)[0] is not None
    assert git_state(inner) == (None, False)


def test_a_bad_setting_is_one_sentence_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    class Probe(Settings):
        probe_limit: int = 1

    monkeypatch.setenv("PROBE_LIMIT", "abc")
    with pytest.raises(UserError, match=r"invalid setting PROBE_LIMIT='abc': .*integer"):
        load_settings(Probe)


def test_the_command_line_prints_a_user_error_as_one_line_and_lets_bugs_raise(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from {{ package_name }}.errors import UserError, run_cli\n"
        "def user(): raise UserError('the file x is missing; run `make data`.')\n"
        "def bug(): raise KeyError('k')\n"
        "run_cli(user if sys.argv[1] == 'user' else bug)\n"
    )
    user = subprocess.run([sys.executable, "-c", script, "user"], capture_output=True, text=True)
    assert user.returncode == 1 and user.stderr == "error: the file x is missing; run `make data`.\n"
    bug = subprocess.run([sys.executable, "-c", script, "bug"], capture_output=True, text=True)
    assert bug.returncode == 1 and "Traceback" in bug.stderr and "KeyError" in bug.stderr


def test_progress_in_a_log_is_periodic_lines_with_the_last_one_once() -> None:
    log = io.StringIO()
    console = Console(file=log, force_terminal=False, width=60)
    with progress("ingest", None, console, interval_s=0) as update:
        for done in range(1, 4):
            update(done * 100, 300)
    lines = log.getvalue().splitlines()
    assert lines[0].startswith("ingest: 100/300 (33%)") and "s left" in lines[0]
    assert lines[-1].startswith("ingest: 300/300 (100%)") and len(lines) == 3


def test_results_of_other_data_are_set_aside_with_their_readme_blocks(tmp_path: Path) -> None:
    results, readme, baseline = tmp_path / "results", tmp_path / "README.md", tmp_path / "evals" / "baseline.json"
    old = {"models": {"model": "m"}, "dataset_hash": "example"}
    write_results("eval", {"score": 0.5}, run=old, results_dir=results)
    (results / "eval.md").write_text("# eval\n")
    write_results("bench", {"p50": 1.0}, run={**old, "dataset_hash": "mine"}, results_dir=results)
    readme.write_text("# X\n\n<!-- results:eval -->\n| 0.5 |\n<!-- /results:eval -->\n")
    baseline.parent.mkdir()
    baseline.write_text(json.dumps({"dataset_hash": "example", "models": {}}))
    moved = set_aside(
        lambda run: run.get("dataset_hash") == "mine",
        "example",
        "_Not run on your data yet._",
        results_dir=results,
        readme=readme,
        baseline=baseline,
    )
    assert moved == ["eval.json", str(baseline)]
    archive = results / "previous" / "example"
    assert all((archive / name).is_file() for name in ("eval.json", "eval.md", "baseline.json"))
    assert (results / "bench.json").is_file() and not (results / "eval.json").exists()
    assert "_Not run on your data yet._" in readme.read_text() and "| 0.5 |" not in readme.read_text()
