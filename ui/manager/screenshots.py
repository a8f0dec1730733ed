"""The Manager screens and the first authenticator set-up for ``--screenshot`` (see ``ui/screenshots.py``)."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

from ui.qt import QWidget


def enrolment_shot(out_dir: Path, *, parent: QWidget | None = None) -> Path:
    """The one-time authenticator set-up, with an invented key (the real one is shown to its person only)."""
    from ui.enrolment import EnrolmentDialog
    from ui.screenshots import fit_dialog, save

    secret = base64.b32encode(os.urandom(20)).decode()
    answer = type("Answer", (), {"secret": secret, "totp_uri": f"otpauth://totp/Medspa%20Desk:newcomer?secret={secret}"
                                                                "&issuer=Medspa%20Desk"})()
    dialog = EnrolmentDialog(answer, parent)
    fit_dialog(dialog)
    dialog.show()
    try:
        return save(dialog, out_dir / "enrolment.png")
    finally:
        dialog.close()


def manager_shots(desk: Any, out_dir: Path, *, username: str, password: str) -> list[Path]:
    """Sign ``username`` (a manager) in through the sign-in window and save each Manager screen."""
    from ui.manager.staff import StaffDialog
    from ui.manager.workstations import WorkstationsDialog
    from ui.screenshots import fit_dialog, save, wait_for

    desk.sign_in.username.setText(username)
    desk.sign_in.password.setText(password)
    desk.sign_in.submit()
    if not wait_for(lambda: desk.window is not None and desk.window.schedule is not None, timeout_s=120.0):
        print("the manager did not sign in for the Manager screenshots: " + desk.sign_in.message.text(), flush=True)
        return []
    window = desk.window
    staff = StaffDialog(desk.session, window)
    fit_dialog(staff)
    staff.show()
    wait_for(lambda: bool(staff.members))
    written = [save(staff, out_dir / "staff.png")]
    staff.close()
    workstations = WorkstationsDialog(desk.session, window)
    fit_dialog(workstations)
    workstations.show()
    wait_for(lambda: bool(workstations.listed))
    written.append(save(workstations, out_dir / "workstations.png"))
    workstations.close()
    window.sign_out()
    wait_for(lambda: desk.window is None)
    return written
