"""The engine's watcher: it hears others' changes on the change stream, or by long-polls on an older server.

The desks here sync on their timer only once an hour, so a change that
arrives came through the watcher.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.live_api import LiveApi
from tests.support.sync_desks import Desk, new_client, open_desk, wait_until

HOURLY = {"interval_s": 3600.0}


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path / "api") as api:
        yield api


def _streams(live: LiveApi) -> Any:
    """The in-process server's registry of open change streams."""
    return live._server.config.app.state.streams


def _without_change_stream(app: Any) -> Any:
    async def older_server(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/api/v1/sync/changes/stream":
            body = b'{"code":"not_found","message":"Not Found"}'
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return older_server


def _has_client(desk: Desk, client_id: object) -> bool:
    return desk.read(lambda store: store.connection.execute(
        "SELECT count(*) FROM clients WHERE id = ?", (str(client_id),)).fetchone()[0]) == 1


def _first_sync_done(desk: Desk) -> None:
    wait_until(lambda: desk.engine.status.last_success_at is not None, timeout_s=30, what="the first sync")


def test_a_desk_hears_another_desks_change_on_the_change_stream(live: LiveApi, tmp_path: Path,
                                                                 secret_service: None) -> None:
    writer = open_desk(live, tmp_path / "a", who="front_desk", name="Front desk A", **HOURLY)
    listener = open_desk(live, tmp_path / "b", who="manager", name="Office B", **HOURLY)
    try:
        _first_sync_done(writer)
        _first_sync_done(listener)
        wait_until(lambda: _streams(live).count == 2, timeout_s=20, what="both desks' change streams")
        for n in range(3):
            client = new_client(first=f"Ada{n}")
            writer.write(lambda store, c=client: store.create_client(c, actor=writer.actor))
            wait_until(lambda c=client: _has_client(listener, c.id), timeout_s=20, what="the client on desk B")
    finally:
        writer.close()
        listener.close()


def test_stopping_the_engine_closes_its_change_stream(live: LiveApi, tmp_path: Path, secret_service: None) -> None:
    desk = open_desk(live, tmp_path / "a", who="front_desk", **HOURLY)
    try:
        wait_until(lambda: _streams(live).count == 1, timeout_s=20, what="the desk's change stream")
        watcher = next(t for t in desk.engine._threads if t.name == "sync-watcher")
        desk.engine.stop()
        assert not watcher.is_alive()
        wait_until(lambda: _streams(live).count == 0, timeout_s=20, what="the server to see the stream closed")
    finally:
        desk.close()


def test_on_a_server_without_the_change_stream_the_desk_long_polls(live: LiveApi, tmp_path: Path,
                                                                    secret_service: None) -> None:
    # A server from before the change stream: the same API, answering 404 there (new connections
    # take uvicorn's loaded app, so every desk below meets the older server).
    config = live._server.config
    config.loaded_app = _without_change_stream(config.loaded_app)
    writer = open_desk(live, tmp_path / "a", who="front_desk", name="Front desk A", **HOURLY)
    listener = open_desk(live, tmp_path / "b", who="manager", name="Office B", **HOURLY)
    try:
        _first_sync_done(writer)
        _first_sync_done(listener)
        client = new_client()
        writer.write(lambda store: store.create_client(client, actor=writer.actor))
        wait_until(lambda: _has_client(listener, client.id), timeout_s=20, what="the client on desk B")
        assert _streams(live).count == 0
    finally:
        writer.close()
        listener.close()


def test_pausing_the_engine_closes_its_change_stream_at_once_and_resuming_opens_it_again(
        live: LiveApi, tmp_path: Path, secret_service: None) -> None:
    desk = open_desk(live, tmp_path / "a", who="front_desk", **HOURLY)
    try:
        wait_until(lambda: _streams(live).count == 1, timeout_s=20, what="the desk's change stream")
        desk.engine.pause()
        # Heartbeats come every 30 s: the stream must end well before the next one would.
        wait_until(lambda: _streams(live).count == 0, timeout_s=5, what="the server to see the stream closed")
        desk.engine.resume()
        wait_until(lambda: _streams(live).count == 1, timeout_s=20, what="the stream opened again")
    finally:
        desk.close()
