#!/usr/bin/env bash
# `make demo`: the whole system on this computer (central API on loopback, demo
# practice, the desk signed in as the front desk). Usage: scripts/run-demo.sh [PYTHON]
#
# With a display (X11 or Wayland) the app opens normally. Without one, it runs
# under a virtual display (xvfb-run) and writes screenshots of every main screen
# to ./screenshots, so a headless user still sees something.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${1:-.venv/bin/python}"

if [[ -n "${DISPLAY:-}" || -n "${WAYLAND_DISPLAY:-}" ]]; then
    exec "$PY" main.py --demo
fi

OUT="${SCREENSHOT_DIR:-./screenshots}"
echo "No display found (DISPLAY and WAYLAND_DISPLAY are empty)."
echo "Running the demo under a virtual display (xvfb-run) and saving screenshots to $OUT instead."
if ! command -v xvfb-run >/dev/null 2>&1; then
    echo "xvfb-run is not installed; install the xvfb package (make setup does) or run on a desktop." >&2
    exit 1
fi
xvfb-run -a -s "-screen 0 1600x1000x24" "$PY" main.py --demo --screenshot "$OUT"
echo "Screenshots written to $OUT. Open them with an image viewer, or run 'make demo' on a desktop."
