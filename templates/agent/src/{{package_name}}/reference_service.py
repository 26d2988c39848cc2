"""The small HTTP service behind the ``convert_units`` tool, started by the project on localhost.

It stands in for the external APIs real agents call: a separate process boundary with its own
failures (connection refused, HTTP 429, 5xx, slow answers). ``running_service`` serves it from a
background thread so `make eval`, `make bench` and `make serve` need nothing else running.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Literal

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from .serving import serve_in_thread

Unit = Literal["mm", "cm", "in", "C", "F", "K", "m/s", "km/h", "mph"]

# Each unit maps to (dimension, to-base, from-base); temperatures are affine, so functions.
_UNITS: dict[str, tuple[str, Callable[[float], float], Callable[[float], float]]] = {
    "mm": ("length", lambda v: v, lambda v: v),
    "cm": ("length", lambda v: v * 10, lambda v: v / 10),
    "in": ("length", lambda v: v * 25.4, lambda v: v / 25.4),
    "C": ("temperature", lambda v: v, lambda v: v),
    "F": ("temperature", lambda v: (v - 32) * 5 / 9, lambda v: v * 9 / 5 + 32),
    "K": ("temperature", lambda v: v - 273.15, lambda v: v + 273.15),
    "m/s": ("speed", lambda v: v, lambda v: v),
    "km/h": ("speed", lambda v: v / 3.6, lambda v: v * 3.6),
    "mph": ("speed", lambda v: v * 0.44704, lambda v: v / 0.44704),
}


class Conversion(BaseModel):
    value: float
    unit: str


def convert(value: float, from_unit: str, to_unit: str) -> float:
    if from_unit not in _UNITS or to_unit not in _UNITS:
        raise ValueError(f"Unknown unit; use one of {', '.join(_UNITS)}.")
    source, target = _UNITS[from_unit], _UNITS[to_unit]
    if source[0] != target[0]:
        raise ValueError(f"Cannot convert {source[0]} ({from_unit}) to {target[0]} ({to_unit}).")
    return target[2](source[1](value))


def create_app() -> FastAPI:
    app = FastAPI(title="Reference service: unit conversion")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/convert")
    def convert_endpoint(value: float, from_unit: Unit, to_unit: Unit) -> Conversion:
        try:
            return Conversion(value=round(convert(value, from_unit, to_unit), 4), unit=to_unit)
        except ValueError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from None

    return app


def running_service(host: str = "127.0.0.1", port: int = 0) -> AbstractContextManager[str]:
    """Serve the reference service in a background thread; the context yields its base URL."""
    return serve_in_thread(create_app(), host=host, port=port, name="reference service", startup_timeout_s=10)
