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
from .pipeline import RagPipeline
from .settings import Settings
from .stats import summarize

KS = (1, 3, 5, 10)
RETRIEVAL_DEPTH = 20  # chunks fetched to rank 10 distinct documents
MISS_RANK = 1_000_000


class GoldenFileError(ValueError):
    """A malformed golden file; the message names the line."""


@dataclass(frozen=True)
class GoldenCase:
    id: str
    split: str
    question: str
    reference: str
    source_ids: tuple[str, ...]
    kind: str = "factual"


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
        missing = [k for k in ("id", "split", "question", "reference", "source_ids") if not record.get(k)]
        if missing:
            raise GoldenFileError(f"{path}:{number}: missing or empty field(s): {', '.join(missing)}.")
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
            )
        )
    if not cases:
        raise GoldenFileError(f"Golden file {path} holds no cases.")
    return [c for c in cases if split is None or c.split == split]


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
) -> list[CaseOutcome]:
    """Retrieve (and, unless ``answer`` is false, answer) every case."""
    settings = pipeline.settings
    outcomes = []
    for index, case in enumerate(cases, start=1):
        tick = time.perf_counter()
        vector = pipeline.embedder.encode([case.question])[0]
        with pipeline.pool.connection() as conn:
            passages = pipeline.retriever(conn, collection).retrieve(
                case.question, vector, mode or settings.retrieval_mode, RETRIEVAL_DEPTH
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


def flatten(metrics: dict[str, Any], prefix: str = "") -> dict[str, float]:
    flat: dict[str, float] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            flat[name] = float(value)
    return flat


def check_gate(metrics: dict[str, Any], baseline_path: Path) -> list[str]:
    """Metrics that fell below the committed baseline by more than its tolerance."""
    baseline = json.loads(baseline_path.read_text())
    tolerance = float(baseline.get("tolerance", 0.02))
    current = flatten(metrics)
    regressions = []
    for name, floor in baseline["metrics"].items():
        value = current.get(name)
        if value is None:
            regressions.append(f"{name}: missing from results (baseline {floor:.3f})")
        elif value < floor - tolerance:
            regressions.append(f"{name}: {value:.3f} < baseline {floor:.3f} - {tolerance}")
    return regressions


GATED_METRICS = ("retrieval.hit@5", "retrieval.mrr", "retrieval.ndcg@10", "answer.non_llm_context_recall")


def baseline_from(metrics: dict[str, Any], source: str, tolerance: float = 0.02) -> dict[str, Any]:
    flat = flatten(metrics)
    return {
        "source": source,
        "tolerance": tolerance,
        "metrics": {name: round(flat[name], 4) for name in GATED_METRICS if name in flat},
    }
