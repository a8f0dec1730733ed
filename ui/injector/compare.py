"""This visit's chart beside the last one that treated the same area."""

from __future__ import annotations

from medspa_desk.clinical.compare import compare_charts, previous_for_same_area
from medspa_desk.clinical.totals import format_amount
from medspa_desk.desk.context import SignedIn
from medspa_desk.records import ChartView, TreatmentRecord
from ui.injector.face_chart import FaceChartWidget
from ui.operations import QueryOp, describe_error
from ui.qt import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSize,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.screen_fit import scrolling_body, size_for_screen


class CompareDialog(QDialog):
    did_load = Signal()

    def __init__(self, session: SignedIn, *, current: TreatmentRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare with the last visit")
        self.setAccessibleName("Compare with the last visit")
        self._session = session
        self.current = current
        self.previous: TreatmentRecord | None = None
        # The charts and the table scroll when the screen is short; Close stays on screen.
        dialog_layout = QVBoxLayout(self)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        dialog_layout.addWidget(scrolling_body(content, name="Comparison"), 1)
        views = QHBoxLayout()
        group = QButtonGroup(self)
        for view, text in ((ChartView.FRONT, "Front"), (ChartView.LEFT, "Left side"), (ChartView.RIGHT, "Right side")):
            button = QToolButton()
            button.setText(text)
            button.setCheckable(True)
            button.setChecked(view is ChartView.FRONT)
            button.clicked.connect(lambda _c=False, v=view: self.set_view(v))
            group.addButton(button)
            views.addWidget(button)
        views.addStretch(1)
        layout.addLayout(views)
        grid = QGridLayout()
        self.before_title = QLabel("Last visit: loading…")
        self.now_title = QLabel(f"This visit ({current.performed_at.astimezone(session.location.zone):%b %-d, %Y})")
        self.before_chart = FaceChartWidget(read_only=True)
        self.now_chart = FaceChartWidget(read_only=True)
        self.before_chart.setAccessibleName("Last visit's chart")
        self.now_chart.setAccessibleName("This visit's chart")
        self.now_chart.set_points(current.points)
        grid.addWidget(self.before_title, 0, 0)
        grid.addWidget(self.now_title, 0, 1)
        grid.addWidget(self.before_chart, 1, 0)
        grid.addWidget(self.now_chart, 1, 1)
        layout.addLayout(grid, 1)
        self.table = QTableWidget(0, 4)
        self.table.setAccessibleName("Amounts per area, last visit and this visit")
        self.table.setHorizontalHeaderLabels(["Area", "Product", "Last visit", "This visit"])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        layout.addWidget(self.table)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        dialog_layout.addWidget(box)
        size_for_screen(self, QSize(900, 700))
        actor, client_id = session.actor, current.client_id
        QueryOp(self, body=lambda store: store.treatments_for(client_id, actor=actor),
                success=self._show, failure=lambda exc: self.before_title.setText(describe_error(exc))).run()

    def set_view(self, view: ChartView) -> None:
        self.before_chart.set_view(view)
        self.now_chart.set_view(view)

    def _show(self, history: list[TreatmentRecord]) -> None:
        zone = self._session.location.zone
        self.previous = previous_for_same_area(self.current, history)
        if self.previous is None:
            self.before_title.setText("No earlier visit treated these areas.")
        else:
            self.before_title.setText(f"Last visit ({self.previous.performed_at.astimezone(zone):%b %-d, %Y})")
            self.before_chart.set_points(self.previous.points)
        changes = compare_charts(self.current, self.previous)
        self.table.setRowCount(len(changes))
        for row, change in enumerate(changes):
            for column, value in enumerate((change.area, change.product_name,
                                            format_amount(change.before, change.unit) if change.before else "—",
                                            format_amount(change.now, change.unit) if change.now else "—")):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self.did_load.emit()
