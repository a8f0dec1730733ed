"""The desk's escrow calls against the real API, which answers them only to a session that proved the workstation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from medspa_api.db import tables as t
from medspa_desk.sync.api import CentralApi
from medspa_desk.sync.auth import Session, sign_in_online
from medspa_desk.sync.errors import ServerRefused, SignInNeeded
from medspa_desk.sync.escrow import deposit_escrow, enroll_from_escrow
from tests.support.live_api import LiveApi
from tests.support.sync_desks import DESK_PASSWORD, client_factory
from tests.support.vaults import desk_vault


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path / "api") as api:
        yield api


@pytest.fixture
def api(live: LiveApi) -> Iterator[CentralApi]:
    central = CentralApi(client_factory(live.base_url, live.ca_path)())
    yield central
    central.close()


def _sign_in(live: LiveApi, api: CentralApi, who: str, *, device_id: UUID | None = None,
             device_secret: str | None = None) -> tuple[Session, str | None]:
    """A session as the desk keeps it, holding the proof it sent or was just issued; and that proof."""
    user = live.users[who]
    tokens = sign_in_online(api, tenant=live.tenant.name, username=user.username, password=user.password,
                            totp=live.totp(user.username), device_id=device_id, device_secret=device_secret)
    proof = device_secret or tokens.device_secret
    return Session(api=api, tokens=tokens, device_secret=proof), proof


def test_a_workstation_bound_to_its_secret_at_this_sign_in_proves_itself_and_deposits(
        live: LiveApi, api: CentralApi, tmp_path: Path, secret_service: None) -> None:
    registered, _ = _sign_in(live, api, "front_desk")
    # Registered before device secrets existed: the server holds none for it.
    with live.database.transaction(live.tenant.id) as conn:
        conn.execute(t.devices.update().where(t.devices.c.tenant_id == live.tenant.id,
                                              t.devices.c.id == registered.device_id).values(secret_hash=None))
    # Its registering user signs in again: the server issues the secret now, but this sign-in did not show it.
    session, proof = _sign_in(live, api, "front_desk", device_id=registered.device_id)
    assert proof is not None
    with desk_vault(tmp_path / "desk", user_id=session.user.id, password=DESK_PASSWORD) as (vault, key, _):
        deposit_escrow(api=api, session=session, vault=vault, data_key=key)
        colleague, _ = _sign_in(live, api, "provider", device_id=session.device_id, device_secret=proof)
        enrolled = enroll_from_escrow(api=api, session=colleague, vault=vault, user_id=colleague.user.id,
                                      password="the colleague's own desk password")
        assert bytes(enrolled.buffer) == bytes(key.buffer)
        enrolled.wipe()


def test_a_session_without_the_workstations_proof_may_not_deposit(
        live: LiveApi, api: CentralApi, tmp_path: Path, secret_service: None) -> None:
    owner, _ = _sign_in(live, api, "front_desk")
    # A device with a secret refuses a sign-in without it outright (401 invalid_device_secret); one
    # registered before secrets existed is the only one a session can still claim unproven.
    with pytest.raises(SignInNeeded, match="could not prove"):
        _sign_in(live, api, "manager", device_id=owner.device_id)
    with live.database.transaction(live.tenant.id) as conn:
        conn.execute(t.devices.update().where(t.devices.c.tenant_id == live.tenant.id,
                                              t.devices.c.id == owner.device_id).values(secret_hash=None))
    claimant, proof = _sign_in(live, api, "manager", device_id=owner.device_id)
    assert proof is None
    with desk_vault(tmp_path / "desk", user_id=claimant.user.id, password=DESK_PASSWORD) as (vault, key, _):
        with pytest.raises(ServerRefused) as refused:
            deposit_escrow(api=api, session=claimant, vault=vault, data_key=key)
        assert refused.value.code == "device_unproven"
        assert "device secret" in refused.value.message
