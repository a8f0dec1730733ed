"""What the store writes to the audit trail."""

from __future__ import annotations

import re

# Ids and times are what events are made of; a phone number's digits could turn
# up inside either by chance (a UUID is hex, a time has microseconds), so the
# digit-only forms are looked for in what is left once those are taken out.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")


def test_events_carry_ids_not_values(practice, actor) -> None:
    client = practice.client("Wilhelmina", "Xanthopoulos", phone="(555) 777-1234")
    practice.store.client(client.id, actor=actor)
    practice.store.update_client(client.id, {"last_name": "Yardley"}, actor=actor)

    text = " ".join(row[0] for row in practice.store.connection.execute("SELECT event FROM audit"))
    # Markers with letters outside a-f, or punctuation, cannot occur in hex, UUID or time text.
    for value in ("Wilhelmina", "Xanthopoulos", "Yardley", "(555) 777-1234", "777-1234"):
        assert value not in text
    without_ids = _INSTANT.sub("<time>", _UUID.sub("<id>", text))
    assert _UUID.search(text) and "<time>" in without_ids  # the masks match what events hold
    for digits in ("5557771234", "7771234", "1234"):
        assert digits not in without_ids
    assert "fields: last_name" in text


def test_every_write_and_view_leaves_a_verifiable_chain(practice, actor) -> None:
    client = practice.client()
    practice.store.client_timeline(client.id, actor=actor)

    actions = [e.action.value for e in practice.store.audit.events()]

    assert actions[-2:] == ["create", "view"]
    assert practice.store.audit.verify().ok
