"""A device id is only a claim: the secret issued at registration proves the workstation (escrow, refresh)."""

from __future__ import annotations

import base64
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.records import Role, new_id
from tests.api.desk import Desk, make_legacy_device
from tests.support.live_api import LiveApi

BLOB = base64.b64encode(b"wrapped-data-key-bytes-0123456789").decode()

# Some tests fail sign-ins on purpose; the loopback address's budget must not run out for others.
pytestmark = pytest.mark.usefixtures("address_budget_restored")


def _deposit(desk: Desk) -> None:
    answer = desk.post("/devices/escrow", json={"wrapped_key": BLOB, "vault_id": str(new_id())})
    assert answer.status_code == 200, answer.text


def _login(api: LiveApi, who: str, **fields: str) -> httpx.Response:
    user = api.users[who]
    with api.client() as http:
        return http.post(api.url("/auth/login"), json={"tenant": api.tenant.name, "username": user.username,
                                                       "password": user.password, "totp": api.totp(who), **fields})


def _sign_in_failures(api: LiveApi, *, user_id: UUID) -> list[tuple[str, UUID | None]]:
    with api.database.transaction(api.tenant.id, write=False) as conn:
        return [(r.outcome, r.device_id) for r in conn.execute(
            sa.select(t.audit.c.outcome, t.audit.c.device_id).where(
                t.audit.c.tenant_id == api.tenant.id, t.audit.c.actor_user_id == user_id,
                t.audit.c.action == "sign_in_failed").order_by(t.audit.c.seq))]


def _failed_logins(api: LiveApi, user_id: UUID) -> int:
    with api.database.transaction(api.tenant.id, write=False) as conn:
        return conn.execute(sa.select(t.users.c.failed_logins).where(
            t.users.c.tenant_id == api.tenant.id, t.users.c.id == user_id)).scalar_one()


def test_another_user_claiming_the_device_id_without_its_secret_is_refused_at_sign_in(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as owner:
        assert owner.tokens["device_secret"]
        _deposit(owner)
    intruder = live_api.add_user(Role.FRONT_DESK)
    code = live_api.totp(intruder.username)
    body = {"tenant": live_api.tenant.name, "username": intruder.username, "password": intruder.password,
            "totp": code, "device_id": str(owner.device_id)}
    with live_api.client() as http:
        answer = http.post(live_api.url("/auth/login"), json=body)
        assert answer.status_code == 401
        assert answer.json()["code"] == "invalid_device_secret"
        assert BLOB not in answer.text
        # The code was spent by the refused attempt: it cannot open a session on a new workstation either.
        elsewhere = new_id()
        again = http.post(live_api.url("/auth/login"), json={**body, "device_id": str(elsewhere)})
    assert again.status_code == 401
    assert again.json()["code"] == "invalid_totp"
    assert _sign_in_failures(live_api, user_id=intruder.id) == [
        ("device_secret_missing", owner.device_id), ("wrong_totp", elsewhere)]
    assert _failed_logins(live_api, intruder.id) == 2


def test_a_colleague_with_the_device_secret_gets_the_escrow(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as owner:
        _deposit(owner)
    secret = owner.tokens["device_secret"]
    colleague = live_api.fresh(Role.PROVIDER)
    with Desk(live_api, live_api.login(colleague, device_id=owner.device_id, device_secret=secret)) as desk:
        released = desk.get("/devices/escrow")
    assert released.status_code == 200, released.text
    assert released.json()["wrapped_key"] == BLOB


def test_a_wrong_device_secret_is_refused_at_sign_in_and_refresh(live_api: LiveApi) -> None:
    owner = live_api.login(live_api.fresh(Role.FRONT_DESK))
    wrong = "not-the-secret-of-this-workstation"
    colleague = live_api.add_user(Role.FRONT_DESK)
    answer = _login(live_api, colleague.username, device_id=owner["device_id"], device_secret=wrong)
    assert answer.status_code == 401
    assert answer.json()["code"] == "invalid_device_secret"
    assert _sign_in_failures(live_api, user_id=colleague.id) == [("device_secret_wrong", UUID(owner["device_id"]))]
    assert _failed_logins(live_api, colleague.id) == 1
    with live_api.client() as http:
        refreshed = http.post(live_api.url("/auth/refresh"), json={
            "refresh_token": owner["refresh_token"], "device_id": owner["device_id"], "device_secret": wrong})
        assert refreshed.status_code == 401
        assert refreshed.json()["code"] == "invalid_device_secret"
        right = http.post(live_api.url("/auth/refresh"), json={
            "refresh_token": owner["refresh_token"], "device_id": owner["device_id"],
            "device_secret": owner["device_secret"]})
    assert right.status_code == 200, right.text


def test_a_refresh_without_the_secret_is_refused_audited_and_counted(live_api: LiveApi) -> None:
    owner = live_api.add_user(Role.FRONT_DESK)
    tokens = live_api.login(owner.username)
    with live_api.client() as http:
        refused = http.post(live_api.url("/auth/refresh"), json={
            "refresh_token": tokens["refresh_token"], "device_id": tokens["device_id"]})
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_device_secret"
    assert _sign_in_failures(live_api, user_id=owner.id) == [("device_secret_missing", UUID(tokens["device_id"]))]
    assert _failed_logins(live_api, owner.id) == 1


def test_a_legacy_device_gets_its_secret_and_a_refresh_with_it_proves_the_session(live_api: LiveApi) -> None:
    registrar = live_api.fresh(Role.FRONT_DESK)
    first = live_api.login(registrar)
    make_legacy_device(live_api, first["device_id"])
    bound = live_api.login(registrar, device_id=UUID(first["device_id"]))
    assert bound["device_secret"], "the registrar's next sign-in binds the legacy device to a secret"
    with Desk(live_api, bound) as unproven:
        assert unproven.get("/devices/escrow/server-half").json()["code"] == "device_unproven"
    with live_api.client() as http:
        refreshed = http.post(live_api.url("/auth/refresh"), json={
            "refresh_token": bound["refresh_token"], "device_id": bound["device_id"],
            "device_secret": bound["device_secret"]})
    assert refreshed.status_code == 200, refreshed.text
    with Desk(live_api, refreshed.json()) as desk:
        assert desk.get("/devices/escrow/server-half").status_code == 200


def _secret_hash(api: LiveApi, device_id: UUID) -> str:
    with api.database.transaction(api.tenant.id, write=False) as conn:
        return conn.execute(sa.select(t.devices.c.secret_hash).where(
            t.devices.c.tenant_id == api.tenant.id, t.devices.c.id == device_id)).scalar_one()


def _refusals_audited(api: LiveApi, *, user_id: UUID) -> list[sa.Row]:
    with api.database.transaction(api.tenant.id, write=False) as conn:
        return list(conn.execute(sa.select(t.audit.c.detail, t.audit.c.outcome, t.audit.c.device_id)
                                 .where(t.audit.c.tenant_id == api.tenant.id, t.audit.c.actor_user_id == user_id,
                                        t.audit.c.outcome == "device_unproven")))


@pytest.mark.parametrize(("method", "path", "detail"), [
    ("GET", "/devices/escrow/server-half", "escrow_server_half"),
    ("POST", "/devices/escrow", "escrow_deposit"),
], ids=["server half", "deposit"])
def test_a_session_claiming_the_device_id_without_its_secret_cannot_read_the_half_or_replace_the_key(
        live_api: LiveApi, method: str, path: str, detail: str) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as owner:
        _deposit(owner)
        half = owner.get("/devices/escrow/server-half").json()["server_half"]
    intruder = live_api.add_user(Role.FRONT_DESK)
    secret_hash = _secret_hash(live_api, owner.device_id)
    make_legacy_device(live_api, owner.device_id)  # the only way left to sign in on it without its secret
    with Desk(live_api, live_api.login(intruder.username, device_id=owner.device_id)) as claimed:
        answer = claimed.http.request(method, live_api.url(path),
                                      json={"wrapped_key": "b3ZlcndyaXR0ZW4=", "vault_id": str(new_id())})
    assert answer.status_code == 403, answer.text
    assert answer.json()["code"] == "device_unproven"
    assert half not in answer.text
    assert [(r.detail, r.outcome, r.device_id) for r in _refusals_audited(live_api, user_id=intruder.id)] == [
        (detail, "device_unproven", owner.device_id)]
    with live_api.database.transaction(live_api.tenant.id) as conn:
        conn.execute(t.devices.update().where(t.devices.c.tenant_id == live_api.tenant.id,
                                              t.devices.c.id == owner.device_id).values(secret_hash=secret_hash))
    with Desk(live_api, live_api.login(live_api.fresh(Role.FRONT_DESK), device_id=owner.device_id,
                                       device_secret=owner.tokens["device_secret"])) as proven:
        released = proven.get("/devices/escrow").json()
    assert released["wrapped_key"] == BLOB, "the refused deposit left the workstation's key as it was"
    assert released["server_half"] == half


def test_a_colleague_with_the_device_secret_may_read_the_half_and_deposit_again(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as first:
        _deposit(first)
    colleague = live_api.fresh(Role.PROVIDER)
    with Desk(live_api, live_api.login(colleague, device_id=first.device_id,
                                       device_secret=first.tokens["device_secret"])) as proven:
        assert proven.get("/devices/escrow/server-half").status_code == 200
        _deposit(proven)
