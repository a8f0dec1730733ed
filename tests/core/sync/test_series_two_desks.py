"""A series booked offline (issue 16 item 9), on both databases.

Desk A, offline, books a weekly series of four visits; meanwhile desk B books
another client into the time of the third. Once A is back online the server
keeps the three free visits (with their series id, which desk B then holds)
and refuses the third: it lands in A's inbox as a double booking. Desk A
reaches the API only through the fault proxy; desk B goes straight to it.
"""

from __future__ import annotations

from pathlib import Path

from medspa_desk.desk import series, visits
from medspa_desk.records import Appointment, ConflictKind
from tests.core.sync.test_waitlist_two_desks import live, proxy
from tests.support.fault_proxy import FaultProxy
from tests.support.live_api import LiveApi
from tests.support.sync_desks import (
    booking,
    held_on,
    new_client,
    next_opening,
    two_desks,
    wait_until,
)

__all__ = ["live", "proxy"]  # fixtures: the live API on both databases, and the fault proxy in front of it


def test_a_series_booked_offline_that_clashes_with_the_other_desk_sends_the_clashing_visit_to_the_inbox(
        live: LiveApi, proxy: FaultProxy, tmp_path: Path, secret_service: None) -> None:
    with two_desks(live, proxy, tmp_path) as (a, b):
        proxy.go_offline()
        client = new_client("Noor", "Haddad")
        first = booking(live, client_id=client.id, starts_at=next_opening(11, days_ahead=3))
        a.write(lambda store: series.book_series(store, actor=a.actor, visit=first, new_client=client, every_weeks=1,
                                                 count=4, confirmed=True))
        booked = a.read(lambda store: store.series_from(store.appointment(first.id)))
        assert len(booked) == 4
        other = new_client("Sam", "Ortiz")
        in_the_way = booking(live, client_id=other.id, starts_at=booked[2].starts_at)
        b.write(lambda store: visits.book_visit(store, actor=b.actor, new_client=other, visit=in_the_way,
                                                confirmed=True))
        wait_until(lambda: b.read(lambda store: store.outbox_count()) == 0, timeout_s=30, what="B's booking pushed")

        proxy.go_online()
        wait_until(lambda: a.read(lambda store: store.conflicts()) != [], timeout_s=40,
                   what="the clashing visit in A's inbox")
        [refused] = a.read(lambda store: store.conflicts())
        assert refused.entity_id == booked[2].id and refused.kind is ConflictKind.DOUBLE_BOOKING
        kept = [booked[0], booked[1], booked[3]]
        wait_until(lambda: all(held_on(b, Appointment, v.id) is not None for v in kept), timeout_s=40,
                   what="the three free visits on B")
        on_b = [held_on(b, Appointment, v.id) for v in kept]
        assert booked[0].series_id is not None
        assert {v.series_id for v in on_b if v is not None} == {booked[0].series_id}
        assert held_on(b, Appointment, booked[2].id) is None
        assert b.read(lambda store: store.appointment(in_the_way.id)).client_id == other.id
