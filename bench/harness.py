"""The small harness every benchmark module reports through.

A benchmark module is ``bench/bench_<area>.py`` with ``def run(report: Report) -> None``.
It measures and calls ``report.figure(name, value, ...)`` for each figure; the
harness prints the figure, its target and its ratio to the baseline, and
collects everything into one flat JSON object written to ``$BENCH_JSON``.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return math.nan
    rank = max(0, math.ceil(pct / 100 * len(ordered)) - 1)
    return ordered[rank]


def time_ms(fn: Callable[[], object], *, repeat: int = 20, warmup: int = 2) -> list[float]:
    """Wall-clock samples of ``fn`` in milliseconds (for benchmarks only, never tests)."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def cpu_ms(fn: Callable[[], object], *, repeat: int) -> list[float]:
    """This process's CPU time of ``fn`` in milliseconds: the companion of a wall-clock figure."""
    samples = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        samples.append((time.process_time() - start) * 1000)
    return samples


def median(samples: list[float]) -> float:
    return statistics.median(samples)


@dataclass
class Report:
    figures: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def figure(self, name: str, value: float, *, unit: str, target: float | None = None,
               higher_is_better: bool = False, baseline: float | None = None,
               baseline_name: str = "") -> None:
        """Record one figure; ``target`` is the issue's floor or ceiling."""
        self.figures[name] = round(value, 3)
        parts = [f"{name:36s} {value:12.3f} {unit}"]
        if target is not None:
            ok = value >= target if higher_is_better else value <= target
            parts.append(f"target {'>=' if higher_is_better else '<='} {target:g} {'ok' if ok else 'MISSED'}")
            if not ok:
                self.failures.append(name)
        if baseline:
            ratio = value / baseline
            self.figures[f"{name}.ratio"] = round(ratio, 3)
            parts.append(f"ratio {ratio:.2f} vs {baseline_name or 'baseline'} ({baseline:.3f})")
        print("  ".join(parts), flush=True)

    def write(self) -> None:
        path = os.environ.get("BENCH_JSON")
        if path:
            Path(path).write_text(json.dumps(self.figures, indent=2, sort_keys=True) + "\n")
