"""Engineering: the backend depth a reviewer expects to see kept."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from typing import ClassVar

from scaffold import templates
from scaffold.check.evidence.catalog import COMPANIONS, FRAMEWORK_PACKAGES, IMPORT_NAMES, NOT_IMPORTED_BY_DESIGN
from scaffold.check.evidence.ci import CiConfig
from scaffold.check.evidence.dependencies import Dependencies, Dependency
from scaffold.check.evidence.deployment import Deployment
from scaffold.check.evidence.history import GitHistory
from scaffold.check.evidence.markdown import Markdown
from scaffold.check.evidence.python_source import PythonSources
from scaffold.check.evidence.tasks import Tasks
from scaffold.check.evidence.template_origin import TemplateOrigin
from scaffold.check.evidence.tooling import Tooling
from scaffold.check.model import ENGINEERING, Check, Location, Verdict, failed, not_applicable, partially_passed, passed

MIN_TESTS_WITH_ASSERTIONS = 3
MIN_COMMITS = 8
MIN_DAYS = 2
_TEST_COMMAND = re.compile(
    r"\bpytest\b|\bmake\s+(test|check|ci)\b|\btox\b|\bnox\b|\bhatch\s+(test|run)\b|\bunittest\b|\bnpm\s+test\b|\buv run .*pytest|\bjust\s+test\b",
    re.I,
)


class EngineeringCheck(Check):
    family: ClassVar[str] = ENGINEERING


class EN1(EngineeringCheck):
    """Tests exist and assert on behaviour"""

    id = "EN1"
    weight = 2.0
    fix = "Write pytest tests that call your functions and assert on their results (retrieval, parsing, API responses)."

    def check(self, python: PythonSources) -> Verdict:
        """No tests, or test functions that assert nothing."""
        tests = [(m, t) for m in python.tests for t in m.tests]
        if not tests:
            return failed("no test functions (test_*.py with def test_…)")
        asserting = [(m, t) for m, t in tests if t.assertions > 0]
        if len(asserting) < MIN_TESTS_WITH_ASSERTIONS:
            return failed(
                f"{len(tests)} test functions, {len(asserting)} with a real assertion (need {MIN_TESTS_WITH_ASSERTIONS})",
                Location(tests[0][0].path, tests[0][1].line),
            )
        if len(asserting) * 2 < len(tests):
            return failed(
                f"only {len(asserting)} of {len(tests)} test functions assert anything",
                Location(tests[0][0].path, tests[0][1].line),
            )
        total = sum(t.assertions for _, t in asserting)
        files = len({m.path for m, _ in tests})
        first = asserting[0]
        return passed(
            f"{len(asserting)}/{len(tests)} test functions assert ({total} assertions in {files} files)",
            Location(first[0].path, first[1].line),
        )


class EN2(EngineeringCheck):
    """CI runs the tests"""

    id = "EN2"
    weight = 1.5
    fix = "Add .github/workflows/ci.yml that installs the project and runs `make test` (or pytest) on every push."

    def check(self, ci: CiConfig) -> Verdict:
        """No CI configuration runs the test suite."""
        if not ci.files:
            if ci.malformed:
                return failed(f"CI file does not parse: {ci.malformed[0]}", Location(ci.malformed[0]))
            return failed("no CI configuration (.github/workflows, .gitlab-ci.yml, …)")
        runs = ci.matching(_TEST_COMMAND)
        if runs:
            return passed(f"CI runs tests: {runs[0][1].strip()[:60]}", runs[0][0])
        return failed(f"{ci.files[0]} never runs the tests", Location(ci.files[0]))


class EN3(EngineeringCheck):
    """A type checker and a linter are configured"""

    id = "EN3"
    fix = "Configure mypy (or pyright) and ruff in pyproject.toml and run them in `make lint` and CI."

    def check(self, tooling: Tooling) -> Verdict:
        """The code is not type-checked or not linted."""
        type_checker, linter = tooling.type_checker, tooling.linter
        if type_checker and linter:
            return passed("type checker and linter configured", type_checker, linter)
        missing = [name for name, found in (("type checker", type_checker), ("linter", linter)) if found is None]
        present = [loc for loc in (type_checker, linter) if loc]
        return failed(f"no {' and no '.join(missing)} configured", *present)


def _import_candidates(dependency: Dependency) -> set[str]:
    base = dependency.name.split("[", 1)[0]
    known = IMPORT_NAMES.get(base)
    underscored = base.replace("-", "_")
    candidates = {
        underscored,
        underscored.removeprefix("python_"),
        underscored.removesuffix("_client"),
        underscored.removeprefix("py"),
        underscored.split("_", 1)[0],
    }
    return set(known) if known else candidates


_UNPINNED_TOLERATED = 0.1
"""The share of unpinned runtime dependencies (with no lock file) that still counts as pinned."""


class EN4(EngineeringCheck):
    """Dependencies are declared, pinned or locked, and used"""

    id = "EN4"
    fix = "Declare dependencies in pyproject.toml, pin them (== or a lock file such as uv.lock) and drop the ones nothing imports."

    def check(
        self,
        dependencies: Dependencies,
        python: PythonSources,
        tasks: Tasks,
        ci: CiConfig,
        deployment: Deployment,
    ) -> Verdict:
        """Dependencies are missing, unpinned, or declared but never used."""
        runtime = dependencies.runtime
        if not dependencies.declared:
            return failed("no dependencies declared (pyproject.toml [project] dependencies or requirements.txt)")
        first = dependencies.declared[0].location
        pinned_somewhere = {d.name for d in dependencies.declared if d.pinned}  # e.g. a compiled requirements.txt
        unpinned = [d for d in runtime if d.name not in pinned_somewhere]
        names = sorted({d.name for d in runtime})
        share = len({d.name for d in unpinned}) / max(len(names), 1)
        if unpinned and not dependencies.lock_files and share > _UNPINNED_TOLERATED:
            message = (
                f"{len({d.name for d in unpinned})} of {len(names)} runtime dependencies are neither pinned nor "
                f"locked ({', '.join(d.name for d in unpinned[:4])})"
            )
            if share <= 0.75:  # the pins that matter are often there (torch, vllm), the rest loose
                return partially_passed(0.5, message, unpinned[0].location)
            return failed(message, unpinned[0].location)
        imported = {name.lower() for name in python.imported_roots()}
        commands = (
            " ".join(text for _, text in ci.lines)
            + " "
            + " ".join(text for task in tasks.tasks.values() for _, text in task.commands)
        )
        commands += " " + deployment.text  # what container and compose files run

        def used_directly(dependency: Dependency) -> bool:
            candidates = _import_candidates(dependency)
            return (
                bool(NOT_IMPORTED_BY_DESIGN.match(dependency.name))
                or any(c.lower() in imported for c in candidates)
                or any(re.search(rf"\b{re.escape(c)}\b", commands) for c in candidates | {dependency.name})
            )

        used = {d.name for d in runtime if used_directly(d)}
        companions = {name for parent in used for name in COMPANIONS.get(parent, frozenset())}
        unused = [d for d in runtime if d.name not in used and d.name not in companions]
        how = f"locked ({dependencies.lock_files[0]})" if dependencies.lock_files else "pinned"
        # A framework the README can boast of, declared and never imported, is there for show;
        # an unused utility (dotenv, tenacity) is untidiness a reviewer shrugs at.
        shown = [d for d in unused if d.name in FRAMEWORK_PACKAGES]
        if shown or len(unused) > len(runtime) / 2:
            listed = shown or unused
            return partially_passed(
                0.5,
                f"{how}, but declared and never imported or run: {', '.join(d.name for d in listed[:5])}",
                *[d.location for d in listed[:5]],
            )
        if unused:
            return passed(
                f"{len(runtime)} runtime dependencies, {how}; unused: {', '.join(d.name for d in unused[:5])}", first
            )
        return passed(f"{len(runtime)} runtime dependencies, {how}, all used", first)


class EN5(EngineeringCheck):
    """A license file"""

    id = "EN5"
    weight = 0.5
    fix = "Add a LICENSE file (MIT or Apache-2.0 are common for portfolio work)."

    def check(self, tooling: Tooling) -> Verdict:
        """Without a license nobody may legally reuse the code."""
        found = tooling.license
        if found is None:
            return failed("no LICENSE file at the root")
        if found.words >= 20:
            return passed(f"{found.path} ({found.words} words)", Location(found.path, 1))
        return failed(f"{found.path} is nearly empty", Location(found.path))


class EN6(EngineeringCheck):
    """History shows the author's own work: several commits over more than one day, not a fork"""

    id = "EN6"
    fix = f"Commit as you work (at least {MIN_COMMITS} commits over {MIN_DAYS}+ days); a single squashed import reads as a copy."

    def check(self, git_history: GitHistory) -> Verdict:
        """The history is missing, too short, from one day, or mostly someone else's."""
        if git_history.unavailable:
            if git_history.refused:  # a history exists but was not read safely: not the author's failure
                return not_applicable(git_history.unavailable)
            return failed(git_history.unavailable)
        commits = git_history.commits
        if not commits:
            return failed("the repository has no commits")
        days = {datetime.fromtimestamp(c.timestamp, UTC).date() for c in commits}
        authors = Counter(c.author for c in commits)
        latest_author = commits[0].author
        share = authors[latest_author] / len(commits)
        summary = (
            f"{len(commits)} commit{'s' if len(commits) != 1 else ''} on {len(days)} day{'s' if len(days) != 1 else ''}"
        )
        if git_history.shallow:
            return failed(f"{summary}; the clone is shallow, so the history cannot be judged")
        if len(commits) < MIN_COMMITS:
            return failed(f"only {summary} (need {MIN_COMMITS}+ commits)")
        if len(days) < MIN_DAYS:
            return failed(f"{summary}: all on one day")
        top, count = authors.most_common(1)[0]
        # A fork (or a copied template): the upstream's commits all come before the current
        # author's first. In a team's repository the main author keeps committing alongside.
        first_own = min(c.timestamp for c in commits if c.author == latest_author)
        upstream_stopped = all(c.timestamp <= first_own for c in commits if c.author == top)
        if share < 0.5 and authors[latest_author] < MIN_COMMITS and upstream_stopped:
            return failed(
                f"{summary}; most are by {top} ({count}), the current author made {authors[latest_author]} — looks like a fork"
            )
        if share < 0.5 and top != latest_author:
            return passed(f"{summary}; a team's history: {top} made {count}, alongside {len(authors) - 1} others")
        return passed(f"{summary}; {share:.0%} by the current author")


# A README that keeps this share of the template's prose lines is still the template's README
README_KEPT_FAIL = 0.6
README_KEPT_HALF = 0.4


class EN7(EngineeringCheck):
    """Not an unmodified template: the dataset, eval set and most of the README differ from the template's example"""

    id = "EN7"
    fix = (
        "Make it yours: replace the example dataset and eval set with your own and regenerate the README from your "
        "results (the generated README's 'Make it yours' section lists the commands)."
    )

    def check(self, template_origin: TemplateOrigin, readme: Markdown | None) -> Verdict:
        """The project is still the template's example: every project made from it looks the same."""
        answers, baseline = template_origin.answers, template_origin.baseline
        if answers is None:
            if readme is None:
                return not_applicable("records no template and has no README: nothing to compare")
            return passed("records no template (.copier-answers.yml); its README is its own to judge")
        if baseline is None:
            return not_applicable(template_origin.problem)
        where = f"scaffold's {baseline.kind} template at {baseline.version}" + (
            f" ({baseline.note})" if baseline.note else ""
        )
        kept, total = template_origin.readme_kept
        share = kept / total if total else 0.0
        kept_note = (
            f"{share:.0%} of the {total} lines of the template README's story (problem, data, results, "
            "failures) are unchanged"
        )
        evidence = [Location(path) for path in template_origin.residue[:3]]
        kind = templates.kind(baseline.kind)
        first = kind.make_it_yours if kind is not None else None
        path = f"; make it yours: `{first}`, then the README's 'Make it yours' section" if first else ""
        if template_origin.residue:
            return failed(
                f"still the example of {where}: {', '.join(template_origin.residue[:4])} "
                f"{'is' if len(template_origin.residue) == 1 else 'are'} the template's own; {kept_note}{path}",
                *evidence,
            )
        if share >= README_KEPT_FAIL:
            return failed(
                f"own data, but most of the README's story is {where}'s: {kept_note}; write the problem, data, "
                "results and failures in your own words",
                Location("README.md"),
            )
        if share >= README_KEPT_HALF:
            return partially_passed(
                0.5, f"own data; the README's story keeps much of {where}'s text: {kept_note}", Location("README.md")
            )
        return passed(f"own dataset and eval set, and {kept_note} (compared with {where})")
