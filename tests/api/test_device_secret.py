"""A device id is only a claim: the secret issued at registration proves the workstation (escrow, refresh)."""

from __future__ import annotations

import base64

import httpx

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
