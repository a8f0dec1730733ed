#!/usr/bin/env bash
# Builds the one-folder desktop app: dist/medspa-desk/medspa-desk (see docs/packaging.md).
#
#   packaging/build.sh            build venv in build/package-venv, output in dist/
#   BUILD_VENV=/tmp/v DIST_DIR=/tmp/dist packaging/build.sh
#
# The build venv is separate from the development one so the bundle holds the
# project's runtime dependencies only (no pytest, no ruff).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
BUILD_VENV=${BUILD_VENV:-$ROOT/build/package-venv}
DIST_DIR=${DIST_DIR:-$ROOT/dist}
WORK_DIR=${WORK_DIR:-$ROOT/build/pyinstaller}
# Keep in step with the `package` extra in pyproject.toml.
PYINSTALLER_REQUIREMENT='pyinstaller>=6.10,<7'

if [ ! -x "$BUILD_VENV/bin/python" ] && [ ! -x "$BUILD_VENV/Scripts/python.exe" ]; then
    echo "Creating the build venv in $BUILD_VENV"
    "$PYTHON" -m venv "$BUILD_VENV"
fi
if [ -x "$BUILD_VENV/Scripts/python.exe" ]; then
    VENV_PYTHON=$BUILD_VENV/Scripts/python.exe   # Windows (Git Bash)
else
    VENV_PYTHON=$BUILD_VENV/bin/python
fi

echo "Installing Medspa Desk and PyInstaller into the build venv"
"$VENV_PYTHON" -m pip install --quiet --upgrade pip
# Editable, so the analysis reads this working tree and no stale installed copy of it.
"$VENV_PYTHON" -m pip install --quiet --editable "$ROOT" "$PYINSTALLER_REQUIREMENT"

echo "Running PyInstaller"
cd "$ROOT"
"$VENV_PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$DIST_DIR" --workpath "$WORK_DIR" packaging/medspa-desk.spec

APP_DIR=$DIST_DIR/medspa-desk
if [ -x "$APP_DIR/medspa-desk" ]; then
    # The smallest proof the bundle starts: the interpreter, the app's imports and argparse.
    QT_QPA_PLATFORM=offscreen "$APP_DIR/medspa-desk" --help > /dev/null
    echo "Built $APP_DIR ($(du -sh "$APP_DIR" | cut -f1)); it starts."
else
    echo "Built into $DIST_DIR"
fi
