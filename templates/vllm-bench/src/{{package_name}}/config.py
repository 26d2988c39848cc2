"""One YAML file configures the server, the load, the SLOs and the price of an hour.

Everything is validated before any request is sent: an unknown engine argument, a negative
rate or an empty sweep is a ``ConfigError`` with one sentence saying what to fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import UserError


class ConfigError(UserError):
    """The configuration cannot be used; the message says why and what to change."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EngineArgs(_Strict):
    """vLLM engine arguments, spelled as on vLLM's command line with underscores instead of dashes.

    Only arguments listed here are accepted, so a typo fails at load time instead of after a
    two-minute server start. Anything else goes through ``extra_cli_args`` verbatim.
    """

    max_num_seqs: int | None = Field(default=None, gt=0)
    max_model_len: int | None = Field(default=None, gt=0)
    max_num_batched_tokens: int | None = Field(default=None, gt=0)
    dtype: Literal["auto", "half", "float16", "bfloat16", "float", "float32"] | None = None
    quantization: str | None = None
    kv_cache_dtype: str | None = None
    gpu_memory_utilization: float | None = Field(default=None, gt=0, le=1)
    tensor_parallel_size: int | None = Field(default=None, ge=1)
    pipeline_parallel_size: int | None = Field(default=None, ge=1)
    enable_prefix_caching: bool | None = None
    enable_chunked_prefill: bool | None = None
    enforce_eager: bool | None = None
    seed: int | None = None
    extra_cli_args: tuple[str, ...] = ()

    def cli_args(self) -> list[str]:
        args: list[str] = []
        for name, value in self.model_dump(exclude={"extra_cli_args"}).items():
            if value is None:
                continue
            flag = "--" + name.replace("_", "-")
            if isinstance(value, bool):
                args.append(flag if value else "--no-" + flag[2:])
            else:
                args += [flag, str(value)]
        return args + list(self.extra_cli_args)

    def merged(self, overrides: EngineArgs) -> EngineArgs:
        data = self.model_dump()
        data.update(overrides.model_dump(exclude_unset=True))
        return EngineArgs.model_validate(data)


class ServerConfig(_Strict):
    engine: Literal["vllm", "llamacpp", "synthetic", "external"] = "vllm"
    model: str = Field(description="Hugging Face model id or local folder (vllm); ignored by llamacpp")
    served_model_name: str
    host: str = "127.0.0.1"
    port: int = Field(default=8000, gt=0, lt=65536)
    python: str = Field(default="python", description="Interpreter that has vLLM installed")
    setup: str | None = Field(default=None, description="The make target that installs this server, e.g. setup-llm")
    env: dict[str, str] = Field(default_factory=dict)
    startup_timeout_s: float = Field(default=600, gt=0)
    engine_args: EngineArgs = Field(default_factory=EngineArgs)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


class DatasetConfig(_Strict):
    kind: Literal["random", "prompts", "jsonl"] = "random"
    input_len: int = Field(default=128, gt=0, description="Approximate prompt length in tokens (random)")
    output_len: int = Field(default=64, gt=0, description="max_tokens of every request")
    path: str | None = Field(default=None, description="JSONL file for kind=jsonl")
    split: Literal["dev", "test", "all"] = Field(
        default="all", description="Rows of the prompt file to use, by their split field (tune on dev, report test)"
    )
    seed: int = 0

    @model_validator(mode="after")
    def _path_for_jsonl(self) -> DatasetConfig:
        if self.kind == "jsonl" and not self.path:
            raise ValueError("dataset.kind jsonl needs dataset.path")
        return self


class LoadConfig(_Strict):
    mode: Literal["concurrency", "rate"] = "concurrency"
    concurrency: tuple[int, ...] = (1,)
    rate: tuple[float, ...] = ()
    burstiness: float = Field(default=1.0, gt=0, description="Gamma shape of arrivals; 1 = Poisson")
    max_concurrency: int | None = Field(default=None, gt=0, description="Cap on in-flight requests in rate mode")
    num_requests: int = Field(default=32, gt=0)
    max_duration_s: float = Field(default=300, gt=0)
    warmup_requests: int = Field(default=2, ge=0)
    request_timeout_s: float = Field(default=120, gt=0)
    endpoint: Literal["completions", "chat"] = "completions"
    ignore_eos: bool = Field(default=False, description="Ask the server to always generate max_tokens (vLLM)")
    temperature: float = Field(default=0.0, ge=0)
    token_counts: Literal["usage", "chunks"] = Field(
        default="usage",
        description="usage: the server's usage block; chunks: one streamed chunk per token, for servers without "
        "stream_options.include_usage (llama-cpp-python); prompt tokens are then unknown (0)",
    )

    @field_validator("concurrency")
    @classmethod
    def _positive_concurrency(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(c <= 0 for c in value):
            raise ValueError("every concurrency level must be a positive integer")
        return value

    @field_validator("rate")
    @classmethod
    def _positive_rate(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(r <= 0 for r in value):
            raise ValueError("every request rate must be positive (requests per second)")
        return value

    @model_validator(mode="after")
    def _levels_for_mode(self) -> LoadConfig:
        if self.mode == "rate" and not self.rate:
            raise ValueError("load.mode rate needs at least one load.rate value")
        if self.mode == "concurrency" and not self.concurrency:
            raise ValueError("load.mode concurrency needs at least one load.concurrency value")
        return self

    @property
    def levels(self) -> tuple[float, ...]:
        return tuple(float(c) for c in self.concurrency) if self.mode == "concurrency" else self.rate


class SLO(_Strict):
    """Service-level objectives a request must meet to count towards goodput (milliseconds)."""

    ttft_ms: float | None = Field(default=None, gt=0)
    tpot_ms: float | None = Field(default=None, gt=0)
    e2el_ms: float | None = Field(default=None, gt=0)

    @classmethod
    def parse(cls, text: str) -> SLO:
        """Parse ``ttft:500,tpot:50`` (keys ttft, tpot, e2el; values in ms)."""
        values: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, sep, number = part.partition(":")
            if not sep or key not in {"ttft", "tpot", "e2el"}:
                raise ConfigError(f"SLO part {part!r} must look like ttft:500, tpot:50 or e2el:2000 (milliseconds).")
            try:
                values[f"{key}_ms"] = float(number)
            except ValueError:
                raise ConfigError(f"SLO value {number!r} in {part!r} is not a number of milliseconds.") from None
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise ConfigError(
                f"SLO {text!r} is invalid: every value must be a positive number of ms ({exc.errors()[0]['msg']})."
            ) from None

    def describe(self) -> str:
        parts = [f"{k.removesuffix('_ms')}:{v:g}" for k, v in self.model_dump().items() if v is not None]
        return ",".join(parts) or "none"


class CostConfig(_Strict):
    usd_per_hour: float = Field(default=2.0, ge=0, description="Price of one accelerator (or CPU instance) hour")
    num_accelerators: int = Field(default=1, ge=1)


class GpuProfile(_Strict):
    """The GPU a config is meant for, recorded with every result (beside what the run measured)."""

    name: str = Field(min_length=1, max_length=80, description="e.g. NVIDIA L4")
    count: int = Field(default=1, ge=1, le=64)
    memory_gb: float | None = Field(default=None, gt=0)


class EngineVariant(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    engine_args: EngineArgs = Field(default_factory=EngineArgs)


# The engine arguments each launched engine honours; a variant setting any other is refused, because
# the engine would silently run unchanged and the sweep would compare a configuration with itself.
ENGINE_ARGS_HONOURED: dict[str, frozenset[str] | None] = {
    "vllm": None,  # all of them
    "llamacpp": frozenset({"max_model_len"}),
    "synthetic": frozenset(),
    "external": frozenset(),
}


class BenchConfig(_Strict):
    server: ServerConfig
    dataset: DatasetConfig = Field(default_factory=DatasetConfig)
    load: LoadConfig = Field(default_factory=LoadConfig)
    slo: str = "ttft:1000,tpot:200"
    cost: CostConfig = Field(default_factory=CostConfig)
    gpu: GpuProfile | None = None
    sweep: tuple[EngineVariant, ...] = ()

    @field_validator("slo")
    @classmethod
    def _valid_slo(cls, value: str) -> str:
        SLO.parse(value)
        return value

    @model_validator(mode="after")
    def _variants_the_engine_honours(self) -> BenchConfig:
        engine = self.server.engine
        honoured = ENGINE_ARGS_HONOURED[engine]
        if self.sweep and engine == "external":
            raise ValueError("sweep variants need a server this project starts; engine external is started by you")
        if honoured is None:
            return self
        for variant in self.sweep:
            ignored = sorted(set(variant.engine_args.model_dump(exclude_unset=True)) - honoured)
            if ignored:
                raise ValueError(
                    f"sweep variant {variant.name} sets {', '.join(ignored)}, which engine {engine} ignores "
                    f"(it honours {', '.join(sorted(honoured)) or 'no engine arguments'}); use engine vllm"
                )
        return self

    @property
    def slo_targets(self) -> SLO:
        return SLO.parse(self.slo)


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    message = error["msg"].removeprefix("Value error, ")
    if not error["loc"]:
        return message
    where = ".".join(str(p) for p in error["loc"])
    if error["type"] == "extra_forbidden":
        if "engine_args" in error["loc"]:
            return f"unknown engine argument {where}; use one of the EngineArgs fields or engine_args.extra_cli_args"
        return f"unknown setting {where}"
    return f"{where}: {message}"


def parse_config(data: dict[str, Any], source: str = "config") -> BenchConfig:
    try:
        return BenchConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source} is invalid: {_first_error(exc)}.") from None


def load_config(path: Path, overrides: dict[str, Any] | None = None) -> BenchConfig:
    """Read a YAML config; ``overrides`` (dotted keys, e.g. ``server.model``) come from the command line
    or the environment."""
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise ConfigError(f"Config file {path} does not exist; pass one of the files in configs/.") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"Config file {path} is not valid YAML: {exc}.") from None
    if not isinstance(data, dict):
        raise ConfigError(f"Config file {path} must contain a mapping at the top level.")
    for dotted, value in (overrides or {}).items():
        node = data
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return parse_config(data, str(path))


def load_with_options(
    path: Path,
    *,
    model: str | None = None,
    mode: str | None = None,
    levels: str | None = None,
    num_requests: int | None = None,
    duration: float | None = None,
    warmup: int | None = None,
    burstiness: float | None = None,
    slo: str | None = None,
) -> BenchConfig:
    """The config at ``path`` with the command line's options applied; ``None`` keeps the file's value.

    ``levels`` is ``"1,2,4"``: concurrency levels, or request rates when the mode is ``rate``.
    """
    overrides: dict[str, Any] = {
        key: value
        for key, value in {
            "server.model": model,
            "load.mode": mode,
            "load.num_requests": num_requests,
            "load.max_duration_s": duration,
            "load.warmup_requests": warmup,
            "load.burstiness": burstiness,
            "slo": slo,
        }.items()
        if value is not None
    }
    if levels:
        try:
            numbers = [float(part) for part in levels.split(",") if part.strip()]
        except ValueError:
            raise ConfigError(f"--levels {levels!r} must be comma-separated numbers, e.g. 1,2,4.") from None
        if (mode or load_config(path).load.mode) == "concurrency":
            overrides["load.concurrency"] = [int(x) if x.is_integer() else x for x in numbers]
        else:
            overrides["load.rate"] = numbers
    return load_config(path, overrides)
