"""Retrieve stage: vector (HNSW cosine), lexical (Postgres full-text) and hybrid (reciprocal rank fusion).

Lexical search ORs the question's stemmed terms, so a natural-language question matches
passages that share some of its words, ranked by ``ts_rank_cd``. Hybrid fuses both rankings with
RRF (score = sum over rankings of 1 / (k + rank)), which needs no score calibration between them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import psycopg
from opentelemetry.trace import SpanKind
from psycopg import sql

from . import store
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


def search_lexical(conn: psycopg.Connection[Any], collection: str, question: str, k: int) -> list[tuple[int, float]]:
    rows = conn.execute(
        sql.SQL(
            """WITH terms AS (
                   SELECT array_to_string(array_agg(quote_literal(lexeme)), ' | ') AS expr
                   FROM unnest(tsvector_to_array(to_tsvector('english', %(q)s))) AS lexeme),
               q AS (SELECT to_tsquery('simple', expr) AS query FROM terms WHERE expr IS NOT NULL)
               SELECT id, ts_rank_cd(tsv, q.query) AS score FROM {t}, q
               WHERE tsv @@ q.query ORDER BY score DESC, id LIMIT %(k)s"""
        ).format(t=store.table_name(collection)),
        {"q": question, "k": k},
    ).fetchall()
    return [(int(r[0]), float(r[1])) for r in rows]


def fuse_rrf(
    rankings: Mapping[str, Sequence[int]], k: int = 60, weights: dict[str, float] | None = None
) -> list[tuple[int, float, dict[str, int]]]:
    """Weighted reciprocal rank fusion of several rankings of ids: (id, fused score, ranks) best first."""
    scores: dict[int, float] = {}
    ranks: dict[int, dict[str, int]] = {}
    for mode, ids in rankings.items():
        weight = (weights or {}).get(mode, 1.0)
        for rank, chunk_id in enumerate(ids, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (k + rank)
            ranks.setdefault(chunk_id, {})[mode] = rank
    ordered = sorted(scores, key=lambda i: (-scores[i], min(ranks[i].values()), i))
    return [(i, scores[i], ranks[i]) for i in ordered]


class Retriever:
    def __init__(
        self,
        conn: psycopg.Connection[Any],
        collection: str,
        *,
        candidates: int = 30,
        rrf_k: int = 60,
        ef_search: int = 100,
        lexical_weight: float = 1.0,
    ):
        self.conn = conn
        self.collection = collection
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.ef_search = ef_search
        self.lexical_weight = lexical_weight

    def retrieve(self, question: str, query_vector: np.ndarray | None, mode: str, k: int) -> list[Passage]:
        if mode not in MODES:
            raise ValueError(f"Unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}.")
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
            pool = max(k, self.candidates)
            rankings: dict[str, list[int]] = {}
            scores: dict[int, float] = {}
            if mode in ("vector", "hybrid"):
                if query_vector is None:
                    raise ValueError("vector and hybrid retrieval need the query embedding")
                hits = search_vector(self.conn, self.collection, query_vector, pool, self.ef_search)
                rankings["vector"] = [i for i, _ in hits]
                scores.update(hits)
            if mode in ("lexical", "hybrid"):
                hits = search_lexical(self.conn, self.collection, question, pool)
                rankings["lexical"] = [i for i, _ in hits]
                if mode == "lexical":
                    scores.update(hits)
            if mode == "hybrid":
                fused = fuse_rrf(rankings, self.rrf_k, {"lexical": self.lexical_weight})[:k]
            else:
                ids = rankings[mode][:k]
                fused = [(i, scores[i], {mode: rank}) for rank, i in enumerate(ids, start=1)]
            texts = store.fetch_texts(self.conn, self.collection, [i for i, _, _ in fused])
            passages = [
                Passage(
                    chunk_id=i,
                    doc_id=texts[i][0],
                    title=texts[i][1],
                    url=texts[i][2],
                    text=texts[i][3],
                    score=score,
                    ranks=ranks,
                )
                for i, score, ranks in fused
            ]
            span.set_attribute("rag.retrieval.returned", len(passages))
            if capture_content():
                documents = [{"id": str(p.chunk_id), "score": round(float(p.score), 6)} for p in passages]
                span.set_attribute(GEN_AI_RETRIEVAL_DOCUMENTS, json.dumps(documents))
            return passages
