"""Two server processes on one PostgreSQL database: a push through one is heard on the other's stream.

The second process is a real ``medspa-api serve`` beside the live API, on the
same database, with its per-tenant safety-net poll set to ten minutes: a desk
streaming from it that hears another desk's push before the stream's read
timeout heard it through LISTEN/NOTIFY, not through a poll.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from medspa_api.sync.pg_notices import parse_notice
from medspa_desk.records import Role, new_id
from tests.api.desk import Desk, create_client, new_client
from tests.api.test_change_notices import READ_S, STREAM, Events
from tests.support.live_api import LiveApi
from tests.support.server_process import server_process

pytestmark = pytest.mark.postgresql_only


@contextmanager
def second_process(api: LiveApi, *, fallback_poll_s: float = 600) -> Iterator[str]:
    """Another server process on ``api``'s database, listening for notices; its base URL."""
    with server_process(api, env={"MEDSPA_API_NOTIFY_FALLBACK_POLL_S": str(fallback_poll_s)}) as server:
        yield server.base_url


@contextmanager
def stream_from(base: str, desk: Desk, *, after: int) -> Iterator[Events]:
    with desk.http.stream("GET", f"{base}/api/v1{STREAM}", params={"after": after},
                          timeout=httpx.Timeout(READ_S)) as response:
        assert response.status_code == 200, response.read()
        yield Events(response)


def test_a_push_through_one_process_is_heard_on_a_stream_from_another(live_api: LiveApi) -> None:
    with second_process(live_api) as other, \
            Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as writing, \
            Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as listening:
        latest = writing.push_ok(create_client(new_client()))[0]["seq"]
        with stream_from(other, listening, after=latest) as events:
            assert events.next_change() == {"latest_seq": latest, "changed": False}
            for _ in range(3):
                # Pushed through the live API's process; heard on the other's stream within READ_S,
                # far inside its ten-minute poll: only the NOTIFY could have told it.
                seq = writing.push_ok(create_client(new_client()))[0]["seq"]
                assert events.next_change() == {"latest_seq": seq, "changed": True}


def test_another_practices_notice_does_not_wake_this_practices_stream(live_api: LiveApi) -> None:
    other_practice = live_api.add_tenant(f"Elsewhere {new_id().hex[-6:]}")
    with second_process(live_api) as other, \
            Desk.sign_in(live_api, other_practice.users["front_desk"].username, tenant=other_practice) as elsewhere, \
            Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as writing, \
            Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as listening:
        latest = writing.push_ok(create_client(new_client()))[0]["seq"]
        with stream_from(other, listening, after=latest) as events:
            events.next_change()
            elsewhere.push_ok(create_client(new_client()))
            ours = writing.push_ok(create_client(new_client()))[0]["seq"]
            # Had the other practice's notice woken this stream, a change event for it would come first.
            assert events.next_change() == {"latest_seq": ours, "changed": True}


def test_a_notice_is_trusted_only_in_its_own_shape() -> None:
    tenant = new_id()
    assert parse_notice(f"{tenant}:42") == (tenant, 42)
    for bad in ("", "42", f"{tenant}", f"{tenant}:-1", f"{tenant}:x", "not-a-uuid:3", f"{tenant}:{2**63}",
                f"{tenant}:{'9' * 100}"):
        assert parse_notice(bad) is None, bad
