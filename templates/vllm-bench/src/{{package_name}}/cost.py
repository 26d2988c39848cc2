"""Cost per token from the price of an hour and the measured throughput.

cost per 1M output tokens = hourly price x accelerators / (output tokens per second x 3600) x 1e6
cost per request          = hourly price x accelerators / (requests per second x 3600)
Both assume the server is kept busy at the measured load; idle hours are not counted.
"""

from __future__ import annotations

from .config import CostConfig


def cost_per_million_output_tokens(cost: CostConfig, output_tokens_per_s: float) -> float | None:
    if output_tokens_per_s <= 0:
        return None
    return cost.usd_per_hour * cost.num_accelerators / (output_tokens_per_s * 3600) * 1e6


def cost_per_request(cost: CostConfig, requests_per_s: float) -> float | None:
    if requests_per_s <= 0:
        return None
    return cost.usd_per_hour * cost.num_accelerators / (requests_per_s * 3600)
