"""The agent loop, written out: ask the model, run the tools it calls, feed back the results, repeat.

Budgets bound every run (steps, tokens). Every failure is caught where it happens and recorded in
the run record and on the current span: model endpoint errors (after the chat client's own bounded
retries), malformed tool-call JSON, unknown tools, tool timeouts and exceptions, invalid final
answers. A run always ends with a status, never with an exception.

Two tool policies:
- ``auto``: the model chooses tools (``tool_choice="auto"``); for capable models (vLLM, OpenAI).
- ``routed``: a fixed router picks which tool comes next from the question, the model is forced to
  call it (a named ``tool_choice``) and writes its arguments and the final answer. Small base models
  cannot choose tools reliably, but forced named calls work everywhere.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from opentelemetry.trace import SpanKind

from .dialect import Dialect, FinalAnswer, FinalAnswerError, parse_final_answer
from .llm import ChatClient, ChatResult, LLMError, LLMUnavailable
from .telemetry import (
    GEN_AI_AGENT_NAME,
    GEN_AI_INPUT_MESSAGES,
    GEN_AI_INPUT_TOKENS,
    GEN_AI_OPERATION,
    GEN_AI_OUTPUT_MESSAGES,
    GEN_AI_OUTPUT_TOKENS,
    GEN_AI_PROVIDER,
    GEN_AI_REQUEST_MODEL,
    capture_content,
    get_tracer,
    input_messages_json,
    output_messages_json,
)
from .toolkit import ToolExecutor, ToolOutcome

_tracer = get_tracer(__name__)
AGENT_NAME = "weather-analyst"

Status = Literal["answered", "step_budget_exhausted", "token_budget_exhausted", "model_unavailable", "model_error"]
Event = dict[str, Any]

# The schema, the conventions a question maps onto, and worked examples. The local model is a 270M
# base model that completes patterns rather than following instructions: it writes the SQL by
# analogy with the examples, so each SQL shape the questions need appears once, and each example is
# rendered the way llama_cpp's dialect shows calls and results, so the run continues the pattern.
# A month is matched by its name (to_char(day, 'FMMonth YYYY') = 'March 2013'), which the model can
# copy from the question, where BETWEEN needs the month's number and last day and it got both wrong.
# The example months are months no evaluation task asks about; the numbers are the real results.
_HEADER = """You answer questions about daily Seattle weather from 2012 to 2015 by calling tools, \
then reply with the final answer JSON.
Table weather has one row per day and the columns:
day (date), precipitation_mm (rain in mm), temp_max_c (daily maximum temperature in C), \
temp_min_c (daily minimum temperature in C), wind_ms (wind speed in m/s), \
weather (label: 'drizzle', 'fog', 'rain', 'snow' or 'sun').
One month is: to_char(day, 'FMMonth YYYY') = 'March 2013'
total = SUM, mean = AVG, highest = MAX, lowest = MIN, number of days = COUNT(*).
Tools: query_database (SQL), convert_units (mm to in, C to F, m/s to km/h), calculate (arithmetic)."""


def _rows(columns: list[str], rows: list[list[Any]]) -> str:
    return json.dumps({"columns": columns, "rows": rows, "truncated": False}, separators=(",", ":"))


def _month_sql(select: str, month: str, condition: str = "") -> str:
    where = f"{condition} AND " if condition else ""
    return f"SELECT {select} FROM weather WHERE {where}to_char(day, 'FMMonth YYYY') = '{month}'"


_YEARLY_AUGUST = (
    "SELECT to_char(day,'YYYY'),AVG(temp_max_c) FROM weather WHERE to_char(day,'FMMonth')='August' GROUP BY 1"
)
_AUGUST_BY_YEAR = [
    ["2012", 25.858064651489258],
    ["2013", 26.119354924848004],
    ["2014", 26.383870893909084],
    ["2015", 26.08709661422237],
]
# (question, [(tool, arguments, result)], final answer); the order matters to a model this small.
_EXAMPLES: list[tuple[str, list[tuple[str, dict[str, Any], str]], tuple[float, str]]] = [
    (
        "What was the total precipitation in Seattle in February 2012, in inches?",
        [
            (
                "query_database",
                {"sql": _month_sql("SUM(precipitation_mm)", "February 2012")},
                _rows(["sum"], [[92.30001]]),
            ),
            ("convert_units", {"value": 92.30001, "to_unit": "in", "from_unit": "mm"}, '{"value":3.6339,"unit":"in"}'),
        ],
        (3.6339, "in"),
    ),
    (
        "What was the highest daily maximum temperature in Seattle in August 2015, in degrees Fahrenheit?",
        [
            ("query_database", {"sql": _month_sql("MAX(temp_max_c)", "August 2015")}, _rows(["max"], [[33.3]])),
            ("convert_units", {"value": 33.3, "to_unit": "F", "from_unit": "C"}, '{"value":91.94,"unit":"F"}'),
        ],
        (91.94, "F"),
    ),
    (
        "What was the lowest daily minimum temperature in Seattle in February 2014, in °C?",
        [("query_database", {"sql": _month_sql("MIN(temp_min_c)", "February 2014")}, _rows(["min"], [[-6.0]]))],
        (-6.0, "C"),
    ),
    (
        "How much higher was the average daily maximum temperature in August 2014 than in August 2012 "
        "(2014 minus 2012), in °C?",
        [
            ("query_database", {"sql": _YEARLY_AUGUST}, _rows(["to_char", "avg"], _AUGUST_BY_YEAR)),
            ("calculate", {"expression": "26.383870893909084 - 25.858064651489258"}, '{"value":0.525806}'),
        ],
        (0.525806, "C"),
    ),
    (
        "On how many days in February 2014 was the Seattle weather labelled 'fog'?",
        [
            (
                "query_database",
                {"sql": _month_sql("COUNT(*)", "February 2014", "weather = 'fog'")},
                _rows(["count"], [[17]]),
            )
        ],
        (17, "days"),
    ),
    (
        "On how many days in October 2015 did more than 5 mm of rain fall in Seattle?",
        [
            (
                "query_database",
                {"sql": _month_sql("COUNT(*)", "October 2015", "precipitation_mm > 5")},
                _rows(["count"], [[6]]),
            )
        ],
        (6, "days"),
    ),
    (
        "What was the mean daily wind speed in Seattle in April 2014, in km/h?",
        [
            (
                "query_database",
                {"sql": _month_sql("AVG(wind_ms)", "April 2014")},
                _rows(["avg"], [[3.696666638056437]]),
            ),
            (
                "convert_units",
                {"value": 3.696666638056437, "to_unit": "km/h", "from_unit": "m/s"},
                '{"value":13.308,"unit":"km/h"}',
            ),
        ],
        (13.308, "km/h"),
    ),
]


def worked_example(question: str, calls: list[tuple[str, dict[str, Any], str]], final: tuple[float, str]) -> str:
    lines = [f"Question: {question}"]
    for name, arguments, result in calls:
        lines += [f"{name}({json.dumps(arguments, ensure_ascii=False)})", f"{name} returned: {result}"]
    answer, unit = final
    lines.append(f"Final answer: {json.dumps({'answer': answer, 'unit': unit})}")
    return "\n".join(lines)


INSTRUCTIONS = "\n\n".join([_HEADER, *(worked_example(*example) for example in _EXAMPLES)])


@dataclass
class AgentConfig:
    max_steps: int = 4
    token_budget: int = 6000
    max_tokens_per_call: int = 48
    temperature: float = 0.0
    tool_policy: Literal["routed", "auto"] = "routed"
    # The tool the routed policy forces for a lookup, and the one it falls back to when that call fails.
    lookup_tool: str = "query_database"
    fallback_tool: str | None = None


@dataclass
class StepRecord:
    step: int
    kind: Literal["tool", "final"]
    latency_s: float
    input_tokens: int = 0
    output_tokens: int = 0
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    retries: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RunRecord:
    task: str
    status: Status = "model_error"
    answer: dict[str, Any] | None = None
    error: str | None = None
    steps: list[StepRecord] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    latency_s: float = 0.0

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        return [call for step in self.steps for call in step.tool_calls]

    @property
    def failures(self) -> list[dict[str, Any]]:
        return [failure for step in self.steps for failure in step.failures]

    @property
    def retries(self) -> list[dict[str, Any]]:
        return [retry for step in self.steps for retry in step.retries]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def route(task: str) -> list[str]:
    """The tool sequence the ``routed`` policy forces: SQL first, then a conversion or arithmetic."""
    text = task.lower()
    plan = ["query_database"]
    if re.search(r"\b(inches|fahrenheit|km/h|mph|kelvin)\b|°f", text):
        plan.append("convert_units")
    if re.search(r"\b(difference|how much (warmer|colder|wetter|more)|ratio)\b", text):
        plan.append("calculate")
    return plan


def plan_for(task: str, lookup_tool: str = "query_database") -> list[str]:
    """``route`` with its lookup done by ``lookup_tool``; a typed lookup answers one period, so a
    difference takes two of them."""
    plan = route(task)
    if lookup_tool == "query_database":
        return plan
    lookups = [lookup_tool, lookup_tool] if "calculate" in plan else [lookup_tool]
    return [*lookups, *plan[1:]]


class Agent:
    def __init__(
        self,
        client: ChatClient,
        tools: ToolExecutor,
        dialect: Dialect,
        config: AgentConfig,
        instructions: str = INSTRUCTIONS,
    ) -> None:
        self.client = client
        self.tools = tools
        self.dialect = dialect
        self.config = config
        self.instructions = instructions

    def run(self, task: str, on_event: Callable[[Event], None] | None = None) -> RunRecord:
        emit = on_event or (lambda _event: None)
        record = RunRecord(task=task)
        started = time.perf_counter()
        attributes = {
            GEN_AI_OPERATION: "invoke_agent",
            GEN_AI_AGENT_NAME: AGENT_NAME,
            GEN_AI_PROVIDER: "openai",
            GEN_AI_REQUEST_MODEL: self.client.model,
        }
        # The agent loop runs in this process (its model calls are the CLIENT spans below it).
        with _tracer.start_as_current_span(
            f"invoke_agent {AGENT_NAME}", kind=SpanKind.INTERNAL, attributes=attributes
        ) as span:
            if capture_content():
                span.set_attribute(GEN_AI_INPUT_MESSAGES, input_messages_json([{"role": "user", "content": task}]))
            self._loop(task, record, emit)
            record.latency_s = time.perf_counter() - started
            if capture_content() and record.answer is not None:
                span.set_attribute(GEN_AI_OUTPUT_MESSAGES, output_messages_json(json.dumps(record.answer)))
            span.set_attribute("agent.status", record.status)
            span.set_attribute("agent.steps", len(record.steps))
            span.set_attribute(GEN_AI_INPUT_TOKENS, record.input_tokens)
            span.set_attribute(GEN_AI_OUTPUT_TOKENS, record.output_tokens)
        emit({"type": "result", "record": record.to_dict()})
        return record

    def _loop(self, task: str, record: RunRecord, emit: Callable[[Event], None]) -> None:
        messages = self.dialect.opening(self.instructions, task)
        plan = plan_for(task, self.config.lookup_tool) if self.config.tool_policy == "routed" else []
        wants_final = False
        for number in range(1, self.config.max_steps + 1):
            remaining = self.config.token_budget - record.input_tokens - record.output_tokens
            if remaining <= 0:
                record.status, record.error = (
                    "token_budget_exhausted",
                    (f"The token budget of {self.config.token_budget} was spent before an answer."),
                )
                return
            final_step = wants_final or (self.config.tool_policy == "routed" and not plan)
            step = StepRecord(step=number, kind="final" if final_step else "tool", latency_s=0.0)
            step_started = time.perf_counter()
            with _tracer.start_as_current_span(f"agent_step {number}") as span:
                span.set_attribute("agent.step", number)
                span.set_attribute("agent.step.kind", step.kind)
                try:
                    result = self._call_model(
                        messages, plan, final_step, min(remaining, self.config.max_tokens_per_call)
                    )
                except LLMError as exc:
                    step.retries.extend(dict(retry) for retry in exc.retries)
                    step.failures.append({"kind": type(exc).__name__, "detail": str(exc)})
                    record.status = "model_unavailable" if isinstance(exc, LLMUnavailable) else "model_error"
                    record.error = str(exc)
                    self._finish_step(record, step, step_started, span, emit)
                    return
                step.retries.extend(result.retries)
                step.input_tokens, step.output_tokens = result.input_tokens or 0, result.output_tokens or 0
                record.input_tokens += step.input_tokens
                record.output_tokens += step.output_tokens
                if final_step:
                    answer = self._final(result, step, messages)
                    if answer is not None:
                        record.status, record.answer = "answered", answer.model_dump()
                        self._finish_step(record, step, step_started, span, emit)
                        return
                elif result.tool_calls:
                    outcomes = [self.tools.execute(c.name, c.arguments, c.id) for c in result.tool_calls]
                    for outcome in outcomes:
                        step.tool_calls.append(_call_record(outcome))
                        step.retries.extend(outcome.retries)
                        if not outcome.ok:
                            step.failures.append(
                                {"kind": outcome.error_kind, "detail": outcome.error, "tool": outcome.name}
                            )
                            if (
                                plan
                                and outcome.name == plan[0] == self.config.lookup_tool
                                and self.config.fallback_tool
                            ):
                                plan[0] = self.config.fallback_tool
                        elif plan and outcome.name == plan[0]:
                            plan.pop(0)
                    messages.append(self.dialect.assistant_tool_calls(result.tool_calls))
                    messages.extend(
                        self.dialect.tool_results(
                            [(call, outcome.output) for call, outcome in zip(result.tool_calls, outcomes, strict=True)]
                        )
                    )
                else:
                    # No tool call: the model is done. A valid answer ends the run; anything else is
                    # followed by a step that asks for the answer under the structured-output format.
                    try:
                        answer = parse_final_answer(result.content)
                    except FinalAnswerError:
                        wants_final = True
                        messages.append({"role": "assistant", "content": result.content})
                    else:
                        record.status, record.answer = "answered", answer.model_dump()
                        self._finish_step(record, step, step_started, span, emit)
                        return
                self._finish_step(record, step, step_started, span, emit)
        record.status = "step_budget_exhausted"
        record.error = f"No valid final answer within {self.config.max_steps} steps."

    def _call_model(
        self, messages: list[dict[str, Any]], plan: list[str], final_step: bool, max_tokens: int
    ) -> ChatResult:
        common: dict[str, Any] = {"max_tokens": max_tokens, "temperature": self.config.temperature}
        if final_step:
            schema = FinalAnswer.model_json_schema()
            return self.client.chat(messages, response_format=self.dialect.response_format(schema), **common)
        choice: Any = {"type": "function", "function": {"name": plan[0]}} if plan else "auto"
        return self.client.chat(messages, tools=self.tools.schemas(), tool_choice=choice, **common)

    def _final(self, result: ChatResult, step: StepRecord, messages: list[dict[str, Any]]) -> FinalAnswer | None:
        try:
            return parse_final_answer(result.content)
        except FinalAnswerError as exc:
            step.failures.append({"kind": "invalid_final_answer", "detail": str(exc)})
            messages.append({"role": "assistant", "content": result.content})
            messages.append({"role": "user", "content": f"{exc} Reply with only the JSON object."})
            return None

    def _finish_step(
        self, record: RunRecord, step: StepRecord, started: float, span: Any, emit: Callable[[Event], None]
    ) -> None:
        step.latency_s = time.perf_counter() - started
        record.steps.append(step)
        span.set_attribute("agent.failures", len(step.failures))
        span.set_attribute("agent.retries", len(step.retries))
        for failure in step.failures:
            span.add_event("failure", {k: str(v) for k, v in failure.items()})
        emit({"type": "step", **asdict(step)})


def _call_record(outcome: ToolOutcome) -> dict[str, Any]:
    return {
        "id": outcome.call_id,
        "name": outcome.name,
        "arguments": outcome.arguments,
        "ok": outcome.ok,
        "error_kind": outcome.error_kind,
        "attempts": outcome.attempts,
        "latency_s": round(outcome.latency_s, 4),
        "output": outcome.output[:500],
    }
