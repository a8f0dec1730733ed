"""The consent template manager: publishing the practice's text as a new version, old forms unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from medspa_desk.documents.consents import shipped_templates
from tests.ui.forms.signed import signed_consent
from ui.checkin import latest_templates
from ui.forms.templates import TemplateManager
from ui.forms.viewers import template_manager_action
from ui.operations import Refusal, db_worker
from ui.qt import QWidget

PRACTICE_TEXT = """## Our neurotoxin consent

I understand the treatment, its risks (bruising, headache, drooping eyelid) and the alternatives.

- I will not lie down for four hours afterwards.
"""


def open_manager(qtbot: Any, session: Any) -> TemplateManager:
    manager = TemplateManager(session)
    qtbot.addWidget(manager)
    manager.show()
    qtbot.waitUntil(lambda: manager.tree.topLevelItemCount() > 0, timeout=5000)
    return manager


def select(manager: TemplateManager, key: str) -> None:
    for index in range(manager.tree.topLevelItemCount()):
        item = manager.tree.topLevelItem(index)
        if manager.template_for(item).key == key:
            manager.tree.setCurrentItem(item)
            return
    raise AssertionError(f"{key} is not listed")


def test_importing_text_publishes_version_2_and_a_form_signed_on_1_keeps_its_text(
        qtbot: Any, sign_in: Any, practice: Any, tmp_path: Path) -> None:
    desk = sign_in("desk.amy")
    old_form = signed_consent(desk, practice.known[0])
    manager_session = sign_in("mgr.lee")
    manager = open_manager(qtbot, manager_session)
    select(manager, "neurotoxin")
    assert "version 1 (the current version)" in manager.heading.text()

    manager.publish_button.click()
    dialog = manager.publish_dialog
    source = tmp_path / "our-neurotoxin.md"
    source.write_text(PRACTICE_TEXT, encoding="utf-8")
    dialog.load_file(source)
    assert dialog.text.toPlainText() == PRACTICE_TEXT
    dialog.title_field.setText("Neurotoxin consent (Glow Aesthetics)")
    dialog.publish_button.click()
    qtbot.waitUntil(lambda: len(manager.versions.get("neurotoxin", [])) == 2, timeout=5000)

    newest, oldest = manager.versions["neurotoxin"]
    assert (newest.template_version, oldest.template_version) == (2, 1)
    assert newest.published_by == manager_session.user.id and "four hours" in newest.body
    assert oldest == shipped_templates()["neurotoxin"]
    assert "version 2 (the current version)" in manager.heading.text()
    stored = db_worker().run_sync(lambda store: store.consent_templates("neurotoxin"))
    assert [t.template_version for t in stored] == [2]
    assert latest_templates(stored)["neurotoxin"].template_version == 2  # new signatures use v2

    kept = db_worker().run_sync(lambda store: store.consents_for(practice.known[0].id, actor=desk.actor))
    assert [(c.id, c.template_version, c.body) for c in kept] == [(old_form.id, 1, oldest.body)]
    assert kept[0].is_intact


def test_publishing_the_same_text_again_is_refused_in_plain_words(qtbot: Any, sign_in: Any) -> None:
    manager = open_manager(qtbot, sign_in("mgr.lee"))
    select(manager, "ipl")
    manager.publish_button.click()
    dialog = manager.publish_dialog
    dialog.text.setPlainText(shipped_templates()["ipl"].body)
    dialog.publish_button.click()
    assert dialog.problem.text() == "This text is the same as the current version; nothing to publish."
    dialog.load_file(Path(__file__))  # a .py file
    assert "ending in .md or .txt" in dialog.problem.text()


def test_front_desk_cannot_open_the_template_manager(qtbot: Any, sign_in: Any) -> None:
    session = sign_in("desk.amy")
    parent = QWidget()
    qtbot.addWidget(parent)
    assert template_manager_action(parent, session) is None
    with pytest.raises(Refusal):
        TemplateManager(session)
