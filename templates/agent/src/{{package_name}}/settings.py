"""Configuration from environment variables (and an optional .env file); see .env.example."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

LLMDialect = Literal["auto", "openai", "llama_cpp"]
ToolPolicy = Literal["routed", "auto"]
# sql: free SQL (query_database); typed: aggregate, typed to the table; both: typed first, SQL as fallback
ToolSet = Literal["sql", "typed", "both"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str | None = Field(None, description="Any Postgres; unset = embedded server in .data/pg")
    # The SQL tool's connection: a role that may only read the weather table (see sql_role.py).
    agent_sql_url: str | None = Field(None, description="A read-only role you manage; unset = AGENT_SQL_ROLE")
    agent_sql_role: str = Field("weather_reader", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    data_dir: Path = Path(".data")
    weather_csv: Path = Path("data/seattle-weather.csv")
    # Written by `make load-csv`; while it exists the agent works on that table instead of the example.
    dataset_card: Path = Path("data/dataset.json")
    task_templates_path: Path = Path("evals/task_templates.yaml")
    tasks_path: Path = Path("evals/tasks.jsonl")
    prices_path: Path = Path("evals/prices.json")

    llm_base_url: str | None = None
    llm_model: str = "gemma-3-270m"
    llm_api_key: str | None = None
    llm_timeout_s: float = Field(60.0, gt=0)
    llm_max_retries: int = Field(3, ge=0, le=10)
    llm_backoff_s: float = Field(0.5, ge=0)
    llm_port: int = 8081
    # openai: json_schema + tool messages (vLLM, OpenAI); llama_cpp: json_object + inline results
    llm_dialect: LLMDialect = "auto"
    tool_policy: ToolPolicy = "routed"
    tool_set: ToolSet = "sql"

    max_steps: int = Field(4, ge=1, le=50)
    token_budget: int = Field(6000, ge=100)
    max_tokens_per_call: int = Field(48, ge=8)
    temperature: float = Field(0.0, ge=0, le=2)

    tool_timeout_s: float = Field(3.0, gt=0)
    tool_max_retries: int = Field(2, ge=0, le=5)
    tool_backoff_s: float = Field(0.2, ge=0)
    max_result_rows: int = Field(5, ge=1, le=1000)
    reference_service_url: str | None = None

    faults: str = "timeout,tool_error,ratelimit,server_error,malformed"
    fault_rate: float = Field(0.15, ge=0, le=1)
    fault_seed: int = 7

    # Bounds on `make load-csv` input
    max_csv_mb: int = Field(256, ge=1, le=100_000)
    max_csv_columns: int = Field(200, ge=1, le=1600)
    max_rejected_rows: int = Field(100, ge=0)

    max_task_chars: int = 2000
    max_request_bytes: int = Field(65536, ge=1024, description="larger request bodies get HTTP 413")
    bench_concurrency: int = Field(4, ge=2, le=64)
    bench_tasks: int = Field(8, ge=1)
    cost_per_hour_usd: float = Field(0.10, ge=0, description="machine price used for cost per task")
