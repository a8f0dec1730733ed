"""Real answers for the store's sync hooks: a desk's outbox pushed through the live API over TLS.

The practice's reference data (location, providers, rooms, service) goes up with
the rest of its outbox, pushed by a manager's workstation (managers may push
reference data), so every answer a test settles is one the server really gave.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from medspa_desk.protocol import MutationResult, PullResponse
from medspa_desk.records import Appointment, Role, utc_now
from medspa_desk.store import Store
from medspa_desk.store.changes import Changes
from tests.api.desk import Desk as Workstation
from tests.api.desk import book
from tests.support.live_api import LiveApi


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path_factory.mktemp("api") / "server") as api:
        yield api


@pytest.fixture
def manager(server: LiveApi) -> Iterator[Workstation]:
    """A manager signed in on the practice's workstation."""
    with Workstation.sign_in(server, server.fresh(Role.MANAGER)) as signed_in:
        yield signed_in


@pytest.fixture
def front_desk(server: LiveApi) -> Iterator[Workstation]:
    """A front-desk person signed in on the practice's workstation (may not push reference data)."""
    with Workstation.sign_in(server, server.fresh(Role.FRONT_DESK)) as signed_in:
        yield signed_in


def push(store: Store, workstation: Workstation) -> list[MutationResult]:
    """Push the store's whole outbox; the server's answers, as the engine reads them."""
    mutations = store.outbox_batch(500)
    answers = workstation.push_ok(*[json.loads(m.model_dump_json()) for m in mutations])
    return [MutationResult.model_validate(answer) for answer in answers]


def sync(store: Store, workstation: Workstation) -> Changes:
    """Push and settle, then pull everything new, as one engine cycle does."""
    changes = store.settle(push(store, workstation))
    while True:
        answer = workstation.get("/sync/pull", params={"after": store.pull_cursor(), "limit": 5000})
        assert answer.status_code == 200, answer.text
        page = PullResponse.model_validate_json(answer.content)
        changes |= store.apply_changes(list(page.changes), cursor=page.cursor)
        if not page.has_more:
            return changes


def booked_elsewhere(workstation: Workstation, appt: Appointment) -> None:
    """Another desk books ``appt`` straight on the server (this desk has not pulled it)."""
    assert workstation.push_ok(book(appt))[0]["outcome"] == "applied"


def days_ahead(n: int) -> date:
    return (utc_now() + timedelta(days=n)).date()
