"""``python -m bench [area ...]``: run the benchmark modules (all by default)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

from bench.harness import Report


def main(argv: list[str]) -> int:
    import bench

    known = sorted(m.name.removeprefix("bench_") for m in pkgutil.iter_modules(bench.__path__)
                   if m.name.startswith("bench_"))
    asked_for_help = bool({"-h", "--help"} & set(argv))
    unknown = [area for area in argv if area not in known and area not in ("-h", "--help")]
    if asked_for_help or unknown:
        if unknown:
            print(f"No benchmark area called {', '.join(unknown)}.", file=sys.stderr)
        print("Usage: python -m bench [AREA ...] (every area when none is named). Areas: " + ", ".join(known),
              file=sys.stderr)
        return 2 if unknown else 0
    areas = argv or known
    report = Report()
    for area in areas:
        module = importlib.import_module(f"bench.bench_{area}")
        print(f"== {area}", flush=True)
        started = time.perf_counter()
        module.run(report)
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    report.write()
    if report.failures:
        print("missed targets: " + ", ".join(report.failures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
