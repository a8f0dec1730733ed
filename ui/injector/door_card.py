"""The at-the-door card: last treatments, allergies and flags, today's forms, last notes.

Opened from the schedule with one key (Space or Ctrl+I) on the selected
appointment. One ``QueryOp`` reads everything (``clinical.door_card``), which
writes one audited view. Front desk sees dates and services only; providers
also get "Chart this visit".
"""

from __future__ import annotations

from html import escape
from uuid import UUID

from medspa_desk.clinical.door_card import DoorCard, load_door_card
from medspa_desk.clinical.totals import format_amount
from medspa_desk.desk.context import SignedIn
from medspa_desk.documents.gating import ItemKind
from medspa_desk.store import Changes
from medspa_desk.time_words import time_of_day
from ui.events import bus
from ui.lists import fit_columns
from ui.operations import QueryOp, describe_error
from ui.qt import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QPushButton,
    QShortcut,
    QSize,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.safety import NOTE_STYLE, STYLES, by_severity, finding_line, severity
from ui.screen_fit import scrolling_body, size_for_screen

ALERT_STYLE = ("QLabel { background: #fdecea; color: #7a1712; border: 1px solid #d9534f; "
               "border-radius: 4px; padding: 6px; }")
OK_STYLE = "QLabel { color: #17603a; padding: 2px 0; }"
PROBLEM_STYLE = ("QLabel { background: #fff4d6; color: #3b2a00; border: 1px solid #c99a00; "
                 "border-radius: 4px; padding: 6px; }")


def _section(title: str) -> QLabel:
    label = QLabel(title)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _bullets(lines: tuple[str, ...]) -> str:
    return "<br>".join(f"• {escape(line)}" for line in lines)


class DoorCardDialog(QDialog):
    did_load = Signal()

    def __init__(self, session: SignedIn, *, appointment_id: UUID, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("doorCard")
        self.setWindowTitle("Client at the door")
        self.setAccessibleName("Client at the door")
        self._session = session
        self._appointment_id = appointment_id
        self.card: DoorCard | None = None
        self._build()
        bus.operation_did_execute.connect(self._on_changes)
        self.reload()

    def _build(self) -> None:
        # The card scrolls when the screen is short; Close and Chart stay on screen below it.
        dialog_layout = QVBoxLayout(self)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        dialog_layout.addWidget(scrolling_body(content, name="Card"), 1)
        self.heading = QLabel("Loading…")
        self.heading.setAccessibleName("Client and appointment")
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        self.subheading = QLabel()
        self.subheading.setWordWrap(True)
        self.booking_notes = QLabel()
        self.booking_notes.setAccessibleName("Booking notes")
        self.booking_notes.setWordWrap(True)
        self.booking_notes.hide()
        self.safety = QLabel()
        self.safety.setAccessibleName("Allergies and alerts")
        self.safety.setWordWrap(True)
        self.flags = QLabel()
        self.flags.setAccessibleName("Contraindication flags")
        self.flags.setWordWrap(True)
        self.forms = QLabel()
        self.forms.setAccessibleName("Consent and intake today")
        self.forms.setWordWrap(True)
        self.history = QTreeWidget()
        self.history.setAccessibleName("Last treatments")
        self.history.setRootIsDecorated(False)
        self.history.setAlternatingRowColors(True)
        self.history.setMinimumHeight(150)
        self.notes_title = _section("Notes from the last visit")
        self.notes = QLabel()
        self.notes.setAccessibleName("Notes from the last visit")
        self.notes.setWordWrap(True)
        self.history_title = _section("Last treatments")
        for widget in (self.heading, self.subheading, self.booking_notes, self.safety, _section("Flags for today"), self.flags,
                       _section("Consent and intake today"), self.forms, self.history_title, self.history,
                       self.notes_title, self.notes):
            layout.addWidget(widget)
        buttons = QHBoxLayout()
        self.chart_button = QPushButton("Chart this visit…")
        self.chart_button.setAccessibleName("Chart this visit")
        self.chart_button.setToolTip("Open the treatment chart for this appointment (Ctrl+Enter)")
        self.chart_button.setVisible(False)
        self.chart_button.clicked.connect(self.open_charting)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        buttons.addWidget(self.chart_button)
        buttons.addStretch(1)
        buttons.addWidget(box)
        dialog_layout.addLayout(buttons)
        chart_key = QShortcut(QKeySequence("Ctrl+Return"), self)
        chart_key.activated.connect(lambda: self.chart_button.isVisible() and self.open_charting())
        size_for_screen(self, QSize(640, 680))

    # --- data -------------------------------------------------------------------------

    def reload(self) -> None:
        session, appointment_id = self._session, self._appointment_id
        QueryOp(self, body=lambda store: load_door_card(store, appointment_id=appointment_id,
                                                        actor=session.actor, location=session.location),
                success=self._show, failure=self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        self.heading.setText("The card could not be opened.")
        self.subheading.setText(describe_error(exc))

    def _on_changes(self, changes: Changes, _initiator: object = None) -> None:
        if self.card is not None and self.card.appointment.client_id in changes.clients:
            self.reload()

    def _show(self, card: DoorCard) -> None:
        self.card = card
        zone = self._session.location.zone
        appt = card.appointment
        start = appt.starts_at.astimezone(zone)
        self.heading.setText(f"{card.client_name}, {card.age}")
        self.subheading.setText(f"{card.service_name} with {card.provider_name} at {time_of_day(start)} · "
                                f"{card.visit_count} earlier treatment{'s' if card.visit_count != 1 else ''}")
        self.booking_notes.setText(f"Booking notes: {appt.notes.strip()}")
        self.booking_notes.setVisible(bool(appt.notes.strip()))
        safety = [f"Allergies: {card.allergies}" if card.allergies else "",
                  f"Alerts: {card.alerts}" if card.alerts else ""]
        safety = [s for s in safety if s]
        findings = by_severity(i for i in card.check_in.items if i.kind is ItemKind.FINDING)
        # Never a green "none" beside a flag: the questionnaire may name an allergy the record does not.
        self.safety.setText("<br>".join(escape(s) for s in safety) if safety
                            else "No allergies or alerts in the client's record; read the flags below."
                            if findings else "No allergies or alerts on file.")
        self.safety.setStyleSheet(ALERT_STYLE if safety else NOTE_STYLE if findings else OK_STYLE)
        self.flags.setText(_bullets(tuple(finding_line(i) for i in findings)) if findings
                           else "None from the current health questionnaire." if card.intake_on_file
                           else "No health questionnaire on file, so none could be checked.")
        # No questionnaire means nothing was checked: amber, never the green of "checked and clear".
        self.flags.setStyleSheet(STYLES[severity(findings[0])] if findings
                                 else OK_STYLE if card.intake_on_file else PROBLEM_STYLE)
        self.forms.setText(_bullets(card.form_problems) if card.form_problems
                           else "Consent and health questionnaire are in order for today.")
        self.forms.setStyleSheet(PROBLEM_STYLE if card.form_problems else OK_STYLE)
        self._fill_history(card)
        self.notes_title.setVisible(card.clinical)
        self.notes.setVisible(card.clinical)
        if card.clinical:
            notes = card.last_notes or "No notes from the last visit."
            care = f"\nPost-care given: {card.last_post_care}" if card.last_post_care else ""
            self.notes.setText(notes + care)
        self.chart_button.setVisible(card.may_chart)
        self.chart_button.setText("Continue the chart…" if card.draft_id else "Chart this visit…")
        if card.may_chart:
            self.chart_button.setDefault(True)
        self.did_load.emit()

    def _fill_history(self, card: DoorCard) -> None:
        zone = self._session.location.zone
        self.history.clear()
        if card.clinical:
            # The lot beside the amount, before the long columns: a recall reads it first.
            self.history.setHeaderLabels(["Date", "Product", "Amount", "Lot", "Area", "Provider"])
        else:
            self.history.setHeaderLabels(["Date", "Provider", "Service"])
        for visit in card.visits:
            day = f"{visit.performed_at.astimezone(zone):%b %-d, %Y}" + ("" if visit.signed else " (draft)")
            if not card.clinical:
                QTreeWidgetItem(self.history, [day, visit.provider_name, visit.service_name])
                continue
            rows = [[u.product_name, format_amount(u.amount, u.unit), u.lot, u.area] for u in visit.uses]
            rows += [[s.device or visit.service_name, ", ".join(
                f"{v:g} {unit}" for v, unit in ((s.wavelength_nm, "nm"), (s.fluence_j_cm2, "J/cm²"))
                if v is not None), "", s.area] for s in visit.laser]
            for index, row in enumerate(rows or [[visit.service_name, "", "", ""]]):
                QTreeWidgetItem(self.history, [day if index == 0 else "", *row,
                                               visit.provider_name if index == 0 else ""])
        fit_columns(self.history)  # a long product or device name wraps within the card's width
        self.history_title.setText("Last treatments" if card.visits else "Last treatments: none yet")

    # --- actions ------------------------------------------------------------------------

    def open_charting(self) -> QDialog | None:
        from ui.injector.charting import ChartingDialog

        dialog = ChartingDialog(self._session, appointment_id=self._appointment_id, parent=self.parentWidget())
        dialog.open()
        self.charting = dialog
        self.accept()
        return dialog
