"""The Manager menu: screens for managers and admins only, per the clinic's table (``medspa_desk.rules``)."""

from __future__ import annotations

from typing import Any

from medspa_desk.rules import UseCase, may
from medspa_desk.session import DeskSession
from ui.qt import QAction, Qt, QWidget


def manager_actions(parent: QWidget, session: DeskSession) -> list[QAction]:
    """The Manager menu's entries this person may use (empty for front desk and providers)."""
    actions = []
    if may(session.user.role, UseCase.MANAGE_STAFF):
        from ui.manager.staff import StaffDialog

        actions.append(_opener(parent, "&Staff…", "Invite, disable, unlock, reset an authenticator, change a role",
                               lambda: StaffDialog(session, parent)))
    if may(session.user.role, UseCase.MANAGE_WORKSTATIONS):
        from ui.manager.workstations import WorkstationsDialog

        actions.append(_opener(parent, "&Workstations…", "See the practice's workstations, their app version and waiting changes; rename or revoke one",
                               lambda: WorkstationsDialog(session, parent)))
    if may(session.user.role, UseCase.SET_UP_PRACTICE):
        from ui.manager.practice import SCREENS, SetupDialog
        from ui.manager.setup_assistant import SetupAssistant

        actions.append(_opener(parent, "Set-up &assistant…", "Walk through the practice's set-up, step by step",
                               lambda: SetupAssistant(session, parent)))
        for entity, spec in SCREENS.items():
            actions.append(_opener(parent, f"{spec.title}…", spec.intro,
                                   lambda entity=entity: SetupDialog(session, entity, parent)))
    if may(session.user.role, UseCase.PUBLISH_CONSENT_VERSION):
        from ui.forms.templates import TemplateManager

        actions.append(_opener(parent, "&Consent texts…", "Every consent text and version; publish the practice's own",
                               lambda: TemplateManager(session, parent)))
    if may(session.user.role, UseCase.IMPORT_CLIENTS):
        from ui.manager.client_import import ClientImportDialog

        actions.append(_opener(parent, "&Import clients…", "Bring in the client list from the system you are leaving "
                               "(a CSV export), checked before anything is saved",
                               lambda: ClientImportDialog(session, parent)))
    if may(session.user.role, UseCase.IMPORT_VISITS):
        from ui.manager.visit_import import VisitImportDialog

        actions.append(_opener(parent, "Import upcoming &appointments…", "Book the upcoming appointments from the "
                               "system you are leaving (a CSV export), after its client list",
                               lambda: VisitImportDialog(session, parent)))
    return actions


def _opener(parent: QWidget, text: str, tip: str, make: Any) -> QAction:
    action = QAction(text, parent)
    action.setToolTip(tip)

    def open_screen() -> None:
        screen = make()
        screen.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        parent.manager_screen = screen  # the open screen, for tests and screenshots
        screen.open()

    action.triggered.connect(lambda _checked=False: open_screen())
    return action
