import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.check.model import Status
from scaffold.check.runner import CheckRun
from tests.check.conftest import finding, score_tree

Repo = Callable[[dict[str, str | bytes]], CheckRun]


def golden(cases: int, split: bool = True) -> str:
    rows = []
    for i in range(cases):
        row = {"q": f"question {i}", "a": f"answer {i}"}
        if split:
            row["split"] = "dev" if i % 3 == 0 else "test"
        rows.append(json.dumps(row))
    return "\n".join(rows) + "\n"


def test_eval_set_size_sets_the_credit(repo: Repo) -> None:
    assert finding(repo({"evals/golden.jsonl": golden(20)}), "EV2").status is Status.FAIL
    partial = finding(repo({"evals/golden.jsonl": golden(80)}), "EV2")
    assert partial.status is Status.PASS
    assert partial.verdict.credit == 0.5


def test_full_credit_from_150_distinct_cases(tmp_path: Path) -> None:
    (tmp_path / "evals").mkdir()
    (tmp_path / "evals" / "qa.jsonl").write_text(golden(150))
    assert finding(score_tree(tmp_path), "EV2").verdict.credit == 1.0


def test_duplicated_cases_are_counted_once(repo: Repo) -> None:
    line = json.dumps({"q": "same", "a": "same"}) + "\n"
    ev2 = finding(repo({"evals/golden.jsonl": line * 400}), "EV2")
    assert ev2.status is Status.FAIL
    assert "only 1 distinct" in ev2.verdict.detail


def test_split_field_passes_ev3_and_missing_split_fails(repo: Repo) -> None:
    assert finding(repo({"evals/golden.jsonl": golden(60)}), "EV3").status is Status.PASS
    assert finding(repo({"evals/golden.jsonl": golden(60, split=False)}), "EV3").status is Status.FAIL


def test_results_need_run_metadata(repo: Repo) -> None:
    bare = repo({"results/eval.json": json.dumps({"accuracy": 0.8})})
    ev4 = finding(bare, "EV4")
    assert ev4.status is Status.FAIL
    assert "date" in ev4.verdict.detail and "commit" in ev4.verdict.detail
    full = {
        "run": {"utc_time": "2026-01-01", "git_commit": "abc", "config": {}, "model": "m"},
        "metrics": {"accuracy": 0.8},
    }
    assert finding(repo({"results/eval.json": json.dumps(full)}), "EV4").status is Status.PASS


README_WITH_NUMBERS = "# X\n\n## Results\n\n| metric | value |\n|---|---|\n| recall@5 | 0.84 |\n| accuracy | 71.2% |\n"


def test_readme_numbers_backed_by_results_pass_with_rounding_and_percent(repo: Repo) -> None:
    results = json.dumps({"metrics": {"recall_at_5": 0.8412, "accuracy": 0.7118}})
    ev6 = finding(repo({"README.md": README_WITH_NUMBERS, "results/eval.json": results}), "EV6")
    assert ev6.status is Status.PASS, ev6.verdict.detail


def test_stale_readme_number_fails_with_both_values(repo: Repo) -> None:
    results = json.dumps({"metrics": {"recall_at_5": 0.79, "accuracy": 0.712}})
    ev6 = finding(repo({"README.md": README_WITH_NUMBERS, "results/eval.json": results}), "EV6")
    assert ev6.status is Status.FAIL
    assert "0.84" in ev6.verdict.detail and "0.79" in ev6.verdict.detail
    assert "README.md:7" in ev6.verdict.detail


def test_numbers_without_any_results_data_fail(repo: Repo) -> None:
    ev6 = finding(repo({"README.md": README_WITH_NUMBERS}), "EV6")
    assert ev6.status is Status.FAIL
    assert "no results data" in ev6.verdict.detail


def test_ev6_needs_a_results_table_first(repo: Repo) -> None:
    ev6 = finding(repo({"README.md": "# X\n"}), "EV6")
    assert ev6.verdict.detail == "needs ST4 to pass first"


def test_eval_target_and_ci_gate(repo: Repo) -> None:
    run = repo(
        {
            "Makefile": "eval:\n\tpython -m app.evaluate --fail-under 0.7\n",
            ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: make eval\n",
        }
    )
    assert finding(run, "EV1").status is Status.PASS
    ev7 = finding(run, "EV7")
    assert ev7.status is Status.PASS
    assert str(ev7.verdict.evidence[0]).startswith(".github/workflows/ci.yml:")


def test_empty_eval_target_does_not_count(repo: Repo) -> None:
    assert finding(repo({"Makefile": "eval:\n\ntest:\n\tpytest\n"}), "EV1").status is Status.FAIL


def test_ablation_file_passes_ev5(repo: Repo) -> None:
    data = {"baseline": {"recall": 0.6}, "variants": [{"name": "rerank", "recall": 0.7}]}
    assert finding(repo({"results/ablation.json": json.dumps(data)}), "EV5").status is Status.PASS


def test_ev7_is_not_fooled_by_retrieval_paths_or_a_variable_named_baseline(repo: Repo) -> None:
    formatter = (
        "def render(rows):\n"
        "    baseline = rows[0]\n"
        "    threshold = 0.5\n"
        "    return f'{baseline} {threshold}'\n"
        "if __name__ == '__main__':\n"
        "    print(render([1]))\n"
    )
    run = repo({"src/app/retrieval/report.py": formatter, "src/app/evaluation/format.py": formatter})
    assert finding(run, "EV7").status is Status.FAIL, finding(run, "EV7").verdict.detail


def test_ev7_passes_on_an_eval_script_that_fails_under_its_baseline(repo: Repo) -> None:
    gate = (
        "import sys, json\n"
        "def main():\n"
        "    score = json.load(open('results/eval.json'))['mrr']\n"
        "    baseline = json.load(open('evals/baseline.json'))['mrr']\n"
        "    if score < baseline - 0.02:\n"
        "        sys.exit(f'regression: {score} < {baseline}')\n"
        "if __name__ == '__main__':\n"
        "    main()\n"
    )
    ev7 = finding(repo({"scripts/eval_gate.py": gate}), "EV7")
    assert ev7.status is Status.PASS and ev7.verdict.evidence[0].line == 5, ev7.verdict.detail


def _run_file(chunk: int, model: str, recall: float, quality: float) -> str:
    return json.dumps(
        {
            "config": {"chunk_size": chunk, "embedding_model": model, "reranker": None},
            "retrieval": {"recall@5": recall, "mrr": recall - 0.1},
            "quality": {"answer_correctness": quality},
        }
    )


def test_same_schema_results_that_differ_by_config_are_an_ablation(repo: Repo) -> None:
    run = repo(
        {
            "experiments/evaluations/run_256_bge.json": _run_file(256, "bge-small", 0.71, 0.52),
            "experiments/evaluations/run_512_bge.json": _run_file(512, "bge-small", 0.78, 0.55),
            "experiments/evaluations/run_512_e5.json": _run_file(512, "e5-base", 0.81, 0.58),
        }
    )
    ev5 = finding(run, "EV5")
    assert ev5.status is Status.PASS, ev5.verdict.detail
    assert "experiments/evaluations/" in ev5.verdict.detail


def test_repeated_runs_of_one_configuration_are_not_an_ablation(repo: Repo) -> None:
    run = repo(
        {
            "experiments/evaluations/a.json": _run_file(512, "bge-small", 0.78, 0.55),
            "experiments/evaluations/b.json": _run_file(512, "bge-small", 0.79, 0.54),
        }
    )
    assert finding(run, "EV5").status is Status.FAIL


def test_runs_that_differ_only_in_time_and_commit_are_not_an_ablation(repo: Repo) -> None:
    def run_file(time: str, commit: str, mrr: float) -> str:
        run = {"utc_time": time, "git_commit": commit, "config": {"top_k": 5}}
        return json.dumps({"run": run, "metrics": {"mrr": mrr, "hit@5": mrr + 0.1}})

    run = repo(
        {
            "runs/eval_1.json": run_file("2026-01-01T00:00:00Z", "abc", 0.6),
            "runs/eval_2.json": run_file("2026-01-02T00:00:00Z", "def", 0.61),
        }
    )
    assert finding(run, "EV5").status is Status.FAIL


def _bench(completed: int, failed: int, p50: float, provider: str = "vllm") -> str:
    run = {
        "utc_time": "2026-01-01T00:00:00Z",
        "git_commit": "abc",
        "hardware": {"gpu": "L4"},
        "config": {"provider": provider, "model": "m"},
    }
    points = [
        {"level": level, "completed": completed, "failed": failed, "ttft_ms": {"p50": p50, "p95": p50}}
        for level in (1, 4)
    ]
    return json.dumps({"run": run, "metrics": {"points": points}})


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (_bench(0, 16, 0.0), "nothing completed: 32 failed"),
        (_bench(16, 0, 0.0), "every latency is 0"),
        (_bench(16, 0, 120.0, provider="FakeLLM (offline stub)"), "fake provider"),
        (
            json.dumps({"metrics": {"clean": {"success_rate": 0.0}, "faults": {"success_rate": 0.0}}}),
            "success rate is 0",
        ),
    ],
    ids=["all-failed", "zero-latencies", "fake-provider", "zero-success"],
)
def test_results_of_runs_where_nothing_worked_are_not_evidence(repo: Repo, content: str, reason: str) -> None:
    run = repo({"results/bench.json": content})
    for check_id in ("EV4", "PF2"):
        found = finding(run, check_id)
        if check_id == "PF2" and found.status is Status.NOT_APPLICABLE:
            continue
        assert found.status is Status.FAIL, (check_id, found.verdict.detail)
    assert reason in finding(run, "EV4").verdict.detail


def test_a_working_run_stays_evidence(repo: Repo) -> None:
    assert finding(repo({"results/bench.json": _bench(16, 0, 120.0)}), "EV4").status is Status.PASS


def test_ev1_finds_a_runnable_script_in_an_eval_folder(repo: Repo) -> None:
    script = (
        "import json\n\n\ndef main():\n"
        + "    total = 0\n" * 8
        + "    print(json.dumps(total))\n\n\nif __name__ == '__main__':\n    main()\n"
    )
    ev1 = finding(repo({"app/eval/run_route1.py": script}), "EV1")
    assert ev1.status is Status.PASS and ev1.verdict.evidence[0].path == "app/eval/run_route1.py", ev1.verdict.detail


def test_only_results_git_tracks_are_committed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    from tests.check.conftest import write_tree

    results = {"run": {"utc_time": "2026-01-01T00:00:00Z", "git_commit": "abc", "config": {"model": "m"}}, "mrr": 0.6}
    write_tree(tmp_path, {"README.md": "# App\n", "results/eval.json": json.dumps(results)})
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "README.md"], check=True)
    subprocess.run([*git, "commit", "-qm", "readme"], check=True)
    ev4 = finding(score_tree(tmp_path), "EV4")
    # In a git checkout the index is git's own list of tracked files: an untracked file is not read.
    assert ev4.status is Status.FAIL and not ev4.verdict.evidence, ev4.verdict.detail
    subprocess.run([*git, "add", "results/eval.json"], check=True)  # staged is in the index: committed next
    assert finding(score_tree(tmp_path), "EV4").status is Status.PASS
