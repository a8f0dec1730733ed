"""Communication preferences and call notes made with the network down reach the other desk once it is back
(SQLite and PostgreSQL): desk A records a client's STOP and logs a call offline; desk B's confirmation list then
stops offering texts, B sees the calls to return (a client's and a new caller's) and follows the client's up, and
it leaves A's list.

Desk A reaches the API only through the fault proxy; desk B goes straight to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from medspa_desk.desk import comms, confirmations, visits
from medspa_desk.records import ConsentSource, ContactChannel, ContactPurpose
from tests.resilience.conftest import proxy
from tests.support.fault_proxy import FaultProxy
from tests.support.live_api import LiveApi
from tests.support.sync_desks import booking, new_client, next_opening, two_desks, wait_until

__all__ = ["proxy"]


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path / "api", backend=request.param) as api:
        yield api


def test_a_stop_and_a_call_logged_offline_reach_the_other_desk_and_its_follow_up_comes_back(
        live: LiveApi, proxy: FaultProxy, tmp_path: Path, secret_service: None) -> None:
    with two_desks(live, proxy, tmp_path) as (a, b):
        client = new_client("Noor", "Haddad").model_copy(update={"phone": "555-010-7000", "sms_opt_in": True})
        visit = booking(live, client_id=client.id, starts_at=next_opening(11))
        day = visit.starts_at.astimezone(live.tenant.location.zone).date()
        a.write(lambda store: visits.book_visit(store, actor=a.actor, visit=visit, new_client=client,
                                                confirmed=True))

        def reach_on_b() -> tuple[str, ...] | None:
            listed = b.read(lambda store: confirmations.confirmation_list(
                store, actor=b.actor, location=live.tenant.location, day=day))
            return listed[0].reach_by if listed else None

        wait_until(lambda: reach_on_b() == ("call", "text"), timeout_s=30, what="the booking on B")
        wait_until(lambda: a.read(lambda store: store.outbox_count()) == 0, timeout_s=20, what="A's pushes kept")

        proxy.go_offline()
        a.write(lambda store: comms.record_contact_preference(
            store, actor=a.actor, client_id=client.id, channel=ContactChannel.SMS,
            purpose=ContactPurpose.TRANSACTIONAL, agreed=False, how=ConsentSource.CLIENT_STOP))
        a.write(lambda store: comms.log_call(store, actor=a.actor, client_id=client.id, caller_name="Noor Haddad",
                                             callback_number="555-010-7000", reason="Asks to move her visit",
                                             promised="Call back with a new time"))
        a.write(lambda store: comms.log_call(store, actor=a.actor, caller_name="Jo Park", reason="Filler prices",
                                             callback_number="555-010-5000"))  # a new caller, no client
        on_a = a.read(lambda store: confirmations.confirmation_list(
            store, actor=a.actor, location=live.tenant.location, day=day))
        assert on_a[0].reach_by == ("call",)  # honoured at once on the desk that recorded it, offline
        assert a.read(lambda store: store.outbox_count()) == 3

        proxy.go_online()
        wait_until(lambda: reach_on_b() == ("call",), timeout_s=30, what="the STOP honoured on B")
        wait_until(lambda: len(b.read(lambda store: comms.calls_to_return(store, actor=b.actor))) == 2,
                   timeout_s=30, what="the calls on B")
        [call] = [c for c in b.read(lambda store: comms.calls_to_return(store, actor=b.actor)) if c.client_id]
        assert (call.client_id, call.promised) == (client.id, "Call back with a new time")
        b.write(lambda store: comms.mark_followed_up(store, actor=b.actor, call_id=call.id, note="Moved to Friday"))
        wait_until(lambda: [c.caller_name for c in a.read(lambda store: comms.calls_to_return(store, actor=a.actor))]
                   == ["Jo Park"], timeout_s=30, what="the follow-up on A")
        history = a.read(lambda store: comms.contact_history(store, actor=a.actor, client_id=client.id))
        assert [e.given_how for e in history] == [ConsentSource.CLIENT_STOP]
