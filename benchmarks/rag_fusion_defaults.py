"""The rag-qa template's default fusion settings, chosen on the dev splits of two corpora.

    python benchmarks/rag_fusion_defaults.py ABLATION.json... [--out benchmarks/results/rag_fusion_defaults]

Each ABLATION.json is a generated project's ``results/ablation.json`` (``make ablate``: every point of
the fusion grid scored on that corpus's dev split, beside the single retrieval modes). A default
has to serve corpora whose questions favour either mode, so the setting kept is the one whose hybrid
nDCG@10 beats the better single mode (vector or lexical, same chunking) by the largest margin on
the corpus where that margin is smallest; ties go to the smaller RRF k, then fewer candidates.
The test splits are never read.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def corpus_name(result: dict[str, Any]) -> str:
    card = result["run"]["config"].get("dataset_card") or {}
    return str(card.get("name") or "shipped example")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ablations", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=RESULTS / "rag_fusion_defaults")
    args = parser.parse_args()
    corpora = []
    for path in args.ablations:
        result = json.loads(path.read_text(encoding="utf-8"))
        metrics = result["metrics"]
        strategy = metrics["fusion"]["collection"].removeprefix("ablation_")
        runs = [r for r in metrics["runs"] if r["strategy"] == strategy]
        single = {r["mode"]: r["ndcg@10"] for r in runs if r["mode"] in ("vector", "lexical")}
        points = {(p["rrf_k"], p["lexical_weight"], p["candidates"]): p for p in metrics["fusion"]["points"]}
        corpora.append({"name": corpus_name(result), "file": path.name, "questions": metrics["cases"],
                        "better_single": max(single.values()), "single": single, "points": points})  # fmt: skip
    settings = sorted(set.intersection(*(set(c["points"]) for c in corpora)))
    rows = []
    for setting in settings:
        margins = [c["points"][setting]["ndcg@10"] - c["better_single"] for c in corpora]
        rows.append({"rrf_k": setting[0], "lexical_weight": setting[1], "candidates": setting[2],
                     "ndcg@10": [c["points"][setting]["ndcg@10"] for c in corpora],
                     "margin_over_better_single": margins, "worst_margin": min(margins)})  # fmt: skip
    rows.sort(key=lambda r: (-round(r["worst_margin"], 4), r["rrf_k"], r["candidates"]))
    chosen = rows[0]
    summary = {
        "corpora": [{k: c[k] for k in ("name", "file", "questions", "better_single", "single")} for c in corpora],
        "chosen": chosen,
        "settings": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    header = "| RRF k | lexical weight | candidates | " + " | ".join(f"{c['name']} nDCG@10" for c in corpora)
    lines = [header + " | worst margin |", "|" + "---|" * (4 + len(corpora))]
    for r in rows[:10]:
        cells = " | ".join(f"{v:.3f}" for v in r["ndcg@10"])
        setting = f"| {r['rrf_k']} | {r['lexical_weight']} | {r['candidates']} |"
        lines.append(f"{setting} {cells} | {r['worst_margin']:+.4f} |")
    singles = "; ".join(
        f"{c['name']} ({c['questions']} dev questions): "
        f"vector {c['single']['vector']:.3f}, lexical {c['single']['lexical']:.3f}"
        for c in corpora
    )
    text = f"# Default fusion settings\n\nBetter single modes, nDCG@10 on dev: {singles}.\n\n" + "\n".join(lines) + "\n"
    args.out.with_suffix(".md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
