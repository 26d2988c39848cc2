"""Evidence about one repository, gathered once and shared by every check.

Each public property of `Repository` is a fact a check may ask for by parameter name. Properties
are computed on first use and cached, so a fact no selected check needs is never computed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import ClassVar

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
from scaffold.check.evidence.tooling import Tooling, collect_tooling
from scaffold.check.evidence.tracks import TrackDetection, detect_tracks
from scaffold.check.model import Location

MAX_LINKED_DOCUMENTS = 8
MAX_REPORTS = 12
README_NAMES = ("README.md", "README.markdown", "README.rst", "README.txt", "README")


class Repository:
    """The facts about the repository at `root`."""

    FACTS = frozenset(
        {
            "root",
            "files",
            "readme",
            "writeup",
            "reports",
            "pyproject",
            "dependencies",
            "python",
            "results",
            "eval_sets",
            "tasks",
            "ci",
            "git_history",
            "secrets",
            "tracks",
            "serving_engines",
            "deployment",
            "tooling",
        }
    )

    def __init__(
        self,
        root: Path,
        *,
        size_limit: int = DEFAULT_SIZE_LIMIT,
        tracks: list[str] | None = None,
        exclude: list[str] | None = None,
    ) -> None:
        self.root = root
        self._size_limit = size_limit
        self._forced_tracks = tracks
        self._exclude = exclude or []

    # Facts that plugins add (entry point group `scaffold.facts`): name to a function of the
    # repository; each is computed once per repository, on first use, like the built-in ones.
    plugin_facts: ClassVar[dict[str, Callable[[Repository], object]]] = {}

    @classmethod
    def register_fact(cls, name: str, provider: Callable[[Repository], object]) -> None:
        if not name.isidentifier():
            raise ValueError(f"fact name {name!r} is not a Python identifier (checks ask for facts by parameter name)")
        if name in cls.FACTS:
            raise ValueError(f"fact {name!r} is built in")
        if cls.plugin_facts.get(name, provider) is not provider:
            raise ValueError(f"fact {name!r} is already provided by {cls.plugin_facts[name].__module__}")
        cls.plugin_facts[name] = provider

    @classmethod
    def known_facts(cls) -> frozenset[str]:
        return cls.FACTS | frozenset(cls.plugin_facts)

    def fact(self, name: str) -> object:
        if name in self.FACTS:
            return getattr(self, name)
        if name not in self.plugin_facts:
            raise KeyError(name)
        computed = self.__dict__.setdefault("_plugin_values", {})
        if name not in computed:
            computed[name] = self.plugin_facts[name](self)
        return computed[name]

    @cached_property
    def files(self) -> FileIndex:
        return build_file_index(self.root, size_limit=self._size_limit, exclude=self._exclude)

    @cached_property
    def readme(self) -> Markdown | None:
        found = self.files.at_root(*README_NAMES)
        if found is None:
            return None
        text = self.files.read_text(found.path)
        return parse_markdown(found.path, text) if text is not None else None

    @cached_property
    def writeup(self) -> list[Markdown]:
        """The README, then the Markdown documents it links to in the repository (one hop, at most
        MAX_LINKED_DOCUMENTS): a report or design note a reviewer opens from the README is part of it."""
        if self.readme is None:
            return []
        documents = [self.readme]
        for path in linked_documents(self.readme, self.files)[:MAX_LINKED_DOCUMENTS]:
            text = self.files.read_text(path)
            if text is not None:
                documents.append(parse_markdown(path, text))
        return documents

    @cached_property
    def reports(self) -> list[Markdown]:
        """Markdown reports committed in results folders (`docs/results/*.md`, `reports/*.md`), at
        most MAX_REPORTS: results a reviewer can read, though not data a script can check. A report
        the README links to is also part of the write-up (the same object)."""
        linked = {document.path: document for document in self.writeup}
        found = []
        for indexed in self.files.with_suffix(".md", ".markdown"):
            if not is_results_folder(indexed.parts[:-1]):
                continue
            if indexed.path in linked:
                found.append(linked[indexed.path])
            elif (text := self.files.read_text(indexed.path)) is not None:
                found.append(parse_markdown(indexed.path, text))
            if len(found) >= MAX_REPORTS:
                break
        return found

    @cached_property
    def pyproject(self) -> PyProject | None:
        return load_pyproject(self.files)

    @cached_property
    def dependencies(self) -> Dependencies:
        return collect_dependencies(self.files, self.pyproject)

    @cached_property
    def python(self) -> PythonSources:
        return collect_python_sources(self.files)

    @cached_property
    def results(self) -> ResultsData:
        return collect_results(self.files)

    @cached_property
    def eval_sets(self) -> EvalSets:
        return collect_eval_sets(self.files, self.python)

    @cached_property
    def tasks(self) -> Tasks:
        return collect_tasks(self.files, self.pyproject)

    @cached_property
    def ci(self) -> CiConfig:
        return collect_ci(self.files, self.tasks)

    @cached_property
    def tooling(self) -> Tooling:
        return collect_tooling(self.files, self.pyproject)

    @cached_property
    def deployment(self) -> Deployment:
        return collect_deployment(self.files)

    @cached_property
    def git_history(self) -> GitHistory:
        return read_git_history(self.root)

    @cached_property
    def secrets(self) -> SecretScan:
        return scan_for_secrets(self.files)

    @cached_property
    def serving_engines(self) -> list[tuple[str, Location]]:
        """Serving engines (vLLM, TGI, …) the project starts itself, each with the first place that
        starts it: a container, a script or Makefile command, or a command string in its code."""
        from scaffold.check.evidence.vocabulary import launch_evidence, vocabulary

        return [
            (tool.name, locations[0])
            for tool in vocabulary()
            if tool.category == "serving engine"
            if (locations := launch_evidence(tool, self))
        ]

    @cached_property
    def tracks(self) -> TrackDetection:
        serving = [f"runs {name} ({location})" for name, location in self.serving_engines]
        return detect_tracks(self.python, self.readme, self._forced_tracks, {"serving": serving})
