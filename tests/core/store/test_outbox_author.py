"""Each outbox entry names its author; a push takes only the signed-in person's entries."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from medspa_desk.audit import AuditTrail
from medspa_desk.protocol import Mutation, MutationKind
from medspa_desk.records import AuditAction, AuditEvent, Client, Role, new_id, utc_now
from medspa_desk.store import Actor, Store
from medspa_desk.store.connection import open_database
from medspa_desk.store.migrations import migrate
from tests.core.store.conftest import Practice


def _colleague(practice: Practice) -> Actor:
    return Actor(user_id=new_id(), device_id=practice.actor.device_id, role=Role.PROVIDER)


def test_a_push_takes_the_signed_in_persons_entries_and_leaves_a_colleagues_waiting(practice: Practice) -> None:
    me, colleague = practice.actor, _colleague(practice)
    mine = practice.client("Mine")
    theirs = Client(first_name="Theirs", last_name="Colleague", birth_date=date(1990, 2, 2))
    practice.store.create_client(theirs, actor=colleague)
    # Mine later edits the colleague's new client: that edit cannot reach the server before the create.
    practice.store.update_client(theirs.id, {"phone": "555 010 3333"}, actor=me)
    later = practice.client("Later")

    batch = practice.store.outbox_batch(500, author=me.user_id)

    kinds = {(m.kind, m.entity_id) for m in batch}
    assert (MutationKind.CLIENT_CREATE, mine.id) in kinds and (MutationKind.CLIENT_CREATE, later.id) in kinds
    assert {m.entity_id for m in batch}.isdisjoint({theirs.id})
    assert practice.store.outbox_waiting_for_others(me.user_id) == 1
    assert [m.entity_id for m in practice.store.outbox_batch(500, author=colleague.user_id)] == [theirs.id]
    assert len(practice.store.outbox_batch(500)) == practice.store.outbox_count()
    assert len(practice.store.outbox_batch(2, author=me.user_id)) == 2


def _schema_7_outbox_row(conn: object, *, record_id: object, actor: object, at_offset_s: float,
                         made_after_s: float = 0) -> Mutation:
    """An outbox entry and its audit event as schema 7 wrote them (one transaction, no author column)."""
    client = Client(id=record_id, first_name="Old", last_name="Queue", birth_date=date(1980, 1, 1))
    made = utc_now() + timedelta(seconds=made_after_s)
    mutation = Mutation(id=new_id(), kind=MutationKind.CLIENT_CREATE, entity="client", entity_id=client.id,
                        payload=client.to_json(), created_at=made)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO outbox (id, kind, entity, entity_id, data) VALUES (?, ?, ?, ?, ?)",
                 (str(mutation.id), mutation.kind.value, "client", str(client.id), mutation.model_dump_json()))
    if actor is not None:
        AuditTrail(conn).record(AuditEvent(actor_user_id=actor, action=AuditAction.CREATE, entity="client",
                                           entity_id=client.id, at=made + timedelta(seconds=at_offset_s)))
    conn.execute("COMMIT")
    return mutation


def test_entries_queued_before_authors_were_recorded_get_theirs_from_the_audit_trail(
        db_path: Path, key: bytearray) -> None:
    conn = open_database(db_path, key, create=True)
    assert migrate(conn, target=7) == 7
    first, second = new_id(), new_id()
    record = new_id()
    known = _schema_7_outbox_row(conn, record_id=record, actor=first, at_offset_s=0.0001)
    edited_later = _schema_7_outbox_row(conn, record_id=record, actor=second, at_offset_s=0.0001, made_after_s=1)
    unknown = _schema_7_outbox_row(conn, record_id=new_id(), actor=None, at_offset_s=0)
    too_far = _schema_7_outbox_row(conn, record_id=new_id(), actor=first, at_offset_s=30)
    conn.close()

    with Store.open(db_path, key) as store:
        authors = dict(store.connection.execute("SELECT id, author_user_id FROM outbox").fetchall())

    assert authors == {str(known.id): str(first), str(edited_later.id): str(second),
                       str(unknown.id): None, str(too_far.id): None}


def test_a_push_batch_stays_within_its_byte_budget_and_always_holds_one(store: Store) -> None:
    actor = Actor(user_id=new_id(), device_id=None, role=Role.FRONT_DESK)
    for n in range(6):
        store.create_client(Client(first_name=f"Long{n}", last_name="Notes", birth_date=date(1980, 1, 1),
                                   notes="n" * 4000), actor=actor)
    one = len(store.outbox_batch(1)[0].model_dump_json())
    assert len(store.outbox_batch(100, max_bytes=3 * one + 10)) == 3
    assert len(store.outbox_batch(100, author=actor.user_id, max_bytes=2 * one + 10)) == 2
    assert len(store.outbox_batch(100, max_bytes=10)) == 1  # a single change larger than the budget still goes
    assert len(store.outbox_batch(100)) == 6
