"""The one place that talks to ragas (its API changes between minor versions).

Without an LLM judge it scores answers with ragas' no-LLM metrics. When EVAL_LLM_BASE_URL is set
it adds LLM-judge metrics computed by that OpenAI-compatible endpoint.
"""

from __future__ import annotations

import asyncio
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Any

os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")  # ragas posts usage telemetry unless told not to


@dataclass
class AnswerSample:
    question: str
    answer: str
    reference: str
    contexts: list[str]
    context_ids: list[str]
    reference_contexts: list[str]
    reference_ids: list[str]


def no_llm_metrics() -> list[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ragas.metrics import (
            IDBasedContextPrecision,
            IDBasedContextRecall,
            NonLLMContextRecall,
            NonLLMStringSimilarity,
            RougeScore,
        )
    return [
        NonLLMStringSimilarity(),
        RougeScore(),
        NonLLMContextRecall(),
        IDBasedContextPrecision(),
        IDBasedContextRecall(),
    ]


def judge_metrics(base_url: str, model: str, api_key: str | None) -> list[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from openai import AsyncOpenAI
        from ragas.llms import llm_factory
        from ragas.metrics.collections import ContextRecall, Faithfulness

    llm = llm_factory(model, client=AsyncOpenAI(base_url=base_url, api_key=api_key or "not-needed"))
    return [Faithfulness(llm=llm), ContextRecall(llm=llm)]


def score(samples: Sequence[AnswerSample], judge: tuple[str, str, str | None] | None = None) -> dict[str, float]:
    """Mean of each metric over the samples, keyed by ragas' metric name."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ragas.dataset_schema import SingleTurnSample

    rows = [
        SingleTurnSample(
            user_input=s.question,
            response=s.answer,
            reference=s.reference,
            retrieved_contexts=s.contexts or [""],
            reference_contexts=s.reference_contexts,
            retrieved_context_ids=s.context_ids,
            reference_context_ids=s.reference_ids,
        )
        for s in samples
    ]
    results: dict[str, float] = {}
    for metric in no_llm_metrics():
        results[metric.name] = fmean(asyncio.run(_score_all(metric, rows)))
    if judge is not None:
        for metric in judge_metrics(*judge):
            values = asyncio.run(_judge_all(metric, samples))
            results[metric.name] = fmean(values)
    return results


async def _score_all(metric: Any, rows: Sequence[Any]) -> list[float]:
    return [float(await metric.single_turn_ascore(row)) for row in rows]


async def _judge_all(metric: Any, samples: Sequence[AnswerSample]) -> list[float]:
    values = []
    for s in samples:
        if metric.name == "faithfulness":
            result = await metric.ascore(user_input=s.question, response=s.answer, retrieved_contexts=s.contexts)
        else:
            result = await metric.ascore(user_input=s.question, retrieved_contexts=s.contexts, reference=s.reference)
        values.append(float(result.value))
    return values
