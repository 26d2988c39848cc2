"""Ablation: every chunking strategy x every retrieval mode, scored on the dev split only.

The held-out test split is never used here, so choosing the defaults from this table does not
leak into the reported test numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .chunking import STRATEGIES
from .documents import load_corpus_jsonl
from .evaluation import load_golden, retrieval_metrics, run_cases
from .pipeline import RagPipeline
from .retrieval import MODES
from .stats import summarize


def run_ablation(pipeline: RagPipeline, split: str = "dev") -> dict[str, Any]:
    settings = pipeline.settings
    cases = load_golden(settings.golden_path, split)
    documents = load_corpus_jsonl(settings.corpus_path)
    runs = []
    for strategy in STRATEGIES:
        collection = f"ablation_{strategy}"
        report = pipeline.ingest(documents, collection=collection, strategy=strategy)
        for mode in MODES:
            outcomes = run_cases(pipeline, cases, mode=mode, collection=collection, answer=False)
            metrics = retrieval_metrics([o.ranking for o in outcomes], [set(o.case.source_ids) for o in outcomes])
            runs.append(
                {
                    "strategy": strategy,
                    "mode": mode,
                    "chunks": report.chunks,
                    **{k: metrics[k] for k in ("hit@1", "hit@5", "recall@10", "mrr", "ndcg@10")},
                    "retrieval_p50_ms": summarize([o.latency_ms for o in outcomes])["p50"],
                }
            )
    best = max(runs, key=lambda r: (r["ndcg@10"], r["mrr"]))
    return {"cases": len(cases), "split": split, "runs": runs, "best": best}


def plot_ablation(metrics: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = metrics["runs"]
    strategies = list(dict.fromkeys(r["strategy"] for r in runs))
    width = 0.8 / len(MODES)
    fig, ax = plt.subplots(figsize=(7, 4))
    for offset, mode in enumerate(MODES):
        values = [next(r["ndcg@10"] for r in runs if r["strategy"] == s and r["mode"] == mode) for s in strategies]
        positions = [i + (offset - (len(MODES) - 1) / 2) * width for i in range(len(strategies))]
        bars = ax.bar(positions, values, width, label=mode)
        ax.bar_label(bars, fmt="%.2f", fontsize=7)
    ax.set_xticks(range(len(strategies)), strategies)
    ax.set_ylabel("nDCG@10 (dev split)")
    ax.set_ylim(0, 1)
    ax.set_title("Chunking strategy x retrieval mode")
    ax.legend(title="retrieval")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
