"""Hand-to-client mode over a real signed-in session: the app hides, and only staff bring it back."""

from __future__ import annotations

from typing import Any

from medspa_desk.records import AuditAction
from tests.ui.forms.filling import fill_required, sign
from ui.forms.handoff import hand_to_client
from ui.forms.questionnaire import QuestionnaireForm
from ui.lock import LockPolicy
from ui.main_window import MainWindow
from ui.operations import db_worker
from ui.qt import QApplication, Qt


def test_hand_to_client_hides_the_app_and_needs_the_staff_pin(qtbot: Any, sign_in: Any, practice: Any) -> None:
    session = sign_in("desk.amy")
    window = MainWindow(session, policy=LockPolicy(idle_minutes=5))
    qtbot.addWidget(window)
    window.show()
    form = QuestionnaireForm(session, client=practice.known[0])
    handoff = hand_to_client(session, form=form, title="Health questionnaire", finished=form.submitted)

    assert not window.isVisible() and window in handoff.hidden_windows
    assert handoff.isVisible() and handoff.isFullScreen()
    assert handoff.windowModality() is Qt.WindowModality.ApplicationModal
    qtbot.keyClick(handoff, Qt.Key.Key_Escape)
    handoff.close()
    assert handoff.isVisible() and not window.isVisible()
    assert [w for w in QApplication.topLevelWidgets() if w.isVisible()] == [handoff]

    fill_required(qtbot, form)
    sign(qtbot, form, "Marisol Quintanilla")
    form.submit_button.click()
    qtbot.waitUntil(lambda: handoff.staff_view is not None, timeout=5000)
    assert session.is_locked
    qtbot.waitUntil(lambda: not db_worker().has_store, timeout=5000)
    assert not window.isVisible() and handoff.isVisible()

    qtbot.keyClicks(handoff.staff_view.pin, "1111")
    qtbot.keyClick(handoff.staff_view.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: handoff.staff_view.message.text() not in ("", "Unlocking…"), timeout=10_000)
    assert session.is_locked and not window.isVisible()

    with qtbot.waitSignal(handoff.did_return, timeout=10_000):
        qtbot.keyClicks(handoff.staff_view.pin, "2468")
        qtbot.keyClick(handoff.staff_view.pin, Qt.Key.Key_Return)
    assert window.isVisible() and not session.is_locked
    intakes = db_worker().run_sync(lambda store: store.intakes_for(practice.known[0].id, actor=session.actor))
    assert len(intakes) == 1
    actions = [e.action for e in db_worker().run_sync(lambda store: store.audit.events(limit=10_000))]
    since_lock = actions[len(actions) - 1 - actions[::-1].index(AuditAction.LOCK):]
    assert [a for a in since_lock if a in (AuditAction.LOCK, AuditAction.UNLOCK_FAILED, AuditAction.UNLOCK)] == [
        AuditAction.LOCK, AuditAction.UNLOCK_FAILED, AuditAction.UNLOCK]


def test_a_client_who_stops_hands_back_a_locked_desk_and_nothing_is_saved(qtbot: Any, sign_in: Any,
                                                                         practice: Any) -> None:
    session = sign_in("desk.amy")
    form = QuestionnaireForm(session, client=practice.known[1])
    handoff = hand_to_client(session, form=form, title="Health questionnaire", finished=form.submitted)
    fill_required(qtbot, form)
    handoff.stop_button.click()
    assert handoff.form is None and session.is_locked
    qtbot.keyClicks(handoff.staff_view.password, "front desk passphrase 1")
    with qtbot.waitSignal(handoff.did_return, timeout=20_000):
        qtbot.keyClick(handoff.staff_view.password, Qt.Key.Key_Return)
    assert not session.is_locked
    assert db_worker().run_sync(lambda store: store.intakes_for(practice.known[1].id, actor=session.actor)) == []


def test_the_idle_lock_still_applies_during_hand_to_client(qtbot: Any, sign_in: Any, practice: Any) -> None:
    session = sign_in("desk.amy")
    window = MainWindow(session, policy=LockPolicy(idle_minutes=5))
    qtbot.addWidget(window)
    window.show()
    form = QuestionnaireForm(session, client=practice.known[0])
    handoff = hand_to_client(session, form=form, title="Health questionnaire", finished=form.submitted)
    window.locker.lock("idle")
    assert not handoff.isVisible() if _alive(handoff) else True
    assert window.isVisible() and window.lock_view is not None
    qtbot.waitUntil(lambda: session.is_locked, timeout=10_000)  # the lock itself runs on the DB worker


def _alive(widget: Any) -> bool:
    from ui.qt import is_alive

    return is_alive(widget)
