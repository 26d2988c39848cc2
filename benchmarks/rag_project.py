"""A generated rag-qa project, as the rag-qa benchmarks drive it: its own environment and CLI."""

from __future__ import annotations

import subprocess
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def package_name(project: Path) -> str:
    answers = (project / ".copier-answers.yml").read_text(encoding="utf-8")
    for line in answers.splitlines():
        if line.startswith("package_name:"):
            return line.split(":", 1)[1].strip().strip("'\"")
    raise SystemExit(f"{project} has no package_name in .copier-answers.yml; is it a generated rag-qa project?")


def run_command(project: Path, *arguments: str) -> None:
    """``python -m <package> ARGUMENTS`` in the project's .venv; exit with a one-line error if it fails."""
    python = project / ".venv" / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"{python} is missing: run `make setup` in {project} first.")
    completed = subprocess.run([str(python), "-m", package_name(project), *arguments], cwd=project, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"the project's {arguments[0]} command failed (exit {completed.returncode}); see above.")
