"""A reference lexical ranker: Okapi BM25 over whole documents, in memory, independent of Postgres.

It is the yardstick the chunk-level BM25 in Postgres is held to in the ablation: the same formula
over whole documents rather than chunks, with its own tokeniser (words and identifier parts) and the
Snowball English stemmer. It is not served; it only ranks the golden questions.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import snowballstemmer

from .documents import Document

_WORD = re.compile(r"[A-Za-z0-9]+")


class WholeDocumentBM25:
    def __init__(self, documents: Sequence[Document], k1: float = 1.2, b: float = 0.75, language: str = "english"):
        self.k1 = k1
        self.b = b
        self._stemmer = snowballstemmer.stemmer(language)
        self.doc_ids = [d.doc_id for d in documents]
        self._frequencies = [Counter(self.terms(f"{d.doc_id} {d.title} {d.text}")) for d in documents]
        self._lengths = [sum(f.values()) for f in self._frequencies]
        self._average_length = sum(self._lengths) / max(len(self._lengths), 1)
        document_frequency: Counter[str] = Counter()
        for frequencies in self._frequencies:
            document_frequency.update(frequencies.keys())
        n = len(documents)
        self._idf = {t: math.log(1 + (n - df + 0.5) / (df + 0.5)) for t, df in document_frequency.items()}
        self._postings: dict[str, list[int]] = {}
        for index, frequencies in enumerate(self._frequencies):
            for term in frequencies:
                self._postings.setdefault(term, []).append(index)

    def terms(self, text: str) -> list[str]:
        words = [w.lower() for w in _WORD.findall(text)]
        return [str(t) for t in self._stemmer.stemWords(words)]

    def rank(self, question: str, k: int) -> list[str]:
        """The ids of the ``k`` best documents for ``question``, best first."""
        scores: dict[int, float] = {}
        for term in set(self.terms(question)):
            idf = self._idf.get(term)
            if idf is None:
                continue
            for index in self._postings[term]:
                tf = self._frequencies[index][term]
                norm = 1 - self.b + self.b * self._lengths[index] / self._average_length
                scores[index] = scores.get(index, 0.0) + idf * tf * (self.k1 + 1) / (tf + self.k1 * norm)
        best = sorted(scores, key=lambda i: (-scores[i], i))[:k]
        return [self.doc_ids[i] for i in best]
