"""The store tells its listeners (the sync engine) after each committed write that added to the outbox."""

from __future__ import annotations

from datetime import date

import pytest

from medspa_desk.records import Client
from medspa_desk.store import Actor, Store
from medspa_desk.store.errors import StoreError


def _client() -> Client:
    return Client(first_name="Noor", last_name="Haddad", birth_date=date(1990, 5, 17))


def _listened(store: Store) -> list[int]:
    heard: list[int] = []
    store.outbox_watch.listen(lambda: heard.append(store.outbox_count()))
    return heard


def test_a_committed_save_is_heard_once_after_the_commit(store: Store, actor: Actor) -> None:
    heard = _listened(store)
    store.create_client(_client(), actor=actor)
    assert heard == [1]  # once, and the entry is already committed when the listener runs


def test_a_rolled_back_save_and_a_write_without_outbox_entry_are_not_heard(store: Store, actor: Actor) -> None:
    client = _client()
    store.create_client(client, actor=actor)
    heard = _listened(store)
    with pytest.raises(StoreError):
        store.create_client(client, actor=actor)  # the same id again: refused, rolled back
    store.client(client.id, actor=actor)  # a read is audited (a write) but queues nothing
    store.mark_audit_sent([])
    assert heard == []


def test_an_entry_queued_then_rolled_back_is_not_heard_by_the_next_commit(store: Store, actor: Actor) -> None:
    heard = _listened(store)
    with pytest.raises(RuntimeError), store.transaction() as conn:
        conn.execute("INSERT INTO outbox (id, kind, entity, entity_id, data) "
                     "VALUES ('x', 'client_create', 'client', 'y', '{}')")
        raise RuntimeError("cancelled before the commit")
    store.mark_audit_sent([])  # a later commit with no outbox entry of its own
    assert heard == []


def test_a_broken_listener_does_not_fail_the_save(store: Store, actor: Actor) -> None:
    def broken() -> None:
        raise RuntimeError("listener bug")

    store.outbox_watch.listen(broken)
    heard = _listened(store)
    store.create_client(_client(), actor=actor)
    assert heard == [1]
