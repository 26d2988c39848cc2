"""Scale benchmark: retrieval latency per mode on synthetic collections of 10k and 100k chunks.

The chunks are made, not embedded. Their words are drawn from the shipped corpus' own word
frequencies, so BM25 sees a realistic spread of common and rare terms, and the questions are the dev
questions (``evaluation.timing_questions``). Their vectors are drawn around random topic centres
(cosine about 0.7 to their centre, about 0.5 between two chunks of a topic), and each question gets
a vector drawn the same way: embeddings of real text cluster by topic, while uniformly random
vectors have no neighbours at all and make any graph index search far more of the graph than real
data does. Each size is loaded through the ingest path's own ``insert_chunks`` (rows, BM25 postings
and statistics in one transaction per batch), the HNSW index is built once after loading, and both
phases are timed. The collections are dropped afterwards.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from psycopg import sql

from . import store
from .chunking import Chunk
from .documents import load_corpus_jsonl
from .evaluation import timing_questions
from .pipeline import RagPipeline
from .retrieval import MODES, search_sql
from .stats import summarize

SIZES = (10_000, 100_000)
WORDS_PER_CHUNK = 110  # about 800 characters, the default chunk size
CHUNKS_PER_DOCUMENT = 4
LOAD_BATCH = 2000
REPEATS = 3
FAST_TERM_DEPTH = 300
TOPICS = 1000
TOPIC_SPREAD = 1.0  # noise norm relative to the unit centre: cosine 1 / sqrt(1 + spread**2) to it
_WORD = re.compile(r"[A-Za-z]{2,}")


def word_distribution(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    counts = Counter(w.lower() for text in texts for w in _WORD.findall(text))
    words = sorted(counts)
    frequencies = np.array([counts[w] for w in words], dtype=np.float64)
    return words, frequencies / frequencies.sum()


def synthetic_chunks(start: int, count: int, words: list[str], p: np.ndarray, rng: np.random.Generator) -> list[Chunk]:
    """Chunks ``start`` .. ``start + count - 1``: a three-word title and WORDS_PER_CHUNK words."""
    vocabulary = np.array(words)
    drawn = vocabulary[rng.choice(len(words), size=(count, WORDS_PER_CHUNK + 3), p=p)]
    return [
        Chunk(f"synthetic.d{i // CHUNKS_PER_DOCUMENT}", i % CHUNKS_PER_DOCUMENT, " ".join(row[:3]), " ".join(row[3:]))
        for i, row in enumerate(drawn, start=start)
    ]


def topic_vectors(count: int, centres: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors, each near a randomly chosen centre."""
    dimension = centres.shape[1]
    noise = rng.standard_normal((count, dimension)) * (TOPIC_SPREAD / np.sqrt(dimension))
    vectors = centres[rng.integers(len(centres), size=count)] + noise
    unit: np.ndarray = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    return unit


def topic_centres(dimension: int, rng: np.random.Generator) -> np.ndarray:
    centres = rng.standard_normal((TOPICS, dimension))
    unit: np.ndarray = centres / np.linalg.norm(centres, axis=1, keepdims=True)
    return unit


def build(
    pipeline: RagPipeline, size: int, words: list[str], p: np.ndarray, centres: np.ndarray, seed: int
) -> dict[str, Any]:
    """Load ``size`` synthetic chunks into ``scale_<size>``; the load and HNSW build times."""
    rng = np.random.default_rng(seed)
    name = f"scale_{size}"
    dimension = pipeline.embedder.dimension
    spec = store.CollectionSpec(
        name, "synthetic", 800, 0, "synthetic-topic-vectors", dimension, pipeline.settings.text_search_config
    )
    with pipeline.pool.connection() as conn:
        store.drop_collection(conn, name)
        store.ensure_collection(conn, spec)
        store.defer_vector_index(conn, name)
        load_s = 0.0
        for start in range(0, size, LOAD_BATCH):
            batch = synthetic_chunks(start, min(LOAD_BATCH, size - start), words, p, rng)
            vectors = topic_vectors(len(batch), centres, rng)
            tick = time.perf_counter()
            store.insert_chunks(conn, name, batch, vectors, {})
            load_s += time.perf_counter() - tick
        tick = time.perf_counter()
        store.build_vector_index(conn, name, maintenance_work_mem="1GB")
        hnsw_s = time.perf_counter() - tick
        conn.execute(sql.SQL("VACUUM ANALYZE {t}").format(t=store.table_name(name)))
        conn.execute(sql.SQL("VACUUM ANALYZE {t}").format(t=sql.Identifier(f"lex_{name}")))
        rows = conn.execute(
            "SELECT pg_total_relation_size(%s), pg_total_relation_size(%s)", (f"chunks_{name}", f"lex_{name}")
        ).fetchone()
    assert rows is not None
    return {
        "chunks": size,
        "load_s": load_s,
        "load_chunks_per_s": size / load_s,
        "hnsw_build_s": hnsw_s,
        "chunks_table_mb": rows[0] / 2**20,
        "bm25_postings_mb": rows[1] / 2**20,
    }


def _plan(pipeline: RagPipeline, collection: str, question: str, vector: np.ndarray) -> str:
    retriever_params = _params(pipeline, question, vector)
    with pipeline.pool.connection() as conn:
        rows = conn.execute(sql.SQL("EXPLAIN ") + search_sql(collection, "hybrid"), retriever_params).fetchall()
    return "\n".join(r[0] for r in rows)


def _params(pipeline: RagPipeline, question: str, vector: np.ndarray) -> dict[str, Any]:
    s = pipeline.settings
    return {
        "v": vector,
        "q": question,
        "n": s.candidates,
        "k": s.top_k,
        "distinct": False,
        "rrf_k": s.rrf_k,
        "lexical_weight": s.lexical_weight,
        "depth": s.bm25_term_depth,
        "k1": s.bm25_k1,
        "b": s.bm25_b,
    }


def measure(pipeline: RagPipeline, collection: str, questions: list[str], vectors: np.ndarray) -> dict[str, Any]:
    """Latency of each arm as served (top_k chunks, one statement), every question REPEATS times."""
    latency: dict[str, Any] = {}
    with pipeline.pool.connection() as conn:
        retriever = pipeline.retriever(conn, collection)
        default_depth = retriever.term_depth
        for arm, mode, depth in arms(default_depth):
            retriever.term_depth = depth
            for q, v in zip(questions[:5], vectors[:5], strict=True):  # warm the caches and prepare
                retriever.retrieve(q, v, mode, pipeline.settings.top_k)
            samples = []
            for _ in range(REPEATS):
                for q, v in zip(questions, vectors, strict=True):
                    tick = time.perf_counter()
                    retriever.retrieve(q, v, mode, pipeline.settings.top_k)
                    samples.append((time.perf_counter() - tick) * 1000)
            latency[arm] = summarize(samples)
    plan = _plan(pipeline, collection, questions[0], vectors[0])
    return {
        "latency_ms": latency,
        "plan_uses_hnsw": "hnsw" in plan,
        "plan_uses_bm25_index": f"lex_{collection}_term" in plan,
    }


def arms(default_depth: int) -> list[tuple[str, str, int]]:
    """(name, mode, BM25 postings per term): every mode with the settings, and hybrid reading fewer
    postings, which is what a tighter latency budget would trade (the ablation has its quality)."""
    return [
        *((mode, mode, default_depth) for mode in MODES),
        (f"hybrid_depth_{FAST_TERM_DEPTH}", "hybrid", FAST_TERM_DEPTH),
    ]


def run_scale(
    pipeline: RagPipeline, sizes: Sequence[int] = SIZES, log: Callable[[str], None] = print
) -> dict[str, Any]:
    settings = pipeline.settings
    documents = load_corpus_jsonl(settings.corpus_path)
    words, p = word_distribution([d.text for d in documents])
    questions = timing_questions(settings.golden_path)
    rng = np.random.default_rng(0)
    centres = topic_centres(pipeline.embedder.dimension, rng)
    vectors = topic_vectors(len(questions), centres, rng)
    results = []
    for size in sizes:
        log(f"building {size:,} synthetic chunks ...")
        built = build(pipeline, size, words, p, centres, seed=size)
        log(
            f"  loaded in {built['load_s']:.1f} s ({built['load_chunks_per_s']:.0f} chunks/s), "
            f"HNSW built in {built['hnsw_build_s']:.1f} s; measuring {len(questions)} questions x {REPEATS}"
        )
        load_before = os.getloadavg()[0]
        measured = measure(pipeline, f"scale_{size}", questions, vectors)
        # Other processes on the machine slow every figure; the load says how busy it was.
        measured["load_average_1m"] = {"before": load_before, "after": os.getloadavg()[0]}
        log(
            "  "
            + ", ".join(f"{m} p50 {s['p50']:.2f} / p95 {s['p95']:.2f} ms" for m, s in measured["latency_ms"].items())
        )
        results.append({**built, **measured})
        with pipeline.pool.connection() as conn:
            store.drop_collection(conn, f"scale_{size}")
    return {
        "queries": len(questions),
        "repeats": REPEATS,
        "top_k": settings.top_k,
        "vocabulary": len(words),
        "topics": TOPICS,
        "topic_spread": TOPIC_SPREAD,
        "words_per_chunk": WORDS_PER_CHUNK,
        "goal_hybrid_p95_ms": 15.0,
        "sizes": results,
    }


def plot_scale(metrics: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = metrics["sizes"]
    chunks = [s["chunks"] for s in sizes]
    fig, (latency_ax, build_ax) = plt.subplots(1, 2, figsize=(10, 4))
    for arm in sizes[0]["latency_ms"]:
        latency_ax.plot(chunks, [s["latency_ms"][arm]["p95"] for s in sizes], marker="o", label=f"{arm} p95")
        latency_ax.plot(
            chunks, [s["latency_ms"][arm]["p50"] for s in sizes], marker=".", linestyle=":", label=f"{arm} p50"
        )
    latency_ax.axhline(metrics["goal_hybrid_p95_ms"], color="red", linewidth=1, linestyle="--", label="hybrid p95 goal")
    latency_ax.set_xscale("log")
    latency_ax.set_xlabel("chunks in the collection")
    latency_ax.set_ylabel("retrieval latency (ms)")
    latency_ax.set_title("Retrieval latency vs collection size")
    latency_ax.legend(fontsize=7)
    build_ax.plot(chunks, [s["load_s"] for s in sizes], marker="o", label="load: rows + BM25 postings")
    build_ax.plot(chunks, [s["hnsw_build_s"] for s in sizes], marker="o", label="HNSW index build")
    build_ax.set_xscale("log")
    build_ax.set_xlabel("chunks in the collection")
    build_ax.set_ylabel("seconds")
    build_ax.set_title("Build cost vs collection size")
    build_ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
