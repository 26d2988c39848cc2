"""Markdown reports and the README's generated blocks, rendered only from results/*.json (and the
corpus section from the dataset card `make corpus` writes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .corpus import corpus_markdown, load_card
from .results import from_results, markdown_table, provenance_line

RETRIEVAL_COLUMNS = ("hit@1", "hit@5", "hit@10", "recall@5", "recall@10", "mrr", "ndcg@10")


def eval_markdown(result: dict[str, Any]) -> str:
    m = result["metrics"]
    config = result["run"]["config"]
    retrieval = markdown_table(
        ["split", "cases", "mode", *RETRIEVAL_COLUMNS],
        [[config["split"], m["cases"], config["retrieval_mode"], *(m["retrieval"][c] for c in RETRIEVAL_COLUMNS)]],
    )
    answer = markdown_table(["answer metric (ragas)", "mean"], sorted(m["answer"].items()))
    latency = m["latency_ms"]
    return (
        f"**Retrieval** (document level, {config['chunk_strategy']} chunks, top_k={config['top_k']})\n\n{retrieval}\n\n"
        f"**Answers** ({config['answerer']})\n\n{answer}\n\n"
        f"Per-question latency: p50 {latency['p50']:.1f} ms, p95 {latency['p95']:.1f} ms.\n\n"
        + provenance_line(result, "results/eval.json")
    )


def dataset_markdown(result: dict[str, Any]) -> str:
    d = result["metrics"]["dataset"]
    config = result["run"]["config"]
    return (
        f"Size: **{d['documents']:,} documents** ({d['characters']:,} characters) indexed as "
        f"{d['chunks']:,} chunks ({config['chunk_strategy']}, {config['chunk_size']} characters); golden set "
        f"**{d['golden_dev'] + d['golden_test']} questions** ({d['golden_dev']} dev / {d['golden_test']} test)"
        + _origins(d.get("golden_origins") or {})
        + "."
    )


def _origins(origins: dict[str, dict[str, int]]) -> str:
    if not origins:
        return ""
    return "; by origin: " + ", ".join(f"{origin} {split['dev'] + split['test']}" for origin, split in origins.items())


def failures_markdown(result: dict[str, Any]) -> str:
    m = result["metrics"]
    f = m["failures"]
    kinds = ", ".join(
        f"{kind}: {f['missed_by_kind'].get(kind, 0)} of {total}" for kind, total in sorted(f["cases_by_kind"].items())
    )
    lines = [
        f"- {f['no_relevant_doc_in_top10']} of {m['cases']} held-out questions had no source document in the top 10 "
        f"(misses by question kind: {kinds}).",
        f"- {f['relevant_doc_not_in_top_k']} of {m['cases']} had no source document among the "
        f"{result['run']['config']['top_k']} "
        "passages given to the answerer, so no answerer could have been right.",
    ]
    examples = f.get("examples", [])
    if examples:
        lines.append("- Examples of misses (question → expected source, what came first instead):")
        lines += [f'  - "{e["question"]}" → `{", ".join(e["expected"])}`, got `{e["got"]}`' for e in examples]
    return "\n".join(lines) + "\n\n" + provenance_line(result, "results/eval.json")


def ablation_markdown(result: dict[str, Any]) -> str:
    rows = [
        [
            r["strategy"],
            r["mode"],
            r["chunks"],
            r["hit@5"],
            r["recall@10"],
            r["mrr"],
            r["ndcg@10"],
            r["retrieval_p50_ms"],
        ]
        for r in result["metrics"]["runs"]
    ]
    table = markdown_table(
        ["chunking", "retrieval", "chunks", "hit@5", "recall@10", "MRR", "nDCG@10", "retrieval p50 ms"], rows
    )
    best = result["metrics"]["best"]
    return (
        f"Dev split, {result['metrics']['cases']} questions. Best: **{best['strategy']} + {best['mode']}** "
        f"(nDCG@10 {best['ndcg@10']:.3f}).\n\n{table}\n\n![ablation](results/ablation.png)\n\n"
        + provenance_line(result, "results/ablation.json")
    )


def bench_markdown(result: dict[str, Any]) -> str:
    m = result["metrics"]
    rows = []
    for device, stages in m["latency_ms"].items():
        for stage, s in stages.items():
            rows.append([device, stage, s["n"], s["p50"], s["p95"], s["p99"]])
    table = markdown_table(["device", "stage", "n", "p50 ms", "p95 ms", "p99 ms"], rows)
    ingest = m["ingest"]
    return (
        f"{table}\n\n"
        f"HNSW recall@10 against exact search: **{m['hnsw_recall@10']:.3f}** over {m['queries']} queries. "
        f"Ingest: {ingest['chunks']} chunks at {ingest['pipeline_chunks_per_s']:.0f} chunks/s end to end vs "
        f"{ingest['encode_chunks_per_s']:.0f} chunks/s for the bare model (overhead {ingest['overhead_pct']:.1f}%), "
        f"peak RSS {ingest['peak_rss_mb']:.0f} MB.\n\n"
        f"Cost: ${m['cost']['usd_per_1k_questions']:.4f} per 1,000 questions at ${m['cost']['usd_per_hour']:.2f}/h "
        "(one sequential worker).\n\n" + provenance_line(result, "results/bench.json")
    )


# The README's generated blocks, each rendered from its results file (`make report`).
def corpus_block(results_dir: Path) -> str | None:
    """The problem-and-dataset text from data/corpus/card.json; None while the example runs."""
    card = load_card()
    return corpus_markdown(card) if card is not None else None


RENDERERS = {
    "corpus": corpus_block,
    "dataset": from_results("eval", dataset_markdown),
    "eval": from_results("eval", eval_markdown),
    "failures": from_results("eval", failures_markdown),
    "ablation": from_results("ablation", ablation_markdown),
    "bench": from_results("bench", bench_markdown),
}
