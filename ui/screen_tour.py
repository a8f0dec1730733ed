"""The screen tour: every window and dialog of the desk, opened with data that shows it at work.

One list, ``SCREENS``, read by three: the layout check (tests/ui/test_layout_check.py and
bench/bench_layout.py, through ``ui.layout_check``), and ``main.py --screenshot DIR``
(``ui.screenshots.tour_shots``), which saves each screen at 100 % and 150 %. Each entry names a
screen of issue 15's list (and every screen added since) and how to open it on a ``Scene``.

The scene is a small practice in a real SQLCipher store of its own (a temporary folder, a random
key) attached to the app's database worker: ``Desk`` stands in for a signed-in session (location,
actor, user) of the front desk, a provider or a manager; ``seed_scene`` adds a client with an
allergy and an alert, a health questionnaire raising "Do not treat today", a consent missing,
Botox charted three times, clients waiting, in a room and ready for checkout, and a conflict of
each kind in the inbox (settled through ``Store.settle``, as sync does). Nothing here talks to a
server: the tour shows the screens, not the network.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from medspa_desk.documents.questionnaire import build_intake, shipped_questionnaire
from medspa_desk.protocol import DoubleBooking, FieldChoice, FieldConflict, MutationResult, Outcome
from medspa_desk.records import (
    Appointment,
    AppointmentStatus,
    ChartPoint,
    ChartView,
    Client,
    ConsentRequirement,
    Location,
    OpeningHours,
    Product,
    ProductUnit,
    ProductUse,
    Provider,
    ProviderKind,
    Role,
    Room,
    Service,
    ServiceCategory,
    Shift,
    Signature,
    TreatmentRecord,
    User,
    new_id,
    utc_now,
)
from medspa_desk.scheduling import local_datetime
from medspa_desk.session import NEEDS_THE_SERVER
from medspa_desk.store import Actor, Store
from medspa_desk.sync.api import CentralApi
from medspa_desk.sync.errors import ServerTrouble
from medspa_desk.sync.transport import ServerAddress
from ui.layout_check import Display, Violation, check_window, fit_to, larger_font
from ui.operations import db_worker
from ui.qt import QApplication, QEvent, QWidget
from ui.screen_fit import laptop_work_area, work_area
from ui.style import desk_style

T = TypeVar("T")

# --- the practice and who is signed in ---------------------------------------------------


@dataclass
class Desk:
    """The practice in the store, and who is signed in (``location``/``actor``/``user``, like a session)."""

    location: Location
    user: User
    actor: Actor
    injector: Provider
    laser_tech: Provider
    rooms: dict[str, Room]
    services: dict[str, Service]
    users: dict[str, User] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return self.location.zone

    @property
    def today(self) -> date:
        return utc_now().astimezone(self.zone).date()

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return local_datetime(day, clock(hour, minute), self.zone)

    def server_link(self) -> None:
        """No server here (like a session signed in offline)."""
        return None

    # --- what the Manager's staff and workstation screens ask (``medspa_desk.desk.context.ReachesServer``)

    @property
    def workstation_id(self) -> None:
        return None

    @property
    def server_address(self) -> ServerAddress:
        """Where End of contract's receipt would say the server is (the tour never reaches one)."""
        return ServerAddress(url="https://127.0.0.1:8443")

    def call_server(self, request: Callable[[CentralApi, str], T]) -> T:
        """Answered as a session signed in offline answers."""
        raise ServerTrouble(NEEDS_THE_SERVER)

    # --- what hand-to-client mode asks of a session (``medspa_desk.desk.context.HandsBack``) ---
    # The tour shows that mode's screens but never hands back: no PIN, no sync, and it never locks.

    @property
    def pin_available(self) -> bool:
        return False

    @property
    def sync(self) -> None:
        return None

    @property
    def store(self) -> None:
        """The store belongs to the database worker (:meth:`run`), not to this stand-in."""
        return None

    def lock(self) -> None:
        raise NotImplementedError("the tour's desk never locks")

    def unlock_with_pin(self, pin: str) -> Store:
        raise NotImplementedError("the tour's desk never locks")

    def unlock_with_password(self, password: str) -> Store:
        raise NotImplementedError("the tour's desk never locks")

    def run(self, body: Callable[[Store], Any]) -> Any:
        """Run ``body(store)`` on the app's database worker and wait (seeding and checking)."""
        return db_worker().run_sync(body)

    def as_user(self, name: str) -> Desk:
        user = self.users[name]
        return replace(self, user=user, actor=Actor(user_id=user.id, device_id=self.actor.device_id,
                                                     role=user.role))

    def add_client(self, first: str = "Maria", last: str = "Lopez", *, born: date = date(1985, 3, 14),
                   **fields: Any) -> Client:
        client = Client(first_name=first, last_name=last, birth_date=born, **fields)
        self.run(lambda store: store.create_client(client, actor=self.actor))
        return client

    def book(self, client: Client, *, day: date, hour: int, minute: int = 0, service: str = "botox",
             provider: Provider | None = None, room: str | None = "room1") -> Appointment:
        chosen = self.services[service]
        start = self.at(day, hour, minute)
        appt = Appointment(location_id=self.location.id, client_id=client.id,
                           provider_id=(provider or self.injector).id,
                           room_id=self.rooms[room].id if room else None, service_id=chosen.id,
                           starts_at=start, ends_at=start + timedelta(minutes=chosen.duration_min),
                           buffer_before_min=chosen.buffer_before_min,
                           buffer_after_min=chosen.buffer_after_min)
        self.run(lambda store: store.book(appt, actor=self.actor))
        return appt

    def appointment(self, appointment_id: Any) -> Appointment:
        return self.run(lambda store: store.appointment(appointment_id))


def seed_practice(store: Store, device_id: Any) -> Desk:
    """Glow Aesthetics: a location open 8 to 7 every day, an injector and a laser technician with
    shifts, three rooms, Botox, laser hair removal and a consultation, and the three roles' users."""
    location = Location(name="Glow Aesthetics", time_zone="America/New_York", opening_hours=tuple(
        OpeningHours(weekday=w, opens=clock(8), closes=clock(19)) for w in range(7)))
    injector = Provider(display_name="Dana Reyes", credentials="NP", kind=ProviderKind.INJECTOR)
    laser_tech = Provider(display_name="Lee Park", credentials="LE", kind=ProviderKind.LASER_TECHNICIAN)
    rooms = {"room1": Room(location_id=location.id, name="Room 1"),
             "room2": Room(location_id=location.id, name="Room 2"),
             "laser": Room(location_id=location.id, name="Laser Suite", kind="laser")}
    services = {
        "botox": Service(name="Botox", category=ServiceCategory.NEUROTOXIN, duration_min=30,
                         buffer_after_min=10, provider_kinds=(ProviderKind.INJECTOR,),
                         room_kinds=("treatment",), requires_intake=False, price_cents=45000,
                         consents=(ConsentRequirement(template_key="neurotoxin", valid_days=365),)),
        "laser": Service(name="Laser hair removal", category=ServiceCategory.LASER, duration_min=45,
                         provider_kinds=(ProviderKind.LASER_TECHNICIAN,), room_kinds=("laser",),
                         requires_intake=False),
        "consult": Service(name="Consultation", category=ServiceCategory.CONSULTATION, duration_min=15,
                           requires_intake=False),
    }
    users = {"front": User(username="frontdesk", display_name="Jo Front", role=Role.FRONT_DESK),
             "provider": User(username="dana", display_name="Dana Reyes", role=Role.PROVIDER,
                              provider_id=injector.id),
             "manager": User(username="lee", display_name="Lee Park", role=Role.MANAGER)}
    shifts = [Shift(provider_id=p.id, location_id=location.id, weekday=w, starts=clock(8), ends=clock(19))
              for p in (injector, laser_tech) for w in range(7)]
    seeder = Actor(user_id=users["front"].id, device_id=device_id, role=Role.ADMIN)
    for record in (location, injector, laser_tech, *rooms.values(), *services.values(), *users.values(),
                   *shifts):
        store.put_reference(record, actor=seeder)
    front = users["front"]
    return Desk(location=location, user=front, actor=Actor(user_id=front.id, device_id=device_id,
                                                           role=front.role),
                injector=injector, laser_tech=laser_tech, rooms=rooms, services=services, users=users)


# --- products, a charted history and today's visit -----------------------------------------

LAST_NOTE = "Tolerated well; slight asymmetry of left brow, review in 2 weeks"


@dataclass
class Clinic:
    desk: Desk
    botox: Product
    client: Client
    today: Appointment
    last: TreatmentRecord


def open_clinic(desk: Desk, *, past_visits: int = 3, hour: int = 11) -> Clinic:
    """Maria, allergic to lidocaine, with ``past_visits`` signed Botox charts and a visit today."""
    botox = Product(name="Botox Cosmetic 100U", manufacturer="Allergan Aesthetics",
                    category=ServiceCategory.NEUROTOXIN, unit=ProductUnit.UNITS)
    admin = desk.as_user("provider").actor
    desk.run(lambda store: store.put_reference(botox, actor=admin))
    client = desk.add_client("Marisol", "Quintanilla", allergies="Lidocaine", alerts="Fainted after a needle once")
    today = desk.book(client, day=desk.today, hour=hour)
    records = []
    for n in range(past_visits):
        when = desk.at(desk.today - timedelta(days=90 * (n + 1)), 10)
        points = (ChartPoint(view=ChartView.FRONT, x=0.5, y=0.34, area="Glabella", product_id=botox.id,
                             lot=f"C37{n}AC", amount=20 - n),)
        record = TreatmentRecord(
            client_id=client.id, provider_id=desk.injector.id, service_id=desk.services["botox"].id,
            performed_at=when, points=points, clinical_notes=LAST_NOTE if n == 0 else f"Visit {n}",
            post_care="Stay upright for 4 hours.",
            products=(ProductUse(product_id=botox.id, product_name=botox.name, lot=f"C37{n}AC",
                                 expiry=date(2030, 1, 1), amount=20 - n, unit=ProductUnit.UNITS,
                                 area="Glabella"),))
        desk.run(lambda store, r=record: store.save_treatment(r, actor=admin))
        desk.run(lambda store, r=record, w=when: store.sign_treatment(r.id, actor=admin, at=w + timedelta(hours=1)))
        records.append(record)
    return Clinic(desk=desk, botox=botox, client=client, today=today, last=records[0])


# --- the scene and the screens ----------------------------------------------------------


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
    """The practice in a new store in ``folder`` (random key) on the app's database worker, for the block."""
    worker = db_worker()
    key = bytearray(os.urandom(32))
    worker.open(lambda: Store.open(folder / "desk.db", key, create=True))
    try:
        yield worker.run_sync(lambda store: seed_practice(store, new_id()))
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


def _as_main_window_part(widget: QWidget) -> QWidget:
    """A page of the main window (the schedule, a client's record) gets the whole work area, as it does
    in the app, rather than the small size it asks for as a window of its own."""
    widget.resize(work_area())
    return widget


def _sign_in(scene: Scene) -> QWidget:
    from ui.desk_backend import DeskBackend
    from ui.sign_in import SignInWindow

    return _shown(SignInWindow(DeskBackend(scene.workstation / f"new-{new_id()}")))


def _schedule(scene: Scene, *, rooms: bool = False) -> QWidget:
    from ui.schedule.day_view import DayScheduleView
    from ui.schedule.model import ColumnMode

    view = _as_main_window_part(DayScheduleView(scene.front))
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


def _booking_series(scene: Scene, *, clashing: bool = False) -> QWidget:
    """A booking repeated weekly, its dates listed; ``clashing``: three of them taken, refused with the dates."""
    from ui.booking import BookingDialog

    a_series(scene)
    dialog = BookingDialog(scene.front, starts_at=scene.front.at(scene.front.today, 12),
                           client_id=scene.clinic.client.id, client_name=scene.clinic.client.full_name)
    _shown(dialog, lambda: dialog.service.count() > 0)
    dialog.repeat.repeat.setChecked(True)
    dialog.repeat.count.setValue(4)
    settle()
    if clashing:
        dialog.save_button.click()
        settle(lambda: dialog.problem.isVisible())
    return dialog


def a_series(scene: Scene) -> Appointment:
    """The first visit of Ottilie's weekly Botox, a week from today at noon (booked once per scene)."""
    from medspa_desk.desk.series import book_series

    desk = scene.front
    start = desk.at(desk.today + timedelta(days=7), 12)
    held = [a for a in desk.run(lambda store: store.day_schedule(desk.location.id, desk.today + timedelta(days=7)))
            .appointments if a.series_id is not None and a.starts_at == start]
    if held:
        return held[0]
    botox = desk.services["botox"]
    first = Appointment(location_id=desk.location.id, client_id=desk.add_client("Ottilie", "Brandt").id,
                        provider_id=desk.injector.id, room_id=desk.rooms["room1"].id, service_id=botox.id,
                        starts_at=start, ends_at=start + timedelta(minutes=botox.duration_min),
                        buffer_after_min=botox.buffer_after_min)
    desk.run(lambda store: book_series(store, actor=desk.actor, visit=first, every_weeks=1, count=6, confirmed=True))
    return desk.appointment(first.id)


def _move_series_visit(scene: Scene) -> QWidget:
    from ui.booking import BookingDialog

    dialog = BookingDialog(scene.front, moving=a_series(scene), client_name="Ottilie Brandt")
    return _shown(dialog, lambda: dialog.service.count() > 0)


def _cancel_series_visit(scene: Scene) -> QWidget:
    from ui.schedule.cancel import CancelReasonDialog

    a_series(scene)
    return _shown(CancelReasonDialog(in_series=True))


def _search(scene: Scene) -> QWidget:
    from ui.search import ClientSearch

    search = _shown(ClientSearch())
    search.query.setText("as")
    search.ask("as")  # what typing does (setText alone is not an edit)
    settle(lambda: search.results.count() > 0, timeout_s=3)
    return search


def _profile(scene: Scene, tab: int) -> QWidget:
    from ui.client_profile import ClientProfile

    profile = _as_main_window_part(ClientProfile(None, session=scene.provider, client_id=scene.clinic.client.id))
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
    window.lot.setText("C370AC")  # the lot of the last Botox charted (open_clinic)
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


def _practice_export(scene: Scene) -> QWidget:
    """The export finished: where it went, how many clients, the manifest (offline: the trail's note)."""
    from ui.compliance.practice_export import PracticeExportDialog

    dialog = PracticeExportDialog(scene.manager)
    dialog.folder.setText(tempfile.mkdtemp(prefix="practice-export-", dir=scene.workstation))
    dialog.export_button.click()
    return _shown(dialog, lambda: dialog.result is not None)


def _end_of_contract(scene: Scene) -> QWidget:
    """Two managers' destruction of the practice, offline here: what it says, the three steps, why not now."""
    from ui.compliance.end_of_contract import EndOfContractDialog

    dialog = EndOfContractDialog(scene.manager)
    dialog.folder.setText(str(scene.workstation / "practice-export"))
    dialog.reason.setText("The contract ended on the agreed date")
    return _shown(dialog, lambda: dialog.outcome.text() != "")


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


def _client_list_with_rows_to_check(folder: Path) -> Path:
    """A Jane-shaped client export with a good row, rows that cannot be imported and a likely duplicate."""
    path = folder / "client-list.csv"
    path.write_text("First Name,Last Name,Email,Mobile Phone,Date of Birth\n"
                    ",Nofirst,nofirst@example.com,555-010-1001,1980-01-01\n"
                    "Bad,Birthday,bad.birthday@example.com,555-010-1004,13/45/1980\n"
                    "Wrong,Email,not-an-email,555-010-1006,1980-01-06\n"
                    "Good,Row,good.row@example.com,555-010-1010,1980-01-10\n"
                    "Same,Person,same.person@example.com,555-010-1011,1980-01-11\n"
                    "Same,Person,another@example.com,555-010-1012,1980-01-11\n", encoding="utf-8")
    return path


def _upcoming_appointments(desk: Desk, folder: Path) -> Path:
    """Two upcoming visits for a client on file (one for a service the practice lacks) and one past visit."""
    desk.add_client("Ana", "Ruiz", email="ana@example.com")
    ahead, past = desk.today + timedelta(days=2), desk.today - timedelta(days=30)
    path = folder / "appointments.csv"
    path.write_text("Date,Time,Customer,Email,Service,Provider,Duration\n"
                    f"{ahead.isoformat()},10:00 AM,Ana Ruiz,ana@example.com,Botox,Dana Reyes,30\n"
                    f"{ahead.isoformat()},2:00 PM,Ana Ruiz,ana@example.com,Hydrafacial,Dana Reyes,60\n"
                    f"{past.isoformat()},10:00 AM,Ana Ruiz,ana@example.com,Botox,Dana Reyes,30\n", encoding="utf-8")
    return path


def _week(scene: Scene, *, rooms: bool = False) -> QWidget:
    """The schedule showing a provider's (or a room's) week, through its Day/Week toggle."""
    view = _schedule(scene, rooms=rooms)
    view.week_button.click()
    settle(lambda: view.week is not None and view.week.shown is not None)
    return view


def _move_visit(scene: Scene) -> QWidget:
    from ui.booking import BookingDialog

    dialog = BookingDialog(scene.front, moving=scene.clean, client_name=scene.clinic.client.full_name)
    return _shown(dialog, lambda: dialog.service.count() > 0)


def _block_time(scene: Scene) -> QWidget:
    from ui.schedule.block_time import BlockTimeDialog

    dialog = BlockTimeDialog(scene.front, day=scene.front.today)  # the front desk: a provider's break
    return _shown(dialog, lambda: dialog.holder.count() > 0)


def _evidence(scene: Scene, tab: int = 0) -> QWidget:
    from ui.compliance.evidence import EvidenceWindow

    window = EvidenceWindow(scene.manager)
    window.tabs.setCurrentIndex(tab)
    return _shown(window, lambda: window.summary is not None and window.risk.rowCount() > 0)


def _disclosure(scene: Scene) -> QWidget:
    from ui.compliance.evidence import DisclosureDialog

    return _shown(DisclosureDialog(scene.manager, client_id=scene.flagged.client_id,
                                   client_name="Theodora Vanterpool"))


def _access_request(scene: Scene) -> QWidget:
    from ui.compliance.evidence import AccessRequestDialog

    return _shown(AccessRequestDialog(scene.manager, client_id=scene.flagged.client_id,
                                      client_name="Theodora Vanterpool"))


def _sign_policies(scene: Scene) -> QWidget:
    from ui.compliance.evidence import SignPolicyDialog

    return _shown(SignPolicyDialog(scene.front))


def _incident(scene: Scene) -> QWidget:
    from ui.compliance.evidence import IncidentDialog

    return _shown(IncidentDialog(scene.manager))


def _client_import(scene: Scene) -> QWidget:
    from ui.manager.client_import import ClientImportDialog

    dialog = ClientImportDialog(scene.manager)
    dialog.open_file(_client_list_with_rows_to_check(scene.workstation))
    return _shown(dialog, lambda: dialog.preview is not None)


def _visit_import(scene: Scene) -> QWidget:
    from ui.manager.visit_import import VisitImportDialog

    dialog = VisitImportDialog(scene.manager)
    dialog.open_file(_upcoming_appointments(scene.front, scene.workstation))
    return _shown(dialog, lambda: dialog.preview is not None)


def _contact_preferences(scene: Scene) -> QWidget:
    from medspa_desk.desk import comms
    from medspa_desk.records import ConsentSource, ContactChannel, ContactPurpose
    from ui.client_profile import ClientProfile

    client_id = scene.clinic.client.id
    front = scene.front
    if not front.run(lambda store: store.contact_consents_for([client_id], actor=front.actor)):
        front.run(lambda store: comms.record_contact_preference(
            store, actor=front.actor, client_id=client_id, channel=ContactChannel.SMS,
            purpose=ContactPurpose.MARKETING, agreed=False, how=ConsentSource.CLIENT_STOP,
            note="Texted STOP to a newsletter"))
    # A tab of the client's record, which is a page of the main window, like the record's other tabs.
    profile = _as_main_window_part(ClientProfile(None, session=front, client_id=client_id))
    _shown(profile, lambda: profile.data is not None)
    assert profile.contact is not None
    profile.tabs.setCurrentWidget(profile.contact)
    settle(lambda: profile.contact is not None and profile.contact.loaded)
    return profile


def _seed_calls(scene: Scene) -> None:
    from medspa_desk.desk import comms

    front, client = scene.front, scene.clinic.client
    if front.run(lambda store: store.open_calls(actor=front.actor)):
        return
    front.run(lambda store: comms.log_call(
        store, actor=front.actor, client_id=client.id, caller_name=client.full_name,
        callback_number="555-010-6000", reason="Some bruising after her Botox yesterday; asks if it is normal",
        promised="The nurse calls back before 5 PM", follow_up_due=utc_now() + timedelta(hours=3)))
    front.run(lambda store: comms.log_call(store, actor=front.actor, caller_name="Jo Park",
                                           callback_number="555-010-5000", reason="Asks about filler prices",
                                           promised="A quote by phone"))


def _calls_to_return(scene: Scene) -> QWidget:
    from ui.calls import CallsToReturn

    _seed_calls(scene)
    listed = CallsToReturn(scene.front)
    return _shown(listed, lambda: listed.calls is not None)


def _log_call(scene: Scene) -> QWidget:
    from ui.calls import LogCallDialog

    dialog = LogCallDialog(scene.front)
    dialog.caller.setText("Jo Park")
    dialog.call_back.setChecked(True)
    return _shown(dialog)


def _setup(scene: Scene, entity: str) -> QWidget:
    from ui.manager.practice import SetupDialog

    dialog = SetupDialog(scene.manager, entity)
    return _shown(dialog, lambda: dialog.panel.lists is not None)


def _switching_user(scene: Scene) -> QWidget:
    """Manager → Location's second tab: the practice's switch window (offline here: a dash, and why)."""
    from ui.manager.practice import SetupDialog

    dialog = SetupDialog(scene.manager, "location")
    assert dialog.panel.tabs is not None  # a manager sees the tab
    dialog.panel.tabs.setCurrentIndex(1)
    return _shown(dialog, lambda: dialog.panel.lists is not None)


def _assistant(scene: Scene) -> QWidget:
    from ui.manager.setup_assistant import SetupAssistant

    assistant = SetupAssistant(scene.manager)
    return _shown(assistant, lambda: bool(assistant.steps))


def _next_free(scene: Scene) -> QWidget:
    from ui.next_free import NextFreeDialog

    dialog = NextFreeDialog(scene.front, day=scene.front.today + timedelta(days=1))
    _shown(dialog, lambda: dialog.service.count() > 0)
    dialog.find_button.click()
    settle(lambda: dialog.results.count() > 0)
    return dialog


def _waitlist_offer(scene: Scene) -> QWidget:
    from medspa_desk.desk import visits, waitlist
    from medspa_desk.records import WaitlistEntry
    from ui.waitlist import WaitlistOfferDialog

    desk = scene.front
    day = desk.today + timedelta(days=3)
    visit = desk.book(desk.add_client("Freya", "Lindqvist"), day=day, hour=15)
    for first, last in (("Ines", "Morales"), ("Bartholomew", "Featherstonehaugh-Whitley")):
        entry = WaitlistEntry(client_id=desk.add_client(first, last).id, location_id=desk.location.id,
                              service_id=desk.services["botox"].id, first_day=day, last_day=day,
                              note="Afternoons only; call the mobile first", created_by=desk.user.id)
        desk.run(lambda store, e=entry: waitlist.add_to_waitlist(store, actor=desk.actor, entry=e))
    desk.run(lambda store: visits.cancel_visit(store, actor=desk.actor, visit_id=visit.id, reason="Client is unwell"))
    freed = desk.appointment(visit.id)
    offers = desk.run(lambda store: waitlist.waiting_for_freed(store, actor=desk.actor, freed=freed))
    assert len(offers) >= 2  # opened once per display on one scene: earlier openings add theirs
    return _shown(WaitlistOfferDialog(desk, offers))


def _waitlist(scene: Scene) -> QWidget:
    from ui.waitlist import WaitlistDialog

    _waitlist_offer(scene).close()  # leaves two clients waiting
    dialog = WaitlistDialog(scene.front)
    return _shown(dialog, lambda: dialog.service.count() > 0 and dialog.waiting.count() > 0)


SCREENS: tuple[ScreenCase, ...] = (
    ScreenCase("sign-in", _sign_in),
    ScreenCase("schedule (providers)", _schedule),
    ScreenCase("schedule (rooms)", lambda s: _schedule(s, rooms=True)),
    ScreenCase("flow board", _flow_board),
    ScreenCase("booking", _booking),
    ScreenCase("new client", lambda s: _booking(s, new_client=True)),
    ScreenCase("booking (repeat)", _booking_series),
    ScreenCase("booking (series clash)", lambda s: _booking_series(s, clashing=True)),
    ScreenCase("move visit (series)", _move_series_visit),
    ScreenCase("cancel (series)", _cancel_series_visit),
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
    ScreenCase("export the whole practice", _practice_export),
    ScreenCase("end of contract", _end_of_contract),
    ScreenCase("conflict inbox (double booking)", lambda s: _inbox(s, 0)),
    ScreenCase("conflict inbox (changed on two desks)", lambda s: _inbox(s, 1)),
    ScreenCase("conflict inbox (not accepted)", lambda s: _inbox(s, 2)),
    ScreenCase("consent template manager", _templates),
    ScreenCase("day sheet preview", _day_sheet),
    ScreenCase("lock", _lock),
    ScreenCase("first-sync progress", _first_sync),
    ScreenCase("schedule (week, provider)", _week),
    ScreenCase("schedule (week, room)", lambda s: _week(s, rooms=True)),
    ScreenCase("move visit", _move_visit),
    ScreenCase("block time", _block_time),
    ScreenCase("compliance evidence (risk assessment)", _evidence),
    ScreenCase("compliance evidence (business associates)", lambda s: _evidence(s, 1)),
    ScreenCase("record a disclosure", _disclosure),
    ScreenCase("request for the record", _access_request),
    ScreenCase("sign policies", _sign_policies),
    ScreenCase("log an incident", _incident),
    ScreenCase("import clients", _client_import),
    ScreenCase("import upcoming appointments", _visit_import),
    ScreenCase("client profile: contact preferences", _contact_preferences),
    ScreenCase("calls to return", _calls_to_return),
    ScreenCase("log a call", _log_call),
    ScreenCase("manager: location", lambda s: _setup(s, "location")),
    ScreenCase("manager: location, switching user", _switching_user),
    ScreenCase("manager: rooms", lambda s: _setup(s, "room")),
    ScreenCase("manager: providers", lambda s: _setup(s, "provider")),
    ScreenCase("manager: services", lambda s: _setup(s, "service")),
    ScreenCase("manager: products", lambda s: _setup(s, "product")),
    ScreenCase("set-up assistant", _assistant),
    ScreenCase("find next free time", _next_free),
    ScreenCase("waitlist offer", _waitlist_offer),
    ScreenCase("waitlist", _waitlist),
)


def check_screen(case: ScreenCase, scene: Scene, display: Display) -> list[Violation]:
    """Open ``case`` on ``display`` (a bigger font before it opens), check it, close it. Run it inside
    ``ui.style.desk_style()`` to check what the app shows (``check_all`` does)."""
    with larger_font(display.font_factor), laptop_work_area(display.work_area):
        window = case.open(scene)
        try:
            fit_to(window, display)
            return check_window(window, screen=case.name, display=display)
        finally:
            close_window(window)


def close_window(window: QWidget) -> None:
    """Close and delete a screen of the tour once its queued queries have answered."""
    window.close()
    window.deleteLater()
    settle()
    # processEvents() outside an event loop never deletes: without this every screen opened
    # stays alive, and each later font change polishes all of them again.
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def check_all(scene: Scene, displays: tuple[Display, ...]) -> tuple[int, list[Violation]]:
    """The number of screens opened and every violation on every display (the bench's figures)."""
    found: list[Violation] = []
    with desk_style():
        for case in SCREENS:
            for display in displays:
                found += check_screen(case, scene, display)
    return len(SCREENS), found


@contextmanager
def tour_scene() -> Iterator[Scene]:
    """The seeded scene in a temporary folder, for the block (the bench and ``--screenshot``)."""
    with tempfile.TemporaryDirectory() as folder, open_desk(Path(folder)) as desk:
        yield seed_scene(desk, workstation=Path(folder))


