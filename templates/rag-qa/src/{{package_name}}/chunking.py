"""Chunk stage: three strategies with one contract, selected by CHUNK_STRATEGY.

- ``fixed``: windows of ``size`` characters with ``overlap``, cut at whitespace.
- ``headings``: sections split at markdown headings and blank lines, paragraphs packed up to
  ``size`` characters; a paragraph longer than that falls back to fixed windows.
- ``sentences``: windows of consecutive sentences (up to ``size`` characters), advancing by
  roughly half a window so every sentence appears with its neighbours.

Each chunk carries its document's title so that a chunk is understandable on its own and
lexical search can match the API name.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .documents import Document

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`\"'(\[])")
_HEADING = re.compile(r"^#{1,6}\s")


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    ordinal: int
    title: str
    text: str

    @property
    def content_hash(self) -> str:
        """Identity used for idempotent ingest: the same text of the same document is stored once."""
        return hashlib.sha256(f"{self.doc_id}\x00{self.text}".encode()).hexdigest()

    @property
    def embedding_text(self) -> str:
        return f"{self.title}\n{self.text}"


def chunk_fixed(text: str, size: int, overlap: int) -> list[str]:
    if overlap >= size:
        raise ValueError("chunk overlap must be smaller than chunk size")
    text = text.strip()
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind(" ", start + size // 2, end)
            end = cut if cut > start else end
        piece = text[start:end].strip()
        if piece:
            pieces.append(piece)
        if end >= len(text):
            break
        next_start = end - overlap
        start = next_start if next_start > start else end
    return pieces


def chunk_by_headings(text: str, size: int, overlap: int) -> list[str]:
    blocks: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        if _HEADING.match(line) or not line.strip():
            if current:
                blocks.append("\n".join(current).strip())
                current = []
            if line.strip():
                current.append(line)
        else:
            current.append(line)
    if current:
        blocks.append("\n".join(current).strip())
    pieces: list[str] = []
    buffer = ""
    for block in (b for b in blocks if b):
        if len(block) > size:
            if buffer:
                pieces.append(buffer)
                buffer = ""
            pieces.extend(chunk_fixed(block, size, overlap))
        elif len(buffer) + len(block) + 2 <= size and not _HEADING.match(block):
            buffer = f"{buffer}\n\n{block}" if buffer else block
        else:
            if buffer:
                pieces.append(buffer)
            buffer = block
    if buffer:
        pieces.append(buffer)
    return pieces


def split_sentences(text: str) -> list[str]:
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        flat = " ".join(paragraph.split())
        sentences.extend(s for s in _SENTENCE_END.split(flat) if s.strip())
    return sentences


def chunk_sentence_windows(text: str, size: int, overlap: int) -> list[str]:
    sentences = split_sentences(text)
    pieces: list[str] = []
    start = 0
    while start < len(sentences):
        end = start
        length = 0
        while end < len(sentences) and (end == start or length + len(sentences[end]) + 1 <= size):
            length += len(sentences[end]) + 1
            end += 1
        window = " ".join(sentences[start:end])
        pieces.extend(chunk_fixed(window, size, overlap) if len(window) > size else [window])
        if end >= len(sentences):
            break
        start = max(start + 1, start + (end - start + 1) // 2)
    return pieces


STRATEGIES: dict[str, Callable[[str, int, int], list[str]]] = {
    "fixed": chunk_fixed,
    "headings": chunk_by_headings,
    "sentences": chunk_sentence_windows,
}


def chunk_documents(documents: Iterable[Document], strategy: str, size: int, overlap: int) -> list[Chunk]:
    try:
        split = STRATEGIES[strategy]
    except KeyError:
        raise ValueError(f"Unknown chunk strategy {strategy!r}; use one of {', '.join(STRATEGIES)}.") from None
    chunks = []
    for doc in documents:
        for ordinal, text in enumerate(split(doc.text, size, overlap)):
            chunks.append(Chunk(doc_id=doc.doc_id, ordinal=ordinal, title=doc.title, text=text))
    return chunks
