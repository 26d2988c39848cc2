"""The commands every project kind shares: ``gate``, ``baseline`` and ``report``.

They are registered on each kind's Typer app from the kind's own gate and README renderers, so
`make gate`, `make baseline` and `make report` behave the same in every generated project.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import typer
from rich.console import Console

from .results import Gate, Renderer, refresh_readme

console = Console(soft_wrap=True)  # log lines stay whole when output is not a terminal
# Annotations are evaluated at module level, so the option is declared here, not in the closure.
Tolerance = Annotated[float | None, typer.Option(min=0, help="Allowed regression (default: the gate's own).")]


def check_gate(gate: Gate) -> None:
    """Print each regression against the baseline; exit 1 when there is one."""
    regressions = gate.check()
    for line in regressions:
        Console(stderr=True).print(f"[red]regression[/] {line}", highlight=False)
    if regressions:
        raise typer.Exit(1)
    console.print(f"No regression against {gate.baseline_path}.")


def report_written(renderers: Mapping[str, Renderer], *names: str) -> None:
    """After a run: re-render the README blocks and say which files were written."""
    blocks = refresh_readme(renderers)
    written = ", ".join(f"results/{name}.json" for name in names)
    console.print(f"Wrote {written}; README blocks re-rendered: {', '.join(blocks) or 'none'}.", highlight=False)


def add_lifecycle_commands(app: typer.Typer, gate: Gate, renderers: Mapping[str, Renderer]) -> None:
    @app.command("gate")
    def gate_command() -> None:
        """Compare the current results with evals/baseline.json; exit 1 on a regression."""
        check_gate(gate)

    @app.command()
    def baseline(tolerance: Tolerance = None) -> None:
        """Accept the current results (a full run, not a LIMIT subset) as evals/baseline.json."""
        console.print(f"Wrote {gate.accept(tolerance=tolerance)}.")

    @app.command()
    def report() -> None:
        """Re-render the README's result blocks from results/*.json."""
        blocks = refresh_readme(renderers)
        console.print(f"README blocks rendered: {', '.join(blocks) or 'none (no results yet)'}.")
