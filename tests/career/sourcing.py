"""The claim every bullet makes: each number is one a results file holds, at the key it names."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from scaffold.check.evidence.catalog import BUZZWORDS

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
# A number standing alone (not part of a name such as gemma-3-270m, nDCG@10, p95 or a path).
_LONE_NUMBER = re.compile(r"(?<![\w@./{-])\d[\d,]*(?:\.\d+)?(?![\w@./%}-])")


def _at(data: Any, key: str) -> Any:
    for part in key.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def assert_numbers_are_sourced(root: Path, data: dict[str, Any]) -> int:
    """Each number in each bullet is a figure whose value sits in its source file at its key,
    shown as that value rounded; returns how many numbers came from results files."""
    from_results = 0
    for bullet in data["bullets"]:
        text = bullet["text"]
        assert not BUZZWORDS.search(text), text
        assert not _LONE_NUMBER.search(bullet["template"]), bullet["template"]  # no number without a figure
        assert bullet["template"].format(*(f["shown"] for f in bullet["numbers"])) == text
        for figure in bullet["numbers"]:
            source = root / figure["source"]
            if figure["key"] == "(distinct records)":  # counted by the checker in an eval-set file
                lines = [line for line in source.read_text().splitlines() if line.strip()]
                assert 1 <= figure["value"] <= len(lines), figure
                continue
            stored = _at(json.loads(source.read_text()), figure["key"])
            assert stored == figure["value"], figure
            digits = float(_NUMBER.search(figure["shown"]).group().replace(",", ""))  # type: ignore[union-attr]
            decimals = len(figure["shown"].split(".")[1].split()[0]) if "." in figure["shown"] else 0
            assert abs(digits - stored) <= 0.5 * 10**-decimals + 1e-9, figure
            from_results += 1
    return from_results
