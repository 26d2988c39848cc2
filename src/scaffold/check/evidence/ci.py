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
# YAML is parsed only to tell a broken file from a good one. The pure-Python parser needs seconds
# per MiB, so parsing is bounded per file and in total; a file past the bounds is read as lines.
YAML_PARSE_LIMIT = 256 * 1024
YAML_PARSE_BUDGET = 2 * 1024 * 1024
# Lines of CI files and of what they call that are kept: real pipelines are far smaller.
MAX_CI_LINES = 50_000
_RUNNER_CALL = re.compile(r"\b(?:poe|just|hatch run|pdm run|npm run|invoke|task)\s+(?:-\S+\s+)*([A-Za-z][\w:.-]*)")
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

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    parsed_bytes = 0
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
            if len(text) > YAML_PARSE_LIMIT or parsed_bytes + len(text) > YAML_PARSE_BUDGET:
                files.skip("YAML not parsed (over the parse limit)", indexed.path)
            else:
                parsed_bytes += len(text)
                try:
                    yaml.load(text, Loader=loader)  # a safe loader: plain data only, aliases shared
                except (yaml.YAMLError, RecursionError, ValueError, MemoryError):
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
        if len(config.lines) >= MAX_CI_LINES:
            files.skip("CI lines past the limit (not read)", path)
            continue
        for number, full_line in enumerate(text.splitlines()[: MAX_CI_LINES - len(config.lines)], start=1):
            line = full_line[:_MAX_LINE]
            if line.lstrip().startswith("#"):  # a comment runs nothing
                continue
            config.lines.append((Location(path, number), line))
            for script in _SCRIPT_CALL.findall(line):
                candidate = script.lstrip("./") if script.startswith("./") else script
                if candidate in files and candidate not in followed:
                    queue.append(candidate)
            called = [target for targets in _MAKE_CALL.findall(line) for target in targets.split()]
            called += _RUNNER_CALL.findall(line)  # poe / just / hatch run / pdm run / uv run poe TASK
            for target in called:
                if len(config.lines) < MAX_CI_LINES:
                    config.lines.extend(tasks.expanded_commands(target)[: MAX_CI_LINES - len(config.lines)])
    return config
