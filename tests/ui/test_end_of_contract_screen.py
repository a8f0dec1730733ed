"""Compliance → End of contract against a live API of its own (the practice is destroyed), on both databases.

The manager on this desk exports the practice and asks, by clicking; being the one who asked, they
cannot confirm (the button stays off and the screen says why). A second manager confirms from their own
desk; this desk is wiped on its next contact, as the app wipes it; the certificate, made again from the
dialog, says both workstations confirmed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from medspa_desk.desk.end_of_contract import CERTIFICATE, EndOfContractDesk
from medspa_desk.records import Role
from medspa_desk.session import DeskSession
from tests.support.desk_sessions import after_first_sync, signed_in_desk
from tests.support.live_api import LiveApi
from tests.ui.conftest import release_worker
from tests.ui.online import sign_in_as_the_app_does
from ui.app import main
from ui.compliance import compliance_menu
from ui.compliance.end_of_contract import NO_REQUEST, EndOfContractDialog
from ui.compliance.practice_export import PracticeExportDialog
from ui.qt import QWidget


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path / "api", backend=request.param) as api:
        yield api


def _leave(session: DeskSession) -> None:
    with contextlib.suppress(Exception):  # a wiped desk has nothing left to sign out of
        session.sign_out()


def test_two_managers_end_the_contract_and_the_certificate_made_again_shows_both_desks_wiped(
        qtbot: Any, live: LiveApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    here = after_first_sync(sign_in_as_the_app_does(live, tmp_path / "desk", who="manager"))
    other = signed_in_desk(live, tmp_path / "other-desk", live.fresh(Role.MANAGER))
    try:
        menu = compliance_menu(QWidget(), here)
        assert "E&nd of contract…" in [action.text() for action in menu.actions()]

        export = PracticeExportDialog(here)
        qtbot.addWidget(export)
        export.folder.setText(str(tmp_path / "handover"))
        export.export_button.click()
        qtbot.waitUntil(lambda: export.result is not None or "Not exported" in export.outcome.text(), timeout=60_000)
        assert export.result is not None, export.outcome.text()

        dialog = EndOfContractDialog(here)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.request.text() == NO_REQUEST, timeout=30_000)
        dialog.folder.setText(str(tmp_path / "handover"))
        dialog.reason.setText("The contract ended on the agreed date")
        dialog.ask_button.click()
        qtbot.waitUntil(lambda: dialog.outcome.text().startswith("Asked."), timeout=30_000)
        assert "You asked, so a different manager must confirm" in dialog.request.text()
        assert not dialog.confirm_button.isEnabled()

        second = EndOfContractDesk(other, role=other.actor.role)
        waiting = second.pending()
        assert waiting.request_id is not None and waiting.reason == "The contract ended on the agreed date"
        second.confirm(request_id=waiting.request_id, practice_name=live.tenant.name, folder=tmp_path / "handover",
                       zone=other.location.zone)

        def wiped(directory: Path) -> bool:
            return not [p for p in directory.rglob("*") if p.is_file()]

        qtbot.waitUntil(lambda: wiped(tmp_path / "desk") and wiped(tmp_path / "other-desk"), timeout=60_000)
        dialog.again_button.click()
        qtbot.waitUntil(lambda: "2 of 2 workstations have confirmed" in dialog.outcome.text(), timeout=30_000)
        assert (tmp_path / "handover" / CERTIFICATE).is_file()
        # After the last desk is wiped there is no sign-in left: the app's command line makes it again.
        assert main(["--certificate-of-destruction", str(tmp_path / "handover")]) == 0
        assert "2 of 2 workstations have confirmed their wipe" in capsys.readouterr().out
    finally:
        release_worker()
        _leave(here)
        _leave(other)
