"""The status steps a person can take on one visit from the schedule, each with why not when it is refused.

A view lists ``step_choices(role, status)`` as menu items (a refused one shown
greyed with its reason) and runs the picked one with ``take_step``, which goes
through the step's own use case: the table is checked again there, so a visit
changed meanwhile by the other desk is refused with the reason, and audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from medspa_desk.desk import visits
from medspa_desk.records import AppointmentStatus, Role
from medspa_desk.rules import UseCase, may, may_follow, refusal, status_words
from medspa_desk.store import Changes, Store
from medspa_desk.store.actor import Actor

S = AppointmentStatus


@dataclass(frozen=True)
class Step:
    use_case: UseCase
    label: str
    becomes: AppointmentStatus
    run: Callable[..., Changes]
    only_from: AppointmentStatus | None = None  # an undo: only from the status it undoes


STEPS: tuple[Step, ...] = (
    Step(UseCase.CONFIRM_VISIT, "Mark confirmed", S.CONFIRMED, visits.confirm_visit, only_from=S.BOOKED),
    Step(UseCase.PUT_BACK_ON_THE_BOOKS, "Mark not confirmed", S.BOOKED, visits.put_back_on_the_books,
         only_from=S.CONFIRMED),
    Step(UseCase.UNDO_ARRIVAL, "Undo arrived", S.CONFIRMED, visits.undo_arrival, only_from=S.ARRIVED),
    Step(UseCase.MARK_NO_SHOW, "Mark no-show", S.NO_SHOW, visits.mark_no_show),
    Step(UseCase.UNDO_NO_SHOW, "Undo no-show", S.BOOKED, visits.undo_no_show, only_from=S.NO_SHOW),
)
_BY_USE_CASE = {step.use_case: step for step in STEPS}


@dataclass(frozen=True)
class StepChoice:
    use_case: UseCase
    label: str
    becomes: AppointmentStatus
    why_not: str = ""  # empty when the step may be taken

    @property
    def allowed(self) -> bool:
        return not self.why_not


def step_choices(role: Role, status: AppointmentStatus) -> tuple[StepChoice, ...]:
    """Every step of :data:`STEPS` for a visit that is ``status``, as ``role`` sees it."""
    return tuple(StepChoice(step.use_case, step.label, step.becomes, _why_not(step, role, status)) for step in STEPS)


def _why_not(step: Step, role: Role, status: AppointmentStatus) -> str:
    if not may(role, step.use_case):
        return refusal(role, step.use_case)
    if step.only_from is not None and status is not step.only_from:
        return f"Only a visit that is {status_words(step.only_from)} can be changed this way; this one is {status_words(status)}."
    if status is step.becomes:
        return f"This visit is already {status_words(status)}."
    if not may_follow(status, step.becomes):
        return f"A visit that is {status_words(status)} cannot become {status_words(step.becomes)}."
    return ""


def take_step(store: Store, *, actor: Actor, visit_id: UUID, use_case: UseCase) -> Changes:
    """Run the step's own use case (it checks the table again and audits a refusal)."""
    return _BY_USE_CASE[use_case].run(store, actor=actor, visit_id=visit_id)
