import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.check.model import Status
from scaffold.check.runner import CheckRun
from tests.check.conftest import finding, score_tree, write_tree

Repo = Callable[[dict[str, str | bytes]], CheckRun]

REAL_TESTS = """
import pytest
from app import add

def test_add():
    assert add(1, 2) == 3

def test_add_negative():
    assert add(-1, 1) == 0

def test_add_rejects_text():
    with pytest.raises(TypeError):
        add("a", 1)
"""
EMPTY_TESTS = """
import app

def test_imports():
    app.add(1, 2)

def test_true():
    assert True

def test_nothing():
    pass
"""


def test_tests_with_assertions_pass(repo: Repo) -> None:
    en1 = finding(repo({"tests/test_app.py": REAL_TESTS}), "EN1")
    assert en1.status is Status.PASS
    assert "3/3" in en1.verdict.detail


def test_tests_without_assertions_fail(repo: Repo) -> None:
    en1 = finding(repo({"tests/test_app.py": EMPTY_TESTS}), "EN1")
    assert en1.status is Status.FAIL
    assert "0 with a real assertion" in en1.verdict.detail


def test_ci_running_pytest_through_a_script_and_make(repo: Repo) -> None:
    run = repo(
        {
            ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: bash .ci/run\n",
            ".ci/run": "#!/bin/sh\nmake check\n",
            "Makefile": "check:\n\tpython -m pytest -q\n",
        }
    )
    assert finding(run, "EN2").status is Status.PASS


def test_ci_that_never_tests_fails(repo: Repo) -> None:
    ci = "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: echo hi\n"
    assert finding(repo({".github/workflows/ci.yml": ci}), "EN2").status is Status.FAIL


def test_malformed_ci_yaml_is_reported(repo: Repo) -> None:
    run = repo({".github/workflows/ci.yml": "jobs: [unclosed\n  - : :\n"})
    en2 = finding(run, "EN2")
    assert en2.status is Status.FAIL
    assert "does not parse" in en2.verdict.detail
    assert run.skipped.get("malformed YAML") == 1


def test_type_checker_and_linter(repo: Repo) -> None:
    assert finding(repo({"pyproject.toml": "[tool.ruff]\n[tool.mypy]\n"}), "EN3").status is Status.PASS
    en3 = finding(repo({"pyproject.toml": "[tool.ruff]\n"}), "EN3")
    assert en3.status is Status.FAIL and "type checker" in en3.verdict.detail


def test_unpinned_dependencies_fail_and_lock_file_fixes_it(repo: Repo) -> None:
    files: dict[str, str | bytes] = {
        "requirements.txt": "httpx\nrich>=13\n",
        "app.py": "import httpx\nimport rich\n",
    }
    assert finding(repo(files), "EN4").status is Status.FAIL


def test_a_framework_declared_for_show_earns_half(repo: Repo) -> None:
    files: dict[str, str | bytes] = {
        "pyproject.toml": '[project]\nname="x"\ndependencies = ["httpx==0.28.1", "langchain==0.3.0", "uvicorn==0.32.0"]\n',
        "app.py": "import httpx\n",
    }
    en4 = finding(repo(files), "EN4")
    assert en4.status is Status.PASS and en4.verdict.credit == 0.5
    assert "langchain" in en4.verdict.detail and "uvicorn" not in en4.verdict.detail


def test_pinned_and_used_dependencies_pass(repo: Repo) -> None:
    files: dict[str, str | bytes] = {
        "pyproject.toml": '[project]\nname="x"\ndependencies = ["httpx==0.28.1", "PyYAML==6.0.2"]\n',
        "app.py": "import httpx\nimport yaml\n",
    }
    assert finding(repo(files), "EN4").status is Status.PASS


def test_license(repo: Repo) -> None:
    mit = "MIT License\n\n" + "Permission is hereby granted, free of charge, to any person " * 3
    assert finding(repo({"LICENSE": mit}), "EN5").status is Status.PASS
    assert finding(repo({"README.md": "# x\n"}), "EN5").status is Status.FAIL


def _git(root: Path, *args: str, date: str) -> None:
    env = {
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_AUTHOR_NAME": "Ada",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
        "PATH": "/usr/bin:/bin",
        "HOME": str(root),
    }
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def test_history_one_commit_fails_and_spread_history_passes(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", {"a.txt": "0"})
    _git(root, "init", "-q", date="2026-01-01T10:00:00")
    _git(root, "add", ".", date="2026-01-01T10:00:00")
    _git(root, "commit", "-qm", "first", date="2026-01-01T10:00:00")
    en6 = finding(score_tree(root), "EN6")
    assert en6.status is Status.FAIL
    assert "only 1 commit" in en6.verdict.detail
    for day in range(2, 11):
        (root / "a.txt").write_text(str(day))
        _git(root, "commit", "-qam", f"change {day}", date=f"2026-01-{day:02d}T10:00:00")
    en6 = finding(score_tree(root), "EN6")
    assert en6.status is Status.PASS, en6.verdict.detail


def test_history_of_a_parent_repository_is_never_used(tmp_path: Path) -> None:
    parent = write_tree(tmp_path / "parent", {"sub/README.md": "# x\n"})
    _git(parent, "init", "-q", date="2026-01-01T10:00:00")
    en6 = finding(score_tree(parent / "sub"), "EN6")
    assert en6.status is Status.FAIL
    assert "not a git repository" in en6.verdict.detail


def test_a_clone_with_one_own_commit_on_top_reads_as_a_fork(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", {"a.txt": "0"})
    _git(root, "init", "-q", date="2026-01-01T10:00:00")
    _git(root, "add", ".", date="2026-01-01T10:00:00")
    for day in range(1, 21):
        (root / "a.txt").write_text(str(day))
        _git(root, "commit", "-qam", f"upstream {day}", date=f"2026-02-{day:02d}T10:00:00")
    env_user = ["-c", "user.name=Me", "-c", "user.email=me@example.com"]
    (root / "a.txt").write_text("mine")
    subprocess.run(
        ["git", *env_user, "commit", "-qam", "my change", "--author", "Me <me@example.com>"],
        cwd=root,
        check=True,
        capture_output=True,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(root),
            "GIT_COMMITTER_NAME": "Me",
            "GIT_COMMITTER_EMAIL": "me@example.com",
        },
    )
    en6 = finding(score_tree(root), "EN6")
    assert en6.status is Status.FAIL
    assert "fork" in en6.verdict.detail


PLACEHOLDER_TESTS = """
import unittest

def test_example():
    assert "unit_test_example" == "unit_test_example"

def test_math():
    assert 1 + 1 == 2

def test_flags():
    assert not (False and True)

class TestCase(unittest.TestCase):
    def test_equal(self):
        self.assertEqual("a", "a")

    def test_true(self):
        self.assertTrue(1)
"""


def test_assertions_on_constants_are_not_assertions(repo: Repo) -> None:
    run = repo({"tests/test_a.py": PLACEHOLDER_TESTS, "tests/test_b.py": PLACEHOLDER_TESTS})
    en1 = finding(run, "EN1")
    assert en1.status is Status.FAIL, en1.verdict.detail
    assert "0 with a real assertion" in en1.verdict.detail


@pytest.mark.parametrize(
    "files",
    [
        {
            "backend/pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\nfastapi = "^0.115"\nhttpx = "^0.27"\n',
            "backend/poetry.lock": "# lock\n",
        },
        {"services/api/requirements.txt": "fastapi==0.115.0\nhttpx==0.27.0\n"},
        {"src/backend/requirements.txt": "fastapi==0.115.0\nhttpx==0.27.0\n"},
        {"Pipfile": '[packages]\nfastapi = "*"\nhttpx = "*"\n\n[dev-packages]\npytest = "*"\n', "Pipfile.lock": "{}\n"},
        {"requirements.txt": "fastapi==0.115.0\r\nhttpx==0.27.0\r\n".encode("utf-16")},  # PowerShell pip freeze
    ],
    ids=["nested-poetry-and-lock", "services-requirements", "src-backend-requirements", "pipfile", "utf16-freeze"],
)
def test_en4_finds_manifests_where_projects_keep_them(repo: Repo, files: dict[str, str | bytes]) -> None:
    code = {"backend/app/main.py": "import fastapi\nimport httpx\n"}
    en4 = finding(repo({**files, **code}), "EN4")
    assert en4.status is Status.PASS, en4.verdict.detail


def test_en4_does_not_read_manifests_of_sample_code(repo: Repo) -> None:
    run = repo({"examples/demo/requirements.txt": "fastapi==0.115.0\n", "app.py": "import fastapi\n"})
    assert finding(run, "EN4").status is Status.FAIL


def test_en4_accepts_back_ends_an_orchestration_library_loads(repo: Repo) -> None:
    run = repo(
        {
            "requirements.txt": "langchain-community==0.3.1\nfaiss-cpu==1.8.0\nopenai==1.51.0\ntiktoken==0.8.0\n",
            "app/rag.py": "from langchain_community.vectorstores import FAISS\n",
        }
    )
    en4 = finding(run, "EN4")
    assert en4.status is Status.PASS, en4.verdict.detail


WORKFLOW = "jobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"


@pytest.mark.parametrize(
    "files",
    [
        {
            ".github/workflows/ci.yml": WORKFLOW + "      - run: poetry run poe test\n",
            "pyproject.toml": '[tool.poe.tasks]\ntest = "pytest -q tests"\n',
        },
        {
            ".github/workflows/ci.yml": WORKFLOW + "      - run: hatch run ci\n",
            "pyproject.toml": '[tool.hatch.envs.default.scripts]\nci = "pytest --cov"\n',
        },
        {
            ".github/workflows/ci.yml": WORKFLOW + "      # pytest used to run here\n      - run: make test\n",
            "Makefile": "test:\n\tpytest\n",
        },
    ],
    ids=["poe", "hatch", "comment-first"],
)
def test_en2_follows_task_runners_and_cites_the_run_line(repo: Repo, files: dict[str, str]) -> None:
    en2 = finding(repo(files), "EN2")
    assert en2.status is Status.PASS, en2.verdict.detail
    assert not any("used to run" in str(e) for e in en2.verdict.evidence)
    assert "#" not in en2.verdict.detail


def test_st6_finds_targets_in_a_service_makefile(repo: Repo) -> None:
    readme = "# App\n\n## Reproduce\n\n```bash\ncd backend && make migrate\nmake test\n```\n"
    files = {
        "README.md": readme,
        "Makefile": "test:\n\tpytest\n",
        "backend/Makefile": "migrate:\n\talembic upgrade head\n",
    }
    st6 = finding(repo(files), "ST6")
    assert st6.status is Status.PASS, st6.verdict.detail


def test_tooling_is_a_fact_en3_and_en5_read() -> None:
    from scaffold.check.evidence.tooling import LicenseFile, Tooling
    from scaffold.check.model import Location
    from scaffold.check.runner import compute_check

    both = Tooling(Location("pyproject.toml", 40), Location("ruff.toml"), LicenseFile("LICENSE", 160))
    assert compute_check("EN3", tooling=both).status is Status.PASS
    assert compute_check("EN5", tooling=both).status is Status.PASS
    bare = Tooling(None, Location("ruff.toml"), LicenseFile("LICENSE", 3))
    assert "no type checker" in compute_check("EN3", tooling=bare).detail
    assert compute_check("EN5", tooling=bare).detail == "LICENSE is nearly empty"
