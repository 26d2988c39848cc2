"""Evaluation: the biggest difference between a demo and a product."""

from __future__ import annotations

import re
from typing import ClassVar

from scaffold.check.evidence.ci import CiConfig
from scaffold.check.evidence.eval_sets import EvalSets
from scaffold.check.evidence.files import FileIndex
from scaffold.check.evidence.markdown import Markdown
from scaffold.check.evidence.python_source import PythonSources
from scaffold.check.evidence.results import NumberAt, ResultsData
from scaffold.check.evidence.tasks import Tasks
from scaffold.check.model import (
    EVALUATION,
    Check,
    Location,
    Verdict,
    failed,
    partially_passed,
    passed,
)
from scaffold.check.numbers import ShownNumber, parse_shown_number

# What a report says about the run it records: a date, a model, hardware or a version.
_REPORT_METADATA = re.compile(r"\b(20\d\d-\d\d-\d\d|model|gpu|cpu|hardware|version|commit)\b", re.I)
FULL_EVAL_SET = 150
MINIMUM_EVAL_SET = 50
_EVAL_TASK_NAMES = ("eval", "evals", "evaluate", "evaluation", "benchmark-quality", "eval-all")
_EVAL_SCRIPT = re.compile(r"(^|/)(run_)?(eval|evaluate|evaluation)[\w-]*\.py$")
_EVAL_CONFIG = re.compile(r"(^|/)(promptfooconfig\.ya?ml|deepeval[\w.-]*|inspect[\w.-]*\.py|lm_eval[\w.-]*\.ya?ml)$")
_HELD_OUT = re.compile(
    r"held[- ]out|hold-?out|\btest split\b|kept out of (tuning|development)|never (used|seen) (for|during|in) (tuning|development|prompt)|dev/test|dev and test|\bdev split\b",
    re.I,
)
_TEST_SPLIT = re.compile(r"^(test|heldout|held[-_ ]out|holdout|eval|validation|val)$")
_DEV_SPLIT = re.compile(r"^(dev|train|tune|tuning|development|val|validation)$")
_DATE_KEY = re.compile(r"(utc|date|time|timestamp|created|started|finished)")
_COMMIT_KEY = re.compile(r"(commit|git|sha|revision)")
_CONFIG_KEY = re.compile(r"(config|params|parameters|settings|hyperparameters|args)")
_MODEL_KEY = re.compile(r"(model|llm|embedding|engine)")
_BASELINE = re.compile(r"baseline|before|ablation|vanilla|naive|no[- ]rerank|without", re.I)
_RESULTS_HEADING = re.compile(r"result|evaluation|metric|benchmark|ablation|latency|performance", re.I)
_CI_EVAL = re.compile(
    r"\bmake\s+(eval|evaluate)\b|\beval[\w-]*\.py\b|\bevaluate[\w-]*\.py\b|\b(promptfoo|deepeval|lm_eval|inspect)\s+(eval|test|run)|\bpytest\b.*\bevals?\b",
    re.I,
)
_GATE = re.compile(
    r"--?(fail[-_]under|threshold|min[-_]score|baseline)\b|\b(fail_under|min_score|threshold|regression)\b",
    re.I,
)


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+|\d+", text.lower())) - {"value", "metrics", "at", "the", "of"}


def _nearest(number: ShownNumber, label: str, stored: list[tuple[str, NumberAt]]) -> tuple[str, NumberAt]:
    """The stored value a reader would compare with: same-named key first, then closest value."""
    wanted = _tokens(label)
    return min(
        stored,
        key=lambda item: (-len(wanted & _tokens(item[1].key_path)), number.distance(item[1].value)),
    )


class EvaluationCheck(Check):
    family: ClassVar[str] = EVALUATION


class EV1(EvaluationCheck):
    """An eval harness runs with one command"""

    id = "EV1"
    weight = 1.5
    fix = "Add a `make eval` target (or an eval script) that runs the whole evaluation and writes results/eval.json."

    def check(self, tasks: Tasks, files: FileIndex, python: PythonSources) -> Verdict:
        """There is no single command that runs the evaluation."""
        task = tasks.get(*_EVAL_TASK_NAMES)
        if task is not None:
            if task.commands or task.prerequisites:
                return passed(f"task '{task.name}' runs {len(task.commands)} command(s)", task.location)
            return failed(f"task '{task.name}' exists but runs nothing", task.location)
        for module in python.runnable:
            # a runnable script named for evaluation, or one that lives in an eval folder (app/eval/run_route1.py)
            named = _EVAL_SCRIPT.search(module.path) or _is_eval_path(module.path)
            if named and module.line_count >= 10:
                return passed(f"eval script {module.path}", Location(module.path, 1))
        configs = [f for f in files if _EVAL_CONFIG.search(f.path)]
        if configs:
            return passed(f"eval config {configs[0].path}", Location(configs[0].path))
        return failed("no eval task (make eval), runnable eval script or eval-framework config")


class EV2(EvaluationCheck):
    """A golden / held-out eval set is committed (50 cases to pass, 150 for full credit)"""

    id = "EV2"
    weight = 2.0
    fix = f"Commit your eval cases as JSONL/CSV under evals/ (one case per line): {MINIMUM_EVAL_SET}+ to pass, {FULL_EVAL_SET}+ for full credit."

    def check(self, eval_sets: EvalSets) -> Verdict:
        """No committed eval set, or too few distinct cases to measure anything."""
        largest = eval_sets.largest()
        if largest is None:
            return failed("no eval set found (JSONL/CSV/JSON of cases under evals/, data/ or named golden/eval/qa)")
        location = Location(largest.path)
        if largest.cases >= FULL_EVAL_SET:
            return passed(f"{largest.cases} distinct cases in {largest.path}", location)
        if largest.cases >= MINIMUM_EVAL_SET:
            return partially_passed(
                0.5,
                f"{largest.cases} cases in {largest.path} (full credit from {FULL_EVAL_SET})",
                location,
            )
        return failed(
            f"only {largest.cases} distinct cases in {largest.path} (need {MINIMUM_EVAL_SET})",
            location,
        )


class EV3(EvaluationCheck):
    """The eval set is split into dev and held-out test cases"""

    id = "EV3"
    requires = frozenset({"EV2"})
    fix = "Add a `split` field (dev/test) to each case, tune only on dev, and report test; say so in the README."

    def check(self, eval_sets: EvalSets, files: FileIndex, readme: Markdown | None) -> Verdict:
        """Nothing shows that test cases were kept out of tuning."""
        for found in sorted(eval_sets.sets, key=lambda s: -s.cases):
            names = set(found.splits)
            if any(_TEST_SPLIT.match(n) for n in names) and any(_DEV_SPLIT.match(n) for n in names) and len(names) >= 2:
                counts = ", ".join(f"{k} {v}" for k, v in found.splits.most_common())
                return passed(f"{found.path} is split: {counts}", Location(found.path))
        split_files = [s.path for s in eval_sets.sets]
        has_test = [p for p in split_files if re.search(r"(test|held[-_]?out|holdout)[^/]*$", p, re.I)]
        has_dev = [p for p in split_files if re.search(r"(dev|train|tune|val)[^/]*$", p, re.I)]
        if has_test and has_dev:
            return passed(f"separate files: {has_dev[0]} and {has_test[0]}", Location(has_test[0]))
        if readme is not None:
            lines = readme.find_lines(_HELD_OUT)
            if lines:
                return passed("README explains the held-out split", Location(readme.path, lines[0][0]))
        return failed("the eval set has no dev/test split and the README does not explain how test cases were held out")


class EV4(EvaluationCheck):
    """Eval results are committed as data, with run metadata (date, commit, config, model)"""

    id = "EV4"
    weight = 1.5
    fix = "Have `make eval` write results/eval.json with a `run` block (utc_time, git_commit, config, models) next to `metrics`."

    def check(self, results: ResultsData, reports: list[Markdown]) -> Verdict:
        """No results file, or results without the metadata needed to reproduce them."""
        if not results.files:
            for report in reports:
                numeric = [t for t in report.tables if sum(1 for c in t.cells() if parse_shown_number(c.text)) >= 2]
                if numeric and _REPORT_METADATA.search(report.prose_text()):
                    return partially_passed(
                        0.5,
                        f"results committed as a Markdown report ({report.path}), not as data a script can check",
                        Location(report.path, numeric[0].line),
                    )
            return failed("no results data committed (results/*.json)" + results.void_note())
        best: tuple[int, str, list[str]] | None = None
        for found in results.files:
            if not found.numbers:
                continue
            missing = [
                label
                for label, pattern in (
                    ("date", _DATE_KEY),
                    ("commit", _COMMIT_KEY),
                    ("config", _CONFIG_KEY),
                    ("model", _MODEL_KEY),
                )
                if found.has_key(pattern) is None
            ]
            if not missing:
                return passed(f"{found.path} records date, commit, config and model", Location(found.path))
            if best is None or len(missing) < best[0]:
                best = (len(missing), found.path, missing)
        if best is None:
            return failed("results files hold no numbers", Location(results.files[0].path))
        if best[0] <= 2:  # the numbers with half of what reproduces them (say the model and the config)
            return partially_passed(0.5, f"{best[1]} lacks run metadata: {', '.join(best[2])}", Location(best[1]))
        return failed(f"{best[1]} lacks run metadata: {', '.join(best[2])}", Location(best[1]))


class EV5(EvaluationCheck):
    """A before/after comparison: a baseline and at least one measured change"""

    id = "EV5"
    fix = "Run an ablation (baseline vs each change) and commit it (results/ablation.json) with a table in the README."

    def check(self, results: ResultsData, writeup: list[Markdown], reports: list[Markdown]) -> Verdict:
        """No baseline is compared with a measured change."""
        for found in results.files:
            name = found.path.lower()
            if (
                "ablation" in name or "compar" in name or found.has_key(re.compile(r"baseline|ablation|variants?"))
            ) and len(found.numbers) >= 2:
                return passed(f"{found.path} compares a baseline with changes", Location(found.path))
        for sweep in results.sweeps():
            folder = sweep[0].path.rsplit("/", 1)[0]
            return passed(
                f"{len(sweep)} results files in {folder}/ with the same metrics and different configurations",
                Location(sweep[0].path),
            )
        shown: Verdict | None = None
        for document in [*reports, *writeup]:
            for table in document.tables:
                labels = [row[0].text for row in table.rows if row]
                numeric_rows = [row for row in table.rows if any(parse_shown_number(c.text) for c in row[1:])]
                if (
                    any(_BASELINE.search(label) for label in labels) or any(_BASELINE.search(h) for h in table.header)
                ) and len(numeric_rows) >= 2:
                    location = Location(document.path, table.line)
                    if document in reports:
                        # a report the run committed in a results folder is a record of the comparison
                        return passed(f"{document.path} compares a baseline with measured changes", location)
                    # a measured comparison a reviewer can read in the write-up, but not one they can check: half
                    shown = shown or partially_passed(
                        0.5,
                        f"{document.path} compares against a baseline, but the comparison is not committed as data",
                        location,
                    )
        if shown is not None:
            return shown
        return failed("no baseline-vs-change comparison (ablation) found" + results.void_note())


class EV6(EvaluationCheck):
    """Numbers in the README match the committed results data"""

    id = "EV6"
    weight = 2.0
    requires = frozenset({"ST4"})
    fix = "Generate the README tables from results/*.json (never type numbers by hand) and re-run after each change."

    def check(self, readme: Markdown | None, results: ResultsData) -> Verdict:
        """A README number has no source in the results data, or disagrees with it."""
        if readme is None:
            return failed("no README")
        shown: list[tuple[int, str, str]] = []
        sections = readme.sections_titled(_RESULTS_HEADING)
        for section in sections:
            for table in section.tables:
                for row in table.rows:
                    label = row[0].text if row else ""
                    for cell in row[1:]:
                        if parse_shown_number(cell.text) is not None:
                            column = table.header[cell.column] if cell.column < len(table.header) else ""
                            shown.append((cell.line, cell.text, f"{label} / {column}".strip(" /")))
        unique = list(dict.fromkeys(shown))
        if not unique:
            return failed("the results section shows no numbers to verify")
        stored = results.all_numbers()
        if not stored:
            return failed(
                f"{len(unique)} README numbers and no results data to back them (e.g. '{unique[0][1]}' at {readme.path}:{unique[0][0]})",
                Location(readme.path, unique[0][0]),
            )
        unbacked: list[str] = []
        evidence: list[Location] = []
        for line, text, label in unique:
            number = parse_shown_number(text)
            assert number is not None
            if any(number.backed_by(value.value) for _, value in stored):
                continue
            path, nearest = _nearest(number, label, stored)
            unbacked.append(
                f"{label} = {text.strip()} at {readme.path}:{line}, nearest stored {nearest.value:g} ({path}: {nearest.key_path})"
            )
            evidence.append(Location(readme.path, line))
        if unbacked:
            more = f" (+{len(unbacked) - 3} more)" if len(unbacked) > 3 else ""
            return failed(
                f"{len(unbacked)} of {len(unique)} README numbers not in the results data: "
                + "; ".join(unbacked[:3])
                + more,
                *evidence[:10],
            )
        sources = sorted({p for p, _ in stored})
        return passed(
            f"all {len(unique)} README numbers found in {', '.join(sources[:3])}",
            Location(readme.path, unique[0][0]),
        )


class EV7(EvaluationCheck):
    """The eval runs in CI or as a regression gate"""

    id = "EV7"
    fix = "Run `make eval` (on a small slice if needed) in CI and fail the job when a metric drops below a threshold or the baseline."

    def check(self, ci: CiConfig, tasks: Tasks, python: PythonSources) -> Verdict:
        """The evaluation never runs automatically, and nothing fails when quality drops."""
        in_ci = ci.matching(_CI_EVAL)
        if in_ci:
            return passed(f"CI runs the eval: {in_ci[0][1].strip()[:60]}", in_ci[0][0])
        task = tasks.get(*_EVAL_TASK_NAMES)
        if task is not None:
            for location, command in tasks.expanded_commands(task.name):
                if _GATE.search(command):
                    return passed("the eval task fails under a threshold", location)
        for module in python.modules:
            if not _is_eval_path(module.path):
                continue
            for name in ("fail_under", "min_score", "threshold", "baseline", "regression", "tolerance"):
                # a gate is a comparison that fails the run, not a variable that happens to be named so
                line = next((ln for gated, ln in module.gates.items() if name in gated.lower()), None)
                if line is not None:
                    return passed(f"{module.path} fails the run on '{name}'", Location(module.path, line))
        return failed("no CI step runs the eval and no threshold/baseline gate was found")


_PATH_TOKENS = re.compile(r"[/_.\-]+")


def _is_eval_path(path: str) -> bool:
    """A path about evaluation: a folder whose name starts with `eval` (`eval/`, `evals/`,
    `evaluation/`; not `retrieval/` nor a package named `rag_evals_starter`), or a file name with a
    token starting with `eval` (`run_eval.py`)."""
    *folders, name = path.lower().split("/")
    if any(_PATH_TOKENS.split(folder)[0].startswith("eval") for folder in folders if folder):
        return True
    return any(token.startswith("eval") for token in _PATH_TOKENS.split(name))
