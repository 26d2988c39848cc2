"""Answer stage: a cited answer from the retrieved passages.

- ``LLMAnswerer`` asks any OpenAI-compatible endpoint (LLM_BASE_URL) to answer from numbered
  passages and cite them as [n]; a failing or garbled endpoint raises, it never answers silently.
- ``ExtractiveAnswerer`` (no LLM configured) selects the passage sentences most similar to the
  question and quotes them with citations. It says that it is extractive.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .chunking import split_sentences
from .embedding import Embedder
from .llm import ChatClient, LLMResponseError
from .retrieval import Passage
from .telemetry import get_tracer

_tracer = get_tracer(__name__)
EXTRACTIVE_NOTE = (
    "Extractive answer: sentences quoted from the retrieved passages. Set LLM_BASE_URL for generated answers."
)
NO_ANSWER = "No passage in the indexed documents answers this question."
_CITATION = re.compile(r"\[(\d{1,2})\]")


@dataclass
class Citation:
    number: int
    doc_id: str
    title: str
    url: str


@dataclass
class Answer:
    text: str
    mode: str  # "extractive" or "llm"
    model: str
    citations: list[Citation] = field(default_factory=list)
    note: str = ""
    input_tokens: int | None = None
    output_tokens: int | None = None


def _citation(number: int, passage: Passage) -> Citation:
    return Citation(number=number, doc_id=passage.doc_id, title=passage.title, url=passage.url)


class ExtractiveAnswerer:
    """Quote the passage sentences closest to the question.

    Sentences from the top passages are first shortlisted by word overlap with the question and
    passage rank (cheap), then the shortlist is embedded and ranked by cosine similarity, so the
    model runs on a dozen sentences per question instead of every sentence retrieved.
    """

    mode = "extractive"

    def __init__(
        self,
        embedder: Embedder,
        max_sentences: int = 3,
        min_similarity: float = 0.2,
        passages_considered: int = 3,
        shortlist: int = 12,
    ):
        self.embedder = embedder
        self.model = f"extractive:{embedder.model_name}"
        self.max_sentences = max_sentences
        self.min_similarity = min_similarity
        self.passages_considered = passages_considered
        self.shortlist = shortlist

    def answer(self, question: str, passages: Sequence[Passage], question_vector: np.ndarray | None = None) -> Answer:
        # Sentence selection is not a model call, so this span carries no gen_ai.* operation.
        with _tracer.start_as_current_span("answer extractive") as span:
            span.set_attribute("rag.answer.mode", "extractive")
            words = _content_words(question)
            candidates = [
                (index, position, sentence)
                for index, passage in enumerate(passages[: self.passages_considered])
                for position, sentence in enumerate(split_sentences(passage.text))
                if 15 <= len(sentence) <= 600
            ]
            if not candidates:
                return Answer(text=NO_ANSWER, mode=self.mode, model=self.model, note=EXTRACTIVE_NOTE)
            candidates.sort(key=lambda c: -(len(words & _content_words(c[2])) + 1.0 / (1 + c[0] + c[1] / 10)))
            candidates = candidates[: self.shortlist]
            if question_vector is None:
                question_vector = self.embedder.encode([question])[0]
            vectors = self.embedder.encode([c[2] for c in candidates])
            # Similarity to the question, nudged towards higher-ranked passages.
            scores = vectors @ question_vector + np.array([0.05 / (1 + c[0]) for c in candidates])
            best = [i for i in np.argsort(-scores)[: self.max_sentences] if scores[i] >= self.min_similarity]
            if not best:
                return Answer(text=NO_ANSWER, mode=self.mode, model=self.model, note=EXTRACTIVE_NOTE)
            chosen = sorted((candidates[i] for i in best), key=lambda c: (c[0], c[1]))
            numbers: dict[int, int] = {}
            for index, _, _ in chosen:
                numbers.setdefault(index, len(numbers) + 1)
            text = " ".join(f"{sentence} [{numbers[index]}]" for index, _, sentence in chosen)
            citations = [_citation(n, passages[i]) for i, n in numbers.items()]
            span.set_attribute("rag.answer.sentences", len(chosen))
            return Answer(text=text, mode=self.mode, model=self.model, citations=citations, note=EXTRACTIVE_NOTE)


_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "what",
        "when",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
        "my",
        "me",
        "should",
        "would",
        "there",
        "their",
    ]
)


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z_][a-z0-9_]+", text.lower()) if w not in _STOPWORDS}


SYSTEM_PROMPT = (
    "You answer questions about software documentation. Use only the numbered passages. "
    "Cite every claim with the passage number in brackets, like [1]. If the passages do not "
    "contain the answer, say that you do not know."
)


class LLMAnswerer:
    mode = "llm"

    def __init__(self, client: ChatClient, max_tokens: int = 256):
        self.client = client
        self.model = client.model
        self.max_tokens = max_tokens

    def answer(self, question: str, passages: Sequence[Passage], question_vector: np.ndarray | None = None) -> Answer:
        context = "\n\n".join(f"[{n}] {p.title}\n{p.text}" for n, p in enumerate(passages, start=1))
        result = self.client.chat(
            [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": f"Passages:\n{context}\n\nQuestion: {question}\nAnswer:"},
            ],
            max_tokens=self.max_tokens,
            temperature=0.0,
        )
        text = result.content.strip()
        if not text:
            raise LLMResponseError(f"The model at {self.client.base_url} returned an empty answer.", result.retries)
        cited = sorted({int(n) for n in _CITATION.findall(text) if 1 <= int(n) <= len(passages)})
        note = "" if cited else "The model cited no passage; treat this answer as unsupported."
        return Answer(
            text=text,
            mode=self.mode,
            model=result.model,
            citations=[_citation(n, passages[n - 1]) for n in cited],
            note=note,
            input_tokens=result.input_tokens,
            output_tokens=result.output_tokens,
        )
