"""The first-run set-up assistant: a new practice's manager is walked through its set-up.

It opens by itself when a manager (or admin) signs in on a practice with no
rooms, providers or services, and from Manager → Set-up assistant at any time.
Each step is the Manager menu's own screen (Location, Rooms, Providers,
Services, Products) or a link to one (Staff, Consent texts). Where the
practice stands is read from what it has (``setup_progress``), never kept as a
flag: closing the assistant halfway loses nothing, and opening it again starts
at the first step not done. Every save is an ordinary, audited set-up change.
"""

from __future__ import annotations

from medspa_desk.desk.context import ReachesServer
from medspa_desk.desk.practice import SetupStep, setup_progress
from ui.manager.practice import SCREENS, SetupScreen
from ui.operations import QueryOp, describe_error
from ui.qt import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSize,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from ui.screen_fit import size_for_screen

LINKED = {
    "staff": (
        "Add the people who work here: the front desk, providers and other managers. Each sets up "
        "their authenticator app at their own first sign-in. Providers' accounts are linked to them "
        "on the Providers step.",
        "Open &Staff…",
    ),
    "consents": (
        "The consent texts clients sign. The shipped texts are ready to use; publish your "
        "practice's own wording here. Services ask for them on the Services step.",
        "Open &consent texts…",
    ),
}
ENTITY_OF = {
    "location": "location",
    "rooms": "room",
    "providers": "provider",
    "services": "service",
    "products": "product",
}


class SetupAssistant(QDialog):
    def __init__(self, session: ReachesServer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.steps: tuple[SetupStep, ...] = ()
        self.pages: dict[str, QWidget] = {}
        self.linked: QDialog | None = None
        self.setObjectName("setupAssistant")
        self.setWindowTitle("Set up the practice")
        self.setAccessibleName("Set up the practice")
        self.setMinimumSize(640, 420)
        self.step_list = QListWidget(self)
        self.step_list.setAccessibleName("Set-up steps")
        # Wide enough for a step's longest detail ("1 location, 1 with opening hours") on one line.
        self.step_list.setMaximumWidth(max(190, self.fontMetrics().averageCharWidth() * 44))
        self.step_list.setWordWrap(True)
        self.stack = QStackedWidget(self)
        self.heading = QLabel(self)
        self.heading.setObjectName("setupStepHeading")
        self.heading.setStyleSheet("font-weight: 600;")
        self.message = QLabel("Reading what the practice has so far…", self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Set-up message")
        self.back_button = QPushButton("&Back", self)
        self.next_button = QPushButton("&Next step", self)
        self.later_button = QPushButton("Continue &later", self)
        self.later_button.setToolTip(
            "Everything saved so far stays; Manager → Set-up assistant picks up here."
        )
        right = QVBoxLayout()
        right.addWidget(self.heading)
        right.addWidget(self.stack, 1)
        body = QHBoxLayout()
        body.addWidget(self.step_list)
        body.addLayout(right, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        buttons.addStretch(1)
        buttons.addWidget(self.later_button)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.step_list.currentRowChanged.connect(self._go)
        self.back_button.clicked.connect(
            lambda: self.step_list.setCurrentRow(max(0, self.step_list.currentRow() - 1))
        )
        self.next_button.clicked.connect(self.next_step)
        self.later_button.clicked.connect(self.accept)
        size_for_screen(self, self.sizeHint())
        self.refresh(start=True)

    def sizeHint(self) -> QSize:
        return QSize(1000, 640)

    def refresh(self, *, start: bool = False) -> None:
        QueryOp(
            self,
            body=lambda store: setup_progress(store, actor=self.session.actor),
            success=lambda steps: self._show(steps, start),
            failure=self._refused,
        ).run()

    def _refused(self, exc: BaseException) -> None:
        self.message.setText(describe_error(exc))
        for button in (self.back_button, self.next_button):
            button.setEnabled(False)

    def _show(self, steps: tuple[SetupStep, ...], start: bool) -> None:
        self.steps = steps
        row = self.step_list.currentRow()
        self.step_list.blockSignals(True)
        self.step_list.clear()
        for number, step in enumerate(steps, 1):
            self.step_list.addItem(
                f"{'✓' if step.done else '○'} {number}. {step.title}\n    {step.summary}"
            )
        self.step_list.blockSignals(False)
        if start:
            row = next((i for i, s in enumerate(steps) if not s.done), 0)
        self.step_list.setCurrentRow(max(row, 0))
        self._go(self.step_list.currentRow())
        left = [s.title for s in steps if not s.done]
        self.message.setText(
            "Every step is done; the practice is ready to book. Change anything later from the "
            "Manager menu."
            if not left
            else f"Still to do: {', '.join(left)}. You can stop at any time: what is saved stays, "
            "and the assistant starts here next time."
        )

    def page(self, key: str) -> QWidget:
        if key not in self.pages:
            if key in ENTITY_OF:
                screen = SetupScreen(self.session, ENTITY_OF[key], self.stack)
                screen.saved.connect(lambda _saved: self.refresh())
                page: QWidget = screen
            else:
                page = QWidget(self.stack)
                text, button_text = LINKED[key]
                words = QLabel(text, page)
                words.setWordWrap(True)
                button = QPushButton(button_text, page)
                button.setObjectName(f"open-{key}")
                button.clicked.connect(lambda _checked=False, k=key: self.open_linked(k))
                column = QVBoxLayout(page)
                column.addWidget(words)
                column.addWidget(button)
                column.addStretch(1)
            self.pages[key] = page
            self.stack.addWidget(page)
        return self.pages[key]

    def _go(self, row: int) -> None:
        if not 0 <= row < len(self.steps):
            return
        step = self.steps[row]
        self.stack.setCurrentWidget(self.page(step.key))
        intro = SCREENS[ENTITY_OF[step.key]].title if step.key in ENTITY_OF else step.title
        self.heading.setText(f"Step {row + 1} of {len(self.steps)}: {intro}")
        self.back_button.setEnabled(row > 0)
        last = row == len(self.steps) - 1
        self.next_button.setText("&Finish" if last else "&Next step")

    def next_step(self) -> None:
        row = self.step_list.currentRow()
        if row >= len(self.steps) - 1:
            self.accept()
            return
        self.step_list.setCurrentRow(row + 1)

    def open_linked(self, key: str) -> None:
        if key == "staff":
            from ui.manager.staff import StaffDialog

            self.linked = StaffDialog(self.session, self)
        else:
            from ui.forms.templates import TemplateManager

            self.linked = TemplateManager(self.session, self)
        self.linked.finished.connect(lambda _result: self._linked_closed())
        self.linked.open()

    def _linked_closed(self) -> None:
        self.linked = None
        self.refresh()
