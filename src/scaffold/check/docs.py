"""The check list as documentation, generated from the checks themselves so it never drifts.

`python -m scaffold.check.docs README.md` rewrites the block between `<!-- checks:start -->` and
`<!-- checks:end -->`; `--check` only reports whether it is up to date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from scaffold.check.model import FAMILY_TITLES, Check
from scaffold.check.scoring import FAMILY_WEIGHTS

START = "<!-- checks:start -->"
END = "<!-- checks:end -->"


def checks_markdown(checks: list[type[Check]]) -> str:
    lines: list[str] = []
    families = list(dict.fromkeys(c.family for c in checks))
    for family in families:
        weight = FAMILY_WEIGHTS.get(family)
        title = FAMILY_TITLES.get(family, family.title())
        lines += [f"### {title}" + (f" (weight {weight:g})" if weight else ""), ""]
        lines += ["| id | check | weight | fix when it fails |", "|---|---|---:|---|"]
        for check in (c for c in checks if c.family == family):
            track = f" *(track: {check.track})*" if check.track else ""
            lines.append(
                f"| {check.id} | {check.title()}{track} | {check.weight:g} | {check.fix} |"
            )
        lines.append("")
    lines += [CONFIGURATION]
    return "\n".join(lines).rstrip() + "\n"


CONFIGURATION = """### Configuration

In the checked repository's `pyproject.toml`:

```toml
[tool.scaffold.check]
select = ["ST", "EV"]                 # only these ids or prefixes
ignore = ["PF3"]                      # skip these
not_applicable = { PR4 = "internal tool, no public demo" }   # a reason is required and shown
tracks = ["rag"]                      # override track detection (rag, agent, serving)
exclude = ["vendor/"]                 # paths left out of the evidence (.gitignore syntax)
fail_under = 80                       # same as --fail-under
```

Third-party checks: a package declares an entry point in the `scaffold.checks` group whose object
returns `Check` subclasses, and may add families (`scaffold.families`: `Family(name, title,
weight)` objects) and facts (`scaffold.facts`: a function of the repository, computed once). The
built-in checks, facts and families come through the same groups from scaffold's own distribution.
Each check names the facts it needs as `check()` parameters (`files`, `readme`, `writeup` — the
README and the Markdown documents it links to —, `reports` — Markdown reports in results folders
—, `pyproject`, `dependencies`, `python`, `results`, `eval_sets`, `tasks`, `ci`, `git_history`,
`secrets`, `tracks`, `deployment`, `infrastructure`, `serving_engines`, `tooling`, `root`, or a
plugin's fact); checks never parse files themselves. Checks run after the ones they require; a
check whose prerequisite failed is not applicable, with the reason.
`scaffold.check.runner.compute_check(id, **facts)` runs one check on
hand-made facts in a unit test (`tests/check/test_each_check.py` does it for every built-in check).
"""


def explain_check(check: type[Check]) -> str:
    parts = [
        f"{check.id} — {check.title()}",
        f"family: {FAMILY_TITLES.get(check.family, check.family)}, weight {check.weight:g}"
        + (f", track: {check.track}" if check.track else "")
        + (f", requires: {', '.join(sorted(check.requires))}" if check.requires else ""),
        f"fails when: {check.failure_message()}",
        f"fix: {check.fix}",
        f"evidence used: {', '.join(check.fact_names())}",
        f'not applicable to you? add to pyproject.toml: [tool.scaffold.check] not_applicable = {{ {check.id} = "why" }}',
    ]
    return "\n".join(parts)


def rewrite_block(text: str, block: str) -> str:
    if START in text and END in text and text.index(START) < text.index(END):
        before = text[: text.index(START) + len(START)]
        after = text[text.index(END) :]
        return f"{before}\n{block}{after}"
    suffix = "" if text.endswith("\n") or not text else "\n"
    return f"{text}{suffix}\n## Checks\n\n{START}\n{block}{END}\n"


def main(argv: list[str] | None = None) -> int:
    from scaffold.check.registry import load_checks

    args = list(sys.argv[1:] if argv is None else argv)
    only_verify = "--check" in args
    paths = [a for a in args if a != "--check"] or ["README.md"]
    readme = Path(paths[0])
    current = readme.read_text(encoding="utf-8") if readme.exists() else ""
    updated = rewrite_block(current, checks_markdown(load_checks(include_plugins=False)))
    if updated == current:
        return 0
    if only_verify:
        print(
            f"{readme}: the checks block is out of date; run `python -m scaffold.check.docs {readme}`.",
            file=sys.stderr,
        )
        return 1
    readme.write_text(updated, encoding="utf-8")
    print(f"updated the checks block in {readme}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
