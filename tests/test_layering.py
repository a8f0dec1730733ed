"""The core never imports Qt, and the server never imports the desktop app."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def test_core_never_imports_qt() -> None:
    offenders = {path: sorted(n for n in names if n.split(".")[0] in {"PySide6", "shiboken6", "ui", "PyQt6"})
                 for path, names in imported_modules("medspa_desk").items()}
    assert {p: n for p, n in offenders.items() if n} == {}


def test_server_uses_only_protocol_and_records_from_the_core() -> None:
    allowed = {"medspa_desk", "medspa_desk.protocol", "medspa_desk.records", "medspa_desk.audit",
               "medspa_desk.demo_data", "medspa_desk.scheduling", "medspa_desk.rules"}
    offenders = {path: sorted(n for n in names
                              if (n.startswith("medspa_desk") and n not in allowed) or n.split(".")[0] in {"ui", "PySide6"})
                 for path, names in imported_modules("medspa_api").items()}
    assert {p: n for p, n in offenders.items() if n} == {}


def test_the_rules_table_stands_on_records_and_protocol_alone() -> None:
    """The server imports rules.py: it must not drag in the desk's store, sync or use cases."""
    names = imported_modules("medspa_desk")["medspa_desk/rules.py"]
    assert {n for n in names if n.startswith("medspa_desk")} <= {"medspa_desk.protocol", "medspa_desk.records"}


def test_layering_scan_sees_the_core() -> None:
    assert "medspa_desk/records.py" in imported_modules("medspa_desk")
