"""For a visit that belongs to a series: change this visit only, or this and the following visits.

Shown by the cancel and move dialogs; this visit only unless the person picks the rest
(``desk.series.cancel_series_from`` / ``move_series_from`` then, the single-visit use case otherwise).
"""

from __future__ import annotations

from ui.qt import QRadioButton, QVBoxLayout, QWidget


class SeriesScope(QWidget):
    def __init__(self, verb: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.only_this = QRadioButton(f"{verb} this visit only")
        self.only_this.setAccessibleName(f"{verb} this visit only")
        self.only_this.setChecked(True)
        self.following = QRadioButton(f"{verb} this and the following visits of the series")
        self.following.setAccessibleName(f"{verb} this and the following visits")
        layout.addWidget(self.only_this)
        layout.addWidget(self.following)

    def with_following(self) -> bool:
        return self.following.isChecked()
