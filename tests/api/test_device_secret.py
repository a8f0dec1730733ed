"""A device id is only a claim: the secret issued at registration proves the workstation (escrow, refresh)."""

from __future__ import annotations

import base64
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.records import Role, new_id
from tests.api.desk import Desk
from tests.support.live_api import LiveApi

BLOB = base64.b64encode(b"wrapped-data-key-bytes-0123456789").decode()


def _deposit(desk: Desk) -> None:
    answer = desk.post("/devices/escrow", json={"wrapped_key": BLOB, "vault_id": str(new_id())})
    assert answer.status_code == 200, answer.text


def _login(api: LiveApi, who: str, **fields: str) -> httpx.Response:
    user = api.users[who]
    with api.client() as http:
        return http.post(api.url("/auth/login"), json={"tenant": api.tenant.name, "username": user.username,
                                                       "password": user.password, "totp": api.totp(who), **fields})


def test_another_user_claiming_the_device_id_without_its_secret_cannot_fetch_the_escrow(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as owner:
        assert owner.tokens["device_secret"]
        _deposit(owner)
        assert owner.get("/devices/escrow").json()["wrapped_key"] == BLOB
    intruder = live_api.fresh(Role.FRONT_DESK)
    with Desk(live_api, live_api.login(intruder, device_id=owner.device_id)) as claimed:
        assert claimed.tokens["device_secret"] is None, "the secret is issued once, at registration"
        answer = claimed.get("/devices/escrow")
    assert answer.status_code == 403
    assert answer.json()["code"] == "device_unproven"
    assert BLOB not in answer.text


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
    answer = _login(live_api, live_api.fresh(Role.FRONT_DESK), device_id=owner["device_id"], device_secret=wrong)
    assert answer.status_code == 401
    assert answer.json()["code"] == "invalid_device_secret"
    with live_api.client() as http:
        refreshed = http.post(live_api.url("/auth/refresh"), json={
            "refresh_token": owner["refresh_token"], "device_id": owner["device_id"], "device_secret": wrong})
        assert refreshed.status_code == 401
        assert refreshed.json()["code"] == "invalid_device_secret"
        right = http.post(live_api.url("/auth/refresh"), json={
            "refresh_token": owner["refresh_token"], "device_id": owner["device_id"],
            "device_secret": owner["device_secret"]})
    assert right.status_code == 200, right.text


def test_a_refresh_with_the_secret_proves_a_session_signed_in_without_it(live_api: LiveApi) -> None:
    owner = live_api.login(live_api.fresh(Role.FRONT_DESK))
    with Desk(live_api, owner) as first:
        _deposit(first)
    unproven = live_api.login(live_api.fresh(Role.FRONT_DESK), device_id=owner["device_id"])
    with live_api.client() as http:
        refreshed = http.post(live_api.url("/auth/refresh"), json={
            "refresh_token": unproven["refresh_token"], "device_id": unproven["device_id"],
            "device_secret": owner["device_secret"]})
    assert refreshed.status_code == 200, refreshed.text
    with Desk(live_api, refreshed.json()) as desk:
        assert desk.get("/devices/escrow").status_code == 200


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
    with Desk(live_api, live_api.login(intruder.username, device_id=owner.device_id)) as claimed:
        answer = claimed.http.request(method, live_api.url(path),
                                      json={"wrapped_key": "b3ZlcndyaXR0ZW4=", "vault_id": str(new_id())})
    assert answer.status_code == 403, answer.text
    assert answer.json()["code"] == "device_unproven"
    assert half not in answer.text
    assert [(r.detail, r.outcome, r.device_id) for r in _refusals_audited(live_api, user_id=intruder.id)] == [
        (detail, "device_unproven", owner.device_id)]
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
