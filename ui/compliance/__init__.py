"""The Compliance menu (managers and admins): the audit trail and a client's access report.

- ``compliance_menu(window, session)``: the menu, or None for a role that may not use it;
- ``open_access_report(parent, session, client_id=..., client_name=...)``: the report for one client
  (the client profile's button).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from medspa_desk.rules import UseCase, may
from ui.qt import QMenu, Qt, QWidget


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


def compliance_menu(window: QWidget, session: Any) -> QMenu | None:
    """"Compliance" with the audit trail, for the roles the clinic's table lets read it."""
    if not may(session.actor.role, UseCase.READ_AUDIT_TRAIL):
        return None
    menu = QMenu("C&ompliance", window)
    trail = menu.addAction("&Audit trail…")
    trail.setToolTip("Who did what, when and where: filter, page through, export as CSV or PDF")
    trail.triggered.connect(lambda _checked=False: open_audit_viewer(window, session))
    return menu


__all__ = ["compliance_menu", "open_access_report", "open_audit_viewer"]
