"""Ingest throughput: the pipeline against its bare encoder, and in process against Ray Data.

``ingest_overhead`` times the whole ingest (chunk, embed, store) against the embedder alone on the
same chunks, the corpus's first SAMPLE_CHUNKS or so (``make bench``, and each embedding arm of
``make ablate``): a throughput needs a few hundred chunks, not the whole corpus. ``run_ingest_bench``
(``make bench-ray``) runs the in-process path and Ray Data with 1..N local workers.

Every run indexes into a fresh collection of its own, embedding every chunk (no vectors copied
from another collection). The Ray benchmark's collections are then compared row by row:
the Ray path must store exactly the chunks the in-process path stores. Chunks per second counts
the whole ingest (chunk, embed, store); for Ray it includes starting the actors and loading the
model in each, and Ray's own start-up is reported beside it.
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from psycopg import sql

from . import store
from .chunking import chunk_documents
from .documents import Document, load_corpus_jsonl
from .pipeline import IngestReport, RagPipeline
from .ray_ingest import CPUS_PER_WORKER, ingest_on_ray, ray_runtime

IN_PROCESS_COLLECTION = "bench_ingest_in_process"
SAMPLE_CHUNKS = 300  # chunks an ingest-speed measurement indexes
# Rounds of a bare encode and an ingest of the same chunks, in alternating order (encode first, then
# ingest first, ...), compared by their total times: this VM's speed drifts by 10-20 % within a
# minute, and the alternation cancels a steady drift that would otherwise read as pipeline overhead.
SPEED_ROUNDS = 4


def leading_documents(documents: Sequence[Document], settings: Any, chunks: int = SAMPLE_CHUNKS) -> list[Document]:
    """The first documents that hold about ``chunks`` chunks between them, in the configured chunking."""
    sample: list[Document] = []
    count = 0
    for document in documents:
        if count >= chunks:
            break
        sample.append(document)
        count += len(chunk_documents([document], settings.chunk_strategy, settings.chunk_size, settings.chunk_overlap))
    return sample


def ingest_overhead(
    pipeline: RagPipeline,
    documents: Sequence[Document] | None = None,
    collection: str = "bench_ingest",
    rounds: int = SPEED_ROUNDS,
) -> dict[str, float]:
    """End-to-end ingest throughput (chunk, embed, store) against bare model.encode of the same chunks,
    on ``documents`` (default: the corpus's leading documents) indexed into a fresh ``collection``.
    The two run ``rounds`` times each in alternating order; throughputs and the overhead come from
    their total times, and ``outside_encoder_pct`` is the median share of each ingest spent outside
    the encoder (chunking, storing, indexing), which no drift between runs can touch."""
    settings = pipeline.settings
    if documents is None:
        documents = leading_documents(load_corpus_jsonl(settings.corpus_path), settings)
    chunks = chunk_documents(documents, settings.chunk_strategy, settings.chunk_size, settings.chunk_overlap)
    texts = [c.embedding_text for c in chunks]
    pipeline.embedder.encode(texts[:64])  # warm the model
    encode_s: list[float] = []
    ingest_s: list[float] = []
    outside: list[float] = []

    def bare() -> None:
        tick = time.perf_counter()
        pipeline.embedder.encode(texts)
        encode_s.append(time.perf_counter() - tick)

    def ingest_all() -> None:
        # No vector reuse: the point is the full cost of chunk + embed + store.
        report = pipeline.ingest(documents, collection=collection, rebuild=True, reuse_vectors=False)
        ingest_s.append(report.seconds)
        outside.append(1 - report.embed_seconds / report.seconds)

    for round_ in range(rounds):
        for step in (bare, ingest_all) if round_ % 2 == 0 else (ingest_all, bare):
            step()
    encode, ingest = sum(encode_s), sum(ingest_s)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "chunks": len(chunks),
        "rounds": rounds,
        "encode_chunks_per_s": len(chunks) * rounds / encode,
        "pipeline_chunks_per_s": len(chunks) * rounds / ingest,
        "overhead_pct": (ingest / encode - 1) * 100,
        "outside_encoder_pct": statistics.median(outside) * 100,
        "peak_rss_mb": peak_mb,
    }


def ray_collection(workers: int) -> str:
    return f"bench_ingest_ray_{workers}"


def run_ingest_bench(
    pipeline: RagPipeline, documents: Sequence[Document], worker_counts: Sequence[int], log: Callable[[str], None]
) -> dict[str, Any]:
    import torch

    load_before = os.getloadavg()[0]
    runs: list[dict[str, Any]] = []
    log(f"in-process ingest of {len(documents)} documents")
    report = pipeline.ingest(documents, collection=IN_PROCESS_COLLECTION, rebuild=True, reuse_vectors=False)
    runs.append(_run_row("in-process", None, torch.get_num_threads(), report, start_s=0.0))
    log(_summary(runs[-1]))
    collections = [IN_PROCESS_COLLECTION]
    for workers in worker_counts:
        tick = time.perf_counter()
        with ray_runtime(workers, pipeline.settings.ray_address) as where:
            start_s = time.perf_counter() - tick
            log(f"Ray Data ingest with {workers} worker(s) on {where}")
            collection = ray_collection(workers)
            report = ingest_on_ray(pipeline, documents, collection=collection, rebuild=True, workers=workers)
        runs.append(_run_row("ray", workers, CPUS_PER_WORKER, report, start_s=start_s))
        log(_summary(runs[-1]))
        collections.append(collection)
    with pipeline.pool.connection() as conn:
        contents = {name: _contents(conn, name) for name in collections}
        for name in collections:
            store.drop_collection(conn, name)
    reference = contents[IN_PROCESS_COLLECTION]
    return {
        "documents": len(documents),
        "chunks": runs[0]["chunks"],
        "runs": runs,
        "identical_to_in_process": {name: contents[name] == reference for name in collections[1:]},
        "cpu_count": os.cpu_count(),
        "load_average_1m": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
    }


def _run_row(
    path: str, workers: int | None, threads_per_worker: int, report: IngestReport, *, start_s: float
) -> dict[str, Any]:
    return {
        "path": path,
        "workers": workers,
        "threads_per_worker": threads_per_worker,
        "chunks": report.chunks,
        "added": report.added,
        "seconds": round(report.seconds, 3),
        "chunks_per_s": round(report.added / report.seconds, 2) if report.seconds else None,
        # Time spent in the model's encode, summed over workers: the rest is start-up and data movement.
        "embed_seconds": round(report.embed_seconds, 3),
        "ray_start_s": round(start_s, 3) if workers else None,
    }


def _summary(row: dict[str, Any]) -> str:
    who = "in-process" if row["workers"] is None else f"Ray, {row['workers']} worker(s)"
    return f"{who}: {row['added']} chunks in {row['seconds']:.1f} s = {row['chunks_per_s']} chunks/s"


def _contents(conn: Any, collection: str) -> set[tuple[str, str, int, str]]:
    rows = conn.execute(
        sql.SQL("SELECT content_hash, doc_id, ordinal, text FROM {t}").format(t=store.table_name(collection))
    ).fetchall()
    return {(r[0], r[1], r[2], r[3]) for r in rows}
