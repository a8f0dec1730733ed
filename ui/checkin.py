"""Check-in: who is this, are their forms in order, and where are they in the visit.

The order follows the desk's routine: confirm identity (date of birth typed by
the receptionist and compared, never shown), then what today's services need
(``documents.gating.check_in_requirements``): anything missing is collected
here or let through by a provider with a reason (audited, ids only). Only then
can the client be marked arrived, roomed and completed. Every change of status
goes through ``store.set_status`` in a ``CollectionOp``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from html import escape
from typing import Any, TypeGuard
from uuid import UUID

from medspa_desk.desk.context import SignedIn
from medspa_desk.desk.forms import override_missing_form
from medspa_desk.desk.series import cancel_series_from
from medspa_desk.desk.visit_steps import take_step
from medspa_desk.desk.visits import change_visit_status, send_to_room
from medspa_desk.documents.consents import latest_templates
from medspa_desk.documents.gating import (
    CheckInStatus,
    ItemKind,
    check_in_requirements,
)
from medspa_desk.records import (
    Appointment,
    AppointmentStatus,
    Client,
    ConsentTemplate,
    IntakeForm,
    Location,
    Room,
    Service,
    SignedConsent,
    utc_now,
)
from medspa_desk.rules import VISIT_TRANSITIONS, UseCase, may
from medspa_desk.scheduling import format_span, rooms_for
from medspa_desk.session import DeskSession
from medspa_desk.store import Actor, Changes, Store
from ui.dates import date_hint, example_date, parse_birth_date
from ui.forms.consent_form import ConsentForm
from ui.forms.handoff import HandToClientWindow, hand_to_client
from ui.forms.questionnaire import QuestionnaireForm
from ui.operations import CollectionOp, QueryOp, describe_error
from ui.qt import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSize,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.safety import BLOCK_STYLE, STYLES, blocks_today, by_severity, finding_line, severity
from ui.schedule.cancel import CancelReasonDialog
from ui.schedule.colors import status_label
from ui.schedule.forms import OK_STYLE, PROBLEM_STYLE, FormDialog, add_choice, chosen_id, select_id
from ui.schedule.visit_menu import visit_menu
from ui.screen_fit import scrolling_body, size_for_screen

# How long a health questionnaire stays good; the practice policy may shorten it.
INTAKE_KINDS = (ItemKind.INTAKE_MISSING, ItemKind.INTAKE_EXPIRED, ItemKind.INTAKE_CHANGED)
def can_hand_to_client(session: SignedIn) -> TypeGuard[DeskSession]:
    """Hand-to-client mode locks the desk afterwards, so it needs a real session that can lock and unlock."""
    return isinstance(session, DeskSession)


@dataclass(frozen=True)
class CheckInData:
    """Everything the check-in screen needs, read in one trip (the client read is audited)."""

    appointment: Appointment
    client: Client
    service: Service
    todays_services: tuple[Service, ...]
    intakes: tuple[IntakeForm, ...]
    consents: tuple[SignedConsent, ...]
    templates: dict[str, ConsentTemplate]
    rooms: tuple[Room, ...]
    provider_name: str
    room_name: str


def load_check_in(store: Store, *, appointment_id: UUID, location: Location, actor: Actor) -> CheckInData:
    appt = store.appointment(appointment_id)
    client = store.client(appt.client_id, actor=actor)
    services = {s.id: s for s in store.services()}
    day = appt.starts_at.astimezone(location.zone).date()
    todays = [a for a in store.day_schedule(location.id, day).appointments
              if a.client_id == appt.client_id and a.holds_slot]
    todays_services = tuple(dict.fromkeys(services[a.service_id] for a in todays if a.service_id in services))
    rooms = tuple(r for r in store.rooms(location.id) if r.active)
    provider = next((p for p in store.providers() if p.id == appt.provider_id), None)
    return CheckInData(
        appointment=appt, client=client, service=services[appt.service_id],
        todays_services=todays_services or (services[appt.service_id],),
        intakes=tuple(store.intakes_for(client.id, actor=actor)),
        consents=tuple(store.consents_for(client.id, actor=actor)),
        templates=latest_templates(store.consent_templates()),
        rooms=rooms,
        provider_name=provider.display_name if provider else "the provider",
        room_name=next((r.name for r in rooms if r.id == appt.room_id), "no room yet"),
    )


class CollectConsentDialog(FormDialog):
    """A consent signed at the desk: the text, the client's typed name and their signature."""

    signed = Signal(object)  # SignedConsent

    def __init__(self, session: SignedIn, *, template: ConsentTemplate, client: Client,
                 appointment_id: UUID | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(template.title)
        self.setAccessibleName("Collect consent")
        layout = QVBoxLayout(self)
        self.form = ConsentForm(session, template=template, client=client, appointment_id=appointment_id)
        layout.addWidget(self.form, 1)
        self.text, self.signer_name, self.pad = self.form.text, self.form.signer_name, self.form.pad
        self.save_button, self.clear_button = self.form.save_button, self.form.clear_button
        # Saving is what the dialog is for: Save is its default, Close sits beside it on one row.
        self.save_button.setDefault(True)
        close = QPushButton("Close")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        self.form.actions.addWidget(close)
        self.form.signed.connect(self._saved)
        size_for_screen(self, QSize(self.fontMetrics().averageCharWidth() * 90, self.fontMetrics().height() * 36))

    def _saved(self, consent: object) -> None:
        self.signed.emit(consent)
        self.accept()


class CollectIntakeDialog(FormDialog):
    """The health questionnaire filled in at the desk (when the screen is not handed to the client)."""

    submitted = Signal(object)  # IntakeForm

    def __init__(self, session: SignedIn, *, client: Client, previous: IntakeForm | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Health questionnaire")
        self.setAccessibleName("Collect health questionnaire")
        layout = QVBoxLayout(self)
        self.form = QuestionnaireForm(session, client=client, previous=previous)
        layout.addWidget(self.form, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.form.submitted.connect(self._saved)
        self.resize(self.fontMetrics().averageCharWidth() * 100, self.fontMetrics().height() * 44)

    def _saved(self, intake: object) -> None:
        self.submitted.emit(intake)
        self.accept()


class CheckInDialog(FormDialog):
    """One appointment's check-in and visit steps. ``session``: ``.location``, ``.actor``, ``.user``."""

    status_did_change = Signal(object)  # AppointmentStatus

    def __init__(self, session: SignedIn, *, appointment_id: UUID, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Check-in")
        self.setAccessibleName("Check-in")
        self._session = session
        # Read once: a session may look its location up in the store.
        self._location = session.location
        self._appointment_id = appointment_id
        self._data: CheckInData | None = None
        self._status: CheckInStatus | None = None
        self._identity_confirmed = False
        self._build()
        self.reload()

    # --- layout ----------------------------------------------------------------------------------

    def _build(self) -> None:
        # What stops the treatment is read first and never scrolls away; the steps below scroll
        # when the screen is short, and Close stays on screen under them.
        dialog_layout = QVBoxLayout(self)
        self.heading = QLabel("Loading…")
        self.heading.setAccessibleName("Visit")
        self.heading.setWordWrap(True)
        dialog_layout.addWidget(self.heading)
        self.block_banner = QLabel()
        self.block_banner.setAccessibleName("Do not treat today")
        self.block_banner.setWordWrap(True)
        self.block_banner.setStyleSheet(BLOCK_STYLE)
        self.block_banner.hide()
        dialog_layout.addWidget(self.block_banner)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        dialog_layout.addWidget(scrolling_body(content, name="Check-in steps", sideways=False), 1)
        self.status_label = QLabel()
        self.status_label.setAccessibleName("Visit status")
        layout.addWidget(self.status_label)
        self.booking_notes = QLabel()
        self.booking_notes.setAccessibleName("Booking notes")
        self.booking_notes.setWordWrap(True)
        self.booking_notes.hide()
        layout.addWidget(self.booking_notes)

        identity = QGroupBox("1. Confirm who this is")
        row = QHBoxLayout(identity)
        row.addWidget(QLabel("Ask the client's date of birth:"))
        self.birth_date = QLineEdit()
        self.birth_date.setAccessibleName("Date of birth the client says")
        self.birth_date.setPlaceholderText(date_hint())
        self.check_identity = QPushButton("Check")
        self.check_identity.setAccessibleName("Check date of birth")
        self.identity_result = QLabel()
        self.identity_result.setAccessibleName("Identity check result")
        self.identity_result.setWordWrap(True)
        row.addWidget(self.birth_date)
        row.addWidget(self.check_identity)
        row.addWidget(self.identity_result, 1)
        layout.addWidget(identity)

        forms = QGroupBox("2. Forms for today's services")
        forms_layout = QVBoxLayout(forms)
        self.health_changed = QCheckBox("The client says their health or medicines changed since the last visit")
        self.health_changed.setAccessibleName("Health changed since last visit")
        forms_layout.addWidget(self.health_changed)
        self.hand_over = QCheckBox("Hand the screen to the client to fill in and sign (staff unlock afterwards)")
        self.hand_over.setAccessibleName("Hand the screen to the client")
        self.hand_over.setChecked(can_hand_to_client(self._session))
        self.hand_over.setVisible(can_hand_to_client(self._session))
        forms_layout.addWidget(self.hand_over)
        self.requirements = QVBoxLayout()
        forms_layout.addLayout(self.requirements)
        override_row = QHBoxLayout()
        self.override_reason = QLineEdit()
        self.override_reason.setAccessibleName("Override reason")
        self.override_reason.setPlaceholderText("Provider: why may the client go ahead anyway?")
        self.override_button = QPushButton("Override as provider")
        self.override_button.setAccessibleName("Override as provider")
        override_row.addWidget(self.override_reason, 1)
        override_row.addWidget(self.override_button)
        self.override_box = QWidget()
        self.override_box.setLayout(override_row)
        forms_layout.addWidget(self.override_box)
        self.override_note = QLabel()
        self.override_note.setAccessibleName("Override note")
        self.override_note.setWordWrap(True)
        forms_layout.addWidget(self.override_note)
        layout.addWidget(forms)

        visit = QGroupBox("3. The visit")
        visit_layout = QGridLayout(visit)
        self.arrived_button = QPushButton("Arrived")
        self.arrived_button.setAccessibleName("Mark arrived")
        self.room_choice = QComboBox()
        self.room_choice.setAccessibleName("Room to send the client to")
        self.room_button = QPushButton("Send to room")
        self.room_button.setAccessibleName("Send to room")
        self.completed_button = QPushButton("Completed")
        self.completed_button.setAccessibleName("Mark completed")
        self.no_show_button = QPushButton("No-show")
        self.no_show_button.setAccessibleName("Mark no-show")
        self.cancel_button = QPushButton("Cancel appointment…")
        self.cancel_button.setAccessibleName("Cancel appointment")
        # The day's flow on the first row; the exceptions below, apart from it.
        for column, widget in enumerate((self.arrived_button, self.room_choice, self.room_button,
                                         self.completed_button)):
            visit_layout.addWidget(widget, 0, column)
        visit_layout.addWidget(self.no_show_button, 1, 0)
        visit_layout.addWidget(self.cancel_button, 1, 1, 1, 2)
        self.other_steps_button = QPushButton("Other steps…")
        self.other_steps_button.setToolTip("Confirm, undo an arrival or a no-show marked by mistake")
        self.other_steps_button.clicked.connect(self.show_other_steps)
        visit_layout.addWidget(self.other_steps_button, 1, 3)
        # Why "Arrived" is greyed out, in words on screen (a tooltip alone is found by nobody).
        self.next_step = QLabel()
        self.next_step.setAccessibleName("What to do before marking arrived")
        self.next_step.setWordWrap(True)
        self.next_step.hide()
        visit_layout.addWidget(self.next_step, 2, 0, 1, 4)
        layout.addWidget(visit)

        layout.addStretch(1)
        dialog_layout.addWidget(self.problem_label())
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        dialog_layout.addWidget(close)

        self.check_identity.clicked.connect(self.verify_identity)
        self.birth_date.returnPressed.connect(self.verify_identity)
        self.health_changed.toggled.connect(lambda _on: self._evaluate())
        self.override_button.clicked.connect(self.apply_override)
        self.arrived_button.clicked.connect(lambda: self.change_status(AppointmentStatus.ARRIVED))
        self.room_button.clicked.connect(self.send_to_room)
        self.completed_button.clicked.connect(lambda: self.change_status(AppointmentStatus.COMPLETED))
        self.no_show_button.clicked.connect(lambda: self.change_status(AppointmentStatus.NO_SHOW))
        self.cancel_button.clicked.connect(self.ask_to_cancel)
        # Wide enough for the room names in the visit row and the consent lines beside their buttons,
        # as the screen allows (a fixed minimum would stop the dialog from growing and squeeze the list).
        size_for_screen(self, QSize(self.fontMetrics().averageCharWidth() * 118,
                                    self.fontMetrics().lineSpacing() * 44))

    # --- loading --------------------------------------------------------------------------------------

    def reload(self) -> None:
        appointment_id, location, actor = self._appointment_id, self._location, self._session.actor
        QueryOp(self, body=lambda store: load_check_in(store, appointment_id=appointment_id, location=location,
                                                       actor=actor),
                success=self._show, failure=lambda exc: self._problem(describe_error(exc))).run()

    @property
    def data(self) -> CheckInData | None:
        return self._data

    @property
    def check_in_status(self) -> CheckInStatus | None:
        return self._status

    def _show(self, data: CheckInData) -> None:
        previous = self._status
        self._data = data
        appt, zone = data.appointment, self._location.zone
        self.heading.setText(
            f"<b>{escape(data.client.full_name)}</b><br>{escape(data.service.name)}, "
            f"{format_span(appt.starts_at, appt.ends_at, zone)} with {escape(data.provider_name)}, "
            f"{escape(data.room_name)}")
        if data.client.alerts.strip():
            self.heading.setText(self.heading.text() + f"<br><span style='color:#a4161a'><b>Alert:</b> "
                                 f"{escape(data.client.alerts)}</span>")
        self.status_label.setText(f"Now: {status_label(appt.status)}")
        self.booking_notes.setText(f"Booking notes: {appt.notes.strip()}")
        self.booking_notes.setVisible(bool(appt.notes.strip()))
        self.room_choice.clear()
        for room in rooms_for(data.service, location=self._location, rooms=data.rooms) or data.rooms:
            add_choice(self.room_choice, room.name, room.id)
        select_id(self.room_choice, appt.room_id)
        if appt.status not in (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED):
            self._identity_confirmed = True  # checked in earlier
            self.identity_result.setText("Checked in already.")
        self._evaluate(keep_override=previous.override if previous else None)

    def _evaluate(self, *, keep_override: Any = None) -> None:
        data = self._data
        if data is None:
            return
        zone = self._location.zone
        status = check_in_requirements(
            client=data.client, services=data.todays_services, intakes=data.intakes, consents=data.consents,
            today=utc_now().astimezone(zone).date(), zone=zone, intake_months_valid=self._location.intake_valid_months,
            client_reported_change=self.health_changed.isChecked(), templates=data.templates)
        if keep_override is not None and status.blocking_items:
            status = replace(status, override=keep_override)
        self._status = status
        self._show_requirements()
        self._update_buttons()

    def _show_requirements(self) -> None:
        while self.requirements.count():
            item = self.requirements.takeAt(0)
            if item.widget():
                # Hidden now: until the event loop deletes it, an old row would print under the new one.
                item.widget().hide()
                item.widget().deleteLater()
        status = self._status
        assert status is not None
        if not status.items:
            done = QLabel("Everything needed for today is on file.")
            done.setStyleSheet(OK_STYLE)
            self.requirements.addWidget(done)
        blocks = blocks_today(status.items)
        self.block_banner.setText("Do not treat today: " + " ".join(blocks) if blocks else "")
        self.block_banner.setVisible(bool(blocks))
        for item in by_severity(status.items):
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            text = QLabel(finding_line(item))
            text.setWordWrap(True)
            text.setStyleSheet(STYLES[severity(item)])
            line.addWidget(text, 1)
            if item.kind in INTAKE_KINDS:
                collect = QPushButton("Collect health questionnaire…")
                collect.setAccessibleName("Collect health questionnaire")
                collect.clicked.connect(lambda _checked=False: self.collect_intake())
                line.addWidget(collect)
            if item.consent_key:
                collect = QPushButton("Collect signature…")
                collect.setAccessibleName(f"Collect signature for {item.consent_key.replace('_', ' ')}")
                collect.clicked.connect(lambda _checked=False, key=item.consent_key: self.collect_consent(key))
                line.addWidget(collect)
            self.requirements.addWidget(row)
        can_override = may(self._session.user.role, UseCase.OVERRIDE_MISSING_FORM)
        self.override_box.setVisible(bool(status.blocking_items) and status.override is None and can_override)
        if status.override is not None:
            self.override_note.setText(f"Let through by {status.override.by_name}: {status.override.reason}")
        elif status.blocking_items and not can_override:
            self.override_note.setText("Only a provider can let the client through with something missing.")
        else:
            self.override_note.clear()
        # An empty line would leave a blank band under the forms.
        self.override_note.setVisible(bool(self.override_note.text()))

    def _update_buttons(self) -> None:
        data, status = self._data, self._status
        if data is None or status is None:
            return
        allowed = VISIT_TRANSITIONS[data.appointment.status]
        self.arrived_button.setEnabled(AppointmentStatus.ARRIVED in allowed and self._identity_confirmed
                                       and not status.blocked)
        self.room_button.setEnabled(AppointmentStatus.IN_ROOM in allowed and self.room_choice.count() > 0)
        self.room_choice.setEnabled(self.room_button.isEnabled())
        self.completed_button.setEnabled(AppointmentStatus.COMPLETED in allowed
                                         and data.appointment.status is not AppointmentStatus.BOOKED)
        self.no_show_button.setEnabled(AppointmentStatus.NO_SHOW in allowed)
        self.cancel_button.setEnabled(AppointmentStatus.CANCELLED in allowed)
        hint = ""
        if AppointmentStatus.ARRIVED in allowed and not self._identity_confirmed:
            hint = "Confirm the date of birth first (step 1)."
        elif AppointmentStatus.ARRIVED in allowed and status.blocked:
            hint = ("Collect the missing forms first (step 2)"
                    + (", or override as provider." if may(self._session.user.role, UseCase.OVERRIDE_MISSING_FORM)
                       else ", or ask a provider to let the client through."))
        self.arrived_button.setToolTip(f"To mark arrived: {hint[0].lower()}{hint[1:]}" if hint else "")
        self.next_step.setText(f"To mark arrived: {hint[0].lower()}{hint[1:]}" if hint else "")
        self.next_step.setVisible(bool(hint))

    # --- steps ----------------------------------------------------------------------------------------

    def verify_identity(self) -> None:
        data = self._data
        if data is None:
            return
        typed = parse_birth_date(self.birth_date.text())
        if typed is None:
            self._identity(False, f"Type the date as {date_hint()}, for example {example_date()}.")
        elif typed == data.client.birth_date:
            self._identity(True, "Date of birth matches.")
        else:
            # Never say what the right date is: the person at the desk may not be the client.
            self._identity(False, "That date of birth does not match this client. Ask again, "
                                  "and check you opened the right appointment.")

    def _identity(self, ok: bool, text: str) -> None:
        self._identity_confirmed = ok
        self.identity_result.setText(text)
        self.identity_result.setStyleSheet(OK_STYLE if ok else PROBLEM_STYLE)
        self._update_buttons()

    def collect_consent(self, key: str, *, hand_to_client: bool | None = None) -> None:
        """Have the client sign ``key``: full screen in their hands, or in a dialog at the desk."""
        data = self._data
        if data is None:
            return
        template = data.templates.get(key)
        if template is None:
            self._problem("This consent form is not set up yet. Ask the practice manager to publish it.")
            return
        if self._handing_over(hand_to_client):
            form = ConsentForm(self._session, template=template, client=data.client,
                               appointment_id=data.appointment.id)
            self._hand_over(form, title=template.title, finished=form.signed)
            return
        dialog = CollectConsentDialog(self._session, template=template, client=data.client,
                                      appointment_id=data.appointment.id, parent=self)
        dialog.signed.connect(lambda _consent: self.reload())
        dialog.open()
        self.consent_dialog = dialog

    def collect_intake(self, *, hand_to_client: bool | None = None) -> None:
        """A new health questionnaire; the last one is offered for reuse only if the client says nothing changed."""
        data = self._data
        if data is None:
            return
        reported_change = self.health_changed.isChecked()
        previous = None if reported_change else max(
            (f for f in data.intakes if f.is_intact), key=lambda f: f.submitted_at, default=None)
        if self._handing_over(hand_to_client):
            form = QuestionnaireForm(self._session, client=data.client, previous=previous)
            form.submitted.connect(lambda _intake: self.health_changed.setChecked(False))
            self._hand_over(form, title=form.questionnaire.title, finished=form.submitted)
            return
        dialog = CollectIntakeDialog(self._session, client=data.client, previous=previous, parent=self)
        dialog.submitted.connect(lambda _intake: self._intake_collected())
        dialog.open()
        self.intake_dialog = dialog

    def _intake_collected(self) -> None:
        # The new form answers the reported change, so it no longer stands in the way.
        self.health_changed.setChecked(False)
        self.reload()

    def _handing_over(self, asked: bool | None) -> bool:
        return (self.hand_over.isChecked() if asked is None else asked) and can_hand_to_client(self._session)

    def _hand_over(self, form: QWidget, *, title: str, finished: Any) -> None:
        # Reload only once staff are back: the desk is locked in between, so an earlier read would be void.
        self.handoff: HandToClientWindow = hand_to_client(self._session, form=form, title=title,
                                                          finished=finished)
        self.handoff.did_return.connect(self.reload)

    def apply_override(self) -> None:
        status = self._status
        if status is None:
            return
        actor, person, visit_id = self._session.actor, self._session.user, self._appointment_id
        reason = self.override_reason.text()

        def done(overridden: CheckInStatus) -> None:
            self._status = overridden
            self._clear_problem()
            self._show_requirements()
            self._update_buttons()

        CollectionOp(self, body=lambda store: override_missing_form(store, actor=actor, provider=person, status=status,
                                                                    visit_id=visit_id, reason=reason),
                     success=done, failure=lambda exc: self._problem(describe_error(exc))).run()

    def change_status(self, status: AppointmentStatus, *, reason: str = "") -> None:
        actor, appointment_id = self._session.actor, self._appointment_id
        if status is AppointmentStatus.ARRIVED and self._status and self._status.override:
            reason = f"Forms overridden by {self._status.override.by_name}: {self._status.override.reason}"
        self._run_write(lambda store: change_visit_status(store, actor=actor, visit_id=appointment_id, status=status,
                                                          reason=reason), status)

    def send_to_room(self) -> None:
        data = self._data
        room_id = chosen_id(self.room_choice)
        if data is None or room_id is None:
            return
        visit_id, actor = data.appointment.id, self._session.actor
        self._run_write(lambda store: send_to_room(store, actor=actor, visit_id=visit_id, room_id=room_id),
                        AppointmentStatus.IN_ROOM)

    def ask_to_cancel(self) -> None:
        visit = self._data.appointment if self._data is not None else None
        dialog = CancelReasonDialog(self, in_series=visit is not None and visit.series_id is not None)
        dialog.accepted.connect(lambda: self._cancel(reason=dialog.reason(), with_following=dialog.with_following()))
        dialog.open()
        self.cancel_dialog = dialog

    def _cancel(self, *, reason: str, with_following: bool) -> None:
        if not with_following or self._data is None:
            self.change_status(AppointmentStatus.CANCELLED, reason=reason)
            return
        visit_id, actor = self._data.appointment.id, self._session.actor
        self._run_write(lambda store: cancel_series_from(store, actor=actor, visit_id=visit_id, reason=reason),
                        AppointmentStatus.CANCELLED)

    def show_other_steps(self) -> None:
        """The schedule block's steps menu, under the button (refused steps greyed with the reason)."""
        if self._data is None:
            return
        actor, visit = self._session.actor, self._data.appointment
        self.steps_menu = visit_menu(
            self, role=actor.role, visit=visit, check_in=None, cancel=self.ask_to_cancel,
            run_step=lambda step: self._run_write(lambda store: take_step(store, actor=actor, visit_id=visit.id,
                                                                          use_case=step.use_case), step.becomes))
        self.steps_menu.popup(self.other_steps_button.mapToGlobal(self.other_steps_button.rect().bottomLeft()))

    def _run_write(self, body: Callable[[Store], Changes], status: AppointmentStatus) -> None:
        def done(_changes: object) -> None:
            self._clear_problem()
            self.status_did_change.emit(status)
            self.reload()

        CollectionOp(self, body=body, success=done,
                     failure=lambda exc: self._problem(describe_error(exc))).run()
