"""Settings from environment variables (and an optional .env file); see .env.example.

The YAML config says what to benchmark; these say where (which config, which server) and how to
report it, so the same config runs unchanged on a laptop, in CI and on a rented GPU.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .config import BenchConfig, load_with_options
from .errors import load_settings
from .metrics import PERCENTILES, parse_percentiles


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    config: Path = Field(Path("configs/llamacpp.yaml"), description="The YAML config of a run")
    model: str | None = Field(None, description="Model id or local folder; overrides server.model of the config")
    bench_base_url: str | None = Field(None, description="Benchmark this server instead of starting one")
    percentiles: str = Field(
        ",".join(f"{q:g}" for q in PERCENTILES), description="Latency percentiles to report, e.g. 50,90,99"
    )

    guidellm: Path = Field(Path(".venv-guidellm/bin/guidellm"), description="GuideLLM, for make bench-client")
    guidellm_tokenizer: Path = Field(Path(".data/tokenizer"), description="The served model's tokenizer, for GuideLLM")

    @field_validator("percentiles")
    @classmethod
    def _valid_percentiles(cls, value: str) -> str:
        parse_percentiles(value)
        return value

    @property
    def percentile_values(self) -> tuple[float, ...]:
        return parse_percentiles(self.percentiles)


def configured(config: Path | None = None, **options: Any) -> tuple[Settings, BenchConfig]:
    """The settings, and the config they name (or ``config``) with one run's command-line options applied."""
    settings = load_settings(Settings)
    return settings, load_with_options(config or settings.config, model=settings.model, **options)
