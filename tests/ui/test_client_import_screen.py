"""Manager → Import clients, through the real dialog: the preview, a column changed, rows left out, the import."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot

from medspa_desk.records import AuditAction, Client
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from ui.manager import manager_actions
from ui.manager.client_import import LEAVE_OUT, ClientImportDialog
from ui.manager.visit_import import VisitImportDialog
from ui.operations import db_worker
from ui.qt import QWidget

LISTS = Path(__file__).parents[1] / "core" / "desk" / "client_lists"


def _names() -> set[str]:
    return db_worker().run_sync(lambda store: {Client.model_validate_json(r[0]).full_name for r in
                                               store.connection.execute("SELECT data FROM clients")})


def test_a_manager_checks_the_preview_leaves_out_the_bad_rows_and_imports_the_rest(
        qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    manager = desk.as_user("manager")
    dialog = ClientImportDialog(manager)
    qtbot.addWidget(dialog)
    dialog.show()
    before = _names()

    dialog.open_file(LISTS / "every_bad_row.csv")
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    assert "2 clients ready to import" in dialog.summary.text()
    assert "9 rows cannot be imported" in dialog.summary.text()
    assert "2 rows look like someone already on file" in dialog.summary.text()
    assert dialog.problems.rowCount() == 11
    assert dialog.problems.item(0, 1).text() == "First name is empty"
    dialog.import_button.click()
    qtbot.waitUntil(lambda: "Nothing was imported" in dialog.summary.text(), timeout=10_000)
    assert _names() == before

    dialog.leave_out_refused.setChecked(True)
    dialog.leave_out_duplicates.setChecked(True)
    dialog.import_button.click()
    qtbot.waitUntil(lambda: "imported" in dialog.summary.text() and "Nothing" not in dialog.summary.text(),
                    timeout=10_000)
    assert dialog.summary.text().startswith("2 clients imported; 11 rows left out.")
    assert _names() - before == {"Good Row", "Same Person"}
    assert db_worker().run_sync(lambda store: sum(
        1 for e in store.audit.events(limit=10_000) if e.action is AuditAction.CREATE and e.entity == "client"
        and e.actor_user_id == manager.actor.user_id)) == 2


def test_a_column_left_out_on_the_preview_is_not_imported(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    dialog = ClientImportDialog(desk.as_user("manager"))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.open_file(LISTS / "vagaro.csv")
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    assert dialog.file_label.text() == "vagaro.csv: looks like an export from Vagaro."
    notes_row = dialog.preview.headers.index("Customer Notes")
    box = dialog.columns.cellWidget(notes_row, 1)
    assert box.currentText() == "Desk notes"
    shown = dialog.preview
    box.setCurrentText(LEAVE_OUT)
    qtbot.waitUntil(lambda: dialog.preview is not shown and dialog.preview is not None, timeout=10_000)
    assert dialog.preview.mapping[notes_row] is None
    dialog.import_button.click()
    qtbot.waitUntil(lambda: "3 clients imported" in dialog.summary.text(), timeout=10_000)
    notes = db_worker().run_sync(lambda store: [Client.model_validate_json(r[0]).notes for r in
                                                store.connection.execute("SELECT data FROM clients")])
    assert not any("Hard of hearing" in n for n in notes)


def test_only_managers_and_admins_see_import_clients_in_the_manager_menu(desk: Desk) -> None:  # noqa: F811
    parent = QWidget()
    assert not any("Import clients" in a.text() for a in manager_actions(parent, desk))
    assert any("Import clients" in a.text() for a in manager_actions(parent, desk.as_user("manager")))
    assert any("appointments" in a.text() for a in manager_actions(parent, desk.as_user("manager")))


def write_appointments(desk: Desk, folder: Path) -> Path:  # noqa: F811
    """Two upcoming visits for a client on file (one for a service the practice lacks) and one past visit."""
    desk.add_client("Ana", "Ruiz", email="ana@example.com")
    ahead, past = desk.today + timedelta(days=2), desk.today - timedelta(days=30)
    path = folder / "appointments.csv"
    path.write_text("Date,Time,Customer,Email,Service,Provider,Duration\n"
                    f"{ahead.isoformat()},10:00 AM,Ana Ruiz,ana@example.com,Botox,Dana Reyes,30\n"
                    f"{ahead.isoformat()},2:00 PM,Ana Ruiz,ana@example.com,Hydrafacial,Dana Reyes,60\n"
                    f"{past.isoformat()},10:00 AM,Ana Ruiz,ana@example.com,Botox,Dana Reyes,30\n", encoding="utf-8")
    return path


def test_a_manager_books_the_upcoming_appointments_of_the_old_system(
        qtbot: QtBot, desk: Desk, tmp_path: Path) -> None:  # noqa: F811
    path = write_appointments(desk, tmp_path)
    dialog = VisitImportDialog(desk.as_user("manager"))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.open_file(path)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    assert dialog.summary.text().startswith("1 upcoming appointment ready to book. 1 already past is left out. "
                                            "1 row cannot be booked as it is")
    assert dialog.problems.item(0, 1).text().startswith("Service does not match")
    dialog.import_button.click()
    qtbot.waitUntil(lambda: "Nothing was booked" in dialog.summary.text(), timeout=10_000)
    dialog.leave_out.setChecked(True)
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.summary.text().startswith("1 appointment booked; 1 left out."), timeout=10_000)
    starts = db_worker().run_sync(lambda store: [r[0] for r in store.connection.execute(
        "SELECT json_extract(data, '$.starts_at') FROM appointments")])
    assert len(starts) == 1
