"""Bulk import: client ids read from the JSON, and runs of records loaded across chunk edges."""

from __future__ import annotations

import random
from datetime import date

import pytest

from medspa_demo.practice import generate_practice
from medspa_desk.records import Appointment, Client, Record
from medspa_desk.store import Actor, Store, bulk
from medspa_desk.store.rows import TABLE_FOR_ENTITY, client_id_text, record_json, table_for
from tests.core.store.conftest import Practice


def test_every_row_with_a_client_column_holds_its_records_client_id() -> None:
    practice = generate_practice(clients=12, months_back=2, months_ahead=1)
    kinds = set()
    for record in practice.all_records():
        table = table_for(record)
        if "client_id" not in table.columns:
            continue
        row = table.to_row(record)
        assert row[table.columns.index("client_id")] == str(record.client_id)  # type: ignore[attr-defined]
        kinds.add(record.entity)
    assert kinds == {"appointment", "intake", "consent", "treatment"}


def test_client_id_comes_before_any_nested_field_in_every_kind_that_has_one() -> None:
    # client_id_text takes the first "client_id" key after the id: that is only
    # the record's own while nothing declared before it can nest such a key.
    kinds = {table.name: 0 for table in TABLE_FOR_ENTITY.values()}
    pending: list[type[Record]] = [Record]
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        fields = list(kind.model_fields)
        if "client_id" in fields:
            before = set(fields[:fields.index("client_id")])
            assert before <= {"id", "version", "seq", "updated_at", "location_id"}, kind
            kinds[TABLE_FOR_ENTITY[kind.entity].name] += 1
    assert kinds["appointments"] == kinds["treatments"] == kinds["intakes"] == kinds["consents"] == 1


def test_a_record_without_the_key_in_its_json_falls_back_to_its_attribute() -> None:
    practice = generate_practice(clients=12, months_back=2, months_ahead=1)
    appointment = practice.appointments[0]
    assert client_id_text(record_json(practice.clients[0]), appointment) == str(appointment.client_id)


def fts_matches(store: Store, term: str) -> int:
    return int(store.connection.execute(
        "SELECT count(*) FROM client_search WHERE client_search MATCH ?", (term,)).fetchone()[0])


def kinds_in_rows(store: Store, table: str) -> int:
    return int(store.connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608


@pytest.mark.parametrize("chunk", [3, 7, 10_000])
def test_interleaved_runs_load_every_record_across_chunk_edges(
        store: Store, practice: Practice, actor: Actor, monkeypatch: pytest.MonkeyPatch,
        chunk: int) -> None:
    monkeypatch.setattr(bulk, "CHUNK", chunk)
    rng = random.Random(chunk)
    clients = [Client(first_name=f"Nadia{i}", last_name="Quill", birth_date=date(1990, 1, 2))
               for i in range(40)]
    renamed = clients[5].model_copy(update={"last_name": "Marlowe", "version": 2})

    def appointments(count: int) -> list[Appointment]:
        return [practice.appointment(rng.choice(clients), day=date(2026, 3, 2 + i % 20),
                                     hour=9 + i % 8, room=practice.room2) for i in range(count)]

    # Runs of one kind that end mid-chunk, on a chunk edge and past it; a
    # client loaded again later (the later version wins).
    records: list[Record] = [*clients[:21], *appointments(14), *clients[21:], *appointments(7),
                             renamed, *appointments(1)]

    assert store.import_records(iter(records), actor=actor) == len(records)

    assert kinds_in_rows(store, "clients") == 40
    assert kinds_in_rows(store, "appointments") == 22
    assert store.client(renamed.id, actor=actor) == renamed
    assert [hit.id for hit in store.search_clients("marlowe")] == [renamed.id]
    assert len(store.search_clients("quill")) == 20  # the search's limit
    assert fts_matches(store, "quill") == 39  # the renamed client's old entry is gone
    store.connection.execute("INSERT INTO client_search (client_search) VALUES ('integrity-check')")
    indexes = {name for (name,) in store.connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'appointments'")}
    assert {"appointments_by_provider", "appointments_by_client", "appointments_by_room"} <= indexes
    assert len(store.day_schedule(practice.location.id, date(2026, 3, 2)).by_provider) >= 1
    assert store.check_integrity().ok


def test_a_record_of_a_kind_with_no_table_is_refused_and_nothing_is_loaded(
        store: Store, actor: Actor) -> None:
    class Stray(Record):
        entity = "stray"

    client = Client(first_name="Ida", last_name="Vance", birth_date=date(1980, 1, 1))
    with pytest.raises(TypeError, match="no table for records of kind Stray"):
        store.import_records([client, Stray()], actor=actor)
    assert kinds_in_rows(store, "clients") == 0
    assert set(TABLE_FOR_ENTITY) >= {"client", "appointment"}
