"""Continuous-integration configuration: which files, whether they parse, and the commands they run."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scaffold.check.evidence.files import FileIndex
from scaffold.check.evidence.tasks import Tasks
from scaffold.check.model import Location

_SCRIPT_CALL = re.compile(
    r"(?:\b(?:bash|sh|python3?|uv run|source)\s+|(?:^|\s)\./)([\w./-]+\.(?:sh|py)|\.ci/[\w.-]+|[\w./-]*ci[\w./-]*)"
)
_MAX_LINE = 2000
_MAKE_CALL = re.compile(r"\b(?:make|just)\s+((?:[\w.-]+\s*)+)")


@dataclass
class CiConfig:
    files: list[str] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)
    lines: list[tuple[Location, str]] = field(default_factory=list)
    """Every line of every CI file, followed into the scripts and make targets it calls."""

    def matching(self, pattern: re.Pattern[str]) -> list[tuple[Location, str]]:
        return [(loc, text) for loc, text in self.lines if pattern.search(text)]


def _is_ci_file(path: str) -> bool:
    lower = path.lower()
    return (
        (lower.startswith(".github/workflows/") and lower.endswith((".yml", ".yaml")))
        or lower
        in {
            ".gitlab-ci.yml",
            ".travis.yml",
            "azure-pipelines.yml",
            "bitbucket-pipelines.yml",
            "jenkinsfile",
            ".circleci/config.yml",
            ".drone.yml",
            "cloudbuild.yaml",
        }
        or lower.startswith(".buildkite/")
        or lower.startswith(".woodpecker")
    )


def collect_ci(files: FileIndex, tasks: Tasks) -> CiConfig:
    import yaml  # only needed when CI files exist; keeps `scaffold` start-up quick

    config = CiConfig()
    followed: set[str] = set()
    queue: list[str] = []
    for indexed in files:
        if not _is_ci_file(indexed.path):
            continue
        text = files.read_text(indexed.path)
        if text is None:
            continue
        if indexed.path.lower().endswith((".yml", ".yaml")):
            try:
                yaml.safe_load(text)
            except (yaml.YAMLError, RecursionError, ValueError):
                config.malformed.append(indexed.path)
                files.skip("malformed YAML", indexed.path)
                continue
        config.files.append(indexed.path)
        queue.append(indexed.path)
    while queue:
        path = queue.pop(0)
        if path in followed or len(followed) > 50:
            continue
        followed.add(path)
        text = files.read_text(path)
        if text is None:
            continue
        for number, full_line in enumerate(text.splitlines(), start=1):
            line = full_line[:_MAX_LINE]
            config.lines.append((Location(path, number), line))
            for script in _SCRIPT_CALL.findall(line):
                candidate = script.lstrip("./") if script.startswith("./") else script
                if candidate in files and candidate not in followed:
                    queue.append(candidate)
            for targets in _MAKE_CALL.findall(line):
                for target in targets.split():
                    config.lines.extend(tasks.expanded_commands(target))
    return config
