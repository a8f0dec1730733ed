"""Bulk import: client ids read from the JSON, and runs of records loaded across chunk edges."""

from __future__ import annotations

import random
from datetime import date

import pytest

from medspa_desk.demo_data import generate_practice
from medspa_desk.records import Appointment, Client, Record, TreatmentRecord
from medspa_desk.store import Actor, Store, StoreError, bulk
from medspa_desk.store.rows import (
    TABLE_FOR_ENTITY,
    Table,
    client_id_text,
    record_json,
    table_for,
)
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


def started_indexing_meanwhile(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Calls through to the real method; notes each time the search index was started early."""
    started: list[str] = []
    real = bulk.RowLoader.index_clients_meanwhile

    def noting(loader: bulk.RowLoader) -> None:
        real(loader)
        started.append(loader._indexing.name if loader._indexing else "")

    monkeypatch.setattr(bulk.RowLoader, "index_clients_meanwhile", noting)
    return started


def test_clients_loaded_first_are_indexed_while_the_appointments_rows_are_built(
        store: Store, practice: Practice, actor: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "CHUNK", 4)
    started = started_indexing_meanwhile(monkeypatch)
    clients = [Client(first_name=f"Pia{i}", last_name="Kestrel", birth_date=date(1991, 4, 5))
               for i in range(30)]
    visits = [practice.appointment(clients[i], day=date(2026, 5, 4), hour=9 + i % 8,
                                   minute=0 if i < 8 else 30 if i < 16 else 15)
              for i in range(24)]
    # 30 clients (7 full chunks and 2 left over), then the appointments.
    assert store.import_records([*clients, *visits], actor=actor) == 54

    assert started == ["store-search-index"]
    assert fts_matches(store, "kestrel") == 30
    assert [hit.id for hit in store.search_clients("pia29")] == [clients[29].id]
    assert kinds_in_rows(store, "appointments") == 24
    store.connection.execute("INSERT INTO client_search (client_search) VALUES ('integrity-check')")


def test_a_failure_while_indexing_meanwhile_rolls_the_whole_load_back(
        store: Store, practice: Practice, actor: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "CHUNK", 4)

    def failing(conn: object) -> None:  # a real SQL error, raised on the indexing thread
        conn.execute("INSERT INTO no_such_table VALUES (1)")  # type: ignore[attr-defined]

    monkeypatch.setattr(bulk, "_index_all_clients", failing)
    clients = [Client(first_name=f"Rue{i}", last_name="Tanager", birth_date=date(1988, 2, 3))
               for i in range(9)]
    visits = [practice.appointment(clients[i], day=date(2026, 5, 5), hour=9 + i) for i in range(6)]

    with pytest.raises(StoreError):
        store.import_records([*clients, *visits], actor=actor)

    assert kinds_in_rows(store, "clients") == 0
    assert kinds_in_rows(store, "appointments") == 0
    assert store.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    monkeypatch.undo()
    assert store.import_records([*clients, *visits], actor=actor) == 15
    assert fts_matches(store, "tanager") == 9


def test_the_appointments_indexes_are_rebuilt_while_the_next_rows_are_built(
        store: Store, practice: Practice, actor: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "CHUNK", 4)
    started: list[str] = []
    real = bulk.RowLoader.rebuild_indexes_meanwhile

    def noting(loader: bulk.RowLoader, table: Table) -> None:
        real(loader, table)
        started.append(loader._indexing.name if loader._indexing else "")

    monkeypatch.setattr(bulk.RowLoader, "rebuild_indexes_meanwhile", noting)
    # A client already stored: no search indexing aside, so the rebuild is the only work aside.
    client = practice.client("Wren", "Harrow")
    day = date(2026, 6, 1)
    visits = [practice.appointment(client, day=day, hour=9, minute=5 * i) for i in range(10)]
    later = [practice.appointment(client, day=day, hour=14, minute=5 * i) for i in range(3)]
    treatments = [TreatmentRecord(client_id=client.id, provider_id=practice.injector.id,
                                  service_id=practice.botox.id, performed_at=v.starts_at)
                  for v in visits[:6]]

    assert store.import_records([*visits, *treatments, *later], actor=actor) == 19

    # The appointments' indexes; the treatments' too when the thread was free again by then.
    assert started[0] == "store-index-rebuild" and set(started) == {"store-index-rebuild"}
    indexes = {name for (name,) in store.connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'appointments'")}
    assert {"appointments_by_provider", "appointments_by_client", "appointments_by_room",
            "appointments_by_location_day"} <= indexes
    assert store.check_integrity().ok  # every row, also the later ones, is in every index
    schedule = store.day_schedule(practice.location.id, day)
    assert sum(len(column) for column in schedule.by_provider.values()) == 13
    assert kinds_in_rows(store, "treatments") == 6
    assert store.connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                                    "AND name = 'treatments_by_client'").fetchone()[0] == 1
