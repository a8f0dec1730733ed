"""Applying a pulled page: its records are let go as soon as they are rows."""

from __future__ import annotations

import gc
from datetime import date

from medspa_desk.protocol import Change
from medspa_desk.records import Client

PAGE = 300


def live_clients() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is Client)


def test_a_pulled_page_does_not_keep_its_records_alive_while_its_rows_are_written(practice) -> None:
    page = [Client(first_name=f"Ines{i}", last_name="Young", birth_date=date(1990, 1, 1), seq=i + 1)
            for i in range(PAGE)]
    changes = [Change(seq=c.seq, entity="client", entity_id=c.id, version=1, data=c.to_json()) for c in page]
    last_id = str(page[-1].id)
    del page
    seen: list[int] = []
    conn = practice.store.connection
    conn.create_function("count_live_clients", 0, lambda: seen.append(live_clients()) or 0)
    # Counted once, when the page's last row goes in: by then every record of the page has been built.
    conn.execute(f"CREATE TEMP TRIGGER count_at_last_row AFTER INSERT ON clients WHEN new.id = '{last_id}' "
                 "BEGIN SELECT count_live_clients(); END")
    before = live_clients()

    practice.store.apply_changes(changes, cursor=PAGE)

    conn.execute("DROP TRIGGER temp.count_at_last_row")
    assert len(seen) == 1
    assert seen[0] - before < 10, f"{seen[0] - before} of the page's {PAGE} records were still alive"
    assert practice.store.pull_cursor() == PAGE
    assert conn.execute("SELECT count(*) FROM clients WHERE last_name = 'Young'").fetchone()[0] == PAGE
    assert practice.store.search_clients("ines7")[0].display_name == "Ines7 Young"
