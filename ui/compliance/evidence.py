"""The practice's compliance evidence on screen; each view calls one use case of ``medspa_desk.desk.evidence``.

- ``DisclosureDialog`` and ``AccessRequestDialog``: from a client's profile.
- ``SignPolicyDialog``: each person signs the training and the policies (Compliance → Sign policies).
- ``EvidenceWindow``: the reminders, the risk assessment (edited in its table), business associates,
  incidents, restore drills and who signed what (Compliance → Evidence records).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from medspa_desk.compliance.evidence import (
    EvidenceSummary,
    day_words,
    days_left,
    in_force,
    needs_notice,
)
from medspa_desk.compliance.policies import POLICIES
from medspa_desk.desk import evidence
from medspa_desk.desk.context import SignedIn
from medspa_desk.records import BreachFinding, BusinessAssociate, Incident, PolicyKind, RiskItem
from medspa_desk.scheduling import local_datetime, local_day
from medspa_desk.store import Store
from ui.compliance.audit_viewer import date_edit, moment_words, read_only_table
from ui.dates import date_hint, parse_date, short_date
from ui.lists import fit_columns, wrapping_list
from ui.operations import CollectionOp, NetworkOp, QueryOp, describe_error
from ui.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSize,
    QStyle,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.screen_fit import size_for_screen


def _text_box(name: str, lines: int = 3) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setAccessibleName(name)
    box.setTabChangesFocus(True)
    box.setMinimumHeight(box.fontMetrics().lineSpacing() * lines + 12)
    return box


def _line(name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setAccessibleName(name)
    return edit


def _on_two_lines(heading: str) -> str:
    """A heading of more than one word on two lines ("Controls / in place"): twelve headings on one
    line each were wider than the window at 150 %."""
    words = heading.split(" ")
    if len(words) < 2:
        return heading
    middle = min(range(1, len(words)), key=lambda n: abs(len(" ".join(words[:n])) - len(" ".join(words[n:]))))
    return " ".join(words[:middle]) + "\n" + " ".join(words[middle:])


def _error_label() -> QLabel:
    label = QLabel("")
    label.setWordWrap(True)
    label.setAccessibleName("What to fix")
    label.setStyleSheet("color: #b00020;")
    return label


class _SaveDialog(QDialog):
    """A form with one Save button that runs one use case; a refusal shows above the buttons."""

    did_save = Signal(object)

    def __init__(self, session: SignedIn, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.session = session
        self.form = QFormLayout()
        self.error = _error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _run(self, body: Any) -> None:
        self.save_button.setEnabled(False)
        self.error.setText("")

        def saved(value: Any) -> None:
            self.did_save.emit(value)
            self.accept()

        def refused(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.error.setText(describe_error(exc))

        CollectionOp(self, body=body, success=saved, failure=refused).run()

    def save(self) -> None:  # pragma: no cover - each dialog has its own
        raise NotImplementedError


class DisclosureDialog(_SaveDialog):
    """A disclosure outside treatment, payment and operations, for the client's accounting."""

    def __init__(self, session: SignedIn, *, client_id: UUID, client_name: str, parent: QWidget | None = None) -> None:
        super().__init__(session, f"Record a disclosure — {client_name}", parent)
        self.client_id = client_id
        intro = QLabel("Record each time the practice gives this client's information to someone for a purpose "
                       "other than their treatment, payment or the practice's operations (a court order, a "
                       "public health report, a lawyer's request). It cannot be changed afterwards; a "
                       "correction is a new disclosure. The client can ask for this list for six years.")
        intro.setWordWrap(True)
        self.form.insertRow(0, intro)
        self.day = date_edit(local_day(datetime.now(UTC), session.location.zone), "Date disclosed")
        self.recipient = _line("Recipient")
        self.address = _text_box("Recipient's address", 2)
        self.what = _text_box("What was disclosed")
        self.purpose = _text_box("Purpose", 2)
        self.form.addRow("&Date disclosed", self.day)
        self.form.addRow("&Recipient", self.recipient)
        self.form.addRow("Recipient's &address", self.address)
        self.form.addRow("&What was disclosed", self.what)
        self.form.addRow("&Purpose, or the request", self.purpose)
        size_for_screen(self, QSize(620, 520))

    def save(self) -> None:
        s, client_id = self.session, self.client_id
        fields = dict(disclosed_on=self.day.date().toPython(), recipient=self.recipient.text(),
                      recipient_address=self.address.toPlainText(), what=self.what.toPlainText(),
                      purpose=self.purpose.toPlainText())
        self._run(lambda store: evidence.record_disclosure(store, actor=s.actor, location=s.location,
                                                           client_id=client_id, **fields))


class AccessRequestDialog(_SaveDialog):
    """The day a client asked for their record: due 30 days later; exporting the record delivers it."""

    def __init__(self, session: SignedIn, *, client_id: UUID, client_name: str, parent: QWidget | None = None) -> None:
        super().__init__(session, f"Request for their record — {client_name}", parent)
        self.client_id = client_id
        intro = QLabel("When a client asks for a copy of their record, note the day they asked: the practice has "
                       "30 days to give it. “Export record…” on the profile gives it and marks it delivered.")
        intro.setWordWrap(True)
        self.form.insertRow(0, intro)
        self.day = date_edit(local_day(datetime.now(UTC), session.location.zone), "Day asked")
        self.form.addRow("&Day asked", self.day)
        size_for_screen(self, QSize(520, 240))

    def save(self) -> None:
        s, client_id, day = self.session, self.client_id, self.day.date().toPython()
        self._run(lambda store: evidence.record_access_request(store, actor=s.actor, location=s.location,
                                                               client_id=client_id, requested_on=day))


class SignPolicyDialog(_SaveDialog):
    """The signed-in person reads a policy or the training and signs it by typing their name."""

    def __init__(self, session: SignedIn, parent: QWidget | None = None) -> None:
        super().__init__(session, "Sign the training and policies", parent)
        self.save_button.setText("Sign")
        self.policy = QComboBox()
        self.policy.setAccessibleName("Policy")
        for policy in POLICIES.values():
            self.policy.addItem(f"{policy.title} (version {policy.version})", policy.kind)
        self.body = QTextBrowser()
        self.body.setAccessibleName("Policy text")
        self.name = _line("Your name")
        self.name.setPlaceholderText(session.user.display_name or session.user.username)
        self.form.addRow("&Policy", self.policy)
        self.form.addRow(self.body)
        self.form.addRow("Type your &name to sign", self.name)
        self.policy.currentIndexChanged.connect(self._show_text)
        self._show_text()
        size_for_screen(self, QSize(620, 460))

    def _show_text(self) -> None:
        self.body.setPlainText(POLICIES[PolicyKind(self.policy.currentData())].text)

    def save(self) -> None:
        s, kind, typed = self.session, PolicyKind(self.policy.currentData()), self.name.text()
        self._run(lambda store: evidence.acknowledge_policy(store, actor=s.actor, kind=kind, typed_name=typed))


class IncidentDialog(_SaveDialog):
    """Log an incident, or change one (its breach assessment, the day clients were notified)."""

    def __init__(self, session: SignedIn, incident: Incident | None = None, parent: QWidget | None = None) -> None:
        super().__init__(session, "Incident" if incident else "Log an incident", parent)
        self.incident = incident
        zone = session.location.zone
        found = (incident.discovered_at if incident else datetime.now(UTC)).astimezone(zone)
        self.what = _text_box("What happened")
        self.day = date_edit(found.date(), "Day discovered")
        self.time = QTimeEdit(found.time())
        self.time.setAccessibleName("Time discovered")
        self.reported_by = _line("Who noticed it")
        self.phi = QCheckBox("Client information was involved")
        self.finding = QComboBox()
        self.finding.setAccessibleName("Breach assessment")
        for finding, words in ((BreachFinding.NOT_ASSESSED, "Not assessed yet"),
                               (BreachFinding.NOT_A_BREACH, "Not a breach (low probability of compromise)"),
                               (BreachFinding.BREACH, "A breach: notify")):
            self.finding.addItem(words, finding)
        self.assessment = _text_box("Assessment notes", 2)
        self.notified = QCheckBox("Clients notified on")
        self.notified_on = date_edit(local_day(datetime.now(UTC), zone), "Day notified")
        self.closed = QCheckBox("Closed")
        when = QHBoxLayout()
        when.addWidget(self.day)
        when.addWidget(self.time)
        notified = QHBoxLayout()
        notified.addWidget(self.notified)
        notified.addWidget(self.notified_on)
        self.form.addRow("&What happened", self.what)
        self.form.addRow("Discovered", when)
        self.form.addRow("Who &noticed it", self.reported_by)
        self.form.addRow(self.phi)
        self.form.addRow("&Breach assessment", self.finding)
        self.form.addRow("Assessment &notes", self.assessment)
        self.form.addRow(notified)
        self.form.addRow(self.closed)
        if incident is not None:
            self.what.setPlainText(incident.what)
            self.reported_by.setText(incident.reported_by)
            self.phi.setChecked(incident.phi_involved)
            self.finding.setCurrentIndex(self.finding.findData(incident.finding))
            self.assessment.setPlainText(incident.assessment)
            self.closed.setChecked(incident.closed)
            if incident.notified_on:
                self.notified.setChecked(True)
                self.notified_on.setDate(incident.notified_on)
        size_for_screen(self, QSize(620, 560))

    def save(self) -> None:
        s, incident = self.session, self.incident
        fields = dict(what=self.what.toPlainText(), reported_by=self.reported_by.text(),
                      discovered_at=local_datetime(self.day.date().toPython(), self.time.time().toPython(),
                                                   s.location.zone),
                      phi_involved=self.phi.isChecked(), finding=self.finding.currentData(),
                      assessment=self.assessment.toPlainText(), closed=self.closed.isChecked(),
                      notified_on=self.notified_on.date().toPython() if self.notified.isChecked() else None)
        self._run(lambda store: evidence.save_incident(store, actor=s.actor, location=s.location, incident=incident,
                                                       **fields))


RISK_COLUMNS = ["Asset", "Kind", "Threats", "Vulnerabilities", "Controls in place", "Likelihood", "Impact", "Risk",
                "Treatment", "Owner", "Due", "Residual risk"]
RISK_FIELDS = ["asset", "asset_kind", "threats", "vulnerabilities", "controls", "likelihood", "impact", None,
               "treatment", "owner", "due_on", "residual"]
BA_COLUMNS = ["Vendor", "Service", "BAA signed", "Expires", "No longer a vendor"]
RISK_DATES = frozenset({"due_on"})
BA_DATES = frozenset({2, 3})  # the columns of BA_COLUMNS that hold dates


class NotADate(ValueError):
    """A date cell the desk cannot read; says which, and how to write it."""


def _day_text(value: Any) -> str:
    """A date cell as the desk's locale writes it (03/14/2027 on a US desk)."""
    return short_date(value) if isinstance(value, date) else ""


def _typed_day(text: str, *, what: str) -> str | None:
    """A typed date cell as the use case takes it (ISO), or None when empty."""
    if not text.strip():
        return None
    day = parse_date(text)
    if day is None:
        raise NotADate(f"{what}: “{text.strip()}” is not a date. Write it as {date_hint()}.")
    return day.isoformat()


def _cell(value: Any) -> QTableWidgetItem:
    return QTableWidgetItem("" if value is None else getattr(value, "value", str(value)))


class EvidenceWindow(QWidget):
    """What needs doing, and every compliance record the practice keeps."""

    did_show = Signal()

    def __init__(self, session: SignedIn, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Compliance evidence")
        self.setAccessibleName("Compliance evidence")
        self.session = session
        self.summary: EvidenceSummary | None = None
        self.reminders = wrapping_list(self, "What needs doing")
        self.reminders.setMaximumHeight(self.reminders.fontMetrics().lineSpacing() * 8 + 8)
        self.tabs = QTabWidget()
        self.risk = QTableWidget(0, len(RISK_COLUMNS))
        self.risk.setAccessibleName("Risk assessment")
        self.risk.setHorizontalHeaderLabels([_on_two_lines(heading) for heading in RISK_COLUMNS])
        self.risk_note = QLabel("")
        self.risk_note.setWordWrap(True)
        self.risk_day = date_edit(local_day(datetime.now(UTC), session.location.zone), "Assessment date")
        self.add_asset = QPushButton("Add an asset")
        self.save_risk = QPushButton("Save assessment")
        self.associates = QTableWidget(0, len(BA_COLUMNS))
        self.associates.setAccessibleName("Business associates")
        self.associates.setHorizontalHeaderLabels(BA_COLUMNS)
        self.add_associate = QPushButton("Add a vendor")
        self.save_associates = QPushButton("Save vendors")
        self.incidents = read_only_table(["Discovered", "What", "Client information", "Assessment", "Notification"],
                                         "Incidents")
        self.log_incident = QPushButton("Log an incident…")
        self.drills = read_only_table(["Checked", "Result", "Report"], "Restore drills")
        self.signings = read_only_table(["Person", "Policy", "Version", "Signed"], "Signed policies")
        self.error = _error_label()
        self.tabs.addTab(self._page(self.risk_note, self.risk, self._row(QLabel("Dated"), self.risk_day,
                                                                         self.add_asset, self.save_risk)),
                         "&Risk assessment")
        self.tabs.addTab(self._page(self.associates, self._row(self.add_associate, self.save_associates)),
                         "&Business associates")
        self.tabs.addTab(self._page(self.incidents, self._row(self.log_incident)), "&Incidents")
        self.tabs.addTab(self._page(self.drills), "Restore &drills")
        self.tabs.addTab(self._page(self.signings), "&Training and policies")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("What needs doing"))
        layout.addWidget(self.reminders)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error)
        self._assessment_id: UUID | None = None
        self._associate_ids: list[UUID | None] = []
        self.add_asset.clicked.connect(lambda: self._add_risk_row(None))
        self.save_risk.clicked.connect(self.save_assessment)
        self.add_associate.clicked.connect(lambda: self._add_associate_row(None))
        self.save_associates.clicked.connect(self.save_vendors)
        self.log_incident.clicked.connect(lambda: self._open_incident(None))
        self.incidents.cellDoubleClicked.connect(lambda row, _c: self._open_incident(row))
        size_for_screen(self, QSize(max(1000, self._width_for_risk_headings()), 640))
        self.refresh()

    def _width_for_risk_headings(self) -> int:
        """The window's width with the risk assessment's twelve headings side by side and room for an
        asset's name: its cells wrap under them, but a heading cut short would not say what a column
        is (with a 1.25× font they were wider than a window of 1000 px)."""
        self.ensurePolished()  # measured in the fonts the app's style sheet gives
        header = self.risk.horizontalHeader()
        table = (sum(header.sectionSizeHint(column) for column in range(header.count()))
                 + self.risk.fontMetrics().averageCharWidth() * 20
                 + self.risk.verticalHeader().sizeHint().width() + self.risk.verticalScrollBar().sizeHint().width()
                 + 2 * self.risk.frameWidth())
        around = 0
        for layout in (self.layout(), self.risk.parentWidget().layout()):
            margins = layout.contentsMargins()
            around += margins.left() + margins.right()
        tab_frame = 2 * self.tabs.style().pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, None, self.tabs)
        return table + around + tab_frame

    @staticmethod
    def _row(*widgets: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        for widget in widgets:
            row.addWidget(widget)
        row.addStretch(1)
        return row

    def _page(self, *parts: Any) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        for part in parts:
            if isinstance(part, QHBoxLayout):
                layout.addLayout(part)
            else:
                layout.addWidget(part, 1 if isinstance(part, QTableWidget) else 0)
        return page

    def refresh(self) -> None:
        s = self.session
        QueryOp(self, body=lambda store: evidence.view_evidence(store, actor=s.actor, location=s.location),
                success=self._show, failure=lambda exc: self.error.setText(describe_error(exc))).run()

    def _show(self, summary: EvidenceSummary) -> None:
        self.summary = summary
        zone = self.session.location.zone
        self.reminders.clear()
        self.reminders.addItems(list(summary.reminders) or ["Nothing is due. Keep the records up to date."])
        a = summary.assessment
        self.risk.setRowCount(0)
        if a is not None:
            self._assessment_id = a.id if a.review_by > summary.today else None
            self.risk_note.setText(f"The assessment of {day_words(a.assessed_on)}; its yearly review is "
                                   f"{days_left(a.review_by, summary.today)}. Change a cell and save; a review "
                                   "after a year is saved as a new assessment.")
            for item in a.items:
                self._add_risk_row(item)
            self.risk_day.setDate(a.assessed_on if self._assessment_id else summary.today)
        else:
            self.risk_note.setText("No assessment yet. It starts from this practice's workstations and server; "
                                   "add the other systems that hold client information, rate each, and save.")
            self._load_assets()
        self.associates.setRowCount(0)
        self._associate_ids = []
        for b in summary.associates:
            self._add_associate_row(b)
        self.incidents.setRowCount(len(summary.incidents))
        for row, i in enumerate(summary.incidents):
            notice = (f"notified {day_words(i.notified_on)}" if i.notified_on else
                      days_left(local_day(i.notify_by, zone), summary.today) if needs_notice(i) else "not needed")
            for column, value in enumerate((moment_words(i.discovered_at, zone), i.what,
                                            "yes" if i.phi_involved else "no", i.finding.value.replace("_", " "),
                                            notice)):
                self.incidents.setItem(row, column, QTableWidgetItem(value))
        self.drills.setRowCount(len(summary.drills))
        for row, d in enumerate(summary.drills):
            for column, value in enumerate((moment_words(d.checked_at, zone), "verified" if d.ok else "FAILED",
                                            d.report)):
                self.drills.setItem(row, column, QTableWidgetItem(value))
        self.signings.setRowCount(len(summary.signings))
        for row, sign in enumerate(summary.signings):
            good = in_force(sign.signed, sign.policy, summary.today, zone)
            for column, value in enumerate((sign.user.display_name or sign.user.username, sign.policy.title,
                                            sign.policy.version,
                                            moment_words(sign.signed.acknowledged_at, zone) if good and sign.signed
                                            else "not signed")):
                self.signings.setItem(row, column, QTableWidgetItem(value))
        # The risk assessment's twelve columns are wider than the window: each fits it and wraps.
        for table in (self.risk, self.associates, self.incidents, self.drills, self.signings):
            fit_columns(table)
        self.did_show.emit()

    def _load_assets(self) -> None:
        """The practice's workstations from the server's list (the server and earlier systems even offline)."""
        from medspa_desk.desk.workstations import WorkstationsDesk

        def show(names: list[str]) -> None:
            def add(assets: tuple[tuple[str, Any], ...]) -> None:
                for name, kind in assets:
                    self._add_risk_row(RiskItem.model_construct(asset=name, asset_kind=kind))
                fit_columns(self.risk)

            QueryOp(self, body=lambda store: evidence.risk_assets(store, workstations=names), success=add).run()

        try:
            desk = WorkstationsDesk(self.session, role=self.session.user.role)
        except (AttributeError, TypeError):
            show([])
            return
        NetworkOp(self, body=lambda: [w.name for w in desk.workstations() if w.revoked_at is None],
                  success=show, failure=lambda _exc: show([])).run()

    def _add_risk_row(self, item: RiskItem | None) -> None:
        row = self.risk.rowCount()
        self.risk.insertRow(row)
        for column, field in enumerate(RISK_FIELDS):
            if field is None:
                value = item.risk_level.value if item is not None and getattr(item, "likelihood", None) else ""
                cell = QTableWidgetItem(value)
                cell.setFlags(cell.flags() & ~Qt.ItemFlag.ItemIsEditable)
            elif field in RISK_DATES:
                cell = QTableWidgetItem(_day_text(getattr(item, field, None)))
                cell.setToolTip(f"A date, as {date_hint()}")
            else:
                cell = _cell(getattr(item, field, None) if item is not None else
                             ("other" if field == "asset_kind" else None))
            self.risk.setItem(row, column, cell)

    def _rows(self, table: QTableWidget, fields: list[str | None]) -> list[dict[str, Any]]:
        rows = []
        for row in range(table.rowCount()):
            values = {field: (table.item(row, column).text().strip() if table.item(row, column) else "")
                      for column, field in enumerate(fields) if field is not None}
            if any(values.values()):
                rows.append(values)
        return rows

    def save_assessment(self) -> None:
        s, day, assessment_id = self.session, self.risk_day.date().toPython(), self._assessment_id
        try:
            items = [{k: _typed_day(v, what=f"Due, row {n}") if k in RISK_DATES else (v or None) if k == "residual"
                      else v for k, v in row.items()} for n, row in enumerate(self._rows(self.risk, RISK_FIELDS), 1)]
        except NotADate as exc:
            self.error.setText(str(exc))
            return
        self._write(lambda store: evidence.save_risk_assessment(store, actor=s.actor, location=s.location,
                                                                assessed_on=day, items=items,
                                                                assessment_id=assessment_id))

    def _add_associate_row(self, associate: BusinessAssociate | None) -> None:
        row = self.associates.rowCount()
        self.associates.insertRow(row)
        self._associate_ids.append(associate.id if associate else None)
        values = ((associate.vendor, associate.service, associate.baa_signed_on, associate.baa_expires_on,
                   "yes" if associate.ended else "") if associate else ("", "", None, None, ""))
        for column, value in enumerate(values):
            cell = QTableWidgetItem(_day_text(value)) if column in BA_DATES else _cell(value)
            if column in BA_DATES:
                cell.setToolTip(f"A date, as {date_hint()}")
            self.associates.setItem(row, column, cell)

    def save_vendors(self) -> None:
        s = self.session
        rows = []
        for row in range(self.associates.rowCount()):
            cells = [self.associates.item(row, c).text().strip() if self.associates.item(row, c) else ""
                     for c in range(len(BA_COLUMNS))]
            if any(cells):
                try:
                    for column in BA_DATES:
                        cells[column] = _typed_day(cells[column], what=f"{BA_COLUMNS[column]}, row {row + 1}") or ""
                except NotADate as exc:
                    self.error.setText(str(exc))
                    return
                rows.append((self._associate_ids[row], cells))

        def save_all(store: Store) -> None:
            for associate_id, (vendor, service, signed, expires, ended) in rows:
                evidence.save_business_associate(
                    store, actor=s.actor, vendor=vendor, service=service, associate_id=associate_id,
                    baa_signed_on=signed or None, baa_expires_on=expires or None,  # checked by the use case
                    ended=ended.casefold() in ("yes", "y", "x"))

        self._write(save_all)

    def _write(self, body: Any) -> None:
        self.error.setText("")
        CollectionOp(self, body=body, success=lambda _v: self.refresh(),
                     failure=lambda exc: self.error.setText(describe_error(exc))).run()

    def _open_incident(self, row: int | None) -> None:
        incident = self.summary.incidents[row] if row is not None and self.summary else None
        dialog = IncidentDialog(self.session, incident, parent=self)
        dialog.did_save.connect(lambda _i: self.refresh())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.incident_dialog = dialog  # a handle for tests


__all__ = ["AccessRequestDialog", "DisclosureDialog", "EvidenceWindow", "IncidentDialog", "SignPolicyDialog"]
