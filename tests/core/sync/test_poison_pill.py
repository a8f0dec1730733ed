"""One poisoned change among 99 good ones: 99 applied, one rejected alone, and the desk keeps syncing.

How the poison gets in: this desk's records now refuse a NUL at the field, so
the test writes what an older desk (before that check) left behind after a
barcode scanner typed a NUL into a client's notes: the client's row in the
cache carries it, and so does the queued ``client.update`` in the outbox. It
is written with the same SQL the store's own ``_queue`` and row upsert use,
into the real SQLCipher store, and pushed in one batch with 99 good changes
to the real API (SQLite and PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from medspa_desk.protocol import Mutation, MutationKind, RejectedChange
from medspa_desk.records import Client, ConflictKind, new_id, utc_now
from medspa_desk.store.inbox import inbox_detail
from tests.api.desk import Desk as ApiDesk
from tests.support.live_api import LiveApi
from tests.support.sync_desks import Desk, new_client, open_desk

POISONED_NOTES = "Scanned card: 4417\x00 8890"


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path / "api", backend=request.param) as api:
        yield api


@pytest.fixture
def desk(live: LiveApi, tmp_path: Path, secret_service: None) -> Iterator[Desk]:
    desk = open_desk(live, tmp_path / "desk", who="front_desk", name="Front desk", start=False)
    yield desk
    desk.close()


def clients_on_server(live: LiveApi) -> dict[str, dict]:
    with ApiDesk.sign_in(live, "admin") as reader:
        answer = reader.get("/sync/pull", params={"after": 0, "limit": 5000})
        assert answer.status_code == 200, answer.text
    return {c["entity_id"]: c["data"] for c in answer.json()["changes"] if c["entity"] == "client"}


def queue_as_an_older_desk_did(desk: Desk, client: Client) -> UUID:
    """The client's notes with a NUL in the cache, and its update in the outbox, as an older desk saved them."""
    poisoned = {**client.to_json(), "notes": POISONED_NOTES, "version": client.version + 1}
    mutation = Mutation(id=new_id(), kind=MutationKind.CLIENT_UPDATE, entity="client", entity_id=client.id,
                        base_version=client.version, created_at=utc_now(),
                        payload={"changes": {"notes": POISONED_NOTES}, "base": {"notes": client.notes}})

    def write(store: object) -> None:
        conn = store.connection  # type: ignore[attr-defined]
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE clients SET data = ? WHERE id = ?", (json.dumps(poisoned), str(client.id)))
        conn.execute("INSERT INTO outbox (id, kind, entity, entity_id, data, author_user_id) VALUES (?, ?, ?, ?, ?, ?)",
                     (str(mutation.id), mutation.kind.value, "client", str(client.id), mutation.model_dump_json(),
                      str(desk.actor.user_id)))
        conn.execute("COMMIT")

    desk.write(write)
    return mutation.id


def test_one_poisoned_change_among_99_good_ones_is_rejected_alone_and_sync_goes_on(
        desk: Desk, live: LiveApi) -> None:
    target = new_client("Octavia", "Brennan")
    desk.write(lambda store: store.create_client(target, actor=desk.actor))
    desk.engine.run_once()
    before = [new_client(f"Early{i}", "Batch") for i in range(50)]
    after = [new_client(f"Late{i}", "Batch") for i in range(49)]
    desk.write(lambda store: [store.create_client(c, actor=desk.actor) for c in before])
    poisoned_id = queue_as_an_older_desk_did(desk, target)
    desk.write(lambda store: [store.create_client(c, actor=desk.actor) for c in after])
    assert desk.read(lambda store: store.outbox_count()) == 100

    desk.engine.run_once()

    on_server = clients_on_server(live)
    assert {str(c.id) for c in before + after} <= set(on_server), "the 99 good changes were applied"
    assert on_server[str(target.id)]["notes"] == "", "the poisoned change was not applied"
    assert desk.read(lambda store: store.outbox_count()) == 0, "nothing waits behind the rejected change"
    [entry] = desk.read(lambda store: store.conflicts())
    assert entry.kind is ConflictKind.REJECTED and entry.mutation_id == poisoned_id
    assert entry.reason.startswith("Client Octavia Brennan: ") and "notes" in entry.reason, \
        "the inbox names the record and the field"
    detail = inbox_detail(entry)
    assert isinstance(detail, RejectedChange) and (detail.code, detail.field) == ("hidden_character", "notes")
    assert desk.read(lambda store: store.client(target.id, actor=desk.actor)).notes == "", \
        "the desk shows the server's copy instead of the one it cannot send"
    status = desk.engine.status
    assert status.online and status.message == "" and status.conflicts == 1
    assert status.refused == "Client Octavia Brennan: notes", "the status bar names the record and the field"

    later = new_client("After", "Poison")
    desk.write(lambda store: store.create_client(later, actor=desk.actor))
    desk.engine.run_once()
    assert str(later.id) in clients_on_server(live), "the desk is still syncing"


def test_fixing_a_rejected_change_sends_it_again_without_the_hidden_character(desk: Desk, live: LiveApi) -> None:
    from medspa_desk.desk.conflicts import Choice, choices_for, resolve_conflict

    target = new_client("Octavia", "Brennan")
    desk.write(lambda store: store.create_client(target, actor=desk.actor))
    desk.engine.run_once()
    queue_as_an_older_desk_did(desk, target)
    desk.engine.run_once()
    [entry] = desk.read(lambda store: store.conflicts())
    assert choices_for(entry) == (Choice.FIX, Choice.DISCARD)

    desk.write(lambda store: resolve_conflict(store, entry.id, choice=Choice.FIX, actor=desk.actor))
    desk.engine.run_once()

    assert clients_on_server(live)[str(target.id)]["notes"] == "Scanned card: 4417 8890"
    assert desk.read(lambda store: store.conflicts()) == []
