"""Declared dependencies: pyproject (PEP 621, dependency groups, Poetry), requirements files, locks."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from scaffold.check.evidence.files import FileIndex
from scaffold.check.model import Location

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")
LOCK_FILES = ("uv.lock", "poetry.lock", "Pipfile.lock", "pdm.lock", "conda-lock.yml", "pylock.toml")


@dataclass(frozen=True)
class Dependency:
    name: str
    """Normalised distribution name (lower case, `-` separated)."""
    specifier: str
    location: Location
    runtime: bool

    @property
    def pinned(self) -> bool:
        spec = self.specifier.split(";", 1)[0]
        return "==" in spec or "~=" in spec or "<" in spec or " @ " in f" {spec}"


@dataclass
class PyProject:
    path: str
    data: dict[str, Any]
    text: str

    def line_of(self, needle: str) -> int | None:
        for number, line in enumerate(self.text.splitlines(), start=1):
            if needle in line:
                return number
        return None

    def table(self, *keys: str) -> dict[str, Any] | None:
        node: Any = self.data
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node if isinstance(node, dict) else None


@dataclass
class Dependencies:
    declared: list[Dependency] = field(default_factory=list)
    lock_files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def runtime(self) -> list[Dependency]:
        return [d for d in self.declared if d.runtime]

    def names(self) -> set[str]:
        return {d.name for d in self.declared}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def load_pyproject(files: FileIndex) -> PyProject | None:
    if "pyproject.toml" not in files:
        return None
    text = files.read_text("pyproject.toml")
    if text is None:
        return None
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
        files.skip("malformed TOML", f"pyproject.toml ({exc})")
        return None
    return PyProject("pyproject.toml", data, text)


def _parse_requirement(raw: str, location: Location, runtime: bool) -> Dependency | None:
    text = raw.split("#", 1)[0].strip()
    if not text or text.startswith(("-", "git+", "http://", "https://", ".", "/")):
        return None
    match = _REQUIREMENT.match(text)
    if not match:
        return None
    return Dependency(normalise(match.group(1)), match.group(3).strip(), location, runtime)


def _from_list(deps: Dependencies, entries: Any, pyproject: PyProject, runtime: bool) -> None:
    if not isinstance(entries, list):
        return
    for entry in entries:
        if isinstance(entry, str):
            line = pyproject.line_of(entry)
            dep = _parse_requirement(entry, Location(pyproject.path, line), runtime)
            if dep:
                deps.declared.append(dep)


# Manifests of the project's own services are found below the root (``backend/``, ``services/api/``,
# ``src/backend/``) to this depth; folders that hold other people's or sample code are not read.
MAX_MANIFEST_DEPTH = 3
_NOT_THE_PROJECT = frozenset({"tests", "test", "fixtures", "examples", "example", "samples", "vendor", "third_party"})


def _is_project_manifest(path: str) -> bool:
    parts = path.split("/")
    return len(parts) - 1 <= MAX_MANIFEST_DEPTH and not any(part.lower() in _NOT_THE_PROJECT for part in parts[:-1])


def _from_pyproject(deps: Dependencies, pyproject: PyProject) -> None:
    project = pyproject.table("project") or {}
    _from_list(deps, project.get("dependencies"), pyproject, True)
    optional = project.get("optional-dependencies")
    if isinstance(optional, dict):
        for entries in optional.values():
            _from_list(deps, entries, pyproject, False)
    groups = pyproject.data.get("dependency-groups")
    if isinstance(groups, dict):
        for entries in groups.values():
            _from_list(deps, entries, pyproject, False)
    poetry = pyproject.table("tool", "poetry") or {}
    tables = [(poetry.get("dependencies"), True), (poetry.get("dev-dependencies"), False)]
    poetry_groups = poetry.get("group")
    if isinstance(poetry_groups, dict):
        tables += [(group.get("dependencies"), False) for group in poetry_groups.values() if isinstance(group, dict)]
    for table, runtime in tables:
        _from_table(deps, table, pyproject, runtime)


def _from_table(deps: Dependencies, table: Any, manifest: PyProject, runtime: bool) -> None:
    """``name = "spec"`` / ``name = {version = …}`` tables (Poetry, Pipfile)."""
    if not isinstance(table, dict):
        return
    for name, spec in table.items():
        if normalise(name) == "python":
            continue
        version = spec if isinstance(spec, str) else str(spec.get("version", "")) if isinstance(spec, dict) else ""
        version = "" if version == "*" else version
        pinned_spec = version if not version.startswith("^") else f"<{version}"
        deps.declared.append(
            Dependency(normalise(name), pinned_spec, Location(manifest.path, manifest.line_of(name)), runtime)
        )


def _toml(files: FileIndex, path: str) -> PyProject | None:
    text = files.read_text(path)
    if text is None:
        return None
    try:
        return PyProject(path, tomllib.loads(text), text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
        files.skip("malformed TOML", f"{path} ({exc})")
        return None


def collect_dependencies(files: FileIndex, pyproject: PyProject | None) -> Dependencies:
    """Dependencies declared by the root ``pyproject.toml`` and by the project's own manifests
    below it (``pyproject.toml``, ``requirements*.txt``/``.in``, ``Pipfile``) to a bounded depth."""
    deps = Dependencies()
    if pyproject is not None:
        _from_pyproject(deps, pyproject)
    for indexed in files:
        name = indexed.name.lower()
        if not _is_project_manifest(indexed.path):
            continue
        if name == "pyproject.toml" and indexed.path != "pyproject.toml":
            nested = _toml(files, indexed.path)
            if nested is not None:
                _from_pyproject(deps, nested)
            continue
        if indexed.name == "Pipfile":
            pipfile = _toml(files, indexed.path)
            if pipfile is not None:
                _from_table(deps, pipfile.data.get("packages"), pipfile, True)
                _from_table(deps, pipfile.data.get("dev-packages"), pipfile, False)
            continue
        if not (name.startswith("requirements") and name.endswith((".txt", ".in"))):
            continue
        text = files.read_text(indexed.path)
        if text is None:
            continue
        runtime = not any(word in name for word in ("dev", "test", "lint", "doc"))
        for number, line in enumerate(text.splitlines(), start=1):
            dep = _parse_requirement(line, Location(indexed.path, number), runtime)
            if dep:
                deps.declared.append(dep)
    deps.lock_files = [f.path for f in files.named(*LOCK_FILES) if _is_project_manifest(f.path)]
    return deps
