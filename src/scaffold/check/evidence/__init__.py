"""Evidence about one repository, gathered once and shared by every check.

A fact is something a check asks for by parameter name (`files`, `python`, `results`, …). Facts
are computed on first use and cached, so a fact no selected check needs is never computed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, Generic, TypeVar, cast, overload

from scaffold.check.evidence.ci import CiConfig, collect_ci
from scaffold.check.evidence.dependencies import (
    Dependencies,
    PyProject,
    collect_dependencies,
    load_pyproject,
)
from scaffold.check.evidence.deployment import Deployment, collect_deployment
from scaffold.check.evidence.eval_sets import EvalSets, collect_eval_sets
from scaffold.check.evidence.files import DEFAULT_SIZE_LIMIT, FileIndex, build_file_index
from scaffold.check.evidence.history import GitHistory, read_git_history
from scaffold.check.evidence.markdown import Markdown, linked_documents, parse_markdown
from scaffold.check.evidence.python_source import PythonSources, collect_python_sources
from scaffold.check.evidence.results import ResultsData, collect_results, is_results_folder
from scaffold.check.evidence.secrets import SecretScan, scan_for_secrets
from scaffold.check.evidence.tasks import Tasks, collect_tasks
from scaffold.check.evidence.template_origin import TemplateOrigin, template_origin
from scaffold.check.evidence.tooling import Tooling, collect_tooling
from scaffold.check.evidence.tracks import TrackDetection, detect_tracks
from scaffold.check.evidence.vocabulary import (
    Infrastructure,
    collect_infrastructure,
    container_evidence,
    launch_evidence,
    vocabulary,
)
from scaffold.check.model import Location

MAX_LINKED_DOCUMENTS = 8
MAX_REPORTS = 12
README_NAMES = ("README.md", "README.markdown", "README.rst", "README.txt", "README")


Provider = Callable[["Repository"], object]
T = TypeVar("T")


class _Fact(Generic[T]):
    """A typed accessor for a built-in fact (``repository.files``): the same cached value that
    ``repository.fact("files")`` returns, for facts that build on other facts."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, repository: None, owner: type) -> _Fact[T]: ...
    @overload
    def __get__(self, repository: Repository, owner: type) -> T: ...
    def __get__(self, repository: Repository | None, owner: type) -> T | _Fact[T]:
        if repository is None:
            return self
        return cast(T, repository.fact(self.name))


class Repository:
    """The facts about the repository at `root`, each computed once, on first use, by its provider.

    Providers come from the `scaffold.facts` entry point group: scaffold's own distribution declares
    `builtin_facts` there (the same path a plugin's facts take), and a plugin adds one fact per entry
    point, named by the parameter a check asks for it by.
    """

    builtin: ClassVar[dict[str, Provider]] = {}
    plugin_facts: ClassVar[dict[str, Provider]] = {}

    files: _Fact[FileIndex] = _Fact()
    readme: _Fact[Markdown | None] = _Fact()
    writeup: _Fact[list[Markdown]] = _Fact()
    reports: _Fact[list[Markdown]] = _Fact()
    pyproject: _Fact[PyProject | None] = _Fact()
    dependencies: _Fact[Dependencies] = _Fact()
    python: _Fact[PythonSources] = _Fact()
    results: _Fact[ResultsData] = _Fact()
    eval_sets: _Fact[EvalSets] = _Fact()
    tasks: _Fact[Tasks] = _Fact()
    ci: _Fact[CiConfig] = _Fact()
    tooling: _Fact[Tooling] = _Fact()
    deployment: _Fact[Deployment] = _Fact()
    git_history: _Fact[GitHistory] = _Fact()
    secrets: _Fact[SecretScan] = _Fact()
    infrastructure: _Fact[Infrastructure] = _Fact()
    serving_engines: _Fact[list[tuple[str, Location]]] = _Fact()
    tracks: _Fact[TrackDetection] = _Fact()
    template_origin: _Fact[TemplateOrigin] = _Fact()

    def __init__(
        self,
        root: Path,
        *,
        size_limit: int = DEFAULT_SIZE_LIMIT,
        tracks: list[str] | None = None,
        exclude: list[str] | None = None,
    ) -> None:
        self.root = root
        self.size_limit = size_limit
        self.forced_tracks = tracks
        self.exclude = exclude or []
        self._values: dict[str, object] = {"root": root}

    @classmethod
    def register_builtin_facts(cls, providers: dict[str, Provider]) -> None:
        for name, provider in providers.items():
            if not name.isidentifier() or not callable(provider):
                raise ValueError(f"built-in fact {name!r} needs an identifier name and a callable provider")
            cls.builtin[name] = provider

    @classmethod
    def register_fact(cls, name: str, provider: Provider) -> None:
        if not name.isidentifier():
            raise ValueError(f"fact name {name!r} is not a Python identifier (checks ask for facts by parameter name)")
        if name in cls._builtins() or name == "root":
            raise ValueError(f"fact {name!r} is built in")
        if cls.plugin_facts.get(name, provider) is not provider:
            raise ValueError(f"fact {name!r} is already provided by {cls.plugin_facts[name].__module__}")
        cls.plugin_facts[name] = provider

    @classmethod
    def _builtins(cls) -> dict[str, Provider]:
        if not cls.builtin:
            from scaffold.check.registry import load_builtin_facts  # the registry reads the entry points

            load_builtin_facts()
        return cls.builtin

    @classmethod
    def known_facts(cls) -> frozenset[str]:
        return frozenset({"root", *cls._builtins(), *cls.plugin_facts})

    def fact(self, name: str) -> object:
        if name in self._values:
            return self._values[name]
        provider = self._builtins().get(name) or self.plugin_facts.get(name)
        if provider is None:
            raise KeyError(name)
        value = self._values[name] = provider(self)
        return value


# The built-in facts. Each is a function of the repository; the ones that build on others ask for
# them through the repository, so each is computed once however many facts use it.


def _files(repository: Repository) -> FileIndex:
    return build_file_index(repository.root, size_limit=repository.size_limit, exclude=repository.exclude)


def _readme(repository: Repository) -> Markdown | None:
    files = repository.files
    found = files.at_root(*README_NAMES)
    if found is None:
        return None
    text = files.read_text(found.path)
    return parse_markdown(found.path, text) if text is not None else None


def _writeup(repository: Repository) -> list[Markdown]:
    """The README, then the Markdown documents it links to in the repository (one hop, at most
    MAX_LINKED_DOCUMENTS): a report or design note a reviewer opens from the README is part of it."""
    readme, files = repository.readme, repository.files
    if readme is None:
        return []
    documents = [readme]
    for path in linked_documents(readme, files)[:MAX_LINKED_DOCUMENTS]:
        text = files.read_text(path)
        if text is not None:
            documents.append(parse_markdown(path, text))
    return documents


def _reports(repository: Repository) -> list[Markdown]:
    """Markdown reports committed in results folders (`docs/results/*.md`, `reports/*.md`), at
    most MAX_REPORTS: results a reviewer can read, though not data a script can check. A report
    the README links to is also part of the write-up (the same object)."""
    files = repository.files
    linked = {document.path: document for document in repository.writeup}
    found = []
    for indexed in files.with_suffix(".md", ".markdown"):
        if not is_results_folder(indexed.parts[:-1]):
            continue
        if indexed.path in linked:
            found.append(linked[indexed.path])
        elif (text := files.read_text(indexed.path)) is not None:
            found.append(parse_markdown(indexed.path, text))
        if len(found) >= MAX_REPORTS:
            break
    return found


def _serving_engines(repository: Repository) -> list[tuple[str, Location]]:
    """Serving engines (vLLM, TGI, …) the project starts itself, each with the first place that
    starts it: a container, a script or Makefile command, or a command string in its code."""

    return [
        (tool.name, locations[0])
        for tool in vocabulary()
        if tool.category == "serving engine"
        if (locations := launch_evidence(tool, repository))
    ]


def _tracks(repository: Repository) -> TrackDetection:
    # A container that runs an engine makes a serving project; a local model server that a RAG or
    # agent project starts for its offline runs (a command string in its code) does not.
    serving = [
        f"runs {tool.name} ({location})"
        for tool in vocabulary()
        if tool.category == "serving engine"
        for location in container_evidence(tool, repository)[:1]
    ]
    return detect_tracks(repository.python, repository.readme, repository.forced_tracks, {"serving": serving})


def builtin_facts() -> dict[str, Provider]:
    """Every built-in fact by the name checks ask for it (scaffold's `scaffold.facts` entry point)."""
    return {
        "files": _files,
        "readme": _readme,
        "writeup": _writeup,
        "reports": _reports,
        "pyproject": lambda r: load_pyproject(r.files),
        "dependencies": lambda r: collect_dependencies(r.files, r.pyproject),
        "python": lambda r: collect_python_sources(r.files),
        "results": lambda r: collect_results(r.files),
        "eval_sets": lambda r: collect_eval_sets(r.files, r.python),
        "tasks": lambda r: collect_tasks(r.files, r.pyproject),
        "ci": lambda r: collect_ci(r.files, r.tasks),
        "tooling": lambda r: collect_tooling(r.files, r.pyproject),
        "deployment": lambda r: collect_deployment(r.files),
        "git_history": lambda r: read_git_history(r.root),
        "secrets": lambda r: scan_for_secrets(r.files),
        "infrastructure": lambda r: collect_infrastructure(r.files),
        "serving_engines": _serving_engines,
        "tracks": _tracks,
        "template_origin": lambda r: template_origin(r.files),
    }
