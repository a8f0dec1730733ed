"""This desk's version, as its package says (the installed .deb and the PyInstaller bundle carry the metadata)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    APP_VERSION = version("medspa-desk")
except PackageNotFoundError:  # run from a source tree that was never installed
    APP_VERSION = "0+source"
