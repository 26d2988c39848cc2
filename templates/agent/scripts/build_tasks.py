"""Build evals/tasks.jsonl: questions about the weather CSV with answers computed from the CSV itself.

Eight question templates, eleven instances each (months and years drawn with a fixed seed), split per
template into 4 dev and 7 held-out test tasks. Each task stores its expected answer, unit, tolerance,
the tools a correct run calls, and one reference SQL query that yields the database part.
Run: python scripts/build_tasks.py [--csv data/seattle-weather.csv] [--out evals/tasks.jsonl]
"""

from __future__ import annotations

import argparse
import calendar
import csv
import json
import random
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

Row = dict[str, Any]
YEARS = (2012, 2013, 2014, 2015)
PER_TEMPLATE, DEV_PER_TEMPLATE = 11, 4


def load(path: Path) -> list[Row]:
    with path.open(newline="") as handle:
        return [
            {
                "day": r["date"].replace("/", "-"),
                "precipitation_mm": float(r["precipitation"]),
                "temp_max_c": float(r["temp_max"]),
                "temp_min_c": float(r["temp_min"]),
                "wind_ms": float(r["wind"]),
                "weather": r["weather"],
            }
            for r in csv.DictReader(handle)
        ]


def month_rows(rows: list[Row], year: int, month: int) -> list[Row]:
    return [r for r in rows if r["day"].startswith(f"{year}-{month:02d}-")]


def month_range(year: int, month: int) -> str:
    last = calendar.monthrange(year, month)[1]
    return f"day BETWEEN '{year}-{month:02d}-01' AND '{year}-{month:02d}-{last}'"


def month_name(year: int, month: int) -> str:
    return f"{calendar.month_name[month]} {year}"


def precip_inches(rows: list[Row], year: int, month: int) -> dict[str, Any]:
    total = sum(r["precipitation_mm"] for r in month_rows(rows, year, month))
    return {
        "question": f"What was the total precipitation in Seattle in {month_name(year, month)}, in inches?",
        "answer": total / 25.4,
        "unit": "in",
        "tolerance": 0.02,
        "expected_tools": ["query_database", "convert_units"],
        "sql": f"SELECT SUM(precipitation_mm) FROM weather WHERE {month_range(year, month)}",
    }


def hottest_fahrenheit(rows: list[Row], year: int, month: int) -> dict[str, Any]:
    peak = max(r["temp_max_c"] for r in month_rows(rows, year, month))
    return {
        "question": f"What was the highest daily maximum temperature in Seattle in {month_name(year, month)}, "
        "in degrees Fahrenheit?",
        "answer": peak * 9 / 5 + 32,
        "unit": "F",
        "tolerance": 0.1,
        "expected_tools": ["query_database", "convert_units"],
        "sql": f"SELECT MAX(temp_max_c) FROM weather WHERE {month_range(year, month)}",
    }


def sunny_days(rows: list[Row], year: int, month: int) -> dict[str, Any]:
    count = sum(1 for r in month_rows(rows, year, month) if r["weather"] == "sun")
    return {
        "question": f"On how many days in {month_name(year, month)} was the Seattle weather labelled 'sun'?",
        "answer": float(count),
        "unit": "days",
        "tolerance": 0.0,
        "expected_tools": ["query_database"],
        "sql": f"SELECT COUNT(*) FROM weather WHERE weather = 'sun' AND {month_range(year, month)}",
    }


def mean_wind_kmh(rows: list[Row], year: int, month: int) -> dict[str, Any]:
    mean = statistics.fmean(r["wind_ms"] for r in month_rows(rows, year, month))
    return {
        "question": f"What was the mean daily wind speed in Seattle in {month_name(year, month)}, in km/h?",
        "answer": mean * 3.6,
        "unit": "km/h",
        "tolerance": 0.05,
        "expected_tools": ["query_database", "convert_units"],
        "sql": f"SELECT AVG(wind_ms) FROM weather WHERE {month_range(year, month)}",
    }


def july_difference(rows: list[Row], year: int, month: int) -> dict[str, Any]:
    other = YEARS[(YEARS.index(year) + 1 + month % 3) % len(YEARS)]
    means = {y: statistics.fmean(r["temp_max_c"] for r in month_rows(rows, y, 7)) for y in (year, other)}
    return {
        "question": f"What is the difference between the average daily maximum temperature of July {year} and "
        f"of July {other} in Seattle ({year} minus {other}), in °C?",
        "answer": means[year] - means[other],
        "unit": "C",
        "tolerance": 0.05,
        "expected_tools": ["query_database", "calculate"],
        "sql": "SELECT EXTRACT(YEAR FROM day) AS year, AVG(temp_max_c) FROM weather "
        f"WHERE EXTRACT(MONTH FROM day) = 7 AND EXTRACT(YEAR FROM day) IN ({year}, {other}) GROUP BY 1",
    }


def coldest_night(rows: list[Row], year: int, month: int) -> dict[str, Any]:
    low = min(r["temp_min_c"] for r in month_rows(rows, year, month))
    return {
        "question": f"What was the lowest daily minimum temperature in Seattle in {month_name(year, month)}, in °C?",
        "answer": low,
        "unit": "C",
        "tolerance": 0.05,
        "expected_tools": ["query_database"],
        "sql": f"SELECT MIN(temp_min_c) FROM weather WHERE {month_range(year, month)}",
    }


def wet_days(rows: list[Row], year: int, month: int) -> dict[str, Any]:
    count = sum(1 for r in month_rows(rows, year, month) if r["precipitation_mm"] > 10)
    return {
        "question": f"On how many days in {month_name(year, month)} did more than 10 mm of rain fall in Seattle?",
        "answer": float(count),
        "unit": "days",
        "tolerance": 0.0,
        "expected_tools": ["query_database"],
        "sql": f"SELECT COUNT(*) FROM weather WHERE precipitation_mm > 10 AND {month_range(year, month)}",
    }


def monthly_total_mm(rows: list[Row], year: int, month: int) -> dict[str, Any]:
    total = sum(r["precipitation_mm"] for r in month_rows(rows, year, month))
    return {
        "question": f"How many millimetres of precipitation fell in Seattle in {month_name(year, month)} in total?",
        "answer": total,
        "unit": "mm",
        "tolerance": 0.5,
        "expected_tools": ["query_database"],
        "sql": f"SELECT SUM(precipitation_mm) FROM weather WHERE {month_range(year, month)}",
    }


TEMPLATES: list[Callable[[list[Row], int, int], dict[str, Any]]] = [
    precip_inches,
    hottest_fahrenheit,
    sunny_days,
    mean_wind_kmh,
    july_difference,
    coldest_night,
    wet_days,
    monthly_total_mm,
]


def build(rows: list[Row], seed: int = 2015) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    tasks: list[dict[str, Any]] = []
    for template in TEMPLATES:
        seen: set[str] = set()
        drawn: list[dict[str, Any]] = []
        while len(drawn) < PER_TEMPLATE:
            task = template(rows, rng.choice(YEARS), rng.randint(1, 12))
            if task["question"] not in seen:
                seen.add(task["question"])
                drawn.append(task)
        for index, task in enumerate(drawn):
            task["split"] = "dev" if index < DEV_PER_TEMPLATE else "test"
            task["template"] = template.__name__
            task["answer"] = round(task["answer"], 4)
        tasks.extend(drawn)
    for number, task in enumerate(tasks, start=1):
        task["id"] = f"{task['template']}-{number:03d}"
    return tasks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--csv", type=Path, default=Path("data/seattle-weather.csv"))
    parser.add_argument("--out", type=Path, default=Path("evals/tasks.jsonl"))
    args = parser.parse_args()
    tasks = build(load(args.csv))
    keys = ("id", "split", "template", "question", "answer", "unit", "tolerance", "expected_tools", "sql")
    with args.out.open("w") as handle:
        for task in tasks:
            handle.write(json.dumps({key: task[key] for key in keys}) + "\n")
    splits = {split: sum(t["split"] == split for t in tasks) for split in ("dev", "test")}
    print(f"wrote {len(tasks)} tasks to {args.out}: {splits}")


if __name__ == "__main__":
    main()
