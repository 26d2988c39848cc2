"""The `scaffold check` command end to end: formats, exit codes, configuration, bad input."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.cli import app
from tests.check.conftest import FIXTURES, write_tree

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["check", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_text_report_shows_families_tracks_and_total() -> None:
    code, out = invoke(str(FIXTURES / "strong-rag"))
    assert code == 0
    for text in (
        "Story",
        "Evaluation",
        "Engineering",
        "Production",
        "Performance",
        "Track-specific",
        "Total",
        "Tracks: general, rag",
    ):
        assert text in out
    assert "README.md:" in out


def test_json_report_matches_the_score() -> None:
    code, out = invoke(str(FIXTURES / "strong-rag"), "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["score"]["total"] >= 90
    assert {f["id"] for f in data["findings"] if f["status"] == "fail"} == {"EN6"}
    assert set(data["tracks"]) == {"general", "rag"}


def test_markdown_report_lists_every_check() -> None:
    _, out = invoke(str(FIXTURES / "strong-rag"), "--format", "markdown")
    assert out.startswith("## scaffold check:")
    assert out.count("| ST") == 7


def test_fail_under_sets_the_exit_code() -> None:
    code, _ = invoke(str(FIXTURES / "readme-only"), "--fail-under", "50", "--format", "json")
    assert code == 1
    code, _ = invoke(str(FIXTURES / "strong-rag"), "--fail-under", "90", "--format", "json")
    assert code == 0


def test_select_and_ignore_by_prefix() -> None:
    _, out = invoke(
        str(FIXTURES / "strong-rag"), "--format", "json", "--select", "EV,ST1", "--ignore", "EV7"
    )
    ids = {f["id"] for f in json.loads(out)["findings"]}
    assert ids == {"ST1", "EV1", "EV2", "EV3", "EV4", "EV5", "EV6"}


def test_explain_describes_one_check() -> None:
    code, out = invoke("--explain", "ev6")
    assert code == 0
    assert "EV6" in out and "results" in out and "not_applicable" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/definitely/not/here"], "does not exist"),
        (["--format", "xml", "."], "--format must be one of"),
        (["--select", "ZZ9", "."], "matches no check"),
        (["--explain", "NOPE"], "no check 'NOPE'"),
        (["--fail-under", "140", "."], "between 0 and 100"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    code, out = invoke(*args)
    assert code == 2
    assert "error:" in out and message in out
    assert "Traceback" not in out


def test_a_file_instead_of_a_directory(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    code, out = invoke(str(target))
    assert code == 2 and "is a file" in out


def test_empty_directory_scores_zero_without_error(tmp_path: Path) -> None:
    code, out = invoke(str(tmp_path), "--format", "json")
    assert code == 0
    assert json.loads(out)["score"]["total"] == 0


def test_config_not_applicable_needs_a_reason_and_shows_it(tmp_path: Path) -> None:
    write_tree(
        tmp_path, {"pyproject.toml": '[tool.scaffold.check]\nnot_applicable = { PR4 = "" }\n'}
    )
    code, out = invoke(str(tmp_path))
    assert code == 2 and "needs a reason" in out
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.scaffold.check]\nnot_applicable = { PR4 = "internal tool" }\nignore = ["EN6"]\n'
        },
    )
    code, out = invoke(str(tmp_path), "--format", "json")
    findings = {f["id"]: f for f in json.loads(out)["findings"]}
    assert findings["PR4"]["status"] == "n/a" and findings["PR4"]["detail"] == "internal tool"
    assert "EN6" not in findings


def test_config_tracks_override_detection(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": '[tool.scaffold.check]\ntracks = ["agent"]\n'})
    _, out = invoke(str(tmp_path), "--format", "json")
    assert set(json.loads(out)["tracks"]) == {"general", "agent"}


def test_malformed_pyproject_is_a_note_not_a_crash(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[project\nname = 'x'\n", "README.md": "# x\n"})
    code, out = invoke(str(tmp_path), "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert any("pyproject.toml" in note for note in data["notes"])
    assert data["files"]["skipped"].get("malformed TOML") == 1


def test_bad_files_are_skipped_and_counted(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("import os\n")
    repo = write_tree(
        tmp_path / "repo",
        {
            "README.md": "# x\n",
            "latin1.py": "name = 'caf\xe9'\n".encode("latin-1"),
            "blob.py": b"\x00\x01binary",
            "big.json": "[" + "1," * 700_000 + "1]",
            "results/broken.json": "{not json",
            "evals/deep.jsonl": "[" * 100_000 + "]" * 100_000 + "\n",
            ".github/workflows/deep.yml": "a: " + "[" * 5_000 + "]" * 5_000 + "\n",
            "broken.py": "def (:\n",
            ".github/workflows/ci.yml": "jobs: [\n",
        },
    )
    (repo / "loop").symlink_to(repo, target_is_directory=True)
    (repo / "escape").symlink_to(outside, target_is_directory=True)
    (repo / "dangling").symlink_to(tmp_path / "missing")
    os.mkfifo(repo / "pipe")
    with open(repo / "enormous.py", "wb") as handle:
        handle.truncate(3 * 2**30)  # sparse: claims 3 GiB, must never be read
    locked = repo / "locked.py"
    locked.write_text("x = 1\n")
    locked.chmod(0)
    code, out = invoke(str(repo), "--format", "json")
    assert code == 0, out
    skipped = json.loads(out)["files"]["skipped"]
    assert skipped["symlink (not followed)"] == 3
    assert skipped["not UTF-8"] == 1
    assert skipped["binary"] == 1
    assert skipped["over 1024 KiB"] == 2
    assert skipped["malformed JSON/CSV"] == 1  # results/broken.json; the deep JSONL holds no case
    assert skipped["Python syntax error"] == 1
    assert skipped["malformed YAML"] >= 1
    assert skipped["not a regular file"] == 1
    if os.geteuid() != 0:
        assert skipped["unreadable"] == 1


def test_unreadable_directory_is_an_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can read everything")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        code, out = invoke(str(locked))
        assert code == 2 and "cannot be read" in out
    finally:
        locked.chmod(0o755)


def test_console_script_runs_out_of_process() -> None:
    scaffold = shutil.which("scaffold", path=str(Path(sys.executable).parent))
    assert scaffold is not None
    done = subprocess.run(
        [scaffold, "check", str(FIXTURES / "tutorial-clone"), "--fail-under", "50"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "below --fail-under 50" in done.stderr


def test_config_exclude_leaves_paths_out_of_the_evidence(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.scaffold.check]\nexclude = ["examples/"]\n',
            "examples/Dockerfile": "FROM python:3.11\nCOPY . .\nRUN pip install .\n",
        },
    )
    _, out = invoke(str(tmp_path), "--format", "json", "--select", "PR2")
    assert json.loads(out)["findings"][0]["status"] == "fail"


def test_pathological_lines_stay_fast(tmp_path: Path) -> None:
    long_line = ("[" * 50_000) + (" " * 50_000) + ("#" * 50_000)
    write_tree(
        tmp_path,
        {
            "README.md": f"# T\n\n## {long_line}\n{long_line}\n| a | b |\n|---|---|\n| {long_line} | 1 |\n"
            + "x over " * 20_000
            + "\n"
            + ("[`" * 1_500 + "12 documents\n") * 60,
            "Makefile": f"all{' ' * 100_000}x\n",
            ".github/workflows/ci.yml": f"run: bash {'a' * 100_000}\n",
            "app.py": "x = '" + "a" * 500_000 + "'\n",
        },
    )
    started = time.process_time()  # CPU time: the bound holds on a loaded machine
    code, _ = invoke(str(tmp_path), "--format", "json")
    assert code == 0
    assert time.process_time() - started < 6
