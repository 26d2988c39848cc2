"""Where a repository came from, when it records a template, and what that template renders.

A project made by `scaffold new` records its template in `.copier-answers.yml`: the template
source, the version (`_commit`) and the answers. When that source is scaffold's own template
bundle, the same version is rendered again with the recorded answers into a temporary directory,
offline, so a check can tell what the project still shares with the template's example.

Nothing from the checked repository runs: the answers are data (scalars of bounded size, only for
questions the built-in template asks, the package name checked like `scaffold new` checks it),
the template is scaffold's own, rendered without its unsafe features, and the recorded source
path is never opened.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold.check.evidence.files import FileIndex

ANSWERS_FILE = ".copier-answers.yml"
MAX_ANSWERS_BYTES = 64 * 1024
MAX_ANSWER_CHARS = 2_000
MAX_EXAMPLE_FILE = 64 * 2**20


@dataclass(frozen=True)
class CopierAnswers:
    path: str
    source: str
    version: str | None
    answers: dict[str, str | int | float | bool]


@dataclass
class TemplateBaseline:
    """The recorded template, rendered again: what a project made from it started with."""

    kind: str
    version: str
    """The template version rendered (the recorded one, or this scaffold's when the recorded one is unknown)."""
    note: str = ""
    example: dict[str, str] = field(default_factory=dict)
    """The files a user replaces (the kind's `example` in kinds.yml: dataset, eval set, model
    config), as rendered: path to the SHA-256 of the content."""
    example_sizes: set[int] = field(default_factory=set)
    readme: str = ""


@dataclass(frozen=True)
class TemplateOrigin:
    """The template a repository records (None when it records none) and, for scaffold's own
    templates, the baseline rendered from it; `problem` says why there is no baseline."""

    answers: CopierAnswers | None = None
    baseline: TemplateBaseline | None = None
    problem: str = ""
    residue: tuple[str, ...] = ()
    """Paths in the repository whose content is one of the baseline's example files."""
    readme_kept: tuple[int, int] = (0, 0)
    """(story lines of the rendered README still in the repository's README verbatim, lines
    compared): the problem, data, results and failure sections, not the reference sections."""


def template_origin(files: FileIndex) -> TemplateOrigin:
    from scaffold import render, templates

    answers = read_copier_answers(files)
    if answers is None:
        return TemplateOrigin()
    if not is_scaffold_template(answers):
        return TemplateOrigin(
            answers,
            problem=f"made from {answers.source or 'an unnamed template'}, which scaffold cannot render offline",
        )
    try:
        baseline = render_baseline(answers)
    except (render.RenderError, templates.TemplateError) as exc:
        return TemplateOrigin(answers, problem=f"the recorded template cannot be rendered again: {exc}")
    # the example's content anywhere in the tree is residue (a renamed copy is still the example),
    # except as a test's fixture: the template's own tests keep a copy to test the engineering on
    wanted = set(baseline.example.values())
    residue = tuple(
        indexed.path
        for indexed in files
        if indexed.size in baseline.example_sizes
        and not _is_test_fixture(indexed.path)
        and files.sha256(indexed.path, MAX_EXAMPLE_FILE) in wanted
    )
    readme = files.read_text("README.md") or ""
    return TemplateOrigin(answers, baseline, residue=residue, readme_kept=readme_overlap(baseline.readme, readme))


_TEST_DIRS = frozenset({"tests", "test", "testdata", "fixtures"})


def _is_test_fixture(path: str) -> bool:
    return any(part in _TEST_DIRS for part in path.split("/")[:-1])


# The parts of a README that tell the author's story (what it is for, on which data, what it measured,
# where it fails), as opposed to reference sections about the engineering a project keeps from its
# template (how to run it, architecture, metric definitions, deployment, scaling).
STORY_HEADING = re.compile(
    r"problem|dataset|\bdata\b|corpus|results?\b|findings|evaluation|benchmark results|limitation|"
    r"failure|known (issue|gap)|what (doesn.t|does not) work|lessons|overview|about|motivation|why\b",
    re.I,
)
# ...unless the heading names the engineering around it: how failures are handled is the template's
# code, documented ("Failure handling"), not the author's account of where the system fails
REFERENCE_HEADING = re.compile(r"handling|handled|architecture|design|reproduc|install|configur|usage", re.I)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# An italic line on its own is a placeholder note ("_Not measured yet: run `make eval`._"), not prose
_NOTE = re.compile(r"^_[^_].*_$|^\*[^*].*\*$")


def _story_lines(text: str) -> list[str]:
    """Prose lines (three words or more, outside code blocks, whitespace-normalised) of the
    README's story: the text before the first section, and the sections whose heading (or whose
    parent's) names the problem, the data, the results or the failures. Comment lines and italic
    placeholder notes ("_Not measured yet_") are not prose."""
    lines: list[str] = []
    fenced = False
    story = True  # the opening paragraphs, before any section heading
    levels: list[tuple[int, bool]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced:
            continue
        heading = _HEADING.match(stripped)
        if heading:
            level = len(heading.group(1))
            if level == 1:
                story, levels = True, []
                continue
            while levels and levels[-1][0] >= level:
                levels.pop()
            inherited = bool(levels) and levels[-1][1]
            title = heading.group(2)
            story = not REFERENCE_HEADING.search(title) and (inherited or bool(STORY_HEADING.search(title)))
            levels.append((level, story))
            continue
        if story and len(stripped.split()) >= 3 and not stripped.startswith("<!--") and not _NOTE.match(stripped):
            lines.append(" ".join(stripped.split()))
    return lines


def readme_overlap(rendered: str, current: str) -> tuple[int, int]:
    """How many of the rendered README's story lines the current README still has, of how many."""
    from collections import Counter

    remaining = Counter(_story_lines(current))
    template = _story_lines(rendered)
    kept = 0
    for line in template:
        if remaining[line] > 0:
            remaining[line] -= 1
            kept += 1
    return kept, len(template)


def read_copier_answers(files: FileIndex) -> CopierAnswers | None:
    """The answers file at the root, parsed safely; None when absent or not a mapping."""
    import yaml

    indexed = files.files.get(ANSWERS_FILE)
    if indexed is None or indexed.size > MAX_ANSWERS_BYTES:
        return None
    text = files.read_text(ANSWERS_FILE)
    if text is None:
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict):
        return None
    answers = {
        str(key): value
        for key, value in data.items()
        if isinstance(key, str)
        and not key.startswith("_")
        and isinstance(value, str | int | float | bool)
        and len(str(value)) <= MAX_ANSWER_CHARS
    }
    source, version = data.get("_src_path"), data.get("_commit")
    return CopierAnswers(
        ANSWERS_FILE,
        source if isinstance(source, str) else "",
        str(version) if isinstance(version, str | int | float) else None,
        answers,
    )


def is_scaffold_template(answers: CopierAnswers) -> bool:
    """Whether the recorded source is scaffold's own template bundle and the kind a built-in one."""
    from scaffold import templates

    built_in = {kind.name for kind in templates.kinds()}
    return answers.source.replace("\\", "/").endswith("/templates.bundle") and answers.answers.get("kind") in built_in


def render_baseline(answers: CopierAnswers) -> TemplateBaseline:
    """Render the recorded version of scaffold's template with the recorded answers (offline).

    A rendered version is kept in scaffold's cache (by kind, version and answers: the bundle's
    commit ids are derived from content, so one version renders the same everywhere), which makes
    every later check of the project fast. Raises `RenderError` (from scaffold.render) when the
    answers cannot be rendered."""
    from scaffold import render

    kind = str(answers.answers["kind"])
    questions = _builtin_questions()
    data = {key: value for key, value in answers.answers.items() if key in questions}
    render.check_package_name(data)
    cache = _cache_file(kind, answers.version, data)
    if cache is not None and (cached := _read_cached(cache)) is not None:
        return cached
    baseline = _render(kind, answers.version, data)
    if cache is not None and not baseline.note:
        _write_cached(cache, baseline)
    return baseline


def _render(kind: str, version: str | None, data: dict[str, Any]) -> TemplateBaseline:
    from scaffold import render, templates

    source = templates.template_bundle()
    with tempfile.TemporaryDirectory(prefix="scaffold-residue-") as scratch:
        target = Path(scratch) / "render"
        note = ""
        ref = version or "HEAD"
        try:
            render._copier_renderer(source, data, True, vcs_ref=ref, near=Path(scratch), unsafe=False)(target)
        except render.RenderError:
            if ref == "HEAD":
                raise
            note = f"template version {ref} is unknown to this scaffold; compared with its own version"
            ref = "HEAD"
            render._copier_renderer(source, data, True, vcs_ref=ref, near=Path(scratch), unsafe=False)(target)
        baseline = TemplateBaseline(kind=kind, version=ref, note=note)
        builtin = templates.kind(kind)
        for relative in builtin.example if builtin is not None else ():
            path = target / relative
            if path.is_file() and not path.is_symlink():
                content = path.read_bytes()
                baseline.example[relative] = hashlib.sha256(content).hexdigest()
                baseline.example_sizes.add(len(content))
        readme = target / "README.md"
        baseline.readme = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    return baseline


_CACHE_SCHEMA = 1
MAX_CACHED_BASELINES = 64


def _cache_file(kind: str, version: str | None, data: dict[str, Any]) -> Path | None:
    from scaffold import templates

    if not version:
        return None
    key = json.dumps([_CACHE_SCHEMA, kind, version, sorted(data.items())], default=str)
    try:
        folder = Path(templates.cache_dir_spec()).expanduser() / "baselines"
    except RuntimeError:  # no home directory
        return None
    return folder / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"


def _read_cached(path: Path) -> TemplateBaseline | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return TemplateBaseline(
            kind=str(raw["kind"]),
            version=str(raw["version"]),
            example={str(k): str(v) for k, v in raw["example"].items()},
            example_sizes={int(n) for n in raw["example_sizes"]},
            readme=str(raw["readme"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # absent or damaged: render again


def _write_cached(path: Path, baseline: TemplateBaseline) -> None:
    payload = {
        "kind": baseline.kind,
        "version": baseline.version,
        "example": baseline.example,
        "example_sizes": sorted(baseline.example_sizes),
        "readme": baseline.readme,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(payload), encoding="utf-8")
        os.replace(partial, path)
        entries = sorted(path.parent.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for stale in entries[:-MAX_CACHED_BASELINES]:
            stale.unlink(missing_ok=True)
    except OSError:
        return  # an unwritable cache only costs the next check a render


def _builtin_questions() -> set[str]:
    import yaml

    from scaffold import templates

    config: dict[str, Any] = yaml.safe_load((templates.templates_dir() / "copier.yml").read_text(encoding="utf-8"))
    return {key for key in config if not key.startswith("_")}
