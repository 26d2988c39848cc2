"""Configuration from environment variables (and an optional .env file); see .env.example."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr
from pydantic_settings import BaseSettings, SettingsConfigDict

from .onnx_embedding import ONNX_MODEL

ChunkStrategy = Literal["fixed", "headings", "sentences"]
RetrievalMode = Literal["vector", "lexical", "hybrid"]
RerankMode = Literal["none", "sentences"]

# The packaged all-MiniLM-L6-v2, and its int8 ONNX build (onnx_embedding.py), the default: it ranks
# as well as the float model and ingests several times faster on a CPU in a third of the memory (the
# ablation's embedding table). It is built from the packaged weights on first use; on a CUDA GPU
# the float model (MINILM) is the faster choice.
MINILM = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_EMBEDDING_MODEL = ONNX_MODEL
DEFAULT_FUSION_SOURCE = "settings.py defaults"
FUSION_FIELDS = ("rrf_k", "lexical_weight", "candidates")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")
    _fusion_source: str = PrivateAttr(DEFAULT_FUSION_SOURCE)

    def model_post_init(self, context: object, /) -> None:
        """After `make corpus`, the dataset card names the corpus and its collection; after `make
        ablate`, its dev-split fusion search sets RRF_K, LEXICAL_WEIGHT and CANDIDATES. Environment
        variables still win over both."""
        from .corpus import load_card

        card = load_card(self.data_card)
        if card is not None:
            if "corpus_path" not in self.model_fields_set:
                self.corpus_path = Path(card.file)
            if "collection" not in self.model_fields_set:
                self.collection = card.collection
        if not set(FUSION_FIELDS) <= self.model_fields_set:
            self._apply_tuned_fusion()

    @property
    def fusion_source(self) -> str:
        """Where RRF_K, LEXICAL_WEIGHT and CANDIDATES came from (results files record it)."""
        return self._fusion_source

    def _apply_tuned_fusion(self) -> None:
        """The best fusion setting of ``ablation_path``, if that ablation ran on this corpus and these
        questions (its dataset hash) with this chunking, embedding and lexical configuration;
        otherwise the defaults stand, because a setting tuned on other data proves nothing here."""
        from .results import dataset_hash

        try:
            ablation = json.loads(self.ablation_path.read_text())
            run, best = ablation["run"], ablation["metrics"]["fusion"]["best"]
            config = run["config"]
        except (OSError, ValueError, KeyError, TypeError):
            return
        bm25 = {"k1": self.bm25_k1, "b": self.bm25_b, "term_depth": self.bm25_term_depth}
        same = (
            config.get("chunk_strategy") == self.chunk_strategy
            and config.get("text_search_config") == self.text_search_config
            and config.get("bm25") == bm25
            and run.get("models", {}).get("embedding") == self.embedding_model
            and all(isinstance(best.get(name), int | float) for name in FUSION_FIELDS)
        )
        if not same or run.get("dataset_hash") != dataset_hash([self.corpus_path, self.golden_path]):
            return
        explicit = [name for name in FUSION_FIELDS if name in self.model_fields_set]
        for name in FUSION_FIELDS:
            if name not in explicit:
                setattr(self, name, type(getattr(self, name))(best[name]))
        self._fusion_source = f"{self.ablation_path} (fusion search on the dev split, {run.get('utc_time')})" + (
            f"; {', '.join(explicit).upper()} set by the environment" if explicit else ""
        )

    database_url: str | None = Field(None, description="Any Postgres with pgvector >= 0.5; unset = embedded server")
    data_dir: Path = Path(".data")
    data_card: Path = Field(Path("data/corpus/card.json"), description="the dataset card `make corpus` writes")
    corpus_path: Path = Field(
        Path("data/corpus/python-stdlib-3.11.jsonl"),
        description="the corpus JSONL; default: the one data/corpus/card.json names (`make corpus`), else the example",
    )
    golden_path: Path = Path("evals/golden.jsonl")
    collection: str = Field(
        "docs", pattern=r"^[a-z][a-z0-9_]{0,40}$", description="default: the card's own collection, else the example's"
    )

    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    embedding_device: str = "auto"
    embedding_batch_size: int = Field(64, ge=1)

    chunk_strategy: ChunkStrategy = "fixed"
    chunk_size: int = Field(800, ge=100)
    chunk_overlap: int = Field(120, ge=0)

    # Defaults chosen on the shipped corpus's dev split. After `make ablate` on your corpus, the best
    # fusion setting of its dev split replaces the three below (unless the environment sets them).
    ablation_path: Path = Field(Path("results/ablation.json"), description="whose dev-tuned fusion applies")
    retrieval_mode: RetrievalMode = "hybrid"
    top_k: int = Field(5, ge=1, le=50)
    candidates: int = Field(50, ge=1, le=500, description="chunks each ranking contributes before fusion")
    rrf_k: int = Field(10, ge=1)
    lexical_weight: float = Field(0.5, ge=0, description="weight of the lexical ranking in hybrid RRF")
    hnsw_ef_search: int = Field(100, ge=1)
    # The rerank stage (rerank.py); see the README's design decisions for what it gained.
    rerank: RerankMode = Field("sentences", description="order the first RERANK_DEPTH passages by their best sentence")
    rerank_depth: int = Field(10, ge=1, le=50, description="passages the rerank stage re-orders")
    rerank_weight: float = Field(1.0, ge=0, description="weight of the sentence ranking against the retrieval one")
    text_search_config: str = Field("english", description="Postgres text search configuration: stemming, stop words")
    bm25_k1: float = Field(1.2, ge=0)
    bm25_b: float = Field(0.75, ge=0, le=1)
    bm25_term_depth: int = Field(1000, ge=10, description="postings read per query term, best first")

    ray_workers: int = Field(2, ge=1, description="Ray actors that chunk and embed in `make ingest-ray`")
    ray_address: str | None = Field(None, description="a Ray cluster to ingest on; unset = Ray started locally")

    llm_base_url: str | None = None
    llm_model: str = "gemma-3-270m"
    llm_api_key: str | None = None
    llm_timeout_s: float = 60.0
    llm_max_tokens: int = 256

    eval_llm_base_url: str | None = None
    eval_llm_model: str | None = None
    eval_llm_api_key: str | None = None

    cost_per_hour_usd: float = Field(0.10, ge=0, description="machine price used for cost per question")

    max_question_chars: int = 2000
    max_request_bytes: int = Field(65536, ge=1024, description="larger request bodies get HTTP 413")
    max_file_bytes: int = 20_000_000
