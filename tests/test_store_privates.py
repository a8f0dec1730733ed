"""One owner of the store: code outside ``medspa_desk/store/`` uses only the store's public face.

Writes go through ``Store.transaction()`` (or a store method), audit events through
``Store.note``, reads through a store method or ``Store.select``; nobody outside the
store package calls ``_write``, ``_note``, ``_rows`` or any other private member of
:class:`~medspa_desk.store.store.Store`.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from medspa_desk.store.store import Store

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("medspa_desk", "ui", "medspa_api", "medspa_demo", "bench", "tests", "main.py")
STORE_PACKAGE = ROOT / "medspa_desk" / "store"


def store_private_names() -> set[str]:
    """Every private method and attribute of Store and its parts (``_write``, ``_conn``, ...)."""
    names: set[str] = set()
    for cls in Store.__mro__:
        if not cls.__module__.startswith("medspa_desk.store"):
            continue
        names.update(n for n in vars(cls) if n.startswith("_") and not n.startswith("__"))
        for node in ast.walk(ast.parse(inspect.getsource(cls))):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
                    and isinstance(node.ctx, ast.Store) and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                names.add(node.attr)
    return names


def private_uses(source: str, names: set[str]) -> list[tuple[int, str]]:
    """``(line, text)`` of each ``something._name`` in ``source`` where ``_name`` is a Store private.

    ``self._name`` and ``cls._name`` are a class's own members, not the store's.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in names:
            if isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"}:
                continue
            found.append((node.lineno, ast.unparse(node)))
    return sorted(found)


def scanned_files() -> list[Path]:
    files: list[Path] = []
    for name in SCANNED:
        path = ROOT / name
        files.extend([path] if path.suffix == ".py" else path.rglob("*.py"))
    return [p for p in files if STORE_PACKAGE not in p.parents and ".venv" not in p.parts]


def test_nothing_outside_the_store_package_calls_a_private_store_member() -> None:
    names = store_private_names()
    offenders = {f"{path.relative_to(ROOT)}:{line}": text
                 for path in scanned_files() for line, text in private_uses(path.read_text(), names)}
    assert offenders == {}, "use Store.transaction(), Store.note(), Store.select() or a store method"


def test_the_scan_knows_the_store_privates_and_catches_a_reach_in() -> None:
    names = store_private_names()
    assert {"_write", "_note", "_rows", "_one", "_conn", "_audit_sent_through"} <= names
    sample = ("def f(store, actor):\n"
              "    with store._write():\n"
              "        store._note(actor, 'view')\n"
              "    self._write()\n"
              "    return desk.store._rows('SELECT 1')\n")
    assert private_uses(sample, names) == [(2, "store._write"), (3, "store._note"), (5, "desk.store._rows")]


def test_the_scan_covers_the_core_outside_the_store_and_the_tests() -> None:
    files = {str(p.relative_to(ROOT)) for p in scanned_files()}
    assert "medspa_desk/compliance/exports.py" in files and "tests/test_store_privates.py" in files
    assert not any(f.startswith("medspa_desk/store/") for f in files)
