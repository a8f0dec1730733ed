"""Walk every use case of the clinic's table on a real desk store, as each role.

Each use case runs through its own function in ``medspa_desk.desk`` on a real
SQLCipher store, with what it needs set up beforehand by someone allowed to
(a provider for a signed chart, the front desk for a booking). The walk
records, per role and use case, whether the desk refused (and audited the
refusal) and which mutation kinds it queued for the server.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from uuid import UUID

from medspa_desk.desk import (
    blocked_time,
    charts,
    client_import,
    clients,
    comms,
    compliance,
    conflicts,
    copies,
    end_of_contract,
    evidence,
    forms,
    photos,
    practice,
    staff,
    switch_window,
    visits,
    waitlist,
    workstations,
)
from medspa_desk.documents.gating import CheckInItem, CheckInStatus, ItemKind
from medspa_desk.protocol import Mutation, MutationKind, MutationResult, Outcome
from medspa_desk.records import (
    Appointment,
    AuditAction,
    BlockedTime,
    BlockKind,
    Client,
    Conflict,
    ConsentSource,
    ConsentTemplate,
    ContactChannel,
    ContactPurpose,
    IntakeForm,
    Location,
    PhotoKind,
    PolicyKind,
    Provider,
    ProviderKind,
    Role,
    Room,
    Service,
    ServiceCategory,
    Signature,
    SignedConsent,
    TreatmentRecord,
    User,
    WaitlistEntry,
    content_hash,
    new_id,
)
from medspa_desk.rules import NotPermitted, UseCase
from medspa_desk.scheduling import local_datetime
from medspa_desk.store import Actor, Store

SIGNATURE = Signature(width=300, height=100, strokes=(((1, 1), (40, 30)),))
# Far from any clock a test controls: every visit of the walk lies ahead.
FIRST_DAY = date(2099, 1, 5)


@dataclass
class Scene:
    """A small practice in a real store, and staff of every role to set things up."""

    store: Store
    folder: Path
    location: Location = field(default_factory=lambda: Location(name="Main Street", time_zone="America/New_York"))
    injector: Provider = field(default_factory=lambda: Provider(display_name="Dana Reyes", credentials="NP",
                                                                kind=ProviderKind.INJECTOR))
    botox: Service = field(default_factory=lambda: Service(name="Botox", category=ServiceCategory.NEUROTOXIN,
                                                           duration_min=30))
    staff: dict[Role, Actor] = field(default_factory=lambda: {
        role: Actor(user_id=new_id(), device_id=new_id(), role=role) for role in Role})
    slots_used: int = 0

    def __post_init__(self) -> None:
        self.room1 = Room(location_id=self.location.id, name="Room 1")
        self.room2 = Room(location_id=self.location.id, name="Room 2")
        for record in (self.location, self.injector, self.room1, self.room2, self.botox):
            self.store.put_reference(record, actor=self.staff[Role.MANAGER])

    def client(self) -> Client:
        client = Client(first_name="Maria", last_name="Lopez", birth_date=date(1985, 3, 14))
        self.store.create_client(client, actor=self.staff[Role.FRONT_DESK])
        return client

    def next_visit(self, client: Client) -> Appointment:
        """A visit at a time no other visit of the walk uses."""
        self.slots_used += 1
        start = local_datetime(FIRST_DAY + timedelta(days=self.slots_used), time(10), self.location.zone)
        return Appointment(location_id=self.location.id, client_id=client.id, provider_id=self.injector.id,
                           room_id=self.room1.id, service_id=self.botox.id, starts_at=start,
                           ends_at=start + timedelta(minutes=30))

    def booked(self) -> Appointment:
        visit = self.next_visit(self.client())
        visits.book_visit(self.store, actor=self.staff[Role.FRONT_DESK], visit=visit, confirmed=True)
        return visit

    def arrived(self) -> Appointment:
        visit = self.booked()
        visits.check_in(self.store, actor=self.staff[Role.FRONT_DESK], visit_id=visit.id)
        return visit

    def no_show(self) -> Appointment:
        visit = self.booked()
        visits.mark_no_show(self.store, actor=self.staff[Role.FRONT_DESK], visit_id=visit.id)
        return visit

    def waitlisted(self, *, on: date | None = None) -> WaitlistEntry:
        """A client waiting for Botox with anyone, on ``on`` (any day of the walk when None), set up by the desk."""
        desk = self.staff[Role.FRONT_DESK]
        entry = WaitlistEntry(client_id=self.client().id, location_id=self.location.id, service_id=self.botox.id,
                              first_day=on or FIRST_DAY, last_day=on or FIRST_DAY + timedelta(days=180),
                              created_by=desk.user_id)
        waitlist.add_to_waitlist(self.store, actor=desk, entry=entry)
        return entry

    def conflict(self) -> Conflict:
        """An open inbox entry: the server refused a new client the front desk added."""
        client = self.client()
        queued = next(m for m in self.store.outbox_batch(1_000_000) if m.entity_id == client.id)
        self.store.settle([MutationResult(mutation_id=queued.id, outcome=Outcome.REJECTED, entity=client.entity,
                                          entity_id=client.id, code="invalid", reason="refused for the walk")])
        return next(c for c in self.store.conflicts() if c.entity_id == client.id)

    def draft_chart(self) -> TreatmentRecord:
        return TreatmentRecord(client_id=self.client().id, provider_id=self.injector.id,
                               service_id=self.botox.id, performed_at=datetime(2099, 1, 1, 15, tzinfo=UTC),
                               clinical_notes="glabella 20u")

    def open_call(self) -> UUID:
        """A call the front desk logged, not yet followed up."""
        comms.log_call(self.store, actor=self.staff[Role.FRONT_DESK], caller_name="New caller",
                       callback_number="555-010-4000", reason="Asks about filler prices")
        return self.store.open_calls(actor=self.staff[Role.FRONT_DESK])[0].id

    def signed_chart(self) -> TreatmentRecord:
        record = self.draft_chart()
        charts.sign_chart(self.store, actor=self.staff[Role.PROVIDER], record=record)
        return record


def intake_for(client_id: UUID) -> IntakeForm:
    fields = dict(client_id=client_id, questionnaire_id="health", questionnaire_version=1,
                  answers={"pregnant": False}, submitted_at=datetime(2099, 1, 1, tzinfo=UTC), signer_name="M L",
                  signature=SIGNATURE)
    return IntakeForm(**fields, content_sha256=content_hash(IntakeForm.model_construct(**fields).signed_content()))


def consent_for(client_id: UUID) -> SignedConsent:
    fields = dict(client_id=client_id, template_id=new_id(), template_key="neurotoxin", template_version=1,
                  title="Neurotoxin consent", body="I agree.", signer_name="M L", signature=SIGNATURE,
                  signed_at=datetime(2099, 1, 1, tzinfo=UTC))
    draft = SignedConsent.model_construct(**fields, witness_name="")
    return SignedConsent(**fields, content_sha256=content_hash(draft.signed_content()))


def _override(scene: Scene, actor: Actor) -> None:
    visit = scene.booked()
    blocked = CheckInStatus(client_id=visit.client_id, day=FIRST_DAY, items=(
        CheckInItem(kind=ItemKind.INTAKE_MISSING, message="No health questionnaire.", blocks=True),))
    person = User(id=actor.user_id, username="walker", display_name="Walker", role=actor.role)
    forms.override_missing_form(scene.store, actor=actor, provider=person, status=blocked, visit_id=visit.id,
                                reason="Questionnaire taken on paper.")


WALK_NOW = datetime(2099, 1, 5, 15, tzinfo=UTC)


def _acknowledge(scene: Scene, actor: Actor) -> None:
    """The person is on the desk's staff list (as a manager sets them up), then signs the training."""
    scene.store.put_reference(User(id=actor.user_id, username=f"walker{actor.user_id.hex[:8]}", display_name="Walker",
                                   role=actor.role), actor=scene.staff[Role.MANAGER])
    evidence.acknowledge_policy(scene.store, actor=actor, kind=PolicyKind.TRAINING, typed_name="Walker", now=WALK_NOW)


def _read_clinical(scene: Scene, actor: Actor) -> None:
    """Reading clinical detail is not refused outright: it comes back without it (counts as refused here)."""
    record = scene.signed_chart()
    if scene.store.treatment(record.id, actor=actor).clinical_notes != record.clinical_notes:
        raise NotPermitted("clinical detail withheld")


def _import_a_list(scene: Scene, actor: Actor) -> None:
    """A one-client list each time, so each role's import is new (a different name and phone)."""
    scene.slots_used += 1
    path = scene.folder / "client-list.csv"
    path.write_text(f"first_name,last_name,birth_date,phone\nLena,Imported{scene.slots_used},1980-01-01,"
                    f"555-020-{scene.slots_used:04d}\n", encoding="utf-8")
    preview = client_import.preview_client_import(scene.store, actor=actor, path=path, today=date.today())
    client_import.import_clients(scene.store, actor=actor, preview=preview)


def _import_appointments(scene: Scene, actor: Actor) -> None:
    """One upcoming appointment each time, for a client on file found by email, on a day of its own."""
    scene.slots_used += 1
    email = f"vera{scene.slots_used}@example.com"
    scene.store.create_client(Client(first_name="Vera", last_name="Walk", birth_date=date(1980, 1, 1), email=email),
                              actor=scene.staff[Role.FRONT_DESK])
    day = FIRST_DAY + timedelta(days=scene.slots_used)
    path = scene.folder / "appointments.csv"
    path.write_text(f"Date,Time,Customer,Email,Service,Provider\n{day.isoformat()},10:00 AM,Vera Walk,{email},"
                    f"{scene.botox.name},{scene.injector.display_name}\n", encoding="utf-8")
    preview = client_import.preview_visit_import(scene.store, actor=actor, path=path, location=scene.location,
                                                 now=datetime(2098, 1, 1, tzinfo=UTC))
    client_import.import_visits(scene.store, actor=actor, preview=preview)


def _photo_file(scene: Scene) -> Path:
    path = scene.folder / f"photo-{new_id()}.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    return path


Scenario = Callable[[Scene, Actor], object]
SCENARIOS: dict[UseCase, Scenario] = {
    # The walk adds the same person once per role: each time past the duplicate question.
    UseCase.ADD_CLIENT: lambda s, a: clients.add_client(
        s.store, actor=a, client=Client(first_name="Ana", last_name="Ruiz", birth_date=date(1990, 1, 2)),
        not_a_duplicate=True),
    UseCase.IMPORT_CLIENTS: lambda s, a: _import_a_list(s, a),
    UseCase.IMPORT_VISITS: lambda s, a: _import_appointments(s, a),
    UseCase.CHANGE_CLIENT: lambda s, a: clients.change_client(
        s.store, actor=a, client_id=s.client().id, changes={"phone": "555-010-3000"}),
    UseCase.BOOK_VISIT: lambda s, a: visits.book_visit(
        s.store, actor=a, visit=s.next_visit(c := Client(first_name="Ana", last_name="Ruiz",
                                                       birth_date=date(1990, 1, 2))),
        new_client=c, confirmed=True, not_a_duplicate=True),
    UseCase.RESCHEDULE_VISIT: lambda s, a: visits.reschedule_visit(
        s.store, actor=a, visit_id=(v := s.booked()).id, starts_at=v.starts_at + timedelta(hours=1),
        ends_at=v.ends_at + timedelta(hours=1), provider_id=v.provider_id, room_id=v.room_id, confirmed=True),
    UseCase.CANCEL_VISIT: lambda s, a: visits.cancel_visit(s.store, actor=a, visit_id=s.booked().id,
                                                           reason="Client called"),
    UseCase.CONFIRM_VISIT: lambda s, a: visits.confirm_visit(s.store, actor=a, visit_id=s.booked().id),
    UseCase.CHECK_IN: lambda s, a: visits.check_in(s.store, actor=a, visit_id=s.booked().id),
    UseCase.SEND_TO_ROOM: lambda s, a: visits.send_to_room(s.store, actor=a, visit_id=s.arrived().id,
                                                           room_id=s.room2.id),
    UseCase.COMPLETE_VISIT: lambda s, a: visits.complete_visit(s.store, actor=a, visit_id=s.arrived().id),
    UseCase.MARK_NO_SHOW: lambda s, a: visits.mark_no_show(s.store, actor=a, visit_id=s.booked().id),
    UseCase.PUT_BACK_ON_THE_BOOKS: lambda s, a: visits.put_back_on_the_books(s.store, actor=a,
                                                                             visit_id=s.no_show().id),
    UseCase.UNDO_ARRIVAL: lambda s, a: visits.undo_arrival(s.store, actor=a, visit_id=s.arrived().id),
    UseCase.UNDO_NO_SHOW: lambda s, a: visits.undo_no_show(s.store, actor=a, visit_id=s.no_show().id),
    UseCase.SUBMIT_INTAKE: lambda s, a: forms.submit_intake(s.store, actor=a, intake=intake_for(s.client().id)),
    UseCase.SIGN_CONSENT: lambda s, a: forms.sign_consent(s.store, actor=a, consent=consent_for(s.client().id)),
    UseCase.OVERRIDE_MISSING_FORM: _override,
    UseCase.PUBLISH_CONSENT_VERSION: lambda s, a: forms.publish_consent_version(
        s.store, actor=a, template=ConsentTemplate(key="filler", template_version=2, title="Filler consent",
                                                   body="Our own words.")),
    UseCase.SAVE_CHART: lambda s, a: charts.save_chart(s.store, actor=a, record=s.draft_chart()),
    UseCase.SIGN_CHART: lambda s, a: charts.sign_chart(s.store, actor=a, record=s.draft_chart()),
    UseCase.ADD_ADDENDUM: lambda s, a: charts.add_addendum(s.store, actor=a, treatment_id=s.signed_chart().id,
                                                           text="Lot corrected.", author_name="Walker"),
    UseCase.ADD_PHOTO: lambda s, a: photos.import_photo(
        s.store, _photo_file(s), client_id=s.client().id, treatment_id=s.draft_chart().id, kind=PhotoKind.BEFORE,
        actor=a),
    UseCase.READ_CLINICAL_DETAIL: _read_clinical,
    UseCase.EXPORT_CLIENT_RECORD: lambda s, a: clients.export_client_record(
        s.store, actor=a, client_id=s.client().id, location=s.location, pdf_path=s.folder / f"export-{new_id()}.pdf"),
    UseCase.MAKE_COMPLIANCE_BINDER: lambda s, a: compliance.save_compliance_binder(
        s.store, actor=a, location=s.location, path=s.folder / f"binder-{new_id()}.pdf"),
    UseCase.PRINT_OR_SAVE_FORM: lambda s, a: copies.save_form_copy(
        s.store, actor=a, form=copies.PrintedForm(entity="consent", entity_id=new_id(), detail="consent"),
        pdf=b"%PDF-1.4", path=s.folder / f"copy-{new_id()}.pdf"),
    UseCase.MANAGE_STAFF: lambda s, a: staff.open_staff(s.store, actor=a),
    UseCase.MANAGE_WORKSTATIONS: lambda s, a: workstations.open_workstations(s.store, actor=a),
    UseCase.SET_SWITCH_WINDOW: lambda s, a: switch_window.open_switch_window(s.store, actor=a),
    UseCase.DESTROY_PRACTICE: lambda s, a: end_of_contract.open_end_of_contract(s.store, actor=a),
    UseCase.SET_UP_PRACTICE: lambda s, a: practice.set_up_practice(
        s.store, actor=a, record=Room(location_id=s.location.id, name="Laser room")),
    UseCase.BLOCK_TIME: lambda s, a: blocked_time.block_time(s.store, actor=a, block=BlockedTime(
        location_id=s.location.id, room_id=s.room2.id, kind=BlockKind.MAINTENANCE,
        starts_at=datetime(2099, 6, 1, 12, tzinfo=UTC), ends_at=datetime(2099, 6, 1, 13, tzinfo=UTC))),
    UseCase.BLOCK_BREAK: lambda s, a: blocked_time.block_time(s.store, actor=a, block=BlockedTime(
        location_id=s.location.id, provider_id=s.injector.id, kind=BlockKind.BREAK,
        starts_at=datetime(2099, 6, 2, 12, tzinfo=UTC), ends_at=datetime(2099, 6, 2, 13, tzinfo=UTC))),
    # Offline (no server link): the viewer reads this desk's own trail.
    UseCase.READ_AUDIT_TRAIL: lambda s, a: compliance.view_audit_page(
        s.store, actor=a, link=None, chosen=compliance.TrailFilter()),
    UseCase.EXPORT_AUDIT_TRAIL: lambda s, a: compliance.export_audit_pdf(
        s.store, actor=a, link=None, chosen=compliance.TrailFilter(), location=s.location,
        path=s.folder / f"trail-{new_id()}.pdf"),
    UseCase.EXPORT_WHOLE_PRACTICE: lambda s, a: compliance.export_practice(
        s.store, actor=a, location=s.location, folder=s.folder / f"practice-{new_id()}",
        server_trail=None),
    UseCase.RECORD_CONTACT_PREFERENCE: lambda s, a: comms.record_contact_preference(
        s.store, actor=a, client_id=s.client().id, channel=ContactChannel.SMS, purpose=ContactPurpose.MARKETING,
        agreed=False, how=ConsentSource.CLIENT_STOP),
    UseCase.LOG_CALL: lambda s, a: comms.log_call(s.store, actor=a, caller_name="Jo Park",
                                                  callback_number="555-010-5000", reason="Wants a consult"),
    UseCase.FOLLOW_UP_CALL: lambda s, a: comms.mark_followed_up(s.store, actor=a, call_id=s.open_call(),
                                                               note="Booked a consult"),
    UseCase.ADD_TO_WAITLIST: lambda s, a: waitlist.add_to_waitlist(s.store, actor=a, entry=WaitlistEntry(
        client_id=s.client().id, location_id=s.location.id, service_id=s.botox.id, first_day=FIRST_DAY,
        last_day=FIRST_DAY + timedelta(days=30), created_by=a.user_id)),
    UseCase.REMOVE_FROM_WAITLIST: lambda s, a: waitlist.remove_from_waitlist(
        s.store, actor=a, entry_id=s.waitlisted().id, reason="Booked elsewhere"),
    UseCase.BOOK_FROM_WAITLIST: lambda s, a: waitlist.book_from_waitlist(
        s.store, actor=a, entry_id=s.waitlisted().id, starts_at=(v := s.next_visit(s.client())).starts_at,
        provider_id=v.provider_id, room_id=v.room_id, confirmed=True),
    UseCase.MAKE_ACCESS_REPORT: lambda s, a: compliance.view_access_report(
        s.store, actor=a, link=None, client_id=s.client().id, since=datetime(2098, 1, 1, tzinfo=UTC),
        until=datetime(2100, 1, 1, tzinfo=UTC), location=s.location),
    UseCase.RECORD_DISCLOSURE: lambda s, a: evidence.record_disclosure(
        s.store, actor=a, location=s.location, client_id=s.client().id, disclosed_on=date(2099, 1, 2),
        recipient="County court clerk", recipient_address="1 Court Street", what="Visit dates",
        purpose="Court order", now=WALK_NOW),
    UseCase.TRACK_ACCESS_REQUEST: lambda s, a: evidence.record_access_request(
        s.store, actor=a, location=s.location, client_id=s.client().id, requested_on=date(2099, 1, 2), now=WALK_NOW),
    UseCase.KEEP_COMPLIANCE_RECORDS: lambda s, a: evidence.save_business_associate(
        s.store, actor=a, vendor="Text reminders", service="SMS"),
    UseCase.READ_COMPLIANCE_RECORDS: lambda s, a: evidence.view_evidence(
        s.store, actor=a, location=s.location, now=WALK_NOW),
    UseCase.ACKNOWLEDGE_POLICY: _acknowledge,
    UseCase.RESOLVE_CONFLICT: lambda s, a: conflicts.resolve_conflict(
        s.store, s.conflict().id, choice=conflicts.Choice.DISCARD, actor=a),
}


@dataclass(frozen=True)
class DeskAnswer:
    refused: bool
    refusal_audited: bool
    sent: frozenset[MutationKind]


def walk_desk(folder: Path, *, seen: Callable[[Mutation], object] | None = None
              ) -> dict[tuple[Role, UseCase], DeskAnswer]:
    """Every use case as every role, on one real store; what the desk did each time.

    ``seen`` is given every mutation the walk queued, in order (set-up included).
    """
    answers: dict[tuple[Role, UseCase], DeskAnswer] = {}
    with Store.open(folder / "walk.db", bytearray(os.urandom(32)), create=True) as store:
        scene = Scene(store=store, folder=folder)
        for role in Role:
            for use_case in UseCase:
                actor = Actor(user_id=new_id(), device_id=new_id(), role=role)
                refused = False
                try:
                    SCENARIOS[use_case](scene, actor)
                except NotPermitted:
                    refused = True
                sent = frozenset(MutationKind(kind) for (kind,) in store.connection.execute(
                    "SELECT kind FROM outbox WHERE author_user_id = ?", (str(actor.user_id),)))
                denied = [e for e in store.audit.events(limit=1_000_000) if e.actor_user_id == actor.user_id
                          and e.action is AuditAction.ACCESS_DENIED and e.detail == use_case.value]
                answers[role, use_case] = DeskAnswer(refused=refused, refusal_audited=bool(denied), sent=sent)
        if seen is not None:
            for mutation in store.outbox_batch(1_000_000):
                seen(mutation)
    return answers

