"""A 10,000-row client list imported on one desk reaches the server and the other desk (issue 17 item 5).

The manager's desk imports through the use case the Import clients screen
calls; nothing nudges sync: the store's outbox watch wakes the engine. Both
server databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from medspa_desk.desk.client_import import import_clients, preview_client_import
from tests.support.live_api import LiveApi
from tests.support.sync_desks import open_desk, wait_until

ROWS = 10_000


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path / "api", backend=request.param) as api:
        yield api


def write_client_list(path: Path, rows: int) -> None:
    """A Vagaro-shaped export of ``rows`` made-up clients, each with its own name, phone and email."""
    lines = ["First Name,Last Name,Email Address,Mobile Phone,Birth Date,Address,City,State,Zip"]
    lines += [f"Client{i},Imported{i % 250},c{i}@example.com,(555) {i // 10000:03d}-{i % 10000:04d},"
              f"{1 + i % 12}/{1 + i % 28}/{1940 + i % 60},\"{i} Main St\",Austin,TX,78701" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _clients(store: object) -> int:
    return int(store.connection.execute("SELECT count(*) FROM clients WHERE last_name LIKE 'Imported%'")
               .fetchone()[0])


def test_a_ten_thousand_row_list_imported_on_one_desk_reaches_the_other(
        live: LiveApi, tmp_path: Path, secret_service: None) -> None:
    path = tmp_path / "vagaro-export.csv"
    write_client_list(path, ROWS)
    a = open_desk(live, tmp_path / "a", who="manager", name="A", interval_s=120.0)
    b = open_desk(live, tmp_path / "b", who="front_desk", name="B", interval_s=120.0)
    try:
        preview = a.read(lambda store: preview_client_import(store, actor=a.actor, path=path,
                                                             today=date.today()))
        assert (len(preview.good), len(preview.refused), len(preview.duplicates)) == (ROWS, 0, 0)
        outcome = a.write(lambda store: import_clients(store, actor=a.actor, preview=preview))
        assert outcome.imported == ROWS

        wait_until(lambda: a.read(lambda store: store.outbox_count()) == 0, timeout_s=240,
                   what="A to push the whole list")
        wait_until(lambda: b.read(_clients) == ROWS, timeout_s=240, what="B to have every imported client")
        assert a.read(_clients) == ROWS
    finally:
        a.close()
        b.close()
