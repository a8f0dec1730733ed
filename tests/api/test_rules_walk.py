"""The desk and the live server give the same answer for every role and mutation kind (both databases).

The desk side runs every use case as every role on a real store and notes the
kinds it queued; the server side pushes one mutation of every kind as a
signed-in user of every role and notes which it refused as ``forbidden``.
"""

from __future__ import annotations

import pytest

from medspa_api.sync.push import EXPECTED_ENTITY
from medspa_desk.protocol import MutationKind
from medspa_desk.records import Role, new_id
from medspa_desk.rules import MUTATION_ROLES
from tests.api.desk import Desk, mutation
from tests.support.desk_walk import walk_desk
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
