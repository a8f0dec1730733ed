"""The sync engine: push the outbox, pull changes, hear of others' changes within a second.

Two threads of its own. The *worker* (``sync-worker``) runs sync cycles: push
outbox batches (with the local audit events) until the outbox is empty, then
pull pages of changes after the store's cursor. It runs when woken (a notice from the watcher,
:meth:`SyncEngine.sync_now`, and every committed write that added to the
outbox: the engine listens to the store's :class:`OutboxWatch`, so no caller
has to remember to nudge it), on a timer, and after a failure on an
exponential backoff with jitter. While a retry waits on the backoff (offline),
a local write stays queued for that retry instead of opening a connection of
its own; the network coming back (the watcher reaches the server, or the OS
says so through :meth:`SyncEngine.network_did_return`) pushes at once. The
*watcher* (:mod:`medspa_desk.sync.watcher`) holds the server's change stream
open and wakes the worker when the server has something new; a pull's pages
are fetched and read ahead by :mod:`medspa_desk.sync.page_pipeline`.

Neither thread touches the store: every store call is a job on the desk's one
:class:`~medspa_desk.store.worker.StoreWorker` (the UI's database worker in
the app), the thread that also opens, locks and closes the store. So
:meth:`pause` can promise that no store call starts after it (each call checks
it before it is queued) and that a call queued before it runs ahead of the
lock's close, which the session queues on the same worker: the app may then
drop the key. Errors are sorted as STYLE.md says: sign in again, silent when
cancelled, a plain message and a retry for the rest; conflicts are outcomes
the store files in its inbox. Anything else (a store worker that timed out, a
wiped key, a row that does not parse) is reported as :data:`UNEXPECTED_TROUBLE`
and retried on the backoff: neither thread ever ends on an exception. Only
the exception's type is logged; its message may quote PHI.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

import httpx

from medspa_desk.protocol import (
    MAX_CLOCK_SKEW_S,
    MAX_PULL_PAGE,
    MAX_PUSH_BATCH,
    MAX_REPORTED_AUTHORS,
    DeviceReport,
    MutationKind,
    PushRequest,
    PushResponse,
)
from medspa_desk.records import utc_now
from medspa_desk.store.changes import Changes, ChangesSoFar
from medspa_desk.store.errors import StoreClosed, StoreError
from medspa_desk.store.photos import photos_being_sent
from medspa_desk.store.pulled import PulledPage
from medspa_desk.store.worker import StoreWorker
from medspa_desk.sync.api import CentralApi, RawPage
from medspa_desk.sync.auth import Session
from medspa_desk.sync.backoff import Backoff
from medspa_desk.sync.errors import (
    ClockSkew,
    ConnectionTrouble,
    DeviceRevoked,
    PracticeDestroyed,
    ServerTrouble,
    SyncCancelled,
    SyncError,
)
from medspa_desk.sync.page_parser import OFFLOAD_AT, PageParser
from medspa_desk.sync.page_pipeline import PagePipeline
from medspa_desk.sync.photo_sync import PhotoTransfers
from medspa_desk.sync.revocation import confirm_destroyed_wipe
from medspa_desk.sync.status import Progress, SyncCallbacks, SyncStatus, announce
from medspa_desk.sync.watcher import ChangeWatcher
from medspa_desk.version import APP_VERSION

if TYPE_CHECKING:  # annotations only
    from medspa_desk.store import Store

log = logging.getLogger(__name__)

T = TypeVar("T")
AUDIT_BATCH = 2000
DEFAULT_PULL_PAGE = 500  # small pages keep each store transaction and parse short
# A long pull's pages are read on the helper process, so only the store's transaction grows with
# them; bigger pages halve its commits (an apply of 2,000 changes is about 0.1 s on the store's thread).
LONG_PULL_PAGE = 2000
STORE_CALL_TIMEOUT_S = 60.0  # a store call waits this long for the worker (behind a view's long job)
UNEXPECTED_TROUBLE = ("Sync ran into a problem on this computer and will try again by itself. Nothing "
                      "saved here is lost. If this message stays, restart Medspa Desk.")


def _outgoing(store: Store, *, author: UUID, limit: int) -> tuple[list[Any], list[Any]]:
    """The next push: the author's queued changes and the unsent audit events.

    A photo's record waits while its bytes are still being sent (a photo added after this cycle's
    uploads began): the server would refuse it. Its commit woke the engine, so the next cycle sends both.
    """
    sending = photos_being_sent(store)
    batch = store.outbox_batch(limit, author=author)
    ready = [m for m in batch if not (m.kind is MutationKind.PHOTO_ADD and m.entity_id in sending)]
    return ready, store.unsent_audit(AUDIT_BATCH)


def _counts(store: Store, *, signed_in: UUID) -> tuple[int, int, int, int, str]:
    return (store.outbox_count(), store.outbox_waiting_for_others(signed_in), len(store.conflicts()),
            store.refused_audit_count(), store.newest_refusal())


def _queued_by_author(store: Store) -> dict[UUID, int]:
    return store.outbox_by_author(limit=MAX_REPORTED_AUTHORS)


def _apply_page(store: Store, *, page: PulledPage) -> Changes:
    return store.apply_pulled(page)



class SyncEngine(ChangeWatcher):
    """Keeps one workstation's store in step with the central API.

    ``store`` has the store's sync hooks (``outbox_batch``, ``settle``,
    ``apply_changes``, ``pull_cursor``, ``unsent_audit``, ``mark_audit_sent``,
    ``conflicts``, ``outbox_count``, ``outbox_waiting_for_others``). ``client_factory`` makes an httpx client
    (:func:`medspa_desk.sync.transport.make_client`); the engine makes one per
    thread. ``on_device_revoked`` erases the workstation (see
    :mod:`medspa_desk.sync.revocation`) after the engine has closed the store; it is told why
    (:class:`PracticeDestroyed`: the practice is gone, so everything of it on this workstation goes).
    """

    def __init__(self, store: Store, client_factory: Callable[[], httpx.Client], *, session: Session,
                 worker: StoreWorker, callbacks: SyncCallbacks | None = None,
                 on_device_revoked: Callable[[DeviceRevoked], DeviceRevoked | None] | None = None,
                 clock: Callable[[], datetime] = utc_now,
                 push_batch: int = MAX_PUSH_BATCH, pull_page: int | None = None,
                 poll_wait_s: float = 25.0, interval_s: float = 60.0, long_poll: bool = True,
                 backoff: Backoff | None = None, offload_pages: bool | None = None) -> None:
        if not 1 <= push_batch <= MAX_PUSH_BATCH or not 1 <= (pull_page or 1) <= MAX_PULL_PAGE:
            raise ValueError(f"push batches hold 1 to {MAX_PUSH_BATCH} mutations and pull pages 1 to {MAX_PULL_PAGE}")
        self._store = store
        self._client_factory = client_factory
        self._session = session
        self._callbacks = callbacks or SyncCallbacks()
        self._worker = worker  # every store call runs there, in order
        self._on_device_revoked = on_device_revoked
        self._clock = clock
        self._push_batch = push_batch
        # None: DEFAULT_PULL_PAGE, or LONG_PULL_PAGE while a long pull reads its pages on the helper.
        self._pull_page = pull_page
        self._poll_wait_s = poll_wait_s
        self._interval_s = interval_s
        self._long_poll = long_poll
        self._backoff = backoff or Backoff()
        # None: read a long pull's pages on the helper process (page_parser.OFFLOAD_AT); True/False: always/never.
        self._offload_pages = offload_pages
        self._cycle_lock = threading.Lock()
        self._status_lock = threading.Lock()
        self._status = SyncStatus()
        self._wake = threading.Event()
        self._pulled = threading.Event()
        self._stopping = threading.Event()
        self._paused = False
        self._halted_by: SyncError | None = None  # an error no retry fixes (sign in, revoked)
        self._known_cursor = 0
        # When the worker's next try after a failure is due (monotonic); None when the last cycle worked.
        self._retry_at: float | None = None
        self._reported: DeviceReport | None = None  # the last report the server took
        self._cycles_ended = 0  # tries by the worker, counted when each ends (well or not)
        self._api: CentralApi | None = None
        self._watch_api: CentralApi | None = None
        self._threads: list[threading.Thread] = []
        # Photo bytes go in chunks beside the push and the pull (the session read each time: resume may change it).
        self._photos = PhotoTransfers(with_store=self.with_store, session=lambda: self._session, api=self._server)
        self._follow_outbox(store)

    # --- public --------------------------------------------------------------------------

    @property
    def status(self) -> SyncStatus:
        with self._status_lock:
            return self._status

    def start(self) -> None:
        """Start the worker (and the watcher); the first cycle runs at once."""
        if self._threads:
            return
        self._known_cursor = self.with_store(lambda store: store.pull_cursor())
        self._threads = [threading.Thread(target=self._work, name="sync-worker", daemon=True)]
        if self._long_poll:
            self._threads.append(threading.Thread(target=self._watch, name="sync-watcher", daemon=True))
        for thread in self._threads:
            thread.start()
        self._wake.set()

    def stop(self, *, timeout_s: float = 30.0) -> None:
        self._stopping.set()
        self._wake.set()
        self._pulled.set()
        watching = self._watch_api
        if watching is not None:
            # End the change stream (or a long-poll) in flight instead of waiting it out.
            with contextlib.suppress(Exception):
                watching.interrupt()
                watching.close()
        for thread in self._threads:
            # A long-poll in flight cannot be interrupted; the watcher ends when it returns.
            thread.join(timeout=timeout_s if thread.name == "sync-worker" else 1.0)
        self._threads = []
        if self._api is not None:
            self._api.close()
            self._api = None

    def sync_now(self) -> None:
        """Run a cycle as soon as possible (a person pressing Sync)."""
        self._wake.set()

    def notify_local_write(self) -> None:
        """A write added to the outbox: push it now, or, while a retry waits on the backoff, with that retry."""
        retry_at = self._retry_at
        if retry_at is not None and time.monotonic() < retry_at:
            return
        self._wake.set()

    def network_did_return(self) -> None:
        """The server answered again (or the OS says the network is up): end the backoff, push at once."""
        if self._retry_at is None:
            return
        self._retry_at = None
        self._backoff.reset()
        self._wake.set()

    @property
    def cycles_ended(self) -> int:
        """How many of the worker's tries have ended: a caller waits for one that began after it asked."""
        return self._cycles_ended

    @property
    def waiting_to_retry(self) -> bool:
        """The last cycle failed and the next one waits on the backoff (offline, or the server in trouble)."""
        return self._retry_at is not None

    def pause(self) -> None:
        """Stop touching the store (lock, suspend); no new store call starts until :meth:`resume`.

        Every store call is a job on the store worker's one thread, in order;
        waiting here would wait behind a long job there (freezing the window
        that asked for a lock) or, on that thread, forever. So it does not
        wait: close the store through the same worker, and a call queued
        before the close runs first, while one queued after it meets a closed
        store and ends as a cancelled sync.
        """
        self._paused = True
        watching = self._watch_api
        if watching is not None:
            # A locked desk hears nothing: end its change stream now, not at the next heartbeat.
            with contextlib.suppress(Exception):
                watching.interrupt()
        self._set_status(paused=True, progress=None)

    def resume(self, store: Store | None = None, *, session: Session | None = None) -> None:
        """Catch up after unlock; ``store`` replaces the one closed at lock, ``session`` a new sign-in."""
        if store is not None:
            self._store = store
            self._follow_outbox(store)
        if session is not None:
            self._session = session
        self._paused = False
        self._halted_by = None
        self._set_status(paused=False)
        self._wake.set()

    def with_store(self, task: Callable[[Any], T]) -> T:
        """Run ``task(store)`` on the store worker and wait (for callers sharing the store)."""
        if self._paused:
            raise SyncCancelled()
        return self._worker.run_sync(lambda _attached: task(self._store), timeout=STORE_CALL_TIMEOUT_S)

    def run_once(self) -> Changes:
        """One whole cycle on the calling thread (push until empty, pull until current); raises SyncError."""
        with self._cycle_lock:
            return self._cycle()

    # --- the worker ----------------------------------------------------------------------

    def _work(self) -> None:
        due = time.monotonic()
        while not self._stopping.is_set():
            self._wake.wait(timeout=max(0.0, due - time.monotonic()))
            self._wake.clear()
            if self._stopping.is_set():
                return
            if self._paused or self._halted_by is not None:
                due = time.monotonic() + self._interval_s
                continue
            try:
                self.run_once()
            except SyncCancelled:
                due = time.monotonic() + self._interval_s
            except SyncError as error:
                if error.retry:
                    due = self._retry_at = time.monotonic() + self._backoff.next_delay()
                else:
                    self._halted_by = error
                    due = time.monotonic() + self._interval_s
            except Exception as exc:
                # Raised outside the cycle's own sorting (a revocation wipe that failed, a
                # broken status read): the thread must outlive it, or sync stops unseen.
                log.warning("sync worker: unexpected %s; retrying", type(exc).__name__)
                self._set_status(message=UNEXPECTED_TROUBLE, progress=None)
                due = self._retry_at = time.monotonic() + self._backoff.next_delay()
            else:
                self._retry_at = None
                self._backoff.reset()
                due = time.monotonic() + self._interval_s
            finally:
                self._cycles_ended += 1
                self._pulled.set()

    def _cycle(self) -> Changes:
        announce(self._callbacks.sync_did_start)
        try:
            self._photos.send()  # before the push: the server takes a photo's record once it holds its bytes
            changes = self._push_all()
            changes |= self._pull_all()
            fetched = self._photos.fetch()
            if not fetched.empty:
                announce(self._callbacks.changes_did_arrive, fetched)
            changes |= fetched
            self._report()
        except SyncCancelled:
            raise
        except DeviceRevoked as error:
            raise self._revoked(error) from None
        except SyncError as error:
            self._failed(error)
            raise
        except StoreClosed:
            raise SyncCancelled() from None
        except StoreError as error:
            problem = ServerTrouble(str(error))
            self._failed(problem)
            raise problem from None
        except Exception as exc:
            # Type only: the message of an arbitrary exception may quote a record.
            log.warning("sync cycle: unexpected %s", type(exc).__name__)
            problem = ServerTrouble(UNEXPECTED_TROUBLE)
            self._failed(problem)
            raise problem from None
        self._counts_to_status(online=True, message="", last_success_at=self._clock(), progress=None)
        announce(self._callbacks.sync_did_finish, changes)
        return changes

    def _report(self) -> None:
        """Tell the server this workstation's version and whose changes wait here, when that changed.

        A manager's workstation list shows them, and disabling a leaver names the workstations where
        changes of theirs wait. A courtesy: a failure is logged and tried again after the next sync.
        """
        report = DeviceReport(app_version=APP_VERSION, queued=self.with_store(_queued_by_author))
        if report == self._reported:
            return
        try:
            self._session.call(functools.partial(self._server().report_device, report))
        except DeviceRevoked:
            raise
        except SyncError as error:
            log.info("the workstation report was not taken: %s", type(error).__name__)
            return
        self._reported = report

    def _failed(self, error: SyncError) -> None:
        log.info("sync failed: %s (retry: %s)", type(error).__name__, error.retry)
        offline = isinstance(error, ConnectionTrouble)
        self._counts_to_status(online=not offline and self.status.online, message=error.message, progress=None)
        announce(self._callbacks.sync_did_fail, error)

    def _revoked(self, error: DeviceRevoked) -> DeviceRevoked:
        self._paused = True
        self._halted_by = error
        try:
            self._worker.run_sync(lambda _attached: self._store.close(), timeout=STORE_CALL_TIMEOUT_S)
        except Exception as exc:  # the wipe below must still run
            log.warning("closing the store before the wipe failed: %s", type(exc).__name__)
        secret = self._session.device_secret  # read before the erase forgets it
        wiped = self._on_device_revoked(error) if self._on_device_revoked is not None else None
        final = wiped or error
        if isinstance(error, PracticeDestroyed):
            final = confirm_destroyed_wipe(self._server(), device_id=self._session.device_id, device_secret=secret)
        self._set_status(online=False, pending=0, conflicts=0, progress=None, message=final.message)
        announce(self._callbacks.sync_did_fail, final)
        return final

    def _follow_outbox(self, store: Store) -> None:
        store.outbox_watch.listen(self.notify_local_write)

    def _server(self) -> CentralApi:
        if self._api is None:
            self._api = CentralApi(self._client_factory())
        return self._api

    # --- push ----------------------------------------------------------------------------

    def _push_all(self) -> Changes:
        changes = Changes()
        api = self._server()
        while True:
            # Only the signed-in person's changes: the server records the caller as their author.
            mutations, audit = self.with_store(functools.partial(
                _outgoing, author=self._session.user.id, limit=self._push_batch))
            if not mutations and not audit:
                return changes
            request = PushRequest(device_id=self._session.device_id, client_time=self._clock(),
                                  mutations=mutations, audit_events=audit)
            response = self._session.call(functools.partial(api.push, request))
            self._check_clock(response.server_time)
            changes |= self.with_store(functools.partial(self._settle, response=response, audit=audit))
            answered = {result.mutation_id for result in response.results}
            if mutations and not answered & {m.id for m in mutations}:
                raise ServerTrouble("The sync server did not answer the changes sent; sync will try again.")
            self._counts_to_status(online=True)
            if len(mutations) < self._push_batch and len(audit) < AUDIT_BATCH:
                return changes
            if not mutations and not set(response.audit_stored_ids) & {event.id for event in audit} \
                    and response.audit_stored:
                log.warning("the server kept none of %d audit events; they stay for the next sync", len(audit))
                return changes

    @staticmethod
    def _settle(store: Store, *, response: PushResponse, audit: list[Any]) -> Changes:
        done = store.settle(list(response.results))
        # Only what the server says it holds counts as sent. An event it left out was refused
        # (its actor never signed in on this workstation): kept on this desk for the manager,
        # never dropped, and never sent again in front of newer events.
        stored = set(response.audit_stored_ids)
        sent = [event.id for event in audit if event.id in stored]
        if sent:
            store.mark_audit_sent(sent)
        refused = [event.id for event in audit if event.id not in stored]
        if refused and (stored or response.audit_stored == 0):
            # (An answer that stored events but names none is from a server that does not list
            # them: nothing there says which were refused, so they all go again.)
            log.warning("the server refused %d audit events; kept on this desk for the manager", len(refused))
            store.mark_audit_refused(refused)
        return done

    # --- pull ----------------------------------------------------------------------------

    def _pull_all(self) -> Changes:
        """Pull pages until current, each applied with its cursor in one store transaction.

        Pages are fetched and read ahead (:class:`PagePipeline`) while one is
        applied: the server's time, the transfer and the reading overlap the
        store's work instead of adding to it. A long pull reads its pages on a
        helper process (:mod:`medspa_desk.sync.page_parser`). Only a page that
        has been applied moves the cursor, so a pull cut short anywhere resumes
        after the last page applied; pages fetched ahead and not applied are
        simply dropped.
        """
        api = self._server()
        cursor = self.with_store(lambda store: store.pull_cursor())
        self._known_cursor = cursor
        check = self._session.call(functools.partial(api.changes_since, after=cursor, wait_s=0))
        if not check.changed:
            return Changes()
        offload = self._offload_pages if self._offload_pages is not None else (
            check.latest_seq - cursor >= OFFLOAD_AT)
        limit = self._pull_page or (LONG_PULL_PAGE if offload else DEFAULT_PULL_PAGE)
        arrived = ChangesSoFar()  # not a list of every page's Changes: see ChangesSoFar
        done = 0
        with PageParser(offload=offload) as parser, PagePipeline(
                functools.partial(self._fetch_page, api, limit=limit), parser, after=cursor,
                depth=parser.readers + 1) as pages:
            while True:
                page = pages.take()
                self._check_page(page, after=cursor)
                applied = self.with_store(functools.partial(_apply_page, page=page))
                cursor = self._known_cursor = page.cursor
                done += page.size
                self._set_status(progress=Progress(done=done, total=done + max(0, page.remaining)), online=True)
                if not applied.empty:
                    announce(self._callbacks.changes_did_arrive, applied)
                    arrived.add(applied)
                if not page.has_more:
                    return arrived.changes()

    def _fetch_page(self, api: CentralApi, *, after: int, limit: int) -> RawPage:
        return self._session.call(functools.partial(api.pull, after=after, limit=limit))

    def _check_page(self, page: PulledPage, *, after: int) -> None:
        self._check_clock(page.server_time)
        if page.cursor < after or (page.lowest_seq is not None and page.lowest_seq <= after):
            raise ServerTrouble("The sync server sent changes out of order; nothing from them was "
                                "saved. Sync will try again.")

    def _check_clock(self, server_time: datetime) -> None:
        skew = (self._clock() - server_time).total_seconds()
        if abs(skew) > MAX_CLOCK_SKEW_S:
            minutes = max(1, round(abs(skew) / 60))
            raise ClockSkew(f"This computer's clock is {minutes} minutes off the server's, so sync has "
                            "stopped to keep records in the right order. Correct the clock; nothing has "
                            "been lost and sync resumes by itself.")

    # --- status --------------------------------------------------------------------------

    def _counts_to_status(self, **fields: Any) -> None:
        try:
            pending, others, conflicts, refused_audit, refused = self.with_store(functools.partial(
                _counts, signed_in=self._session.user.id))
        except (SyncCancelled, StoreError):
            self._set_status(**fields)
            return
        except Exception as exc:  # the counts are a nicety; the status itself must still change
            log.warning("sync status counts: unexpected %s", type(exc).__name__)
            self._set_status(**fields)
            return
        self._set_status(pending=pending, waiting_for_others=others, conflicts=conflicts,
                         refused_audit=refused_audit, refused=refused, **fields)

    def _set_status(self, **fields: Any) -> None:
        with self._status_lock:
            updated = replace(self._status, **fields)
            if updated == self._status:
                return
            self._status = updated
        announce(self._callbacks.status_did_change, updated)
