"""The change stream (GET /sync/changes/stream): one event per change, ended with its sign-in.

Every read has a timeout (``READ_S``): a stream that should have said
something and did not fails the test instead of hanging it. Sessions ended
"promptly" means before that timeout, well inside the 15 s heartbeat, so a
heartbeat never stands in for the end.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_api.security import tokens
from medspa_desk.records import Role, new_id, utc_now
from tests.api.desk import Desk, create_client, new_client
from tests.support.live_api import LiveApi

STREAM = "/sync/changes/stream"
READ_S = 5.0


class Events:
    """The events of one open stream, read one at a time: (event name, data or None for a heartbeat)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.iter_lines()

    def next(self) -> tuple[str, dict[str, Any] | None]:
        name, data, comment = "message", None, False
        for line in self._lines:
            if not line:
                if data is not None or comment:
                    return name, data
                continue
            if line.startswith(":"):
                comment = True
            elif line.startswith("event:"):
                name = line.partition(":")[2].strip()
            elif line.startswith("data:"):
                data = json.loads(line.partition(":")[2])
        return "closed", None

    def next_change(self) -> dict[str, Any]:
        """The next change event, past heartbeats."""
        while True:
            name, data = self.next()
            if name != "message" or data is not None:
                assert name == "message", (name, data)
                assert data is not None
                return data


@contextmanager
def open_stream(desk: Desk, *, after: int = 0, token: str | None = None) -> Iterator[Events]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with desk.http.stream("GET", desk.api.url(STREAM), params={"after": after}, headers=headers,
                          timeout=httpx.Timeout(READ_S)) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Events(response)


def test_the_stream_says_where_the_practice_stands_then_announces_each_change(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as listening, \
            Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as writing:
        with open_stream(listening) as events:
            latest = events.next_change()["latest_seq"]
        with open_stream(listening, after=latest) as events:
            assert events.next_change() == {"latest_seq": latest, "changed": False}
            seqs = []
            for _ in range(3):
                seqs.append(writing.push_ok(create_client(new_client()))[0]["seq"])
                assert events.next_change() == {"latest_seq": seqs[-1], "changed": True}
    assert seqs == sorted(seqs)


def test_a_desk_behind_hears_at_once_that_it_is_behind(desk: Desk) -> None:
    pushed = desk.push_ok(create_client(new_client()))[0]["seq"]
    with open_stream(desk, after=pushed - 1) as events:
        first = events.next_change()
    assert first["changed"] is True
    assert first["latest_seq"] >= pushed


def test_the_stream_hears_only_its_own_practice(live_api: LiveApi) -> None:
    other = live_api.add_tenant(f"Elsewhere {new_id().hex[-6:]}")
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as listening, \
            Desk.sign_in(live_api, other.users["front_desk"].username, tenant=other) as elsewhere, \
            Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as writing, \
            open_stream(listening) as events:
        events.next_change()
        elsewhere.push_ok(create_client(new_client()))
        ours = writing.push_ok(create_client(new_client()))[0]["seq"]
        # Had the other practice's change leaked, its event would come first.
        assert events.next_change() == {"latest_seq": ours, "changed": True}


def test_the_stream_needs_a_signed_in_desk(live_api: LiveApi) -> None:
    with live_api.client() as http:
        answer = http.get(live_api.url(STREAM))
    assert answer.status_code == 401
    assert set(answer.json()) == {"code", "message"}


def _ends(events: Events) -> dict[str, Any]:
    """The end event, past any change events and heartbeats; then the stream is closed."""
    while True:
        name, data = events.next()
        if name == "end":
            assert data is not None
            assert events.next() == ("closed", None)
            return data
        assert name == "message", (name, data)


def test_signing_out_ends_the_desks_stream_at_once(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        with open_stream(desk) as events:
            events.next_change()
            assert desk.post("/auth/logout").status_code == 204
            ended = _ends(events)
        assert ended["code"] == "session_expired"
        assert desk.get(STREAM).status_code == 401


def test_disabling_the_user_ends_their_stream_at_once(live_api: LiveApi) -> None:
    user = live_api.add_user(Role.FRONT_DESK)
    with Desk.sign_in(live_api, user.username) as desk, \
            Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager, open_stream(desk) as events:
        events.next_change()
        assert manager.post(f"/users/{user.id}/disable").status_code == 200
        assert _ends(events)["code"] == "session_expired"


def test_revoking_the_workstation_ends_its_stream_at_once(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk, \
            Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        with open_stream(desk) as events:
            events.next_change()
            assert manager.post(f"/devices/{desk.device_id}/revoke").status_code == 200
            assert _ends(events)["code"] == "session_expired"
        reopened = desk.get(STREAM)
    assert reopened.status_code == 403
    assert reopened.json()["code"] == "device_revoked"


def test_a_session_ended_by_another_server_process_ends_the_stream_too(live_api: LiveApi) -> None:
    """Ended in the database behind this process's back: no cache generation moves, the periodic check finds it."""
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk, open_stream(desk) as events:
        events.next_change()
        with live_api.database.transaction(live_api.tenant.id) as conn:
            conn.execute(t.sessions.update().where(
                t.sessions.c.tenant_id == live_api.tenant.id,
                t.sessions.c.device_id == desk.device_id).values(ended_at=utc_now(), end_reason="test"))
        assert _ends(events)["code"] == "session_expired"


def _token_expiring_in(live_api: LiveApi, desk: Desk, seconds: float) -> str:
    """A second access token of ``desk``'s session that expires in ``seconds``."""
    token = tokens.new_token(live_api.tenant.id)
    with live_api.database.transaction(live_api.tenant.id) as conn:
        session_id = conn.execute(sa.select(t.sessions.c.id).where(
            t.sessions.c.device_id == desk.device_id, t.sessions.c.ended_at.is_(None))).scalar_one()
        conn.execute(t.tokens.insert().values(
            tenant_id=live_api.tenant.id, token_hash=tokens.token_hash(token), session_id=session_id,
            kind="access", expires_at=utc_now() + timedelta(seconds=seconds)))
    return token


def test_the_stream_ends_when_its_access_token_expires(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        short_lived = _token_expiring_in(live_api, desk, 2)
        with open_stream(desk, token=short_lived) as events:
            events.next_change()
            assert _ends(events)["code"] == "token_expired"
        # The session itself goes on: a fresh token opens the stream again.
        with open_stream(desk) as events:
            assert events.next_change()["changed"] is True


def test_an_access_token_ended_early_ends_the_stream_opened_with_it(live_api: LiveApi) -> None:
    """As the lost-answer grace ends the access token of a spent refresh successor: the session goes on."""
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        spent = _token_expiring_in(live_api, desk, 600)
        with open_stream(desk, token=spent) as events, open_stream(desk) as other:
            events.next_change()
            other.next_change()
            with live_api.database.transaction(live_api.tenant.id) as conn:
                conn.execute(t.tokens.update().where(
                    t.tokens.c.tenant_id == live_api.tenant.id,
                    t.tokens.c.token_hash == tokens.token_hash(spent)).values(expires_at=utc_now()))
            assert _ends(events)["code"] == "session_expired"
            desk.push_ok(create_client(new_client()))
            assert other.next_change()["changed"] is True, "the session's own token keeps its stream"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def brisk_api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    """A server whose streams beat every half second."""
    workdir: Path = tmp_path_factory.mktemp(f"brisk-{request.param}")
    api = LiveApi.start(workdir, backend=request.param, settings_overrides={"stream_heartbeat_s": 0.5})
    try:
        yield api
    finally:
        api.stop()


def test_a_quiet_stream_carries_heartbeats(brisk_api: LiveApi) -> None:
    with Desk.sign_in(brisk_api, brisk_api.fresh(Role.FRONT_DESK)) as desk, open_stream(desk) as events:
        events.next_change()
        assert [events.next() for _ in range(2)] == [("message", None), ("message", None)]


def test_a_desk_that_hangs_up_leaves_no_stream_behind(brisk_api: LiveApi) -> None:
    streams = brisk_api._server.config.app.state.streams  # the in-process server's registry
    with Desk.sign_in(brisk_api, brisk_api.fresh(Role.FRONT_DESK)) as desk:
        with open_stream(desk) as events:
            events.next_change()
            assert streams.count == 1
        # Hung up: the next heartbeat's write or the disconnect itself ends the stream on the server.
        with open_stream(desk) as events:
            events.next_change()
            events.next()
            assert streams.count == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_restarting_server_ends_its_streams_with_a_word_instead_of_dropping_them(
        backend: str, tmp_path: Path) -> None:
    with LiveApi.start(tmp_path, backend=backend, in_subprocess=True) as api, \
            Desk.sign_in(api, api.fresh(Role.FRONT_DESK)) as desk, open_stream(desk) as events:
        events.next_change()
        api._process.terminate()  # what a service manager does to restart it: SIGTERM
        assert _ends(events)["code"] == "server_closing"
