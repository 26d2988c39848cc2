"""Results files: one schema for every eval and benchmark, and README tables regenerated from them.

Every run writes ``results/<name>.json``::

    {"schema": 1, "name": ..., "run": {utc_time, git_commit, git_dirty, dataset_hash, config,
     models, hardware}, "metrics": {...}}

Numbers shown in the README are rendered from these files (``render_readme``), never typed by hand.
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
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
RESULTS_DIR = Path("results")


def hardware_fingerprint() -> dict[str, Any]:
    """CPU, memory and GPU of this machine, as far as they can be read without extra tools."""
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": _cpu_model(),
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
    """(commit, dirty) of the repository the run happened in; (None, False) outside git."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
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
) -> dict[str, Any]:
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
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
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


def load_results(name: str, results_dir: Path = RESULTS_DIR) -> dict[str, Any]:
    path = results_dir / f"{name}.json"
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} does not exist yet; run the command that writes it first.") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc.msg} at line {exc.lineno}).") from None
    if data.get("schema") != SCHEMA_VERSION:
        raise ValueError(f"{path} has schema {data.get('schema')!r}, expected {SCHEMA_VERSION}.")
    return data


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


def render_readme(blocks: Mapping[str, str], readme: Path = Path("README.md")) -> None:
    """Rewrite the README's generated result blocks in one atomic write."""
    text = readme.read_text(encoding="utf-8")
    for block, content in blocks.items():
        text = replace_block(text, block, content)
    partial = readme.with_suffix(".md.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, readme)


def provenance_line(result: Mapping[str, Any], source: str) -> str:
    run = result["run"]
    hardware = run.get("hardware", {})
    gpu = ", ".join(g["name"] for g in hardware.get("gpu", [])) or "no GPU"
    commit = (run.get("git_commit") or "uncommitted")[:10]
    return (
        f"_Source: `{source}` · {run['utc_time']} · commit `{commit}` · "
        f"{hardware.get('cpu', '?')} ({hardware.get('cpu_count', '?')} cores), {gpu}_"
    )
