"""Retrieve stage: vector (HNSW cosine), lexical (BM25, see ``lexical.py``) and hybrid (weighted RRF).

Every mode is one SQL statement, so one round trip: the vector and BM25 candidate lists, their
fusion by reciprocal rank (score = sum over rankings of weight / (rrf_k + rank), which needs no
calibration between the two score scales), the optional reduction to the best chunk per document,
and the chunk texts. The statement is prepared on the server the first time a connection runs it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import psycopg
from opentelemetry.trace import SpanKind
from psycopg import sql

from . import lexical, store
from .telemetry import (
    GEN_AI_DATA_SOURCE_ID,
    GEN_AI_OPERATION,
    GEN_AI_REQUEST_TOP_K,
    GEN_AI_RETRIEVAL_DOCUMENTS,
    GEN_AI_RETRIEVAL_QUERY,
    capture_content,
    get_tracer,
)

_tracer = get_tracer(__name__)
MODES = ("vector", "lexical", "hybrid")
# How far the candidate lists may grow when asked for k distinct documents and the first lists
# hold fewer (long documents fill a list with chunks of themselves).
MAX_POOL_GROWTH = 8


def configure_search_session(conn: psycopg.Connection[Any], ef_search: int) -> None:
    """Session settings for the one-statement search: use the HNSW index even on small tables
    (what is served and benchmarked is the approximate search), and let an index scan return more
    rows than ``ef_search`` when a deep candidate list is asked for."""
    conn.execute("SET enable_seqscan = off")
    conn.execute(sql.SQL("SET hnsw.ef_search = {n}").format(n=sql.Literal(ef_search)))
    conn.execute("SET hnsw.iterative_scan = relaxed_order")


@dataclass
class Passage:
    chunk_id: int
    doc_id: str
    title: str
    url: str
    text: str
    score: float
    ranks: dict[str, int] = field(default_factory=dict)  # mode -> 1-based rank it had there


def vector_sql(collection: str) -> sql.Composed:
    """Nearest chunks by cosine distance; parameters ``q`` (the query vector) and ``k``."""
    return sql.SQL("SELECT id, 1 - (embedding <=> %(q)s) FROM {t} ORDER BY embedding <=> %(q)s LIMIT %(k)s").format(
        t=store.table_name(collection)
    )


@contextmanager
def vector_search_settings(
    conn: psycopg.Connection[Any], k: int, ef_search: int = 100, exact: bool = False
) -> Iterator[None]:
    """A transaction whose plan is the HNSW index search, or with ``exact`` a scan of every row.

    On a small table the planner prefers a sequential scan and sort (exact search) to the index, so
    the index is required explicitly: what is served and benchmarked is the approximate search.
    """
    with conn.transaction():
        if exact:
            conn.execute("SET LOCAL enable_seqscan = on")
            conn.execute("SET LOCAL enable_indexscan = off")
            conn.execute("SET LOCAL enable_bitmapscan = off")
        else:
            conn.execute("SET LOCAL enable_seqscan = off")
            conn.execute(sql.SQL("SET LOCAL hnsw.ef_search = {n}").format(n=sql.Literal(max(ef_search, k))))
        yield


def search_vector(
    conn: psycopg.Connection[Any], collection: str, query: np.ndarray, k: int, ef_search: int = 100, exact: bool = False
) -> list[tuple[int, float]]:
    """(chunk id, cosine similarity) best first; ``exact`` bypasses the index (for recall checks)."""
    with vector_search_settings(conn, k, ef_search, exact):
        rows = conn.execute(vector_sql(collection), {"q": query, "k": k}).fetchall()
    return [(int(r[0]), float(r[1])) for r in rows]


@cache
def search_sql(collection: str, mode: str) -> sql.Composed:
    """The statement for one mode; parameters ``v`` (query vector), ``q`` (question), ``n`` (candidates
    per list), ``k`` (rows returned), ``distinct`` (best chunk per document only), ``rrf_k``,
    ``lexical_weight``, ``depth``, ``k1``, ``b``. Rows: id, doc_id, title, url, text, score, vector
    rank, lexical rank."""
    if mode not in MODES:
        raise ValueError(f"Unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}.")
    chunks = store.table_name(collection)
    parts: list[sql.Composable] = []
    if mode in ("vector", "hybrid"):
        parts.append(
            sql.SQL(
                """vector_hits AS (SELECT id, embedding <=> %(v)s AS distance FROM {t} ORDER BY distance LIMIT %(n)s),
                   vector AS (SELECT id, 1 - distance AS score, row_number() OVER (ORDER BY distance, id) AS rank
                              FROM vector_hits)"""
            ).format(t=chunks)
        )
    if mode in ("lexical", "hybrid"):
        parts.append(lexical.bm25_cte(collection, chunks))
    if mode == "vector":
        fused = "SELECT id, score, rank AS vector_rank, NULL::bigint AS lexical_rank FROM vector"
    elif mode == "lexical":
        fused = "SELECT id, score, NULL::bigint AS vector_rank, rank AS lexical_rank FROM lexical"
    else:
        fused = """SELECT id, sum(weight / (%(rrf_k)s + rank)) AS score, min(vector_rank) AS vector_rank,
                          min(lexical_rank) AS lexical_rank
                   FROM (SELECT id, rank, 1.0::float8 AS weight, rank AS vector_rank, NULL::bigint AS lexical_rank
                         FROM vector
                         UNION ALL
                         SELECT id, rank, %(lexical_weight)s::float8, NULL, rank FROM lexical) ranks
                   GROUP BY id"""
    parts.append(sql.SQL("fused AS ({fused})").format(fused=sql.SQL(fused)))
    return sql.SQL(
        """WITH {ctes},
           ranked AS (
               SELECT f.id, c.doc_id, c.title, c.url, c.text, f.score::float8 AS score, f.vector_rank, f.lexical_rank,
                      least(f.vector_rank, f.lexical_rank) AS best_rank,
                      row_number() OVER (PARTITION BY c.doc_id
                                         ORDER BY f.score DESC, least(f.vector_rank, f.lexical_rank), f.id) AS nth
               FROM fused f JOIN {t} c ON c.id = f.id)
           SELECT id, doc_id, title, url, text, score, vector_rank, lexical_rank FROM ranked
           WHERE nth = 1 OR NOT %(distinct)s
           ORDER BY score DESC, best_rank, id LIMIT %(k)s"""
    ).format(ctes=sql.SQL(",\n").join(parts), t=chunks)


class Retriever:
    def __init__(
        self,
        conn: psycopg.Connection[Any],
        collection: str,
        *,
        candidates: int = 50,
        rrf_k: int = 60,
        lexical_weight: float = 1.0,
        term_depth: int = 1000,
        k1: float = lexical.K1,
        b: float = lexical.B,
    ):
        self.conn = conn
        self.collection = collection
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.lexical_weight = lexical_weight
        self.term_depth = term_depth
        self.k1 = k1
        self.b = b

    def retrieve(
        self, question: str, query_vector: np.ndarray | None, mode: str, k: int, *, distinct_documents: bool = False
    ) -> list[Passage]:
        """The ``k`` best chunks, or with ``distinct_documents`` the best chunk of each of the ``k``
        best documents (the candidate lists grow until they hold ``k`` documents or run out)."""
        statement = search_sql(self.collection, mode)
        if mode != "lexical" and query_vector is None:
            raise ValueError("vector and hybrid retrieval need the query embedding")
        attributes: dict[str, Any] = {
            GEN_AI_OPERATION: "retrieval",
            GEN_AI_DATA_SOURCE_ID: self.collection,
            GEN_AI_REQUEST_TOP_K: float(k),
            "db.system.name": "postgresql",
            "rag.retrieval.mode": mode,
        }
        # Postgres runs as its own server process, so the search is a CLIENT call.
        with _tracer.start_as_current_span(
            f"retrieval {self.collection}", kind=SpanKind.CLIENT, attributes=attributes
        ) as span:
            if capture_content():
                span.set_attribute(GEN_AI_RETRIEVAL_QUERY, question)
            first = max(k, self.candidates)
            pool = first
            while True:
                rows = self.conn.execute(
                    statement,
                    {
                        "v": query_vector,
                        "q": question,
                        "n": pool,
                        "k": k,
                        "distinct": distinct_documents,
                        "rrf_k": self.rrf_k,
                        "lexical_weight": self.lexical_weight,
                        "depth": self.term_depth,
                        "k1": self.k1,
                        "b": self.b,
                    },
                    prepare=True,
                ).fetchall()
                if not distinct_documents or len(rows) >= k or pool >= first * MAX_POOL_GROWTH:
                    break
                pool *= 2
            passages = [
                Passage(
                    chunk_id=int(r[0]),
                    doc_id=r[1],
                    title=r[2],
                    url=r[3],
                    text=r[4],
                    score=float(r[5]),
                    ranks={m: int(rank) for m, rank in (("vector", r[6]), ("lexical", r[7])) if rank is not None},
                )
                for r in rows
            ]
            span.set_attribute("rag.retrieval.returned", len(passages))
            span.set_attribute("rag.retrieval.candidates", pool)
            if capture_content():
                documents = [{"id": str(p.chunk_id), "score": round(float(p.score), 6)} for p in passages]
                span.set_attribute(GEN_AI_RETRIEVAL_DOCUMENTS, json.dumps(documents))
            return passages


def search_ts_rank(conn: psycopg.Connection[Any], collection: str, question: str, k: int) -> list[int]:
    """Chunk ids ranked by Postgres' ``ts_rank_cd`` (the lexical ranking BM25 replaced), for the ablation."""
    rows = conn.execute(
        lexical.ts_rank_sql(collection, store.table_name(collection)), {"q": question, "n": k}
    ).fetchall()
    return [int(r[0]) for r in rows]
