"""A pull's pages fetched ahead and read as they land, handed over in order (:class:`PagePipeline`).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from medspa_desk.store.pulled import PulledPage, UnreadablePage
from medspa_desk.sync.api import UNREADABLE_ANSWER, RawPage
from medspa_desk.sync.errors import (
    ServerTrouble,
)
from medspa_desk.sync.page_parser import PageParser

log = logging.getLogger(__name__)

PAGES_ENDED = ("The sync server's pages did not fit together; nothing from them was saved. "
               "Sync will try again.")


class PagePipeline:
    """Fetches pages ahead of the one being applied and has each read (parsed into rows) as it lands.

    One thread fetches, in order, and hands each page to the :class:`PageParser`;
    with the server's cursor header it asks for the next page as soon as one
    has arrived, so fetching, reading (on the helper process during a long pull)
    and applying all overlap. Without the header it waits for the page to be
    read. At most ``depth`` pages wait to be applied (enough to keep every
    helper reading), so memory stays bounded.
    :meth:`take` returns the next page in order or raises what fetching or
    reading it raised. :meth:`close` waits for a fetch in flight (it shares the
    engine's HTTP client, which must be idle before anything else uses it).
    """

    def __init__(self, fetch: Callable[..., RawPage], parser: PageParser, *, after: int, depth: int) -> None:
        self._fetch = fetch
        self._parser = parser
        self._ready: queue.Queue[tuple[RawPage, concurrent.futures.Future[PulledPage]] | BaseException] = (
            queue.Queue(maxsize=depth))
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(after,), name="sync-pull", daemon=True)
        self._thread.start()

    def __enter__(self) -> PagePipeline:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def take(self) -> PulledPage:
        while True:
            try:
                item = self._ready.get(timeout=0.5)
                break
            except queue.Empty:
                if not self._thread.is_alive() and self._ready.empty():
                    raise ServerTrouble(PAGES_ENDED) from None
        if isinstance(item, BaseException):
            raise item
        raw, reading = item
        try:
            page = reading.result()
        except UnreadablePage:
            raise ServerTrouble(UNREADABLE_ANSWER) from None
        if raw.next_after is not None and (raw.next_after, raw.has_more) != (page.cursor, page.has_more):
            raise ServerTrouble(PAGES_ENDED)
        return page

    def close(self) -> None:
        self._stopping.set()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._ready.get_nowait()  # a full queue must not hold the thread's last put
            self._thread.join(timeout=0.05)

    def _run(self, after: int) -> None:
        try:
            while not self._stopping.is_set():
                raw = self._fetch(after=after)
                reading = self._parser.submit(raw.content)
                if not self._put((raw, reading)):
                    return
                if raw.next_after is not None:
                    after, more = raw.next_after, bool(raw.has_more)
                else:
                    page = self._read_before_asking_on(reading)
                    if page is None:
                        return  # closing, or take() raises what reading it raised
                    after, more = page.cursor, page.has_more
                if not more:
                    return
        except BaseException as exc:
            self._put(exc)

    def _read_before_asking_on(self, reading: concurrent.futures.Future[PulledPage]) -> PulledPage | None:
        """A page without the cursor header, once read; None when closing (not waiting on a stuck reader)."""
        while not self._stopping.is_set():
            try:
                return reading.result(timeout=0.1)
            except concurrent.futures.TimeoutError:
                continue
            except BaseException:
                return None
        return None

    def _put(self, item: Any) -> bool:
        while not self._stopping.is_set():
            try:
                self._ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

