"""What differs between OpenAI-compatible servers, in one place: structured output and message shapes.

- ``openai`` (vLLM, OpenAI): a system message, ``response_format`` of type ``json_schema``, tool
  results as ``tool`` messages.
- ``llama_cpp`` (llama-cpp-python's server): ``json_schema`` is answered with HTTP 500, so the schema
  travels as ``{"type": "json_object", "schema": ...}``; its plain chat formats drop ``system`` and
  ``tool`` messages, so instructions go into the first user turn and tool results come back as user
  turns; an assistant message with ``content: null`` is rejected, so it carries the call as text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .llm import ToolCall

DialectName = Literal["openai", "llama_cpp"]
LOCAL_MODEL_ALIAS = "gemma-3-270m"


class FinalAnswer(BaseModel):
    """The structured answer every run must end with; its JSON schema is sent to the model."""

    model_config = ConfigDict(extra="forbid")
    answer: float = Field(description="The numeric answer to the question.")
    unit: str = Field(description="Unit of the answer, e.g. in, F, km/h, C, mm, days.")

    @field_validator("unit")
    @classmethod
    def short_unit(cls, value: str) -> str:
        # Checked here rather than as maxLength: llama.cpp turns length limits into heavy grammars.
        if len(value) > 24:
            raise ValueError("the unit must be at most 24 characters")
        return value


class FinalAnswerError(ValueError):
    """The model's final message is not a JSON object matching the FinalAnswer schema."""


def resolve_dialect(setting: str, model: str) -> DialectName:
    if setting in ("openai", "llama_cpp"):
        return setting  # type: ignore[return-value]
    return "llama_cpp" if model == LOCAL_MODEL_ALIAS else "openai"


@dataclass(frozen=True)
class Dialect:
    name: DialectName

    def response_format(self, schema: Mapping[str, Any], name: str = "final_answer") -> dict[str, Any]:
        if self.name == "llama_cpp":
            return {"type": "json_object", "schema": dict(schema)}
        return {"type": "json_schema", "json_schema": {"name": name, "schema": dict(schema), "strict": True}}

    def opening(self, instructions: str, task: str) -> list[dict[str, Any]]:
        if self.name == "llama_cpp":
            return [{"role": "user", "content": f"{instructions}\n\nQuestion: {task}"}]
        return [{"role": "system", "content": instructions}, {"role": "user", "content": task}]

    def assistant_tool_calls(self, calls: list[ToolCall]) -> dict[str, Any]:
        text = "" if self.name == "openai" else "; ".join(f"{c.name}({c.arguments})" for c in calls)
        return {
            "role": "assistant",
            "content": text,
            "tool_calls": [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in calls
            ],
        }

    def tool_results(self, results: list[tuple[ToolCall, str]]) -> list[dict[str, Any]]:
        if self.name == "llama_cpp":
            lines = [f"{call.name} returned: {output}" for call, output in results]
            return [{"role": "user", "content": "\n".join(lines)}]
        return [{"role": "tool", "tool_call_id": call.id, "content": output} for call, output in results]


def parse_final_answer(text: str) -> FinalAnswer:
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FinalAnswerError(f"The final answer is not JSON ({exc.msg}).") from None
    try:
        return FinalAnswer.model_validate(payload)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in exc.errors())
        raise FinalAnswerError(f"The final answer does not match the schema ({problems}).") from None
