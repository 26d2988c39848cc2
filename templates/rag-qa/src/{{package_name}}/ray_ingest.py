"""Ingest on Ray Data: the same load -> chunk -> embed -> store contract, with chunking and embedding
spread over a pool of Ray actors.

Each actor loads the embedding model once and turns batches of documents into chunks with their
vectors, using the same ``chunk_documents`` and ``Embedder`` as the in-process path. The rows come
back to this process and are written by ``store.insert_chunks``, the in-process path's own insert,
so content hashes, the BM25 statistics and idempotency are the same by construction.

Without ``RAY_ADDRESS`` Ray starts locally in this process (``RAY_WORKERS`` CPUs, no dashboard);
with it, the job runs on that cluster, whose workers need this project installed. Ray is an
optional extra: ``pip install -e '.[ray]'`` (``make ingest-ray`` installs it when missing).
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from . import store
from .chunking import Chunk, chunk_documents
from .documents import Document
from .errors import UserError
from .pipeline import INGEST_BATCH, IngestReport, RagPipeline

# Each actor reserves one CPU and runs the model on one thread, so RAY_WORKERS is the parallelism.
CPUS_PER_WORKER = 1
DOCUMENTS_PER_TASK = 16


def require_ray() -> Any:
    """The ``ray`` module with Ray Data, or a UserError saying how to install it."""
    try:
        import ray
        import ray.data  # Ray Data ships with `ray[data]`, not with plain `ray`
    except ImportError:
        raise UserError(
            "Ingesting on Ray needs the ray extra: run `make ingest-ray` (it installs it) "
            "or `.venv/bin/pip install -e '.[ray]'`."
        ) from None
    return ray


@contextmanager
def ray_runtime(workers: int, address: str | None) -> Iterator[str]:
    """A Ray runtime for the duration of the block; says where the work runs.

    A runtime already started by the caller is used as it is and left running."""
    ray = require_ray()
    if ray.is_initialized():
        yield "the running Ray instance"
        return
    # Ray reports usage statistics unless told not to; a local run must not reach the network.
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        if address:
            ray.init(address=address, logging_level=logging.WARNING)
            where = f"the Ray cluster at {address}"
        else:
            ray.init(
                address="local",
                num_cpus=workers * CPUS_PER_WORKER,
                include_dashboard=False,
                logging_level=logging.WARNING,
            )
            where = f"local Ray ({workers * CPUS_PER_WORKER} CPUs)"
    except ConnectionError as exc:
        raise UserError(f"Cannot reach the Ray cluster at RAY_ADDRESS={address}: {exc}") from None
    try:
        yield where
    finally:
        ray.shutdown()


class ChunkAndEmbed:
    """A Ray Data actor: documents in, their chunks and unit-length vectors out.

    Chunks whose hash is already stored are passed through with ``present`` set and a zero vector,
    so a re-run embeds nothing and the driver still counts every chunk."""

    def __init__(
        self,
        *,
        strategy: str,
        chunk_size: int,
        chunk_overlap: int,
        model_name: str,
        device: str,
        batch_size: int,
        models_dir: str,
        present: frozenset[str],
    ) -> None:
        import torch

        from .embedding import Embedder

        torch.set_num_threads(CPUS_PER_WORKER)
        self.strategy, self.chunk_size, self.chunk_overlap = strategy, chunk_size, chunk_overlap
        self.present = present
        self.embedder = Embedder(model_name, device, batch_size, Path(models_dir), threads=CPUS_PER_WORKER)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        documents = [
            Document(doc_id=str(d), title=str(t), text=str(x), url=str(u))
            for d, t, x, u in zip(batch["doc_id"], batch["title"], batch["text"], batch["url"], strict=True)
        ]
        chunks = chunk_documents(documents, self.strategy, self.chunk_size, self.chunk_overlap)
        hashes = [c.content_hash for c in chunks]
        wanted: dict[str, str] = {}
        for chunk, digest in zip(chunks, hashes, strict=True):
            if digest not in self.present and digest not in wanted:
                wanted[digest] = chunk.embedding_text
        vectors = np.zeros((len(chunks), self.embedder.dimension), dtype=np.float32)
        seconds = 0.0
        if wanted:
            tick = time.perf_counter()
            computed = dict(zip(wanted, self.embedder.encode(list(wanted.values())), strict=True))
            seconds = time.perf_counter() - tick
            for row, digest in enumerate(hashes):
                if digest in computed:
                    vectors[row] = computed[digest]
        urls = {d.doc_id: d.url for d in documents}
        return {
            "doc_id": np.array([c.doc_id for c in chunks], dtype=object),
            "ordinal": np.array([c.ordinal for c in chunks], dtype=np.int64),
            "title": np.array([c.title for c in chunks], dtype=object),
            "text": np.array([c.text for c in chunks], dtype=object),
            "url": np.array([urls[c.doc_id] for c in chunks], dtype=object),
            "content_hash": np.array(hashes, dtype=object),
            "present": np.array([h in self.present for h in hashes], dtype=bool),
            # This batch's encode time, shared out over the chunks it embedded, so a sum is the total.
            "embed_seconds": np.full(len(chunks), seconds / max(len(wanted), 1), dtype=np.float64),
            "embedding": vectors,
        }


def _blocks(documents: int, workers: int) -> int:
    """One block per task's worth of documents, so no worker idles while another finishes a long
    block; capped so that a large corpus is not cut into more blocks than are worth scheduling."""
    return max(1, min(math.ceil(documents / DOCUMENTS_PER_TASK), workers * 32))


def ingest_on_ray(
    pipeline: RagPipeline,
    documents: Sequence[Document],
    *,
    collection: str | None = None,
    strategy: str | None = None,
    rebuild: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> IngestReport:
    """Index documents with chunking and embedding on Ray Data; the collection it writes is the one
    ``RagPipeline.ingest`` writes for the same documents and settings (same rows, same hashes)."""
    started = time.perf_counter()
    s = pipeline.settings
    collection = collection or s.collection
    strategy = strategy or s.chunk_strategy
    workers = workers or s.ray_workers
    spec = pipeline.collection_spec(collection, strategy)
    ray = require_ray()
    with pipeline.pool.connection() as conn, ray_runtime(workers, s.ray_address):
        if rebuild:
            store.drop_collection(conn, collection)
        store.ensure_collection(conn, spec)
        present = frozenset(store.existing_hashes(conn, collection))
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # progress is reported per stored batch instead
        on_gpu = pipeline.embedder.device.startswith("cuda")
        rows = ray.data.from_items(
            [{"doc_id": d.doc_id, "title": d.title, "text": d.text, "url": d.url} for d in documents],
            override_num_blocks=_blocks(len(documents), workers),
        ).map_batches(
            ChunkAndEmbed,
            batch_size=DOCUMENTS_PER_TASK,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=workers),
            num_cpus=CPUS_PER_WORKER,
            num_gpus=1 if on_gpu else 0,
            fn_constructor_kwargs={
                "strategy": strategy,
                "chunk_size": s.chunk_size,
                "chunk_overlap": s.chunk_overlap,
                "model_name": pipeline.embedder.model_name,
                "device": "cuda" if on_gpu else "cpu",
                "batch_size": s.embedding_batch_size,
                "models_dir": str(s.data_dir.resolve() / "models"),
                "present": present,
            },
        )
        total = added = 0
        embed_seconds = 0.0
        seen = set(present)
        for batch in rows.iter_batches(batch_size=INGEST_BATCH, batch_format="numpy"):
            total += len(batch["content_hash"])
            embed_seconds += float(np.sum(batch["embed_seconds"]))
            todo: list[Chunk] = []
            vectors: list[np.ndarray] = []
            urls: dict[str, str] = {}
            for row, digest in enumerate(batch["content_hash"]):
                if digest in seen:
                    continue
                seen.add(digest)
                chunk = Chunk(
                    doc_id=str(batch["doc_id"][row]),
                    ordinal=int(batch["ordinal"][row]),
                    title=str(batch["title"][row]),
                    text=str(batch["text"][row]),
                )
                todo.append(chunk)
                vectors.append(np.asarray(batch["embedding"][row], dtype=np.float32))
                urls[chunk.doc_id] = str(batch["url"][row])
            if todo:
                added += store.insert_chunks(conn, collection, todo, np.stack(vectors), urls)
            if progress:
                progress(total, None)
    return IngestReport(
        collection=collection,
        strategy=strategy,
        documents=len(documents),
        chunks=total,
        added=added,
        already_present=total - added,
        seconds=time.perf_counter() - started,
        embed_seconds=embed_seconds,
    )
