"""An int8 ONNX build of the packaged all-MiniLM-L6-v2: the same transformer, about 3x faster on a CPU.

``make onnx`` builds it offline from the packaged weights, in three steps:

1. export the transformer to ONNX with torch's exporter (inputs: token ids and attention mask,
   output: the last hidden state, batch and sequence length dynamic);
2. fuse attention, layer norms and GELU into onnxruntime's transformer kernels (its optimizer);
3. quantise the weights of every matrix multiplication to int8, per output channel (dynamic
   quantisation: activations are quantised on the fly with one scale per batch, so a text's vector
   moves slightly with the texts it is batched with, cosine above 0.99 between batches of 1 and 16).

Tokenisation, the truncation length and the mean pooling are the sentence-transformers model's own,
so the vectors live in the same space as MiniLM's; the build measures their cosine agreement with the
float model on sample texts and refuses a model that drifts. Texts are encoded in batches sorted by
length and closed early where padding would grow (``MAX_PADDING``).

It is the default embedder (``EMBEDDING_MODEL=minilm-onnx-int8``), written to
``.data/models/minilm-onnx-int8`` by ``make onnx`` or, the first time a process needs it, by
``ensure_built`` (about 15 s on 2 cores, once per data directory).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ONNX_MODEL = "minilm-onnx-int8"
MODEL_FILE = "model.onnx"
# Texts per run, at most: larger batches were no faster on 2 cores and their attention buffers grow
# with the batch (peak RSS encoding 800-character chunks: about 280 MB at 16 texts, 780 MB at 64).
BATCH = 16
# A batch closes early once padding would exceed this share of its tokens. Batches of a fixed 16
# length-sorted texts padded 7.5 % of the tokens of a 300-chunk ingest that arrives in groups of 256
# (4.7 % over the shipped corpus), which cost the ingest 4-5 % against one encode of all its texts;
# with the cap the groups encode within 1-2 % of it, and the smaller batches are no slower.
MAX_PADDING = 0.05
MIN_AGREEMENT = 0.98  # lowest cosine between an int8 vector and the float model's that a build may have
_log = logging.getLogger(__name__)
_SAMPLE = (
    "How do I copy a directory tree?",
    "shutil.copytree(src, dst) recursively copies an entire directory tree rooted at src.",
    "The json module encodes Python objects as JSON text and decodes them again.",
    "Raises ValueError when the argument has the right type but an inappropriate value.",
    "Return a new sorted list from the items in iterable; key and reverse are keyword-only.",
)


def build(teacher: Any, out: Path, sample: Sequence[str] = _SAMPLE) -> dict[str, Any]:
    """Export, fuse and quantise ``teacher`` (a sentence-transformers MiniLM) into ``out``.

    The model is built in a temporary folder beside ``out`` and moved into place only once it
    loads and agrees with the float model, so an interrupted build leaves nothing behind."""
    import onnx
    import onnxruntime
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    started = time.perf_counter()
    transformer = teacher[0].auto_model.eval()
    # The exporter traces plain attention; the fused kernel replaces it in step 2.
    transformer.set_attn_implementation("eager")
    config = transformer.config
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    work.chmod(0o755)
    try:
        float_path = work / "float.onnx"
        example = teacher.tokenizer(["an example input"], return_tensors="pt")

        class LastHiddenState(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.transformer = transformer

            def forward(self, input_ids: Any, attention_mask: Any) -> Any:
                return self.transformer(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

        axes = {0: "batch", 1: "sequence"}
        # The tracer's warnings are about Python-side branches of the attention mask, which the fixed
        # input signature and the agreement check below cover; they are not the user's to act on.
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                LastHiddenState(),
                (example["input_ids"], example["attention_mask"]),
                str(float_path),
                input_names=["input_ids", "attention_mask"],
                output_names=["last_hidden_state"],
                dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
                opset_version=17,
                dynamo=False,
            )
        _log.info("exported the transformer to ONNX")
        fused_path = work / "fused.onnx"
        fused = optimize_model(
            str(float_path), model_type="bert", num_heads=config.num_attention_heads, hidden_size=config.hidden_size
        )
        fused.save_model_to_file(str(fused_path))
        fused_counts = {op: n for op, n in fused.get_fused_operator_statistics().items() if n}
        _log.info("fused operators: %s", ", ".join(f"{op} x{n}" for op, n in fused_counts.items()))
        # The quantiser advises pre-processing through logging.warning(), which would also configure
        # the root logger for the whole process; the model is already fused, so the advice is muted.
        root, level, mute = logging.getLogger(), logging.getLogger().level, logging.NullHandler()
        root.addHandler(mute)
        root.setLevel(logging.ERROR)
        try:
            quantize_dynamic(
                str(fused_path),
                str(work / MODEL_FILE),
                per_channel=True,
                weight_type=QuantType.QInt8,
                # Shape inference does not type the outputs of onnxruntime's own fused operators.
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
        finally:
            root.setLevel(level)
            root.removeHandler(mute)
        float_path.unlink()
        fused_path.unlink()
        teacher.tokenizer.backend_tokenizer.save(str(work / "tokenizer.json"))
        card: dict[str, Any] = {
            "source": "all-MiniLM-L6-v2 (the packaged sentence-transformers model)",
            "max_seq_length": int(teacher.max_seq_length),
            "dimension": int(config.hidden_size),
            "pooling": "mean",
            "quantisation": "dynamic int8 weights, per output channel",
            "onnxruntime": onnxruntime.__version__,
        }
        (work / "config.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
        reference = teacher.encode(list(sample), normalize_embeddings=True, convert_to_numpy=True)
        agreement = np.sum(OnnxEncoder(work).encode(list(sample)) * reference, axis=1)
        card["sample_cosine_min"] = round(float(agreement.min()), 5)
        if card["sample_cosine_min"] < MIN_AGREEMENT:
            raise RuntimeError(
                f"the int8 model's vectors drift from MiniLM's (lowest cosine {card['sample_cosine_min']} "
                f"< {MIN_AGREEMENT}); the export or quantisation is broken"
            )
        card["build_s"] = round(time.perf_counter() - started, 1)
        (work / "config.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    _log.info("built %s in %.0f s (lowest sample cosine %.4f)", out, card["build_s"], card["sample_cosine_min"])
    return card


def is_built(path: Path) -> bool:
    return all((path / name).is_file() for name in (MODEL_FILE, "tokenizer.json", "config.json"))


def ensure_built(path: Path, teacher: Callable[[], Any]) -> None:
    """Build the model at ``path`` from ``teacher()`` unless it is there. Processes that start
    together (an API beside an ingest, Ray workers) take a lock beside it: one builds, the others
    wait and load what it wrote."""
    if is_built(path):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f".{path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not is_built(path):
            _log.warning("building %s from the packaged MiniLM (once, about 15 s)", path)
            build(teacher(), path)


class OnnxEncoder:
    """The sentence-transformers calls the Embedder makes, answered by onnxruntime on the CPU."""

    def __init__(self, path: Path, threads: int | None = None):
        import onnxruntime
        from tokenizers import Tokenizer

        card = json.loads((path / "config.json").read_text(encoding="utf-8"))
        self.dimension = int(card["dimension"])
        self._tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(int(card["max_seq_length"]))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        # Threads sleep between runs instead of spinning: the store stage shares the cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            str(path / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        self.nbytes = (path / MODEL_FILE).stat().st_size

    def get_embedding_dimension(self) -> int:
        return self.dimension

    def encode(self, texts: list[str], batch_size: int = BATCH, **_: Any) -> np.ndarray:
        batch_size = min(batch_size, BATCH)
        encodings = self._tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for rows in _batches([len(encodings[i].ids) for i in order], order, batch_size):
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for row, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            (hidden,) = self._session.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask})
            weights = mask[:, :, None].astype(np.float32)
            vectors[rows] = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: np.ndarray = vectors / np.maximum(norms, 1e-12)
        return unit


def _batches(lengths: Sequence[int], order: Sequence[int], size: int) -> list[list[int]]:
    """``order`` (indices sorted by ``lengths``, ascending) cut into batches of at most ``size``,
    each closed early when padding to its longest text would exceed MAX_PADDING of its tokens."""
    batches: list[list[int]] = []
    batch: list[int] = []
    tokens = 0
    for index, length in zip(order, lengths, strict=True):
        if batch and (len(batch) == size or (len(batch) + 1) * length > (1 + MAX_PADDING) * (tokens + length)):
            batches.append(batch)
            batch, tokens = [], 0
        batch.append(index)
        tokens += length
    if batch:
        batches.append(batch)
    return batches
