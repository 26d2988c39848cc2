"""The kind catalog: ``templates/kinds.yml`` is the one source of the built-in kinds' metadata.

Copier cannot import Python, so the catalog reaches ``copier.yml`` as a generated block between
``START`` and ``END``: the ``kind`` question with one choice per kind, plus computed values that
are never asked (``default_project_name``, ``eval_gate``, ...) which the hand-written questions
and template files read. `python -m scaffold.catalog templates/copier.yml` rewrites the block;
``--check`` only reports whether it is up to date. `scaffold list` and the message after
`scaffold new` read the catalog directly.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

START = "# >>> generated from kinds.yml by `make catalog`; edit kinds.yml, not this block"
END = "# <<< end of the block generated from kinds.yml"
# Catalog switch -> the Copier variable that templates/shared/repo/ci.yml.jinja reads.
CI_SWITCHES = {"eval_gate": "eval_gate", "bench": "bench_in_ci", "setup_llm": "ci_setup_llm"}
DEFAULT_ANSWERS = ("project_name", "description")
_KIND_NAME = re.compile(r"^[a-z][a-z0-9-]*$")  # also a folder name and a quoted Jinja literal


class CatalogError(Exception):
    """The catalog file is malformed; the message names the kind and the field."""


@dataclass(frozen=True)
class Kind:
    name: str
    summary: str
    defaults: dict[str, str]
    first_run: str
    ci: dict[str, bool]
    example: tuple[str, ...] = ()
    """Files a user replaces to make the project theirs (dataset, eval set, model config)."""
    make_it_yours: str | None = None
    """The first command of the path that makes the project the user's own."""


def load(path: Path) -> list[Kind]:
    """Read and validate the catalog at ``path``."""
    import yaml

    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not raw:
        raise CatalogError(f"{path} must map each kind name to its entry.")
    return [_kind(str(name), entry, path) for name, entry in raw.items()]


def _kind(name: str, entry: Any, path: Path) -> Kind:
    where = f"{path.name}: kind {name!r}"
    if not _KIND_NAME.match(name):
        raise CatalogError(f"{where}: a kind name is lowercase letters, digits and hyphens.")
    if not isinstance(entry, dict):
        raise CatalogError(f"{where} must be a mapping.")
    summary, first_run = entry.get("summary"), entry.get("first_run")
    defaults, ci = entry.get("defaults") or {}, entry.get("ci") or {}
    if not isinstance(summary, str) or not summary.strip():
        raise CatalogError(f"{where} needs a summary.")
    if not isinstance(first_run, str) or not first_run.strip():
        raise CatalogError(f"{where} needs first_run commands.")
    if not isinstance(defaults, dict) or sorted(defaults) != sorted(DEFAULT_ANSWERS):
        raise CatalogError(f"{where}: defaults must give exactly {', '.join(DEFAULT_ANSWERS)}.")
    for key, value in defaults.items():
        if not isinstance(value, str) or not value.strip():
            raise CatalogError(f"{where}: defaults.{key} must be a non-empty string.")
        if "{" in value or "}" in value:
            raise CatalogError(f"{where}: defaults.{key} must not contain Jinja syntax.")
    if not isinstance(ci, dict) or set(ci) != set(CI_SWITCHES) or not all(isinstance(v, bool) for v in ci.values()):
        raise CatalogError(f"{where}: ci must set {', '.join(CI_SWITCHES)} to true or false.")
    example = entry.get("example") or []
    if not isinstance(example, list) or not all(isinstance(p, str) and p and not p.startswith("/") for p in example):
        raise CatalogError(f"{where}: example must list relative file paths.")
    make_it_yours = entry.get("make_it_yours")
    if make_it_yours is not None and (not isinstance(make_it_yours, str) or not make_it_yours.strip()):
        raise CatalogError(f"{where}: make_it_yours must be a command.")
    return Kind(
        name=name,
        summary=summary.strip(),
        defaults=dict(defaults),
        first_run=first_run.strip(),
        ci=dict(ci),
        example=tuple(example),
        make_it_yours=make_it_yours.strip() if make_it_yours else None,
    )


def copier_block(kinds: list[Kind]) -> str:
    """The generated part of ``copier.yml``, markers included."""
    lines = [START, "kind:", "  type: str", "  help: Which project to generate", "  choices:"]
    lines += [f"    {_quote(f'{kind.name} — {kind.summary}')}: {kind.name}" for kind in kinds]
    lines += [f"  default: {kinds[0].name}", ""]
    lines += ["# Per-kind values: computed from the kind, never asked, not recorded in the answers file."]
    for key in DEFAULT_ANSWERS:
        lines += _computed(f"default_{key}", "str", {kind.name: kind.defaults[key] for kind in kinds})
    for switch, variable in CI_SWITCHES.items():
        lines += _computed(variable, "bool", {kind.name: "true" if kind.ci[switch] else "false" for kind in kinds})
    return "\n".join([*lines, END]) + "\n"


def _computed(name: str, type_: str, by_kind: dict[str, str]) -> list[str]:
    branches = "".join(
        f"{{% {'elif' if i else 'if'} kind == '{kind}' %}}{value}" for i, (kind, value) in enumerate(by_kind.items())
    )
    return [f"{name}:", f"  type: {type_}", f"  default: {_quote(branches + '{% endif %}')}", "  when: false", ""]


def _quote(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(text, ensure_ascii=False)


def with_block(copier_yml: str, kinds: list[Kind]) -> str:
    """``copier_yml`` with its generated block replaced by one made from ``kinds``."""
    head, start, rest = copier_yml.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise CatalogError(f"copier.yml needs the lines {START!r} and {END!r} around the generated block.")
    return head + copier_block(kinds) + tail.removeprefix("\n")


def main(argv: list[str]) -> int:
    args = [a for a in argv if a != "--check"]
    if len(args) != 1:
        print("usage: python -m scaffold.catalog [--check] templates/copier.yml", file=sys.stderr)
        return 2
    copier_path = Path(args[0])
    try:
        current = copier_path.read_text(encoding="utf-8")
        wanted = with_block(current, load(copier_path.with_name("kinds.yml")))
    except (OSError, CatalogError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if "--check" in argv:
        if wanted != current:
            print(f"{copier_path} is out of date with kinds.yml; run `make catalog`.", file=sys.stderr)
            return 1
        return 0
    if wanted != current:
        copier_path.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
