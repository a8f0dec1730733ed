"""The desk follows the clinic's table for every role and use case, and audits every refusal."""

from __future__ import annotations

from pathlib import Path

from medspa_desk.protocol import MutationKind
from medspa_desk.records import Role
from medspa_desk.rules import MUTATION_ROLES, USE_CASES, UseCase, may
from tests.support.desk_walk import walk_desk


def test_every_role_is_refused_exactly_the_use_cases_the_table_refuses_and_each_refusal_is_audited(
        tmp_path: Path) -> None:
    answers = walk_desk(tmp_path)

    for (role, use_case), answer in answers.items():
        assert answer.refused is not may(role, use_case), (role, use_case)
        if use_case is not UseCase.READ_CLINICAL_DETAIL:  # withheld, not refused: nothing to audit
            assert answer.refusal_audited is answer.refused, (role, use_case)
        if answer.refused:
            assert answer.sent == frozenset(), (role, use_case)
        else:
            assert answer.sent <= USE_CASES[use_case].sends, (role, use_case, answer.sent)


def test_what_the_desk_sends_for_a_role_is_what_the_table_lets_that_role_push(tmp_path: Path) -> None:
    answers = walk_desk(tmp_path)

    for role in Role:
        sent = frozenset().union(*(a.sent for (r, _), a in answers.items() if r is role))
        allowed = frozenset(kind for kind in MutationKind if role in MUTATION_ROLES[kind])
        assert sent == allowed, role
