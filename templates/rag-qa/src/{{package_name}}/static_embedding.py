"""A static embedding distilled from the packaged all-MiniLM-L6-v2, offline, for fast ingest.

Distillation runs every vocabulary token through the transformer once (as ``[CLS] token [SEP]``,
mean-pooled like the model itself), reduces the vectors with PCA and weights each token by how
rare it is in the corpus (a smoothed inverse frequency, so that frequent tokens count less in the
average). Encoding a text is then a table lookup and a weighted mean: no transformer at ingest
time. The table is served by model2vec's ``StaticModel``. model2vec's own distillation needs an
older transformers than the pinned sentence-transformers, so the few steps are done here.

Select it with ``EMBEDDING_MODEL=static-minilm``; ``make distill`` writes it to
``.data/models/static-minilm``.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

STATIC_MODEL = "static-minilm"
DIMENSIONS = 256
BATCH = 512
_log = logging.getLogger(__name__)


def distill(teacher: Any, corpus_texts: Sequence[str], out: Path, dimensions: int = DIMENSIONS) -> Path:
    """Write a model2vec model distilled from ``teacher`` (a sentence-transformers MiniLM) to ``out``."""
    import torch
    from model2vec import StaticModel
    from sklearn.decomposition import PCA

    started = time.perf_counter()
    tokenizer = teacher.tokenizer
    backend = tokenizer.backend_tokenizer
    transformer = teacher[0].auto_model.eval()
    vocabulary = backend.get_vocab()
    size = max(vocabulary.values()) + 1
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    rows = []
    with torch.inference_mode():
        for start in range(0, size, BATCH):
            ids = torch.arange(start, min(start + BATCH, size)).unsqueeze(1)
            batch = torch.cat([torch.full_like(ids, cls), ids, torch.full_like(ids, sep)], dim=1)
            hidden = transformer(input_ids=batch, attention_mask=torch.ones_like(batch)).last_hidden_state
            rows.append(hidden.mean(dim=1).numpy())
            if start // BATCH % 10 == 0:
                _log.info("distilling: %d/%d tokens", start + len(ids), size)
    vectors = np.concatenate(rows)
    vectors = PCA(n_components=dimensions, random_state=0).fit_transform(vectors)
    # Smoothed inverse frequency of each token in the corpus: frequent tokens weigh less.
    counts: Counter[int] = Counter()
    for text in corpus_texts:
        counts.update(backend.encode(text, add_special_tokens=False).ids)
    total = max(sum(counts.values()), 1)
    frequency = np.array([counts.get(i, 0) / total for i in range(size)])
    weights = 1e-3 / (1e-3 + frequency)
    vectors = (vectors * weights[:, None]).astype(np.float32)
    model = StaticModel(vectors=vectors, tokenizer=backend, normalize=True)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out))
    _log.info("distilled %d tokens to %d dimensions in %.0f s", size, dimensions, time.perf_counter() - started)
    return out


def is_built(path: Path) -> bool:
    return (path / "model.safetensors").is_file()


class StaticEncoder:
    """The sentence-transformers calls the Embedder makes, answered by a model2vec StaticModel."""

    def __init__(self, path: Path):
        from model2vec import StaticModel

        self._model = StaticModel.from_pretrained(str(path))
        self.dimension = int(self._model.dim)
        self.nbytes = int(np.asarray(self._model.embedding).nbytes)

    def get_embedding_dimension(self) -> int:
        return self.dimension

    def encode(self, texts: list[str], batch_size: int = 1024, **_: Any) -> np.ndarray:
        vectors = np.asarray(self._model.encode(texts, batch_size=batch_size), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: np.ndarray = vectors / np.maximum(norms, 1e-12)
        return unit
