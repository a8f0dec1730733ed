"""One payload model per mutation kind: what the desk queues validates with the class the server parses it with."""

from __future__ import annotations

from pathlib import Path

from medspa_desk.protocol import PAYLOADS, MutationKind, payload_model
from tests.support.desk_walk import walk_desk


def test_every_mutation_kind_has_a_payload_model() -> None:
    # reference.upsert and evidence.save carry the record their entity names (SYNCED_RECORDS, EVIDENCE_RECORDS).
    assert set(PAYLOADS) | {MutationKind.REFERENCE_UPSERT, MutationKind.EVIDENCE_SAVE} == set(MutationKind)


def test_the_desk_queues_every_kind_with_its_model(tmp_path: Path) -> None:
    queued = []
    walk_desk(tmp_path, seen=queued.append)
    kinds = {m.kind for m in queued}
    assert kinds == set(MutationKind)
    for mutation in queued:
        model = payload_model(mutation.kind, mutation.entity)
        parsed = model.model_validate(mutation.payload)
        assert parsed.model_dump(mode="json") == mutation.payload, mutation.kind
