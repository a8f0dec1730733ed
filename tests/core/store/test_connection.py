"""Opening the encrypted file: wrong key, damage, too-new schema, upgrades. Never a silent new file."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from medspa_desk.records import Client
from medspa_desk.store import (
    Actor,
    Corrupt,
    NotEncrypted,
    Store,
    StoreMissing,
    TooNew,
    WrongKey,
)
from medspa_desk.store.connection import PAGE_SIZE, open_database
from medspa_desk.store.migrations import LATEST, migrate, schema_version


def fill(path: Path, key: bytearray, actor: Actor, clients: int = 300) -> list[Client]:
    made = [Client(first_name=f"Client{i}", last_name="Test" + "x" * 90, birth_date=date(1980, 1, 1),
                   notes="n" * 1500) for i in range(clients)]
    with Store.open(path, key, create=True) as store:
        store.import_records(made, actor=actor)
    return made


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_file_is_encrypted_and_plain_sqlite_cannot_open_it(db_path: Path, key: bytearray,
                                                                actor: Actor) -> None:
    fill(db_path, key, actor, clients=5)

    assert not db_path.read_bytes().startswith(b"SQLite format 3")
    plain = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.DatabaseError):
        plain.execute("SELECT count(*) FROM sqlite_master").fetchone()
    plain.close()


def test_a_wrong_key_is_named_and_the_file_is_untouched(db_path: Path, key: bytearray, actor: Actor) -> None:
    fill(db_path, key, actor, clients=5)
    before = digest(db_path)

    with pytest.raises(WrongKey, match="key does not open"):
        Store.open(db_path, bytearray(os.urandom(32)), create=True)

    assert digest(db_path) == before


def test_a_missing_file_is_not_created_unless_asked(db_path: Path, key: bytearray) -> None:
    with pytest.raises(StoreMissing):
        Store.open(db_path, key)
    assert not db_path.exists()


@pytest.mark.parametrize("content", [b"", b"SQLite format 3\x00" + b"\x00" * 4080])
def test_an_empty_or_plain_file_is_refused_not_replaced(db_path: Path, key: bytearray,
                                                         content: bytes) -> None:
    db_path.write_bytes(content)

    with pytest.raises(Corrupt) as refused:
        Store.open(db_path, key, create=True)

    assert isinstance(refused.value, NotEncrypted) == bool(content)
    assert db_path.read_bytes() == content


def flip(path: Path, offset: int) -> None:
    with path.open("r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0xFF]))


def test_a_flipped_byte_in_the_first_page_is_reported_as_damage_naming_the_page(
        db_path: Path, key: bytearray, actor: Actor) -> None:
    fill(db_path, key, actor)
    flip(db_path, 2000)  # past the 16-byte salt, inside page 1's encrypted content
    before = digest(db_path)

    with pytest.raises(Corrupt) as refused:
        Store.open(db_path, key, create=True)

    assert refused.value.bad_pages == (1,)
    assert "page 1 fails" in str(refused.value)
    assert digest(db_path) == before


@pytest.mark.parametrize("where", ["middle", "last"])
def test_a_flipped_byte_in_a_later_page_is_found_by_the_integrity_check(
        db_path: Path, key: bytearray, actor: Actor, where: str) -> None:
    made = fill(db_path, key, actor)
    pages = db_path.stat().st_size // PAGE_SIZE
    page = pages // 2 if where == "middle" else pages
    flip(db_path, (page - 1) * PAGE_SIZE + 100)
    before = digest(db_path)

    with Store.open(db_path, key) as store:
        report = store.check_integrity()
        with pytest.raises(Corrupt, match="damaged"):
            for client in made:
                store.client(client.id, actor=actor)

    assert not report.ok
    assert report.bad_pages == (page,)
    assert f"page {page} fails its integrity check" in report.problems
    assert digest(db_path) == before


def test_a_healthy_store_passes_both_integrity_checks(store: Store) -> None:
    assert store.check_integrity().ok


def test_a_database_from_a_newer_version_is_refused_untouched(db_path: Path, key: bytearray,
                                                              actor: Actor) -> None:
    fill(db_path, key, actor, clients=1)
    conn = open_database(db_path, key)
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    before = digest(db_path)

    with pytest.raises(TooNew, match="newer version"):
        Store.open(db_path, key)

    assert digest(db_path) == before


@pytest.fixture
def schema_1_db(db_path: Path, key: bytearray, actor: Actor) -> Client:
    """A store as schema 1 made it (built fresh: .db files are never committed)."""
    conn = open_database(db_path, key, create=True)
    assert migrate(conn, target=1) == 1
    client = Client(first_name="Olive", last_name="Stone", birth_date=date(1970, 5, 6),
                    address="12 Elm Road, Springfield")
    # The row as schema 1 held it (today's rows.py writes columns schema 1 did not have).
    with conn:
        conn.execute("INSERT INTO clients (id, version, seq, first_name, last_name, preferred_name, "
                     "birth_date, phone, phone_digits, email, deleted, data) "
                     "VALUES (?, 1, 0, ?, ?, '', ?, '', '', '', 0, ?)",
                     (str(client.id), client.first_name, client.last_name,
                      client.birth_date.isoformat(), client.model_dump_json()))
    conn.close()
    return client


def test_a_schema_1_store_upgrades_and_keeps_its_data(schema_1_db: Client, db_path: Path,
                                                      key: bytearray, actor: Actor) -> None:
    with Store.open(db_path, key) as store:
        assert schema_version(store.connection) == LATEST
        indexes = {r[0] for r in store.connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "appointments_by_provider" in indexes
        assert store.client(schema_1_db.id, actor=actor) == schema_1_db
        assert store.search_clients("oli sto")[0].id == schema_1_db.id
        assert store.connection.execute("SELECT address FROM clients WHERE id = ?",
                                        (str(schema_1_db.id),)).fetchone() == ("12 Elm Road, Springfield",)
        assert store.audit.verify().ok
