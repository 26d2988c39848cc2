"""Latency benchmark: embed, retrieve (each mode), rerank and end-to-end POST /ask over a fixed query set,
on the CPU and on the GPU when one is present; HNSW recall against exact search; ingest overhead."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import partial
from typing import Any

import httpx

from .api import create_app
from .embedding import BUILT, Embedder, built_models
from .evaluation import timing_questions
from .ingest_bench import ingest_overhead
from .pipeline import RagPipeline
from .rerank import SentenceReranker
from .retrieval import MODES, search_ts_rank, search_vector
from .serving import serve_in_thread
from .settings import MINILM
from .stats import summarize

WARMUP = 3


def _timed(function: Callable[[], Any], repeats: int) -> list[float]:
    for _ in range(WARMUP):
        function()
    samples = []
    for _ in range(repeats):
        tick = time.perf_counter()
        function()
        samples.append((time.perf_counter() - tick) * 1000)
    return samples


def bench_queries(pipeline: RagPipeline, count: int) -> list[str]:
    return timing_questions(pipeline.settings.golden_path)[:count]


def stage_latencies(pipeline: RagPipeline, embedder: Embedder, queries: list[str]) -> dict[str, dict[str, float]]:
    settings = pipeline.settings
    embed = []
    for q in queries:
        embed += _timed(partial(embedder.encode, [q]), 1)
    vectors = embedder.encode_queries(queries)
    results = {"embed": summarize(embed)}
    with pipeline.pool.connection() as conn:
        retriever = pipeline.retriever(conn)
        for mode in MODES:
            samples = []
            for q, v in zip(queries, vectors, strict=True):
                samples += _timed(partial(retriever.retrieve, q, v, mode, settings.top_k), 1)
            results[f"retrieve_{mode}"] = summarize(samples)
        # The lexical ranking BM25 replaced, for comparison.
        samples = []
        for q in queries:
            samples += _timed(partial(search_ts_rank, conn, settings.collection, q, settings.top_k), 1)
        results["retrieve_lexical_ts_rank_cd"] = summarize(samples)
        # The rerank stage on the served mode's passages (measured whether or not RERANK enables it).
        reranker = SentenceReranker(embedder, settings.rerank_depth, settings.rerank_weight)
        samples = []
        for q, v in zip(queries, vectors, strict=True):
            passages = retriever.retrieve(q, v, settings.retrieval_mode, max(settings.top_k, reranker.depth))
            samples += _timed(partial(reranker.rerank, v, passages), 1)
        results["rerank_sentences"] = summarize(samples)
    return results


def hnsw_recall(pipeline: RagPipeline, queries: list[str], k: int = 10) -> float:
    vectors = pipeline.embedder.encode_queries(queries)
    found = 0
    with pipeline.pool.connection() as conn:
        for v in vectors:
            approx = {
                i for i, _ in search_vector(conn, pipeline.settings.collection, v, k, pipeline.settings.hnsw_ef_search)
            }
            exact = {i for i, _ in search_vector(conn, pipeline.settings.collection, v, k, exact=True)}
            found += len(approx & exact)
    return found / (k * len(vectors))


def serving(pipeline: RagPipeline) -> AbstractContextManager[str]:
    """The real API on a free localhost port, for the end-to-end latency and the demo."""
    return serve_in_thread(create_app(pipeline), name="benchmark API")


def ask_latencies(pipeline: RagPipeline, queries: list[str]) -> dict[str, float]:
    with serving(pipeline) as base, httpx.Client(base_url=base, timeout=120) as client:

        def ask(q: str) -> None:
            response = client.post("/ask", json={"question": q})
            response.raise_for_status()

        samples = []
        for q in queries:
            samples += _timed(partial(ask, q), 1)
    return summarize(samples)


def run_bench(pipeline: RagPipeline, query_count: int = 50) -> dict[str, Any]:
    queries = bench_queries(pipeline, query_count)
    latency = {pipeline.embedder.device: stage_latencies(pipeline, pipeline.embedder, queries)}
    latency[pipeline.embedder.device]["ask_e2e"] = ask_latencies(pipeline, queries)
    models = {pipeline.embedder.device: pipeline.embedder.model_name}
    import torch

    if torch.cuda.is_available():  # measure the other device too, so CPU and GPU sit side by side
        other = "cpu" if pipeline.embedder.device == "cuda" else "cuda"
        # The builds of MiniLM run on the CPU only; on the GPU the float model they come from stands in.
        models[other] = MINILM if pipeline.embedder.model_name in BUILT else pipeline.embedder.model_name
        latency[other] = stage_latencies(pipeline, Embedder(models[other], other), queries)
    models_dir = pipeline.settings.data_dir / "models"
    for name in built_models(models_dir):  # the other embedding arms' query latency, where built
        if name != pipeline.embedder.model_name:
            other_embedder = Embedder(name, "cpu", pipeline.settings.embedding_batch_size, models_dir)
            samples = [sample for q in queries for sample in _timed(partial(other_embedder.encode, [q]), 1)]
            latency.setdefault("cpu", {})[f"embed_{name}"] = summarize(samples)
    ask = latency[pipeline.embedder.device]["ask_e2e"]
    price = pipeline.settings.cost_per_hour_usd
    return {
        "queries": len(queries),
        "latency_ms": latency,
        "embedding_models": models,  # device -> the embedder its latencies were measured with
        "cost": {
            "usd_per_hour": price,
            # one sequential worker: questions per hour = 3.6e6 ms / mean latency
            "usd_per_1k_questions": price * ask["mean"] / 3_600_000 * 1000,
            "llm_tokens_per_question": 0 if pipeline.answerer.mode == "extractive" else None,
        },
        "hnsw_recall@10": hnsw_recall(pipeline, queries),
        "ingest": ingest_overhead(pipeline),
    }
