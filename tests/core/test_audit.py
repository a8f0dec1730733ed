"""The audit trail: append-only by trigger, and any tampering found by verify."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlcipher3 import dbapi2

from medspa_desk.audit import GENESIS_HASH, AuditTrail, canonical_event_json, chain_hash
from medspa_desk.records import AuditAction, AuditEvent, new_id
from medspa_desk.store import Store


@pytest.fixture
def trail(tmp_path: Path) -> Iterator[tuple[Store, AuditTrail, list[AuditEvent]]]:
    with Store.open(tmp_path / "audit.db", bytearray(os.urandom(32)), create=True) as store:
        user = new_id()
        events = [AuditEvent(actor_user_id=user, action=AuditAction.VIEW, entity="client",
                             entity_id=new_id(), detail=f"n{i}") for i in range(6)]
        conn = store.connection
        conn.execute("BEGIN")
        for event in events:
            store.audit.record(event)
        conn.execute("COMMIT")
        yield store, store.audit, events


def drop_guards(conn) -> None:
    """What only an attacker holding the key could do."""
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("DROP TRIGGER audit_no_delete")


def test_an_untouched_chain_verifies(trail) -> None:
    _, audit, events = trail
    assert audit.verify().ok
    assert audit.events() == events


def test_the_chain_hash_covers_the_event_and_the_previous_link(trail) -> None:
    store, _, events = trail
    first_hash, second_prev = store.connection.execute(
        "SELECT a.hash, b.prev_hash FROM audit a JOIN audit b ON b.position = a.position + 1 "
        "ORDER BY a.position LIMIT 1").fetchone()
    assert first_hash == chain_hash(GENESIS_HASH, events[0]) == second_prev
    assert chain_hash("f" * 64, events[0]) != first_hash


@pytest.mark.parametrize("statement", ["UPDATE audit SET event = '{}' WHERE position = 2",
                                       "DELETE FROM audit WHERE position = 2",
                                       "DELETE FROM audit"])
def test_raw_update_and_delete_on_the_audit_table_fail(trail, statement: str) -> None:
    store, audit, _ = trail
    with pytest.raises(dbapi2.IntegrityError, match="append-only"):
        store.connection.execute(statement)
    assert audit.verify().ok and audit.count() == 6


def test_an_edited_event_is_found(trail) -> None:
    store, audit, events = trail
    drop_guards(store.connection)
    edited = events[2].model_copy(update={"action": AuditAction.PRINT})
    store.connection.execute("UPDATE audit SET event = ? WHERE id = ?",
                             (canonical_event_json(edited), str(events[2].id)))

    result = audit.verify()

    assert (result.ok, result.first_bad_id) == (False, events[2].id)
    assert "altered" in result.reason


def test_a_deleted_event_is_found_at_the_next_link(trail) -> None:
    store, audit, events = trail
    drop_guards(store.connection)
    store.connection.execute("DELETE FROM audit WHERE id = ?", (str(events[3].id),))

    result = audit.verify()

    assert (result.ok, result.first_bad_id) == (False, events[4].id)
    assert "deleted" in result.reason


def test_reordered_events_are_found(trail) -> None:
    store, audit, events = trail
    drop_guards(store.connection)
    conn = store.connection
    rows = {r[0]: r[1:] for r in conn.execute("SELECT position, id, event, prev_hash, hash FROM audit")}
    first, second = sorted(rows)[1:3]
    conn.execute("UPDATE audit SET id = 'moving' WHERE position = ?", (first,))
    for position, source in ((second, first), (first, second)):
        conn.execute("UPDATE audit SET id = ?, event = ?, prev_hash = ?, hash = ? WHERE position = ?",
                     (*rows[source], position))

    result = audit.verify()

    assert (result.ok, result.first_bad_id) == (False, events[2].id)

