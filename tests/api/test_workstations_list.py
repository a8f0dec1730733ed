"""A manager lists the practice's workstations (who signed in last, last contact, revoked) and revokes one."""

from __future__ import annotations

from medspa_desk.records import Role
from tests.api.desk import Desk
from tests.support.live_api import LiveApi


def test_a_manager_sees_each_workstation_with_who_signed_in_last_and_revokes_one(live_api: LiveApi) -> None:
    person = live_api.add_user(Role.PROVIDER)
    with Desk.sign_in(live_api, person.username) as laptop, \
            Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        listed = {row["id"]: row for row in manager.get("/devices").json()}
        row = listed[str(laptop.device_id)]
        assert row["last_user"] == person.username.title() and row["revoked_at"] is None
        assert row["last_contact_at"] is not None and row["last_contact_at"].endswith(("Z", "+00:00"))
        assert not {"wrapped_key", "server_half", "secret_hash"} & set(row)
        assert manager.post(f"/devices/{laptop.device_id}/revoke").status_code == 200
        again = {r["id"]: r for r in manager.get("/devices").json()}[str(laptop.device_id)]
        assert again["revoked_at"] is not None
        assert laptop.get("/sync/changes").status_code in (401, 403)


def test_only_managers_and_admins_list_workstations(live_api: LiveApi) -> None:
    for role in (Role.FRONT_DESK, Role.PROVIDER):
        with Desk.sign_in(live_api, live_api.fresh(role)) as desk:
            refused = desk.get("/devices")
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    with Desk.sign_in(live_api, live_api.fresh(Role.ADMIN)) as admin:
        assert admin.get("/devices").status_code == 200
