"""Evaluation: retrieval metrics computed here, answer metrics through ragas, on the held-out split.

Retrieval is scored at document level: the ranked chunk list is reduced to distinct doc ids, and a
document is relevant when the golden case names it in ``source_ids``.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import ragas_adapter
from .documents import load_corpus_jsonl
from .errors import UserError
from .golden import origin_counts, split_of
from .pipeline import RagPipeline
from .results import Gate, flatten
from .settings import Settings
from .stats import summarize

KS = (1, 3, 5, 10)
RETRIEVAL_DEPTH = 10  # distinct documents ranked per question (the best chunk of each)
MISS_RANK = 1_000_000


class GoldenFileError(UserError):
    """A malformed golden file; the message names the line."""


@dataclass(frozen=True)
class GoldenCase:
    id: str
    split: str
    question: str
    reference: str
    source_ids: tuple[str, ...]
    kind: str = "factual"
    origin: str = "hand-written"


def load_golden(path: Path, split: str | None = None) -> list[GoldenCase]:
    if not path.is_file():
        raise GoldenFileError(f"Golden file {path} does not exist.")
    cases: list[GoldenCase] = []
    ids: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldenFileError(f"{path}:{number}: not valid JSON ({exc.msg}).") from None
        if not isinstance(record, dict):
            raise GoldenFileError(f"{path}:{number}: expected a JSON object.")
        missing = [k for k in ("id", "question", "reference", "source_ids") if not record.get(k)]
        if missing:
            raise GoldenFileError(f"{path}:{number}: missing or empty field(s): {', '.join(missing)}.")
        record.setdefault("split", split_of(str(record["id"])))  # no split given: a deterministic one from the id
        if record["split"] not in ("dev", "test"):
            raise GoldenFileError(f"{path}:{number}: split must be 'dev' or 'test', got {record['split']!r}.")
        if not isinstance(record["source_ids"], list) or not all(isinstance(s, str) for s in record["source_ids"]):
            raise GoldenFileError(f"{path}:{number}: source_ids must be a list of document ids.")
        if record["id"] in ids:
            raise GoldenFileError(f"{path}:{number}: duplicate id {record['id']!r}.")
        ids.add(record["id"])
        cases.append(
            GoldenCase(
                id=str(record["id"]),
                split=record["split"],
                question=str(record["question"]),
                reference=str(record["reference"]),
                source_ids=tuple(record["source_ids"]),
                kind=str(record.get("kind", "factual")),
                origin=str(record.get("origin") or "hand-written"),
            )
        )
    if not cases:
        raise GoldenFileError(f"Golden file {path} holds no cases.")
    chosen = [c for c in cases if split is None or c.split == split]
    if not chosen:
        raise GoldenFileError(
            f"Golden file {path} holds no {split} cases (all {len(cases)} are {cases[0].split}): give some cases "
            f'"split": "{split}", or leave "split" out and the id decides (about one case in three is dev).'
        )
    return chosen


def timing_questions(path: Path) -> list[str]:
    """The questions latency benchmarks send: the dev split's, or with no dev split every question
    (timing them tunes nothing, so the held-out split stays held out)."""
    cases = load_golden(path)
    return [c.question for c in [c for c in cases if c.split == "dev"] or cases]


def distinct(doc_ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(doc_ids))


def retrieval_metrics(rankings: Sequence[Sequence[str]], relevant: Sequence[set[str]]) -> dict[str, float]:
    """hit@k, recall@k, MRR and binary nDCG@10 averaged over queries (doc-level rankings)."""
    if len(rankings) != len(relevant) or not rankings:
        raise ValueError("need one non-empty ranking list per query")
    totals: defaultdict[str, float] = defaultdict(float)
    for ranking, gold in zip(rankings, relevant, strict=True):
        for k in KS:
            top = ranking[:k]
            found = len(gold.intersection(top))
            totals[f"hit@{k}"] += 1.0 if found else 0.0
            totals[f"recall@{k}"] += found / len(gold)
        first = next((rank for rank, doc in enumerate(ranking, start=1) if doc in gold), None)
        totals["mrr"] += 1.0 / first if first else 0.0
        dcg = sum(1.0 / math.log2(rank + 1) for rank, doc in enumerate(ranking[:10], start=1) if doc in gold)
        ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(gold), 10) + 1))
        totals["ndcg@10"] += dcg / ideal
    return {name: value / len(rankings) for name, value in totals.items()}


@dataclass
class CaseOutcome:
    case: GoldenCase
    ranking: list[str]
    answer: str
    citations: list[str]
    contexts: list[str]
    latency_ms: float
    retrieval_ms: float = 0.0  # the retrieve and rerank stages alone

    @property
    def first_relevant_rank(self) -> int | None:
        return next((r for r, d in enumerate(self.ranking, start=1) if d in self.case.source_ids), None)

    @property
    def missed(self) -> bool:
        """No source document among the top 10 distinct documents."""
        return (self.first_relevant_rank or MISS_RANK) > 10


def run_cases(
    pipeline: RagPipeline,
    cases: Sequence[GoldenCase],
    *,
    mode: str | None = None,
    collection: str | None = None,
    progress: Callable[[int], None] | None = None,
    answer: bool = True,
    rerank: bool = True,
) -> list[CaseOutcome]:
    """Retrieve, rerank unless ``rerank`` is false (or RERANK=none), and answer unless ``answer`` is
    false, every case."""
    settings = pipeline.settings
    outcomes = []
    for index, case in enumerate(cases, start=1):
        tick = time.perf_counter()
        vector = pipeline.embedder.encode([case.question])[0]
        timings: dict[str, float] = {}
        with pipeline.pool.connection() as conn:
            passages = pipeline.search(
                conn,
                case.question,
                vector,
                mode or settings.retrieval_mode,
                RETRIEVAL_DEPTH,
                collection=collection,
                distinct_documents=True,
                rerank=rerank,
                timings=timings,
            )
        top = passages[: settings.top_k]
        result = pipeline.answerer.answer(case.question, top, vector) if answer else None
        outcomes.append(
            CaseOutcome(
                case=case,
                ranking=distinct([p.doc_id for p in passages]),
                answer=result.text if result else "",
                citations=[c.doc_id for c in result.citations] if result else [],
                contexts=[p.text for p in top],
                latency_ms=(time.perf_counter() - tick) * 1000,
                retrieval_ms=sum(timings.values()),
            )
        )
        if progress:
            progress(index)
    return outcomes


def score_outcomes(outcomes: Sequence[CaseOutcome], settings: Settings, corpus_texts: dict[str, str]) -> dict[str, Any]:
    retrieval = retrieval_metrics([o.ranking for o in outcomes], [set(o.case.source_ids) for o in outcomes])
    samples = [
        ragas_adapter.AnswerSample(
            question=o.case.question,
            answer=o.answer,
            reference=o.case.reference,
            contexts=o.contexts,
            context_ids=distinct([d for d in o.ranking[: settings.top_k]]),
            reference_contexts=[corpus_texts.get(d, "") for d in o.case.source_ids],
            reference_ids=list(o.case.source_ids),
        )
        for o in outcomes
    ]
    judge = None
    if settings.eval_llm_base_url:
        judge = (settings.eval_llm_base_url, settings.eval_llm_model or settings.llm_model, settings.eval_llm_api_key)
    answer = ragas_adapter.score(samples, judge)
    misses = [o for o in outcomes if o.missed]
    return {
        "cases": len(outcomes),
        "retrieval": retrieval,
        "answer": answer,
        "latency_ms": summarize([o.latency_ms for o in outcomes]),
        "failures": {
            "no_relevant_doc_in_top10": len(misses),
            "relevant_doc_not_in_top_k": sum(
                1 for o in outcomes if (o.first_relevant_rank or MISS_RANK) > settings.top_k
            ),
            "missed_by_kind": dict(Counter(o.case.kind for o in misses)),
            "cases_by_kind": dict(Counter(o.case.kind for o in outcomes)),
        },
    }


def corpus_texts(settings: Settings) -> dict[str, str]:
    return {d.doc_id: d.text for d in load_corpus_jsonl(settings.corpus_path)}


GATED_METRICS = ("retrieval.hit@5", "retrieval.mrr", "retrieval.ndcg@10", "answer.non_llm_context_recall")

# `make gate` / `make baseline`: these metrics may not drop by more than 0.02 (absolute).
GATE = Gate(
    "eval",
    snapshot=lambda metrics: {k: v for k, v in flatten(metrics).items() if k in GATED_METRICS},
    tolerance=0.02,
)


def evaluate(
    pipeline: RagPipeline, split: str, progress: Callable[[int, int], None] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Score one golden split: the metrics for results/eval.json and one row per case."""
    settings = pipeline.settings
    golden = load_golden(settings.golden_path)
    cases = [c for c in golden if c.split == split]
    if not cases:
        raise GoldenFileError(f"{settings.golden_path} has no '{split}' questions.")
    outcomes = run_cases(pipeline, cases, progress=progress and (lambda done: progress(done, len(cases))))
    texts = corpus_texts(settings)
    metrics = score_outcomes(outcomes, settings, texts)
    metrics["dataset"] = {
        "documents": len(texts),
        "characters": sum(len(t) for t in texts.values()),
        "chunks": pipeline.chunk_count(),
        "golden_dev": sum(1 for c in golden if c.split == "dev"),
        "golden_test": sum(1 for c in golden if c.split == "test"),
        "golden_origins": origin_counts(golden),
    }
    metrics["failures"]["examples"] = [
        {"question": o.case.question, "expected": list(o.case.source_ids), "got": o.ranking[0] if o.ranking else "-"}
        for o in outcomes
        if o.missed
    ][:5]
    rows = [
        {
            "id": o.case.id,
            "kind": o.case.kind,
            "question": o.case.question,
            "expected": list(o.case.source_ids),
            "ranking": o.ranking[:10],
            "first_relevant_rank": o.first_relevant_rank,
            "retrieval_ms": round(o.retrieval_ms, 3),
            "answer": o.answer,
            "citations": o.citations,
        }
        for o in outcomes
    ]
    return metrics, rows
