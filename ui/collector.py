"""Keeping CPython's cyclic garbage collector from freezing the window.

A full (generation 2) collection walks every tracked object while it holds the
interpreter lock, on whichever thread happens to allocate: during a first sync
that is the sync or database thread, and the window waits for the lock. With
the app, Qt's wrappers, pydantic's validators and a sync page in flight that
is 85,000-140,000 objects and 40-70 ms of CPU per collection, one every second
or two, each a freeze of 80-180 ms on a busy 2-core machine
(``ui.max_event_loop_stall_ms``, see docs/ui.md "Benchmarks"). Two measures:

- :func:`freeze_long_lived` after start-up and after sign-in: what is alive
  then (modules, classes, functions, the windows) lives as long as the app, so
  it moves to the permanent generation, which collections skip.
- :data:`full_collections` is held off while a sync cycle runs, and during a
  long pull (a first sync) the young collections too
  (:func:`ui.desk_backend.sync_callbacks`): young collections still run, so
  short-lived reference cycles are still freed at once; only the walk of the
  old generation waits. It resumes when the cycle ends (finished, failed, the
  desk locked or signed out); the next full collection then walks only what
  the session made and still holds.
"""

from __future__ import annotations

import gc
import threading

# Generation-1 collections before a full one while held off: in effect, none.
HELD_OFF_THRESHOLD = 1_000_000


def freeze_long_lived() -> None:
    """Move every object alive now to the permanent generation, which collections skip.

    The young generations are collected first (cheap), so short-lived cycles
    are not kept; the move itself is a list splice. Sign-out thaws it all
    (:func:`thaw`), so what a session made never outlives the session.
    """
    gc.collect(1)
    gc.freeze()


def thaw() -> None:
    """Back from the permanent generation: the next full collection walks everything once."""
    gc.unfreeze()


class FullCollections:
    """Holds off (and lets resume) the collector's full collections; safe from any thread.

    Holds nest by count, so a sync cycle ending while another holder still
    needs quiet does not resume early; :meth:`resume_all` (lock, sign-out)
    clears every hold.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holds = 0
        self._saved: tuple[int, int, int] | None = None
        self._disabled_here = False  # young collections off too, for a long pull

    @property
    def held_off(self) -> bool:
        with self._lock:
            return self._holds > 0

    def hold_off(self) -> None:
        with self._lock:
            self._holds += 1
            if self._holds == 1:
                self._saved = gc.get_threshold()
                gc.set_threshold(self._saved[0], self._saved[1], HELD_OFF_THRESHOLD)

    def hold_off_young_too(self) -> None:
        """During a long pull (a first sync): no collections at all until the cycle ends.

        Its pages are rows of text and numbers, freed by reference counting;
        but young collections still ran every few hundred allocations on the
        sync and database threads, each 5-13 ms holding the interpreter lock
        there (``UI_STALL_DETAIL``), and the window waited behind them. The
        sync thread collects the youngest generation after each page instead
        (:meth:`collect_youngest`). Only while a hold is on; resuming turns the
        collector back on.
        """
        with self._lock:
            if self._holds and not self._disabled_here and gc.isenabled():
                gc.disable()
                self._disabled_here = True

    def collect_youngest(self) -> None:
        """While young collections are off: collect the youngest generation now (a pulled page is in).

        A page at a time keeps each collection small (a page's worth of
        objects) and frees the reference cycles its requests made; left to the
        end, the first collection walked everything the pull made: 54 ms.
        """
        if self._disabled_here:
            gc.collect(0)

    def resume(self) -> None:
        with self._lock:
            if self._holds == 0:
                return
            self._holds -= 1
            if self._holds == 0:
                self._restore()

    def resume_all(self) -> None:
        with self._lock:
            if self._holds:
                self._holds = 0
                self._restore()

    def _restore(self) -> None:
        if self._disabled_here:
            gc.enable()
            self._disabled_here = False
        if self._saved is not None:
            young, middle, _held = gc.get_threshold()
            gc.set_threshold(young, middle, self._saved[2])
            self._saved = None


full_collections = FullCollections()


_following = threading.Lock()
_followed: list[bool] = []


def follow_session_events() -> None:
    """Lock and sign-out clear every hold (a cycle cut short announces no end); sign-out thaws.

    Idempotent; the first desk backend made calls it.
    """
    from ui.events import bus

    with _following:
        if _followed:
            return
        _followed.append(True)
    bus.session_did_lock.connect(full_collections.resume_all)
    bus.session_did_sign_out.connect(_signed_out)


def _signed_out() -> None:
    full_collections.resume_all()
    thaw()
