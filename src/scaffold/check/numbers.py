"""Numbers as a README shows them, and whether a stored value backs one up."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = re.compile(
    r"^\s*[*_`~]*\s*(?P<sign>[-+\u2212])?\s*\$?\s*(?P<digits>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d+))?"
    r"\s*(?P<unit>%|ms|s|sec|x|\u00d7|k|tok/s|tokens/s|req/s|rps|qps|/s|gb|mb|gib|mib|usd)?\s*"
    r"(?:±\s*\d+(?:\.\d+)?\s*%?)?\s*[*_`~]*\s*$",
    re.I,
)


@dataclass(frozen=True)
class ShownNumber:
    value: float
    decimals: int
    unit: str

    def backed_by(self, stored: float) -> bool:
        """True when `stored`, rounded to the shown precision, is the shown number.

        Fractions back percentages (0.824 backs 82.4%), seconds back milliseconds, and a
        thousands suffix (12k) is expanded before comparing.
        """
        scales = [1.0, 100.0, 1000.0, 0.001, 0.01]
        shown = self.magnitude
        step = 10 ** (-self.decimals) * (1000 if self.unit == "k" else 1)
        tolerance = 0.5 * step + 1e-9
        return any(abs(stored * scale - shown) <= tolerance for scale in scales)

    @property
    def magnitude(self) -> float:
        """The value with a thousands suffix expanded (12.5k is 12500)."""
        return self.value * 1000 if self.unit == "k" else self.value

    def distance(self, stored: float) -> float:
        return min(
            abs(stored * scale - self.value) / max(abs(self.value), 1e-9)
            for scale in (1.0, 100.0, 1000.0, 0.001)
        )


def parse_shown_number(text: str) -> ShownNumber | None:
    """The number in a table cell such as `0.83`, `82.4%`, `120 ms`, `$0.002` or `1,024`; None otherwise."""
    match = _NUMBER.match(text)
    if match is None:
        return None
    digits = match.group("digits").replace(",", "")
    fraction = match.group("fraction") or ""
    value = float(f"{digits}.{fraction}" if fraction else digits)
    if match.group("sign") in {"-", "\u2212"}:
        value = -value
    return ShownNumber(value, len(fraction), (match.group("unit") or "").lower())
