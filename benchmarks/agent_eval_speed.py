"""Where the agent's evaluation time goes: one forced tool call on the local model, server variants side by side.

Renders (or reuses) an agent project that has run `make setup-llm`, then, for each server variant,
starts the project's llama.cpp server and sends the agent's real first request (instructions,
question, the three tool schemas, a forced `query_database` call, 48 tokens, temperature 0) for the
first N held-out tasks, plus the same prompt without tools (no grammar) as a control. Variants:

- ``before``: the server as the project started it before: the stock sampler, `logits_all` at the
  server's default (True), one llama.cpp thread per core.
- ``logits_all_off``, ``one_thread``, ``one_thread_logits_all_off``: one change at a time.
- ``grammar_checked_last``: the project's `llama_server` module (grammar consulted after the pick).
- ``after``: the project's server command as it is now, with its runtime's thread count.

    python benchmarks/agent_eval_speed.py calls --project DIR [--tasks 8]
    python benchmarks/agent_eval_speed.py eval --project DIR --label after   # times a full `make eval`

Both merge their section into benchmarks/results/agent_eval_speed.json. The machine is shared, so
variants run back to back and the load average is recorded with each.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "agent_eval_speed.json"
PACKAGE = "seattle_weather_analyst"

# Runs inside the project's venv with the project's own code: server command, prompt, tool schemas.
CALL_DRIVER = """
import json, os, subprocess, sys, time
from pathlib import Path
import httpx
from importlib import import_module
agent = import_module(sys.argv[1] + ".agent")
dialect = import_module(sys.argv[1] + ".dialect")
evaluation = import_module(sys.argv[1] + ".evaluation")
local_llm = import_module(sys.argv[1] + ".local_llm")
tools = import_module(sys.argv[1] + ".tools")
toolkit = import_module(sys.argv[1] + ".toolkit")
overrides, n_tasks = json.loads(sys.argv[2]), int(sys.argv[3])
TICK = os.sysconf("SC_CLK_TCK")

def cpu_s(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK
port = local_llm.free_port()
runtime = import_module(sys.argv[1] + ".runtime")
# The thread count the project's runtime uses (before it had server_threads: every core).
threads = runtime.server_threads() if hasattr(runtime, "server_threads") else os.cpu_count()
command = local_llm.server_command(port, n_threads=threads)
for flag, value in overrides.items():
    if flag == "module":
        command[command.index("-m") + 1] = value
    elif flag in command:
        command[command.index(flag) + 1] = value
    else:
        command += [flag, value]
server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          env=local_llm.child_environment())
base = f"http://127.0.0.1:{port}/v1"
try:
    for _ in range(240):
        try:
            httpx.get(base + "/models", timeout=2).raise_for_status()
            break
        except httpx.HTTPError:
            time.sleep(0.5)
    tasks = evaluation.load_tasks(Path("evals/tasks.jsonl"), split="test")[:n_tasks]
    with httpx.Client(timeout=600) as http:
        schemas = toolkit.ToolExecutor(tools.build_tools("postgresql://unused", "http://unused", http)).schemas()
        speak = dialect.Dialect("llama_cpp")
        rows = []
        for kind in ("warmup", "tool", "no_grammar"):
            for task in tasks[:1] if kind == "warmup" else tasks:
                body = {"model": local_llm.MODEL_ALIAS, "messages": speak.opening(agent.INSTRUCTIONS, task.question),
                        "max_tokens": 48, "temperature": 0.0}
                if kind != "no_grammar":
                    body |= {"tools": schemas,
                             "tool_choice": {"type": "function", "function": {"name": "query_database"}}}
                started, cpu = time.perf_counter(), cpu_s(server.pid)
                answer = http.post(base + "/chat/completions", json=body).raise_for_status().json()
                usage, message = answer["usage"], answer["choices"][0]["message"]
                calls = message.get("tool_calls") or [{"function": {"arguments": message.get("content")}}]
                rows.append({"kind": kind, "text": calls[0]["function"]["arguments"],
                             "s": time.perf_counter() - started, "cpu_s": cpu_s(server.pid) - cpu,
                             "prompt_tokens": usage["prompt_tokens"], "completion_tokens": usage["completion_tokens"]})
    print(json.dumps(rows))
finally:
    server.terminate()
    server.wait(timeout=30)
"""

STOCK = "llama_cpp.server"
VARIANTS: dict[str, dict[str, str]] = {
    "before": {"module": STOCK, "--logits_all": "True", "--n_threads": "2"},
    "logits_all_off": {"module": STOCK, "--logits_all": "False", "--n_threads": "2"},
    "one_thread": {"module": STOCK, "--logits_all": "True", "--n_threads": "1"},
    "one_thread_logits_all_off": {"module": STOCK, "--logits_all": "False", "--n_threads": "1"},
    "grammar_checked_last": {
        "--logits_all": "False",
        "--n_threads": "1",
        "module": f"{PACKAGE}.llama_server",
    },
    "after": {},
}


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()}


def summarize(rows: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    picked = [row for row in rows if row["kind"] == kind]
    seconds = [row["s"] for row in picked]
    cpu = [row["cpu_s"] for row in picked]
    tokens = sum(row["completion_tokens"] for row in picked)
    return {
        "calls": len(picked),
        "median_wall_s": round(statistics.median(seconds), 3),
        "median_server_cpu_s": round(statistics.median(cpu), 3),
        "server_cpu_ms_per_completion_token": round(1000 * sum(cpu) / tokens, 1),
        "mean_prompt_tokens": round(statistics.fmean(row["prompt_tokens"] for row in picked), 1),
        "mean_completion_tokens": round(tokens / len(picked), 1),
        "wall_ms_per_completion_token": round(1000 * sum(seconds) / tokens, 1),
    }


def record(section: str, label: str, value: dict[str, Any]) -> None:
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.setdefault(section, {})[label] = value
    results["machine"] = machine()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({section: {label: value}}, indent=2))


def calls(project: Path, n_tasks: int, variants: list[str]) -> None:
    python = project / ".venv" / "bin" / "python"
    for name in variants:
        load = os.getloadavg()[0]
        output = subprocess.run(
            [str(python), "-c", CALL_DRIVER, PACKAGE, json.dumps(VARIANTS[name]), str(n_tasks)],
            cwd=project,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        rows = json.loads(output.strip().splitlines()[-1])
        record(
            "tool_call",
            name,
            {
                "server_flags": VARIANTS[name],
                "forced_tool_call": summarize(rows, "tool"),
                "same_prompt_no_grammar": summarize(rows, "no_grammar"),
                "load_average_1m_at_start": round(load, 2),
                "tool_call_arguments": [row["text"] for row in rows if row["kind"] == "tool"],
            },
        )


def full_eval(project: Path, label: str) -> None:
    load = os.getloadavg()[0]
    started = time.perf_counter()
    subprocess.run(["make", "eval"], cwd=project, check=True)
    elapsed = time.perf_counter() - started
    metrics = json.loads((project / "results" / "eval.json").read_text())["metrics"]
    keep = ("tasks", "success_rate", "tool_f1", "answered_rate")
    record(
        "make_eval",
        label,
        {
            "wall_s": round(elapsed, 1),
            "passes": {mode: {key: metrics[mode].get(key) for key in keep} for mode in ("clean", "faults")},
            "latency_ms_p50": {mode: metrics[mode]["latency_ms"]["p50"] for mode in ("clean", "faults")},
            "load_average_1m_at_start": round(load, 2),
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["calls", "eval"])
    parser.add_argument("--project", type=Path, required=True, help="an agent project after `make setup-llm`")
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--label", default="after")
    args = parser.parse_args()
    if not (args.project / ".venv" / "bin" / "python").exists():
        sys.exit(f"error: {args.project} has no .venv; run `make setup-llm` there first.")
    if args.what == "calls":
        calls(args.project, args.tasks, args.variants)
    else:
        full_eval(args.project, args.label)


if __name__ == "__main__":
    main()
