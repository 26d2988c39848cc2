"""The results lifecycle, the same in every kind: write a run, gate it, render it.

Every run writes ``results/<name>.json`` once::

    {"schema": 1, "name": ..., "run": {utc_time, git_commit, git_dirty, dataset_hash, config,
     models, hardware, sample}, "metrics": {...}}

``run.sample`` says whether the run saw the whole set (``null``) or a subset (``{"size", "of"}``).
A ``Gate`` accepts a full run as ``evals/baseline.json`` (``make baseline``) and compares later runs
with it (``make gate``), with the tolerance stored in the baseline. README blocks are regenerated
from results files by ``refresh_readme`` (``make report``), never typed by hand.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from .errors import UserError

SCHEMA_VERSION = 1
RESULTS_DIR = Path("results")
BASELINE_PATH = Path("evals/baseline.json")


def hardware_fingerprint() -> dict[str, Any]:
    """CPU, memory and GPU of this machine, as far as they can be read without extra tools."""
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": _cpu_model(),
        "cpu_features": _cpu_features(),
        "cpu_count": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "gpu": _gpus(),
    }
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# Vector instructions that decide CPU inference speed (int8 matrix products above all): two machines
# both called "AMD EPYC" ingested with the int8 embedder at 2.2x and 4.6x the float speed, without and with VNNI.
_CPU_FEATURES = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8", "asimddp", "sve")


def _cpu_features() -> list[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                present = set(line.split(":", 1)[1].split())
                return [name for name in _CPU_FEATURES if name in present]
    except OSError:
        pass
    return []


def _memory_gb() -> float | None:
    try:
        pages = os.sysconf("SC_PHYS_PAGES")
        page_size = os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return round(pages * page_size / 1024**3, 1)


def _gpus() -> list[dict[str, Any]]:
    """GPUs via NVML when nvidia-ml-py is installed and a driver is present; else none."""
    try:
        import pynvml  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        return []
    try:
        pynvml.nvmlInit()
    except Exception:
        return []
    try:
        driver = pynvml.nvmlSystemGetDriverVersion()
        cuda = pynvml.nvmlSystemGetCudaDriverVersion_v2()
        gpus = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
            gpus.append(
                {
                    "name": _text(pynvml.nvmlDeviceGetName(handle)),
                    "memory_gb": round(memory.total / 1024**3, 1),
                    "driver": _text(driver),
                    "cuda_driver": f"{cuda // 1000}.{cuda % 1000 // 10}",
                }
            )
        return gpus
    finally:
        pynvml.nvmlShutdown()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def library_versions(names: Iterable[str]) -> dict[str, str]:
    versions = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def git_state(root: Path = Path(".")) -> tuple[str | None, bool]:
    """(commit, dirty) of the project's own repository; (None, False) when the project is not one.

    A project generated inside another checkout must not report that checkout's commit, so the
    repository counts only when its top level is the project directory itself.
    """
    try:
        top, commit = subprocess.run(
            ["git", "rev-parse", "--show-toplevel", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.splitlines()
        if Path(top).resolve() != root.resolve():
            return None, False
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None, False
    return commit, bool(status.strip())


def dataset_hash(paths: Sequence[Path]) -> str:
    """SHA-256 over the given files (or every file below given directories), order-independent."""
    digest = hashlib.sha256()
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    for file in sorted(files):
        digest.update(file.name.encode())
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def run_metadata(
    *,
    config: Mapping[str, Any],
    models: Mapping[str, Any],
    dataset_files: Sequence[Path] = (),
    libraries: Iterable[str] = (),
    sample: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """Everything needed to reproduce and judge a run. ``sample`` is (used, of) for a subset run."""
    commit, dirty = git_state()
    hardware = hardware_fingerprint()
    hardware["libraries"] = library_versions(libraries)
    return {
        "utc_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "git_commit": commit,
        "git_dirty": dirty,
        "dataset_hash": dataset_hash(dataset_files) if dataset_files else None,
        "config": dict(config),
        "models": dict(models),
        "hardware": hardware,
        "command": " ".join(["python", *sys.orig_argv[1:]]),
        "sample": {"size": sample[0], "of": sample[1]} if sample and sample[0] < sample[1] else None,
    }


def write_results(
    name: str, metrics: Mapping[str, Any], *, run: Mapping[str, Any], results_dir: Path = RESULTS_DIR
) -> Path:
    """Write ``results/<name>.json`` atomically (a crash never leaves a truncated file)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    target = results_dir / f"{name}.json"
    partial = target.with_suffix(".json.partial")
    payload = {"schema": SCHEMA_VERSION, "name": name, "run": dict(run), "metrics": dict(metrics)}
    partial.write_text(json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n")
    os.replace(partial, target)
    return target


def read_json(path: Path, missing: str) -> dict[str, Any]:
    """A JSON object from ``path``; a missing or broken file is a ``UserError`` (``missing`` says what to run)."""
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"{path} does not exist; {missing}.") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{path} is not valid JSON ({exc.msg} at line {exc.lineno}).") from None
    return data


def load_results(name: str, results_dir: Path = RESULTS_DIR) -> dict[str, Any]:
    path = results_dir / f"{name}.json"
    data = read_json(path, "run the make target that writes it (`make help`)")
    if data.get("schema") != SCHEMA_VERSION:
        raise UserError(f"{path} has schema {data.get('schema')!r}, expected {SCHEMA_VERSION}.")
    return data


def sample_note(run: Mapping[str, Any]) -> str:
    """'' for a full run, else how much of the set a subset run saw."""
    sample = run.get("sample")
    return f"a subset ({sample['size']} of {sample['of']})" if sample else ""


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.3f}"
        return str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def replace_block(text: str, block: str, content: str) -> str:
    """Replace what stands between ``<!-- results:BLOCK -->`` and ``<!-- /results:BLOCK -->``."""
    pattern = re.compile(
        rf"(<!-- results:{re.escape(block)} -->\n).*?(\n<!-- /results:{re.escape(block)} -->)", re.DOTALL
    )
    if not pattern.search(text):
        raise ValueError(f"README has no <!-- results:{block} --> ... <!-- /results:{block} --> markers.")
    return pattern.sub(lambda m: m.group(1) + content.strip("\n") + m.group(2), text, count=1)


_OPENING = re.compile(r"\A(# [^\n]+\n\n)([^\n<#][^\n]*(?:\n[^\n<#][^\n]*)*)")


def with_opening(readme: str, description: str) -> str:
    """The README's opening paragraph, under its title, replaced by ``description``: the example's
    one-line pitch is not the user's project once their data is in."""
    return _OPENING.sub(lambda m: m.group(1) + description.strip(), readme, count=1)


# A README block's renderer: given the results directory, its Markdown, or None when the
# results it needs have not been written yet.
Renderer = Callable[[Path], "str | None"]


def from_results(name: str, render: Callable[[dict[str, Any]], str]) -> Renderer:
    """A renderer of ``results/<name>.json``; None until that file exists."""

    def renderer(results_dir: Path) -> str | None:
        if not (results_dir / f"{name}.json").is_file():
            return None
        return render(load_results(name, results_dir))

    return renderer


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """One JSON object per line, written atomically (per-case rows beside a results file)."""
    write_text_atomic(path, "".join(json.dumps(row, default=str) + "\n" for row in rows))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def refresh_readme(
    renderers: Mapping[str, Renderer], *, readme: Path = Path("README.md"), results_dir: Path = RESULTS_DIR
) -> list[str]:
    """Re-render every block whose results exist, into the README (one atomic write) and into
    ``results/<block>.md``; returns the blocks rendered. A missing README is left missing."""
    blocks = {name: text for name, render in renderers.items() if (text := render(results_dir)) is not None}
    for name, text in blocks.items():
        write_text_atomic(results_dir / f"{name}.md", f"# {name}\n\n{text.strip()}\n")
    if blocks and readme.is_file():
        text = readme.read_text(encoding="utf-8")
        for name, content in blocks.items():
            if f"<!-- results:{name} -->" in text:
                text = replace_block(text, name, content)
        write_text_atomic(readme, text)
    return sorted(blocks)


def set_aside(
    belongs: Callable[[Mapping[str, Any]], bool],
    archive: str,
    note: str,
    *,
    results_dir: Path = RESULTS_DIR,
    readme: Path = Path("README.md"),
    baseline: Path = BASELINE_PATH,
) -> list[str]:
    """Move every results file whose run does not ``belong`` to the project's current data or
    model (with its README block, plots and raw records, and a baseline accepted from such a run)
    to ``results/previous/<archive>/``, and put ``note`` in the README blocks that showed them.
    Nothing is deleted: results of the example never survive a change of data unmarked."""
    target = results_dir / "previous" / archive
    moved: list[str] = []
    for path in sorted(results_dir.glob("*.json")):
        try:
            run = json.loads(path.read_text(encoding="utf-8")).get("run")
        except (OSError, ValueError, AttributeError):
            continue  # not a results file
        if not isinstance(run, Mapping) or belongs(run):
            continue
        siblings = (path, path.with_suffix(".md"), results_dir / "plots" / path.stem, results_dir / "raw" / path.stem)
        for sibling in siblings:
            if sibling.exists():
                destination = target / sibling.relative_to(results_dir)
                destination.parent.mkdir(parents=True, exist_ok=True)
                os.replace(sibling, destination)
        moved.append(path.name)
    if baseline.is_file():
        try:
            accepted = json.loads(baseline.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            accepted = None
        if isinstance(accepted, dict) and not belongs(accepted):  # a baseline keeps its run's models and dataset
            target.mkdir(parents=True, exist_ok=True)
            os.replace(baseline, target / baseline.name)
            moved.append(str(baseline))
    if readme.is_file():
        text = readme.read_text(encoding="utf-8")
        for name in moved:
            block = Path(name).stem
            if name.endswith(".json") and "/" not in name and f"<!-- results:{block} -->" in text:
                text = replace_block(text, block, note)
        write_text_atomic(readme, text)
    return moved


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a partial file and a rename: never a truncated file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def flatten(metrics: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Numeric leaves of nested metrics as ``{"retrieval.hit@5": 0.83, ...}``."""
    flat: dict[str, float] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, name + "."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            flat[name] = float(value)
    return flat


@dataclass(frozen=True)
class Gate:
    """A regression gate over one results file.

    ``snapshot`` picks the gated numbers out of a run's metrics (``{name: value}``) and ``better``
    says which way each one should move (default: higher). The tolerance is absolute (a rate may
    drop by 0.05) or relative (a latency may rise by 50 %); both are stored in the baseline, so the
    gate that checks a run is the one that was accepted.
    """

    results: str
    snapshot: Callable[[Mapping[str, Any]], dict[str, float]]
    tolerance: float
    relative: bool = False
    better: Callable[[str], Literal["higher", "lower"]] = lambda name: "higher"
    baseline_path: Path = BASELINE_PATH

    def accept(self, *, tolerance: float | None = None, results_dir: Path = RESULTS_DIR) -> Path:
        """Write the baseline from the current results; a subset run is refused."""
        result = load_results(self.results, results_dir)
        run = result["run"]
        if run.get("sample"):
            raise UserError(
                f"results/{self.results}.json is {sample_note(run)}; run the full `make {self.results}` "
                "(without LIMIT) before `make baseline`."
            )
        values = self.snapshot(result["metrics"])
        hardware = run.get("hardware", {})
        payload = {
            "schema": SCHEMA_VERSION,
            "results": self.results,
            "source": f"results/{self.results}.json of a full run ({run.get('command', '?')})",
            "utc_time": run["utc_time"],
            "git_commit": run.get("git_commit"),
            "models": run.get("models", {}),
            "dataset_hash": run.get("dataset_hash"),
            "hardware": f"{hardware.get('cpu', '?')} ({hardware.get('cpu_count', '?')} cores)",
            "tolerance": self.tolerance if tolerance is None else tolerance,
            "relative": self.relative,
            "metrics": {name: round(value, 4) for name, value in values.items()},
            "better": {name: self.better(name) for name in values if self.better(name) != "higher"},
        }
        write_text_atomic(self.baseline_path, json.dumps(payload, indent=2) + "\n")
        return self.baseline_path

    def check(self, results_dir: Path = RESULTS_DIR) -> list[str]:
        """Regressions against the baseline, as sentences; empty when the run passes."""
        baseline = self._baseline()
        result = load_results(self.results, results_dir)
        if result["run"].get("sample"):
            raise UserError(
                f"results/{self.results}.json is {sample_note(result['run'])} and {self.baseline_path} is a "
                f"full run; run the full `make {self.results}` (without LIMIT) before `make gate`."
            )
        current = self.snapshot(result["metrics"])
        tolerance = float(baseline["tolerance"])
        relative = bool(baseline.get("relative", False))
        regressions = []
        for name, reference in baseline["metrics"].items():
            value = current.get(name)
            if value is None:
                regressions.append(f"{name}: not in results/{self.results}.json (baseline {reference:.3f}).")
                continue
            lower = baseline.get("better", {}).get(name) == "lower"
            margin = abs(reference) * tolerance if relative else tolerance
            limit = reference + margin if lower else reference - margin
            if (value > limit) if lower else (value < limit):
                allowed = f"{tolerance:.0%}" if relative else f"{tolerance}"
                regressions.append(
                    f"{name}: {value:.3f} {'>' if lower else '<'} baseline {reference:.3f} (tolerance {allowed})."
                )
        return regressions

    def _baseline(self) -> dict[str, Any]:
        path = self.baseline_path
        baseline = read_json(path, "run `make baseline` to accept the current results")
        if not isinstance(baseline.get("metrics"), dict) or "tolerance" not in baseline:
            raise UserError(f"{path} is not a baseline (no metrics or tolerance); rewrite it with `make baseline`.")
        if baseline.get("results", self.results) != self.results:
            raise UserError(f"{path} gates results/{baseline['results']}.json, not results/{self.results}.json.")
        return baseline


def provenance_line(result: Mapping[str, Any], source: str) -> str:
    run = result["run"]
    hardware = run.get("hardware", {})
    gpu = ", ".join(g["name"] for g in hardware.get("gpu", [])) or "no GPU"
    commit = f"commit `{run['git_commit'][:10]}`" if run.get("git_commit") else "no git commit"
    features = "".join(f", {name}" for name in hardware.get("cpu_features", []))
    return (
        f"_Source: `{source}` · {run['utc_time']} · {commit} · "
        f"{hardware.get('cpu', '?')} ({hardware.get('cpu_count', '?')} cores{features}), {gpu}_"
    )
