"""Failure injection: the faults production brings, on demand and reproducibly (seeded).

Tool faults wrap a tool's function (``timeout`` sleeps past the tool timeout, ``tool_error`` raises,
``nonjson`` returns text that is not JSON). Model faults sit in the HTTP transport of the chat
client (``ratelimit`` answers 429 with Retry-After, ``server_error`` answers 503, ``malformed``
truncates the arguments of a real tool call). Each fault fires independently at its rate per
opportunity, so the agent's real retry and recovery paths are what gets exercised.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from .errors import UserError

TOOL_FAULTS = ("timeout", "tool_error", "nonjson")
MODEL_FAULTS = ("ratelimit", "server_error", "malformed")
RETRY_AFTER_S = 1


class InjectedToolError(RuntimeError):
    """Raised by a tool under the ``tool_error`` fault."""


class FaultInjector:
    def __init__(self, rates: dict[str, float], seed: int = 7) -> None:
        unknown = set(rates) - set(TOOL_FAULTS) - set(MODEL_FAULTS)
        if unknown:
            raise UserError(
                f"Unknown fault {', '.join(sorted(unknown))}; choose from {', '.join(TOOL_FAULTS + MODEL_FAULTS)}."
            )
        self.rates = dict(rates)
        self.injected: Counter[str] = Counter()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, spec: str, default_rate: float, seed: int = 7) -> FaultInjector:
        """``"timeout,ratelimit:0.3"`` -> rates; an empty spec or ``none`` injects nothing."""
        rates: dict[str, float] = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            if item == "none":
                continue
            name, _, rate = item.partition(":")
            try:
                rates[name] = float(rate) if rate else default_rate
            except ValueError:
                raise UserError(f"Fault rate in {item!r} is not a number.") from None
            if not 0 <= rates[name] <= 1:
                raise UserError(f"Fault rate in {item!r} must be between 0 and 1.")
        return cls(rates, seed)

    @property
    def active(self) -> bool:
        return any(rate > 0 for rate in self.rates.values())

    def fires(self, fault: str) -> bool:
        rate = self.rates.get(fault, 0.0)
        if rate <= 0:
            return False
        with self._lock:
            hit = self._rng.random() < rate
            if hit:
                self.injected[fault] += 1
        return hit

    def wrap_tool(self, function: Callable[..., Any], timeout_s: float) -> Callable[..., Any]:
        def faulty(**kwargs: Any) -> Any:
            if self.fires("timeout"):
                time.sleep(timeout_s + 0.5)
            if self.fires("tool_error"):
                raise InjectedToolError("injected tool failure")
            if self.fires("nonjson"):
                return "<html>502 Bad Gateway</html>"
            return function(**kwargs)

        return faulty

    def transport(self, inner: httpx.BaseTransport | None = None) -> httpx.BaseTransport:
        return FaultyTransport(inner or httpx.HTTPTransport(), self)


class FaultyTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, faults: FaultInjector) -> None:
        self._inner = inner
        self._faults = faults

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._faults.fires("ratelimit"):
            return httpx.Response(429, headers={"Retry-After": str(RETRY_AFTER_S)}, json={"error": "rate limited"})
        if self._faults.fires("server_error"):
            return httpx.Response(503, json={"error": "injected server error"})
        response = self._inner.handle_request(request)
        if response.status_code >= 400 or "malformed" not in self._faults.rates:
            return response
        response.read()
        try:
            payload = json.loads(response.content)
            calls = payload["choices"][0]["message"].get("tool_calls") or []
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            return response
        if not calls or not self._faults.fires("malformed"):
            return response
        arguments = calls[0]["function"].get("arguments") or "{}"
        text = arguments if isinstance(arguments, str) else json.dumps(arguments)
        calls[0]["function"]["arguments"] = text[: max(1, len(text) // 2)]
        return httpx.Response(response.status_code, json=payload)

    def close(self) -> None:
        self._inner.close()
