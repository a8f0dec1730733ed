"""The waitlist across two desks (issue 16 item 8), on both databases.

Desk B puts a client on the waitlist; desk A, offline, cancels a visit, is told
who is waiting for the freed time and books them in one step; once A is back
online desk B sees the entry booked and the new visit. Desk A reaches the API
only through the fault proxy; desk B goes straight to it. Nothing nudges sync:
each desk's outbox watch and change stream carry the writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from medspa_desk.desk import visits, waitlist
from medspa_desk.records import AppointmentStatus, WaitlistEntry, WaitlistStatus
from tests.resilience.conftest import proxy_in_front_of
from tests.support.fault_proxy import FaultProxy
from tests.support.live_api import LiveApi
from tests.support.sync_desks import (
    booking,
    held_on,
    new_client,
    next_opening,
    open_desk,
    status_on,
    wait_until,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path / "api", backend=request.param) as api:
        yield api


@pytest.fixture
def proxy(live: LiveApi) -> Iterator[FaultProxy]:
    with proxy_in_front_of(live, delay_s=0.2, black_hole_s=6.0) as running:
        yield running


def test_an_entry_made_on_desk_b_is_offered_when_desk_a_cancels_offline_and_booked_from_there(
        live: LiveApi, proxy: FaultProxy, tmp_path: Path, secret_service: None) -> None:
    a = open_desk(live, tmp_path / "a", who="front_desk", name="A", server_url=proxy.url, interval_s=120.0)
    b = open_desk(live, tmp_path / "b", who="manager", name="B", interval_s=120.0)
    try:
        for desk in (a, b):
            wait_until(lambda d=desk: any(s.id == live.tenant.service.id for s in d.read(lambda st: st.services())),
                       timeout_s=30, what=f"desk {desk.name}'s first sync")
        booked_client, waiting_client = new_client("Noor", "Haddad"), new_client("Ines", "Morales")
        visit = booking(live, client_id=booked_client.id, starts_at=next_opening(11))
        a.write(lambda store: visits.book_visit(store, actor=a.actor, visit=visit, new_client=booked_client,
                                                confirmed=True))
        day = visit.starts_at.astimezone(live.tenant.location.zone).date()
        entry = WaitlistEntry(client_id=waiting_client.id, location_id=live.tenant.location.id,
                              service_id=live.tenant.service.id, first_day=day, last_day=day,
                              note="Any time that day", created_by=b.actor.user_id)

        def b_adds(store: object) -> object:
            store.create_client(waiting_client, actor=b.actor)  # type: ignore[attr-defined]
            return waitlist.add_to_waitlist(store, actor=b.actor, entry=entry)  # type: ignore[arg-type]

        b.write(b_adds)
        wait_until(lambda: held_on(a, WaitlistEntry, entry.id) is not None and status_on(a, visit.id) == "booked",
                   timeout_s=30, what="B's waitlist entry on A")

        proxy.go_offline()
        a.write(lambda store: visits.cancel_visit(store, actor=a.actor, visit_id=visit.id,
                                                  reason="Client called to cancel"))
        freed = a.read(lambda store: store.appointment(visit.id))
        offers = a.read(lambda store: waitlist.waiting_for_freed(store, actor=a.actor, freed=freed))
        assert [(o.entry.id, o.client_name, o.choice.slot.starts_at) for o in offers] == [
            (entry.id, "Ines Morales", visit.starts_at)]
        offer = offers[0]
        a.write(lambda store: waitlist.book_from_waitlist(
            store, actor=a.actor, entry_id=entry.id, starts_at=offer.choice.slot.starts_at,
            provider_id=offer.choice.provider.id, room_id=offer.choice.slot.room_id, confirmed=True))
        booked_on_a = held_on(a, WaitlistEntry, entry.id)
        assert booked_on_a is not None and booked_on_a.status is WaitlistStatus.BOOKED
        assert held_on(b, WaitlistEntry, entry.id).status is WaitlistStatus.WAITING  # type: ignore[union-attr]

        proxy.go_online()
        wait_until(lambda: (e := held_on(b, WaitlistEntry, entry.id)) is not None and e.status is WaitlistStatus.BOOKED,
                   timeout_s=30, what="the entry booked on B")
        seen = held_on(b, WaitlistEntry, entry.id)
        assert seen is not None and seen.visit_id == booked_on_a.visit_id
        wait_until(lambda: status_on(b, seen.visit_id) == AppointmentStatus.BOOKED.value, timeout_s=30,
                   what="the visit booked from the waitlist on B")
        assert status_on(b, visit.id) == AppointmentStatus.CANCELLED.value
        # A hears the server kept its three changes (the answer comes back through the slow proxy).
        wait_until(lambda: a.read(lambda store: store.outbox_count()) == 0, timeout_s=30, what="A's outbox to empty")
        assert b.read(lambda store: store.waiting(live.tenant.location.id)) == []
    finally:
        proxy.go_online()
        a.close()
        b.close()
