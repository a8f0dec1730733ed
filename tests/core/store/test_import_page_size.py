"""Page sizes: new stores get 16 KiB pages; stores made with 4 KiB pages open and keep them."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from sqlcipher3 import dbapi2

from medspa_desk.records import Client
from medspa_desk.store import Actor, Corrupt, Store, WrongKey
from medspa_desk.store.connection import (
    LEGACY_PAGE_SIZE,
    PAGE_SIZE,
    key_pragma,
    open_database,
    page_sizes_to_try,
)
from tests.core.store.test_connection import flip


def page_size(store: Store) -> int:
    return int(store.connection.execute("PRAGMA page_size").fetchone()[0])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def client(i: int) -> Client:
    return Client(first_name=f"Olive{i}", last_name="Stone", birth_date=date(1970, 5, 6),
                  phone="555 201 7788", notes="n" * 900)


def legacy_store(path: Path, key: bytearray, actor: Actor, *, whole_16k: bool) -> list[Client]:
    """A store as the code before 16 KiB pages made it: SQLCipher's default page size.

    Clients are added one write at a time until the file's length is (or is
    not) a multiple of 16 KiB, so both guesses the opener makes are tried.
    """
    conn = dbapi2.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute(key_pragma(key))
    conn.execute("PRAGMA journal_mode = WAL")
    assert conn.execute("PRAGMA cipher_page_size").fetchone()[0] == str(LEGACY_PAGE_SIZE)
    store = Store.over_connection(conn)
    made = []
    while True:
        made.append(client(len(made)))
        store.import_records([made[-1]], actor=actor)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        if len(made) >= 3 and (pages % (PAGE_SIZE // LEGACY_PAGE_SIZE) == 0) == whole_16k:
            break
    store.close()  # the last connection checkpoints the WAL into the file
    assert path.stat().st_size == pages * LEGACY_PAGE_SIZE
    return made


def test_a_new_store_has_16_kib_pages(store: Store) -> None:
    assert page_size(store) == PAGE_SIZE == 16_384


def test_a_new_store_reopens_with_its_16_kib_pages(db_path: Path, key: bytearray,
                                                   actor: Actor) -> None:
    with Store.open(db_path, key, create=True) as store:
        store.import_records([client(i) for i in range(50)], actor=actor)

    with Store.open(db_path, key) as store:
        assert page_size(store) == PAGE_SIZE
        assert len(store.search_clients("olive1")) == 11
        assert store.check_integrity().ok


@pytest.mark.parametrize("whole_16k", [True, False], ids=["length-fits-16k", "length-4k-only"])
def test_a_store_made_with_4_kib_pages_opens_keeps_them_and_takes_writes(
        db_path: Path, key: bytearray, actor: Actor, whole_16k: bool) -> None:
    made = legacy_store(db_path, key, actor, whole_16k=whole_16k)
    assert page_sizes_to_try(db_path)[0] == (PAGE_SIZE if whole_16k else LEGACY_PAGE_SIZE)

    with Store.open(db_path, key) as store:
        assert page_size(store) == LEGACY_PAGE_SIZE
        assert store.client(made[0].id, actor=actor) == made[0]
        assert store.search_clients("olive0")[0].id == made[0].id
        store.import_records([client(i) for i in range(100, 160)], actor=actor)
    with Store.open(db_path, key) as store:
        assert page_size(store) == LEGACY_PAGE_SIZE
        assert store.connection.execute("SELECT count(*) FROM clients").fetchone()[0] == len(made) + 60
        assert [hit.display_name for hit in store.search_clients("olive159")] == ["Olive159 Stone"]
        assert store.check_integrity().ok
        assert store.audit.verify().ok


@pytest.mark.parametrize("whole_16k", [True, False], ids=["length-fits-16k", "length-4k-only"])
def test_a_wrong_key_on_a_4_kib_store_is_named_and_the_file_is_untouched(
        db_path: Path, key: bytearray, actor: Actor, whole_16k: bool) -> None:
    legacy_store(db_path, key, actor, whole_16k=whole_16k)
    before = digest(db_path)

    with pytest.raises(WrongKey, match="key does not open"):
        Store.open(db_path, bytearray(b"\x01" * 32))

    assert digest(db_path) == before


def test_damage_to_the_first_page_of_a_4_kib_store_names_that_page(
        db_path: Path, key: bytearray, actor: Actor) -> None:
    # Its length fits 16 KiB pages, so 16 KiB is tried (and checked) first.
    legacy_store(db_path, key, actor, whole_16k=True)
    flip(db_path, 2000)
    before = digest(db_path)

    with pytest.raises(Corrupt) as refused:
        open_database(db_path, key)

    assert refused.value.bad_pages == (1,)
    assert digest(db_path) == before


def test_damage_to_the_first_page_of_a_16_kib_store_names_that_page(
        db_path: Path, key: bytearray, actor: Actor) -> None:
    with Store.open(db_path, key, create=True) as store:
        store.import_records([client(i) for i in range(200)], actor=actor)
    flip(db_path, 10_000)  # inside the first 16 KiB page, past the first 4 KiB
    before = digest(db_path)

    with pytest.raises(Corrupt) as refused:
        open_database(db_path, key)

    assert refused.value.bad_pages == (1,)
    assert digest(db_path) == before
