"""The Manager menu: screens for managers and admins only, per the clinic's table (``medspa_desk.rules``)."""

from __future__ import annotations

from typing import Any

from medspa_desk.rules import UseCase, may
from ui.qt import QAction, Qt, QWidget


def manager_actions(parent: QWidget, session: Any) -> list[QAction]:
    """The Manager menu's entries this person may use (empty for front desk and providers)."""
    actions = []
    if may(session.user.role, UseCase.MANAGE_STAFF):
        from ui.manager.staff import StaffDialog

        actions.append(_opener(parent, "&Staff…", "Invite, disable, unlock, reset an authenticator, change a role",
                               lambda: StaffDialog(session, parent)))
    if may(session.user.role, UseCase.MANAGE_WORKSTATIONS):
        from ui.manager.workstations import WorkstationsDialog

        actions.append(_opener(parent, "&Workstations…", "See the practice's workstations; revoke a lost one",
                               lambda: WorkstationsDialog(session, parent)))
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
