"""Two desks offline change the same client field: the desk whose change lost gets both values in its inbox.

Real live API on both databases, real SQLCipher stores and keychain; the
desks' engines are not started, so each test says exactly when a desk
reconnects (``engine.run_once()``: push everything, pull until current).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from medspa_desk.desk.conflicts import Choice, NeedsConfirmation, resolve_conflict
from medspa_desk.records import Client, Conflict, ConflictKind
from medspa_desk.store import NotFound
from tests.api.desk import Desk as ApiDesk
from tests.support.live_api import LiveApi
from tests.support.sync_desks import Desk, new_client, open_desk


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path / "api", backend=request.param) as api:
        yield api


@dataclass
class OfflineDesks:
    live: LiveApi
    a: Desk
    b: Desk
    client: Client


@pytest.fixture
def offline_desks(live: LiveApi, tmp_path: Path, secret_service: None) -> Iterator[OfflineDesks]:
    """Desks A and B both hold one client, then stop syncing (their engines run only when asked)."""
    a = open_desk(live, tmp_path / "a", who="front_desk", name="Front desk A", start=False)
    b = open_desk(live, tmp_path / "b", who="manager", name="Office B", start=False)
    try:
        client = new_client("Octavia", "Brennan").model_copy(update={"phone": "555-410-2298"})
        a.write(lambda store: store.create_client(client, actor=a.actor))
        a.engine.run_once()
        b.engine.run_once()
        yield OfflineDesks(live=live, a=a, b=b, client=client)
    finally:
        a.close()
        b.close()


def local_client(desk: Desk, client_id: UUID) -> Client:
    return desk.read(lambda store: store.client(client_id, actor=desk.actor))


def open_conflicts(desk: Desk) -> list[Conflict]:
    return desk.read(lambda store: store.conflicts(open_only=True))


def on_server(live: LiveApi, client_id: UUID) -> dict[str, Any]:
    """The client as the server holds it, read through the API by a third person."""
    with ApiDesk.sign_in(live, "admin") as reader:
        answer = reader.get("/sync/pull", params={"after": 0, "limit": 5000})
        assert answer.status_code == 200, answer.text
        copies = [c["data"] for c in answer.json()["changes"] if c["entity_id"] == str(client_id)]
    assert copies, "the client is on the server"
    return copies[-1]


def change_phone(desk: Desk, client_id: UUID, phone: str) -> None:
    desk.write(lambda store: store.update_client(client_id, {"phone": phone}, actor=desk.actor))


@pytest.mark.parametrize("first", ["a", "b"])
def test_a_phone_changed_on_two_offline_desks_goes_to_the_inbox_of_the_desk_that_lost(
        offline_desks: OfflineDesks, first: str) -> None:
    desks = {"a": offline_desks.a, "b": offline_desks.b}
    winner, loser = desks[first], desks["b" if first == "a" else "a"]
    client_id = offline_desks.client.id
    change_phone(winner, client_id, "555-100-0001")
    change_phone(loser, client_id, "555-200-0002")

    winner.engine.run_once()
    loser.engine.run_once()
    winner.engine.run_once()

    assert open_conflicts(winner) == []
    [entry] = open_conflicts(loser)
    assert entry.kind is ConflictKind.FIELD_CONFLICT and entry.entity_id == client_id
    assert "555-200-0002" in entry.model_dump_json() and "555-100-0001" in entry.model_dump_json(), \
        "the inbox entry carries both values"
    assert on_server(offline_desks.live, client_id)["phone"] == "555-100-0001", \
        "the later push does not overwrite the first"
    assert local_client(winner, client_id).phone == "555-100-0001"
    assert local_client(loser, client_id).phone == "555-100-0001", "the losing desk shows the server's copy"


@pytest.mark.parametrize(("choice", "kept"), [(Choice.KEEP_MINE, "555-200-0002"), (Choice.KEEP_THEIRS, "555-100-0001")])
def test_resolving_a_phone_conflict_applies_the_pick_on_both_desks(
        offline_desks: OfflineDesks, choice: Choice, kept: str) -> None:
    a, b, client_id = offline_desks.a, offline_desks.b, offline_desks.client.id
    change_phone(a, client_id, "555-100-0001")
    change_phone(b, client_id, "555-200-0002")
    a.engine.run_once()
    b.engine.run_once()
    [entry] = open_conflicts(b)

    b.write(lambda store: resolve_conflict(store, entry.id, choice=choice, actor=b.actor))
    b.engine.run_once()
    a.engine.run_once()

    assert open_conflicts(a) == [] and open_conflicts(b) == []
    assert on_server(offline_desks.live, client_id)["phone"] == kept
    assert local_client(a, client_id).phone == kept and local_client(b, client_id).phone == kept
    [closed] = b.read(lambda store: store.conflicts(open_only=False))
    assert closed.resolution == choice.value


def test_keeping_the_other_allergy_asks_first_and_nothing_changes_until_confirmed(
        offline_desks: OfflineDesks) -> None:
    a, b, client_id = offline_desks.a, offline_desks.b, offline_desks.client.id
    a.write(lambda store: store.update_client(client_id, {"allergies": "Latex"}, actor=a.actor))
    b.write(lambda store: store.update_client(client_id, {"allergies": "Penicillin"}, actor=b.actor))
    a.engine.run_once()
    b.engine.run_once()
    [entry] = open_conflicts(b)

    with pytest.raises(NeedsConfirmation) as asked:
        b.write(lambda store: resolve_conflict(store, entry.id, choice=Choice.KEEP_THEIRS, actor=b.actor))
    assert "Penicillin" in asked.value.question and "anyway" in asked.value.question
    with pytest.raises(NeedsConfirmation):
        b.write(lambda store: resolve_conflict(store, entry.id, choice=Choice.DISCARD, actor=b.actor))
    assert [c.id for c in open_conflicts(b)] == [entry.id], "nothing was resolved before the answer"

    b.write(lambda store: resolve_conflict(store, entry.id, choice=Choice.KEEP_THEIRS, actor=b.actor,
                                           confirmed=True))
    assert open_conflicts(b) == [] and local_client(b, client_id).allergies == "Latex"


def test_a_choice_that_fails_leaves_the_entry_open(offline_desks: OfflineDesks) -> None:
    """The entry closes in the same transaction as the change it picks: a refused change closes nothing."""
    a, b, client_id = offline_desks.a, offline_desks.b, offline_desks.client.id
    change_phone(a, client_id, "555-100-0001")
    change_phone(b, client_id, "555-200-0002")
    a.engine.run_once()
    b.engine.run_once()
    [entry] = open_conflicts(b)
    # The client leaves this desk (as a pull of a removal would): sending this desk's value cannot apply.
    b.write(lambda store: store.connection.execute("DELETE FROM clients WHERE id = ?", (str(client_id),)))

    with pytest.raises(NotFound):
        b.write(lambda store: resolve_conflict(store, entry.id, choice=Choice.KEEP_MINE, actor=b.actor))

    assert [c.id for c in open_conflicts(b)] == [entry.id]
    assert b.read(lambda store: store.outbox_count()) == 0
