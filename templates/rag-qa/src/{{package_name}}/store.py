"""Store stage: chunks and their embeddings in PostgreSQL + pgvector.

One table per collection (``chunks_<name>``) with an HNSW cosine index on the embedding and a
generated ``tsvector`` column (GIN-indexed) whose lexemes feed the collection's BM25 tables
(``lexical.py``), written in the same transaction as the chunks. A registry table records how
each collection was built, so a query never mixes vectors from different models or chunkings.
Rows are keyed by a content hash: re-ingesting the same data inserts nothing new.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
from pgvector.psycopg import register_vector
from psycopg import sql

from . import lexical
from .chunking import Chunk
from .errors import UserError

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


class CollectionMismatch(UserError):
    """The collection exists but was built differently from what is asked now."""


@dataclass(frozen=True)
class CollectionSpec:
    name: str
    strategy: str
    chunk_size: int
    chunk_overlap: int
    embedding_model: str
    dimension: int
    text_search_config: str = "english"


# What lexical search indexes: the document id cut at its dots ("json.dumps" -> json dumps), the
# title and the text. Cutting dotted and snake_case names inside the text too lowered BM25's nDCG@10
# on the dev split (0.633 -> 0.570): code in docstrings then floods the chunks with common words.
LEXICAL_TEXT = sql.SQL(
    "setweight(to_tsvector({config}, replace(doc_id, '.', ' ') || ' ' || title), 'A') || to_tsvector({config}, text)"
)


def table_name(collection: str) -> sql.Identifier:
    if not _NAME.match(collection):
        raise ValueError(f"Collection names are lowercase identifiers, got {collection!r}.")
    return sql.Identifier(f"chunks_{collection}")


def _serialise_schema_changes(conn: psycopg.Connection[Any]) -> None:
    """Inside a transaction: wait for any other process changing this schema to finish.

    ``CREATE ... IF NOT EXISTS`` is not safe against itself: two ingests starting at once both see
    the table missing and one fails on a duplicate catalog key. The lock is released at commit."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('rag collections schema'))")


def prepare(conn: psycopg.Connection[Any]) -> None:
    """Create the pgvector extension and the collection registry if missing."""
    with conn.transaction():
        _serialise_schema_changes(conn)
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        conn.execute(
            """CREATE TABLE IF NOT EXISTS rag_collections (
                   name text PRIMARY KEY, strategy text NOT NULL, chunk_size int NOT NULL,
                   chunk_overlap int NOT NULL, embedding_model text NOT NULL, dimension int NOT NULL,
                   updated_at timestamptz NOT NULL DEFAULT now())"""
        )
        conn.execute(
            "ALTER TABLE rag_collections ADD COLUMN IF NOT EXISTS text_search_config text NOT NULL DEFAULT 'english'"
        )
        lexical.prepare(conn)
    register_vector(conn)


def ensure_collection(conn: psycopg.Connection[Any], spec: CollectionSpec) -> None:
    with conn.transaction():
        _serialise_schema_changes(conn)
        existing = conn.execute(
            "SELECT strategy, chunk_size, chunk_overlap, embedding_model, dimension, text_search_config"
            " FROM rag_collections WHERE name = %s",
            (spec.name,),
        ).fetchone()
        wanted = (
            spec.strategy,
            spec.chunk_size,
            spec.chunk_overlap,
            spec.embedding_model,
            spec.dimension,
            spec.text_search_config,
        )
        if existing is not None and tuple(existing) != wanted:
            raise CollectionMismatch(
                f"Collection {spec.name!r} was built with strategy={existing[0]} size={existing[1]} "
                f"overlap={existing[2]} model={existing[3]} text search={existing[5]}; "
                "ingest into another COLLECTION or pass --rebuild."
            )
        if not conn.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = %s", (spec.text_search_config,)).fetchone():
            names = [r[0] for r in conn.execute("SELECT cfgname FROM pg_ts_config ORDER BY 1").fetchall()]
            raise UserError(
                f"TEXT_SEARCH_CONFIG={spec.text_search_config!r} is not a text search configuration of this "
                f"Postgres; use one of: {', '.join(names)}."
            )
        table = table_name(spec.name)
        conn.execute(
            sql.SQL(
                """CREATE TABLE IF NOT EXISTS {table} (
                       id bigserial PRIMARY KEY,
                       content_hash text NOT NULL UNIQUE,
                       doc_id text NOT NULL,
                       ordinal int NOT NULL,
                       title text NOT NULL,
                       url text NOT NULL DEFAULT '',
                       text text NOT NULL,
                       embedding vector({dim}) NOT NULL,
                       tsv tsvector GENERATED ALWAYS AS (
                           {words}
                       ) STORED)"""
            ).format(
                table=table,
                dim=sql.Literal(spec.dimension),
                config=sql.SQL("{}::regconfig").format(sql.Literal(spec.text_search_config)),
                words=LEXICAL_TEXT.format(config=sql.SQL("{}::regconfig").format(sql.Literal(spec.text_search_config))),
            )
        )
        conn.execute(_create_vector_index(spec.name))
        conn.execute(
            sql.SQL("CREATE INDEX IF NOT EXISTS {idx} ON {table} USING gin (tsv)").format(
                idx=sql.Identifier(f"chunks_{spec.name}_tsv_gin"), table=table
            )
        )
        conn.execute(
            """INSERT INTO rag_collections
                   (name, strategy, chunk_size, chunk_overlap, embedding_model, dimension, text_search_config)
               VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET updated_at = now()""",
            (spec.name, *wanted),
        )
        lexical.ensure_tables(conn, spec.name, table)


def _vector_index(name: str) -> sql.Identifier:
    return sql.Identifier(f"chunks_{name}_embedding_hnsw")


def _create_vector_index(name: str) -> sql.Composed:
    return sql.SQL("CREATE INDEX IF NOT EXISTS {idx} ON {table} USING hnsw (embedding vector_cosine_ops)").format(
        idx=_vector_index(name), table=table_name(name)
    )


def defer_vector_index(conn: psycopg.Connection[Any], name: str) -> None:
    """Drop the HNSW index of an empty collection so a bulk load builds it once at the end
    (``build_vector_index``), several times faster than inserting row by row into the graph. An
    interrupted load leaves the collection without it, searched exactly, until the next ingest
    (``ensure_collection``) builds it again."""
    with conn.transaction():
        _serialise_schema_changes(conn)
        conn.execute(sql.SQL("DROP INDEX IF EXISTS {idx}").format(idx=_vector_index(name)))


def build_vector_index(conn: psycopg.Connection[Any], name: str, maintenance_work_mem: str = "512MB") -> None:
    with conn.transaction():
        _serialise_schema_changes(conn)
        conn.execute(sql.SQL("SET LOCAL maintenance_work_mem = {m}").format(m=sql.Literal(maintenance_work_mem)))
        conn.execute(_create_vector_index(name))


def drop_collection(conn: psycopg.Connection[Any], name: str) -> None:
    with conn.transaction():
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {table}").format(table=table_name(name)))
        lexical.drop_tables(conn, name)
        conn.execute("DELETE FROM rag_collections WHERE name = %s", (name,))


def collection_spec(conn: psycopg.Connection[Any], name: str) -> CollectionSpec | None:
    row = conn.execute(
        "SELECT name, strategy, chunk_size, chunk_overlap, embedding_model, dimension, text_search_config"
        " FROM rag_collections WHERE name = %s",
        (name,),
    ).fetchone()
    return CollectionSpec(*row) if row else None


def existing_hashes(conn: psycopg.Connection[Any], collection: str) -> set[str]:
    rows = conn.execute(sql.SQL("SELECT content_hash FROM {t}").format(t=table_name(collection))).fetchall()
    return {row[0] for row in rows}


def cached_vectors(conn: psycopg.Connection[Any], spec: CollectionSpec, hashes: Sequence[str]) -> dict[str, np.ndarray]:
    """Vectors already computed for identical chunks in other collections built with the same model."""
    found: dict[str, np.ndarray] = {}
    others = conn.execute(
        "SELECT name FROM rag_collections WHERE embedding_model = %s AND dimension = %s AND name <> %s",
        (spec.embedding_model, spec.dimension, spec.name),
    ).fetchall()
    for (name,) in others:
        wanted = [h for h in hashes if h not in found]
        if not wanted:
            break
        rows = conn.execute(
            sql.SQL("SELECT content_hash, embedding FROM {t} WHERE content_hash = ANY(%s)").format(t=table_name(name)),
            (wanted,),
        ).fetchall()
        found.update({row[0]: _as_array(row[1]) for row in rows})
    return found


def _as_array(value: Any) -> np.ndarray:
    array = value.to_numpy() if hasattr(value, "to_numpy") else np.asarray(value)
    return np.asarray(array, dtype=np.float32)


def count_chunks(conn: psycopg.Connection[Any], collection: str) -> int:
    row = conn.execute(sql.SQL("SELECT count(*) FROM {t}").format(t=table_name(collection))).fetchone()
    return int(row[0]) if row else 0


def insert_chunks(
    conn: psycopg.Connection[Any],
    collection: str,
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    urls: dict[str, str],
) -> int:
    """Insert one batch in one transaction (all rows or none); returns rows actually added."""
    if len(chunks) != len(vectors):
        raise ValueError("every chunk needs exactly one vector")
    # The count comes from the rows the INSERT itself reports: a row another ingest stored first (even
    # one committed while this batch waited on it) is skipped by ON CONFLICT and returns nothing.
    # Counting the table before and after would credit this batch with the other ingest's rows.
    statement = sql.SQL(
        """INSERT INTO {t} (content_hash, doc_id, ordinal, title, url, text, embedding)
           VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (content_hash) DO NOTHING RETURNING id"""
    ).format(t=table_name(collection))
    ids: list[int] = []
    with conn.transaction(), conn.cursor() as cursor:
        cursor.executemany(
            statement,
            [
                (c.content_hash, c.doc_id, c.ordinal, c.title, urls.get(c.doc_id, ""), c.text, vector)
                for c, vector in zip(chunks, vectors, strict=True)
            ],
            returning=True,
        )
        while True:
            ids += [row[0] for row in cursor.fetchall()]
            if not cursor.nextset():
                break
        if ids:
            lexical.index_chunks(conn, collection, table_name(collection), ids)
    return len(ids)


def fetch_texts(
    conn: psycopg.Connection[Any], collection: str, ids: Iterable[int]
) -> dict[int, tuple[str, str, str, str]]:
    """id -> (doc_id, title, url, text)."""
    rows = conn.execute(
        sql.SQL("SELECT id, doc_id, title, url, text FROM {t} WHERE id = ANY(%s)").format(t=table_name(collection)),
        (list(ids),),
    ).fetchall()
    return {row[0]: (row[1], row[2], row[3], row[4]) for row in rows}
