"""What a workstation reports after its syncs (issue 17 items 3 and 4): app version, whose changes wait.

A real desk's engine reports on its own after a sync; the manager's list
shows the version and the changes waiting, and disabling a leaver names the
workstations where changes of theirs wait. Both server databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from medspa_desk.desk import clients
from medspa_desk.desk.staff import queued_notice
from medspa_desk.records import Role
from medspa_desk.store import Actor
from medspa_desk.sync.manager_api import StaffMember
from medspa_desk.version import APP_VERSION
from tests.api.desk import Desk as HttpDesk
from tests.support.live_api import LiveApi
from tests.support.sync_desks import new_client, open_desk, wait_until


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path / "api", backend=request.param) as api:
        yield api


def _listed(manager: HttpDesk, device_id: object) -> dict[str, Any]:
    return {row["id"]: row for row in manager.get("/devices").json()}[str(device_id)]


def test_a_leavers_changes_left_on_a_workstation_are_named_when_a_manager_disables_them(
        live: LiveApi, tmp_path: Path, secret_service: None) -> None:
    leaver = live.add_user(Role.FRONT_DESK)
    desk = open_desk(live, tmp_path / "a", who="front_desk", name="Front desk 1", interval_s=120.0)
    try:
        # The leaver's own changes, left on this workstation when they switched out offline: they are
        # pushed only in the leaver's session, so the signed-in colleague's syncs leave them queued.
        left_by = Actor(user_id=leaver.id, device_id=desk.session.device_id, role=Role.FRONT_DESK)
        for first in ("Ines", "Odile"):
            desk.write(lambda store, f=first: clients.add_client(store, actor=left_by,
                                                                 client=new_client(f, "Carvalho")))
        with HttpDesk.sign_in(live, live.fresh(Role.MANAGER)) as manager:
            wait_until(lambda: _listed(manager, desk.session.device_id)["queued"] == 2, timeout_s=30,
                       what="the workstation to report the two changes waiting")
            row = _listed(manager, desk.session.device_id)
            assert row["app_version"] == APP_VERSION and row["reported_at"] is not None

            answer = manager.post(f"/users/{leaver.id}/disable")
            assert answer.status_code == 200, answer.text
            member = StaffMember.model_validate(answer.json())
            assert [(w.device_id, w.workstation, w.changes) for w in member.waiting_on] == [
                (desk.session.device_id, "Front desk 1", 2)]
            said = queued_notice(0, name="Ana", elsewhere=member.waiting_on)
            assert "“Front desk 1” holds 2 changes" in said
            assert queued_notice(2, name="Ana", elsewhere=member.waiting_on,
                                 this_workstation=desk.session.device_id).count("holds") == 1
    finally:
        desk.close()


def test_a_manager_renames_a_workstation_and_a_bad_name_or_a_front_desk_is_refused(
        live: LiveApi, tmp_path: Path) -> None:
    with HttpDesk.sign_in(live, live.fresh(Role.FRONT_DESK)) as laptop, \
            HttpDesk.sign_in(live, live.fresh(Role.MANAGER)) as manager:
        renamed = manager.post(f"/devices/{laptop.device_id}/name", json={"name": "Room 3 laptop"})
        assert renamed.status_code == 200, renamed.text
        assert _listed(manager, laptop.device_id)["name"] == "Room 3 laptop"
        for bad in ("", "x" * 101, "Room\u00003"):
            refused = manager.post(f"/devices/{laptop.device_id}/name", json={"name": bad})
            assert refused.status_code == 422, bad
        forbidden = laptop.post(f"/devices/{laptop.device_id}/name", json={"name": "Mine"})
        assert (forbidden.status_code, forbidden.json()["code"]) == (403, "forbidden")
        bogus = laptop.http.put(live.url("/devices/me/report"), json={"app_version": "1.0", "queued": {
            "not-a-uuid": 1}})
        assert bogus.status_code == 422
        too_many = laptop.http.put(live.url("/devices/me/report"), json={"app_version": "1.0", "queued": {
            str(uuid4()): 1 for _ in range(101)}})
        assert too_many.status_code == 422
