"""Both desks offline book the same provider slot: one booking, one inbox entry, the same schedule on both."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from medspa_desk.records import Appointment, ConflictKind
from medspa_desk.sync.errors import ConnectionCause
from tests.resilience.ledger import cached_records, latest_seq, server_records
from tests.resilience.workload import slot_start
from tests.support.fault_proxy import FaultProxy
from tests.support.live_api import LiveApi
from tests.support.sync_desks import booking, new_client, open_desk, wait_until


def test_second_offline_booking_of_a_slot_goes_to_the_inbox(
        live: LiveApi, proxy: FaultProxy, tmp_path: Path, secret_service: None) -> None:
    a = open_desk(live, tmp_path / "a", who="front_desk", server_url=proxy.url, name="a")
    b = open_desk(live, tmp_path / "b", who="manager", server_url=proxy.url, name="b")
    try:
        client = new_client("Double", "Booked")
        a.write(lambda store: store.create_client(client, actor=a.actor))
        wait_until(lambda: client.id in b.read(cached_records), timeout_s=20, what="the client on desk B")

        proxy.go_offline()
        starts = slot_start(7)
        mine, theirs = (booking(live, client_id=client.id, starts_at=starts) for _ in range(2))
        a.write(lambda store: store.book(mine, actor=a.actor))
        b.write(lambda store: store.book(theirs, actor=b.actor))
        wait_until(lambda: not a.engine.status.online and a.engine.status.pending == 1, timeout_s=20,
                   what="desk A to notice it is offline")
        assert a.engine.status.message
        assert any(getattr(error, "cause", None) in (ConnectionCause.DROPPED, ConnectionCause.REFUSED)
                   for kind, error in a.events if kind == "sync_did_fail")

        proxy.go_online()

        def settled() -> bool:
            head = latest_seq(live)
            return all(d.read(lambda s: s.outbox_count() == 0 and s.pull_cursor() == head) for d in (a, b))

        wait_until(settled, timeout_s=60, what="both desks to settle")

        held = [r for r in server_records(live).values() if isinstance(r, Appointment) and r.starts_at == starts]
        assert len(held) == 1
        winner = held[0].id
        assert winner in (mine.id, theirs.id)
        for desk in (a, b):
            shown = [r for r in desk.read(cached_records).values()
                     if isinstance(r, Appointment) and r.starts_at == starts]
            assert [r.id for r in shown] == [winner]
        inboxes = {desk.name: desk.read(lambda s: s.conflicts()) for desk in (a, b)}
        entries = [c for found in inboxes.values() for c in found]
        assert len(entries) == 1
        (conflict,) = entries
        loser_id = theirs.id if winner == mine.id else mine.id
        loser = a if loser_id == mine.id else b
        assert conflict.kind is ConflictKind.DOUBLE_BOOKING
        assert conflict.entity_id == loser_id
        assert inboxes[loser.name] == [conflict]
        assert "already holds" in conflict.reason

        # The person at the losing desk rebooks the client half an hour later and closes the entry.
        later = booking(live, client_id=client.id, starts_at=starts + timedelta(minutes=30))
        loser.write(lambda store: store.book(later, actor=loser.actor))
        loser.write(lambda store: store.resolve_conflict(conflict.id, resolution="rebooked 30 minutes later",
                                                         actor=loser.actor))
        wait_until(lambda: later.id in server_records(live) and loser.read(lambda s: s.outbox_count()) == 0,
                   timeout_s=20, what="the rebooking to reach the server")
        assert loser.read(lambda s: s.conflicts()) == []
        audited = loser.read(lambda s: s.connection.execute(
            "SELECT count(*) FROM audit WHERE event LIKE '%resolve_conflict%'").fetchone()[0])
        assert audited == 1
    finally:
        a.close()
        b.close()
