"""The rows written for records: the id column is always the record's id as text."""

from __future__ import annotations

from medspa_demo.practice import generate_practice
from medspa_desk.records import Appointment, BlockedTime, BlockKind
from medspa_desk.store.rows import TABLE_FOR_ENTITY, id_and_json, record_json, table_for


def test_every_kind_of_record_gets_its_own_id_and_json_in_its_row() -> None:
    practice = generate_practice(clients=12, months_back=2, months_ahead=1)
    visit = next(r for r in practice.all_records() if isinstance(r, Appointment))
    # The demo practice blocks no time; a room's maintenance stands in for that kind.
    upkeep = BlockedTime(location_id=visit.location_id, room_id=visit.room_id, kind=BlockKind.MAINTENANCE,
                         starts_at=visit.starts_at, ends_at=visit.ends_at)
    seen = set()
    for record in [*practice.all_records(), upkeep]:
        row = table_for(record).to_row(record)
        assert row[0] == str(record.id)
        assert row[-1] == record_json(record) == record.model_dump_json()
        assert id_and_json(record) == (str(record.id), record_json(record))
        seen.add(record.entity)
    assert seen == set(TABLE_FOR_ENTITY)
