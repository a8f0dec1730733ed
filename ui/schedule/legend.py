"""The strip under the schedule that says what each block colour means."""

from __future__ import annotations

from ui.qt import QHBoxLayout, QLabel, QWidget
from ui.schedule.colors import LEGEND_ORDER, STATUS_STYLES, status_label


class StatusLegend(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Status colours")
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 2)
        row.setSpacing(14)
        for status in LEGEND_ORDER:
            style = STATUS_STYLES[status]
            swatch = QLabel(status_label(status))
            swatch.setAccessibleName(f"{status_label(status)} colour")
            # Same fill, side bar and text colour as a block, so the key reads like the grid.
            swatch.setStyleSheet(
                f"QLabel {{ background: {style.fill}; color: {style.text}; border: 1px solid {style.border};"
                f" border-left: 5px solid {style.border}; padding: 2px 8px; }}")
            row.addWidget(swatch)
        row.addStretch(1)
