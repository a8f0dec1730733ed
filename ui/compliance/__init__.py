"""The Compliance menu (managers and admins): the audit trail, the binder and a client's access report.

- ``compliance_menu(window, session)``: the menu, or None for a role that may not use it;
- ``open_access_report(parent, session, client_id=..., client_name=...)``: the report for one client
  (the client profile's button).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

from medspa_desk.desk.compliance import save_compliance_binder
from medspa_desk.rules import UseCase, may
from ui.operations import QueryOp, describe_error
from ui.qt import QFileDialog, QMenu, QMessageBox, Qt, QWidget


def open_audit_viewer(parent: QWidget, session: Any) -> QWidget:
    from ui.compliance.audit_viewer import AuditViewer

    window = AuditViewer(session, parent=parent)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.show()
    parent.audit_viewer = window  # a handle for tests and for the lock's teardown
    return window


def open_access_report(parent: QWidget, session: Any, *, client_id: UUID, client_name: str) -> QWidget:
    from ui.compliance.access_report import AccessReportWindow

    window = AccessReportWindow(session, client_id=client_id, client_name=client_name, parent=parent)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.show()
    parent.access_report = window
    return window


def save_binder(parent: QWidget, session: Any, path: Path) -> None:
    """The compliance binder to ``path`` on the database worker; the person is told where it went."""
    actor, location = session.actor, session.location
    QueryOp(parent, body=lambda store: save_compliance_binder(store, actor=actor, location=location, path=path),
            success=lambda saved: QMessageBox.information(
                parent, "Binder saved", f"The compliance binder was saved as {saved.name} in {saved.parent}. "
                "Lines marked Missing are the records the practice still has to keep."),
            failure=lambda exc: QMessageBox.warning(parent, "Binder not saved", describe_error(exc))).run()


def _ask_where_to_save_binder(parent: QWidget, session: Any) -> None:
    path, _ = QFileDialog.getSaveFileName(parent, "Save the compliance binder", "compliance-binder.pdf",
                                          "PDF (*.pdf)")
    if path:
        save_binder(parent, session, Path(path))


def compliance_menu(window: QWidget, session: Any) -> QMenu | None:
    """"Compliance" with the audit trail and the binder, for the roles the clinic's table lets use them."""
    if not may(session.actor.role, UseCase.READ_AUDIT_TRAIL):
        return None
    menu = QMenu("C&ompliance", window)
    trail = menu.addAction("&Audit trail…")
    trail.setToolTip("Who did what, when and where: filter, page through, export as CSV or PDF")
    trail.triggered.connect(lambda _checked=False: open_audit_viewer(window, session))
    if may(session.actor.role, UseCase.MAKE_COMPLIANCE_BINDER):
        binder = menu.addAction("Compliance &binder…")
        binder.setToolTip("One PDF for an auditor: the ten HIPAA Security Rule items with this practice's "
                          "evidence, and what is still missing")
        binder.triggered.connect(lambda _checked=False: _ask_where_to_save_binder(window, session))
    return menu


__all__ = ["compliance_menu", "open_access_report", "open_audit_viewer", "save_binder"]
