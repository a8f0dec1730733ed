"""The desk and the live server give the same answer for every role and mutation kind (both databases).

The desk side runs every use case as every role on a real store and notes the
kinds it queued; the server side pushes one mutation of every kind as a
signed-in user of every role and notes which it refused as ``forbidden``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from medspa_api.sync.push import EXPECTED_ENTITY
from medspa_desk.protocol import MutationKind
from medspa_desk.records import AppointmentStatus, Role, new_id
from medspa_desk.rules import MUTATION_ROLES, may_follow, may_move
from medspa_desk.store import NotAllowed, Store
from tests.api.desk import (
    Desk,
    appointment_for,
    book,
    create_client,
    free_slot_start,
    mutation,
    new_client,
)
from tests.support.desk_walk import Scene, walk_desk
from tests.support.live_api import LiveApi


@pytest.fixture(scope="module")
def desk_sends(tmp_path_factory: pytest.TempPathFactory) -> dict[Role, frozenset[MutationKind]]:
    answers = walk_desk(tmp_path_factory.mktemp("desk-walk"))
    return {role: frozenset().union(*(a.sent for (r, _), a in answers.items() if r is role)) for role in Role}


def server_allows(live_api: LiveApi, role: Role) -> frozenset[MutationKind]:
    with Desk.sign_in(live_api, live_api.fresh(role)) as desk:
        results = desk.push_ok(*(mutation(kind.value, EXPECTED_ENTITY.get(kind, "room"), new_id(), {})
                                 for kind in MutationKind))
    assert len(results) == len(MutationKind)
    return frozenset(kind for kind, result in zip(MutationKind, results, strict=True)
                     if result["code"] != "forbidden")


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_the_desk_and_the_server_agree_on_every_mutation_kind(
        live_api: LiveApi, desk_sends: dict[Role, frozenset[MutationKind]], role: Role) -> None:
    on_server = server_allows(live_api, role)

    assert desk_sends[role] == on_server, {
        "desk only": sorted(desk_sends[role] - on_server), "server only": sorted(on_server - desk_sends[role])}
    assert on_server == frozenset(kind for kind in MutationKind if role in MUTATION_ROLES[kind])


# --- visit statuses ---------------------------------------------------------------------------

S = AppointmentStatus
# From a new booking to each status, by steps the table allows.
PATH_TO: dict[AppointmentStatus, tuple[AppointmentStatus, ...]] = {
    S.BOOKED: (), S.CONFIRMED: (S.CONFIRMED,), S.ARRIVED: (S.ARRIVED,), S.IN_ROOM: (S.ARRIVED, S.IN_ROOM),
    S.COMPLETED: (S.ARRIVED, S.COMPLETED), S.CANCELLED: (S.CANCELLED,), S.NO_SHOW: (S.NO_SHOW,)}
MOVE = "move"


def desk_transitions(folder: Path) -> dict[tuple[AppointmentStatus, AppointmentStatus | str], bool]:
    """Every status change (and a move) from every status, on a real desk store: allowed or not."""
    answers: dict[tuple[AppointmentStatus, AppointmentStatus | str], bool] = {}
    with Store.open(folder / "statuses.db", bytearray(os.urandom(32)), create=True) as store:
        scene = Scene(store=store, folder=folder)
        actor = scene.staff[Role.FRONT_DESK]
        for before in AppointmentStatus:
            for after in (*AppointmentStatus, MOVE):
                visit = scene.booked()
                for step in PATH_TO[before]:
                    store.set_status(visit.id, step, actor=actor, reason="walk")
                try:
                    if after == MOVE:
                        store.reschedule(visit.id, starts_at=visit.starts_at + timedelta(minutes=30),
                                         ends_at=visit.ends_at + timedelta(minutes=30),
                                         provider_id=visit.provider_id, room_id=visit.room_id, actor=actor)
                    else:
                        store.set_status(visit.id, after, actor=actor, reason="walk")
                    answers[before, after] = True
                except NotAllowed:
                    answers[before, after] = False
    return answers


def server_transitions(live_api: LiveApi) -> dict[tuple[AppointmentStatus, AppointmentStatus | str], bool]:
    answers: dict[tuple[AppointmentStatus, AppointmentStatus | str], bool] = {}
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        client = new_client()
        desk.push_ok(create_client(client))
        start = free_slot_start()
        for n, (before, after) in enumerate((b, a) for b in AppointmentStatus for a in (*AppointmentStatus, MOVE)):
            visit = appointment_for(live_api.tenant, client.id, starts_at=start + timedelta(hours=2 * n))
            steps = [mutation("appointment.set_status", "appointment", visit.id, {"status": s.value, "reason": "walk"})
                     for s in PATH_TO[before]]
            if after == MOVE:
                last = mutation("appointment.reschedule", "appointment", visit.id, {
                    "starts_at": (visit.starts_at + timedelta(minutes=30)).isoformat(),
                    "ends_at": (visit.ends_at + timedelta(minutes=30)).isoformat(),
                    "provider_id": str(visit.provider_id), "room_id": str(visit.room_id)})
            else:
                last = mutation("appointment.set_status", "appointment", visit.id,
                                {"status": after.value, "reason": "walk"})
            results = desk.push_ok(book(visit), *steps, last)
            assert all(r["outcome"] == "applied" for r in results[:-1]), results
            answers[before, after] = results[-1]["outcome"] == "applied"
    return answers


def test_the_desk_and_the_server_allow_the_same_status_changes_and_moves(
        live_api: LiveApi, tmp_path: Path) -> None:
    on_desk, on_server = desk_transitions(tmp_path), server_transitions(live_api)

    assert on_desk == on_server, sorted(k for k in on_desk if on_desk[k] != on_server[k])
    for (before, after), allowed in on_desk.items():
        assert allowed is (may_move(before) if after == MOVE else may_follow(before, after)), (before, after)
    assert on_desk[S.COMPLETED, MOVE] is False, "a completed visit cannot be moved"
