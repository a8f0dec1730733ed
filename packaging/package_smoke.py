"""``make package-smoke``: install the built .deb, run the installed demo under Xvfb, check it, remove it.

Run with the development venv's Python after ``make package`` and
``packaging/build-deb.sh`` (the make target does all three); it needs root
(dpkg). What it proves, each checked, or it exits non-zero saying which:

- the package installs with dpkg and lays out ``/opt/medspa-desk``, the
  launcher, a menu entry ``desktop-file-validate`` accepts, and the icon;
- ``/usr/bin/medspa-desk --demo --screenshot DIR`` under Xvfb (the xcb
  platform, a private Secret Service keychain from scripts/with-keyring.sh)
  starts the demo API in a child process of the installed app, signs in,
  and finishes a first sync of about 22,500 changes (cursor and clients in
  the encrypted cache checked against the seeded practice) with its pages read
  by page-reader helpers (the installed app with ``--read-pulled-pages``,
  seen running and answering);
- the six screens are PNGs that are not blank;
- the run wrote nothing in the install folder, nor in /etc, /opt or /usr, and
  left nothing in its temporary folder;
- ``dpkg -r`` leaves none of the package's files, the user's data folder stays,
  and so it does after ``dpkg -P``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "medspa-desk"
INSTALL_DIR = Path("/opt/medspa-desk")
LAUNCHER = Path("/usr/bin/medspa-desk")
DESKTOP_ENTRY = Path("/usr/share/applications/medspa-desk.desktop")
ICON = Path("/usr/share/icons/hicolor/scalable/apps/medspa-desk.svg")
READER_COMMAND = [str(INSTALL_DIR / "medspa-desk"), "--read-pulled-pages"]
# About 22,500 changes: above page_parser.OFFLOAD_AT (20,000), so the first sync reads on the helpers.
SMOKE_SCALE = {"clients": 3000, "months_back": 9}
SCREENS = ("sign-in.png", "schedule.png", "client-profile.png", "booking.png", "check-in.png", "lock.png")
FIRST_SCREEN = SCREENS[0]
APP_TIMEOUT_S = 600.0
SAMPLE_EVERY_S = 0.05
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class SmokeFailed(Exception):
    """A check failed; the message says which and what was seen."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailed(message)


def run(*command: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(part) for part in command], check=True, text=True, capture_output=True,
                          **kwargs)  # type: ignore[call-overload]


def built_deb(dist: Path) -> Path:
    arch = run("dpkg", "--print-architecture").stdout.strip()
    debs = sorted(dist.glob(f"{PACKAGE}_*_{arch}.deb"), key=lambda p: p.stat().st_mtime)
    if not debs:
        raise SmokeFailed(f"no {PACKAGE} .deb in {dist}: run 'make package' and packaging/build-deb.sh")
    return debs[-1]


def is_installed() -> bool:
    status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", PACKAGE], capture_output=True, text=True,
                            check=False).stdout
    return "install ok installed" in status


def install(deb: Path) -> None:
    """The package's dependencies (only those missing), then the package, as an administrator would."""
    depends = run("dpkg-deb", "-f", deb, "Depends").stdout
    names = [part.split("(")[0].strip() for part in depends.split(",") if part.strip()]
    run(ROOT / "scripts" / "install-system-packages.sh", *names)
    run("dpkg", "-i", deb)


def package_paths() -> list[Path]:
    return [Path(line) for line in run("dpkg", "-L", PACKAGE).stdout.splitlines() if line.startswith("/")]


def tree_listing(folder: Path) -> dict[str, tuple[int, float]]:
    return {str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime) for p in folder.rglob("*")}


# --- watching the installed app from outside: its page readers, its first screen, its CPU --------


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read()
    except OSError:  # the process ended between listing and reading
        return ""


def _stat_fields(pid: str) -> list[str]:
    """/proc/PID/stat after the command name: [state, ppid, ...]; empty if the process is gone."""
    text = _read(f"/proc/{pid}/stat")
    return text[text.rfind(")") + 2:].split() if text else []


def tree_cpu_s(root_pid: int) -> float:
    """CPU seconds of ``root_pid`` and every process below it, with the children they have waited for."""
    parents = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        fields = _stat_fields(pid)
        if fields:
            parents[int(pid)] = (int(fields[1]), fields)
    total = 0.0
    for pid, (_, fields) in parents.items():
        walk = pid
        while walk in parents and walk != root_pid:
            walk = parents[walk][0]
        if walk == root_pid:
            total += sum(int(v) for v in fields[11:15]) / CLOCK_TICKS  # utime stime cutime cstime
    return total


@dataclass
class Reader:
    first_seen_s: float
    read_bytes: int = 0
    written_bytes: int = 0
    cpu_s: float = 0.0


@dataclass
class AppWatch:
    """Samples /proc while the installed app runs: its page readers, and when the first screen appears."""

    app_pid: int
    first_screen: Path
    started: float = field(default_factory=time.monotonic)
    readers: dict[int, Reader] = field(default_factory=dict)
    first_screen_s: float | None = None
    cpu_at_first_screen_s: float | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> AppWatch:
        self._thread = threading.Thread(target=self._sample_until_stopped, name="app-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _sample_until_stopped(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY_S):
            if self.first_screen_s is None and self.first_screen.exists():
                self.first_screen_s = time.monotonic() - self.started
                self.cpu_at_first_screen_s = tree_cpu_s(self.app_pid)
            for pid in filter(str.isdigit, os.listdir("/proc")):
                if _read(f"/proc/{pid}/cmdline").split("\0")[:-1] == READER_COMMAND:
                    self._sample_reader(int(pid))

    def _sample_reader(self, pid: int) -> None:
        reader = self.readers.setdefault(pid, Reader(first_seen_s=time.monotonic() - self.started))
        io = dict(line.split(": ") for line in _read(f"/proc/{pid}/io").splitlines() if ": " in line)
        fields = _stat_fields(str(pid))
        reader.read_bytes = max(reader.read_bytes, int(io.get("rchar", 0)))
        reader.written_bytes = max(reader.written_bytes, int(io.get("wchar", 0)))
        if fields:
            reader.cpu_s = max(reader.cpu_s, sum(int(v) for v in fields[11:13]) / CLOCK_TICKS)


# --- the run ----------------------------------------------------------------------------------------


@dataclass
class Folders:
    """Where one run keeps everything: a home, a temporary folder, the screens, the keychain."""

    root: Path

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def data(self) -> Path:
        return self.home / ".local" / "share" / "MedspaDesk"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def shots(self) -> Path:
        return self.root / "shots"

    @property
    def keychain(self) -> Path:
        return self.root / "keychain"

    def make(self) -> Folders:
        for folder in (self.home, self.tmp, self.keychain):
            folder.mkdir(parents=True, mode=0o700)
        return self


INSTALLED_APP = (str(LAUNCHER),)
SOURCE_APP = (sys.executable, str(ROOT / "main.py"))  # the same demo from this tree (a benchmark's baseline)


def start_demo(folders: Folders, *, scale: dict[str, int] | None,
               app: tuple[str, ...] = INSTALLED_APP) -> subprocess.Popen[str]:
    """``medspa-desk --demo --screenshot`` under Xvfb with a private keychain, as in a person's login."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS",
                        "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR")}
    env.update(HOME=str(folders.home), TMPDIR=str(folders.tmp), MEDSPA_FORCE_PRIVATE_KEYRING="1",
               MEDSPA_PRIVATE_KEYRING_HOME=str(folders.keychain))
    command = ["xvfb-run", "-a", "-s", "-screen 0 1366x768x24", str(ROOT / "scripts" / "with-keyring.sh"),
               *app, "--demo", "--screenshot", str(folders.shots), "--data-dir", str(folders.data)]
    if scale:
        command += ["--demo-scale", json.dumps(scale)]
    return subprocess.Popen(command, env=env, cwd=folders.home, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def wait_for_app(app: subprocess.Popen[str], *, timeout_s: float = APP_TIMEOUT_S) -> str:
    try:
        output, _ = app.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(app.pid, signal.SIGKILL)  # the group this script started for the app
        output, _ = app.communicate()
        raise SmokeFailed(f"the installed demo did not finish in {timeout_s:.0f} s:\n{output[-3000:]}") from None
    check(app.returncode == 0, f"the installed demo ended with code {app.returncode}:\n{output[-3000:]}")
    return output


def check_screens(shots: Path) -> None:
    """Each screen is a PNG Qt can read, of a real size, with more than a handful of colours."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ui.qt import QImage

    for name in SCREENS:
        path = shots / name
        check(path.is_file(), f"{name} was not written")
        image = QImage(str(path))
        check(not image.isNull(), f"{name} is not a readable PNG")
        check(image.width() >= 300 and image.height() >= 200, f"{name} is only {image.width()}×{image.height()}")
        colours = {image.pixel(x * image.width() // 40, y * image.height() // 40)
                   for x in range(40) for y in range(40)}
        check(len(colours) >= 8, f"{name} looks blank ({len(colours)} colours on a 40×40 grid)")


def check_first_sync(output: str, *, scale: dict[str, int]) -> dict[str, int]:
    from medspa_demo.model import Scale
    from medspa_demo.practice import generate_practice
    from medspa_desk.sync.page_parser import OFFLOAD_AT
    from ui.screenshots import FIRST_SYNC_MARKER

    lines = [line for line in output.splitlines() if line.startswith(FIRST_SYNC_MARKER)]
    check(len(lines) == 1, "the installed demo did not say its first sync was done")
    reached = json.loads(lines[0].removeprefix(FIRST_SYNC_MARKER))
    practice = generate_practice(scale=Scale(**scale))
    check(reached["clients"] == len(practice.clients),
          f"the cache holds {reached['clients']} clients; the demo seeded {len(practice.clients)}")
    seeded = len(list(practice.all_records()))  # one change each, numbered from 1
    check(reached["cursor"] == seeded, f"the first sync pulled up to change {reached['cursor']} of {seeded}")
    check(seeded >= OFFLOAD_AT, f"the smoke practice has {seeded} changes, fewer than the {OFFLOAD_AT} "
                                "that start the page readers")
    return reached


def app_log(data: Path) -> str:
    """The installed app's PHI-free log (the run's ``--data-dir``)."""
    return "\n".join(_read(str(p)) for p in sorted((data / "logs").glob("*.log*")))


def check_readers(watch: AppWatch, log: str) -> None:
    check(bool(watch.readers), "no page reader (medspa-desk --read-pulled-pages) was seen running")
    check(any(r.written_bytes > 0 and r.read_bytes > 0 for r in watch.readers.values()),
          "the page readers started but answered no page")
    check("page reader helper lost" not in log, "a page reader was lost; the pages were read in the app")


def check_keychain(log: str) -> None:
    """The device secret went into the Secret Service keychain, not a password-only fallback."""
    check("device secret created for vault" in log, "the app stored no device secret in the keychain")
    check("system keychain" not in log, "the app could not use the keychain (see its log)")


def changed_since(stamp: Path, folders: tuple[str, ...]) -> list[str]:
    found = subprocess.run(["find", *folders, "-xdev", "-newer", str(stamp), "-not", "-type", "d"],
                           capture_output=True, text=True, check=False).stdout
    return found.split()


def check_removed(paths: list[Path], data: Path) -> None:
    left = [str(p) for p in paths if (p.is_file() or p.is_symlink()) and not p.is_dir()]
    check(not left, f"removing the package left {left[:5]}")
    check(not INSTALL_DIR.exists(), f"removing the package left {INSTALL_DIR}")
    check(data.is_dir() and any(data.rglob("*")), "removing the package took the user's data folder")


@dataclass
class Timings:
    install_s: float = 0.0
    install_cpu_s: float = 0.0
    first_screen_s: float = 0.0
    app_cpu_at_first_screen_s: float = 0.0
    app_s: float = 0.0
    remove_s: float = 0.0

    @property
    def install_to_first_screen_s(self) -> float:
        return self.install_s + self.first_screen_s

    @property
    def install_to_first_screen_cpu_s(self) -> float:
        return self.install_cpu_s + self.app_cpu_at_first_screen_s


def children_cpu_s() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def install_timed(deb: Path, timings: Timings) -> None:
    started, cpu = time.monotonic(), children_cpu_s()
    install(deb)
    timings.install_s, timings.install_cpu_s = time.monotonic() - started, children_cpu_s() - cpu


def run_demo(folders: Folders, *, scale: dict[str, int] | None, timings: Timings,
             app: tuple[str, ...] = INSTALLED_APP) -> tuple[AppWatch, str]:
    """Run the demo to its end, watched; its first screen's time and CPU go into ``timings``."""
    started = time.monotonic()
    process = start_demo(folders, scale=scale, app=app)
    watch = AppWatch(app_pid=process.pid, first_screen=folders.shots / FIRST_SCREEN, started=started).start()
    try:
        output = wait_for_app(process)
    finally:
        watch.stop()
    timings.app_s = time.monotonic() - started
    check(watch.first_screen_s is not None, "the first screen never appeared")
    timings.first_screen_s = watch.first_screen_s or 0.0
    timings.app_cpu_at_first_screen_s = watch.cpu_at_first_screen_s or 0.0
    return watch, output


def remove(*, purge: bool) -> None:
    run("dpkg", "-P" if purge else "-r", PACKAGE)


def refuse_to_clobber() -> None:
    check(os.geteuid() == 0, "the package smoke installs a .deb: run it as root (CI) or with sudo")
    check(not is_installed(), f"{PACKAGE} is already installed here; remove it first (dpkg -P {PACKAGE})")


def check_layout() -> list[Path]:
    paths = package_paths()
    for wanted in (INSTALL_DIR / "medspa-desk", LAUNCHER, DESKTOP_ENTRY, ICON):
        check(wanted in paths and wanted.exists(), f"the package did not install {wanted}")
    run("desktop-file-validate", DESKTOP_ENTRY)
    return paths


def check_wrote_only_its_own(stamp: Path, folders: Folders, paths: list[Path]) -> None:
    # Caches other packages' triggers refresh are not the app's writes (there are none at run time).
    written = [p for p in changed_since(stamp, ("/etc", "/opt", "/usr")) if Path(p) not in set(paths)]
    check(not written, f"the run wrote outside its folders: {written[:5]}")
    in_home = [str(p) for p in folders.home.rglob("*") if not p.is_dir() and not p.is_relative_to(folders.data)]
    check(not in_home, f"the run wrote in the home folder outside its data folder: {in_home[:5]}")
    leftovers = sorted(str(p.relative_to(folders.tmp)) for p in folders.tmp.iterdir())
    check(not leftovers, f"the run left files in its temporary folder: {leftovers[:5]}")


def smoke(deb: Path, folders: Folders) -> Timings:
    refuse_to_clobber()
    timings = Timings()
    try:
        install_timed(deb, timings)
        paths = check_layout()
        before = tree_listing(INSTALL_DIR)
        stamp = folders.root / "stamp"
        stamp.touch()
        watch, output = run_demo(folders, scale=SMOKE_SCALE, timings=timings)
        reached = check_first_sync(output, scale=SMOKE_SCALE)
        check_screens(folders.shots)
        log = app_log(folders.data)
        check_readers(watch, log)
        check_keychain(log)
        check(tree_listing(INSTALL_DIR) == before, "the app wrote in its install folder")
        check_wrote_only_its_own(stamp, folders, paths)
        started = time.monotonic()
        remove(purge=False)
        timings.remove_s = time.monotonic() - started
        check_removed(paths, folders.data)
        remove(purge=True)
        check_removed(paths, folders.data)
    finally:
        if is_installed():
            remove(purge=True)
    print(f"first sync: {reached['cursor']} changes, {reached['clients']} clients in the encrypted cache")
    for pid, reader in sorted(watch.readers.items()):
        print(f"page reader {pid}: seen at {reader.first_seen_s:.1f} s, {reader.read_bytes / 1e6:.1f} MB in, "
              f"{reader.written_bytes / 1e6:.1f} MB out, {reader.cpu_s:.1f} s CPU")
    print(f"install {timings.install_s:.1f} s, first screen {timings.first_screen_s:.1f} s after start, "
          f"whole demo run {timings.app_s:.1f} s, removal {timings.remove_s:.1f} s")
    return timings


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deb", type=Path, help="the package (default: the newest in dist/)")
    parser.add_argument("--keep", action="store_true", help="keep the run's folder (screens, log)")
    args = parser.parse_args(argv)
    folders = Folders(Path(tempfile.mkdtemp(prefix="medspa-package-smoke-"))).make()
    started = time.monotonic()
    try:
        smoke(args.deb or built_deb(ROOT / "dist"), folders)
    except (SmokeFailed, subprocess.CalledProcessError) as exc:
        detail = exc.stderr if isinstance(exc, subprocess.CalledProcessError) else ""
        print(f"package smoke FAILED: {exc}\n{detail or ''}", file=sys.stderr)
        print(f"the run's folder (screens, log): {folders.root}", file=sys.stderr)
        return 1
    if not args.keep:
        shutil.rmtree(folders.root, ignore_errors=True)
    print(f"package smoke passed in {time.monotonic() - started:.1f} s"
          + (f"; screens and log in {folders.root}" if args.keep else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
