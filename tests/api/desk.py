"""A signed-in workstation for API tests: an httpx client plus mutation builders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx

from medspa_api.db import tables as t
from medspa_desk.records import Appointment, Client, new_id
from tests.support.live_api import LiveApi, TenantSeed


class Desk:
    def __init__(self, api: LiveApi, tokens: dict[str, Any]) -> None:
        self.api = api
        self.tokens = tokens
        self.device_id = UUID(tokens["device_id"])
        self.http = api.client(headers={"Authorization": f"Bearer {tokens['access_token']}"})

    @classmethod
    def sign_in(cls, api: LiveApi, who: str, *, tenant: TenantSeed | None = None) -> Desk:
        return cls(api, api.login(who, tenant=tenant))

    def __enter__(self) -> Desk:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.http.close()

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(self.api.url(path), **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.post(self.api.url(path), **kwargs)

    def push(self, *mutations: dict[str, Any], client_time: datetime | None = None,
             audit_events: list[dict[str, Any]] | None = None) -> httpx.Response:
        body = {"device_id": str(self.device_id), "client_time": (client_time or datetime.now(UTC)).isoformat(),
                "mutations": list(mutations), "audit_events": audit_events or []}
        return self.post("/sync/push", json=body)

    def push_ok(self, *mutations: dict[str, Any]) -> list[dict[str, Any]]:
        answer = self.push(*mutations)
        assert answer.status_code == 200, answer.text
        return answer.json()["results"]



def make_legacy_device(api: LiveApi, device_id: UUID | str) -> None:
    """The device as registered before device secrets existed: none on record, so none to show."""
    with api.database.transaction(api.tenant.id) as conn:
        conn.execute(t.devices.update().where(t.devices.c.tenant_id == api.tenant.id,
                                              t.devices.c.id == UUID(str(device_id))).values(secret_hash=None))

def mutation(kind: str, entity: str, entity_id: UUID, payload: dict[str, Any], *,
             base_version: int | None = None) -> dict[str, Any]:
    return {"id": str(new_id()), "kind": kind, "entity": entity, "entity_id": str(entity_id), "payload": payload,
            "base_version": base_version, "created_at": datetime.now(UTC).isoformat()}


def new_client(**changes: Any) -> Client:
    fields = {"first_name": "Maria", "last_name": "Okafor", "birth_date": "1988-04-02", "phone": "555-010-2000"}
    return Client.model_validate({**fields, **changes})


def create_client(client: Client) -> dict[str, Any]:
    return mutation("client.create", "client", client.id, client.to_json())


def appointment_for(seed: TenantSeed, client_id: UUID, *, starts_at: datetime, minutes: int = 30) -> Appointment:
    return Appointment(location_id=seed.location.id, client_id=client_id, provider_id=seed.provider.id,
                       room_id=seed.room.id, service_id=seed.service.id, starts_at=starts_at,
                       ends_at=starts_at + timedelta(minutes=minutes))


def book(appt: Appointment) -> dict[str, Any]:
    return mutation("appointment.book", "appointment", appt.id, appt.to_json())


def free_slot_start(offset_hours: int = 0) -> datetime:
    """A time far enough apart per test that bookings of different tests never clash."""
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=30)
    return base + timedelta(hours=offset_hours, minutes=int(new_id().int % 10_000) * 60 * 24)
