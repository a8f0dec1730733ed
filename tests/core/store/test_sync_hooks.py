"""The store's sync hooks; the answers they settle come from the real central API (live_answers.py)."""

from __future__ import annotations

from datetime import date

import pytest

from medspa_desk.protocol import Change, DoubleBooking, Outcome, RejectedChange
from medspa_desk.records import AppointmentStatus, Client, ConflictKind
from medspa_desk.store import Actor, InvalidServerData, StoreError
from medspa_desk.store.inbox import inbox_detail
from tests.api.desk import mutation
from tests.core.store.live_answers import (
    Workstation,
    booked_elsewhere,
    days_ahead,
    front_desk,
    manager,
    push,
    server,
    sync,
)
from tests.support.live_api import LiveApi

DAY = date(2025, 6, 10)
__all__ = ["front_desk", "manager", "server"]  # fixtures


def test_a_write_whose_audit_event_fails_leaves_no_row_and_no_outbox_entry(practice, actor: Actor) -> None:
    conn = practice.store.connection
    conn.execute("CREATE TEMP TRIGGER refuse_audit BEFORE INSERT ON audit "
                 "BEGIN SELECT RAISE(ABORT, 'disk said no'); END")
    outbox_before = practice.store.outbox_count()
    client = Client(first_name="Maria", last_name="Lopez", birth_date=date(1985, 3, 14))

    with pytest.raises(StoreError):
        practice.store.create_client(client, actor=actor)

    conn.execute("DROP TRIGGER temp.refuse_audit")
    assert practice.store.outbox_count() == outbox_before
    assert practice.store.search_clients("maria") == []


def test_applied_results_set_version_and_seq_and_empty_the_outbox(
        practice, actor: Actor, manager: Workstation) -> None:
    client = practice.client()

    answers = push(practice.store, manager)
    practice.store.settle(answers)

    assert {a.outcome for a in answers} == {Outcome.APPLIED}
    assert practice.store.outbox_count() == 0
    [created] = [a for a in answers if a.entity_id == client.id]
    shown = practice.store.client(client.id, actor=actor)
    assert created.seq and (shown.version, shown.seq) == (created.version, created.seq)


def test_a_refused_offline_booking_goes_to_the_inbox_and_leaves_the_schedule(
        practice, actor: Actor, manager: Workstation) -> None:
    client = practice.client()
    sync(practice.store, manager)
    holder = practice.appointment(practice.client("Hold", "Er"), day=DAY, hour=10)
    sync(practice.store, manager)
    booked_elsewhere(manager, holder)  # this desk is offline: it has not seen the holder
    appt = practice.appointment(client, day=DAY, hour=10)
    practice.store.book(appt, actor=actor)

    [answer] = push(practice.store, manager)
    changes = practice.store.settle([answer])

    assert (answer.outcome, answer.code) == (Outcome.CONFLICT, "slot_taken")
    assert changes.conflicts and changes.days == {(practice.location.id, DAY)}
    [conflict] = practice.store.conflicts()
    assert conflict.kind is ConflictKind.DOUBLE_BOOKING
    detail = inbox_detail(conflict)
    assert isinstance(detail, DoubleBooking)
    assert detail.refused is not None and detail.refused.id == appt.id
    assert detail.holder is not None and detail.holder.id == holder.id
    assert practice.store.day_schedule(practice.location.id, DAY).appointments == ()
    assert practice.store.outbox_count() == 0


def test_a_rejected_change_goes_to_the_inbox_and_does_not_block_the_queue(
        practice, actor: Actor, front_desk: Workstation) -> None:
    first, second = practice.client("Ana"), practice.client("Bea")

    answers = push(practice.store, front_desk)  # the practice's reference data is for managers
    practice.store.settle(answers)

    refused = [a for a in answers if a.outcome is Outcome.REJECTED]
    assert refused and {a.code for a in refused} == {"forbidden"}
    assert {a.entity_id for a in answers if a.outcome is Outcome.APPLIED} == {first.id, second.id}
    conflicts = practice.store.conflicts()
    assert {(c.kind, c.entity_id, c.reason) for c in conflicts} == {
        (ConflictKind.REJECTED, a.entity_id, f"This {a.entity}: {a.reason}") for a in refused}
    assert practice.store.outbox_count() == 0
    practice.store.resolve_conflict(conflicts[0].id, resolution="asked the manager", actor=actor)
    assert len(practice.store.conflicts()) == len(conflicts) - 1
    assert [c.resolution for c in practice.store.conflicts(open_only=False)
            if c.id == conflicts[0].id] == ["asked the manager"]


def test_pulled_changes_and_the_cursor_commit_together(practice, actor: Actor) -> None:
    good = Client(first_name="Nora", last_name="Quinn", birth_date=date(1990, 1, 1), seq=11)
    bad = {"id": str(good.id.__class__(int=good.id.int + 1)), "first_name": ""}

    with pytest.raises(InvalidServerData):
        practice.store.apply_changes([
            Change(seq=11, entity="client", entity_id=good.id, version=1, data=good.to_json()),
            Change(seq=12, entity="client", entity_id=bad["id"], version=1, data=bad)], cursor=12)
    assert practice.store.pull_cursor() == 0
    assert practice.store.search_clients("nora") == []

    changes = practice.store.apply_changes(
        [Change(seq=11, entity="client", entity_id=good.id, version=1, data=good.to_json())], cursor=11)

    assert practice.store.pull_cursor() == 11
    assert changes.clients == {good.id}
    assert practice.store.search_clients("nora")[0].id == good.id


def test_a_pending_local_edit_is_rebased_on_the_pulled_record(
        practice, actor: Actor, manager: Workstation) -> None:
    client = practice.client(phone="555 201 7788")
    practice.store.settle(push(practice.store, manager))
    practice.store.update_client(client.id, {"phone": "555 999 0000"}, actor=actor)
    theirs = client.model_copy(update={"email": "maria@example.com", "version": 2, "seq": 9})

    practice.store.apply_changes([Change(seq=9, entity="client", entity_id=client.id, version=2,
                                         data=theirs.to_json())], cursor=9)

    shown = practice.store.client(client.id, actor=actor)
    assert (shown.phone, shown.email, shown.version, shown.seq) == (
        "555 999 0000", "maria@example.com", 2, 9)
    assert practice.store.outbox_batch(10)[0].payload["changes"] == {"phone": "555 999 0000"}


def test_a_tombstone_removes_the_record(
        practice, actor: Actor, manager: Workstation) -> None:
    client = practice.client()
    practice.store.settle(push(practice.store, manager))

    practice.store.apply_changes([Change(seq=6, entity="client", entity_id=client.id, version=2,
                                         deleted=True)], cursor=6)

    assert practice.store.search_clients("maria") == []


def test_local_audit_events_are_shipped_once(practice, actor: Actor) -> None:
    first = practice.store.unsent_audit(1000)
    assert first, "reference data writes were audited"

    practice.store.mark_audit_sent([e.id for e in first[:-1]])

    assert practice.store.unsent_audit(1000) == first[-1:]


def test_a_pulled_page_loads_plain_records_in_bulk_and_still_rebases_pending_edits(
        practice, actor: Actor, manager: Workstation) -> None:
    edited = practice.client("Maria", phone="555 201 7788")
    practice.store.settle(push(practice.store, manager))
    practice.store.update_client(edited.id, {"phone": "555 999 0000"}, actor=actor)
    newcomers = [Client(first_name=f"Zelda{n}", last_name="Quint", birth_date=date(1990, 1, 1), seq=20 + n)
                 for n in range(30)]
    theirs = edited.model_copy(update={"email": "maria@example.com", "version": 2, "seq": 9})
    page = [Change(seq=c.seq, entity="client", entity_id=c.id, version=1, data=c.to_json()) for c in newcomers]
    page.append(Change(seq=9, entity="client", entity_id=edited.id, version=2, data=theirs.to_json()))

    changes = practice.store.apply_changes(page, cursor=60)

    assert changes.clients == {edited.id, *(c.id for c in newcomers)}
    assert practice.store.pull_cursor() == 60
    assert {h.id for h in practice.store.search_clients("zelda", limit=100)} == {c.id for c in newcomers}
    assert [h.id for h in practice.store.search_clients("zelda7")] == [newcomers[7].id]
    shown = practice.store.client(edited.id, actor=actor)
    assert (shown.phone, shown.email) == ("555 999 0000", "maria@example.com")


def test_a_pulled_page_names_the_days_an_appointment_left_and_joined(
        practice, actor: Actor, manager: Workstation) -> None:
    client = practice.client()
    appt = practice.appointment(client, day=DAY, hour=10)
    practice.store.book(appt, actor=actor)
    practice.store.settle(push(practice.store, manager))
    later = date(2025, 6, 12)
    moved = appt.model_copy(update={"starts_at": practice.at(later, 11),
                                    "ends_at": practice.at(later, 11, 30), "version": 2, "seq": 30})

    changes = practice.store.apply_changes([Change(seq=30, entity="appointment", entity_id=appt.id,
                                                   version=2, data=moved.to_json())], cursor=30)

    assert changes.days == {(practice.location.id, DAY), (practice.location.id, later)}
    assert changes.clients == {client.id}
    assert practice.store.day_schedule(practice.location.id, DAY).appointments == ()
    assert [a.id for a in practice.store.day_schedule(practice.location.id, later).appointments] == [appt.id]


def test_the_last_change_of_a_record_in_a_page_is_the_one_kept(practice, actor: Actor) -> None:
    first = Client(first_name="Olive", last_name="Brandt", birth_date=date(1980, 5, 5), seq=1)
    second = first.model_copy(update={"last_name": "Carver", "version": 2, "seq": 2})

    practice.store.apply_changes([
        Change(seq=1, entity="client", entity_id=first.id, version=1, data=first.to_json()),
        Change(seq=2, entity="client", entity_id=first.id, version=2, data=second.to_json())], cursor=2)

    assert practice.store.search_clients("brandt") == []
    assert practice.store.client(first.id, actor=actor).last_name == "Carver"
    assert [h.id for h in practice.store.search_clients("carver")] == [first.id]


def test_a_pulled_deletion_of_a_client_takes_them_out_of_search(practice, actor: Actor) -> None:
    kept = Client(first_name="Pia", last_name="Lund", birth_date=date(1980, 5, 5), seq=1)
    gone = kept.model_copy(update={"deleted": True, "version": 2, "seq": 2})
    practice.store.apply_changes([Change(seq=1, entity="client", entity_id=kept.id, version=1,
                                         data=kept.to_json())], cursor=1)

    practice.store.apply_changes([Change(seq=2, entity="client", entity_id=kept.id, version=2,
                                         data=gone.to_json())], cursor=2)

    assert practice.store.search_clients("lund") == []


def _sent_through(store) -> int:
    row = store.connection.execute("SELECT value FROM sync_state WHERE name = 'audit_sent_through'").fetchone()
    return int(row[0]) if row else 0


def _position(store, event_id) -> int:
    return store.connection.execute("SELECT position FROM audit WHERE id = ?", (str(event_id),)).fetchone()[0]


def test_audit_shipping_keeps_a_high_water_mark_and_starts_after_it(practice, actor: Actor) -> None:
    events = practice.store.unsent_audit(1000)
    assert len(events) >= 4

    # The server acknowledges a later event before an earlier one: the mark stops at the gap.
    practice.store.mark_audit_sent([events[0].id, events[2].id])
    assert _sent_through(practice.store) == _position(practice.store, events[0].id)
    assert practice.store.unsent_audit(1000) == [events[1], *events[3:]]

    practice.store.mark_audit_sent([events[1].id])
    assert _sent_through(practice.store) == _position(practice.store, events[2].id)
    assert practice.store.unsent_audit(1000) == events[3:]

    practice.store.mark_audit_sent([e.id for e in events[3:]])
    assert practice.store.unsent_audit(1000) == []
    assert _sent_through(practice.store) == _position(practice.store, events[-1].id)
    # Ids behind the mark are not kept: the table holds only out-of-order acknowledgements.
    assert practice.store.connection.execute("SELECT count(*) FROM audit_sent").fetchone()[0] == 0

    practice.client("Nadia", "Petrova")
    fresh = practice.store.unsent_audit(1000)
    assert [e.action.value for e in fresh] == ["create"]


def _vm_steps(store, call) -> int:
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    store.connection.set_progress_handler(count, 1)
    try:
        call()
    finally:
        store.connection.set_progress_handler(None, 1)
    return steps[0]


def test_looking_for_unsent_audit_events_does_not_rescan_what_was_shipped(practice, actor: Actor) -> None:
    store = practice.store
    store.mark_audit_sent([e.id for e in store.unsent_audit(1000)])
    olga = practice.client("Olga", "Berg")
    small = _vm_steps(store, lambda: store.unsent_audit(1000))

    for _ in range(150):
        store.client(olga.id, actor=actor)  # one view event each
    store.mark_audit_sent([e.id for e in store.unsent_audit(1000)])
    practice.client("Pavla", "Berg")
    large = _vm_steps(store, lambda: store.unsent_audit(1000))

    assert [e.action.value for e in store.unsent_audit(1000)] == ["create"]
    # 150 more shipped events, and the search for unsent ones does the same work.
    assert large <= small + 20, (small, large)


def test_a_refused_move_puts_the_appointment_back_at_its_time_on_the_server(
        practice, actor: Actor, server: LiveApi, manager: Workstation) -> None:
    client = practice.client()
    day = days_ahead(20)
    appt = practice.appointment(client, day=day, hour=10)
    practice.store.book(appt, actor=actor)
    sync(practice.store, manager)
    assert practice.store.outbox_count() == 0 and practice.store.conflicts() == []
    other = practice.appointment(client, day=day, hour=14)
    booked_elsewhere(manager, other)
    practice.store.reschedule(appt.id, starts_at=other.starts_at, ends_at=other.ends_at,
                              provider_id=other.provider_id, room_id=other.room_id, actor=actor)

    [answer] = push(practice.store, manager)
    changes = practice.store.settle([answer])

    assert (answer.outcome, answer.code) == (Outcome.CONFLICT, "slot_taken")
    shown = practice.store.appointment(appt.id)
    assert (shown.starts_at, shown.version) == (appt.starts_at, 1)
    assert [a.id for a in practice.store.day_schedule(practice.location.id, day).appointments] == [appt.id]
    assert changes.conflicts and (practice.location.id, day) in changes.days
    [conflict] = practice.store.conflicts()
    assert conflict.kind is ConflictKind.DOUBLE_BOOKING and conflict.entity_id == appt.id
    detail = inbox_detail(conflict)
    assert isinstance(detail, DoubleBooking) and detail.refused is not None and detail.holder is not None
    assert detail.refused.starts_at == other.starts_at and detail.holder.id == other.id
    assert "back at its time on the server" in conflict.reason
    assert practice.store.outbox_count() == 0


def test_a_status_change_the_server_refuses_shows_the_servers_copy_again(
        practice, actor: Actor, manager: Workstation) -> None:
    appt = practice.appointment(practice.client(), day=days_ahead(23), hour=9)
    practice.store.book(appt, actor=actor)
    sync(practice.store, manager)
    cancelled = manager.push_ok(mutation("appointment.cancel", "appointment", appt.id,
                                         {"reason": "client called"}, base_version=1))[0]
    assert cancelled["outcome"] == "applied"
    practice.store.set_status(appt.id, AppointmentStatus.ARRIVED, actor=actor)  # not pulled the cancel yet

    [answer] = push(practice.store, manager)
    changes = practice.store.settle([answer])

    assert (answer.outcome, answer.code) == (Outcome.REJECTED, "invalid_transition")
    shown = practice.store.appointment(appt.id)
    assert (shown.status, shown.version, shown.seq) == (AppointmentStatus.CANCELLED, 2, cancelled["seq"])
    assert (practice.location.id, appt.starts_at.astimezone(practice.zone).date()) in changes.days
    [conflict] = practice.store.conflicts()
    assert (conflict.kind, conflict.entity_id) == (ConflictKind.REJECTED, appt.id)
    assert conflict.reason == f"This appointment: {answer.reason}"
    detail = inbox_detail(conflict)
    assert isinstance(detail, RejectedChange) and detail.code == "invalid_transition"
    assert detail.change is not None and detail.change.payload["status"] == "arrived"
    assert practice.store.outbox_count() == 0
