"""The menu on a schedule block: the visit's status steps (a refused one greyed, with the reason), check-in,
move to another day or time, cancel.

Which steps are offered, and why one is not, is the core's answer
(``medspa_desk.desk.visit_steps``); the view only draws it and runs the step
picked through its use case.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from medspa_desk.desk.visit_steps import StepChoice, step_choices, take_step
from medspa_desk.records import Appointment, AppointmentStatus, Role
from medspa_desk.rules import UseCase, may, may_move, status_words
from medspa_desk.store import Actor, Changes, Store
from ui.operations import CollectionOp, describe_error
from ui.qt import QMenu, QWidget

ENDED = frozenset({AppointmentStatus.COMPLETED, AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW})


def visit_menu(parent: QWidget, *, role: Role, visit: Appointment, run_step: Callable[[StepChoice], None],
               check_in: Callable[[], None] | None, cancel: Callable[[], None],
               move: Callable[[], None] | None = None) -> QMenu:
    """The menu for ``visit``; ``check_in`` None leaves "Open / check in…" out (the check-in screen itself),
    ``move`` None leaves out "Move to another day or time…"."""
    menu = QMenu(parent)
    menu.setAccessibleName("Appointment actions")
    menu.setToolTipsVisible(True)
    if check_in is not None:
        opened = menu.addAction("Open / check in…")
        opened.triggered.connect(lambda _checked=False: check_in())
        menu.addSeparator()
    for choice in step_choices(role, visit.status):
        action = menu.addAction(choice.label)
        action.setObjectName(choice.use_case.value)
        action.setEnabled(choice.allowed)
        action.setToolTip(choice.why_not or choice.label)
        action.setStatusTip(choice.why_not)
        action.triggered.connect(lambda _checked=False, step=choice: run_step(step))
    menu.addSeparator()
    if move is not None:
        moved = menu.addAction("Move to another day or time…")
        moved.setObjectName(UseCase.RESCHEDULE_VISIT.value)
        movable = may_move(visit.status)
        moved.setEnabled(movable and may(role, UseCase.RESCHEDULE_VISIT))
        moved.setToolTip("Choose any day, time, provider and room" if movable
                         else f"A visit that is {status_words(visit.status)} cannot be moved; book a new one.")
        moved.triggered.connect(lambda _checked=False: move())
    cancelled = menu.addAction("Cancel appointment…")
    cancelled.setEnabled(visit.status not in ENDED and may(role, UseCase.CANCEL_VISIT))
    cancelled.setToolTip("Only a visit still to come can be cancelled." if visit.status in ENDED
                         else "Cancel with a reason")
    cancelled.triggered.connect(lambda _checked=False: cancel())
    return menu


def run_visit_step(parent: QWidget, *, actor: Actor, visit_id: UUID, step: StepChoice,
                   refused: Callable[[str], None]) -> None:
    """The step through its use case on the database worker; a refusal is said in plain words."""
    CollectionOp(parent, body=lambda store: _step(store, actor, visit_id, step.use_case),
                 failure=lambda exc: refused(f"“{step.label}” was not done. {describe_error(exc)}")).run()


def _step(store: Store, actor: Actor, visit_id: UUID, use_case: UseCase) -> Changes:
    return take_step(store, actor=actor, visit_id=visit_id, use_case=use_case)
