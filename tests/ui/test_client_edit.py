"""Editing a client from the profile, offline: problems shown at the field, only changes saved, and the profile
says who changed what."""

from __future__ import annotations

from typing import Any

from medspa_desk.protocol import MutationKind
from tests.ui.test_profile_forms_and_export import open_profile
from ui.client_edit import ClientEditDialog
from ui.operations import db_worker
from ui.qt import QLabel


def edit_as_the_desk(qtbot: Any, sign_in: Any, client: Any) -> tuple[Any, ClientEditDialog]:
    """The front desk opens the client's profile and presses Edit: the profile and its form."""
    profile = open_profile(qtbot, sign_in("desk.amy"), client.id)
    qtbot.waitUntil(profile.edit_button.isEnabled, timeout=5000)
    profile.edit_button.click()
    qtbot.waitUntil(profile.editor.isVisible, timeout=5000)
    return profile, profile.editor


def press_save(editor: ClientEditDialog) -> None:
    editor.buttons.button(editor.buttons.StandardButton.Save).click()


def queued_updates(client_id: Any) -> list[Any]:
    return db_worker().run_sync(lambda store: [m for m in store.outbox_batch(10_000)
                                               if m.entity_id == client_id
                                               and m.kind is MutationKind.CLIENT_UPDATE])


def test_a_bad_email_is_named_under_its_field_and_nothing_is_saved(qtbot: Any, sign_in: Any, practice: Any) -> None:
    client = practice.known[0]
    _profile, editor = edit_as_the_desk(qtbot, sign_in, client)

    editor.inputs["email"].setText("maria-at-home")
    editor.inputs["first_name"].setText("")
    press_save(editor)

    assert editor.isVisible()
    assert editor.problems["email"].isVisibleTo(editor)
    assert "should be like name@example.com" in editor.problems["email"].text()
    assert editor.problems["first_name"].text() == "First name cannot be empty."
    assert not editor.problems["phone"].isVisibleTo(editor)
    assert queued_updates(client.id) == []
    editor.reject()


def test_a_saved_edit_queues_only_the_changed_fields_and_the_profile_shows_who_changed_them(
        qtbot: Any, sign_in: Any, practice: Any) -> None:
    client = practice.known[0]
    profile, editor = edit_as_the_desk(qtbot, sign_in, client)

    editor.inputs["allergies"].setPlainText("Latex")
    editor.inputs["emergency_contact"].setText("Luis Lopez 555-010-2000")
    with qtbot.waitSignal(editor.did_save, timeout=5000):
        press_save(editor)

    (update,) = queued_updates(client.id)  # offline: waits in the outbox for the sync
    assert sorted(update.payload["changes"]) == ["allergies", "emergency_contact"]
    qtbot.waitUntil(lambda: profile.data is not None and profile.data.client.allergies == "Latex", timeout=5000)
    changes = next(label for label in profile.details.findChildren(QLabel) if label.accessibleName() == "Changes")
    qtbot.waitUntil(lambda: "Amy (front desk): Allergies, Emergency contact" in changes.text(), timeout=5000)
    assert "Latex" in profile.alerts.text()
