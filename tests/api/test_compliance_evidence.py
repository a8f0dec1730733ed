"""The practice's compliance evidence through the desk's use cases and the live API (both databases).

Two managers' workstations sign in the app's own way; what one records reaches the other by the desk's own
sync (no nudges); the server keeps disclosures and acknowledgments as first written.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.compliance.policies import POLICIES
from medspa_desk.desk import clients, compliance, evidence
from medspa_desk.records import (
    AccessRequest,
    BusinessAssociate,
    Client,
    Disclosure,
    PolicyAcknowledgment,
    PolicyKind,
    Role,
    new_id,
)
from medspa_desk.scheduling import local_day
from medspa_desk.session import DeskSession
from tests.api.desk import Desk, create_client, mutation, new_client
from tests.api.test_audit_viewer import _on_store, _sign_in
from tests.support.live_api import LiveApi


@pytest.fixture
def two_managers(live_api: LiveApi, tmp_path: Path) -> Iterator[tuple[DeskSession, DeskSession]]:
    first = _sign_in(live_api, tmp_path / "first", Role.MANAGER)
    second = _sign_in(live_api, tmp_path / "second", Role.MANAGER)
    try:
        yield first, second
    finally:
        first.sign_out()
        second.sign_out()


def _eventually(
    session: DeskSession, check: Callable[[Any], Any], what: str, *, seconds: float = 30
) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = _on_store(session, check)
        if found:
            return found
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def _server_record(live_api: LiveApi, record_id: Any) -> dict[str, Any] | None:
    r = t.records.c
    with live_api.database.transaction(live_api.tenant.id) as conn:
        row = conn.execute(
            sa.select(r.entity, r.data, r.version).where(
                r.tenant_id == live_api.tenant.id, r.id == record_id
            )
        ).first()
    return None if row is None else {"entity": row.entity, "data": row.data, "version": row.version}


def test_a_disclosure_recorded_on_one_desk_is_in_the_clients_accounting_on_the_other(
    live_api: LiveApi, two_managers: tuple[DeskSession, DeskSession]
) -> None:
    first, second = two_managers
    client = Client(
        first_name="Maria", last_name=f"Okafor-{secrets.token_hex(3)}", birth_date=date(1988, 4, 2)
    )
    today = local_day(datetime.now(UTC), first.location.zone)

    def record(store: Any) -> Disclosure:
        clients.add_client(store, actor=first.actor, client=client)
        return evidence.record_disclosure(
            store,
            actor=first.actor,
            location=first.location,
            client_id=client.id,
            disclosed_on=today,
            recipient="Harbor County Court",
            recipient_address="1 Court Street, Harbor",
            what="Visit dates 2025",
            purpose="Subpoena no. 4471",
        )

    made = _on_store(first, record)

    seen = _eventually(
        second,
        lambda store: evidence.client_disclosures(
            store, actor=second.actor, location=second.location, client_id=client.id
        ),
        "the disclosure did not reach the second desk",
    )
    assert [(d.id, d.recipient, d.recorded_by) for d in seen] == [
        (made.id, "Harbor County Court", first.actor.user_id)
    ]
    until = datetime.now(UTC) + timedelta(days=1)
    report = _on_store(
        second,
        lambda store: compliance.view_access_report(
            store,
            actor=second.actor,
            link=second.server_link(),
            client_id=client.id,
            since=until - timedelta(days=30),
            until=until,
            location=second.location,
        ),
    )
    assert [d.id for d in report.disclosures] == [made.id]
    stored = _server_record(live_api, made.id)
    assert stored is not None and stored["entity"] == "disclosure" and stored["version"] == 1


def test_a_disclosure_is_append_only_on_the_server_and_only_managers_record_one(
    live_api: LiveApi,
) -> None:
    client = new_client(last_name=f"Ruiz-{secrets.token_hex(3)}")
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        me = UUID(manager.tokens["user"]["id"])
        disclosure = Disclosure(
            client_id=client.id,
            disclosed_on=datetime.now(UTC).date() - timedelta(days=1),
            recipient="State registry",
            recipient_address="PO Box 1",
            what="Immunization dates",
            purpose="Required by law",
            recorded_by=me,
            recorded_at=datetime.now(UTC),
        )
        _client, kept = manager.push_ok(
            create_client(client),
            mutation("disclosure.record", "disclosure", disclosure.id, disclosure.to_json()),
        )
        changed = disclosure.model_copy(update={"recipient": "Someone else"})
        [again] = manager.push_ok(
            mutation("disclosure.record", "disclosure", disclosure.id, changed.to_json())
        )
    assert kept["outcome"] == "applied", kept
    assert (again["outcome"], again["code"]) == ("conflict", "immutable"), again
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as front:
        other = disclosure.model_copy(update={"id": new_id()})
        [refused] = front.push_ok(
            mutation("disclosure.record", "disclosure", other.id, other.to_json())
        )
    assert refused["code"] == "forbidden", refused


def test_a_person_signs_a_policy_for_themself_only(live_api: LiveApi) -> None:
    policy = POLICIES[PolicyKind.SANCTION_POLICY]
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        mine = PolicyAcknowledgment(
            user_id=UUID(desk.tokens["user"]["id"]),
            kind=policy.kind,
            policy_version=policy.version,
            text_sha256=policy.sha256,
            acknowledged_at=datetime.now(UTC),
            typed_name="Me",
        )
        for_someone = mine.model_copy(update={"id": new_id(), "user_id": new_id()})
        signed, refused = desk.push_ok(
            mutation("policy.acknowledge", "acknowledgment", mine.id, mine.to_json()),
            mutation("policy.acknowledge", "acknowledgment", for_someone.id, for_someone.to_json()),
        )
    assert signed["outcome"] == "applied", signed
    assert (refused["outcome"], refused["code"]) == ("rejected", "invalid_payload"), refused
    assert "for themself only" in refused["reason"]


def test_a_right_of_access_request_is_delivered_by_the_export_and_the_other_desk_sees_it_done(
    live_api: LiveApi, two_managers: tuple[DeskSession, DeskSession], tmp_path: Path
) -> None:
    first, second = two_managers
    client = Client(
        first_name="Ana", last_name=f"Ruiz-{secrets.token_hex(3)}", birth_date=date(1990, 1, 2)
    )
    asked = local_day(datetime.now(UTC), first.location.zone) - timedelta(days=3)

    def ask(store: Any) -> AccessRequest:
        clients.add_client(store, actor=first.actor, client=client)
        return evidence.record_access_request(
            store,
            actor=first.actor,
            location=first.location,
            client_id=client.id,
            requested_on=asked,
        )

    request = _on_store(first, ask)
    assert request.due_on == asked + timedelta(days=30)
    summary = _eventually(
        second,
        lambda store: (
            evidence.view_evidence(store, actor=second.actor, location=second.location)
            if store.client_evidence(AccessRequest, client.id)
            else None
        ),
        "the request did not reach the second desk",
    )
    assert any("27 days left" in line for line in summary.reminders), summary.reminders

    _on_store(
        second,
        lambda store: clients.export_client_record(
            store,
            actor=second.actor,
            client_id=client.id,
            location=second.location,
            pdf_path=tmp_path / "r.pdf",
        ),
    )

    done = _eventually(
        first,
        lambda store: [
            r for r in store.client_evidence(AccessRequest, client.id) if r.delivered_at is not None
        ],
        "the delivery did not reach the first desk",
    )
    assert done[0].delivered_by == second.actor.user_id and "FHIR" in done[0].how
    stored = _server_record(live_api, request.id)
    assert stored is not None and stored["version"] == 2


def test_business_associates_reach_every_managers_desk(
    live_api: LiveApi, two_managers: tuple[DeskSession, DeskSession]
) -> None:
    first, second = two_managers
    vendor = f"Text reminders {secrets.token_hex(3)}"
    _on_store(
        first,
        lambda store: evidence.save_business_associate(
            store,
            actor=first.actor,
            vendor=vendor,
            service="Appointment texts",
            baa_signed_on=date(2026, 1, 5),
        ),
    )
    found = _eventually(
        second,
        lambda store: [b for b in store.evidence(BusinessAssociate) if b.vendor == vendor],
        "the business associate did not reach the second desk",
    )
    assert found[0].baa_signed_on == date(2026, 1, 5)
