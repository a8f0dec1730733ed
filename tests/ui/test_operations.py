"""The operation pattern: answers on the GUI thread, writes announced, nothing delivered after a lock."""

from __future__ import annotations

import threading
from typing import Any

from medspa_desk.records import AppointmentStatus
from medspa_desk.store import NotFound
from ui.events import bus
from ui.operations import GENERIC_FAILURE, CollectionOp, QueryOp, db_worker, describe_error
from ui.qt import QWidget


def test_a_query_runs_off_the_gui_thread_and_answers_on_it(qtbot: Any, sign_in: Any) -> None:
    sign_in("desk.amy")
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: dict[str, Any] = {}

    def body(store: Any) -> int:
        seen["body_thread"] = threading.current_thread()
        return len(store.providers())

    def success(count: int) -> None:
        seen["success_thread"] = threading.current_thread()
        seen["count"] = count

    QueryOp(parent, body=body, success=success).run()
    qtbot.waitUntil(lambda: "count" in seen, timeout=5000)
    assert seen["count"] == 2
    assert seen["body_thread"] is not threading.main_thread()
    assert seen["success_thread"] is threading.main_thread()


def test_a_write_announces_what_changed_to_every_view(qtbot: Any, sign_in: Any, practice: Any) -> None:
    session = sign_in("desk.amy")
    parent = QWidget()
    qtbot.addWidget(parent)
    appointment_id = next(r.id for r in practice.records if getattr(r, "entity", "") == "appointment")
    with qtbot.waitSignal(bus.operation_did_execute, timeout=5000) as announced:
        CollectionOp(parent, body=lambda store: store.set_status(
            appointment_id, AppointmentStatus.ARRIVED, actor=session.actor)).run()
    changes, initiator = announced.args
    assert (practice.location.id, practice.today) in changes.days
    assert initiator is parent


def test_an_answer_that_arrives_after_a_lock_is_dropped(qtbot: Any, sign_in: Any, practice: Any) -> None:
    session = sign_in("desk.amy")
    parent = QWidget()
    qtbot.addWidget(parent)
    release = threading.Event()
    delivered: list[Any] = []

    def slow_read(store: Any) -> Any:
        release.wait(5)
        return store.client(practice.known[0].id, actor=session.actor)

    QueryOp(parent, body=slow_read, success=delivered.append, failure=delivered.append).run()
    db_worker().invalidate()  # what a lock does first
    release.set()
    db_worker().run_sync(lambda _store: None)
    qtbot.wait(200)
    assert delivered == []


def test_store_errors_speak_for_themselves_and_others_stay_generic() -> None:
    assert describe_error(NotFound("That client is not on this desk.")) == "That client is not on this desk."
    assert describe_error(KeyError("Marisol")) == GENERIC_FAILURE
