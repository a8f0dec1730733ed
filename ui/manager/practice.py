"""Manager → Location, Rooms, Providers, Services, Products: the practice's set-up, one screen per kind.

One screen (``SetupScreen``) serves every kind: a list on the left, the
selected entry's form on the right. Saving hands what was typed to the core
(``medspa_desk.desk.practice.save_setup``), which reads and checks it and
answers with a message per field when something is wrong; the screen shows
each message under its field. Rooms, providers, services and products are
deactivated, never deleted (visits refer to them). The first-run assistant
(``ui.manager.setup_assistant``) shows these same screens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID
from zoneinfo import available_timezones

from medspa_desk.desk.context import ReachesServer
from medspa_desk.desk.practice import (
    LABELS,
    WEEKDAYS,
    Saved,
    SetupLists,
    SetupRefused,
    blank_form,
    form_of,
    save_setup,
    set_active,
    setup_lists,
)
from medspa_desk.desk.switch_window import may_set_switch_window
from medspa_desk.records import ProductUnit, ProviderKind, Record, ServiceCategory
from ui.lists import wrapping_list
from ui.manager.switch_window import SwitchWindowBox
from ui.operations import CollectionOp, QueryOp, describe_error
from ui.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSize,
    QSplitter,
    Qt,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.schedule.forms import PROBLEM_STYLE
from ui.screen_fit import size_for_screen

Options = Callable[[SetupLists], Sequence[tuple[str, Any]]]


SPELLED = {
    "iv_nurse": "IV nurse",
    "iv_therapy": "IV therapy",
    "ipl": "IPL",
    ProductUnit.ML.value: "mL",
}


def _words(value: str) -> str:
    return SPELLED.get(value, value.replace("_", " ").capitalize())


def _enum(kind: Any) -> Options:
    return lambda _lists: [(_words(member.value), member.value) for member in kind]


def _locations(lists: SetupLists) -> list[tuple[str, Any]]:
    return [(loc.name, loc.id) for loc in lists.locations]


@dataclass(frozen=True)
class FieldSpec:
    key: str
    kind: str = "text"  # text, choice, editable, check, checks, week
    options: Options | None = None
    hint: str = ""
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or LABELS.get(self.key, self.key)


@dataclass(frozen=True)
class ScreenSpec:
    entity: str
    title: str
    fields: tuple[FieldSpec, ...]
    intro: str
    label: Callable[[Record, SetupLists], str] = field(default=lambda r, _l: getattr(r, "name", ""))


_ZONES = sorted(
    z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))
)
ROOM_KINDS = ("treatment", "laser", "iv lounge", "consultation")

SCREENS: dict[str, ScreenSpec] = {
    "location": ScreenSpec(
        "location",
        "Location",
        (
            FieldSpec("name"),
            FieldSpec("address"),
            FieldSpec("phone"),
            FieldSpec("time_zone", "editable", lambda _l: [(z, z) for z in _ZONES]),
            FieldSpec(
                "hours", "week", hint="Each day as 09:00-19:00; leave a day empty when closed."
            ),
            FieldSpec(
                "idle_lock_minutes", hint="1 to 60: a desk left alone this long locks itself."
            ),
            FieldSpec(
                "intake_valid_months",
                hint="1 to 60: after this, check-in asks for a new questionnaire.",
            ),
        ),
        "The clinic's address, time zone, opening hours and the desk's rules for idle locking.",
    ),
    "room": ScreenSpec(
        "room",
        "Rooms",
        (
            FieldSpec("location_id", "choice", _locations),
            FieldSpec("name"),
            FieldSpec(
                "kind",
                "editable",
                lambda lists: [
                    (k, k) for k in dict.fromkeys([*ROOM_KINDS, *(r.kind for r in lists.rooms)])
                ],
                hint="Services can ask for a kind of room (a laser needs a laser room).",
            ),
        ),
        "The rooms clients are treated in.",
        label=lambda r, lists: (
            f"{r.name} · {next((loc.name for loc in lists.locations if loc.id == r.location_id), '')}"
        ),
    ),
    "provider": ScreenSpec(
        "provider",
        "Providers",
        (
            FieldSpec("display_name"),
            FieldSpec("credentials", hint="NP, RN, PA, MD, LE…"),
            FieldSpec("kind", "choice", _enum(ProviderKind)),
            FieldSpec("color", hint='Their colour on the schedule, like "#4a7bd0".'),
            FieldSpec(
                "user_id",
                "choice",
                lambda lists: [("(no account)", None), *((n, i) for i, n in lists.staff)],
                hint="The staff account they sign in with (add accounts under Manager → Staff).",
            ),
            FieldSpec("shift_location_id", "choice", _locations, label="Shifts at"),
            FieldSpec(
                "shift",
                "week",
                hint="Their hours each weekday, as 09:00-17:00; empty when they are off.",
            ),
        ),
        "Who treats clients: their credentials, what they do, and the hours they work.",
        label=lambda r, _l: r.display_name + (f", {r.credentials}" if r.credentials else ""),
    ),
    "service": ScreenSpec(
        "service",
        "Services",
        (
            FieldSpec("name"),
            FieldSpec("category", "choice", _enum(ServiceCategory)),
            FieldSpec("duration_min"),
            FieldSpec("buffer_before_min"),
            FieldSpec("buffer_after_min"),
            FieldSpec(
                "room_kinds",
                hint="Kinds of room it needs, separated by commas; empty for any room.",
            ),
            FieldSpec(
                "provider_kinds", "checks", _enum(ProviderKind), hint="None ticked: any provider."
            ),
            FieldSpec(
                "consents",
                "checks",
                lambda lists: [(title, key) for key, title in lists.consent_keys],
            ),
            FieldSpec(
                "consent_valid_days", hint="How long a signature stays good for this service."
            ),
            FieldSpec("requires_intake", "check", label="Needs a current health questionnaire"),
            FieldSpec("price", hint="In dollars, like 450.00."),
            FieldSpec("color", hint='Its colour on the schedule, like "#7a8ca8".'),
        ),
        "The menu clients book from.",
    ),
    "product": ScreenSpec(
        "product",
        "Products",
        (
            FieldSpec("name"),
            FieldSpec("manufacturer"),
            FieldSpec("category", "choice", _enum(ServiceCategory)),
            FieldSpec("unit", "choice", _enum(ProductUnit)),
            FieldSpec(
                "dose_per_point", hint="What a new injection point starts at; empty for none."
            ),
            FieldSpec(
                "usual_max_per_visit",
                hint="Above this, the injector is asked why; empty for no limit.",
            ),
        ),
        "What injectors chart: the products, their units and usual doses.",
    ),
}


def ticked(items: QListWidget) -> list[Any]:
    """The values of the ticked items of a list of choices."""
    return [
        items.item(i).data(Qt.ItemDataRole.UserRole)
        for i in range(items.count())
        if items.item(i).checkState() == Qt.CheckState.Checked
    ]


def tick(items: QListWidget, values: Any) -> None:
    """Tick exactly the items whose value (or text) is in ``values``."""
    chosen = set(values)
    for i in range(items.count()):
        item = items.item(i)
        on = item.data(Qt.ItemDataRole.UserRole) in chosen or item.text() in chosen
        item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)


class SetupScreen(QWidget):
    """The list of one kind of set-up entry and the selected one's form."""

    saved = Signal(object)  # the Saved answer, after every save or (de)activation

    def __init__(self, session: ReachesServer, entity: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.spec = SCREENS[entity]
        self.lists: SetupLists | None = None
        self.entries: list[Record] = []
        self.current: Record | None = None
        self.inputs: dict[str, Any] = {}
        self.problems: dict[str, QLabel] = {}
        self.setObjectName(f"setup-{entity}")
        self.setAccessibleName(self.spec.title)
        intro = QLabel(self.spec.intro, self)
        intro.setWordWrap(True)
        # Narrow beside the form: a long name (a room and its location) wraps rather than runs off it.
        self.list = wrapping_list(self, f"{self.spec.title} list")
        self.new_button = QPushButton("&New", self)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        left.addWidget(self.new_button)
        left_box = QWidget(self)
        left_box.setLayout(left)
        left_box.setMaximumWidth(max(200, self.fontMetrics().averageCharWidth() * 32))
        form_box = QWidget(self)
        self.form = QFormLayout(form_box)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for spec in self.spec.fields:
            self._add_field(form_box, spec)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_box)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left_box)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(1, 3)
        self.save_button = QPushButton("&Save", self)
        self.active_button = QPushButton("&Deactivate", self)
        self.active_button.setVisible(self.spec.entity != "location")
        self.message = QLabel("Loading…", self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName(f"{self.spec.title} message")
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.active_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.switch_window: SwitchWindowBox | None = None
        self.tabs: QTabWidget | None = None
        if entity == "location" and may_set_switch_window(session.user.role):
            # The practice's sign-in policy: kept by the server, saved on its own (not with the form), on a
            # tab of its own so the location's form keeps the window's height (under it, at 150 % on a
            # laptop, the form showed five fields before it scrolled).
            self.tabs = QTabWidget(self)
            page = QWidget(self.tabs)
            layout.addWidget(self.tabs)
            layout = QVBoxLayout(page)
            self.tabs.addTab(page, "The location")
            policy = QWidget(self.tabs)
            self.switch_window = SwitchWindowBox(session, policy)
            policy_layout = QVBoxLayout(policy)
            policy_layout.addWidget(self.switch_window)
            policy_layout.addStretch(1)
            self.tabs.addTab(policy, "Switching user")
        layout.addWidget(intro)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.list.currentRowChanged.connect(self._chosen)
        self.new_button.clicked.connect(self.new)
        self.save_button.clicked.connect(self.save)
        self.active_button.clicked.connect(self.toggle_active)
        self.reload()

    # --- building the form ---------------------------------------------------------------

    def _problem_label(self, parent: QWidget, key: str) -> QLabel:
        label = QLabel(parent)
        label.setWordWrap(True)
        label.setStyleSheet(PROBLEM_STYLE)
        label.setAccessibleName(f"{LABELS.get(key, key)} problem")
        label.hide()
        self.problems[key] = label
        return label

    def _add_field(self, parent: QWidget, spec: FieldSpec) -> None:
        if spec.kind == "week":
            for day in WEEKDAYS:
                key = f"{spec.key}_{day}"
                edit = QLineEdit(parent)
                edit.setAccessibleName(
                    f"{spec.title if spec.key != 'hours' else 'Opening hours'} {day}"
                )
                edit.setPlaceholderText("closed" if spec.key == "hours" else "off")
                edit.setMaxLength(20)
                self.inputs[key] = edit
                self.form.addRow(LABELS[key], edit)
                self.form.addRow("", self._problem_label(parent, key))
            self.form.addRow("", self._hint(parent, spec.hint))
            return
        if spec.kind in {"choice", "editable"}:
            widget: Any = QComboBox(parent)
            widget.setEditable(spec.kind == "editable")
            if spec.kind == "editable":
                widget.lineEdit().setMaxLength(200)
        elif spec.kind == "check":
            widget = QCheckBox(spec.title, parent)
        elif spec.kind == "checks":
            # Ticked items; scrolls by itself, whatever the list's length. A consent's long title wraps.
            widget = wrapping_list(parent, spec.title)
            widget.setMinimumHeight(widget.fontMetrics().height() * 4 + 12)
            widget.setMaximumHeight(widget.fontMetrics().height() * 7 + 12)
        else:
            widget = QLineEdit(parent)
            widget.setMaxLength(200)
        widget.setAccessibleName(spec.title)
        self.inputs[spec.key] = widget
        self.form.addRow("" if spec.kind == "check" else spec.title, widget)
        if spec.hint:
            self.form.addRow("", self._hint(parent, spec.hint))
        self.form.addRow("", self._problem_label(parent, spec.key))

    @staticmethod
    def _hint(parent: QWidget, text: str) -> QLabel:
        hint = QLabel(text, parent)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        return hint

    def _fill_options(self, lists: SetupLists) -> None:
        for spec in self.spec.fields:
            if spec.options is None:
                continue
            widget = self.inputs[spec.key]
            widget.clear()
            if spec.kind == "checks":
                for text, value in spec.options(lists):
                    item = QListWidgetItem(text, widget)
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setData(Qt.ItemDataRole.UserRole, value)
                    item.setCheckState(Qt.CheckState.Unchecked)
            else:
                for text, value in spec.options(lists):
                    widget.addItem(text, str(value) if isinstance(value, UUID) else value)

    # --- showing and reading ---------------------------------------------------------------

    def reload(self, *, then: str = "", select: UUID | None = None) -> None:
        QueryOp(
            self,
            body=lambda store: setup_lists(store, actor=self.session.actor),
            success=lambda lists: self._show(lists, then, select),
            failure=self._failed,
        ).run()

    def _show(self, lists: SetupLists, said: str, select: UUID | None) -> None:
        self.lists = lists
        self._fill_options(lists)
        self.entries = list(lists.of(self.spec.entity))
        self.list.blockSignals(True)
        self.list.clear()
        for record in self.entries:
            text = self.spec.label(record, lists)
            self.list.addItem(text if getattr(record, "active", True) else f"{text} (inactive)")
        self.list.blockSignals(False)
        row = next(
            (i for i, r in enumerate(self.entries) if r.id == select), 0 if self.entries else -1
        )
        if row >= 0:
            self.list.setCurrentRow(row)
            self._chosen(row)
        else:
            self.new()
        n = len(self.entries)
        self.message.setText(
            said
            or (
                f"{n} in the list. Select one to change it, or New to add one."
                if n
                else "None yet: fill in the form and Save to add the first."
            )
        )

    def _chosen(self, row: int) -> None:
        if self.lists is None or not 0 <= row < len(self.entries):
            return
        self.current = self.entries[row]
        self._put(form_of(self.current, self.lists))

    def new(self) -> None:
        if self.lists is None:
            return
        self.current = None
        self.list.blockSignals(True)
        self.list.clearSelection()
        self.list.setCurrentRow(-1)
        self.list.blockSignals(False)
        self._put(blank_form(self.spec.entity, self.lists))
        self.message.setText(f"A new entry: fill in the form and Save. ({self.spec.title})")

    def _put(self, form: dict[str, Any]) -> None:
        self._clear_problems()
        for key, widget in self.inputs.items():
            value = form.get(key)
            if isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            elif isinstance(widget, QComboBox):
                text = str(value) if isinstance(value, UUID) else value
                index = widget.findData(text)
                if index >= 0:
                    widget.setCurrentIndex(index)
                elif widget.isEditable():
                    widget.setEditText("" if value is None else str(value))
                elif widget.count():
                    widget.setCurrentIndex(0)
            elif isinstance(widget, QLineEdit):
                widget.setText("" if value is None else str(value))
            else:
                tick(widget, value or ())
        active = getattr(self.current, "active", None)
        self.active_button.setEnabled(active is not None)
        self.active_button.setText("&Reactivate" if active is False else "&Deactivate")

    def typed(self) -> dict[str, Any]:
        form: dict[str, Any] = {}
        for key, widget in self.inputs.items():
            if isinstance(widget, QCheckBox):
                form[key] = widget.isChecked()
            elif isinstance(widget, QComboBox):
                form[key] = widget.currentText() if widget.isEditable() else widget.currentData()
            elif isinstance(widget, QLineEdit):
                form[key] = widget.text()
            else:
                form[key] = ticked(widget)
        return form

    def _clear_problems(self) -> None:
        for label in self.problems.values():
            label.clear()
            label.hide()

    # --- saving ------------------------------------------------------------------------------

    def save(self) -> None:
        form, record_id = self.typed(), self.current.id if self.current is not None else None
        self.save_button.setEnabled(False)
        self.message.setText("Saving…")
        self._write(
            lambda store, actor, entity: save_setup(
                store, actor=actor, entity=entity, form=form, record_id=record_id
            )
        )

    def toggle_active(self) -> None:
        if self.current is None:
            return
        record, active = self.current, not getattr(self.current, "active", True)
        self._write(
            lambda store, actor, entity: set_active(
                store, actor=actor, entity=entity, record_id=record.id, active=active
            )
        )

    def _write(self, change: Callable[[Any, Any, str], Saved]) -> None:
        """One set-up use case on the database worker, as the signed-in person."""
        actor, entity = self.session.actor, self.spec.entity
        CollectionOp(
            self,
            body=lambda store: change(store, actor, entity),
            success=self._saved,
            failure=self._failed,
        ).run()

    def _saved(self, saved: Saved) -> None:
        self.save_button.setEnabled(True)
        name = self.spec.label(saved.record, self.lists) if self.lists is not None else ""
        state = (
            ""
            if getattr(saved.record, "active", True)
            else " It is inactive: nothing new can be booked with it."
        )
        self.saved.emit(saved)
        self.reload(
            then=f"Saved “{name}”.{state} Every desk gets it at its next sync.",
            select=saved.record.id,
        )

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self._clear_problems()
        if isinstance(exc, SetupRefused):
            for key, text in exc.by_field.items():
                label = self.problems.get(key) or self.problems.get(key.removesuffix("_cents"))
                if label is not None:
                    label.setText(text)
                    label.show()
            self.message.setText("Nothing was saved: check the fields marked in red.")
            return
        self.message.setText(describe_error(exc))


class SetupDialog(QDialog):
    """One set-up screen on its own, from the Manager menu."""

    def __init__(self, session: ReachesServer, entity: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.panel = SetupScreen(session, entity, self)
        self.setObjectName(f"setupDialog-{entity}")
        self.setWindowTitle(SCREENS[entity].title)
        self.setAccessibleName(SCREENS[entity].title)
        self.setMinimumSize(600, 400)
        close = QPushButton("Close", self)
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel, 1)
        layout.addLayout(row)
        size_for_screen(self, self.sizeHint())

    def sizeHint(self) -> QSize:
        return QSize(860, 600)
