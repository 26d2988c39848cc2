"""Lexical ranking: Okapi BM25 over chunks, kept in Postgres next to the vectors.

Postgres' full-text search stems and indexes words but ranks without inverse document frequency or
length normalisation (``ts_rank_cd``), so BM25's statistics live in the collection's own tables,
written in the same transaction as the chunks they describe:

- ``lex_<collection>``: one posting per (term, chunk) with the term frequency ``tf`` and the chunk
  length ``dl`` in terms, indexed by term and impact so a query reads only the best postings;
- ``lexdf_<collection>``: document frequency per term;
- ``rag_bm25_stats``: chunk count and total length per collection (the average length).

Terms are the lexemes of the collection's generated ``tsvector``: stemming and stop words come from
the Postgres text-search configuration the collection was built with (TEXT_SEARCH_CONFIG), so any
language Postgres knows works and any Postgres with pgvector serves it (no extension needed).
Terms of the title and document id (weight ``A`` in the ``tsvector``) count TITLE_BOOST times,
a light form of field weighting.

A query term's postings are read best first (by ``impact``, its BM25 term weight at ingest time)
and cut after ``term_depth`` rows; scores are then computed exactly from the current statistics.
Only very common terms (more chunks than the depth), whose IDF is small, are ever cut. A question's
dotted and snake_case names also contribute their parts as terms (``QUERY_PARTS``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql

K1 = 1.2
B = 0.75
# Title and document id terms count this many times in a chunk; 3 ranked best of 1, 2 and 3 on the dev split.
TITLE_BOOST = 3
# The question again with dotted and snake_case names cut into their parts ("os.path.join" -> os path
# join), whose terms join the question's own: a name in a question then also matches the document id
# and title terms of its page. Cutting names on the query side only raised BM25's nDCG@10 on the dev
# split from 0.642 to 0.673; cutting them in the indexed text too lowered it (see store.LEXICAL_TEXT).
QUERY_PARTS = "regexp_replace(%(q)s, '[._]', ' ', 'g')"


def postings_table(collection: str) -> sql.Identifier:
    return sql.Identifier(f"lex_{collection}")


def frequencies_table(collection: str) -> sql.Identifier:
    return sql.Identifier(f"lexdf_{collection}")


def prepare(conn: psycopg.Connection[Any]) -> None:
    conn.execute(
        """CREATE TABLE IF NOT EXISTS rag_bm25_stats (
               collection text PRIMARY KEY, chunks bigint NOT NULL DEFAULT 0, terms bigint NOT NULL DEFAULT 0)"""
    )


def ensure_tables(conn: psycopg.Connection[Any], collection: str, chunks: sql.Identifier) -> None:
    """Create the collection's BM25 tables; index any chunks stored before they existed."""
    conn.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {p} (term text NOT NULL, chunk_id bigint NOT NULL, tf int NOT NULL,"
            " dl int NOT NULL, impact real NOT NULL)"
        ).format(p=postings_table(collection))
    )
    conn.execute(
        sql.SQL("CREATE INDEX IF NOT EXISTS {i} ON {p} (term, impact DESC) INCLUDE (chunk_id, tf, dl)").format(
            i=sql.Identifier(f"lex_{collection}_term"), p=postings_table(collection)
        )
    )
    conn.execute(
        sql.SQL("CREATE TABLE IF NOT EXISTS {f} (term text PRIMARY KEY, df int NOT NULL)").format(
            f=frequencies_table(collection)
        )
    )
    created = conn.execute(
        "INSERT INTO rag_bm25_stats (collection) VALUES (%s) ON CONFLICT DO NOTHING RETURNING 1", (collection,)
    ).fetchone()
    if created:
        index_chunks(conn, collection, chunks, None)


def drop_tables(conn: psycopg.Connection[Any], collection: str) -> None:
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {p}").format(p=postings_table(collection)))
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {f}").format(f=frequencies_table(collection)))
    conn.execute("DELETE FROM rag_bm25_stats WHERE collection = %s", (collection,))


def index_chunks(
    conn: psycopg.Connection[Any], collection: str, chunks: sql.Identifier, ids: Sequence[int] | None
) -> None:
    """Add the postings, document frequencies and length statistics of chunks ``ids`` (None: all).

    One statement inside the caller's transaction, so the statistics always describe exactly the
    stored chunks; each chunk's lexemes are unnested once, for its length, its postings and the
    collection's totals (this is most of the store stage's cost on ingest). Document frequencies
    are updated in term order: concurrent ingests lock rows in the same order and cannot deadlock
    on them."""
    tf = sql.SQL("(cardinality(u.positions) + {extra} * cardinality(array_positions(u.weights, 'A')))").format(
        extra=sql.Literal(TITLE_BOOST - 1)
    )
    selection = sql.SQL("true") if ids is None else sql.SQL("c.id = ANY(%(ids)s)")
    params: dict[str, Any] = {"ids": list(ids or []), "collection": collection, "k1": K1, "b": B}
    conn.execute(
        sql.SQL(
            """WITH terms AS MATERIALIZED (
                   SELECT c.id, u.lexeme AS term, {tf} AS tf
                   FROM {chunks} c CROSS JOIN LATERAL unnest(c.tsv) u WHERE {selection}),
               lengths AS MATERIALIZED (SELECT id, sum(tf) AS dl FROM terms GROUP BY id),
               stats AS (
                   UPDATE rag_bm25_stats s
                   SET chunks = s.chunks + (SELECT count(*) FROM {chunks} c WHERE {selection}),
                       terms = s.terms + (SELECT coalesce(sum(dl), 0) FROM lengths)
                   WHERE s.collection = %(collection)s
                   RETURNING s.terms::float8 / greatest(s.chunks, 1) AS avgdl),
               inserted AS (
                   INSERT INTO {p} (term, chunk_id, tf, dl, impact)
                   SELECT t.term, t.id, t.tf, l.dl,
                          t.tf * (%(k1)s + 1) / (t.tf
                              + %(k1)s * (1 - %(b)s + %(b)s * l.dl / greatest(stats.avgdl, 1)))
                   FROM terms t JOIN lengths l ON l.id = t.id CROSS JOIN stats
                   RETURNING term)
               INSERT INTO {f} (term, df)
               SELECT term, count(*) FROM inserted GROUP BY term ORDER BY term
               ON CONFLICT (term) DO UPDATE SET df = {f}.df + EXCLUDED.df"""
        ).format(
            chunks=chunks, selection=selection, p=postings_table(collection), f=frequencies_table(collection), tf=tf
        ),
        params,
    )


def bm25_cte(collection: str, chunks: sql.Identifier) -> sql.Composed:
    """``lexical(id, score, rank)``: the best ``%(n)s`` chunks by BM25 for question ``%(q)s``.

    Parameters: ``q`` (question), ``n`` (how many), ``depth`` (postings read per term), ``k1``, ``b``."""
    return sql.SQL(
        """query_terms AS (
               SELECT DISTINCT u.lexeme AS term FROM rag_collections r,
                   LATERAL unnest(to_tsvector(r.text_search_config::regconfig, %(q)s)
                                  || to_tsvector(r.text_search_config::regconfig, {parts})) u
               WHERE r.name = {name}),
           bm25_stats AS (
               SELECT chunks::float8 AS n, terms::float8 / greatest(chunks, 1) AS avgdl
               FROM rag_bm25_stats WHERE collection = {name}),
           weighted_terms AS MATERIALIZED (
               SELECT f.term, ln(1 + (s.n - f.df + 0.5) / (f.df::float8 + 0.5)) AS idf
               FROM query_terms t JOIN {f} f ON f.term = t.term CROSS JOIN bm25_stats s),
           lexical_scores AS (
               SELECT p.chunk_id AS id,
                      sum(w.idf * p.tf * (%(k1)s + 1) / (p.tf + %(k1)s * (1 - %(b)s + %(b)s * p.dl / s.avgdl))) AS score
               FROM weighted_terms w CROSS JOIN bm25_stats s
               CROSS JOIN LATERAL (
                   SELECT chunk_id, tf, dl FROM {p} WHERE term = w.term ORDER BY impact DESC LIMIT %(depth)s) p
               GROUP BY p.chunk_id ORDER BY score DESC, id LIMIT %(n)s),
           lexical AS (SELECT id, score, row_number() OVER (ORDER BY score DESC, id) AS rank FROM lexical_scores)"""
    ).format(
        name=sql.Literal(collection),
        parts=sql.SQL(QUERY_PARTS),
        f=frequencies_table(collection),
        p=postings_table(collection),
    )


def ts_rank_sql(collection: str, chunks: sql.Identifier) -> sql.Composed:
    """Postgres' own ranking (``ts_rank_cd`` over OR-ed terms), kept as the arm BM25 is compared with."""
    return sql.SQL(
        """WITH terms AS (
               SELECT array_to_string(array_agg(quote_literal(u.lexeme)), ' | ') AS expr
               FROM rag_collections r, LATERAL unnest(to_tsvector(r.text_search_config::regconfig, %(q)s)) u
               WHERE r.name = {name}),
           q AS (SELECT to_tsquery('simple', expr) AS query FROM terms WHERE expr IS NOT NULL)
           SELECT id, ts_rank_cd(tsv, q.query) AS score FROM {chunks}, q
           WHERE tsv @@ q.query ORDER BY score DESC, id LIMIT %(n)s"""
    ).format(name=sql.Literal(collection), chunks=chunks)
