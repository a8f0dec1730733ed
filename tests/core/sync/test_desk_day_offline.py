"""The day at the desk with the network down: a client edited, a visit's status stepped back and a visit confirmed
by phone offline reach the other desk once the line is back, merged field by field with what the other desk changed
meanwhile.

Desk A reaches the API only through the fault proxy; desk B goes straight to it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from medspa_desk.desk import blocked_time, clients, confirmations, visits
from medspa_desk.desk.blocked_time import TimeBlocked
from medspa_desk.records import AppointmentStatus, BlockedTime, BlockKind, Client
from tests.resilience.conftest import live, proxy
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

__all__ = ["live", "proxy"]  # fixtures: the live API and the fault proxy in front of it


def test_an_offline_edit_and_an_undone_arrival_reach_the_other_desk_merged_with_its_own_edit(
        live: LiveApi, proxy: FaultProxy, tmp_path: Path, secret_service: None) -> None:
    a = open_desk(live, tmp_path / "a", who="front_desk", name="A", server_url=proxy.url, interval_s=120.0)
    b = open_desk(live, tmp_path / "b", who="manager", name="B", interval_s=120.0)
    try:
        client = new_client("Noor", "Haddad")
        visit = booking(live, client_id=client.id, starts_at=next_opening(11))
        a.write(lambda store: visits.book_visit(store, actor=a.actor, visit=visit, new_client=client,
                                                confirmed=True))
        a.write(lambda store: visits.check_in(store, actor=a.actor, visit_id=visit.id))
        tomorrow = booking(live, client_id=client.id, starts_at=next_opening(11, days_ahead=3))
        a.write(lambda store: visits.book_visit(store, actor=a.actor, visit=tomorrow, confirmed=True))
        wait_until(lambda: status_on(b, visit.id) == "arrived" and status_on(b, tomorrow.id) == "booked",
                   timeout_s=20, what="the arrival and the second booking to reach B")
        wait_until(lambda: a.read(lambda store: store.outbox_count()) == 0, timeout_s=20,
                   what="A to hear the server kept its pushes")

        proxy.go_offline()
        a.write(lambda store: clients.change_client(store, actor=a.actor, client_id=client.id,
                                                    changes={"allergies": "Latex"}))
        a.write(lambda store: visits.undo_arrival(store, actor=a.actor, visit_id=visit.id))
        a.write(lambda store: confirmations.confirm_by_phone(store, actor=a.actor, visit_id=tomorrow.id))
        b.write(lambda store: clients.change_client(store, actor=b.actor, client_id=client.id,
                                                    changes={"phone": "555-010-2000"}))
        assert status_on(a, visit.id) == AppointmentStatus.CONFIRMED.value  # the desk works on, offline
        assert a.read(lambda store: store.outbox_count()) == 3

        proxy.go_online()
        wait_until(lambda: status_on(b, visit.id) == "confirmed", timeout_s=30, what="the undone arrival on B")
        wait_until(lambda: status_on(b, tomorrow.id) == "confirmed", timeout_s=30, what="the phone confirmation")
        wait_until(lambda: (c := held_on(b, Client, client.id)) is not None and c.allergies == "Latex", timeout_s=30,
                   what="A's offline edit on B")
        wait_until(lambda: (c := held_on(a, Client, client.id)) is not None and c.phone == "555-010-2000", timeout_s=30,
                   what="B's edit on A")
        assert held_on(a, Client, client.id).allergies == "Latex"
        assert held_on(b, Client, client.id).phone == "555-010-2000"
    finally:
        proxy.go_online()
        a.close()
        b.close()


def test_time_a_manager_blocks_on_one_desk_is_refused_for_booking_on_the_other(
        live: LiveApi, tmp_path: Path, secret_service: None) -> None:
    a = open_desk(live, tmp_path / "a", who="front_desk", name="A", interval_s=120.0)
    b = open_desk(live, tmp_path / "b", who="manager", name="B", interval_s=120.0)
    try:
        starts = next_opening(13)
        lunch = BlockedTime(location_id=live.tenant.location.id, provider_id=live.tenant.provider.id,
                            kind=BlockKind.BREAK, starts_at=starts, ends_at=starts + timedelta(hours=1))
        b.write(lambda store: blocked_time.block_time(store, actor=b.actor, block=lunch))
        wait_until(lambda: a.read(lambda store: store.blocked_times(
            lunch.location_id, starts=lunch.starts_at, ends=lunch.ends_at)) != [], timeout_s=30,
            what="the break to reach desk A")

        client = new_client("Noor", "Haddad")
        with pytest.raises(TimeBlocked, match=r"\(a break\)"):
            a.write(lambda store: visits.book_visit(store, actor=a.actor, confirmed=True, new_client=client,
                                                    visit=booking(live, client_id=client.id,
                                                                  starts_at=starts + timedelta(minutes=15))))
    finally:
        a.close()
        b.close()


def test_a_booking_made_offline_into_time_blocked_meanwhile_goes_to_the_inbox_with_the_reason(
        live: LiveApi, proxy: FaultProxy, tmp_path: Path, secret_service: None) -> None:
    a = open_desk(live, tmp_path / "a", who="front_desk", name="A", server_url=proxy.url, interval_s=120.0)
    b = open_desk(live, tmp_path / "b", who="manager", name="B", interval_s=120.0)
    try:
        wait_until(lambda: a.engine.status.last_success_at is not None, timeout_s=20, what="A's first sync")
        proxy.go_offline()
        starts = next_opening(15)
        client = new_client("Noor", "Haddad")
        visit = booking(live, client_id=client.id, starts_at=starts)
        a.write(lambda store: visits.book_visit(store, actor=a.actor, visit=visit, new_client=client,
                                                confirmed=True))  # A has not heard of any block
        upkeep = BlockedTime(location_id=live.tenant.location.id, room_id=live.tenant.room.id,
                             kind=BlockKind.MAINTENANCE, starts_at=starts - timedelta(minutes=30),
                             ends_at=starts + timedelta(hours=1))
        b.write(lambda store: blocked_time.block_time(store, actor=b.actor, block=upkeep))
        wait_until(lambda: b.read(lambda store: store.outbox_count()) == 0, timeout_s=20, what="B's block pushed")

        proxy.go_online()
        wait_until(lambda: a.read(lambda store: store.conflicts()) != [], timeout_s=30,
                   what="A's refused booking in its inbox")
        (refused,) = a.read(lambda store: store.conflicts())
        assert refused.entity_id == visit.id and "(maintenance)" in refused.reason
    finally:
        proxy.go_online()
        a.close()
        b.close()
