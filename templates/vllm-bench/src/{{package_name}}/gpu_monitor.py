"""GPU utilisation and memory sampled through NVML while a run is going (nothing without a GPU)."""

from __future__ import annotations

import threading
from typing import Any


class GpuSampler:
    """Samples every visible GPU every ``interval_s`` in a background thread (NVML calls block)."""

    def __init__(self, interval_s: float = 0.5) -> None:
        self.interval_s = interval_s
        self.samples: list[tuple[int, float, float]] = []  # (gpu index, utilisation %, memory used GB)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._nvml: Any = None

    def start(self) -> GpuSampler:
        try:
            import pynvml  # type: ignore[import-not-found,import-untyped,unused-ignore]

            pynvml.nvmlInit()
        except Exception:  # no package or no driver: no GPU to sample
            return self
        self._nvml = pynvml
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        nvml = self._nvml
        handles = [nvml.nvmlDeviceGetHandleByIndex(i) for i in range(nvml.nvmlDeviceGetCount())]
        while not self._stop.is_set():
            for index, handle in enumerate(handles):
                util = nvml.nvmlDeviceGetUtilizationRates(handle)
                memory = nvml.nvmlDeviceGetMemoryInfo(handle)
                self.samples.append((index, float(util.gpu), memory.used / 1024**3))
            self._stop.wait(self.interval_s)

    def stop(self) -> dict[str, Any]:
        """Stop sampling; per GPU mean/max utilisation and peak memory (empty without a GPU)."""
        if self._thread is None:
            return {}
        self._stop.set()
        self._thread.join()
        self._nvml.nvmlShutdown()
        summary: dict[str, Any] = {}
        for index in sorted({s[0] for s in self.samples}):
            mine = [s for s in self.samples if s[0] == index]
            summary[f"gpu{index}"] = {
                "util_mean_pct": sum(s[1] for s in mine) / len(mine),
                "util_max_pct": max(s[1] for s in mine),
                "memory_max_gb": max(s[2] for s in mine),
                "samples": len(mine),
            }
        return summary
