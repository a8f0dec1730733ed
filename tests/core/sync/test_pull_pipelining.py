"""The pull fetches the next page while one is applied, and still resumes from the last page applied."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_demo.seed import bulk_load
from medspa_desk.store.changes import Changes
from medspa_desk.store.errors import StoreError
from medspa_desk.store.pulled import PulledPage
from medspa_desk.store.store import Store
from medspa_desk.sync import engine as engine_module
from medspa_desk.sync.api import RawPage
from medspa_desk.sync.engine import SyncEngine
from medspa_desk.sync.errors import ServerTrouble
from medspa_desk.sync.page_parser import default_readers
from tests.support.live_api import LiveApi
from tests.support.sync_desks import (
    Desk,
    client_factory,
    clients_on_server,
    new_client,
    open_desk,
    page_readers,
)

CLIENTS = 60
PAGE = 20


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path / "api") as api:
        yield api


@pytest.fixture
def practice_on_server(live: LiveApi, tmp_path: Path, secret_service: None) -> None:
    clients_on_server(live, tmp_path / "writer", count=CLIENTS, last_name="Pipeline")


@pytest.fixture
def reader(live: LiveApi, tmp_path: Path, practice_on_server: None) -> Iterator[Desk]:
    desk = open_desk(live, tmp_path / "reader", who="manager", start=False)
    yield desk
    desk.close()


def pulls_asked_after(live: LiveApi, cursor: int) -> int:
    """How many pull pages after ``cursor`` the server has been asked for (its audit log)."""
    audit = t.audit.c
    with live.database.transaction(live.tenant.id, write=False) as conn:
        return len(conn.execute(sa.select(audit.seq).where(
            audit.tenant_id == live.tenant.id, audit.detail.like(f"pull after={cursor} %"))).all())


class WatchedStore:
    """The reader's real store, with a hook run before each page is applied."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.cursors: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def before_page(self, cursor: int) -> None:
        pass

    def apply_pulled(self, page: PulledPage) -> Changes:
        self.before_page(page.cursor)
        done = self._store.apply_pulled(page)
        self.cursors.append(page.cursor)
        return done


def engine_for(live: LiveApi, desk: Desk, store: WatchedStore) -> SyncEngine:
    return SyncEngine(store, client_factory(live.base_url, live.ca_path), session=desk.session,
                      worker=desk.worker, pull_page=PAGE, long_poll=False)


def clients_cached(desk: Desk) -> int:
    return desk.store.connection.execute("SELECT count(*) FROM clients").fetchone()[0]


def test_the_next_page_is_asked_for_before_the_one_in_hand_is_applied(live: LiveApi, reader: Desk) -> None:
    class WaitsForTheNextAsk(WatchedStore):
        next_asked_first: bool | None = None

        def before_page(self, cursor: int) -> None:
            if self.next_asked_first is None:
                # The first page is held until the server has the request for the second (or 10 s pass).
                asked = threading.Event()
                for _ in range(200):
                    if pulls_asked_after(live, cursor):
                        asked.set()
                        break
                    asked.wait(0.05)
                self.next_asked_first = asked.is_set()

    store = WaitsForTheNextAsk(reader.store)
    engine = engine_for(live, reader, store)
    try:
        engine.run_once()
    finally:
        engine.stop()

    assert store.next_asked_first is True
    assert clients_cached(reader) == CLIENTS
    assert len(store.cursors) >= CLIENTS // PAGE


def test_a_pull_cut_short_by_a_failed_page_resumes_after_the_last_page_applied(
        live: LiveApi, reader: Desk) -> None:
    class FailsOnTheSecondPage(WatchedStore):
        failed = False

        def before_page(self, cursor: int) -> None:
            if len(self.cursors) == 1 and not self.failed:
                self.failed = True
                raise StoreError("The disk is full; free some space and sync again.")

    store = FailsOnTheSecondPage(reader.store)
    engine = engine_for(live, reader, store)
    try:
        with pytest.raises(ServerTrouble):
            engine.run_once()
        # The third page was already on its way when the second failed; nothing of it was kept.
        assert reader.store.pull_cursor() == store.cursors[0]
        assert clients_cached(reader) < CLIENTS

        engine.run_once()
    finally:
        engine.stop()

    assert clients_cached(reader) == CLIENTS
    assert reader.store.pull_cursor() == store.cursors[-1]


def test_a_long_pull_reads_its_pages_on_the_helper_process_and_caches_every_record(
        live: LiveApi, reader: Desk) -> None:
    class CountsHelpers(WatchedStore):
        helpers = 0

        def before_page(self, cursor: int) -> None:
            self.helpers = max(self.helpers, len(page_readers()))

    store = CountsHelpers(reader.store)
    engine = SyncEngine(store, client_factory(live.base_url, live.ca_path), session=reader.session,
                        worker=reader.worker, pull_page=PAGE, long_poll=False, offload_pages=True)
    try:
        engine.run_once()
    finally:
        engine.stop()

    assert 1 <= store.helpers <= default_readers()
    assert clients_cached(reader) == CLIENTS
    assert store.cursors == sorted(store.cursors) and len(store.cursors) >= CLIENTS // PAGE
    assert not page_readers()  # the helper ended with the pull


class WithoutCursorHeaders(SyncEngine):
    """A desk talking to a server older than the cursor headers: each page's body alone says what follows."""

    def _fetch_page(self, api: Any, *, after: int, limit: int) -> RawPage:
        return replace(super()._fetch_page(api, after=after, limit=limit), next_after=None, has_more=None)


def test_a_server_without_cursor_headers_is_pulled_page_after_page(live: LiveApi, reader: Desk) -> None:
    store = WatchedStore(reader.store)
    engine = WithoutCursorHeaders(store, client_factory(live.base_url, live.ca_path), session=reader.session,
                                  worker=reader.worker, pull_page=PAGE, long_poll=False)
    try:
        engine.run_once()
    finally:
        engine.stop()

    assert clients_cached(reader) == CLIENTS
    assert store.cursors == sorted(store.cursors)


class HeadersDisagree(SyncEngine):
    def _fetch_page(self, api: Any, *, after: int, limit: int) -> RawPage:
        raw = super()._fetch_page(api, after=after, limit=limit)
        return replace(raw, next_after=(raw.next_after or 0) + 1)


def test_a_page_whose_headers_disagree_with_its_body_is_not_applied(live: LiveApi, reader: Desk) -> None:
    store = WatchedStore(reader.store)
    engine = HeadersDisagree(store, client_factory(live.base_url, live.ca_path), session=reader.session,
                             worker=reader.worker, pull_page=PAGE, long_poll=False)
    try:
        with pytest.raises(ServerTrouble, match="did not fit together"):
            engine.run_once()
    finally:
        engine.stop()

    assert store.cursors == []
    assert reader.store.pull_cursor() == 0
    assert clients_cached(reader) == 0


@pytest.mark.parametrize("behind_at", [CLIENTS, 10**9])
def test_only_a_pull_far_behind_the_server_uses_the_helper_and_long_pages(
        live: LiveApi, reader: Desk, monkeypatch: pytest.MonkeyPatch, behind_at: int) -> None:
    class CountsHelpers(WatchedStore):
        helpers = 0

        def before_page(self, cursor: int) -> None:
            self.helpers = max(self.helpers, len(page_readers()))

    # More than one ordinary page (500 changes) but one long page (2,000). The threshold is
    # 20,000 changes behind; this server holds some hundred, so the test lowers it.
    bulk_load(live.database, tenant_id=live.tenant.id,
              records=[new_client(f"Bulk{i}", "Loaded") for i in range(600)])
    monkeypatch.setattr(engine_module, "OFFLOAD_AT", behind_at)
    store = CountsHelpers(reader.store)
    engine = SyncEngine(store, client_factory(live.base_url, live.ca_path), session=reader.session,
                        worker=reader.worker, long_poll=False)
    try:
        engine.run_once()
    finally:
        engine.stop()

    far_behind = behind_at == CLIENTS
    assert (store.helpers >= 1) is far_behind
    latest = reader.store.pull_cursor()
    expected_pages = -(-latest // (engine_module.LONG_PULL_PAGE if far_behind else engine_module.DEFAULT_PULL_PAGE))
    assert len(store.cursors) == expected_pages == (1 if far_behind else 2)
    assert clients_cached(reader) == CLIENTS + 600
