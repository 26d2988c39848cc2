"""Track-specific checks: they apply only when the track is detected (rag, agent, serving)."""

from __future__ import annotations

import re
from typing import ClassVar

from scaffold.check.checks.performance import void_if_simulated
from scaffold.check.evidence.eval_sets import EvalSets
from scaffold.check.evidence.markdown import Markdown
from scaffold.check.evidence.python_source import PythonSources
from scaffold.check.evidence.results import ResultsData
from scaffold.check.model import TRACKS, Check, Location, Verdict, failed, partially_passed, passed
from scaffold.check.numbers import parse_shown_number

_CHUNK = re.compile(r"chunk", re.I)
_RETRIEVAL_METRIC = re.compile(
    r"recall(@|_at_|_?\d|\b)|\bmrr\b|ndcg|hit[_ -]?rate|precision(@|_at_)|context[_ -](recall|precision)|retrieval",
    re.I,
)
_ANSWER_METRIC = re.compile(
    r"faithful|answer[_ -]?(relevan|correct|accuracy)|exact[_ -]?match|\bem\b|\bf1\b|rouge|bleu|chrf|judge|correctness|groundedness|citation",
    re.I,
)
_HYBRID_NAME = re.compile(
    r"bm25|rrf|reciprocal_rank|rerank|cross_?encoder|hybrid|tsvector|ts_rank|fulltext|full_text",
    re.I,
)
# Strings only count as SQL that ranks by full text; a word such as "RERANKING" in a string is a label.
_HYBRID_STRINGS = re.compile(r"to_tsvector|ts_rank|to_tsquery|plainto_tsquery|websearch_to_tsquery|@@", re.I)
_HYBRID_SQL = re.compile(r"\b(select|where|order by)\b", re.I)
_MIGRATION = re.compile(r"(^|/)(migrations?|alembic|versions)/", re.I)
_NO_HYBRID_REASON = re.compile(
    r"(no|not|without|skip\w*|did ?n.t (use|add))\s[^.\n]{0,40}(hybrid|rerank\w*|bm25)[^.\n]{0,120}\bbecause\b",
    re.I,
)
_TIMEOUT_NAMES = (
    "timeout",
    "wait_for",
    "TimeoutError",
    "Timeout",
    "TimeoutException",
    "ReadTimeout",
)
_RETRY_NAMES = (
    "retry",
    "Retrying",
    "AsyncRetrying",
    "stop_after_attempt",
    "wait_exponential",
    "backoff",
    "on_exception",
    "expo",
    "max_retries",
    "retries",
)
_RATE_LIMIT_NAMES = (
    "RateLimitError",
    "429",
    "Semaphore",
    "rate_limit",
    "AsyncLimiter",
    "TooManyRequests",
)
_MALFORMED_NAMES = (
    "JSONDecodeError",
    "ValidationError",
    "ValueError",
    "model_validate_json",
    "OutputParserException",
)
_SUCCESS_KEY = re.compile(r"success|pass[_ -]?rate|solve[_ -]?rate|task[_ -]?completion|resolved|accuracy")
_SUCCESS_TEXT = re.compile(_SUCCESS_KEY.pattern + r"|pass\^\d|pass@\d|\breward\b", re.I)
_TASK_FILE = re.compile(r"task|scenario|episode", re.I)
_LOAD_KEY = re.compile(
    r"concurrency|batch[_ -]?size|max[_ -]?concurrency|num[_ -]?clients|users|qps|rps|request[_ -]?rate|parallel"
)
_MODEL = re.compile(r"^(model|model_id|model_name|models|served_model|llm)$")
_QUANT = re.compile(r"quant|dtype|precision|awq|gptq|gguf|fp8|int8|int4|bits")
_BATCH = re.compile(r"max[_ -]?(num[_ -]?seqs|batch|batched|concurrency)|batch[_ -]?size|max[_ -]?model[_ -]?len")
_GPU = re.compile(r"gpu|device|hardware|accelerator|cuda")
_QUANT_TEXT = re.compile(
    r"\b(fp16|bf16|bfloat16|float16|fp8|int8|int4|awq|gptq|gguf|q[2-8]_k\w*|dtype|quantiz\w*)\b", re.I
)
_GPU_TEXT = re.compile(r"\b([AHLT]\d{2,3}|RTX ?\d{3,4}\w*|GPU|MI\d{3}\w?|TPU\s?v\d)\b")


class TrackCheck(Check):
    family: ClassVar[str] = TRACKS


def _results_rows(readme: Markdown | None, pattern: re.Pattern[str]) -> tuple[int, int] | None:
    """(table line, numeric rows) of the first README table that mentions `pattern`."""
    if readme is None:
        return None
    for table in readme.tables:
        text = " ".join(table.header) + " " + " ".join(c.text for c in table.cells())
        if pattern.search(text):
            rows = [r for r in table.rows if any(parse_shown_number(c.text) for c in r[1:])]
            return table.line, len(rows)
    return None


def _shown_only_in(
    writeup: list[Markdown], reports: list[Markdown], pattern: re.Pattern[str], *, min_rows: int, what: str
) -> Verdict | None:
    """When no results data shows the measurement, a table that does (at least `min_rows` rows of
    numbers): full credit in a report committed in a results folder (a record of the run, though
    not one a script can check), half in the write-up (readable, but typed by hand)."""
    for document in [*reports, *writeup]:
        table = _results_rows(document, pattern)
        if table and table[1] >= min_rows:
            location = Location(document.path, table[0])
            if document in reports:
                return passed(f"{what} in the report {document.path}", location)
            return partially_passed(0.5, f"{what} only in {document.path}; commit it as data", location)
    return None


class RAG1(TrackCheck):
    """Chunking strategy is documented and more than one is compared"""

    id = "RAG1"
    track = "rag"
    fix = "Compare at least two chunking strategies (size/overlap or by headings) on the eval set and commit the table."

    def check(
        self, results: ResultsData, readme: Markdown | None, writeup: list[Markdown], reports: list[Markdown]
    ) -> Verdict:
        """Chunking is a default nobody measured."""
        for found in results.files:
            values = found.values_for(_CHUNK)
            distinct = {str(v) for v in values if not isinstance(v, dict | list)}
            variants = {k for k in found.keys if _CHUNK.search(k)}
            if len(distinct) >= 2 or (len(variants) >= 2 and found.numbers):
                return passed(f"{found.path} compares chunking settings", Location(found.path))
            if isinstance(found.data, dict):
                for key, value in found.data.items():
                    if (
                        isinstance(value, list | dict)
                        and sum(
                            1
                            for item in (value if isinstance(value, list) else value.keys())
                            if _CHUNK.search(str(item))
                        )
                        >= 2
                    ):
                        return passed(
                            f"{found.path} compares chunking variants under '{key}'",
                            Location(found.path),
                        )
        if (shown := _shown_only_in(writeup, reports, _CHUNK, min_rows=2, what="chunking is compared")) is not None:
            return shown
        if readme is not None and readme.find_lines(_CHUNK):
            return failed(
                "chunking is described but only one strategy is measured",
                Location(readme.path, readme.find_lines(_CHUNK)[0][0]),
            )
        return failed("chunking is neither documented nor compared")


class RAG2(TrackCheck):
    """Retrieval quality is measured separately from answer quality"""

    id = "RAG2"
    track = "rag"
    fix = "Report retrieval metrics (recall@k, MRR) next to answer metrics (faithfulness, correctness) so failures can be located."

    def check(self, results: ResultsData, writeup: list[Markdown], reports: list[Markdown]) -> Verdict:
        """Only end-to-end answer quality is reported, so a bad answer cannot be traced to retrieval."""
        for found in results.files:
            retrieval = [
                k
                for k in found.keys
                if _RETRIEVAL_METRIC.search(k) and any(isinstance(v, int | float) for v in found.keys[k])
            ]
            if retrieval:
                answer = [k for k in found.keys if _ANSWER_METRIC.search(k)]
                detail = f"{found.path}: {', '.join(retrieval[:3])}" + (
                    f" and answer metrics ({', '.join(answer[:2])})" if answer else ""
                )
                return passed(detail, Location(found.path))
        if (
            shown := _shown_only_in(writeup, reports, _RETRIEVAL_METRIC, min_rows=1, what="retrieval metrics appear")
        ) is not None:
            return shown
        return failed("no retrieval metric (recall@k, MRR, nDCG, context recall) in the results")


class RAG3(TrackCheck):
    """Hybrid or reranked retrieval, or a documented reason for not using it"""

    id = "RAG3"
    track = "rag"
    fix = "Add BM25/full-text search fused with vector search (or a reranker) and measure it — or write down why not."

    def check(self, python: PythonSources, readme: Markdown | None) -> Verdict:
        """Plain vector search with no comparison or reason."""
        for module in python.code:
            if _MIGRATION.search(module.path):  # schema history, not the retrieval code
                continue
            # functions, classes, variables; an ALL-CAPS constant or enum member is only a label
            names = [
                (line, name) for name, line in module.names.items() if _HYBRID_NAME.search(name) and not name.isupper()
            ]
            if names:
                line, name = min(names)
                return passed(f"{name} in {module.path}", Location(module.path, line))
            for line, text in module.string_constants:
                if _HYBRID_STRINGS.search(text) and _HYBRID_SQL.search(text):
                    return passed(f"full-text/rerank query in {module.path}", Location(module.path, line))
        for module in python.code:
            for name in module.imports:
                if name.split(".")[0] in {"rank_bm25", "bm25s", "flashrank"}:
                    return passed(
                        f"imports {name} in {module.path}",
                        Location(module.path, module.imports[name]),
                    )
        if readme is not None:
            reasons = readme.find_lines(_NO_HYBRID_REASON)
            if reasons:
                return passed(
                    "README explains why retrieval is not hybrid/reranked",
                    Location(readme.path, reasons[0][0]),
                )
        return failed("no hybrid search or reranker in the code, and no reason given for leaving it out")


class AG1(TrackCheck):
    """Tool failures are handled: timeouts, retries with backoff, rate limits, malformed output"""

    id = "AG1"
    track = "agent"
    fix = "Wrap tool and model calls with timeouts and retries with exponential backoff, and validate model output before using it."

    def check(self, python: PythonSources) -> Verdict:
        """Tool calls assume the happy path."""
        found: dict[str, Location] = {}
        for module in python.code:
            for category, names in (
                ("timeouts", _TIMEOUT_NAMES),
                ("retries", _RETRY_NAMES),
                ("rate limits", _RATE_LIMIT_NAMES),
            ):
                for name in names:
                    line = (
                        module.names.get(name)
                        or module.keyword_arguments.get(name)
                        or module.exception_handlers.get(name)
                    )
                    if line and category not in found:
                        found[category] = Location(module.path, line)
            for name in _MALFORMED_NAMES:
                if name in module.exception_handlers or (name == "model_validate_json" and name in module.names):
                    line = module.exception_handlers.get(name) or module.names[name]
                    found.setdefault("malformed output", Location(module.path, line))
        if len(found) >= 2:
            return passed("handles " + ", ".join(sorted(found)), *found.values())
        have = ", ".join(found) or "none"
        return failed(
            f"handles {have}; need at least two of timeouts, retries, rate limits, malformed output",
            *found.values(),
        )


class AG2(TrackCheck):
    """Task success is measured on a held-out task set"""

    id = "AG2"
    track = "agent"
    fix = "Commit a task set with a held-out split and report task success rate on it in results/*.json."

    def check(
        self, results: ResultsData, eval_sets: EvalSets, writeup: list[Markdown], reports: list[Markdown]
    ) -> Verdict:
        """The agent is not scored on tasks it was not tuned on."""
        metric = None
        for found in results.files:
            key = found.has_key(_SUCCESS_KEY)
            if key and any(isinstance(v, int | float) for v in found.keys[key]):
                metric = (found.path, key)
                break
        if metric is None:
            if (
                shown := _shown_only_in(writeup, reports, _SUCCESS_TEXT, min_rows=1, what="task success appears")
            ) is not None:
                return shown
            return failed("no task-success metric in the results data")
        held_out = [s for s in eval_sets.sets if len(s.splits) >= 2 or re.search(r"test|held|holdout", s.path, re.I)]
        if not held_out:
            return partially_passed(
                0.5,
                f"{metric[0]} reports '{metric[1]}' but no held-out task set is committed",
                Location(metric[0]),
            )
        return passed(
            f"'{metric[1]}' in {metric[0]} on {held_out[0].path}",
            Location(metric[0]),
            Location(held_out[0].path),
        )


class SV1(TrackCheck):
    """Latency is measured across batch sizes or concurrency levels"""

    id = "SV1"
    track = "serving"
    fix = "Sweep concurrency (1, 4, 16, 64) or batch size and record latency and throughput at each level."

    def check(
        self, results: ResultsData, writeup: list[Markdown], reports: list[Markdown], python: PythonSources
    ) -> Verdict:
        """Latency is reported at a single load level."""
        return void_if_simulated(self.judge(results, writeup, reports), python)

    def judge(self, results: ResultsData, writeup: list[Markdown], reports: list[Markdown]) -> Verdict:
        for found in results.files:
            values = {str(v) for v in found.values_for(_LOAD_KEY) if isinstance(v, int | float | str)}
            if len(values) >= 2:
                return passed(
                    f"{found.path} sweeps load ({', '.join(sorted(values)[:5])})",
                    Location(found.path),
                )
            levels = [k for k in found.keys if re.match(r"^(c|concurrency|bs|batch)[_-]?\d+$", k)]
            if len(levels) >= 2:
                return passed(f"{found.path} sweeps load ({', '.join(levels[:5])})", Location(found.path))
        if (
            shown := _shown_only_in(writeup, reports, _LOAD_KEY, min_rows=2, what="the load sweep appears")
        ) is not None:
            return shown
        return failed("no latency measured at more than one concurrency level or batch size")


class SV2(TrackCheck):
    """Engine configuration is recorded with the results (model, quantization, max batch, GPU)"""

    id = "SV2"
    track = "serving"
    fix = "Store the engine settings (model, dtype/quantization, max_num_seqs, GPU) in the same JSON as the numbers."

    def check(
        self, results: ResultsData, writeup: list[Markdown], reports: list[Markdown], python: PythonSources
    ) -> Verdict:
        """Numbers without the configuration that produced them cannot be compared."""
        return void_if_simulated(self.judge(results, writeup, reports), python)

    def judge(self, results: ResultsData, writeup: list[Markdown], reports: list[Markdown]) -> Verdict:
        best: tuple[int, str, list[str]] | None = None
        for found in results.files:
            missing = [
                label
                for label, pattern in (
                    ("model", _MODEL),
                    ("quantization/dtype", _QUANT),
                    ("max batch", _BATCH),
                    ("GPU", _GPU),
                )
                if found.has_key(pattern) is None
            ]
            if not missing:
                return passed(
                    f"{found.path} records model, quantization, batch limit and GPU",
                    Location(found.path),
                )
            if best is None or len(missing) < best[0]:
                best = (len(missing), found.path, missing)
        for document in [*reports, *writeup]:
            quantization = document.find_lines(_QUANT_TEXT)
            if quantization and document.find_lines(_GPU_TEXT):
                if document in reports:
                    return passed(
                        f"the report {document.path} records the engine setup (quantization, GPU) with its numbers",
                        Location(document.path, quantization[0][0]),
                    )
                return partially_passed(
                    0.5,
                    f"{document.path} states the engine setup (quantization, GPU) in prose, not with the data",
                    Location(document.path, quantization[0][0]),
                )
        if best is None:
            return failed("no results data")
        return failed(f"{best[1]} lacks {', '.join(best[2])}", Location(best[1]))
