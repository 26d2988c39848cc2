"""Markdown reports and the README's generated blocks, rendered only from results/*.json (and the
corpus section from the dataset card `make corpus` writes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .corpus import corpus_markdown, licence_markdown, load_card
from .results import from_results, markdown_table, provenance_line

RETRIEVAL_COLUMNS = ("hit@1", "hit@5", "hit@10", "recall@5", "recall@10", "mrr", "ndcg@10")


def served_mode(config: dict[str, Any]) -> str:
    """The retrieval mode a results file's run served, with its rerank stage if one ran."""
    rerank = (config.get("rerank") or {}).get("mode", "none")
    return str(config["retrieval_mode"]) + ("" if rerank == "none" else " + sentence rerank")


def eval_markdown(result: dict[str, Any]) -> str:
    m = result["metrics"]
    config = result["run"]["config"]
    retrieval = markdown_table(
        ["split", "cases", "mode", *RETRIEVAL_COLUMNS],
        [[config["split"], m["cases"], served_mode(config), *(m["retrieval"][c] for c in RETRIEVAL_COLUMNS)]],
    )
    answer = markdown_table(["answer metric (ragas)", "mean"], sorted(m["answer"].items()))
    latency = m["latency_ms"]
    modes = ""
    if m.get("modes"):
        modes_table = markdown_table(
            ["retrieval arm", "hit@1", "hit@5", "hit@10", "MRR", "nDCG@10", "p50 ms"],
            [
                [r["mode"], r["hit@1"], r["hit@5"], r["hit@10"], r["mrr"], r["ndcg@10"], r["retrieval_p50_ms"]]
                for r in m["modes"]
            ],
        )
        modes = f"**Every retrieval arm, same split** (ten distinct documents ranked per question)\n\n{modes_table}\n\n"
    return (
        f"**Retrieval** (document level, {config['chunk_strategy']} chunks, top_k={config['top_k']})\n\n{retrieval}\n\n"
        + modes
        + f"**Answers** ({config['answerer']})\n\n{answer}\n\n"
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
    m = result["metrics"]
    columns = ("strategy", "mode", "chunks", "hit@5", "recall@10", "mrr", "ndcg@10", "retrieval_p50_ms")
    rows = [[r[c] for c in columns] for r in m["runs"]]
    table = markdown_table(
        ["chunking", "retrieval", "chunks", "hit@5", "recall@10", "MRR", "nDCG@10", "retrieval p50 ms"], rows
    )
    best = m["best"]
    text = (
        f"Dev split, {m['cases']} questions; hybrid at the best fusion setting of the search below. "
        f"Best: **{best['strategy']} + {best['mode']}** "
        f"(nDCG@10 {best['ndcg@10']:.3f}).\n\n{table}\n\n![ablation](results/ablation.png)\n\n"
    )
    fusion = m.get("fusion")
    if fusion:
        points = sorted(fusion["points"], key=lambda p: (-p["ndcg@10"], -p["mrr"]))
        shown = [*points[:5], points[-1]]
        fusion_table = markdown_table(
            ["RRF k", "lexical weight", "candidates", "hit@5", "MRR", "nDCG@10"],
            [[p["rrf_k"], p["lexical_weight"], p["candidates"], p["hit@5"], p["mrr"], p["ndcg@10"]] for p in shown],
        )
        f = fusion["best"]
        text += (
            f"Hybrid fusion, {len(points)} settings searched on `{fusion['collection']}` (best five and the worst): "
            f"best RRF k={f['rrf_k']}, lexical weight {f['lexical_weight']}, {f['candidates']} candidates per list "
            "(by nDCG@10 to two decimals, then MRR, then fewer candidates), the setting every command "
            f"uses while the corpus, questions and configuration stay the ones searched.\n\n{fusion_table}\n\n"
        )
    if m.get("bm25_term_depth"):
        depth_table = markdown_table(
            ["postings read per term", "hit@5", "MRR", "nDCG@10", "lexical p50 ms"],
            [
                [d["term_depth"], d["hit@5"], d["mrr"], d["ndcg@10"], d["retrieval_p50_ms"]]
                for d in m["bm25_term_depth"]
            ],
        )
        text += f"BM25 postings read per query term (lexical arm, same collection):\n\n{depth_table}\n\n"
    if m.get("embeddings"):
        embedding_table = markdown_table(
            [
                "embedding",
                "dim",
                "weights MB",
                "peak RSS MB",
                "ingest chunks/s",
                "speed-up",
                "pipeline overhead %",
                "outside encoder %",
                "vector nDCG@10",
                "hybrid nDCG@10",
                "hybrid MRR",
            ],
            [
                [
                    e["embedding"],
                    e["dimension"],
                    f"{e['parameters_mb']:.0f}",
                    f"{e['peak_rss_mb']:.0f}",
                    f"{e['ingest_chunks_per_s']:.1f}",
                    f"{e['ingest_speedup']:.2f}x",
                    f"{e['pipeline_overhead_pct']:.1f}",
                    _percent(e.get("outside_encoder_pct")),
                    e["vector_ndcg@10"],
                    e["hybrid_ndcg@10"],
                    e["hybrid_mrr"],
                ]
                for e in m["embeddings"]
            ],
        )
        text += (
            f"Embedding models: speed on the same {m['embeddings'][0]['sample_chunks']} chunks, ingested end to end "
            "(overhead: the ingest against the bare encoder on those chunks, total times of rounds run in "
            "alternating order; outside encoder: the share of the ingest's own time spent chunking, storing "
            "and indexing); peak RSS of a process that loads the model and encodes them; quality on the whole "
            f"corpus in the default chunking:\n\n{embedding_table}\n\n"
        )
    return text + provenance_line(result, "results/ablation.json")


def _percent(value: float | None) -> str:
    """A share in percent; results written before the figure existed show a dash."""
    return "—" if value is None else f"{value:.1f}"


def lexical_choice_markdown(result: dict[str, Any]) -> str:
    """The numbers behind the lexical and fusion design decisions, from the dev-split ablation."""
    m = result["metrics"]
    fusion = m["fusion"]
    strategy = fusion["collection"].removeprefix("ablation_")
    arms = {r["mode"]: r for r in m["runs"] if r["strategy"] in (strategy, "none")}
    f = fusion["best"]

    def arm(name: str) -> str:
        r = arms[name]
        return f"{name} {r['ndcg@10']:.3f} (MRR {r['mrr']:.3f}, p50 {r['retrieval_p50_ms']:.1f} ms)"

    return (
        f"Dev split, {strategy} chunks, nDCG@10: {arm('lexical')}, {arm('lexical ts_rank_cd')}, "
        f"{arm('whole-document BM25')}; {arm('vector')}; hybrid with the best fusion setting "
        f"(RRF k={f['rrf_k']}, lexical weight {f['lexical_weight']}, {f['candidates']} candidates) "
        f"{f['ndcg@10']:.3f} (MRR {f['mrr']:.3f})"
        + (f"; {arm('hybrid + sentence rerank')}" if "hybrid + sentence rerank" in arms else "")
        + ". "
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
        f"Ingest, on the corpus's first {ingest['chunks']} chunks ({ingest.get('rounds', 1)} rounds each): "
        f"{ingest['pipeline_chunks_per_s']:.0f} chunks/s end to end vs "
        f"{ingest['encode_chunks_per_s']:.0f} chunks/s for the bare model (overhead {ingest['overhead_pct']:.1f}%; "
        f"time outside the encoder {_percent(ingest.get('outside_encoder_pct'))}%), "
        f"peak RSS {ingest['peak_rss_mb']:.0f} MB.\n\n"
        f"Cost: ${m['cost']['usd_per_1k_questions']:.4f} per 1,000 questions at ${m['cost']['usd_per_hour']:.2f}/h "
        "(one sequential worker).\n\n" + provenance_line(result, "results/bench.json")
    )


def scale_markdown(result: dict[str, Any]) -> str:
    m = result["metrics"]
    arms = list(m["sizes"][0]["latency_ms"])
    rows = [
        [
            s["chunks"],
            *(f"{s['latency_ms'][arm]['p50']:.2f} / {s['latency_ms'][arm]['p95']:.2f}" for arm in arms),
            s["load_s"],
            s["hnsw_build_s"],
            s["bm25_postings_mb"],
            f"{s['load_average_1m']['before']:.1f}",
        ]
        for s in m["sizes"]
    ]
    table = markdown_table(
        [
            "chunks",
            *(f"{arm} p50 / p95 ms" for arm in arms),
            "load s",
            "HNSW build s",
            "BM25 postings MB",
            "machine load",
        ],
        rows,
    )
    return (
        f"Synthetic chunks ({m['words_per_chunk']} words drawn from the corpus' word frequencies, vectors around "
        f"{m['topics']:,} random topic centres), "
        f"{m['queries']} dev questions x {m['repeats']}, top {m['top_k']} as served; the hybrid p95 goal is "
        f"{m['goal_hybrid_p95_ms']:.0f} ms.\n\n{table}\n\n![scale](results/scale.png)\n\n"
        + provenance_line(result, "results/scale.json")
    )


def ingest_ray_markdown(result: dict[str, Any]) -> str:
    m = result["metrics"]
    rows = [
        [
            "in process" if r["workers"] is None else f"Ray Data, {r['workers']} worker(s)",
            r["threads_per_worker"],
            r["added"],
            f"{r['seconds']:.1f}",
            f"{r['chunks_per_s']:.1f}",
            f"{r['embed_seconds']:.1f}",
            "" if r["ray_start_s"] is None else f"{r['ray_start_s']:.1f}",
        ]
        for r in m["runs"]
    ]
    table = markdown_table(
        ["ingest path", "threads per worker", "chunks", "seconds", "chunks/s", "encode s (all workers)", "Ray start s"],
        rows,
    )
    same = all(m["identical_to_in_process"].values())
    verdict = "the same chunks (content hash, document, position, text)" if same else "**different chunks**"
    load = m["load_average_1m"]
    return (
        f"First {m['documents']:,} of {m['corpus_documents']:,} corpus documents, {m['chunks']:,} chunks, every chunk "
        f"embedded in each run; {m['cpu_count']} CPUs, load average {load['before']:.1f} before and "
        f"{load['after']:.1f} after. Each Ray collection holds {verdict} as the in-process one.\n\n{table}\n\n"
        + provenance_line(result, "results/ingest_ray.json")
    )


# The README's generated blocks, each rendered from its results file (`make report`).
def corpus_block(results_dir: Path) -> str | None:
    """The problem-and-dataset text from data/corpus/card.json; None while the example runs."""
    card = load_card()
    return corpus_markdown(card) if card is not None else None


def licence_block(results_dir: Path) -> str | None:
    card = load_card()
    return licence_markdown(card) if card is not None else None


RENDERERS = {
    "corpus": corpus_block,
    "licence": licence_block,
    "dataset": from_results("eval", dataset_markdown),
    "eval": from_results("eval", eval_markdown),
    "failures": from_results("eval", failures_markdown),
    "ablation": from_results("ablation", ablation_markdown),
    "lexical": from_results("ablation", lexical_choice_markdown),
    "bench": from_results("bench", bench_markdown),
    "scale": from_results("scale", scale_markdown),
    "ingest_ray": from_results("ingest_ray", ingest_ray_markdown),
}
