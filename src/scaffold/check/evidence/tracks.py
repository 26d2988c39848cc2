"""Which project tracks apply (rag, agent, serving), from imports in the code and the README.

A library that is declared as a dependency but never imported does not make a track apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scaffold.check.evidence.markdown import Markdown
from scaffold.check.evidence.python_source import PythonSources

GENERAL = "general"
_README_MENTIONS = 5
TRACK_NAMES = ("rag", "agent", "serving")

_CODE_SIGNALS: dict[str, tuple[str, ...]] = {
    "rag": (
        "faiss",
        "chromadb",
        "qdrant_client",
        "pgvector",
        "lancedb",
        "weaviate",
        "pinecone",
        "pymilvus",
        "llama_index",
        "haystack",
        "rank_bm25",
        "bm25s",
        "ragas",
        "langchain_community.vectorstores",
        "langchain.vectorstores",
        "langchain.retrievers",
        "langchain.text_splitter",
        "langchain.document_loaders",
        "langchain_community.retrievers",
        "langchain_chroma",
        "langchain_postgres",
        "langchain_text_splitters",
        "langchain_qdrant",
        "langchain_pinecone",
    ),
    "agent": (
        "langgraph",
        "autogen",
        "autogen_agentchat",
        "crewai",
        "agents",
        "smolagents",
        "pydantic_ai",
        "swarm",
    ),
    "serving": ("vllm", "sglang", "tensorrt_llm", "text_generation", "tritonclient"),
}
_README_SIGNALS: dict[str, re.Pattern[str]] = {
    "rag": re.compile(r"\bRAG\b|retrieval[- ]augmented|\bvector (store|database|search)\b|\bretriev(al|er)\b"),
    "agent": re.compile(r"\bagent(s|ic)?\b|\btool[- ]call(s|ing)?\b|\bfunction[- ]calling\b", re.I),
    "serving": re.compile(
        r"\b(vllm|sglang|tensorrt[- ]llm|text[- ]generation[- ]inference|serving engine|inference server|tokens/s|tok/s)\b",
        re.I,
    ),
}


@dataclass
class TrackDetection:
    detected: dict[str, list[str]] = field(default_factory=dict)
    """Track name to the evidence that made it apply; `general` always applies."""
    forced: bool = False


# Where an import does not say what the project is: evaluation code may run a serving engine
# offline to score answers, and `agents` / `swarm` are also common names of a project's own package.
_EVAL_ONLY_TRACKS = frozenset({"serving"})
_LOCAL_NAME_CLASH = frozenset({"agents", "swarm"})
_PATH_TOKENS = re.compile(r"[/_.\\-]+")


def _is_eval_module(path: str) -> bool:
    return any(token.startswith("eval") for token in _PATH_TOKENS.split(path.lower()))


def _local_packages(python: PythonSources) -> set[str]:
    """Top-level names the repository's own modules provide (``agents/…``, ``src/agents/…``, ``agents.py``)."""
    names: set[str] = set()
    for module in python.modules:
        parts = module.path.split("/")
        if parts[0] == "src" and len(parts) > 1:
            parts = parts[1:]
        names.add(parts[0].removesuffix(".py"))
    return names


# What shows an agent calls tools: tool decorators, tool classes, a `tools=` argument, a tool node.
_TOOL_NAMES = frozenset(
    {
        "tool",
        "function_tool",
        "tool_plain",
        "Tool",
        "StructuredTool",
        "BaseTool",
        "ToolNode",
        "bind_tools",
        "create_react_agent",
        "FunctionTool",
        "register_function",
        "tool_calls",
    }
)


# Agent frameworks that are as often a typed chat client (`Agent(model).run(prompt)`) as an agent.
_CHAT_WRAPPERS = frozenset({"pydantic_ai", "agents"})


def _uses_tools(python: PythonSources) -> bool:
    return any(
        "tools" in module.keyword_arguments or not _TOOL_NAMES.isdisjoint(module.names) for module in python.code
    )


def detect_tracks(
    python: PythonSources,
    readme: Markdown | None,
    forced: list[str] | None = None,
    containers: dict[str, list[str]] | None = None,
) -> TrackDetection:
    """Tracks from imports in the product code, container definitions (``containers``: track to
    evidence, e.g. a serving engine's image in a compose file) and a README that keeps to it."""
    if forced is not None:
        return TrackDetection(
            {name: ["set in [tool.scaffold.check] tracks"] for name in forced if name != GENERAL},
            True,
        )
    local = _local_packages(python)
    detection = TrackDetection()
    uses_tools = _uses_tools(python)
    coded: set[str] = set()
    for track in TRACK_NAMES:
        imports: dict[str, tuple[str, int]] = {}
        for code in python.code:
            if track in _EVAL_ONLY_TRACKS and _is_eval_module(code.path):
                continue
            for name, line in code.imports.items():
                imports.setdefault(name, (code.path, line))
        evidence: list[str] = []
        for module in _CODE_SIGNALS[track]:
            if module in imports and not (module in _LOCAL_NAME_CLASH and module in local):
                if module in _CHAT_WRAPPERS and not uses_tools:
                    continue  # an agent framework used as a chat wrapper, with no tool, is not an agent
                path, line = imports[module]
                evidence.append(f"imports {module} ({path}:{line})")
        evidence += (containers or {}).get(track, [])
        if evidence:
            coded.add(track)
        mentions: list[int] = []
        if readme is not None:
            mentions = [number for number, _ in readme.find_lines(_README_SIGNALS[track])]
        # A code signal alone, a title about it, or a README that keeps returning to it.
        title_mentions = bool(readme and readme.sections and _README_SIGNALS[track].search(readme.sections[0].title))
        # With another track shown by the code, a title word alone does not add this one.
        by_title = title_mentions and len(mentions) >= 2 and not (coded - {track})
        if len(mentions) >= _README_MENTIONS or by_title:
            evidence.append(
                f"README mentions it {len(mentions)} times (first {readme.path if readme else ''}:{mentions[0]})"
            )
        if evidence:
            detection.detected[track] = evidence
    return detection
