"""The client profile: details, appointments, intake and consent, and (for clinicians) treatments.

Opening a profile reads the client's record through the store, which audits
the view; the treatment history is a separate read, made only when a provider
or manager opens that tab. Front desk never gets the tab, and asking for it
anyway is refused before any query runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.desk.clients import ClientChangeNote, client_change_history, export_client_record
from medspa_desk.desk.context import SignedIn
from medspa_desk.documents.validity import consent_expires_on
from medspa_desk.records import (
    HOLDS_SLOT,
    Appointment,
    Client,
    IntakeForm,
    Role,
    SignedConsent,
    TreatmentRecord,
    booked_service_name,
)
from medspa_desk.rules import UseCase, may, may_move
from medspa_desk.scheduling import format_time
from medspa_desk.store import Actor, Changes, Store
from medspa_desk.time_words import time_of_day
from ui.calls import LogCallDialog
from ui.client_edit import ClientEditDialog
from ui.contact_preferences import ContactPreferences
from ui.events import bus
from ui.forms.viewers import open_consent_pdf, open_intake_pdf, open_treatment_pdf
from ui.lists import fit_columns, record_tree
from ui.operations import QueryOp, Refusal, describe_error
from ui.qt import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    Qt,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.schedule.colors import status_label
from ui.search import format_birth_date


def can_see_treatment_notes(role: Role) -> bool:
    """Front desk books and checks in; it does not read clinical notes (the clinic's table says so)."""
    return may(role, UseCase.READ_CLINICAL_DETAIL)


class NotAllowedForRole(Refusal):
    """The signed-in role may not open this part of the record."""


@dataclass(frozen=True)
class ProfileData:
    client: Client
    appointments: tuple[Appointment, ...]
    consents: tuple[SignedConsent, ...]
    intake_submitted_at: datetime | None
    intake_id: UUID | None = None
    names: dict[UUID, str] = field(default_factory=dict)  # services, providers, rooms
    # How long each consent stays good, as check-in counts it: the shortest any service asks for.
    valid_days: dict[str, int] = field(default_factory=dict)
    changes: tuple[ClientChangeNote, ...] = ()  # who changed which details, newest first


def load_profile(store: Store, client_id: UUID, *, actor: Actor, location_id: UUID | None) -> ProfileData:
    """Everything the profile shows, read in one worker job (the client read is audited)."""
    client = store.client(client_id, actor=actor)
    records = [e.record for e in store.client_timeline(client_id, actor=actor)]
    appointments = tuple(r for r in records if isinstance(r, Appointment))
    consents = tuple(r for r in records if isinstance(r, SignedConsent))
    intakes = [r for r in records if isinstance(r, IntakeForm)]
    services = store.services()
    names: dict[UUID, str] = {s.id: s.name for s in services}
    valid_days: dict[str, int] = {}
    for service in services:
        for need in service.consents:
            valid_days[need.template_key] = min(need.valid_days, valid_days.get(need.template_key, need.valid_days))
    names.update({p.id: p.display_name for p in store.providers()})
    if location_id is not None:
        names.update({r.id: r.name for r in store.rooms(location_id)})
    latest = max(intakes, key=lambda i: i.submitted_at, default=None)
    return ProfileData(client=client, appointments=appointments, consents=consents,
                       intake_submitted_at=latest.submitted_at if latest else None,
                       intake_id=latest.id if latest else None, names=names, valid_days=valid_days,
                       changes=client_change_history(store, client_id=client_id))


class ClientProfile(QWidget):
    """One client's record, as a tab of the main window."""

    did_load = Signal()
    treatments_did_load = Signal()

    def __init__(self, parent: QWidget | None, *, session: SignedIn, client_id: UUID) -> None:
        super().__init__(parent)
        self.session = session
        self.client_id = client_id
        self.zone: ZoneInfo = session.zone
        self.data: ProfileData | None = None
        self.setAccessibleName("Client profile")
        self.heading = QLabel("Opening the client’s record…", self)
        self.heading.setObjectName("profileHeading")
        self.alerts = QLabel("", self)
        self.alerts.setObjectName("profileAlerts")
        self.alerts.setWordWrap(True)
        self.alerts.hide()
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Client record sections")
        # Details: the contact facts on the left, what the desk asks about most on the right (the next
        # visits and the forms on file), so the page is used and read at a glance.
        self.details = QWidget(self)
        details_row = QHBoxLayout(self.details)
        facts = QWidget(self.details)
        self.details_form = QFormLayout(facts)
        self.details_form.setContentsMargins(0, 0, 0, 0)
        glance = QVBoxLayout()
        self.next_visits = _glance_label(self.details, "Next visits")
        self.last_visits = _glance_label(self.details, "Last visits")
        self.forms_glance = _glance_label(self.details, "Forms on file")
        for title, label in (("Next visits", self.next_visits), ("Last visits", self.last_visits),
                             ("Forms on file", self.forms_glance)):
            heading = QLabel(f"<b>{title}</b>", self.details)
            glance.addWidget(heading)
            glance.addWidget(label)
        glance.addStretch(1)
        details_row.addWidget(facts, 3)
        details_row.addLayout(glance, 2)
        self.appointments = record_tree(self, ["When", "Service", "Provider", "Room", "Status"], "Appointments")
        self.forms = record_tree(self, ["Form", "Version", "Signed", "Good until"], "Intake and consents")
        self.forms_summary = QLabel("", self)
        self.forms_summary.setWordWrap(True)
        forms_page = QWidget(self)
        forms_layout = QVBoxLayout(forms_page)
        forms_layout.addWidget(self.forms_summary)
        forms_layout.addWidget(self.forms, 1)
        self.forms.setToolTip("Double-click or press Enter to see the signed form, print it or save a copy")
        self.forms.itemActivated.connect(self._open_form)
        self.export_button = QPushButton("Export record…", self)
        self.export_button.setToolTip("Save this client's whole record for a records request: a PDF to "
                                      "read and an electronic copy (HL7 FHIR); recorded in the audit trail")
        self.export_button.clicked.connect(self.export_record)
        self.export_button.setVisible(may(self.role, UseCase.EXPORT_CLIENT_RECORD))
        self.edit_button = QPushButton("&Edit…", self)
        self.edit_button.setToolTip("Change this client's details, allergies, alerts, emergency contact or "
                                    "desk notes; works offline and syncs after")
        self.edit_button.clicked.connect(self.edit_client)
        self.edit_button.setVisible(may(self.role, UseCase.CHANGE_CLIENT))
        self.edit_button.setEnabled(False)  # until the record is open
        self.access_button = QPushButton("Access report…", self)
        self.access_button.setToolTip("Who viewed, changed, printed or exported this record, when and from "
                                      "where (up to six years), printable for the client")
        self.access_button.clicked.connect(self.open_access_report)
        self.access_button.setVisible(may(self.role, UseCase.MAKE_ACCESS_REPORT))
        self.disclosure_button = QPushButton("Record disclosure…", self)
        self.disclosure_button.setToolTip("Record information given out for anything other than treatment, "
                                          "payment or operations; it goes in the client's accounting")
        self.disclosure_button.clicked.connect(lambda: self._open_evidence_dialog("open_disclosure"))
        self.disclosure_button.setVisible(may(self.role, UseCase.RECORD_DISCLOSURE))
        self.request_button = QPushButton("Record request…", self)
        self.request_button.setToolTip("The client asked for a copy of their record: note the day (30 days to "
                                       "give it); Export record delivers it")
        self.request_button.clicked.connect(lambda: self._open_evidence_dialog("open_access_request"))
        self.request_button.setVisible(may(self.role, UseCase.TRACK_ACCESS_REQUEST))
        self.tabs.addTab(self.details, "&Details")
        self.move_button = QPushButton("&Move visit…", self)
        self.move_button.setToolTip("Move the chosen upcoming visit to another day, time, provider or room")
        self.move_button.clicked.connect(self.move_visit)
        self.move_button.setVisible(may(self.role, UseCase.RESCHEDULE_VISIT))
        self.move_button.setEnabled(False)  # until a visit that may still move is chosen
        self.appointments.currentItemChanged.connect(lambda _item, _before: self._visit_chosen())
        appointments_page = QWidget(self)
        appointments_layout = QVBoxLayout(appointments_page)
        appointments_layout.addWidget(self.appointments, 1)
        move_row = QHBoxLayout()
        move_row.addStretch(1)
        move_row.addWidget(self.move_button)
        appointments_layout.addLayout(move_row)
        self.tabs.addTab(appointments_page, "&Appointments")
        self.tabs.addTab(forms_page, "&Intake && consent")
        self.treatments: QTreeWidget | None = None
        if can_see_treatment_notes(self.role):
            self.treatments = record_tree(self, ["Date", "Service", "Products", "Notes"], "Treatment history")
            self.treatments.setToolTip("Double-click or press Enter for the full record with its face chart, "
                                       "to view or print")
            self.treatments.itemActivated.connect(
                lambda item, _column: open_treatment_pdf(self, self.session,
                                                         item.data(0, Qt.ItemDataRole.UserRole),
                                                         shown=self._viewer_shown))
            self.tabs.addTab(self.treatments, "&Treatment history")
        self.contact: ContactPreferences | None = None
        if may(self.role, UseCase.RECORD_CONTACT_PREFERENCE):
            self.contact = ContactPreferences(self, session=session, client_id=client_id)
            self.tabs.addTab(self.contact, "C&ontact preferences")
        self.log_call_button = QPushButton("&Log a call…", self)
        self.log_call_button.setToolTip("Note a call from this client: why they called, what was promised, "
                                        "when to call back; listed in Calls to return until followed up")
        self.log_call_button.clicked.connect(self.log_call)
        self.log_call_button.setVisible(may(self.role, UseCase.LOG_CALL))
        self.tabs.currentChanged.connect(self._tab_changed)
        layout = QVBoxLayout(self)
        heading_row = QHBoxLayout()
        heading_row.addWidget(self.heading, 1)
        heading_row.addWidget(self.edit_button)
        heading_row.addWidget(self.log_call_button)
        heading_row.addWidget(self.export_button)
        layout.addLayout(heading_row)
        privacy_row = QHBoxLayout()  # the client's privacy rights: managers and admins
        for button in (self.access_button, self.disclosure_button, self.request_button):
            privacy_row.addWidget(button)
        privacy_row.addStretch(1)
        layout.addLayout(privacy_row)
        layout.addWidget(self.alerts)
        layout.addWidget(self.tabs, 1)
        bus.operation_did_execute.connect(self._on_changes)
        self.reload()

    @property
    def role(self) -> Role:
        return self.session.actor.role

    # --- loading -------------------------------------------------------------

    def reload(self) -> None:
        actor, location = self.session.actor, self.session.location.id
        QueryOp(self, body=lambda store: load_profile(store, self.client_id, actor=actor,
                                                      location_id=location),
                success=self._show, failure=self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        self.heading.setText(describe_error(exc))

    def _on_changes(self, changes: Changes, _initiator: object) -> None:
        mine = {(a.location_id, a.starts_at.astimezone(self.zone).date())
                for a in (self.data.appointments if self.data else ())}
        if changes.everything or self.client_id in changes.clients or changes.days & mine:
            self.reload()
            if self.contact is not None and self.contact.loaded:
                self.contact.reload()

    def _show(self, data: ProfileData) -> None:
        self.data = data
        client = data.client
        preferred = f" ({client.preferred_name})" if client.preferred_name else ""
        self.heading.setText(f"{client.full_name}{preferred}")
        self.setWindowTitle("Client profile")
        warnings = " · ".join(part for part in (
            f"Allergies: {client.allergies}" if client.allergies else "",
            f"Alert: {client.alerts}" if client.alerts else "") if part)
        self.alerts.setText(warnings)
        self.alerts.setVisible(bool(warnings))
        self._fill_details(client)
        self._fill_change_history(data.changes)
        self._fill_glance(data)
        self.edit_button.setEnabled(True)
        self._fill_appointments(data)
        self._fill_forms(data)
        self.did_load.emit()

    def _fill_details(self, client: Client) -> None:
        while self.details_form.rowCount():
            self.details_form.removeRow(0)
        rows = [
            ("Date of birth", format_birth_date(client.birth_date)),
            ("Phone", client.phone or "—"),
            ("Email", client.email or "—"),
            ("Address", client.address or "—"),
            ("Emergency contact", client.emergency_contact or "—"),
            ("Texts / emails when added", f"{'yes' if client.sms_opt_in else 'no'} / "
                                          f"{'yes' if client.email_opt_in else 'no'} (what holds now: the "
                                          "Contact preferences tab)"),
            ("Desk notes", client.notes or "—"),
        ]
        for label, value in rows:
            shown = QLabel(value, self.details)
            shown.setWordWrap(True)
            shown.setAccessibleName(label)
            self.details_form.addRow(label, shown)

    def _fill_change_history(self, changes: tuple[ClientChangeNote, ...]) -> None:
        """Who changed which details and when (this desk's audit trail; field names, never values)."""
        lines = [f"{format_birth_date(note.at.astimezone(self.zone).date())} {format_time(note.at, self.zone)}, "
                 f"{note.by}: {', '.join(note.fields)}" for note in changes]
        shown = QLabel("\n".join(lines) or "No changes made on this desk.", self.details)
        shown.setWordWrap(True)
        shown.setAccessibleName("Changes")
        self.details_form.addRow("Changes", shown)

    def _fill_glance(self, data: ProfileData) -> None:
        """The next three visits and each form's state, in words, beside the details."""
        now = datetime.now(self.zone)
        coming = sorted((a for a in data.appointments if a.ends_at >= now and a.status in HOLDS_SLOT),
                        key=lambda a: a.starts_at)
        lines = []
        for appt in coming[:GLANCE_VISITS]:
            local = appt.starts_at.astimezone(self.zone)
            lines.append(f"{local:%a %b} {local.day}, {time_of_day(local)}: "
                         f"{data.names.get(appt.service_id, 'Service')} with "
                         f"{data.names.get(appt.provider_id, 'the provider')}")
        if len(coming) > GLANCE_VISITS:
            lines.append(f"and {len(coming) - GLANCE_VISITS} more (see Appointments)")
        self.next_visits.setText("\n".join(lines) or "No visit booked. Book one from the schedule.")
        earlier = sorted((a for a in data.appointments if a.ends_at < now), key=lambda a: a.starts_at, reverse=True)
        self.last_visits.setText("\n".join(
            f"{_visit_day(appt, self.zone)}: {data.names.get(appt.service_id, 'Service')} "
            f"({status_label(appt.status).lower()})" for appt in earlier[:GLANCE_VISITS]) or "None yet.")
        today = now.date()
        intake = data.intake_submitted_at
        forms = [f"Health questionnaire: {format_birth_date(intake.astimezone(self.zone).date())}" if intake
                 else "Health questionnaire: none on file; collect one at check-in"]
        latest: dict[str, SignedConsent] = {}
        for consent in sorted(data.consents, key=lambda c: c.signed_at):
            latest[consent.template_key] = consent
        for consent in sorted(latest.values(), key=lambda c: c.title):
            good_until = _consent_good_until(consent, data, zone=self.zone)
            state = ("expired " if good_until < today else "good until ") + format_birth_date(good_until) \
                if good_until else f"signed {format_birth_date(consent.signed_at.astimezone(self.zone).date())}"
            forms.append(f"{consent.title}: {state}")
        self.forms_glance.setText("\n".join(forms))

    def edit_client(self) -> None:
        """The edit form; the profile redraws from the ``Changes`` the save sends out."""
        if self.data is None:
            return
        self.editor = ClientEditDialog(self, session=self.session, client=self.data.client)
        self.editor.open()

    def chosen_visit(self) -> Appointment | None:
        item = self.appointments.currentItem()
        visit_id = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        return next((a for a in (self.data.appointments if self.data else ()) if str(a.id) == visit_id), None)

    def _visit_chosen(self) -> None:
        visit = self.chosen_visit()
        self.move_button.setEnabled(visit is not None and may_move(visit.status))

    def move_visit(self) -> None:
        """The booking dialog on the chosen visit; the profile redraws from the ``Changes`` the move sends."""
        visit = self.chosen_visit()
        if visit is None or self.data is None:
            return
        from ui.booking import BookingDialog

        self.mover = BookingDialog(self.session, parent=self, moving=visit, client_name=self.data.client.full_name)
        self.mover.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.mover.open()

    def _fill_appointments(self, data: ProfileData) -> None:
        self.appointments.clear()
        now = datetime.now(self.zone)
        upcoming = QTreeWidgetItem(self.appointments, ["Upcoming"])
        past = QTreeWidgetItem(self.appointments, ["Past"])
        # Upcoming soonest first, past most recent first: the visits nearest today lead both lists.
        ordered = sorted(data.appointments, key=lambda a: a.starts_at)
        later = [a for a in ordered if a.ends_at >= now]
        earlier = [a for a in reversed(ordered) if a.ends_at < now]
        for parent, appt in [(upcoming, a) for a in later] + [(past, a) for a in earlier]:
            local = appt.starts_at.astimezone(self.zone)
            row = QTreeWidgetItem(parent, [
                f"{local:%a %b} {local.day} {local.year}, {time_of_day(local)}",
                booked_service_name(appt, data.names),
                data.names.get(appt.provider_id, "Provider"),
                data.names.get(appt.room_id, "—") if appt.room_id else "—",
                status_label(appt.status),
            ])
            row.setData(0, Qt.ItemDataRole.UserRole, str(appt.id))
        upcoming.setText(0, f"Upcoming ({upcoming.childCount()})")
        past.setText(0, f"Past ({past.childCount()})")
        upcoming.setExpanded(True)
        past.setExpanded(True)
        fit_columns(self.appointments)
        self._visit_chosen()

    def _fill_forms(self, data: ProfileData) -> None:
        self.forms.clear()
        today = datetime.now(self.zone).date()
        intake = data.intake_submitted_at
        self.forms_summary.setText(
            f"Health questionnaire last completed {format_birth_date(intake.astimezone(self.zone).date())}."
            if intake else "No health questionnaire on file: collect one at check-in.")
        if intake is not None and data.intake_id is not None:
            row = QTreeWidgetItem(self.forms, ["Health questionnaire", "—",
                                               format_birth_date(intake.astimezone(self.zone).date()), "—"])
            row.setData(0, Qt.ItemDataRole.UserRole, ("intake", data.intake_id))
        for consent in sorted(data.consents, key=lambda c: c.signed_at, reverse=True):
            signed = consent.signed_at.astimezone(self.zone).date()
            good_until = _consent_good_until(consent, data, zone=self.zone)
            row = QTreeWidgetItem(self.forms, [
                consent.title, str(consent.template_version), format_birth_date(signed),
                (format_birth_date(good_until) + (" (expired)" if good_until < today else ""))
                if good_until else "—",
            ])
            row.setData(0, Qt.ItemDataRole.UserRole, ("consent", consent.id))
        fit_columns(self.forms)

    def _open_form(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        """The signed form as it was signed: shown in memory, printable, tamper-checked."""
        kind, form_id = item.data(0, Qt.ItemDataRole.UserRole) or (None, None)
        if kind == "consent":
            open_consent_pdf(self, self.session, form_id, client_id=self.client_id, shown=self._viewer_shown)
        elif kind == "intake":
            open_intake_pdf(self, self.session, form_id, client_id=self.client_id, shown=self._viewer_shown)

    def _viewer_shown(self, viewer: Any) -> None:
        self.viewer = viewer

    def export_record(self) -> None:
        """The client's whole record (right of access) where the manager chooses; audited by the core."""
        path, _ = QFileDialog.getSaveFileName(self, "Save the client's record", "client-record.pdf",
                                              "Client record (*.pdf)")
        if not path:
            return
        self.export_to(Path(path))

    def open_access_report(self) -> None:
        from ui.compliance import open_access_report

        name = self.data.client.full_name if self.data is not None else "this client"
        open_access_report(self, self.session, client_id=self.client_id, client_name=name)

    def _open_evidence_dialog(self, opener: str) -> None:
        import ui.compliance

        name = self.data.client.full_name if self.data is not None else "this client"
        getattr(ui.compliance, opener)(self, self.session, client_id=self.client_id, client_name=name)

    def export_to(self, path: Path) -> None:
        actor, client_id, location = self.session.actor, self.client_id, self.session.location
        QueryOp(self, body=lambda store: export_client_record(store, actor=actor, client_id=client_id,
                                                              location=location, pdf_path=path),
                success=lambda saved: QMessageBox.information(
                    self, "Record saved",
                    f"The client's record was saved as {saved[0].name} (to read and print) and "
                    f"{saved[1].name} (the electronic copy, HL7 FHIR) in {saved[0].parent}. Give the client "
                    "the copy they asked for; the export is recorded in the audit trail."),
                failure=lambda exc: QMessageBox.warning(self, "Export failed", describe_error(exc))).run()

    # --- treatments: clinicians only -------------------------------------------

    def _tab_changed(self, index: int) -> None:
        if self.treatments is not None and self.tabs.widget(index) is self.treatments:
            self.open_treatment_history()
        if self.contact is not None and self.tabs.widget(index) is self.contact:
            self.contact.reload()  # read (and audited) only when the tab is opened

    def log_call(self) -> None:
        name = self.data.client.full_name if self.data is not None else ""
        phone = self.data.client.phone if self.data is not None else ""
        self.call_dialog = LogCallDialog(self.session, parent=self, client_id=self.client_id, caller_name=name,
                                         callback_number=phone)
        self.call_dialog.open()

    def open_treatment_history(self) -> None:
        """Load the treatment notes; refused for front desk before anything is read."""
        if not can_see_treatment_notes(self.role):
            raise NotAllowedForRole("Treatment notes are for providers and managers only.")
        actor = self.session.actor
        QueryOp(self, body=lambda store: store.treatments_for(self.client_id, actor=actor),
                success=self._show_treatments, failure=self._failed).run()

    def _show_treatments(self, treatments: list[TreatmentRecord]) -> None:
        assert self.treatments is not None
        self.treatments.clear()
        names = self.data.names if self.data else {}
        for record in sorted(treatments, key=lambda t: t.performed_at, reverse=True):
            products = ", ".join(f"{p.product_name} {p.amount:g} {p.unit.value} ({p.area})"
                                 for p in record.products)
            row = QTreeWidgetItem(self.treatments, [
                format_birth_date(record.performed_at.astimezone(self.zone).date()),
                names.get(record.service_id, "Service"),
                products or "—",
                record.clinical_notes or "—",
            ])
            row.setData(0, Qt.ItemDataRole.UserRole, record.id)
        fit_columns(self.treatments)
        self.treatments_did_load.emit()


def _consent_good_until(consent: SignedConsent, data: ProfileData, *, zone: ZoneInfo) -> date | None:
    """The day the consent stops being good, counted as check-in counts it; None if no service asks for it."""
    days = data.valid_days.get(consent.template_key)
    if days is None:
        return None
    # Check-in takes it while today < the expiry day: the last good day is the one before.
    return consent_expires_on(consent, valid_days=days, zone=zone) - timedelta(days=1)


GLANCE_VISITS = 3


def _visit_day(appt: Appointment, zone: ZoneInfo) -> str:
    local = appt.starts_at.astimezone(zone)
    return f"{local:%a %b} {local.day} {local.year}"


def _glance_label(parent: QWidget, name: str) -> QLabel:
    label = QLabel("", parent)
    label.setAccessibleName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
