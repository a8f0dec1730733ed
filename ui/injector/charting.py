"""Charting a visit: products and lots, points on the face chart, laser settings, photos, post-care.

Totals per area and per product are computed from the chart's points and
shown read-only; nothing here lets a total be typed. An expired lot cannot be
placed on the chart; one near its expiry is placed with a warning. "Sign and
lock" saves and signs in one write; after that the chart is read-only and only
signed, dated addenda can be added.
"""

from __future__ import annotations

import logging
from calendar import monthrange
from datetime import date, datetime
from html import escape
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.clinical.charting import ChartedVisit, build_treatment
from medspa_desk.clinical.last_chart import copy_points
from medspa_desk.clinical.lots import LotRefused, LotState, check_lot, clean_lot
from medspa_desk.clinical.totals import ChartingError, chart_totals, format_amount
from medspa_desk.desk.context import SignedIn
from medspa_desk.desk.photos import import_photo
from medspa_desk.records import (
    AuditAction,
    AuditEvent,
    ChartView,
    LaserSettings,
    PhotoKind,
    Product,
    ProductUnit,
    TreatmentRecord,
    new_id,
)
from medspa_desk.store import Changes, Store
from medspa_desk.store.photos import PhotoInfo, photos_for
from medspa_desk.time_words import time_of_day
from ui.events import bus
from ui.injector.charting_data import (
    ChartingData,
    add_signed_addendum,
    load_charting,
    save_and_sign,
    save_draft,
)
from ui.injector.face_chart import FaceChartWidget, Pen
from ui.operations import CollectionOp, QueryOp, describe_error
from ui.qt import (
    QAbstractScrollArea,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDate,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QShortcut,
    QSize,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.screen_fit import scrolling_body, size_for_screen

NO_EXPIRY = QDate(2000, 1, 1)
MAX_REASON_CHARS = 300
# A new point's amount when the product record names none: a Botox point, a filler micro-bolus.
DEFAULT_DOSE = {ProductUnit.UNITS: 4.0, ProductUnit.ML: 0.1, ProductUnit.SYRINGE: 1.0}
WARN_STYLE = "color: #7a4f00;"
REFUSED_STYLE = "color: #a4161a; font-weight: bold;"
OK_STYLE = "color: #17603a;"

log = logging.getLogger(__name__)


def _when(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%b} {local.day}, {local.year} {time_of_day(local)}"


class ChartingDialog(QDialog):
    did_load = Signal()
    did_save = Signal(object)  # TreatmentRecord

    def __init__(self, session: SignedIn, *, appointment_id: UUID, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartingDialog")
        self.setWindowTitle("Treatment chart")
        self.setAccessibleName("Treatment chart")
        self._session = session
        self._appointment_id = appointment_id
        self.data: ChartingData | None = None
        self.record: TreatmentRecord | None = None
        self._draft_id: UUID = new_id()
        self._expiries: dict[tuple[UUID, str], date] = {}
        self._photo_ids: list[UUID] = []
        self._build()
        bus.changes_did_arrive.connect(self._on_sync_changes)
        self.reload()

    # --- building ----------------------------------------------------------------------

    def _build(self) -> None:
        # The chart scrolls when the screen is short; its buttons stay on screen below it.
        dialog_layout = QVBoxLayout(self)
        content = QWidget()
        outer = QVBoxLayout(content)
        outer.setContentsMargins(0, 0, 0, 0)
        dialog_layout.addWidget(scrolling_body(content, name="Chart"), 1)
        self.heading = QLabel("Loading…")
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.heading.setFont(font)
        self.heading.setWordWrap(True)
        outer.addWidget(self.heading)

        body = QHBoxLayout()
        outer.addLayout(body, 1)
        left = QVBoxLayout()
        body.addLayout(left, 2)
        self.product_group = QGroupBox("Product on the chart")
        form = QFormLayout(self.product_group)
        self.product = QComboBox()
        self.product.setAccessibleName("Product")
        self.lot = QLineEdit()
        self.lot.setAccessibleName("Lot number")
        self.lot.setPlaceholderText("As printed on the vial")
        self.lot.setMaxLength(64)
        self.expiry = QDateEdit()
        self.expiry.setAccessibleName("Lot expiry")
        self.expiry.setCalendarPopup(True)
        self.expiry.setToolTip("Month and year as printed on the vial; it is good to the month's last day")
        self.expiry.setDisplayFormat("MM/yyyy")
        self.expiry.setMinimumDate(NO_EXPIRY)
        self.expiry.setSpecialValueText("Enter expiry")
        self.expiry.setDate(NO_EXPIRY)
        self.amount = QDoubleSpinBox()
        self.amount.setAccessibleName("Amount per point")
        self.amount.setDecimals(2)
        self.amount.setRange(0.01, 1000)
        self.amount.setValue(4)
        self.lot_status = QLabel()
        self.lot_status.setAccessibleName("Lot check")
        self.lot_status.setWordWrap(True)
        form.addRow("&Product", self.product)
        form.addRow("&Lot", self.lot)
        form.addRow("&Expiry", self.expiry)
        form.addRow("&Amount per point", self.amount)
        form.addRow(self.lot_status)
        self.copy_last = QPushButton("Copy points from the last chart")
        self.copy_last.setToolTip("Last time's points of this product, with the lot above; adjust them after")
        self.copy_last.setVisible(False)
        form.addRow(self.copy_last)
        left.addWidget(self.product_group)
        self.laser_group = self._laser_form()
        left.addWidget(self.laser_group)
        # The totals sit under the product they count, beside the face: a third column was too narrow
        # for the product's name on a laptop at 150 % ("odu…", "12 uni").
        left.addWidget(QLabel("Totals (from the chart)"))
        self.totals = QTableWidget(0, 3)
        self.totals.setAccessibleName("Totals per area and product")
        self.totals.setHorizontalHeaderLabels(["Area", "Product", "Amount"])
        self.totals.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.totals.verticalHeader().setVisible(False)
        header = self.totals.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.totals.setWordWrap(True)
        # As tall as its rows, so the face beside it is not stretched to a blank table's height.
        self.totals.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.totals.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        left.addWidget(self.totals)
        self.product_totals = QLabel()
        self.product_totals.setAccessibleName("Totals per product")
        self.product_totals.setWordWrap(True)
        left.addWidget(self.product_totals)
        left.addWidget(self._above_usual_box())
        self.addenda = QLabel()
        self.addenda.setAccessibleName("Addenda")
        self.addenda.setWordWrap(True)
        left.addWidget(self.addenda)

        photos = QGroupBox("Photos (kept encrypted)")
        photo_row = QVBoxLayout(photos)
        self.before_button = QPushButton("Add before photo…")
        self.after_button = QPushButton("Add after photo…")
        self.photo_list = QLabel("No photos yet.")
        self.photo_list.setWordWrap(True)
        for widget in (self.before_button, self.after_button, self.photo_list):
            photo_row.addWidget(widget)
        left.addWidget(photos)
        left.addStretch(1)

        middle = QVBoxLayout()
        body.addLayout(middle, 3)
        views = QHBoxLayout()
        self.view_buttons = QButtonGroup(self)
        for view, text in ((ChartView.FRONT, "Front"), (ChartView.LEFT, "Left side"), (ChartView.RIGHT, "Right side")):
            button = QToolButton()
            button.setText(text)
            button.setCheckable(True)
            button.setAccessibleName(f"{text} view")
            button.setProperty("view", view.value)
            self.view_buttons.addButton(button)
            views.addWidget(button)
            button.setChecked(view is ChartView.FRONT)
        views.addStretch(1)
        middle.addLayout(views)
        self.chart = FaceChartWidget()
        middle.addWidget(self.chart, 1)
        hint = QLabel("Click to place a point with the amount above; right-click a point to remove it.")
        hint.setWordWrap(True)
        middle.addWidget(hint)

        notes_row = QHBoxLayout()
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("Clinical notes")
        self.notes.setPlaceholderText("Clinical notes")
        self.post_care = QPlainTextEdit()
        self.post_care.setAccessibleName("Post-care instructions")
        self.post_care.setPlaceholderText("Post-care instructions given to the client")
        for edit in (self.notes, self.post_care):
            edit.setMaximumHeight(90)
            notes_row.addWidget(edit)
        outer.addLayout(notes_row)
        self.post_care_given = QCheckBox("Post-care instructions were given to the client")
        outer.addWidget(self.post_care_given)
        self.message = QLabel()
        self.message.setAccessibleName("Chart message")
        self.message.setWordWrap(True)
        outer.addWidget(self.message)

        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save draft")
        self.save_button.setToolTip("Save without signing (Ctrl+S)")
        self.sign_button = QPushButton("Sign and lock…")
        self.addendum_button = QPushButton("Add addendum…")
        self.compare_button = QPushButton("Compare with last visit…")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        for widget in (self.save_button, self.sign_button, self.addendum_button, self.compare_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(close)
        dialog_layout.addLayout(buttons)
        self.addendum_button.setVisible(False)

        self.product.currentIndexChanged.connect(self._product_changed)
        self.product.currentIndexChanged.connect(self._pen_changed)
        self.lot.textChanged.connect(self._pen_changed)
        self.expiry.dateChanged.connect(self._pen_changed)
        self.amount.valueChanged.connect(self._pen_changed)
        self.view_buttons.buttonClicked.connect(lambda b: self.chart.set_view(ChartView(b.property("view"))))
        self.chart.points_changed.connect(self._show_totals)
        self.chart.placement_refused.connect(self._say)
        self.save_button.clicked.connect(self.save)
        self.sign_button.clicked.connect(self.ask_to_sign)
        self.addendum_button.clicked.connect(self.ask_for_addendum)
        self.compare_button.clicked.connect(self.open_compare)
        self.copy_last.clicked.connect(self.copy_last_chart)
        self.before_button.clicked.connect(lambda: self.pick_photo(PhotoKind.BEFORE))
        self.after_button.clicked.connect(lambda: self.pick_photo(PhotoKind.AFTER))
        save_key = QShortcut(QKeySequence("Ctrl+S"), self)
        save_key.activated.connect(self.save)
        size_for_screen(self, QSize(1180, 760))

    def _above_usual_box(self) -> QWidget:
        """Above a product's usual maximum per visit, the injector says why before saving (audited)."""
        self.above_usual = QWidget()
        column = QVBoxLayout(self.above_usual)
        column.setContentsMargins(0, 0, 0, 0)
        self.above_usual_words = QLabel()
        self.above_usual_words.setAccessibleName("Above the usual maximum")
        self.above_usual_words.setWordWrap(True)
        self.above_usual_words.setStyleSheet(WARN_STYLE)
        self.above_usual_reason = QLineEdit()
        self.above_usual_reason.setAccessibleName("Why more than the usual maximum")
        self.above_usual_reason.setPlaceholderText("Why this visit needs more")
        self.above_usual_reason.setMaxLength(MAX_REASON_CHARS)
        self.above_usual_button = QPushButton("Go ahead with this reason")
        self.above_usual_button.setAccessibleName("Go ahead above the usual maximum")
        self.above_usual_button.clicked.connect(self.confirm_above_usual)
        for widget in (self.above_usual_words, self.above_usual_reason, self.above_usual_button):
            column.addWidget(widget)
        self.above_usual.hide()
        self._above_confirmed: dict[UUID, str] = {}  # product → the injector's reason
        return self.above_usual

    def above_usual_maximum(self) -> list[tuple[Product, float]]:
        """Products charted above their usual maximum per visit and not yet confirmed with a reason."""
        catalog = {p.id: p for p in (self.data.catalog if self.data else ())}
        return [(catalog[t.product_id], t.amount) for t in chart_totals(self.chart.points).by_product
                if t.product_id in catalog and catalog[t.product_id].usual_max_per_visit is not None
                and t.amount > catalog[t.product_id].usual_max_per_visit
                and t.product_id not in self._above_confirmed]

    def _show_above_usual(self) -> None:
        above = self.above_usual_maximum()
        self.above_usual_words.setText(" ".join(
            f"{product.name}: {format_amount(amount, product.unit)} is above the usual "
            f"{format_amount(product.usual_max_per_visit or 0, product.unit)} per visit." for product, amount in above)
            + " Say why to go ahead." if above else "")
        self.above_usual.setVisible(bool(above))

    def confirm_above_usual(self) -> None:
        reason = " ".join(self.above_usual_reason.text().split())
        if not reason:
            self._say("Say why this visit needs more than the usual maximum, then press Go ahead.")
            return
        above = self.above_usual_maximum()
        actor, appointment_id = self._session.actor, self._appointment_id

        def body(store: Store) -> None:
            for product, _amount in above:
                store.audit.record(AuditEvent(
                    actor_user_id=actor.user_id, device_id=actor.device_id, action=AuditAction.OVERRIDE,
                    entity="appointment", entity_id=appointment_id,
                    detail=f"above usual maximum per visit: product {product.id}"))

        def confirmed(_none: None) -> None:
            for product, amount in above:
                self._above_confirmed[product.id] = (
                    f"Above the usual maximum: {product.name} {format_amount(amount, product.unit)} "
                    f"(usual {format_amount(product.usual_max_per_visit or 0, product.unit)}). {reason}")
            self.above_usual_reason.clear()
            self._show_above_usual()

        CollectionOp(self, body=body, success=confirmed,
                     failure=lambda exc: self._say(f"Not recorded. {describe_error(exc)}")).run()

    def _laser_form(self) -> QGroupBox:
        group = QGroupBox("Laser / IPL settings")
        form = QFormLayout(group)
        self.device = QLineEdit()
        self.laser_area = QLineEdit()
        self.wavelength = self._number(0, 20_000, "nm")
        self.fluence = self._number(0, 1000, "J/cm²")
        self.spot = self._number(0, 100, "mm")
        self.pulse_ms = self._number(0, 10_000, "ms")
        self.pulses = QSpinBox()
        self.pulses.setRange(0, 100_000)
        self.passes = QSpinBox()
        self.passes.setRange(0, 100)
        for label, widget in (("Device", self.device), ("Area", self.laser_area), ("Wavelength", self.wavelength),
                              ("Fluence", self.fluence), ("Spot size", self.spot), ("Pulse width", self.pulse_ms),
                              ("Pulses", self.pulses), ("Passes", self.passes)):
            widget.setAccessibleName(label)
            form.addRow(label, widget)
        return group

    @staticmethod
    def _number(low: float, high: float, unit: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setRange(low, high)
        box.setDecimals(1)
        box.setSuffix(f" {unit}")
        box.setSpecialValueText("—")
        return box

    # --- loading ----------------------------------------------------------------------------

    def reload(self) -> None:
        session, appointment_id = self._session, self._appointment_id
        QueryOp(self, body=lambda store: load_charting(store, appointment_id=appointment_id, actor=session.actor,
                                                       zone=session.location.zone),
                success=self._show, failure=self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        self.heading.setText("The chart could not be opened.")
        self._say(describe_error(exc) if not isinstance(exc, PermissionError) else str(exc))
        for widget in (self.save_button, self.sign_button, self.product_group, self.chart):
            widget.setEnabled(False)

    def _show(self, data: ChartingData) -> None:
        self.data = data
        self.heading.setText(f"{data.client_name} — {data.service.name}, {data.day:%A %B %-d, %Y}")
        self.product.clear()
        for product in data.catalog:
            self.product.addItem(product.name, str(product.id))
        self.product_group.setVisible(data.uses_face_chart)
        self.chart.setVisible(data.uses_face_chart)
        self.laser_group.setVisible(data.uses_laser)
        record = data.record
        if record is not None:
            self._draft_id = record.id
            self.record = record
            self._expiries = {(u.product_id, u.lot): u.expiry for u in record.products}
            self._photo_ids = list(record.photo_ids)
            self.chart.set_points(record.points)
            self.notes.setPlainText(record.clinical_notes)
            self.post_care.setPlainText(record.post_care)
            self.post_care_given.setChecked(bool(record.post_care))
            if record.laser:
                self._fill_laser(record.laser[0])
        self._show_photos(list(data.photos))
        if data.last is not None:
            self.copy_last.setText(f"Copy points from the chart of {self._day_of(data.last):%B %-d, %Y}")
        self.copy_last.setVisible(data.uses_face_chart and data.last is not None
                                  and not (record is not None and record.is_signed))
        self._pen_changed()
        self._show_totals()
        self._lock_if_signed()
        self.did_load.emit()

    def _fill_laser(self, s: LaserSettings) -> None:
        self.device.setText(s.device)
        self.laser_area.setText(s.area)
        for box, value in ((self.wavelength, s.wavelength_nm), (self.fluence, s.fluence_j_cm2),
                           (self.spot, s.spot_size_mm), (self.pulse_ms, s.pulse_ms)):
            box.setValue(value or 0)
        self.pulses.setValue(s.pulses or 0)
        self.passes.setValue(s.passes or 0)

    # --- the pen: product, lot, expiry, amount ---------------------------------------------

    def current_product(self) -> Product | None:
        if self.data is None or self.product.currentIndex() < 0:
            return None
        wanted = UUID(self.product.currentData())
        return next((p for p in self.data.catalog if p.id == wanted), None)

    def _product_changed(self, *_args: object) -> None:
        """The amount per point starts at the product's own dose, in its unit (units or mL)."""
        product = self.current_product()
        if product is None:
            return
        fine = product.unit is not ProductUnit.UNITS
        self.amount.setDecimals(2 if fine else 1)
        self.amount.setSingleStep(0.05 if fine else 0.5)
        self.amount.setValue(product.dose_per_point or DEFAULT_DOSE[product.unit])
        self.amount.setSuffix(f" {product.unit.value}")

    def _pen_changed(self, *_args: object) -> None:
        product = self.current_product()
        if product is None or self.data is None:
            self.chart.set_pen(None, refusal="The practice catalog has no product for this service.")
            return
        self.amount.setSuffix(f" {product.unit.value}")
        self.lot.setCompleter(QCompleter(self.data.lots.get(product.id, []), self.lot))
        try:
            lot = clean_lot(self.lot.text())
        except LotRefused as exc:
            self._pen_refused(str(exc))
            return
        if self.expiry.date() == NO_EXPIRY:
            self._pen_refused(f"Enter the expiry date printed on the {product.name} vial.")
            return
        qd = self.expiry.date()
        expiry = date(qd.year(), qd.month(), monthrange(qd.year(), qd.month())[1])
        check = check_lot(product_name=product.name, lot=lot, expiry=expiry, on=self.data.day)
        if check.state is LotState.EXPIRED:
            self._pen_refused(check.message)
            return
        self.lot_status.setText(check.message)
        self.lot_status.setStyleSheet(WARN_STYLE if check.state is LotState.NEAR_EXPIRY else OK_STYLE)
        self._expiries[(product.id, lot)] = expiry
        self.chart.set_pen(Pen(product_id=product.id, lot=lot, amount=round(self.amount.value(), 2)))

    def _pen_refused(self, why: str) -> None:
        self.lot_status.setText(why)
        self.lot_status.setStyleSheet(REFUSED_STYLE)
        self.chart.set_pen(None, refusal=why)

    # --- totals (computed) -------------------------------------------------------------------

    def _show_totals(self) -> None:
        names = {p.id: p for p in (self.data.catalog if self.data else ())}
        if self.record is not None:
            for use in self.record.products:
                names.setdefault(use.product_id, Product(id=use.product_id, name=use.product_name,
                                                         category="neurotoxin", unit=use.unit))
        totals = chart_totals(self.chart.points)
        self.totals.setRowCount(len(totals.by_area))
        for row, total in enumerate(totals.by_area):
            product = names.get(total.product_id)
            cells = [total.area, product.name if product else "Product",
                     format_amount(total.amount, product.unit) if product else f"{total.amount:g}"]
            for column, value in enumerate(cells):
                self.totals.setItem(row, column, QTableWidgetItem(value))
        self.totals.resizeRowsToContents()
        self.product_totals.setText("<br>".join(
            f"<b>{escape(names[t.product_id].name if t.product_id in names else 'Product')}</b>: "
            f"{format_amount(t.amount, names[t.product_id].unit if t.product_id in names else 'units')} "
            f"at {t.points} point{'s' if t.points != 1 else ''}" for t in totals.by_product))
        self._show_above_usual()

    # --- building the record ------------------------------------------------------------------

    def _laser_settings(self) -> tuple[LaserSettings, ...]:
        if self.data is None or not self.data.uses_laser:
            return ()
        values = {"wavelength_nm": self.wavelength.value(), "fluence_j_cm2": self.fluence.value(),
                  "spot_size_mm": self.spot.value(), "pulse_ms": self.pulse_ms.value()}
        setting = LaserSettings(device=self.device.text(), area=self.laser_area.text(),
                                pulses=self.pulses.value() or None, passes=self.passes.value() or None,
                                **{k: (v or None) for k, v in values.items()})
        return (setting,) if setting != LaserSettings() else ()

    def build_record(self) -> TreatmentRecord | None:
        """The draft as charted, or ``None`` with the reason shown."""
        data = self.data
        if data is None:
            return None
        if self.above_usual_maximum():
            self._say("Say why this visit needs more than the usual maximum (beside the totals) before saving.")
            return None
        appt = data.appointment
        provider_id = self._session.user.provider_id or appt.provider_id
        visit = ChartedVisit(client_id=appt.client_id, provider_id=provider_id, service_id=appt.service_id,
                             performed_at=appt.starts_at, appointment_id=appt.id, points=self.chart.points,
                             expiries=self._expiries, laser=self._laser_settings(),
                             clinical_notes=self._notes_with_reasons(), post_care=self.post_care.toPlainText(),
                             photo_ids=tuple(self._photo_ids))
        version = self.record.version + 1 if self.record is not None else 1
        try:
            result = build_treatment(visit, catalog={p.id: p for p in data.catalog} | {
                u.product_id: Product(id=u.product_id, name=u.product_name, category="neurotoxin", unit=u.unit)
                for u in (self.record.products if self.record else ()) if u.product_id not in
                {p.id for p in data.catalog}}, role=self._session.actor.role, on=data.day,
                draft_id=self._draft_id, version=version)
        except (ChartingError, LotRefused, PermissionError, ValueError) as exc:
            self._say(str(exc) if not hasattr(exc, "errors") else describe_error(exc))
            return None
        if result.warnings:
            self._say(" ".join(w.message for w in result.warnings), warn=True)
        return result.record

    def _notes_with_reasons(self) -> str:
        """The notes as typed, and each reason for going above a usual maximum (kept with the record)."""
        notes = self.notes.toPlainText()
        missing = [line for line in self._above_confirmed.values() if line not in notes]
        return "\n".join([notes, *missing]) if missing and notes else "\n".join(missing) or notes

    # --- writes --------------------------------------------------------------------------------

    def save(self) -> None:
        if self.record is not None and self.record.is_signed:
            self._say("This record is signed. Add an addendum instead.")
            return
        record = self.build_record()
        if record is None:
            return
        actor = self._session.actor
        CollectionOp(self, body=lambda store: save_draft(store, record, actor=actor),
                     success=lambda _changes: self._saved(record, "Draft saved."),
                     failure=lambda exc: self._say(f"The chart was not saved. {describe_error(exc)}")).run()

    def _saved(self, record: TreatmentRecord, words: str) -> None:
        self.record = record
        self._say(words, ok=True)
        self._lock_if_signed()
        self.did_save.emit(record)

    def ask_to_sign(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, "Sign and lock",
                          "Sign this treatment record? After signing it cannot be changed; corrections "
                          "are added as signed, dated addenda.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.button(QMessageBox.StandardButton.Yes).setText("Sign and lock")
        box.accepted.connect(self.sign_now)
        box.open()
        self.confirm_box = box

    def sign_now(self) -> None:
        if not self.post_care_given.isChecked() and self.data is not None and self.data.uses_face_chart:
            self._say("Tick \"Post-care instructions were given\" once you have gone through them with the "
                      "client, then sign.")
            return
        record = self.build_record()
        if record is None:
            return
        actor = self._session.actor
        CollectionOp(self, body=lambda store: save_and_sign(store, record, actor=actor),
                     success=lambda signed: self._saved(signed, "Signed and locked."),
                     failure=lambda exc: self._say(f"The chart was not signed. {describe_error(exc)}")).run()

    def _lock_if_signed(self) -> None:
        signed = self.record is not None and self.record.is_signed
        for widget in (self.product_group, self.laser_group, self.notes, self.post_care, self.post_care_given,
                       self.save_button, self.sign_button, self.before_button, self.after_button):
            widget.setEnabled(not signed)
        self.chart.set_read_only(signed)
        self.addendum_button.setVisible(signed)
        if signed and self.record is not None and self.data is not None:
            zone = self._session.location.zone
            who = self.data.signer_names.get(self.record.signed_by, "the provider") \
                if self.record.signed_by else "the provider"
            lines = [f"<b>Signed</b> by {escape(who)} on {_when(self.record.signed_at, zone)}"]
            lines += [f"<b>Addendum {i}</b> — {escape(a.author_name)}, {_when(a.written_at, zone)}: "
                      f"{escape(a.text)}" for i, a in enumerate(sorted(self.record.addenda, key=lambda a: a.written_at), 1)]
            self.addenda.setText("<br>".join(lines))

    def ask_for_addendum(self) -> None:
        dialog = AddendumDialog(self)
        dialog.accepted.connect(lambda: self.add_addendum(dialog.text()))
        dialog.open()
        self.addendum_dialog = dialog

    def add_addendum(self, text: str) -> None:
        if self.record is None:
            return
        actor, record_id = self._session.actor, self.record.id
        name = self._session.user.display_name
        CollectionOp(self, body=lambda store: add_signed_addendum(store, record_id, text=text, actor=actor,
                                                                  author_name=name),
                     success=lambda updated: self._saved(updated, "Addendum signed and added."),
                     failure=lambda exc: self._say(describe_error(exc) if not isinstance(exc, ValueError | PermissionError)
                                                   else str(exc))).run()

    # --- photos ---------------------------------------------------------------------------------

    def pick_photo(self, kind: PhotoKind) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, f"Choose the {kind.value} photo", "",
                                                    "Photos (*.jpg *.jpeg *.png)")
        if path:
            self.import_photo(Path(path), kind)

    def import_photo(self, path: Path, kind: PhotoKind) -> None:
        if self.data is None:
            return
        actor, client_id, treatment_id = self._session.actor, self.data.appointment.client_id, self._draft_id
        QueryOp(self, body=lambda store: import_photo(store, path, client_id=client_id, treatment_id=treatment_id,
                                                      kind=kind, actor=actor),
                success=self._photo_added,
                failure=lambda exc: self._say(f"The photo was not added. {describe_error(exc)}")).run()

    def _photo_added(self, info: PhotoInfo) -> None:
        self._photo_ids.append(info.id)
        self._say(f"{info.kind.value.capitalize()} photo added (stored encrypted). Save the draft to keep it "
                  "with the chart.", ok=True)
        self._photos.append(info)
        self._show_photos(self._photos)

    def _on_sync_changes(self, changes: Changes) -> None:
        """Photos of this chart fetched from the server (taken on another workstation) show at once."""
        if self.data is None or not (changes.everything or self.data.appointment.client_id in changes.clients):
            return
        treatment_id = self._draft_id
        # A background refresh: a failure (the desk locking) is the log's, not a message on the chart.
        QueryOp(self, body=lambda store: photos_for(store, treatment_id), success=self._show_photos,
                failure=lambda exc: log.info("photos not refreshed: %s", type(exc).__name__)).run()

    def _show_photos(self, photos: list[PhotoInfo]) -> None:
        self._photos = list(photos)
        counts = {kind: sum(1 for p in photos if p.kind is kind) for kind in PhotoKind}
        self.photo_list.setText("No photos yet." if not photos else
                                f"{counts[PhotoKind.BEFORE]} before, {counts[PhotoKind.AFTER]} after")

    # --- compare ---------------------------------------------------------------------------------

    def open_compare(self) -> None:
        record = self.build_record() if not (self.record and self.record.is_signed) else self.record
        if record is None:
            return
        from ui.injector.compare import CompareDialog

        dialog = CompareDialog(self._session, current=record, parent=self)
        dialog.open()
        self.compare_dialog = dialog

    def _day_of(self, record: TreatmentRecord) -> date:
        return record.performed_at.astimezone(self._session.location.zone).date()

    def copy_last_chart(self) -> None:
        """Last time's points of the product on the pen, each with the lot on the pen (the vial in hand)."""
        last = self.data.last if self.data is not None else None
        product = self.current_product()
        if last is None or product is None or (self.record is not None and self.record.is_signed):
            return
        pen = self.chart.pen
        if pen is None:
            self._say(f"Enter the lot and expiry of the {product.name} vial in hand first: the copied points "
                      "take them.")
            return
        copied = copy_points(last, onto=self.chart.points, product_id=product.id, lot=pen.lot)
        others = f" Not copied: {', '.join(copied.left_out)} (choose that product and its lot, then copy again)." \
            if copied.left_out else ""
        if not copied.added:
            self._say(f"The chart of {self._day_of(last):%B %-d, %Y} has no {product.name} points to add.{others}",
                      warn=True)
            return
        self.chart.set_points(copied.points)
        self._say(f"Copied {copied.added} {product.name} points from the chart of {self._day_of(last):%B %-d, %Y} "
                  f"with lot {pen.lot}. Check each amount before saving.{others}", warn=True)

    # --- messages ---------------------------------------------------------------------------------

    def _say(self, text: str, *, ok: bool = False, warn: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(OK_STYLE if ok else WARN_STYLE if warn else REFUSED_STYLE)


class AddendumDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add an addendum")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("The addendum is signed with your name and today's date and time. "
                                "It cannot be changed afterwards."))
        self.editor = QPlainTextEdit()
        self.editor.setAccessibleName("Addendum text")
        layout.addWidget(self.editor)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        box.button(QDialogButtonBox.StandardButton.Ok).setText("Sign and add")
        box.accepted.connect(self._accept_if_written)
        box.rejected.connect(self.reject)
        layout.addWidget(box)

    def text(self) -> str:
        return self.editor.toPlainText()

    def _accept_if_written(self) -> None:
        if self.text().strip():
            self.accept()
