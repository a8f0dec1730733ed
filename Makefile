# The README's two commands are `make demo` and `make test`; each sets up
# everything it needs on a fresh Debian machine (packages, virtualenv,
# PostgreSQL for the server tests) before it runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEBS := gnome-keyring dbus dbus-x11 xvfb poppler-utils libsecret-tools \
        libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
        libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 \
        libxcb-randr0 libxcb-render-util0 libxcb-image0 fonts-dejavu-core \
        desktop-file-utils systemd haproxy pgbouncer

.PHONY: demo test bench lint package deb package-smoke setup system-packages postgres clean

setup: system-packages $(STAMP)

system-packages:
	@scripts/install-system-packages.sh $(DEBS)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

postgres:
	@scripts/ensure-postgres.sh

demo: setup
	@scripts/with-keyring.sh scripts/run-demo.sh $(PY)

test: setup postgres
	QT_QPA_PLATFORM=offscreen scripts/report-crash.sh scripts/with-keyring.sh $(PY) -m pytest $(PYTEST_ARGS)

bench: setup postgres
	QT_QPA_PLATFORM=offscreen scripts/with-keyring.sh $(PY) -m bench $(BENCH_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

package: setup
	packaging/build.sh

# The bundle as a Debian package: dist/medspa-desk_<version>_<arch>.deb (docs/packaging.md).
deb: package
	packaging/build-deb.sh

# Install the .deb, run the installed demo under Xvfb, check it, remove it (root: dpkg).
package-smoke: deb
	$(PY) packaging/package_smoke.py

clean:
	rm -rf $(VENV) build *.egg-info
