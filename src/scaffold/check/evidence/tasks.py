"""Named tasks a reader can run: Makefile and justfile targets, pyproject scripts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scaffold.check.evidence.dependencies import PyProject
from scaffold.check.evidence.files import FileIndex
from scaffold.check.model import Location

_MAKE_TARGET = re.compile(r"^([A-Za-z0-9_.%/-][A-Za-z0-9_.%/ -]*?)\s*:(?![=:])\s*(.*)$")
_JUST_RECIPE = re.compile(r"^@?([A-Za-z0-9_-]+)(?:\s+[^:=]*)?:(?!=)\s*(.*)$")


@dataclass
class Task:
    name: str
    location: Location
    commands: list[tuple[Location, str]] = field(default_factory=list)
    prerequisites: list[str] = field(default_factory=list)


@dataclass
class Tasks:
    tasks: dict[str, Task] = field(default_factory=dict)

    def get(self, *names: str) -> Task | None:
        for name in names:
            if name in self.tasks:
                return self.tasks[name]
        return None

    def expanded_commands(self, name: str, depth: int = 0) -> list[tuple[Location, str]]:
        """The task's commands plus those of its prerequisites and of `make X` calls inside it."""
        task = self.tasks.get(name)
        if task is None or depth > 4:
            return []
        commands = list(task.commands)
        for prerequisite in task.prerequisites:
            commands.extend(self.expanded_commands(prerequisite, depth + 1))
        for _, command in task.commands:
            for called in re.findall(r"\$\(MAKE\)\s+([\w.-]+)|\bmake\s+([\w.-]+)", command):
                target = called[0] or called[1]
                if target != name:
                    commands.extend(self.expanded_commands(target, depth + 1))
        return commands


_MAX_LINE = 2000


def _parse_makefile(path: str, text: str, tasks: Tasks) -> None:
    current: Task | None = None
    for number, full_line in enumerate(text.splitlines(), start=1):
        line = full_line[:_MAX_LINE]
        if line.startswith("\t"):
            if current is not None and line.strip():
                current.commands.append((Location(path, number), line.strip()))
            continue
        match = _MAKE_TARGET.match(line)
        if match and not line.startswith((" ", "#")) and "=" not in match.group(1):
            current = None
            for name in match.group(1).split():
                if name.startswith(".") or "%" in name:
                    continue
                task = tasks.tasks.setdefault(name, Task(name, Location(path, number)))
                task.prerequisites.extend(p for p in match.group(2).split(";")[0].split() if "$" not in p)
                current = task
            recipe = match.group(2).split(";", 1)
            if current is not None and len(recipe) == 2 and recipe[1].strip():
                current.commands.append((Location(path, number), recipe[1].strip()))
        elif line.strip() and not line.startswith(" "):
            current = None


def _parse_justfile(path: str, text: str, tasks: Tasks) -> None:
    current: Task | None = None
    for number, full_line in enumerate(text.splitlines(), start=1):
        line = full_line[:_MAX_LINE]
        if line.startswith((" ", "\t")):
            if current is not None and line.strip():
                current.commands.append((Location(path, number), line.strip()))
            continue
        match = _JUST_RECIPE.match(line)
        if match and not line.startswith("#"):
            current = tasks.tasks.setdefault(match.group(1), Task(match.group(1), Location(path, number)))
            current.prerequisites.extend(match.group(2).split())
        else:
            current = None


# Makefiles of the project's own services (``backend/Makefile``) are read too, after the root's,
# so a root target of the same name wins.
MAX_MAKEFILE_DEPTH = 2
_NOT_THE_PROJECT = frozenset({"tests", "test", "fixtures", "examples", "vendor", "third_party", "node_modules"})


def collect_tasks(files: FileIndex, pyproject: PyProject | None) -> Tasks:
    tasks = Tasks()
    makefiles = [
        f
        for f in files.named("Makefile", "GNUmakefile", "makefile")
        if f.path.count("/") <= MAX_MAKEFILE_DEPTH and not {p.lower() for p in f.parts[:-1]} & _NOT_THE_PROJECT
    ]
    for makefile in makefiles:  # shallowest first
        text = files.read_text(makefile.path)
        if text is not None:
            _parse_makefile(makefile.path, text, tasks)
    justfile = files.at_root("justfile", ".justfile")
    if justfile is not None:
        text = files.read_text(justfile.path)
        if text is not None:
            _parse_justfile(justfile.path, text, tasks)
    if pyproject is not None:
        hatch_envs = pyproject.table("tool", "hatch", "envs") or {}
        tables = [
            pyproject.table(*keys) or {}
            for keys in (("project", "scripts"), ("tool", "poe", "tasks"), ("tool", "pdm", "scripts"))
        ]
        tables += [env.get("scripts") or {} for env in hatch_envs.values() if isinstance(env, dict)]
        for table in tables:
            if not isinstance(table, dict):
                continue
            for name, value in table.items():
                location = Location(pyproject.path, pyproject.line_of(f"{name}"))
                command = value if isinstance(value, str) else str(value)
                tasks.tasks.setdefault(name, Task(name, location, [(location, command)]))
    return tasks
