"""Every screen of the desk, opened with data that shows it at work, for the layout check.

``SCREENS`` names each window and dialog of issue 15's list and how to open
it on a ``Desk`` (tests.ui.schedule.desk: a real SQLCipher store on the app's
database worker) seeded by ``seed_scene``: a client with an allergy and an
alert, one with a consent missing, Botox charted three times, and a conflict
of each kind in the inbox (settled through ``Store.settle``, as sync does).
The test (tests/ui/test_layout_check.py) and the bench (bench/bench_layout.py)
run the same list through ``ui.layout_check``.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from medspa_desk.documents.questionnaire import build_intake, shipped_questionnaire
from medspa_desk.protocol import DoubleBooking, FieldChoice, FieldConflict, MutationResult, Outcome
from medspa_desk.records import (
    Appointment,
    AppointmentStatus,
    Client,
    Role,
    Signature,
    User,
    new_id,
    utc_now,
)
from medspa_desk.store import Actor, Store
from tests.ui.injector.clinic import Clinic, open_clinic
from tests.ui.schedule.desk import Desk, _practice
from ui.layout_check import Display, Violation, check_window, fit_to, larger_font
from ui.operations import db_worker
from ui.qt import QApplication, QWidget
from ui.screen_fit import laptop_work_area


@dataclass
class Scene:
    """The seeded desk as the front desk, the provider and the manager see it."""

    front: Desk
    provider: Desk
    manager: Desk
    clinic: Clinic
    clean: Appointment
    flagged: Appointment
    missing_consent: Appointment
    workstation: Path


@dataclass(frozen=True)
class ScreenCase:
    name: str
    open: Callable[[Scene], QWidget]


def settle(condition: Callable[[], bool] = lambda: True, *, timeout_s: float = 10.0) -> None:
    """Let queued store queries answer on the GUI thread, until ``condition()`` holds."""
    deadline = time.monotonic() + timeout_s
    while True:
        db_worker().run_sync(lambda _store: None)
        QApplication.processEvents()
        if condition() or time.monotonic() > deadline:
            return
        time.sleep(0.01)


@contextmanager
def open_desk(folder: Path) -> Iterator[Desk]:
    """``tests.ui.schedule.desk.desk`` outside pytest (for the bench)."""
    worker = db_worker()
    key = bytearray(os.urandom(32))
    worker.open(lambda: Store.open(folder / "desk.db", key, create=True))
    try:
        yield worker.run_sync(lambda store: _practice(store, new_id()))
    finally:
        worker.detach(close=True)
        worker.run_sync(lambda _store: None)


def seed_scene(desk: Desk, *, workstation: Path) -> Scene:
    provider = desk.as_user("provider")
    clinic = open_clinic(provider)
    flagged_client = desk.add_client("Theodora", "Vanterpool", allergies="Latex; lidocaine",
                                     alerts="Pregnant — no neurotoxin")
    clean = desk.book(desk.add_client("Wilhelmina", "Ashgrove"), day=desk.today, hour=9, service="consult")
    submit_intake_raising_a_block(desk, flagged_client)
    flagged = desk.book(flagged_client, day=desk.today, hour=13, service=botox_with_health_check(desk),
                        room="room2")
    missing = desk.book(desk.add_client("Bea", "Baxter"), day=desk.today, hour=15)
    desk.book(desk.add_client("Lee", "Nguyen"), day=desk.today, hour=16, service="laser",
              provider=desk.laser_tech, room="laser")
    _fill_flow_board(desk)
    _settle_conflicts(desk, clinic.client)
    manager = User(username="mgr.lee", display_name="Lee Park", role=Role.MANAGER)
    managing = replace(desk, user=manager, actor=Actor(user_id=manager.id, device_id=desk.actor.device_id,
                                                      role=Role.MANAGER))
    return Scene(front=desk, provider=provider, manager=managing, clinic=clinic, clean=clean,
                 flagged=flagged, missing_consent=missing, workstation=workstation)


def botox_with_health_check(desk: Desk) -> str:
    """The desk's Botox, but asking for a current health questionnaire (its findings show at check-in)."""
    if "botox_intake" not in desk.services:
        service = desk.services["botox"].model_copy(update={"id": new_id(), "name": "Botox – frown lines",
                                                            "requires_intake": True})
        desk.run(lambda store: store.put_reference(service, actor=desk.as_user("provider").actor))
        desk.services["botox_intake"] = service
    return "botox_intake"


def submit_intake_raising_a_block(desk: Desk, client: Client) -> None:
    """A health questionnaire saying the client is pregnant: "Do not treat today" for Botox."""
    questionnaire = shipped_questionnaire()
    answers: dict[str, object] = {q.id: (q.must_be if q.must_be is not None else False)
                                  for q in questionnaire.questions if q.type == "yes_no" and q.show_if is None}
    answers.update(phone="555-0100", emergency_contact_name="Pat", emergency_contact_phone="555-0101",
                   conditions=["none"], pregnancy_status="pregnant", fitzpatrick_skin_type="II")
    intake = build_intake(questionnaire, client=client, answers=answers, submitted_at=utc_now(),
                          signer_name=client.full_name,
                          signature=Signature(width=300, height=100, strokes=(((0, 0), (200, 50)),)))
    desk.run(lambda store: store.submit_intake(intake, actor=desk.actor))


def _fill_flow_board(desk: Desk) -> None:
    """Three clients further along: one waiting, one in a room, one done (ready for checkout)."""
    steps = (AppointmentStatus.ARRIVED, AppointmentStatus.IN_ROOM, AppointmentStatus.COMPLETED)
    for hour, (first, last), reached in ((8, ("Cora", "Cole"), 1), (10, ("Dina", "Dunn"), 2),
                                         (12, ("Ella", "Eaton"), 3)):
        visit = desk.book(desk.add_client(first, last), day=desk.today, hour=hour, service="consult",
                          provider=desk.laser_tech, room="room2")
        for status in steps[:reached]:
            desk.run(lambda store, v=visit, s=status: store.set_status(v.id, s, actor=desk.actor))


def _settle_conflicts(desk: Desk, client: Client) -> None:
    """One conflict of each kind, as the sync engine records the server's answers."""
    late = desk.book(desk.add_client("Gia", "Hale"), day=desk.today + timedelta(days=1), hour=10)
    desk.run(lambda store: store.update_client(client.id, {"phone": "555-301-0000"}, actor=desk.actor))
    rejected = desk.add_client("Hope", "Irwin")
    queued = desk.run(lambda store: store.outbox_batch(500))
    booking = next(m for m in queued if m.entity_id == late.id)
    change = next(m for m in queued if m.entity_id == client.id and m.kind.value == "client.update")
    new_client = next(m for m in queued if m.entity_id == rejected.id)
    holder = late.model_copy(update={"id": new_id(), "client_id": new_id()})
    server_copy = client.model_copy(update={"phone": "555-301-9999"}).to_json()
    results = [
        MutationResult(mutation_id=booking.id, outcome=Outcome.CONFLICT, entity=booking.entity,
                       entity_id=booking.entity_id, code="slot_taken",
                       detail=DoubleBooking(refused=late, holder=holder),
                       reason="Another desk booked Dana Reyes at this time first."),
        MutationResult(mutation_id=change.id, outcome=Outcome.CONFLICT, entity=change.entity,
                       entity_id=change.entity_id, current=server_copy, code="needs_review",
                       detail=FieldConflict(fields=(FieldChoice(field="phone", mine="555-301-0000",
                                                                theirs="555-301-9999"),)),
                       reason="The phone was changed on another desk too; pick which to keep."),
        MutationResult(mutation_id=new_client.id, outcome=Outcome.REJECTED, entity=new_client.entity,
                       entity_id=new_client.entity_id, code="duplicate",
                       reason="A client with this name and birth date is already on file."),
    ]
    desk.run(lambda store: store.settle(results))


# --- opening each screen -------------------------------------------------------------


def _shown(widget: QWidget, ready: Callable[[], bool] = lambda: True) -> QWidget:
    widget.show()
    settle(ready)
    return widget


def _sign_in(scene: Scene) -> QWidget:
    from ui.desk_backend import DeskBackend
    from ui.sign_in import SignInWindow

    return _shown(SignInWindow(DeskBackend(scene.workstation / f"new-{new_id()}")))


def _schedule(scene: Scene, *, rooms: bool = False) -> QWidget:
    from ui.schedule.day_view import DayScheduleView
    from ui.schedule.model import ColumnMode

    view = DayScheduleView(scene.front)
    _shown(view, lambda: view.shown is not None)
    if rooms:
        view.set_mode(ColumnMode.ROOMS)
        settle()
    return view


def _flow_board(scene: Scene) -> QWidget:
    from ui.schedule.arrivals import ArrivalsBoard

    view = _schedule(scene)
    board = ArrivalsBoard()
    board.set_day(view.shown)
    view.close()
    view.deleteLater()
    return _shown(board)


def _booking(scene: Scene, *, new_client: bool = False) -> QWidget:
    from ui.booking import BookingDialog

    dialog = BookingDialog(scene.front, starts_at=scene.front.at(scene.front.today, 10))
    _shown(dialog, lambda: dialog.service.count() > 0)
    if new_client:
        dialog.new_client_button.click()
        settle()
    return dialog


def _search(scene: Scene) -> QWidget:
    from ui.search import ClientSearch

    search = _shown(ClientSearch())
    search.query.setText("a")
    settle(lambda: search.results.count() > 0, timeout_s=3)
    return search


def _profile(scene: Scene, tab: int) -> QWidget:
    from ui.client_profile import ClientProfile

    profile = ClientProfile(None, session=scene.provider, client_id=scene.clinic.client.id)
    _shown(profile, lambda: profile.data is not None)
    profile.tabs.setCurrentIndex(tab)
    settle()
    return profile


def _check_in(scene: Scene, appointment: Appointment, *, as_provider: bool = False,
              health_changed: bool = False) -> QWidget:
    from ui.checkin import CheckInDialog

    session = scene.provider if as_provider else scene.front
    dialog = CheckInDialog(session, appointment_id=appointment.id)
    _shown(dialog, lambda: dialog.check_in_status is not None)
    if as_provider:
        dialog.birth_date.setText("03/14/1985")
        dialog.check_identity.click()
        settle()
    if health_changed:
        dialog.health_changed.setChecked(True)
        settle()
    return dialog


def _consent_form(scene: Scene, *, at_desk: bool) -> QWidget:
    from medspa_desk.documents.consents import shipped_templates
    from ui.checkin import CollectConsentDialog
    from ui.forms.consent_form import ConsentForm
    from ui.forms.handoff import HandToClientWindow

    template = shipped_templates()["neurotoxin"]
    client = scene.clinic.client
    if at_desk:
        return _shown(CollectConsentDialog(scene.front, template=template, client=client,
                                           appointment_id=scene.missing_consent.id))
    form = ConsentForm(scene.front, template=template, client=client, appointment_id=scene.missing_consent.id)
    window = HandToClientWindow(scene.front, form=form, title=template.title, finished=form.signed)
    window._may_close = True  # the check may close it; a client cannot
    return _shown(window)


def _intake(scene: Scene) -> QWidget:
    from ui.forms.handoff import HandToClientWindow
    from ui.forms.questionnaire import QuestionnaireForm

    form = QuestionnaireForm(scene.front, client=scene.clinic.client)
    window = HandToClientWindow(scene.front, form=form, title="Health questionnaire", finished=form.submitted)
    window._may_close = True
    return _shown(window)


def _door_card(scene: Scene, *, provider: bool) -> QWidget:
    from ui.injector.door_card import DoorCardDialog

    session = scene.provider if provider else scene.front
    card = DoorCardDialog(session, appointment_id=scene.flagged.id if not provider else scene.clinic.today.id)
    return _shown(card, lambda: card.card is not None)


def _charting(scene: Scene) -> QWidget:
    from ui.injector.charting import ChartingDialog
    from ui.injector.face_chart import Pen

    chart = ChartingDialog(scene.provider, appointment_id=scene.clinic.today.id)
    _shown(chart, lambda: chart.data is not None)
    for x, y in ((0.45, 0.33), (0.55, 0.33), (0.5, 0.34)):
        chart.chart.set_pen(Pen(product_id=scene.clinic.botox.id, lot="C3709AC4", amount=4))
        chart.chart.place(x, y)
    return chart


def _compare(scene: Scene) -> QWidget:
    from ui.injector.compare import CompareDialog

    return _shown(CompareDialog(scene.provider, current=scene.clinic.last))


def _lot_recall(scene: Scene) -> QWidget:
    from ui.injector.recall import LotRecallWindow

    window = _shown(LotRecallWindow(scene.provider))
    window.lot.setText("C37")
    window.search_button.click()
    settle(lambda: window.table.rowCount() > 0, timeout_s=3)
    return window


def _audit_trail(scene: Scene) -> QWidget:
    from ui.compliance.audit_viewer import AuditViewer

    window = _shown(AuditViewer(scene.manager))
    window.show_button.click()
    settle(lambda: window.table.rowCount() > 0, timeout_s=3)
    return window


def _access_report(scene: Scene) -> QWidget:
    from ui.compliance.access_report import AccessReportWindow

    window = _shown(AccessReportWindow(scene.manager, client_id=scene.flagged.client_id,
                                       client_name="Theodora Vanterpool"))
    window.show_button.click()
    settle(lambda: window.report is not None, timeout_s=3)
    return window


def _inbox(scene: Scene, row: int) -> QWidget:
    from ui.conflicts import ConflictInbox

    inbox = ConflictInbox(None, session=scene.front)
    _shown(inbox, lambda: inbox.list.count() >= 3)
    inbox.list.setCurrentRow(row)
    settle()
    return inbox


def _templates(scene: Scene) -> QWidget:
    from ui.forms.templates import TemplateManager

    return _shown(TemplateManager(scene.manager))


def _day_sheet(scene: Scene) -> QWidget:
    from ui.forms.viewers import open_day_sheet

    opened: list[QWidget] = []
    open_day_sheet(None, scene.front, scene.front.today, privacy=False, shown=opened.append)
    settle(lambda: bool(opened), timeout_s=20)
    return _shown(opened[0])


def _lock(scene: Scene) -> QWidget:
    from ui.lock import LockView

    return _shown(LockView(None, user_label="Jo Front", pin_available=True))


def _first_sync(scene: Scene) -> QWidget:
    from ui.status_bar import FirstSyncPage

    return _shown(FirstSyncPage(None, online=True))


SCREENS: tuple[ScreenCase, ...] = (
    ScreenCase("sign-in", _sign_in),
    ScreenCase("schedule (providers)", _schedule),
    ScreenCase("schedule (rooms)", lambda s: _schedule(s, rooms=True)),
    ScreenCase("flow board", _flow_board),
    ScreenCase("booking", _booking),
    ScreenCase("new client", lambda s: _booking(s, new_client=True)),
    ScreenCase("search", _search),
    ScreenCase("client profile: details", lambda s: _profile(s, 0)),
    ScreenCase("client profile: appointments", lambda s: _profile(s, 1)),
    ScreenCase("client profile: intake & consent", lambda s: _profile(s, 2)),
    ScreenCase("client profile: treatment history", lambda s: _profile(s, 3)),
    ScreenCase("check-in (clean)", lambda s: _check_in(s, s.clean)),
    ScreenCase("check-in (flagged)", lambda s: _check_in(s, s.flagged)),
    ScreenCase("check-in (health changed)", lambda s: _check_in(s, s.flagged, health_changed=True)),
    ScreenCase("check-in (missing consent)", lambda s: _check_in(s, s.missing_consent)),
    ScreenCase("check-in (provider, override)", lambda s: _check_in(s, s.missing_consent, as_provider=True)),
    ScreenCase("hand-to-client intake", _intake),
    ScreenCase("hand-to-client consent", lambda s: _consent_form(s, at_desk=False)),
    ScreenCase("consent at the desk", lambda s: _consent_form(s, at_desk=True)),
    ScreenCase("door card (front desk)", lambda s: _door_card(s, provider=False)),
    ScreenCase("door card (provider)", lambda s: _door_card(s, provider=True)),
    ScreenCase("charting", _charting),
    ScreenCase("compare", _compare),
    ScreenCase("lot recall", _lot_recall),
    ScreenCase("audit trail", _audit_trail),
    ScreenCase("access report", _access_report),
    ScreenCase("conflict inbox (double booking)", lambda s: _inbox(s, 0)),
    ScreenCase("conflict inbox (changed on two desks)", lambda s: _inbox(s, 1)),
    ScreenCase("conflict inbox (not accepted)", lambda s: _inbox(s, 2)),
    ScreenCase("consent template manager", _templates),
    ScreenCase("day sheet preview", _day_sheet),
    ScreenCase("lock", _lock),
    ScreenCase("first-sync progress", _first_sync),
)


def check_screen(case: ScreenCase, scene: Scene, display: Display) -> list[Violation]:
    """Open ``case`` on ``display`` (a bigger font before it opens), check it, close it."""
    with larger_font(display.font_factor), laptop_work_area(display.work_area):
        window = case.open(scene)
        try:
            fit_to(window, display)
            return check_window(window, screen=case.name, display=display)
        finally:
            window.close()
            window.deleteLater()
            settle()


def check_all(scene: Scene, displays: tuple[Display, ...]) -> tuple[int, list[Violation]]:
    """The number of screens opened and every violation on every display (the bench's figures)."""
    found: list[Violation] = []
    for case in SCREENS:
        for display in displays:
            found += check_screen(case, scene, display)
    return len(SCREENS), found


@contextmanager
def scene_outside_pytest() -> Iterator[Scene]:
    with tempfile.TemporaryDirectory() as folder, open_desk(Path(folder)) as desk:
        yield seed_scene(desk, workstation=Path(folder))


