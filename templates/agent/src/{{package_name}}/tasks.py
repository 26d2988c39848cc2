"""The task file, ``evals/tasks.jsonl``: one held-out question per line with its exact answer.

Written by ``make tasks`` from ``evals/task_templates.yaml`` (see ``task_templates``). Each task
names its split (``example``: shown to the model as a worked example; ``dev``: for tuning;
``test``: held out, for reported numbers) and the table its answer was computed on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import UserError


class TaskFileError(UserError):
    """The task file is missing or malformed."""


@dataclass(frozen=True)
class Task:
    id: str
    split: str
    template: str
    question: str
    answer: float
    unit: str
    tolerance: float
    expected_tools: tuple[str, ...]
    sql: str = ""  # the answer SQL with its slot values bound
    table: str | None = None  # the table the answer was computed on
    typed_calls: tuple[dict[str, Any], ...] = ()  # aggregate calls that answer the lookup


def load_tasks(path: Path, split: str | None = None, table: str | None = None) -> list[Task]:
    """The tasks of ``split`` (all when None); with ``table``, tasks computed on another table are refused."""
    if not path.is_file():
        raise TaskFileError(f"{path} does not exist; expand your task templates into it with `make tasks`.")
    tasks = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            task = Task(
                raw["id"],
                raw["split"],
                raw["template"],
                raw["question"],
                float(raw["answer"]),
                raw["unit"],
                float(raw["tolerance"]),
                tuple(raw["expected_tools"]),
                str(raw.get("sql", "")),
                raw.get("table"),
                tuple(raw.get("typed_calls") or ()),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise TaskFileError(f"{path}:{number} is not a valid task ({exc}).") from None
        if table is not None and task.table not in (None, table):
            raise TaskFileError(
                f"{path} holds tasks for table {task.table}, but the loaded table is {table}: write "
                "evals/task_templates.yaml for it (`make tasks-init` drafts one) and run `make tasks`."
            )
        if split is None or task.split == split:
            tasks.append(task)
    if not tasks:
        raise TaskFileError(f"{path} has no tasks in split {split!r}; use dev or test (`make tasks` writes them).")
    return tasks
