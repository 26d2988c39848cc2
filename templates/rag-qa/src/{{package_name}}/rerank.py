"""Rerank stage: the first RERANK_DEPTH passages re-ordered by their best sentence (RERANK=sentences).

No cross-encoder is available offline (no package ships one's weights), so the stage uses the
embedder the pipeline already holds: each candidate passage is cut into sentences, each sentence
(with the document title, as chunks are embedded) is encoded, and a passage's sentence score is
its best sentence's cosine with the question. A chunk vector averages everything a chunk says; the
best sentence scores the one statement that answers. The new order fuses the retrieval rank and
the sentence rank by reciprocal rank, ``1 / (RRF_K + rank) + weight / (RRF_K + sentence rank)``,
so neither score scale needs calibrating and the retrieval order breaks ties.

It costs one encoder call per question over the candidates' sentences (``make bench`` reports it
as its own stage); ``make ablate`` and ``make eval`` show hybrid retrieval with and without it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from .chunking import split_sentences
from .retrieval import Passage, Retriever
from .telemetry import get_tracer

_tracer = get_tracer(__name__)
RERANK_MODES = ("none", "sentences")
RRF_K = 10
MIN_SENTENCE_CHARS = 20  # shorter pieces (headings, "See also.") are scored with their passage's text


class Encoder(Protocol):
    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray: ...


def passage_sentences(passage: Passage) -> list[str]:
    """What is scored for a passage: its sentences, each after the document title."""
    sentences = [s for s in split_sentences(passage.text) if len(s) >= MIN_SENTENCE_CHARS]
    return [f"{passage.title}\n{s}" for s in sentences or [" ".join(passage.text.split())]]


class SentenceReranker:
    def __init__(self, encoder: Encoder, depth: int = 10, weight: float = 1.0):
        if depth < 1 or weight < 0:
            raise ValueError("rerank depth must be >= 1 and weight >= 0")
        self.encoder = encoder
        self.depth = depth
        self.weight = weight

    def sentence_scores(self, query_vector: np.ndarray, passages: Sequence[Passage]) -> list[float]:
        """Each passage's best sentence cosine with the question (one encoder call for all)."""
        texts: list[str] = []
        owners: list[int] = []
        for index, passage in enumerate(passages):
            sentences = passage_sentences(passage)
            texts += sentences
            owners += [index] * len(sentences)
        if not texts:
            return []
        similarities = self.encoder.encode(texts) @ np.asarray(query_vector, dtype=np.float32)
        best = np.full(len(passages), -np.inf)
        np.maximum.at(best, np.asarray(owners), similarities)
        return [float(b) for b in best]

    def rerank(self, query_vector: np.ndarray, passages: Sequence[Passage]) -> list[Passage]:
        """The first ``depth`` passages in their fused order, then the rest as retrieved. Each
        reranked passage's ``score`` becomes its fused score and ``ranks["sentence"]`` its
        sentence rank."""
        head, tail = list(passages[: self.depth]), list(passages[self.depth :])
        with _tracer.start_as_current_span("rerank sentences") as span:
            scores = self.sentence_scores(query_vector, head)
            by_sentence = sorted(range(len(head)), key=lambda i: (-scores[i], i))
            sentence_rank = {i: rank for rank, i in enumerate(by_sentence, start=1)}
            fused = {i: 1 / (RRF_K + i + 1) + self.weight / (RRF_K + sentence_rank[i]) for i in range(len(head))}
            order = sorted(range(len(head)), key=lambda i: (-fused[i], i))
            span.set_attribute("rag.rerank.depth", len(head))
            span.set_attribute("rag.rerank.moved", sum(1 for position, i in enumerate(order) if position != i))
        return [
            replace(head[i], score=fused[i], ranks={**head[i].ranks, "sentence": sentence_rank[i]}) for i in order
        ] + tail


def retrieve_and_rerank(
    retriever: Retriever,
    reranker: SentenceReranker | None,
    question: str,
    vector: np.ndarray | None,
    mode: str,
    k: int,
    *,
    distinct_documents: bool = False,
    timings: dict[str, float] | None = None,
) -> list[Passage]:
    """The ``k`` best passages: retrieved, then (with a ``reranker``) reranked from at least its
    depth, so that the stage can promote a passage into the first ``k``. ``timings`` receives
    each stage's milliseconds."""
    tick = time.perf_counter()
    depth = max(k, reranker.depth) if reranker else k
    passages = retriever.retrieve(question, vector, mode, depth, distinct_documents=distinct_documents)
    if timings is not None:
        timings["retrieve"] = (time.perf_counter() - tick) * 1000
    if reranker is None:
        return passages
    if vector is None:
        raise ValueError("the rerank stage needs the query embedding")
    tick = time.perf_counter()
    passages = reranker.rerank(vector, passages)[:k]
    if timings is not None:
        timings["rerank"] = (time.perf_counter() - tick) * 1000
    return passages
