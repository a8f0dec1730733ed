"""The client profile's "Contact preferences" tab: what the client agreed to now, the whole record, and a new entry.

What governs each channel and purpose comes from the core
(``medspa_desk.desk.comms``): the latest entry, or the default before any
entry. Recording a yes or a no adds an entry through
``record_contact_preference`` (audited, synced, never changed afterwards);
the confirmation calls honour it at once. Works offline.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from medspa_desk.desk.comms import (
    BUILT_IN_WORDING,
    CHANNEL_WORDS,
    HOW_WORDS,
    PURPOSE_WORDS,
    Preference,
    preferences_of,
    record_contact_preference,
)
from medspa_desk.desk.context import SignedIn
from medspa_desk.records import ConsentSource, ContactChannel, ContactConsent, ContactPurpose
from medspa_desk.scheduling import format_time
from ui.lists import fit_columns, record_tree
from ui.operations import CollectionOp, QueryOp, describe_error
from ui.qt import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.schedule.forms import PROBLEM_STYLE
from ui.search import format_birth_date


class ContactPreferences(QWidget):
    """Now (one line per channel and purpose), the record (newest first), and "Record" for a new entry."""

    did_load = Signal()
    did_record = Signal()

    def __init__(self, parent: QWidget | None, *, session: SignedIn, client_id: UUID) -> None:
        super().__init__(parent)
        self.session = session
        self.client_id = client_id
        self.setAccessibleName("Contact preferences")
        self.now = record_tree(self, ["Channel", "Purpose", "Agreed", "Since", "How"], "What the client agreed to", nested=False)
        self.history = record_tree(self, ["Given", "Channel", "Purpose", "Agreed", "How", "Wording", "Recorded by"],
                                   "Record of preferences", nested=False)
        self.channel = QComboBox(self)
        self.channel.setAccessibleName("Channel")
        for channel in ContactChannel:
            self.channel.addItem(CHANNEL_WORDS[channel].capitalize(), channel.value)
        self.purpose = QComboBox(self)
        self.purpose.setAccessibleName("Purpose")
        for purpose in ContactPurpose:
            self.purpose.addItem(PURPOSE_WORDS[purpose].capitalize(), purpose.value)
        self.agreed = QComboBox(self)
        self.agreed.setAccessibleName("Agreed")
        self.agreed.addItem("Yes, the client agrees", True)
        self.agreed.addItem("No, do not contact", False)
        self.how = QComboBox(self)
        self.how.setAccessibleName("How it was given")
        for source in ConsentSource:
            self.how.addItem(HOW_WORDS[source].capitalize(), source.value)
        self.how.currentIndexChanged.connect(self._stop_means_no)
        self.note = QLineEdit(self)
        self.note.setAccessibleName("Note")
        self.note.setMaxLength(500)
        self.note.setPlaceholderText("Optional, e.g. “texted STOP to the reminder”")
        self.wording = QLabel("", self)
        self.wording.setWordWrap(True)
        self.wording.setAccessibleName("What the client agrees to")
        self.purpose.currentIndexChanged.connect(self._show_wording)
        self.record_button = QPushButton("&Record", self)
        self.record_button.setToolTip("Add this to the client's record; it takes effect at once on every list "
                                      "and is never changed afterwards")
        self.record_button.clicked.connect(self.record)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet(PROBLEM_STYLE)
        self.message.hide()
        pick = QHBoxLayout()
        for widget in (self.channel, self.purpose, self.agreed, self.how):
            pick.addWidget(widget)
        pick.addStretch(1)
        noted = QHBoxLayout()
        noted.addWidget(self.note, 1)
        noted.addWidget(self.record_button)
        box = QGroupBox("Record a yes or a no, and how it was given", self)
        inner = QVBoxLayout(box)
        inner.addLayout(pick)
        inner.addLayout(noted)
        inner.addWidget(self.wording)
        inner.addWidget(self.message)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Now", self))
        layout.addWidget(self.now, 1)
        layout.addWidget(QLabel("Record (kept for good, newest first)", self))
        layout.addWidget(self.history, 1)
        layout.addWidget(box)
        self._show_wording()
        self.loaded = False

    def reload(self) -> None:
        actor, client_id = self.session.actor, self.client_id
        QueryOp(self, body=lambda store: preferences_of(store, actor=actor, client_id=client_id),
                success=self._show, failure=lambda exc: self._say(describe_error(exc))).run()

    def _show(self, found: tuple[dict[Any, Preference], tuple[ContactConsent, ...]]) -> None:
        governing, history = found
        self.now.clear()
        for preference in governing.values():
            entry = preference.entry
            QTreeWidgetItem(self.now, [
                CHANNEL_WORDS[preference.channel].capitalize(), PURPOSE_WORDS[preference.purpose],
                preference.words, self._when(entry.given_at) if entry else "—",
                HOW_WORDS[entry.given_how] if entry else _default_words(preference)])
        self.history.clear()
        for entry in history:
            QTreeWidgetItem(self.history, [
                self._when(entry.given_at), CHANNEL_WORDS[entry.channel], PURPOSE_WORDS[entry.purpose],
                "yes" if entry.agreed else "no", HOW_WORDS[entry.given_how] + (f" ({entry.note})" if entry.note
                                                                               else ""),
                entry.text_version, entry.recorded_by_name])
        if not history:
            QTreeWidgetItem(self.history, ["Nothing recorded yet"])
        # The record's seven columns are wider than the tab at 150 %: each fits the tab and wraps.
        for tree in (self.now, self.history):
            fit_columns(tree)
        self.loaded = True
        self.did_load.emit()

    def _when(self, at: Any) -> str:
        zone = self.session.zone
        return f"{format_birth_date(at.astimezone(zone).date())} {format_time(at, zone)}"

    def record(self) -> None:
        actor, client_id = self.session.actor, self.client_id
        channel = ContactChannel(self.channel.currentData())
        purpose = ContactPurpose(self.purpose.currentData())
        agreed, how = bool(self.agreed.currentData()), ConsentSource(self.how.currentData())
        note = self.note.text().strip()
        self.record_button.setEnabled(False)
        CollectionOp(self, body=lambda store: record_contact_preference(
            store, actor=actor, client_id=client_id, channel=channel, purpose=purpose, agreed=agreed, how=how,
            note=note), success=self._recorded, failure=self._refused).run()

    def _recorded(self, _changes: object) -> None:
        self.message.hide()
        self.note.clear()
        self.record_button.setEnabled(True)
        self.did_record.emit()
        self.reload()

    def _refused(self, exc: BaseException) -> None:
        self.record_button.setEnabled(True)
        self._say(f"Not recorded. {describe_error(exc)}")

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def _stop_means_no(self) -> None:
        if self.how.currentData() == ConsentSource.CLIENT_STOP.value:
            self.agreed.setCurrentIndex(self.agreed.findData(False))

    def _show_wording(self) -> None:
        purpose = ContactPurpose(self.purpose.currentData())
        self.wording.setText(f"A yes means: “{BUILT_IN_WORDING[purpose]}”")


def _default_words(preference: Preference) -> str:
    """Where a default without an entry comes from (``desk.comms`` module note)."""
    if preference.purpose is ContactPurpose.MARKETING:
        return "needs a recorded yes"
    if preference.channel is ContactChannel.CALL:
        return "a call about a visit needs only a number"
    return "answer given when the client was added"


__all__ = ["ContactPreferences"]
