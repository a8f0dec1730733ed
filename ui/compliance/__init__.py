"""The Compliance menu: the audit trail, the evidence records, the binder, the whole practice's export and
the end of its contract (managers and admins), and
"Sign policies" (everyone); a client's access report, disclosures and record requests (the profile's buttons).

- ``compliance_menu(window, session)``: the menu, with what the person's role may use;
- ``open_access_report(parent, session, client_id=..., client_name=...)``: the report for one client
  (the client profile's button).
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from medspa_desk.desk.compliance import save_compliance_binder
from medspa_desk.desk.context import SignedIn
from medspa_desk.desk.end_of_contract import EndsContract
from medspa_desk.rules import UseCase, may
from ui.operations import QueryOp, describe_error
from ui.qt import QFileDialog, QMenu, QMessageBox, Qt, QWidget


def open_audit_viewer(parent: QWidget, session: SignedIn) -> QWidget:
    from ui.compliance.audit_viewer import AuditViewer

    window = AuditViewer(session, parent=parent)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.show()
    parent.audit_viewer = window  # a handle for tests and for the lock's teardown
    return window


def open_access_report(parent: QWidget, session: SignedIn, *, client_id: UUID, client_name: str) -> QWidget:
    from ui.compliance.access_report import AccessReportWindow

    window = AccessReportWindow(session, client_id=client_id, client_name=client_name, parent=parent)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.show()
    parent.access_report = window
    return window


def _show_window(parent: QWidget, window: QWidget, handle: str) -> QWidget:
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.show()
    setattr(parent, handle, window)  # a handle for tests and for the lock's teardown
    return window


def open_evidence(parent: QWidget, session: SignedIn) -> QWidget:
    from ui.compliance.evidence import EvidenceWindow

    return _show_window(parent, EvidenceWindow(session, parent=parent), "evidence_window")


def open_practice_export(parent: QWidget, session: SignedIn) -> QWidget:
    from ui.compliance.practice_export import PracticeExportDialog

    return _show_window(parent, PracticeExportDialog(session, parent=parent), "practice_export")


def open_end_of_contract(parent: QWidget, session: EndsContract) -> QWidget:
    from ui.compliance.end_of_contract import EndOfContractDialog

    return _show_window(parent, EndOfContractDialog(session, parent=parent), "end_of_contract")


def open_sign_policies(parent: QWidget, session: SignedIn) -> QWidget:
    from ui.compliance.evidence import SignPolicyDialog

    return _show_window(parent, SignPolicyDialog(session, parent=parent), "sign_policies")


def open_disclosure(parent: QWidget, session: SignedIn, *, client_id: UUID, client_name: str) -> QWidget:
    from ui.compliance.evidence import DisclosureDialog

    return _show_window(parent, DisclosureDialog(session, client_id=client_id, client_name=client_name,
                                                 parent=parent), "disclosure_dialog")


def open_access_request(parent: QWidget, session: SignedIn, *, client_id: UUID, client_name: str) -> QWidget:
    from ui.compliance.evidence import AccessRequestDialog

    return _show_window(parent, AccessRequestDialog(session, client_id=client_id, client_name=client_name,
                                                    parent=parent), "access_request_dialog")


def save_binder(parent: QWidget, session: SignedIn, path: Path) -> None:
    """The compliance binder to ``path`` on the database worker; the person is told where it went."""
    actor, location = session.actor, session.location
    QueryOp(parent, body=lambda store: save_compliance_binder(store, actor=actor, location=location, path=path),
            success=lambda saved: QMessageBox.information(
                parent, "Binder saved", f"The compliance binder was saved as {saved.name} in {saved.parent}. "
                "Lines marked Missing are the records the practice still has to keep."),
            failure=lambda exc: QMessageBox.warning(parent, "Binder not saved", describe_error(exc))).run()


def _ask_where_to_save_binder(parent: QWidget, session: SignedIn) -> None:
    path, _ = QFileDialog.getSaveFileName(parent, "Save the compliance binder", "compliance-binder.pdf",
                                          "PDF (*.pdf)")
    if path:
        save_binder(parent, session, Path(path))


def compliance_menu(window: QWidget, session: EndsContract) -> QMenu:
    """"Compliance": everyone signs the training and policies here; managers and admins also get the audit trail,
    the evidence records and the binder (the clinic's table decides)."""
    role = session.actor.role
    menu = QMenu("C&ompliance", window)
    if may(role, UseCase.READ_AUDIT_TRAIL):
        trail = menu.addAction("&Audit trail…")
        trail.setToolTip("Who did what, when and where: filter, page through, export as CSV or PDF")
        trail.triggered.connect(lambda _checked=False: open_audit_viewer(window, session))
    if may(role, UseCase.READ_COMPLIANCE_RECORDS):
        records = menu.addAction("&Evidence records…")
        records.setToolTip("What needs doing, the risk assessment, business associates, incidents, restore drills "
                           "and who signed the training and policies")
        records.triggered.connect(lambda _checked=False: open_evidence(window, session))
    if may(role, UseCase.MAKE_COMPLIANCE_BINDER):
        binder = menu.addAction("Compliance &binder…")
        binder.setToolTip("One PDF for an auditor: the ten HIPAA Security Rule items with this practice's "
                          "evidence, and what is still missing")
        binder.triggered.connect(lambda _checked=False: _ask_where_to_save_binder(window, session))
    if may(role, UseCase.EXPORT_WHOLE_PRACTICE):
        handover = menu.addAction("Export the &whole practice…")
        handover.setToolTip("At the end of a contract: every client's record (FHIR and PDF), the audit trail and "
                            "a manifest of SHA-256s, into a new folder")
        handover.triggered.connect(lambda _checked=False: open_practice_export(window, session))
    if may(role, UseCase.DESTROY_PRACTICE):
        ending = menu.addAction("E&nd of contract…")
        ending.setToolTip("After the export: two managers destroy the practice's records on the server and every "
                          "workstation, and a certificate of destruction is saved")
        ending.triggered.connect(lambda _checked=False: open_end_of_contract(window, session))
    if may(role, UseCase.ACKNOWLEDGE_POLICY):
        sign = menu.addAction("&Sign policies…")
        sign.setToolTip("Read the security training and the practice's policies and sign them with your name")
        sign.triggered.connect(lambda _checked=False: open_sign_policies(window, session))
    return menu


__all__ = ["compliance_menu", "open_access_report", "open_access_request", "open_audit_viewer", "open_disclosure",
           "open_end_of_contract", "open_evidence", "open_practice_export", "open_sign_policies", "save_binder"]
