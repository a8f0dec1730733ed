"""Where pulled pages become rows: on a helper process during a long pull, in this one otherwise.

Reading a page (parsing its JSON, validating every record, writing its row:
:func:`medspa_desk.store.pulled.read_page`) is most of a first sync's CPU
time. Done in the desk's own process it holds the interpreter lock, and the
window's event loop waits behind it. During a long pull (a first sync, a
catch-up after a long outage) the engine hands the pages to helper processes
instead (two where the machine has a second core): their own interpreters,
so the window keeps its lock and the reading runs beside the store's writing.

The helper is this module run as a program (``python -m
medspa_desk.sync.page_parser``; in a frozen build the app itself with
``--read-pulled-pages``): it reads pages from its standard input and writes
rows to its standard output, each a length and a pickle. It holds a page only
while it reads it; it writes no file, dumps no core and logs nothing (its error output goes
nowhere: a record's text must not reach a terminal). It ends when its input
closes: at the end of the pull, and when the desk's process is gone. If the
helper cannot start or dies, the page is read here and the pull goes on.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import os
import pickle
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

from medspa_desk.store.errors import InvalidServerData
from medspa_desk.store.pulled import PulledPage, UnreadablePage, read_page
from medspa_desk.vault.secrets import disable_core_dumps

log = logging.getLogger(__name__)

# Changes behind the server at which a pull reads its pages on the helper: a first sync or a
# long outage's catch-up. Below it, starting the helper (about half a second) costs more than it saves.
OFFLOAD_AT = 20_000
FROZEN_FLAG = "--read-pulled-pages"
CLOSE_WAIT_S = 10.0  # how long closing waits for a page still being read before killing its helper
_LENGTH = struct.Struct("!Q")
# What the helper may send back as an error: the reader's own, whose messages name no PHI.
_READER_ERRORS = (UnreadablePage, InvalidServerData)


class HelperLost(Exception):
    """The helper process ended or sent something that is not an answer."""


def default_readers() -> int:
    """How many helpers read a long pull's pages: two where there is a second core to run them."""
    return 2 if (os.cpu_count() or 1) >= 2 else 1


class PageParser:
    """Reads raw pull pages into :class:`PulledPage`; ``offload`` puts the reading on helper processes.

    :meth:`submit` returns a future; up to ``readers`` pages are read at once,
    each by its own helper (a page's rows do not depend on another's, and the
    caller applies them in the order it submitted them). Use as a context
    manager: leaving it ends the helpers.
    """

    def __init__(self, *, offload: bool, readers: int | None = None) -> None:
        self._offload = offload
        self._readers = max(1, readers or default_readers())
        self._lock = threading.Lock()
        self._idle: list[subprocess.Popen[bytes]] = []  # helpers not reading a page just now
        self._started: list[subprocess.Popen[bytes]] = []
        self._in_flight: set[concurrent.futures.Future[PulledPage]] = set()
        self._sender = concurrent.futures.ThreadPoolExecutor(max_workers=self._readers,
                                                             thread_name_prefix="page-reader")

    def __enter__(self) -> PageParser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def offloading(self) -> bool:
        return self._offload

    @property
    def readers(self) -> int:
        return self._readers if self._offload else 0

    def submit(self, content: bytes) -> concurrent.futures.Future[PulledPage]:
        if not self._offload:
            return _read_here(content)
        reading = self._sender.submit(self._read_on_helper, content)
        self._in_flight.add(reading)
        reading.add_done_callback(self._in_flight.discard)
        return reading

    def close(self) -> None:
        """End the helpers: pages still being read get up to ``CLOSE_WAIT_S``, then their helpers are killed.

        A helper that never answers must not hold the sync worker: killed, its
        pipes close and the page waiting for it is read here instead.
        """
        self._sender.shutdown(wait=False, cancel_futures=True)
        concurrent.futures.wait(list(self._in_flight), timeout=CLOSE_WAIT_S)
        with self._lock:
            self._offload = False
            helpers, self._started, idle, self._idle = self._started, [], self._idle, []
        for helper in helpers:
            if helper not in idle:
                helper.kill()  # still reading after the wait: hung
        self._sender.shutdown(wait=True)
        for helper in helpers:
            _end(helper)

    def _read_on_helper(self, content: bytes) -> PulledPage:
        """On a sender thread: one page through an idle helper, or read here if there is none to be had."""
        helper = None
        try:
            helper = self._take_helper()
            if helper is not None:
                page = _round_trip(helper, content)
                self._give_back(helper)
                return page
        except (HelperLost, OSError) as exc:
            log.warning("page reader helper lost (%s); reading pages here", type(exc).__name__)
            self._offload = False
            if helper is not None:
                _end(helper)
        except _READER_ERRORS:
            self._give_back(helper)  # the page was bad, not the helper
            raise
        return read_page(content)

    def _take_helper(self) -> subprocess.Popen[bytes] | None:
        with self._lock:
            if not self._offload:
                return None
            if self._idle:
                return self._idle.pop()
            # One sender thread per reader, each holding at most one helper: never more than ``readers``.
            helper = subprocess.Popen(_helper_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, env=_helper_environment())
            self._started.append(helper)
            return helper

    def _give_back(self, helper: subprocess.Popen[bytes] | None) -> None:
        if helper is not None:
            with self._lock:
                if helper in self._started:
                    self._idle.append(helper)


def _helper_environment() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


def _helper_command() -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, FROZEN_FLAG]
    return [sys.executable, "-m", "medspa_desk.sync.page_parser"]


def _read_here(content: bytes) -> concurrent.futures.Future[PulledPage]:
    future: concurrent.futures.Future[PulledPage] = concurrent.futures.Future()
    try:
        future.set_result(read_page(content))
    except Exception as exc:  # the reader's own errors travel in the future, as from the helper
        future.set_exception(exc)
    return future


def _round_trip(helper: subprocess.Popen[bytes], content: bytes) -> PulledPage:
    assert helper.stdin is not None and helper.stdout is not None
    try:
        _send(helper.stdin, content)
        kind, value = pickle.loads(_receive(helper.stdout))  # noqa: S301 (our own child's answer)
    except (EOFError, pickle.UnpicklingError, ValueError) as exc:
        raise HelperLost(type(exc).__name__) from None
    if kind == "page":
        return value
    if kind == "error" and isinstance(value, _READER_ERRORS):
        raise value
    raise HelperLost(str(value))


def _end(helper: subprocess.Popen[bytes]) -> None:
    """Close its input (it ends at EOF), wait for it, then close its output; no thread uses either now."""
    if helper.stdin is not None:
        with contextlib.suppress(OSError):
            helper.stdin.close()
    try:
        helper.wait(timeout=5)
    except subprocess.TimeoutExpired:
        helper.kill()
        helper.wait()
    if helper.stdout is not None:
        with contextlib.suppress(OSError):
            helper.stdout.close()


def _send(stream: IO[bytes], data: bytes) -> None:
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: IO[bytes]) -> bytes:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError("no answer")
    (length,) = _LENGTH.unpack(head)
    data = stream.read(length)
    if len(data) < length:
        raise EOFError("answer cut short")
    return data


def serve(incoming: IO[bytes], outgoing: IO[bytes]) -> None:
    """The helper's side: read each page sent, answer with its rows or the reader's error; end at EOF."""
    while True:
        try:
            content = _receive(incoming)
        except EOFError:
            return
        try:
            answer: tuple[str, Any] = ("page", read_page(content))
        except _READER_ERRORS as exc:
            answer = ("error", exc)
        except Exception as exc:  # only the type: the message of an arbitrary error may quote a record
            answer = ("failed", type(exc).__name__)
        _send(outgoing, pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))


def main() -> None:
    # It inherits the desk's limit too; a crash here must not write the pages it holds to disk either.
    disable_core_dumps()
    # The window's process comes first when the cores are busy.
    with contextlib.suppress(OSError, AttributeError):
        os.nice(5)
    serve(sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    main()
