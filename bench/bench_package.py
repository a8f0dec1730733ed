"""The desktop package as a clinic gets it: install the .deb, start the demo, first screen.

- package.install_to_first_screen_s: ``dpkg -i`` of the built .deb (its
  dependencies already present), then ``/usr/bin/medspa-desk --demo
  --screenshot`` under Xvfb with a private keychain, until the first screen
  (the sign-in window, drawn once the demo's API child process has migrated
  and seeded the demo practice) is a PNG on disk; target <= 60 s. Its ratio is
  to the same demo started from this source tree (no install, not frozen).
- package.install_to_first_screen_cpu_s: its CPU companion: dpkg's CPU, plus
  the CPU of every process under the app's launch (Xvfb, the keychain, the app,
  its API child) at the moment the first screen appears.

The median of MEDSPA_BENCH_PACKAGE_ROUNDS rounds (default 3), each installing,
running the demo to its end and purging. Needs root (dpkg) and no medspa-desk
package installed; builds the bundle and the .deb first when they are missing
or older than the code (about 1-3 minutes, not measured).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.harness import Report, median

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 60.0
# What goes into the bundle and the package.
SOURCES = ("main.py", "medspa_desk", "ui", "medspa_api", "resources", "pyproject.toml", "packaging/build.sh",
           "packaging/build-deb.sh", "packaging/medspa-desk.spec", "packaging/desk_bundle.py",
           "packaging/medspa-desk.desktop", "packaging/medspa-desk.svg", "packaging/README.Debian")


def load_smoke() -> ModuleType:
    """packaging/package_smoke.py, loaded by path (``packaging`` is also the name of a PyPI library)."""
    spec = importlib.util.spec_from_file_location("package_smoke", ROOT / "packaging" / "package_smoke.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def fresh_deb(smoke: ModuleType) -> Path:
    """The newest .deb in dist/, rebuilt first when any source is newer than it."""
    try:
        deb = smoke.built_deb(ROOT / "dist")
        built = deb.stat().st_mtime
    except smoke.SmokeFailed:
        built = 0.0
    newest = max(p.stat().st_mtime for name in SOURCES for p in
                 ([ROOT / name] if (ROOT / name).is_file() else (ROOT / name).rglob("*"))
                 if p.is_file() and "__pycache__" not in p.parts)
    if newest > built:
        print("   building the bundle and the .deb (not measured)", flush=True)
        subprocess.run([str(ROOT / "packaging" / "build.sh")], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([str(ROOT / "packaging" / "build-deb.sh")], check=True)
    return smoke.built_deb(ROOT / "dist")


def run(report: Report) -> None:
    smoke = load_smoke()
    if os.geteuid() != 0 or smoke.is_installed() or shutil.which("xvfb-run") is None:
        print("   skipped: needs root (dpkg), xvfb-run, and no medspa-desk package installed", flush=True)
        return
    deb = fresh_deb(smoke)
    rounds = int(os.environ.get("MEDSPA_BENCH_PACKAGE_ROUNDS", "3"))
    installed, source = [], []
    for _ in range(rounds):
        installed.append(_round(smoke, deb=deb))
        source.append(_round(smoke, deb=None))
    wall = median([t.install_to_first_screen_s for t in installed])
    baseline = median([t.first_screen_s for t in source])
    report.figure("package.install_to_first_screen_s", wall, unit="s", target=TARGET_S, baseline=baseline,
                  baseline_name="the demo from the source tree")
    report.figure("package.install_to_first_screen_cpu_s", median([t.install_to_first_screen_cpu_s
                                                                    for t in installed]), unit="s")
    report.figure("package.install_s", median([t.install_s for t in installed]), unit="s")
    report.figure("package.installed_first_screen_s", median([t.first_screen_s for t in installed]), unit="s")
    report.figure("package.source_first_screen_cpu_s", median([t.app_cpu_at_first_screen_s for t in source]),
                  unit="s")
    report.figure("package.load_average_1min", os.getloadavg()[0], unit=f"on {os.cpu_count()} cores")


def _round(smoke: ModuleType, *, deb: Path | None) -> Any:
    """One install-and-run of the packaged demo (``deb``), or one run of the source tree's (None)."""
    folders = smoke.Folders(Path(tempfile.mkdtemp(prefix="medspa-bench-package-"))).make()
    timings = smoke.Timings()
    try:
        if deb is not None:
            smoke.install_timed(deb, timings)
            smoke.run_demo(folders, scale=None, timings=timings)
        else:
            smoke.run_demo(folders, scale=None, timings=timings, app=smoke.SOURCE_APP)
    finally:
        if smoke.is_installed():
            smoke.remove(purge=True)
        shutil.rmtree(folders.root, ignore_errors=True)
    print(f"   {'installed' if deb else 'source'}: install {timings.install_s:.1f} s "
          f"({timings.install_cpu_s:.1f} s CPU), first screen {timings.first_screen_s:.1f} s "
          f"({timings.app_cpu_at_first_screen_s:.1f} s CPU), whole demo {timings.app_s:.1f} s", flush=True)
    return timings
