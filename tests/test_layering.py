"""Who may import whom: only ui/qt.py imports Qt; the desk never imports the server or the demo;
the server never imports the desk's windows or the demo; no import cycles among their modules."""

from __future__ import annotations

import ast
from collections.abc import Callable
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
               "medspa_desk.scheduling", "medspa_desk.rules"}
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


# --- the whole graph: who may import whom, and no cycles ------------------------------------------

LAYERED = ("ui", "medspa_desk", "medspa_api", "medspa_demo")
QT = {"PySide6", "shiboken6", "PyQt6", "PyQt5", "PySide2"}


def module_name(path: Path, *, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, *, root: Path = ROOT) -> set[str]:
    """Every module ``path`` imports, at module level or inside functions, relative ones resolved."""
    own = module_name(path, root=root)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)  # ``from pkg import module``
    return names


def import_graph() -> dict[str, set[str]]:
    """Module → the modules of ui, medspa_desk, medspa_api and medspa_demo it imports."""
    paths = {module_name(path): path for package in LAYERED for path in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        targets = set()
        for imported in imports_of(path):
            # Importing ``a.b.c`` runs ``a/b/__init__.py`` first: the package is imported too (unless it
            # is one of this module's own packages, already being imported when this module runs).
            parts = imported.split(".")
            for depth in range(1, len(parts) + 1):
                target = ".".join(parts[:depth])
                if target in paths and target != name and not name.startswith(target + "."):
                    targets.add(target)
        graph[name] = targets
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's components with more than one module (an import cycle each), iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def all_imports() -> dict[str, set[str]]:
    files = [ROOT / "main.py", *(path for package in LAYERED for path in (ROOT / package).rglob("*.py"))]
    return {str(path.relative_to(ROOT)): imports_of(path) for path in files}


def offenders(rule: Callable[[str, str], bool]) -> dict[str, list[str]]:
    """File → what it imports that ``rule(file, top-level package)`` forbids."""
    return {path: sorted(bad) for path, names in all_imports().items()
            if (bad := {name for name in names if rule(path, name.split(".")[0])})}


def test_only_ui_qt_imports_the_gui_toolkit() -> None:
    assert offenders(lambda path, top: top in QT and path != "ui/qt.py") == {}


def test_the_desk_never_imports_the_server_nor_the_demo() -> None:
    """ui and medspa_desk: the demo's server is a child process started by a flag, never an import."""
    assert offenders(lambda path, top: path.split("/")[0] in {"ui", "medspa_desk"}
                     and top in {"medspa_api", "medspa_demo"}) == {}


def test_the_server_never_imports_the_desktop_app_nor_the_demo() -> None:
    assert offenders(lambda path, top: path.split("/")[0] == "medspa_api"
                     and top in {"ui", "medspa_demo"}) == {}


def test_the_demo_never_imports_the_desktop_app() -> None:
    assert offenders(lambda path, top: path.split("/")[0] == "medspa_demo" and top == "ui") == {}


def test_no_import_cycles_between_modules() -> None:
    cycles = [sorted(component) for component in strongly_connected(import_graph())]
    assert cycles == []


def test_the_cycle_finder_sees_cycles_and_function_level_and_relative_imports(tmp_path: Path) -> None:
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []
    graph = import_graph()
    assert "ui.qt" in graph["ui.app"]  # a module-level import
    assert "ui.main_window" in graph["ui.app"]  # inside a method
    module = tmp_path / "pkg" / "sub" / "mod.py"
    module.parent.mkdir(parents=True)
    module.write_text("from . import sibling\nfrom ..top import thing\n\ndef f():\n    import os.path\n")
    assert imports_of(module, root=tmp_path) >= {"pkg.sub.sibling", "pkg.top", "pkg.top.thing", "os.path"}
