"""Issue 16 items 3 and 7 with the network down: the front desk moves a visit to another day and blocks a
provider's break offline; both reach the other desk once the line is back. A break blocked offline over a
visit the other desk booked meanwhile is refused by the server with the reason, in the blocking desk's inbox.

Desk A (the front desk) reaches the API only through the fault proxy; desk B (a manager) goes straight to it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from medspa_desk.desk import blocked_time, visits
from medspa_desk.records import BlockedTime, BlockKind
from tests.resilience.conftest import live, proxy
from tests.support.fault_proxy import FaultProxy
from tests.support.live_api import LiveApi
from tests.support.sync_desks import booking, new_client, next_opening, open_desk, wait_until

__all__ = ["live", "proxy"]  # fixtures: the live API and the fault proxy in front of it


def test_a_move_and_a_break_made_offline_reach_the_other_desk_and_a_clashing_break_comes_back_refused(
        live: LiveApi, proxy: FaultProxy, tmp_path: Path, secret_service: None) -> None:
    a = open_desk(live, tmp_path / "a", who="front_desk", name="A", server_url=proxy.url, interval_s=120.0)
    b = open_desk(live, tmp_path / "b", who="manager", name="B", interval_s=120.0)
    try:
        client = new_client("Noor", "Haddad")
        visit = booking(live, client_id=client.id, starts_at=next_opening(10, days_ahead=5))
        a.write(lambda store: visits.book_visit(store, actor=a.actor, visit=visit, new_client=client,
                                                confirmed=True))
        wait_until(lambda: b.read(lambda store: store.appointments_between(
            visit.starts_at, visit.ends_at)) != [], timeout_s=30, what="the booking to reach B")
        wait_until(lambda: a.read(lambda store: store.outbox_count()) == 0, timeout_s=30, what="A's push kept")

        proxy.go_offline()
        moved_to = next_opening(15, days_ahead=6)
        a.write(lambda store: visits.reschedule_visit(
            store, actor=a.actor, visit_id=visit.id, starts_at=moved_to, ends_at=moved_to + timedelta(minutes=30),
            provider_id=visit.provider_id, room_id=visit.room_id, confirmed=True))
        lunch_at = next_opening(12, days_ahead=6)
        lunch = BlockedTime(location_id=live.tenant.location.id, provider_id=live.tenant.provider.id,
                            kind=BlockKind.BREAK, starts_at=lunch_at, ends_at=lunch_at + timedelta(hours=1))
        a.write(lambda store: blocked_time.block_time(store, actor=a.actor, block=lunch))
        # Meanwhile B books the provider at 13:00 on day 7; A, offline, blocks a break over it.
        late_at = next_opening(13, days_ahead=7)
        other = new_client("Sam", "Ortiz")
        b.write(lambda store: visits.book_visit(store, actor=b.actor, new_client=other, confirmed=True,
                                                visit=booking(live, client_id=other.id, starts_at=late_at)))
        wait_until(lambda: b.read(lambda store: store.outbox_count()) == 0, timeout_s=30, what="B's booking pushed")
        clash = BlockedTime(location_id=live.tenant.location.id, provider_id=live.tenant.provider.id,
                            kind=BlockKind.BREAK, starts_at=late_at - timedelta(minutes=30),
                            ends_at=late_at + timedelta(minutes=30))
        a.write(lambda store: blocked_time.block_time(store, actor=a.actor, block=clash))  # A has not heard
        assert a.read(lambda store: store.outbox_count()) == 3

        proxy.go_online()
        wait_until(lambda: b.read(lambda store: store.appointment(visit.id)).starts_at == moved_to, timeout_s=40,
                   what="A's offline move on B")
        wait_until(lambda: b.read(lambda store: store.blocked_times(
            lunch.location_id, starts=lunch.starts_at, ends=lunch.ends_at)) != [], timeout_s=40,
                   what="A's offline break on B")
        wait_until(lambda: a.read(lambda store: store.conflicts()) != [], timeout_s=40,
                   what="the clashing break back in A's inbox")
        (refused,) = a.read(lambda store: store.conflicts())
        assert refused.entity_id == clash.id and "Move or cancel the visit first" in refused.reason
        assert b.read(lambda store: store.blocked_times(clash.location_id, starts=clash.starts_at,
                                                        ends=clash.ends_at)) == []
    finally:
        proxy.go_online()
        a.close()
        b.close()
