"""Tools from typed Python functions: JSON schema from the signature, validated arguments and results.

A tool is a plain function whose parameters are annotated (``Annotated[str, Field(description=...)]``)
and whose return type is a pydantic model. The executor owns everything around the call: argument
parsing and validation, a timeout, bounded retries with exponential backoff and jitter for transient
failures, result validation, and one ``execute_tool`` span per call. Every failure comes back as an
``ToolOutcome`` with a kind and a sentence, never as an exception into the agent loop.
"""

from __future__ import annotations

import inspect
import json
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, get_type_hints

from opentelemetry.trace import SpanKind, Status, StatusCode
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from .faults import FaultInjector
from .llm import backoff_delay
from .telemetry import (
    ERROR_TYPE,
    GEN_AI_OPERATION,
    GEN_AI_TOOL_CALL_ARGUMENTS,
    GEN_AI_TOOL_CALL_ID,
    GEN_AI_TOOL_CALL_RESULT,
    GEN_AI_TOOL_NAME,
    GEN_AI_TOOL_TYPE,
    capture_content,
    get_tracer,
)

_tracer = get_tracer(__name__)
# Timed-out calls cannot be killed from Python; they finish in the background on this pool.
_POOL = ThreadPoolExecutor(max_workers=32, thread_name_prefix="tool")


class ToolTransientError(RuntimeError):
    """A failure worth retrying (service busy or briefly unreachable)."""


class ToolRefused(ValueError):
    """The tool refuses the request on principle (for example a SQL write); retrying cannot help."""


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    function: Callable[..., BaseModel]
    arguments: type[BaseModel]
    result: type[BaseModel]

    @classmethod
    def from_function(cls, function: Callable[..., BaseModel]) -> Tool:
        hints = get_type_hints(function, include_extras=True)
        result = hints.pop("return", None)
        if not (isinstance(result, type) and issubclass(result, BaseModel)):
            raise TypeError(f"Tool {function.__name__} must declare a pydantic model as its return type.")
        fields: dict[str, Any] = {}
        for name, parameter in inspect.signature(function).parameters.items():
            default = ... if parameter.default is inspect.Parameter.empty else parameter.default
            fields[name] = (hints[name], default)
        arguments = create_model(  # type: ignore[call-overload]
            f"{function.__name__}_arguments", __config__=ConfigDict(extra="forbid"), **fields
        )
        description = inspect.cleandoc(function.__doc__ or function.__name__)
        return cls(function.__name__, description, function, arguments, result)

    def schema(self) -> dict[str, Any]:
        parameters = self.arguments.model_json_schema()
        parameters.pop("title", None)
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": parameters},
        }


@dataclass
class ToolOutcome:
    call_id: str
    name: str
    ok: bool
    output: str  # JSON text handed back to the model, the result or {"error": ...}
    arguments: dict[str, Any] | None = None
    error_kind: str | None = None
    error: str | None = None
    attempts: int = 0
    latency_s: float = 0.0
    retries: list[dict[str, Any]] = field(default_factory=list)


class ToolExecutor:
    def __init__(
        self,
        tools: Sequence[Tool],
        *,
        timeout_s: float = 3.0,
        max_retries: int = 2,
        backoff_s: float = 0.2,
        faults: FaultInjector | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.tools = {tool.name: tool for tool in tools}
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.faults = faults
        self._sleep = sleep
        self._jitter = jitter

    def schemas(self) -> list[dict[str, Any]]:
        return [tool.schema() for tool in self.tools.values()]

    def execute(self, name: str, arguments_text: str, call_id: str) -> ToolOutcome:
        attributes = {
            GEN_AI_OPERATION: "execute_tool",
            GEN_AI_TOOL_NAME: name,
            GEN_AI_TOOL_CALL_ID: call_id,
            GEN_AI_TOOL_TYPE: "function",
        }
        # Tools run in this process, so the span is INTERNAL.
        with _tracer.start_as_current_span(
            f"execute_tool {name}", kind=SpanKind.INTERNAL, attributes=attributes
        ) as span:
            if capture_content():
                span.set_attribute(GEN_AI_TOOL_CALL_ARGUMENTS, arguments_text)
            started = time.perf_counter()
            outcome = self._execute(name, arguments_text, call_id, span)
            outcome.latency_s = time.perf_counter() - started
            span.set_attribute("tool.ok", outcome.ok)
            span.set_attribute("tool.attempts", outcome.attempts)
            if capture_content():
                span.set_attribute(GEN_AI_TOOL_CALL_RESULT, outcome.output)
            if outcome.error_kind:
                span.set_attribute(ERROR_TYPE, outcome.error_kind)
                span.set_status(Status(StatusCode.ERROR, outcome.error or outcome.error_kind))
            return outcome

    def _execute(self, name: str, arguments_text: str, call_id: str, span: Any) -> ToolOutcome:
        tool = self.tools.get(name)
        if tool is None:
            return _failure(
                call_id, name, "unknown_tool", f"There is no tool named {name!r}; available: {', '.join(self.tools)}."
            )
        try:
            raw = json.loads(arguments_text)
        except json.JSONDecodeError as exc:
            return _failure(
                call_id,
                name,
                "malformed_arguments",
                f"The arguments are not valid JSON ({exc.msg} at position {exc.pos}).",
            )
        try:
            arguments = tool.arguments.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            return _failure(call_id, name, "invalid_arguments", f"The arguments do not match the schema ({problems}).")
        kwargs = {key: getattr(arguments, key) for key in type(arguments).model_fields}
        function = self.faults.wrap_tool(tool.function, self.timeout_s) if self.faults else tool.function
        retries: list[dict[str, Any]] = []
        for attempt in range(self.max_retries + 1):
            try:
                value = _POOL.submit(function, **kwargs).result(timeout=self.timeout_s)
            except FutureTimeout:
                reason = f"timed out after {self.timeout_s:g} s"
                kind = "timeout"
            except ToolTransientError as exc:
                reason, kind = str(exc), "transient"
            except ToolRefused as exc:
                return _failure(call_id, name, "refused", str(exc), kwargs, attempt + 1, retries)
            except ValueError as exc:
                return _failure(call_id, name, "tool_error", str(exc), kwargs, attempt + 1, retries)
            except Exception as exc:
                return _failure(
                    call_id, name, "tool_exception", f"{type(exc).__name__}: {exc}", kwargs, attempt + 1, retries
                )
            else:
                return _validated(tool, value, call_id, kwargs, attempt + 1, retries)
            if attempt == self.max_retries:
                return _failure(
                    call_id,
                    name,
                    kind,
                    f"The tool failed {attempt + 1} times (last: {reason}).",
                    kwargs,
                    attempt + 1,
                    retries,
                )
            delay = backoff_delay(attempt, self.backoff_s, self.backoff_s * 8, self._jitter())
            record = {"attempt": attempt + 1, "reason": reason, "delay_s": round(delay, 3)}
            retries.append(record)
            span.add_event("retry", record)
            self._sleep(delay)
        raise AssertionError("unreachable")


def _validated(
    tool: Tool, value: Any, call_id: str, kwargs: dict[str, Any], attempts: int, retries: list[dict[str, Any]]
) -> ToolOutcome:
    try:
        if isinstance(value, str):
            value = json.loads(value)
        result = value if isinstance(value, tool.result) else tool.result.model_validate(value)
    except json.JSONDecodeError:
        return _failure(
            call_id, tool.name, "invalid_result", "The tool returned text that is not JSON.", kwargs, attempts, retries
        )
    except ValidationError as exc:
        return _failure(
            call_id,
            tool.name,
            "invalid_result",
            f"The tool's result does not match its schema ({exc.error_count()} errors).",
            kwargs,
            attempts,
            retries,
        )
    return ToolOutcome(call_id, tool.name, True, result.model_dump_json(), kwargs, attempts=attempts, retries=retries)


def _failure(
    call_id: str,
    name: str,
    kind: str,
    message: str,
    kwargs: dict[str, Any] | None = None,
    attempts: int = 0,
    retries: list[dict[str, Any]] | None = None,
) -> ToolOutcome:
    return ToolOutcome(
        call_id, name, False, json.dumps({"error": message}), kwargs, kind, message, attempts, retries=retries or []
    )
