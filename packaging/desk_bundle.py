"""What the desktop bundle carries besides Python modules, and which modules it must be told about.

``medspa-desk.spec`` reads this file; it is kept apart from the spec because
only PyInstaller can run a spec, while tests need to check the lists without
building anything (tests/test_packaging.py).

Data files are listed one by one as ``(source file, folder inside the bundle)``.
Inside a one-folder build the folder is relative to ``_internal/``
(``sys._MEIPASS``), which is where frozen modules' ``__file__`` point, so the
code's own ``Path(__file__).parents[n] / "resources"`` look-ups find them
unchanged.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Files a bundle never needs: byte code is rebuilt by PyInstaller, the rest is editor debris.
_SKIPPED_SUFFIXES = (".pyc", ".pyo", "~", ".swp", ".orig", ".rej")

# The app's own packages. Their modules are not listed: every one is imported by name in code, so
# PyInstaller's scan from main.py finds them (the two the app starts by name, the page reader and
# the --demo server, main.py imports for the frozen build; tests/test_packaging.py checks that no
# other module is named only in a string). Their non-Python files (the store's .sql migrations,
# read with importlib.resources) ship beside their modules.
APP_PACKAGES: tuple[str, ...] = ("medspa_desk", "medspa_demo", "ui")

# Imported by name at run time (entry points, cffi, ctypes), so PyInstaller's import scan misses them.
HIDDEN_IMPORTS: tuple[str, ...] = (
    # SQLCipher: the statically linked extension module behind sqlcipher3.dbapi2.
    "sqlcipher3._sqlite3",
    # Argon2id: the cffi bindings and cffi's own backend.
    "_argon2_cffi_bindings._ffi",
    "_cffi_backend",
    # Keychain: keyring finds its backends through entry points; Linux talks to the
    # Secret Service over D-Bus with SecretStorage on jeepney.
    "keyring.backends.chainer",
    "keyring.backends.fail",
    "keyring.backends.null",
    "keyring.backends.SecretService",
    "keyring.backends.libsecret",
    "secretstorage",
    "secretstorage.collection",
    "secretstorage.item",
    "jeepney",
    "jeepney.io.blocking",
    # zoneinfo on Windows has no system database; the tzdata package carries it.
    "tzdata",
)

# Installed distributions whose metadata code reads at run time (entry points, versions).
METADATA_OF: tuple[str, ...] = ("keyring", "SecretStorage", "jeepney", "argon2-cffi")

# Never needed in the desk: test tools, a GUI toolkit the app does not use, server-only drivers.
EXCLUDES: tuple[str, ...] = (
    "tkinter",
    "_tkinter",
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "schemathesis",
    "IPython",
    # The desk's --demo server runs on SQLite; PostgreSQL drivers belong on the real server.
    "psycopg",
    "psycopg_binary",
    "psycopg_c",
    "psycopg2",
)


def files_under(folder: Path, *, root: Path = ROOT, python_too: bool = True) -> list[tuple[str, str]]:
    """Every file below ``folder`` as a PyInstaller data entry, keeping its place relative to ``root``."""
    entries = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.name.startswith("."):
            continue
        if path.name.endswith(_SKIPPED_SUFFIXES) or (not python_too and path.suffix == ".py"):
            continue
        entries.append((str(path), str(path.parent.relative_to(root))))
    return entries


def desk_datas(root: Path = ROOT) -> list[tuple[str, str]]:
    """The shipped questionnaire, rules, consents, styles and face chart, plus package data.

    Package data are the non-Python files inside the desk's packages (the
    store's numbered ``.sql`` migrations, read with ``importlib.resources``).
    """
    entries = files_under(root / "resources", root=root)
    for package in APP_PACKAGES:
        entries += files_under(root / package, root=root, python_too=False)
    return entries


def server_datas(root: Path = ROOT) -> list[tuple[str, str]]:
    """Data the central API reads, needed when the desk bundles it (the ``--demo`` server).

    Alembic loads ``env.py`` and the revision scripts from files by path, so the
    migrations folder ships as source, Python files included.
    """
    entries = files_under(root / "medspa_api", root=root, python_too=False)
    entries += files_under(root / "medspa_api" / "migrations", root=root)
    return list(dict.fromkeys(entries))
