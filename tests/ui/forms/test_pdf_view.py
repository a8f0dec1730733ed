"""Viewing, printing and exporting PDFs: in memory, audited, and tampering shown."""

from __future__ import annotations

import io
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from medspa_desk.records import AuditAction
from tests.ui.forms.signed import signed_consent
from ui.forms.pdf_view import PdfViewer
from ui.forms.viewers import open_consent_pdf, open_day_sheet
from ui.operations import db_worker
from ui.qt import QPrinter, QPushButton


@pytest.fixture
def empty_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    empty = tmp_path / "tmpdir"
    empty.mkdir()
    monkeypatch.setenv("TMPDIR", str(empty))
    monkeypatch.setattr(tempfile, "tempdir", None)  # make tempfile look at TMPDIR again
    return empty


def opened(qtbot: Any, open_it: Any) -> PdfViewer:
    viewers: list[PdfViewer] = []
    open_it(viewers.append)
    qtbot.waitUntil(lambda: bool(viewers), timeout=10_000)
    qtbot.addWidget(viewers[0])
    return viewers[0]


def audit_events(action: AuditAction) -> list[Any]:
    return [e for e in db_worker().run_sync(lambda store: store.audit.events(limit=100_000)) if e.action is action]


def test_a_signed_consent_is_viewed_and_printed_without_a_temp_file_and_the_print_is_audited(
        qtbot: Any, sign_in: Any, practice: Any, tmp_path: Path, empty_tmpdir: Path) -> None:
    session = sign_in("desk.amy")
    client = practice.known[0]
    consent = signed_consent(session, client)
    viewer = opened(qtbot, lambda shown: open_consent_pdf(None, session, consent.id, client_id=client.id,
                                                          shown=shown))
    assert viewer.page_labels and not viewer.tamper_warning.isVisible()
    assert "version 1" in viewer.windowTitle()

    printer = QPrinter()  # only the test sends the print to a file, outside TMPDIR
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    viewer.print_to(printer)
    qtbot.waitUntil(lambda: viewer.message.text().startswith("Sent"), timeout=5000)
    assert len(PdfReader(tmp_path / "printed.pdf").pages) == len(viewer.page_labels)
    printed = audit_events(AuditAction.PRINT)
    assert [(e.entity, e.entity_id, e.actor_user_id) for e in printed] == [("consent", consent.id, session.user.id)]
    assert os.listdir(empty_tmpdir) == []


def test_save_a_copy_is_an_atomic_private_file_and_an_export_event(qtbot: Any, sign_in: Any, practice: Any,
                                                                    tmp_path: Path, empty_tmpdir: Path) -> None:
    session = sign_in("desk.amy")
    client = practice.known[1]
    consent = signed_consent(session, client, key="photography_release")
    viewer = opened(qtbot, lambda shown: open_consent_pdf(None, session, consent.id, client_id=client.id,
                                                          shown=shown))
    assert audit_events(AuditAction.EXPORT) == []
    viewer.save_copy_to(tmp_path / "copy")
    qtbot.waitUntil(lambda: viewer.message.text().startswith("Saved a copy"), timeout=5000)
    saved = tmp_path / "copy.pdf"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    text = "".join(page.extract_text() for page in PdfReader(saved).pages)
    assert client.last_name in text and consent.content_sha256 in text.replace("\n", "")
    assert [(e.entity_id, e.outcome) for e in audit_events(AuditAction.EXPORT)] == [(consent.id, "ok")]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".copy")] == []
    assert os.listdir(empty_tmpdir) == []


def test_a_consent_altered_in_the_store_opens_with_a_tampering_warning(qtbot: Any, sign_in: Any,
                                                                      practice: Any) -> None:
    session = sign_in("desk.amy")
    client = practice.known[0]
    consent = signed_consent(session, client)

    def tamper(store: Any) -> None:
        data = json.loads(consent.model_dump_json())
        data["body"] = data["body"].replace("risk", "rysk", 1)
        store.connection.execute("UPDATE consents SET data = ? WHERE id = ?", (json.dumps(data), str(consent.id)))

    db_worker().run_sync(tamper)
    viewer = opened(qtbot, lambda shown: open_consent_pdf(None, session, consent.id, client_id=client.id,
                                                          shown=shown))
    assert viewer.tamper_warning.isVisible()
    assert "altered since it was signed" in viewer.tamper_warning.text()


def test_the_day_sheet_in_privacy_mode_prints_initials_only(qtbot: Any, sign_in: Any, practice: Any,
                                                            empty_tmpdir: Path) -> None:
    session = sign_in("desk.amy")
    viewer = opened(qtbot, lambda shown: open_day_sheet(None, session, practice.today, privacy=True, shown=shown))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(viewer.document.pdf)).pages)
    assert practice.known[0].initials in text
    assert all(c.last_name not in text for c in practice.known)
    assert viewer.page_labels and os.listdir(empty_tmpdir) == []


def test_return_in_the_day_sheet_preview_prints_rather_than_closes(qtbot: Any, sign_in: Any, practice: Any) -> None:
    session = sign_in("desk.amy")
    viewer = opened(qtbot, lambda shown: open_day_sheet(None, session, practice.today, privacy=False, shown=shown))
    defaults = [b.text() for b in viewer.findChildren(QPushButton) if b.isDefault()]
    assert defaults == ["&Print…"]
