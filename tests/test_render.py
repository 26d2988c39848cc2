from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from .conftest import run_scaffold


def test_list_shows_every_kind_with_a_description() -> None:
    result = run_scaffold("list")
    assert result.returncode == 0
    assert "rag-qa" in result.stdout and "pgvector" in result.stdout
    assert "agent" in result.stdout and "fault injection" in result.stdout


def test_version() -> None:
    from scaffold import __version__

    result = run_scaffold("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"scaffold {__version__}"


def test_new_rag_qa_renders_a_complete_git_project(tmp_path: Path) -> None:
    dest = tmp_path / "demo"
    result = run_scaffold("new", "rag-qa", str(dest), "--defaults", "--data", "project_name=Stdlib Answers")
    assert result.returncode == 0, result.stderr
    for name in (
        "README.md",
        "Makefile",
        "pyproject.toml",
        "Dockerfile",
        ".env.example",
        "LICENSE",
        ".github/workflows/ci.yml",
        ".pre-commit-config.yaml",
        "src/stdlib_answers/api.py",
        "data/corpus/python-stdlib-3.11.jsonl",
        "tests/test_api.py",
    ):
        assert (dest / name).is_file(), name
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert answers["kind"] == "rag-qa" and answers["package_name"] == "stdlib_answers"
    assert answers["_src_path"].endswith("templates.bundle") and answers["_commit"]
    assert "{{" not in (dest / "README.md").read_text()
    umask = os.umask(0)
    os.umask(umask)
    assert dest.stat().st_mode & 0o777 == 0o777 & ~umask  # not the private mode of the staging directory
    log = subprocess.run(["git", "log", "--oneline"], cwd=dest, capture_output=True, text=True, check=True)
    assert len(log.stdout.splitlines()) == 1
    status = subprocess.run(["git", "status", "--porcelain"], cwd=dest, capture_output=True, text=True, check=True)
    assert status.stdout == ""  # clean, so `scaffold update` can run right away


def test_new_agent_renders_a_complete_project_with_its_own_defaults(tmp_path: Path) -> None:
    dest = tmp_path / "agent"
    result = run_scaffold("new", "agent", str(dest), "--defaults")
    assert result.returncode == 0, result.stderr
    for name in (
        "README.md",
        "Makefile",
        "Dockerfile",
        ".env.example",
        ".github/workflows/ci.yml",
        "src/seattle_weather_analyst/agent.py",
        "src/seattle_weather_analyst/llm.py",
        "data/seattle-weather.csv",
        "evals/tasks.jsonl",
        "evals/baseline.json",
        "tests/test_agent_failures.py",
    ):
        assert (dest / name).is_file(), name
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert answers["kind"] == "agent" and answers["package_name"] == "seattle_weather_analyst"
    tasks = [json.loads(line) for line in (dest / "evals/tasks.jsonl").read_text().splitlines()]
    assert sum(t["split"] == "test" for t in tasks) >= 50 and sum(t["split"] == "dev" for t in tasks) >= 30
    # shared partials are included, not copied: the client is the same file in every kind
    shared = Path(__file__).resolve().parents[1] / "templates/shared/python/llm.py"
    assert (dest / "src/seattle_weather_analyst/llm.py").read_text() == shared.read_text()
    assert "{{" not in (dest / "README.md").read_text()


def test_invalid_answer_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    dest = tmp_path / "demo"
    result = run_scaffold("new", "rag-qa", str(dest), "--defaults", "--data", "package_name=Not-Valid")
    assert result.returncode == 1
    assert result.stderr.startswith("error:")
    assert "package_name must be a valid" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # no destination, no staging directory


def test_unknown_kind_names_the_choices(tmp_path: Path) -> None:
    result = run_scaffold("new", "chatbot", str(tmp_path / "x"), "--defaults")
    assert result.returncode == 1
    assert "Unknown template 'chatbot'" in result.stderr and "rag-qa" in result.stderr
    assert not (tmp_path / "x").exists()


def test_non_empty_destination_needs_force(tmp_path: Path) -> None:
    dest = tmp_path / "demo"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    refused = run_scaffold("new", "rag-qa", str(dest), "--defaults")
    assert refused.returncode == 1 and "not empty" in refused.stderr
    assert sorted(p.name for p in dest.iterdir()) == ["notes.txt"]
    dest.chmod(0o751)
    forced = run_scaffold("new", "rag-qa", str(dest), "--defaults", "--force")
    assert forced.returncode == 0, forced.stderr
    assert (dest / "notes.txt").read_text() == "mine" and (dest / "Makefile").is_file()
    assert dest.stat().st_mode & 0o777 == 0o751  # the directory keeps its own mode
    # The user's own files are not committed for them: no repository is made in a non-empty directory.
    assert not (dest / ".git").exists() and "No git commit" in forced.stdout


def test_force_refuses_a_link_in_dest_before_changing_anything(tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("precious\n")
    dest = tmp_path / "demo"
    dest.mkdir()
    (dest / "README.md").symlink_to(outside)
    result = run_scaffold("new", "rag-qa", str(dest), "--defaults", "--force")
    assert result.returncode == 1 and "README.md is a symbolic link" in result.stderr
    assert outside.read_text() == "precious\n" and sorted(p.name for p in dest.iterdir()) == ["README.md"]


def test_trust_is_offered_by_new_and_update() -> None:
    for command in ("new", "update"):
        result = run_scaffold(command, "--help")
        assert result.returncode == 0 and "--trust" in result.stdout


def test_bad_data_pair_is_rejected(tmp_path: Path) -> None:
    result = run_scaffold("new", "rag-qa", str(tmp_path / "d"), "--defaults", "--data", "novalue")
    assert result.returncode == 1 and "key=value" in result.stderr


def test_missing_git_is_one_clear_line(tmp_path: Path) -> None:
    python_dir = Path(sys.executable).parent
    result = run_scaffold("new", "rag-qa", str(tmp_path / "d"), "--defaults", env={"PATH": str(python_dir)})
    assert result.returncode == 1
    assert "git is not on PATH" in result.stderr
    assert not (tmp_path / "d").exists()


def test_any_copier_template_directory(tmp_path: Path) -> None:
    template = tmp_path / "tpl"
    (template / "project").mkdir(parents=True)
    (template / "copier.yml").write_text("_subdirectory: project\nname:\n  type: str\n  default: world\n")
    (template / "project" / "hello.txt.jinja").write_text("hello {{ name }}\n")
    result = run_scaffold("new", str(template), str(tmp_path / "out"), "--defaults", "--data", "name=copier")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "hello.txt").read_text() == "hello copier\n"


def test_cookiecutter_template_renders_but_cannot_update(tmp_path: Path) -> None:
    template = tmp_path / "cc"
    (template / "{{cookiecutter.slug}}").mkdir(parents=True)
    (template / "cookiecutter.json").write_text(json.dumps({"slug": "thing", "greeting": "hi"}))
    (template / "{{cookiecutter.slug}}" / "README.md").write_text(
        "{{ cookiecutter.greeting }} from {{ cookiecutter.slug }}\n"
    )
    dest = tmp_path / "made"
    result = run_scaffold("new", str(template), str(dest), "--defaults", "--trust", "--data", "greeting=hello")
    assert result.returncode == 0, result.stderr
    assert (dest / "README.md").read_text() == "hello from thing\n"
    update = run_scaffold("update", str(dest))
    assert update.returncode == 1
    assert "Cookiecutter" in update.stderr and "Copier-only" in update.stderr


def test_update_outside_a_generated_project_is_refused(tmp_path: Path) -> None:
    result = run_scaffold("update", str(tmp_path))
    assert result.returncode == 1 and ".copier-answers.yml" in result.stderr


def test_new_vllm_bench_renders_the_serving_benchmark_project(tmp_path: Path) -> None:
    dest = tmp_path / "bench"
    result = run_scaffold("new", "vllm-bench", str(dest), "--defaults")
    assert result.returncode == 0, result.stderr
    assert "make setup-llm && make bench" in result.stdout
    for name in (
        "README.md",
        "Makefile",
        "Dockerfile",
        "deploy/k8s.yaml",
        "configs/cpu.yaml",
        "configs/gpu.yaml",
        "configs/llamacpp.yaml",
        "evals/prompts.jsonl",
        "scripts/convert_gguf_to_hf.py",
        "src/llm_serving_bench/metrics.py",
        "src/llm_serving_bench/results.py",
        "src/llm_serving_bench/telemetry.py",
        "tests/test_metrics.py",
        "tests/data/guidellm_benchmarks.json",
        ".github/workflows/ci.yml",
        "LICENSE",
    ):
        assert (dest / name).is_file(), name
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert answers["kind"] == "vllm-bench" and answers["package_name"] == "llm_serving_bench"
    readme = (dest / "README.md").read_text()
    assert "{{" not in readme and "<!-- results:bench -->" in readme
    assert "FROM vllm/vllm-openai" in (dest / "Dockerfile").read_text()
