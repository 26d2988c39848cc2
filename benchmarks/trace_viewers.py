"""Compare the two local trace viewers a generated project can send its GenAI spans to.

    python benchmarks/trace_viewers.py --phoenix-venv V1 --mlflow-venv V2 --project P [--project P ...]

V1 and V2 are virtual environments with ``arize-phoenix`` and ``mlflow`` installed (one each); each
P is a generated project that has run ``make setup``. For each viewer: its install size (over a bare
venv), the time from launch until it answers (a fresh data folder, then again with that folder),
and what it makes of real spans: the projects' own tracing tests run with
``OTEL_EXPORTER_OTLP_ENDPOINT`` pointed at the viewer, so the spans come from the projects' code
through their OTLP/HTTP exporter. The viewer's API is then read back to see which GenAI facets
(span kind, model, tokens, messages, tool calls, retrieved documents) it turned into fields of its
own. Writes benchmarks/results/trace_viewers.json.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
HOST = "127.0.0.1"
START_TIMEOUT_S = 300.0
SPAN_TESTS = ("tests/test_tracing.py", "tests/test_observability.py")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def install_size(venv: Path) -> dict[str, Any]:
    [site] = list((venv / "lib").glob("python3*/site-packages"))
    with tempfile.TemporaryDirectory() as bare:
        subprocess.run([sys.executable, "-m", "venv", bare], check=True)
        [bare_site] = list((Path(bare) / "lib").glob("python3*/site-packages"))
        baseline = tree_bytes(bare_site)
    count = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import importlib.metadata as m; print(len(list(m.distributions())))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {"site_packages_mb": round((tree_bytes(site) - baseline) / 2**20, 1), "distributions": int(count)}


class Viewer:
    name: str
    version_module: str

    def __init__(self, venv: Path) -> None:
        self.venv = venv
        self.python = str(venv / "bin" / "python")
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def version(self) -> str:
        code = f"import importlib.metadata as m; print(m.version({self.version_module!r}))"
        return subprocess.run([self.python, "-c", code], capture_output=True, text=True, check=True).stdout.strip()

    def command(self, data: Path) -> tuple[list[str], dict[str, str]]:
        raise NotImplementedError

    health_path = "/"

    def exporter_env(self) -> dict[str, str]:
        return {"OTEL_EXPORTER_OTLP_ENDPOINT": self.url}

    def spans(self) -> list[dict[str, Any]]:
        """Every span the viewer holds, as {name, operation, kind, model, tokens, input, output, derived}."""
        raise NotImplementedError

    @contextlib.contextmanager
    def running(self, data: Path, timings: list[float]) -> Iterator[None]:
        command, env = self.command(data)
        log = (data / "viewer.log").open("ab")
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {process.returncode}; see {data / 'viewer.log'}")
                try:
                    with urllib.request.urlopen(self.url + self.health_path, timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{self.name} did not answer within {START_TIMEOUT_S:g} s") from None
                    time.sleep(0.25)
            timings.append(time.perf_counter() - started)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


class Phoenix(Viewer):
    name = "phoenix"
    version_module = "arize-phoenix"
    health_path = "/healthz"

    def command(self, data: Path) -> tuple[list[str], dict[str, str]]:
        env = dict(
            os.environ,
            PHOENIX_HOST=HOST,
            PHOENIX_PORT=str(self.port),
            PHOENIX_GRPC_PORT=str(free_port()),
            PHOENIX_WORKING_DIR=str(data),
            PHOENIX_TELEMETRY_ENABLED="false",
        )
        return [self.python, "-m", "phoenix.server.main", "serve"], env

    def spans(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor = ""
        while True:
            query = f"/v1/projects/default/spans?limit=500{'&cursor=' + cursor if cursor else ''}"
            with urllib.request.urlopen(self.url + query, timeout=30) as response:
                page = json.load(response)
            for span in page["data"]:
                a = span["attributes"]
                operation = a.get("gen_ai.operation.name")
                found.append(
                    {
                        "name": span["name"],
                        "operation": operation,
                        "kind": span["span_kind"],
                        "model": a.get("llm.model_name") or a.get("embedding.model_name"),
                        "tokens": [a.get("llm.token_count.prompt"), a.get("llm.token_count.completion")],
                        "input": any(
                            k.startswith(("llm.input_messages.", "tool.parameters", "input.value")) for k in a
                        ),
                        "output": any(
                            k.startswith(("llm.output_messages.", "retrieval.documents.", "embedding.embeddings."))
                            for k in a
                        )
                        or (operation == "execute_tool" and "output.value" in a),
                        "tool_call": any(".tool_calls." in k for k in a) or "tool.name" in a,
                        "derived": sorted({_family(k) for k in a if not k.startswith("gen_ai.")}),
                    }
                )
            cursor = page.get("next_cursor") or ""
            if not cursor:
                return found


class MLflow(Viewer):
    name = "mlflow"
    version_module = "mlflow"
    health_path = "/health"
    experiment = "0"  # the Default experiment every new store has

    def command(self, data: Path) -> tuple[list[str], dict[str, str]]:
        store = f"sqlite:///{data / 'mlflow.db'}"
        args = ["--backend-store-uri", store, "--default-artifact-root", str(data / "artifacts")]
        args += ["--host", HOST, "--port", str(self.port), "--workers", "1"]
        return [str(self.venv / "bin" / "mlflow"), "server", *args], dict(os.environ)

    def exporter_env(self) -> dict[str, str]:
        # MLflow files OTLP spans under an experiment named in a header; without it the export is refused.
        return {**super().exporter_env(), "OTEL_EXPORTER_OTLP_HEADERS": f"x-mlflow-experiment-id={self.experiment}"}

    def spans(self) -> list[dict[str, Any]]:
        script = f"""
import json, mlflow
mlflow.set_tracking_uri({self.url!r})
out = []
for trace in mlflow.search_traces(locations=[{self.experiment!r}], return_type="list", max_results=1000):
    for s in trace.data.spans:
        a = s.attributes
        usage = a.get("mlflow.chat.tokenUsage") or {{}}
        out.append({{
            "name": s.name,
            "operation": a.get("gen_ai.operation.name"),
            "kind": s.span_type,
            "model": a.get("mlflow.llm.model"),
            "tokens": [usage.get("input_tokens"), usage.get("output_tokens")],
            "input": s.inputs is not None,
            "output": s.outputs is not None,
            "tool_call": s.span_type == "TOOL" or "tool_call" in json.dumps(s.outputs or ""),
            "derived": sorted({{k for k in a if k.startswith("mlflow.")}}),
        }})
print(json.dumps(out))
"""
        done = subprocess.run([self.python, "-c", script], capture_output=True, text=True, check=True)
        return list(json.loads(done.stdout.strip().splitlines()[-1]))


def _family(key: str) -> str:
    """``llm.input_messages.0.message.role`` -> ``llm.input_messages``: one entry per derived field."""
    parts = key.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 and parts[2].isdigit() else key


def send_project_spans(project: Path, env: dict[str, str]) -> dict[str, Any]:
    tests = [t for t in SPAN_TESTS if (project / t).exists()]
    started = time.perf_counter()
    done = subprocess.run(
        [str(project / ".venv" / "bin" / "pytest"), "-q", "-p", "no:cacheprovider", *tests],
        cwd=project,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=900,
    )
    tail = done.stdout.strip().splitlines()[-1:] or [""]
    return {
        "project": project.name,
        "tests": tests,
        "exit": done.returncode,
        "summary": tail[0],
        "s": time.perf_counter() - started,
    }


def by_operation(spans: list[dict[str, Any]]) -> dict[str, Any]:
    """Per gen_ai.operation.name: the viewer's span kind and which facets it shows as its own fields."""
    groups: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for span in spans:
        groups[span["operation"] or "(none)"].append(span)
    table: dict[str, Any] = {}
    for operation, members in sorted(groups.items()):
        kinds = collections.Counter(str(m["kind"]) for m in members)
        table[operation] = {
            "spans": len(members),
            "kind": kinds.most_common(1)[0][0],
            "model": any(m["model"] for m in members),
            "tokens": any(t is not None for m in members for t in m["tokens"]),
            "input": any(m["input"] for m in members),
            "output": any(m["output"] for m in members),
            "tool_call": any(m["tool_call"] for m in members),
            "derived": sorted({d for m in members for d in m["derived"]}),
        }
    return table


def measure(viewer: Viewer, projects: list[Path]) -> dict[str, Any]:
    result: dict[str, Any] = {"version": viewer.version(), "install": install_size(viewer.venv)}
    cold: list[float] = []
    warm: list[float] = []
    with tempfile.TemporaryDirectory(prefix=f"{viewer.name}-") as folder:
        data = Path(folder)
        with viewer.running(data, cold):
            runs = [send_project_spans(p, viewer.exporter_env()) for p in projects]
            time.sleep(3)  # let the viewer finish writing what the exporters flushed at exit
            spans = viewer.spans()
        with viewer.running(data, warm):
            pass
        result["data_mb_after_runs"] = round(tree_bytes(data) / 2**20, 1)
    result["start_s"] = {"fresh_data": round(cold[0], 2), "existing_data": round(warm[0], 2)}
    result["span_runs"] = runs
    result["spans_received"] = len(spans)
    result["by_operation"] = by_operation(spans)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phoenix-venv", type=Path, required=True)
    parser.add_argument("--mlflow-venv", type=Path, required=True)
    parser.add_argument("--project", type=Path, action="append", required=True, help="a set-up generated project")
    args = parser.parse_args()
    projects = [p.resolve() for p in args.project]
    for project in projects:
        if not (project / ".venv" / "bin" / "pytest").exists():
            sys.exit(f"{project} has no .venv with pytest; run `make setup` in it first.")
    load = os.getloadavg()[0]
    viewers = {v.name: measure(v, projects) for v in (Phoenix(args.phoenix_venv), MLflow(args.mlflow_venv))}
    report = {
        "utc_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "load_avg_1m_at_start": load,
        },
        "method": "one cold start (fresh data folder) and one restart per viewer; spans from the projects' "
        "tracing tests over OTLP/HTTP; facets read back through each viewer's own API",
        "viewers": viewers,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "trace_viewers.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
