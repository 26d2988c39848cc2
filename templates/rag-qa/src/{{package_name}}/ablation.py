"""Ablation: every chunking strategy x every retrieval arm, and the fusion settings, on the dev split.

Arms: vector, lexical (BM25 in Postgres), hybrid (weighted RRF of the two), Postgres' own
``ts_rank_cd`` (the lexical ranking BM25 replaced) and a whole-document BM25 computed in memory
(``reference_bm25.py``), the yardstick for the chunk-level lexical arm. The fusion grid (RRF k,
lexical weight, candidates per list) is searched on the default chunking's collection. Three
builds of the embedder are compared for ingest speed, memory and quality: MiniLM in PyTorch, its
int8 ONNX build and the static embedding distilled from it.

The held-out test split is never used here, so choosing the defaults from these tables does not
leak into the reported test numbers.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from .chunking import STRATEGIES, chunk_documents
from .documents import Document, load_corpus_jsonl
from .embedding import Embedder, peak_memory_mb
from .evaluation import RETRIEVAL_DEPTH, GoldenCase, load_golden, retrieval_metrics
from .ingest_bench import ingest_overhead, leading_documents
from .onnx_embedding import ONNX_MODEL
from .pipeline import RagPipeline
from .reference_bm25 import WholeDocumentBM25
from .rerank import SentenceReranker, retrieve_and_rerank
from .retrieval import MODES, search_ts_rank
from .settings import MINILM, Settings
from .static_embedding import STATIC_MODEL
from .stats import summarize
from .store import drop_collection, fetch_texts

METRICS = ("hit@1", "hit@5", "hit@10", "recall@10", "mrr", "ndcg@10")
TS_RANK_ARM = "lexical ts_rank_cd"
REFERENCE_ARM = "whole-document BM25"
RERANK_ARM = "hybrid + sentence rerank"
# Lexical weights from 1/5 to 5: at either end one ranking leads and the other breaks its ties,
# which is where fusion lands on corpora whose questions favour one mode.
FUSION_GRID = {
    "rrf_k": (10, 30, 60),
    "lexical_weight": (0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0),
    "candidates": (20, 50, 100),
}
FUSION_NOISE = 0.01  # nDCG@10 a grid point must gain over the defaults to replace them
TERM_DEPTHS = (100, 300, 1000, 3000)  # postings read per query term (the BM25 query's cost)


def _row(cases: Sequence[GoldenCase], rankings: list[list[str]], latencies: list[float]) -> dict[str, Any]:
    metrics = retrieval_metrics(rankings, [set(c.source_ids) for c in cases])
    return {
        **{k: metrics[k] for k in METRICS},
        "documents_ranked_mean": sum(len(r) for r in rankings) / len(rankings),
        "retrieval_p50_ms": summarize(latencies)["p50"],
    }


def score_arm(
    pipeline: RagPipeline,
    cases: Sequence[GoldenCase],
    vectors: np.ndarray,
    collection: str,
    mode: str,
    *,
    reranker: SentenceReranker | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Document-level metrics of one retrieval mode, reranked with ``reranker`` if given
    (``overrides`` replace retriever settings); latencies include the rerank stage."""
    rankings: list[list[str]] = []
    latencies: list[float] = []
    with pipeline.pool.connection() as conn:
        retriever = pipeline.retriever(conn, collection)
        for name, value in overrides.items():
            setattr(retriever, name, value)
        for case, vector in zip(cases, vectors, strict=True):
            tick = time.perf_counter()
            passages = retrieve_and_rerank(
                retriever, reranker, case.question, vector, mode, RETRIEVAL_DEPTH, distinct_documents=True
            )
            latencies.append((time.perf_counter() - tick) * 1000)
            rankings.append([p.doc_id for p in passages])
    return _row(cases, rankings, latencies)


def score_ts_rank(pipeline: RagPipeline, cases: Sequence[GoldenCase], collection: str) -> dict[str, Any]:
    rankings: list[list[str]] = []
    latencies: list[float] = []
    with pipeline.pool.connection() as conn:
        for case in cases:
            tick = time.perf_counter()
            ids = search_ts_rank(conn, collection, case.question, 20 * RETRIEVAL_DEPTH)
            doc_ids = {i: row[0] for i, row in fetch_texts(conn, collection, ids).items()}
            latencies.append((time.perf_counter() - tick) * 1000)
            rankings.append(list(dict.fromkeys(doc_ids[i] for i in ids))[:RETRIEVAL_DEPTH])
    return _row(cases, rankings, latencies)


def score_reference(reference: WholeDocumentBM25, cases: Sequence[GoldenCase]) -> dict[str, Any]:
    rankings: list[list[str]] = []
    latencies: list[float] = []
    for case in cases:
        tick = time.perf_counter()
        rankings.append(reference.rank(case.question, RETRIEVAL_DEPTH))
        latencies.append((time.perf_counter() - tick) * 1000)
    return _row(cases, rankings, latencies)


def sentence_reranker(pipeline: RagPipeline) -> SentenceReranker:
    """The rerank stage at the configured depth and weight, measured whether or not RERANK enables it."""
    return SentenceReranker(pipeline.embedder, pipeline.settings.rerank_depth, pipeline.settings.rerank_weight)


def compare_modes(
    pipeline: RagPipeline, split: str, served: Sequence[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Every retrieval arm on the configured collection and one split (``make eval`` reports them).
    ``served``: that split's rows as ``make eval`` served them (ranking and retrieval_ms per case,
    in golden order), which are the rerank arm's when the served mode is hybrid with the rerank
    stage, so that arm is not computed twice."""
    settings = pipeline.settings
    reference = WholeDocumentBM25(load_corpus_jsonl(settings.corpus_path), settings.bm25_k1, settings.bm25_b)
    cases = load_golden(settings.golden_path, split)
    same = settings.retrieval_mode == "hybrid" and settings.rerank == "sentences"
    if served is not None and same and [r["id"] for r in served] == [c.id for c in cases]:
        reranked = _row(cases, [list(r["ranking"]) for r in served], [float(r["retrieval_ms"]) for r in served])
        return compare_arms(pipeline, cases, settings.collection, reference, reranked)
    return compare_arms(pipeline, cases, settings.collection, reference)


def compare_arms(
    pipeline: RagPipeline,
    cases: Sequence[GoldenCase],
    collection: str,
    reference: WholeDocumentBM25,
    reranked: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Every retrieval arm on one collection, with the pipeline's current settings (``reranked``:
    the rerank arm's row when already measured)."""
    vectors = pipeline.embedder.encode_queries([c.question for c in cases])
    rows = [{"mode": mode, **score_arm(pipeline, cases, vectors, collection, mode)} for mode in MODES]
    if reranked is None:
        reranked = score_arm(pipeline, cases, vectors, collection, "hybrid", reranker=sentence_reranker(pipeline))
    rows.append({"mode": RERANK_ARM, **reranked})
    rows.append({"mode": TS_RANK_ARM, **score_ts_rank(pipeline, cases, collection)})
    rows.append({"mode": REFERENCE_ARM, **score_reference(reference, cases)})
    return rows


def tune_fusion(
    pipeline: RagPipeline, cases: Sequence[GoldenCase], vectors: np.ndarray, collection: str
) -> dict[str, Any]:
    """Every point of FUSION_GRID for hybrid retrieval; the best by nDCG@10, then MRR, then cost,
    unless the defaults in settings.py are within FUSION_NOISE of it."""
    names = list(FUSION_GRID)
    points = []
    for values in itertools.product(*FUSION_GRID.values()):
        setting: dict[str, Any] = dict(zip(names, values, strict=True))
        points.append({**setting, **score_arm(pipeline, cases, vectors, collection, "hybrid", **setting)})
    # On a hundred-odd questions one question moves nDCG@10 by about 0.01, so smaller differences are
    # noise: such ties go to the better MRR, then to the cheaper setting (fewer candidates per list),
    # and a setting replaces the defaults only when it beats them by more than that.
    best = max(points, key=lambda p: (round(p["ndcg@10"], 2), round(p["mrr"], 3), -p["candidates"]))
    defaults = {name: Settings.model_fields[name].default for name in names}
    default = next((p for p in points if all(p[name] == defaults[name] for name in names)), None)
    if default is not None and best["ndcg@10"] < default["ndcg@10"] + FUSION_NOISE:
        best = default
    return {"collection": collection, "grid": FUSION_GRID, "points": points, "best": best}


def embedding_arms(configured: str) -> list[str]:
    """The embedders the ablation compares, the configured one first. The float MiniLM is an arm of
    its own when the configured model is one of its builds, so speed and quality are measured against
    the model the builds come from; another configured model is itself the baseline."""
    source = (MINILM,) if configured in (ONNX_MODEL, STATIC_MODEL) else ()
    return list(dict.fromkeys((configured, *source, ONNX_MODEL, STATIC_MODEL)))


def arm_collection(model_name: str) -> str:
    """The collection an embedding arm ingests into: the model's last path part as an identifier
    ("sentence-transformers/all-MiniLM-L6-v2" -> ablation_all_minilm_l6_v2)."""
    slug = re.sub(r"[^a-z0-9]+", "_", model_name.lower().rstrip("/").rsplit("/", 1)[-1]).strip("_")
    return f"ablation_{slug[:30] or 'model'}"


def compare_embedders(
    pipeline: RagPipeline,
    cases: Sequence[GoldenCase],
    documents: Sequence[Document],
    fusion: dict[str, Any],
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """The configured embedder against the builds of MiniLM: the float model they come from (the
    speed and quality baseline), its int8 ONNX build and the static embedding distilled from it.

    Speed: each one ingests the same leading documents into a fresh collection, timed end to end and
    against its bare encode of the same chunks (``ingest_bench.ingest_overhead``). Memory: the peak
    resident size of a fresh process that loads it and encodes the longest of those chunks. Quality:
    vector and hybrid retrieval (at the ``fusion`` setting) on the dev split, over the whole corpus in
    the default chunking."""
    settings = pipeline.settings
    sample = leading_documents(documents, settings)
    texts = [
        c.embedding_text
        for c in chunk_documents(sample, settings.chunk_strategy, settings.chunk_size, settings.chunk_overlap)
    ]
    # Memory peaks on the batch of the longest chunks: two batches of them stand for the whole sample.
    longest = sorted(texts, key=len)[-2 * settings.embedding_batch_size :]
    models_dir = settings.data_dir / "models"
    rows = []
    for name in embedding_arms(settings.embedding_model):
        default = name == settings.embedding_model
        embedder = pipeline.embedder if default else Embedder(name, "cpu", settings.embedding_batch_size, models_dir)
        arm = RagPipeline(settings, pipeline.pool, embedder, pipeline.answerer)
        speed = ingest_overhead(arm, sample, collection="ablation_ingest_speed")
        collection = f"ablation_{settings.chunk_strategy}" if default else arm_collection(name)
        arm.ingest(documents, collection=collection, progress=progress)
        vectors = embedder.encode_queries([c.question for c in cases])
        row: dict[str, Any] = {
            "embedding": name,
            "dimension": embedder.dimension,
            "parameters_mb": embedder.parameter_megabytes(),
            "peak_rss_mb": peak_memory_mb(name, longest, models_dir, settings.embedding_batch_size),
            "sample_chunks": speed["chunks"],
            "encode_chunks_per_s": speed["encode_chunks_per_s"],
            "ingest_chunks_per_s": speed["pipeline_chunks_per_s"],
            "pipeline_overhead_pct": speed["overhead_pct"],
            "outside_encoder_pct": speed["outside_encoder_pct"],
        }
        for mode in ("vector", "hybrid"):
            metrics = score_arm(arm, cases, vectors, collection, mode, **(fusion if mode == "hybrid" else {}))
            row.update({f"{mode}_{k}": metrics[k] for k in ("hit@5", "mrr", "ndcg@10")})
        rows.append(row)
    with pipeline.pool.connection() as conn:
        drop_collection(conn, "ablation_ingest_speed")
    baseline = next((row for row in rows if row["embedding"] == MINILM), rows[0])
    for row in rows:
        row["ingest_speedup"] = row["ingest_chunks_per_s"] / baseline["ingest_chunks_per_s"]
        row["vector_ndcg@10_change"] = row["vector_ndcg@10"] - baseline["vector_ndcg@10"]
    return rows


Step = Callable[[str], AbstractContextManager[Callable[[int, int], None]]]


@contextmanager
def _quiet(description: str) -> Iterator[Callable[[int, int], None]]:
    yield lambda done, total: None


def run_ablation(pipeline: RagPipeline, split: str = "dev", step: Step = _quiet) -> dict[str, Any]:
    """``step(description)`` opens a progress display for each long step (ingests show their chunks)."""
    settings = pipeline.settings
    cases = load_golden(settings.golden_path, split)
    documents = load_corpus_jsonl(settings.corpus_path)
    reference = WholeDocumentBM25(documents, settings.bm25_k1, settings.bm25_b)
    vectors = pipeline.embedder.encode_queries([c.question for c in cases])
    chunks: dict[str, int] = {}
    for strategy in STRATEGIES:
        with step(f"ingest {strategy} chunks") as update:
            report = pipeline.ingest(documents, collection=f"ablation_{strategy}", strategy=strategy, progress=update)
        chunks[strategy] = report.chunks
    # The fusion search runs on the default chunking; every hybrid arm below uses its best setting.
    default = f"ablation_{settings.chunk_strategy}"
    with step(f"fusion search ({len(list(itertools.product(*FUSION_GRID.values())))} settings)"):
        fusion = tune_fusion(pipeline, cases, vectors, default)
    tuned = {name: fusion["best"][name] for name in FUSION_GRID}
    depths = [
        {"term_depth": d, **score_arm(pipeline, cases, vectors, default, "lexical", term_depth=d)} for d in TERM_DEPTHS
    ]
    runs = []
    for strategy in STRATEGIES:
        collection = f"ablation_{strategy}"
        for mode in MODES:
            metrics = score_arm(pipeline, cases, vectors, collection, mode, **(tuned if mode == "hybrid" else {}))
            runs.append({"strategy": strategy, "mode": mode, "chunks": chunks[strategy], **metrics})
        reranker = sentence_reranker(pipeline)
        reranked = score_arm(pipeline, cases, vectors, collection, "hybrid", reranker=reranker, **tuned)
        runs.append({"strategy": strategy, "mode": RERANK_ARM, "chunks": chunks[strategy], **reranked})
        runs.append(
            {
                "strategy": strategy,
                "mode": TS_RANK_ARM,
                "chunks": chunks[strategy],
                **score_ts_rank(pipeline, cases, collection),
            }
        )
    with step(f"embeddings ({' vs '.join(embedding_arms(settings.embedding_model))})") as update:
        embeddings = compare_embedders(pipeline, cases, documents, tuned, update)
    runs.append(
        {"strategy": "none", "mode": REFERENCE_ARM, "chunks": len(documents), **score_reference(reference, cases)}
    )
    best = max(runs, key=lambda r: (r["ndcg@10"], r["mrr"]))
    return {
        "cases": len(cases),
        "split": split,
        "runs": runs,
        "best": best,
        "fusion": fusion,
        "bm25_term_depth": depths,
        "embeddings": embeddings,
    }


def plot_ablation(metrics: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = [r for r in metrics["runs"] if r["strategy"] != "none"]
    reference = next((r for r in metrics["runs"] if r["mode"] == REFERENCE_ARM), None)
    strategies = list(dict.fromkeys(r["strategy"] for r in runs))
    modes = list(dict.fromkeys(r["mode"] for r in runs))
    width = 0.8 / len(modes)
    fig, ax = plt.subplots(figsize=(8, 4))
    for offset, mode in enumerate(modes):
        values = [next(r["ndcg@10"] for r in runs if r["strategy"] == s and r["mode"] == mode) for s in strategies]
        positions = [i + (offset - (len(modes) - 1) / 2) * width for i in range(len(strategies))]
        bars = ax.bar(positions, values, width, label=mode)
        ax.bar_label(bars, fmt="%.2f", fontsize=7)
    if reference:
        ax.axhline(reference["ndcg@10"], color="black", linestyle="--", linewidth=1, label=REFERENCE_ARM)
    ax.set_xticks(range(len(strategies)), strategies)
    ax.set_ylabel("nDCG@10 (dev split)")
    ax.set_ylim(0, 1)
    ax.set_title("Chunking strategy x retrieval arm")
    ax.legend(title="retrieval", fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
