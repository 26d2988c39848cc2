"""`[tool.scaffold.check]` in the checked repository's pyproject.toml, merged with command-line options."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scaffold.check.evidence.tracks import GENERAL, TRACK_NAMES


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to change."""


@dataclass
class CheckConfig:
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    not_applicable: dict[str, str] = field(default_factory=dict)
    tracks: list[str] | None = None
    fail_under: float | None = None
    exclude: list[str] = field(default_factory=list)
    """Paths left out of the evidence, in .gitignore syntax (for vendored code or test fixtures)."""

    def is_selected(self, check_id: str) -> bool:
        chosen = not self.select or any(check_id.startswith(prefix) for prefix in self.select)
        return chosen and not any(check_id.startswith(prefix) for prefix in self.ignore)


def _string_list(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(
            f'[tool.scaffold.check] {key} must be a list of check ids, e.g. {key} = ["EV", "ST1"].'
        )
    return [item.strip().upper() for item in value if item.strip()]


def config_from_table(table: Any) -> CheckConfig:
    if table is None:
        return CheckConfig()
    if not isinstance(table, dict):
        raise ConfigError("[tool.scaffold.check] must be a table.")
    known = {"select", "ignore", "not_applicable", "tracks", "fail_under", "exclude"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(
            f"[tool.scaffold.check] has unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}."
        )
    config = CheckConfig(
        select=_string_list(table.get("select", []), "select"),
        ignore=_string_list(table.get("ignore", []), "ignore"),
    )
    reasons = table.get("not_applicable", {})
    if not isinstance(reasons, dict):
        raise ConfigError(
            '[tool.scaffold.check] not_applicable must map ids to reasons, e.g. not_applicable = { PR4 = "internal tool, no public demo" }.'
        )
    for check_id, reason in reasons.items():
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(
                f"[tool.scaffold.check] not_applicable.{check_id} needs a reason (a non-empty string saying why it does not apply)."
            )
        config.not_applicable[str(check_id).upper()] = reason.strip()
    if "tracks" in table:
        tracks = table["tracks"]
        if not isinstance(tracks, list) or not all(isinstance(t, str) for t in tracks):
            raise ConfigError('[tool.scaffold.check] tracks must be a list such as ["rag"].')
        bad = [t for t in tracks if t not in (*TRACK_NAMES, GENERAL)]
        if bad:
            raise ConfigError(
                f"[tool.scaffold.check] tracks: unknown track(s) {', '.join(bad)}; choose from {', '.join(TRACK_NAMES)}."
            )
        config.tracks = list(tracks)
    if "exclude" in table:
        exclude = table["exclude"]
        if not isinstance(exclude, list) or not all(isinstance(p, str) for p in exclude):
            raise ConfigError(
                '[tool.scaffold.check] exclude must be a list of paths, e.g. exclude = ["vendor/"].'
            )
        config.exclude = list(exclude)
    if "fail_under" in table:
        value = table["fail_under"]
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 100:
            raise ConfigError("[tool.scaffold.check] fail_under must be a number from 0 to 100.")
        config.fail_under = float(value)
    return config
