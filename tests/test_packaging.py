"""Packaging checks that need no PyInstaller build: the desktop entry, the bundle lists, the server unit.

A real build is ``packaging/build.sh`` (minutes, a few hundred MB); these tests
keep the inputs of that build honest between builds.
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
DESKTOP_ENTRY = PACKAGING / "medspa-desk.desktop"
UNIT = PACKAGING / "medspa-api.service"
SPEC = PACKAGING / "medspa-desk.spec"


HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectControlGroups": "yes",
    "RestrictSUIDSGID": "yes",
    "RestrictNamespaces": "yes",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
    "SystemCallArchitectures": "native",
    "CapabilityBoundingSet": "",
    "UMask": "0077",
    "LimitCORE": "0",
}


def load_bundle() -> ModuleType:
    """packaging/desk_bundle.py, loaded by path (``packaging`` is also the name of a PyPI library)."""
    spec = importlib.util.spec_from_file_location("desk_bundle_under_test", PACKAGING / "desk_bundle.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bundled(entries: list[tuple[str, str]]) -> set[Path]:
    """Where each data entry lands, relative to the bundle's root (``_internal/``)."""
    return {Path(folder) / Path(source).name for source, folder in entries}


def files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")]


def modules_naming_files(*packages: str) -> list[str]:
    """Modules that build paths from ``__file__`` or from the shared ``RESOURCES`` folder."""
    names = []
    for package in packages:
        for file in sorted((ROOT / package).rglob("*.py")):
            if re.search(r"__file__|\bRESOURCES\b", file.read_text("utf-8")):
                names.append(".".join(file.relative_to(ROOT).with_suffix("").parts))
    return names


def resource_paths(module_names: list[str]) -> list[Path]:
    """The module-level Path constants of these modules that point into the repository."""
    found = []
    for name in module_names:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, Path) and value.is_relative_to(ROOT):
                found.append(value)
    return found


def unit_settings(text: str) -> dict[str, list[str]]:
    """A systemd unit as key -> values (keys may repeat), comments and section headers dropped."""
    settings: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        settings.setdefault(key.strip(), []).append(value.strip())
    return settings


# --- the desktop entry and icon -------------------------------------------------------------------


def test_desktop_entry_passes_desktop_file_validate() -> None:
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        pytest.skip("desktop-file-validate is not installed (Debian package desktop-file-utils)")
    result = subprocess.run([validator, str(DESKTOP_ENTRY)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    # The validator prints hints too; a clean entry has none.
    assert result.stdout.strip() == ""


def test_desktop_entry_starts_the_installed_app_with_the_shipped_icon() -> None:
    entry = dict(line.split("=", 1) for line in DESKTOP_ENTRY.read_text("utf-8").splitlines()
                 if "=" in line and not line.startswith("#"))
    scripts = re.search(r"^\[project\.scripts\]\n((?:.+\n)+)", (ROOT / "pyproject.toml").read_text("utf-8"),
                        re.MULTILINE)
    assert scripts is not None
    assert re.search(rf'^{re.escape(entry["Exec"].split()[0])}\s*=\s*"ui\.app:main"', scripts.group(1),
                     re.MULTILINE), "Exec must name the medspa-desk console script"
    assert entry["Terminal"] == "false"
    icon = PACKAGING / f"{entry['Icon']}.svg"
    root = ET.parse(icon).getroot()  # noqa: S314 (the repository's own icon)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 256 256", "the icon is drawn square"


# --- what the desktop bundle carries ---------------------------------------------------------------


def test_every_data_file_the_desk_code_names_is_in_the_bundle() -> None:
    bundle = load_bundle()
    shipped = bundled(bundle.desk_datas(ROOT))
    paths = resource_paths(modules_naming_files("medspa_desk", "ui"))
    assert any(p.name == "questionnaire-v1.json" for p in paths)  # the scan found the constants
    for path in paths:
        wanted = files_in(path) if path.is_dir() else [path]
        assert wanted, f"{path} is named by the code but holds no files"
        for file in wanted:
            assert file.relative_to(ROOT) in shipped, f"{file.relative_to(ROOT)} is not in the spec's datas"


def test_the_whole_resources_folder_ships_with_the_desk() -> None:
    shipped = bundled(load_bundle().desk_datas(ROOT))
    missing = [p.relative_to(ROOT) for p in files_in(ROOT / "resources") if p.relative_to(ROOT) not in shipped]
    assert missing == []


def test_package_data_read_through_importlib_resources_ships_beside_its_modules() -> None:
    from medspa_desk.store import migrations

    bundle = load_bundle()
    shipped = bundled(bundle.desk_datas(ROOT)) | bundled(bundle.server_datas(ROOT))
    store_migrations = Path(migrations.__file__).parent
    for migration in migrations.available():
        name = f"{migration.version:04d}_{migration.name}.sql"
        assert (store_migrations / name).relative_to(ROOT) in shipped
    for package in ("medspa_desk", "medspa_demo", "ui", "medspa_api"):
        for file in files_in(ROOT / package):
            if file.suffix != ".py":
                assert file.relative_to(ROOT) in shipped, f"{file.relative_to(ROOT)} is not in the spec's datas"


def test_server_migrations_ship_as_source_for_alembic() -> None:
    shipped = bundled(load_bundle().server_datas(ROOT))
    for path in resource_paths(modules_naming_files("medspa_api")):
        for file in files_in(path) if path.is_dir() else [path]:
            assert file.relative_to(ROOT) in shipped, f"{file.relative_to(ROOT)} is not in the server datas"
    assert Path("medspa_api/migrations/env.py") in shipped


def test_hidden_imports_and_metadata_exist_in_this_environment() -> None:
    bundle = load_bundle()
    for name in bundle.HIDDEN_IMPORTS:
        assert importlib.util.find_spec(name) is not None, f"hidden import {name} does not exist"
    for distribution in bundle.METADATA_OF:
        assert importlib.metadata.distribution(distribution).metadata["Name"]
    entry_points = {ep.value for ep in importlib.metadata.entry_points(group="keyring.backends")}
    assert "keyring.backends.SecretService" in entry_points


def test_modules_the_app_names_in_a_string_are_imported_by_main_py_or_hidden_imports() -> None:
    """A module named in a string (``python -m medspa_demo.server``, a page reader's module) escapes
    PyInstaller's scan, which follows only import statements from main.py (the spec lists no package
    whole): main.py must import it for the frozen build, or it is a hidden import."""
    bundle = load_bundle()
    named: set[str] = set()
    for package in bundle.APP_PACKAGES:
        for file in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(file.read_text("utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                        re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", node.value) and \
                        node.value.split(".")[0] in {"medspa_desk", "medspa_demo", "ui", "medspa_api"}:
                    named.add(node.value)
    assert "medspa_desk.sync.page_parser" in named  # the scan sees the page reader started by name
    main_imports = {node.module for node in ast.walk(ast.parse((ROOT / "main.py").read_text("utf-8")))
                    if isinstance(node, ast.ImportFrom)}
    outside = sorted(n for n in named if importlib.util.find_spec(n) is not None
                     and n not in main_imports and n not in bundle.HIDDEN_IMPORTS)
    assert outside == [], "import these in main.py (as the page reader is) or add them to HIDDEN_IMPORTS"


def test_the_spec_lists_no_package_of_the_app_whole() -> None:
    """The bundle carries the modules the import scan reaches from main.py, not every file of a
    package (a test helper or a module nothing imports would ship to every clinic)."""
    tree = ast.parse((ROOT / "packaging" / "medspa-desk.spec").read_text("utf-8"))
    whole = [ast.unparse(node.args[0]) for node in ast.walk(tree) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Name) and node.func.id == "collect_submodules"]
    # keyring's backends on purpose: which one is viable is only known on the workstation.
    assert whole == ["'keyring.backends'"]


def test_the_bundle_starts_the_demo_server_through_main_py_without_the_desk(tmp_path: Path) -> None:
    """The frozen app is main.py: ``medspa-desk --serve-demo DIR`` must reach medspa_demo.server,
    which main.py imports for the frozen build, and never load the desk's windows (ui, Qt) on the way."""
    done = subprocess.run([sys.executable, "-X", "importtime", str(ROOT / "main.py"), "--serve-demo",
                           str(tmp_path / "server"), "--scale", '{"patients": 3}'],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False)
    assert done.returncode == 2
    assert done.stdout.startswith("medspa-demo-refused --demo-scale does not know patients")
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "medspa_demo.server" in imported
    assert not {name for name in imported if name.split(".")[0] in {"ui", "PySide6", "shiboken6"}}


def test_the_demo_server_serves_without_the_modules_the_bundle_leaves_out(tmp_path: Path) -> None:
    """What ``medspa-desk --serve-demo`` runs in the bundle, with every EXCLUDES module unimportable
    (the PostgreSQL driver among them): migrated, seeded, serving, and ended by closing its input."""
    blocked = "; ".join(f"sys.modules[{name!r}] = None" for name in load_bundle().EXCLUDES)
    child = (f"import runpy, sys; {blocked}; "
             f"sys.argv = ['main.py', '--serve-demo', {str(tmp_path / 'server')!r}, '--scale', "
             """'{"clients": 20, "months_back": 1, "months_ahead": 1}']; """
             f"runpy.run_path({str(ROOT / 'main.py')!r}, run_name='__main__')")
    log = tmp_path / "stderr.txt"
    with log.open("w") as stderr:
        process = subprocess.Popen([sys.executable, "-c", child], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=stderr, text=True, cwd=ROOT)
        try:
            first_line = process.stdout.readline()
        finally:
            process.stdin.close()
            process.wait(timeout=120)
            process.stdout.close()
    errors = log.read_text()
    assert first_line.startswith("medspa-demo-server "), errors[-3000:]
    assert process.returncode == 0, errors[-3000:]


def test_spec_builds_main_py_in_one_folder_from_the_bundle_lists() -> None:
    tree = ast.parse(SPEC.read_text("utf-8"))
    calls = {node.func.id: node for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    analysis = calls["Analysis"]
    assert "main.py" in ast.unparse(analysis.args[0])
    keywords = {k.arg: ast.unparse(k.value) for k in analysis.keywords}
    assert keywords["datas"] == "datas" and keywords["hiddenimports"] == "hiddenimports"
    used = {node.attr for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and ast.unparse(node.value) == "bundle"}
    assert {"desk_datas", "server_datas", "HIDDEN_IMPORTS", "METADATA_OF", "EXCLUDES"} <= used
    exe = {k.arg: ast.unparse(k.value) for k in calls["EXE"].keywords}
    assert exe["exclude_binaries"] == "True", "one folder: binaries go to COLLECT, not into the executable"
    assert exe["upx"] == "False"
    assert "COLLECT" in calls


def test_build_script_is_valid_bash_and_pins_pyinstaller_below_the_next_major() -> None:
    script = PACKAGING / "build.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)
    assert re.search(r"'pyinstaller>=6\.\d+,<7'", script.read_text("utf-8"))


# --- the central API's systemd unit ----------------------------------------------------------------


def test_api_unit_has_the_hardening_keys() -> None:
    settings = unit_settings(UNIT.read_text("utf-8"))
    wrong = {key: settings.get(key) for key, value in HARDENING.items() if settings.get(key) != [value]}
    assert wrong == {}
    assert settings["User"] != ["root"]
    assert any(f.startswith("@system-service") for f in settings["SystemCallFilter"])
    assert set(settings["RestrictAddressFamilies"][0].split()) <= {"AF_INET", "AF_INET6", "AF_UNIX"}


def test_api_unit_serves_tls_with_settings_from_an_environment_file() -> None:
    settings = unit_settings(UNIT.read_text("utf-8"))
    assert settings["EnvironmentFile"] == ["/etc/medspa-api/medspa-api.env"]
    command = shlex.split(settings["ExecStart"][0])
    assert command[0].endswith("/medspa-api") and command[1] == "serve"
    assert "--insecure-loopback" not in command
    credentials = {value.split(":", 1)[0] for value in settings["LoadCredential"]}
    assert command[command.index("--cert") + 1] == "%d/tls.crt" and "tls.crt" in credentials
    assert command[command.index("--key") + 1] == "%d/tls.key" and "tls.key" in credentials
    # Every option the unit passes is one `medspa-api serve` accepts.
    help_text = subprocess.run([sys.executable, "-m", "medspa_api.cli", "serve", "--help"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout
    for option in (word for word in command if word.startswith("--")):
        assert option in help_text, f"medspa-api serve has no {option}"


def test_server_install_notes_set_only_settings_the_server_reads() -> None:
    notes = (PACKAGING / "server-install.md").read_text("utf-8")
    read = set(re.findall(r"MEDSPA_API_[A-Z_]+", (ROOT / "medspa_api" / "settings.py").read_text("utf-8")))
    assigned = set(re.findall(r"^(MEDSPA_API_[A-Z_]+)=", notes, re.MULTILINE))
    assert {"MEDSPA_API_DATABASE_URL", "MEDSPA_API_SECRET_KEY"} <= assigned
    assert assigned <= read


def test_systemd_accepts_the_api_unit_and_rates_it_well_hardened() -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    verify = subprocess.run([analyze, "verify", str(UNIT)], capture_output=True, text=True, check=False)
    # The venv path does not exist on a build machine; any other complaint is a unit error.
    complaints = [line for line in verify.stderr.splitlines()
                  if line.strip() and "is not executable" not in line]
    assert complaints == []
    security = subprocess.run([analyze, "security", "--offline=true", "--threshold=20", str(UNIT)],
                              capture_output=True, text=True, check=False)
    exposure = re.search(r"Overall exposure level for \S+: ([\d.]+)", security.stdout)
    assert exposure is not None, security.stdout + security.stderr
    print(f"systemd exposure level of medspa-api.service: {exposure.group(1)}")
    assert security.returncode == 0, f"exposure {exposure.group(1)} is above 2.0"


# --- the Debian package and its smoke test -------------------------------------------------------


def load_smoke() -> ModuleType:
    spec = importlib.util.spec_from_file_location("package_smoke_under_test", PACKAGING / "package_smoke.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def small_deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """build-deb.sh run on a stand-in bundle folder (a real one takes PyInstaller minutes)."""
    if shutil.which("dpkg-deb") is None or shutil.which("desktop-file-validate") is None:
        pytest.skip("dpkg-deb and desktop-file-validate are needed (Debian packages dpkg, desktop-file-utils)")
    work = tmp_path_factory.mktemp("deb")
    app = work / "bundle"
    (app / "_internal").mkdir(parents=True)
    (app / "medspa-desk").write_text("#!/bin/sh\necho stand-in\n")
    (app / "medspa-desk").chmod(0o700)
    (app / "_internal" / "base_library.zip").write_bytes(b"stand-in")
    subprocess.run([str(PACKAGING / "build-deb.sh")], check=True, capture_output=True,
                   env={**os.environ, "APP_DIR": str(app), "DIST_DIR": str(work / "dist"),
                        "BUILD_DIR": str(work / "stage")})
    (deb,) = (work / "dist").glob("medspa-desk_*.deb")
    return deb


def test_the_deb_installs_the_bundle_in_opt_with_a_launcher_menu_entry_and_icon_only(small_deb: Path) -> None:
    smoke = load_smoke()
    listing = subprocess.run(["dpkg-deb", "-c", str(small_deb)], capture_output=True, text=True,
                             check=True).stdout.splitlines()
    files = {line.split()[-1].removeprefix(".") for line in listing if not line.startswith("d")}
    assert files == {f"{smoke.INSTALL_DIR}/medspa-desk", f"{smoke.INSTALL_DIR}/_internal/base_library.zip",
                     str(smoke.LAUNCHER), str(smoke.DESKTOP_ENTRY), str(smoke.ICON),
                     "/usr/share/doc/medspa-desk/README.Debian"}
    assert all(" root/root " in line for line in listing)
    modes = {line.split()[-1].removeprefix("."): line.split()[0] for line in listing}
    assert modes[f"{smoke.INSTALL_DIR}/medspa-desk"] == "-rwxr-xr-x"  # nobody but root may change it
    assert modes[f"{smoke.INSTALL_DIR}/_internal/base_library.zip"] == "-rw-r--r--"
    # No maintainer scripts: nothing runs at install or removal that could leave files or touch homes.
    control = subprocess.run(["dpkg-deb", "-I", str(small_deb)], capture_output=True, text=True, check=True).stdout
    assert not re.search(r"\b(preinst|postinst|prerm|postrm)\b", control)
    depends = subprocess.run(["dpkg-deb", "-f", str(small_deb), "Depends"], capture_output=True, text=True,
                             check=True).stdout
    assert "fonts-dejavu-core" in depends and "libegl1" in depends


def test_the_launcher_starts_the_bundle_in_opt(small_deb: Path, tmp_path: Path) -> None:
    subprocess.run(["dpkg-deb", "-x", str(small_deb), str(tmp_path)], check=True)
    launcher = (tmp_path / "usr" / "bin" / "medspa-desk").read_text("utf-8")
    assert launcher.startswith("#!/bin/sh\n")
    assert 'exec /opt/medspa-desk/medspa-desk "$@"' in launcher.splitlines()


def test_the_bundle_links_only_to_libraries_it_carries_or_the_deb_depends_on() -> None:
    bundle = ROOT / "dist" / "medspa-desk"
    if not (bundle / "medspa-desk").exists() or shutil.which("readelf") is None or shutil.which("dpkg") is None:
        pytest.skip("no bundle built in dist/ (make package) or no readelf/dpkg to read it")
    carried = {p.name for p in bundle.rglob("*.so*")}
    objects = [str(p) for p in bundle.rglob("*") if p.is_file() and (".so" in p.name or p.name == "medspa-desk")]
    dynamic = subprocess.run(["readelf", "-d", *objects], capture_output=True, text=True, check=False).stdout
    needed = set(re.findall(r"Shared library: \[(.+?)\]", dynamic)) - carried
    depends = re.search(r"^DEPENDS='(.+)'", (PACKAGING / "build-deb.sh").read_text("utf-8"), re.MULTILINE)
    assert depends is not None
    declared = {part.split("(")[0].strip() for part in depends.group(1).split(",")}
    owners = {}
    for library in sorted(needed):
        found = subprocess.run(["dpkg", "-S", f"*/{library}"], capture_output=True, text=True, check=False).stdout
        owners[library] = found.split(":")[0] if found else "?"
    assert {lib: pkg for lib, pkg in owners.items() if pkg not in declared} == {}


def test_the_smoke_starts_the_page_readers_the_way_the_frozen_app_does() -> None:
    from medspa_demo.model import Scale
    from medspa_demo.practice import generate_practice
    from medspa_desk.sync.page_parser import FROZEN_FLAG, OFFLOAD_AT

    smoke = load_smoke()
    assert [str(smoke.INSTALL_DIR / "medspa-desk"), FROZEN_FLAG] == smoke.READER_COMMAND
    assert f"sys.argv[1:] == [{FROZEN_FLAG!r}]" in (ROOT / "main.py").read_text("utf-8").replace('"', "'")
    # The smoke's practice is big enough that the first sync reads its pages on the helpers.
    practice = generate_practice(scale=Scale(**smoke.SMOKE_SCALE))
    assert len(list(practice.all_records())) >= OFFLOAD_AT


def test_ci_runs_the_tests_first_then_the_package_smoke() -> None:
    steps = [line.strip() for line in (ROOT / ".ci" / "run").read_text("utf-8").splitlines()
             if line.strip().startswith("make ")]
    assert steps[0] == "make test" and steps[-1] == "make package-smoke"
    # Between them, only the suite again on a shifted date: nothing easier than the whole suite.
    assert all(step.startswith("make test PYTEST_ARGS='--clock-at ") for step in steps[1:-1])
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert re.search(r"^package-smoke: deb\n\t\$\(PY\) packaging/package_smoke\.py$", makefile, re.MULTILINE)
    assert re.search(r"^deb: package\n\tpackaging/build-deb\.sh$", makefile, re.MULTILINE)
