"""What the store writes to the audit trail."""

from __future__ import annotations


def test_events_carry_ids_not_values(practice, actor) -> None:
    client = practice.client("Wilhelmina", "Xanthopoulos", phone="555 777 1234")
    practice.store.client(client.id, actor=actor)
    practice.store.update_client(client.id, {"last_name": "Yardley"}, actor=actor)

    text = " ".join(row[0] for row in practice.store.connection.execute("SELECT event FROM audit"))
    for value in ("Wilhelmina", "Xanthopoulos", "Yardley", "5557771234", "777"):
        assert value not in text
    assert "fields: last_name" in text


def test_every_write_and_view_leaves_a_verifiable_chain(practice, actor) -> None:
    client = practice.client()
    practice.store.client_timeline(client.id, actor=actor)

    actions = [e.action.value for e in practice.store.audit.events()]

    assert actions[-2:] == ["create", "view"]
    assert practice.store.audit.verify().ok
