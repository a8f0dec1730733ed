"""The rows written for records: the id column is always the record's id as text."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from medspa_demo.practice import generate_practice
from medspa_desk.records import (
    AccessRequest,
    Appointment,
    BlockedTime,
    BlockKind,
    BusinessAssociate,
    CallNote,
    ConsentSource,
    ContactChannel,
    ContactConsent,
    ContactPurpose,
    Disclosure,
    Incident,
    Level,
    Photo,
    PhotoKind,
    PolicyAcknowledgment,
    PolicyKind,
    RestoreDrill,
    RiskAssessment,
    RiskItem,
    WaitlistEntry,
    new_id,
)
from medspa_desk.store.rows import TABLE_FOR_ENTITY, id_and_json, record_json, table_for


def test_every_kind_of_record_gets_its_own_id_and_json_in_its_row() -> None:
    practice = generate_practice(clients=12, months_back=2, months_ahead=1)
    visit = next(r for r in practice.all_records() if isinstance(r, Appointment))
    # The demo practice blocks no time; a room's maintenance stands in for that kind.
    upkeep = BlockedTime(location_id=visit.location_id, room_id=visit.room_id, kind=BlockKind.MAINTENANCE,
                         starts_at=visit.starts_at, ends_at=visit.ends_at)
    # Nor does it hold communication preferences or call notes (one from a client, one from a new caller).
    said = dict(taken_at=visit.starts_at, taken_by=visit.provider_id, taken_by_name="Desk", reason="Prices")
    comms = [ContactConsent(client_id=visit.client_id, channel=ContactChannel.SMS, purpose=ContactPurpose.MARKETING,
                            agreed=False, text_version="desk-1", given_at=visit.starts_at,
                            given_how=ConsentSource.CLIENT_STOP, recorded_by=visit.provider_id, recorded_by_name="Desk"),
             CallNote(client_id=visit.client_id, caller_name="Client", **said),
             CallNote(caller_name="New caller", **said)]
    seen = set()
    at, someone = datetime(2026, 3, 2, 15, tzinfo=UTC), new_id()
    # The practice's compliance evidence (none in the demo practice): one of each kind.
    evidence = [
        Disclosure(client_id=visit.client_id, disclosed_on=date(2026, 3, 1), recipient="Court",
                   recipient_address="1 Court St", what="Visit dates", purpose="Order", recorded_by=someone,
                   recorded_at=at),
        AccessRequest(client_id=visit.client_id, requested_on=date(2026, 3, 1), recorded_by=someone),
        RiskAssessment(assessed_on=date(2026, 3, 1), assessed_by=someone, items=(RiskItem(
            asset="Server", threats="Theft", likelihood=Level.LOW, impact=Level.HIGH),)),
        BusinessAssociate(vendor="Host", service="Hosting"),
        PolicyAcknowledgment(user_id=someone, kind=PolicyKind.TRAINING, policy_version="1", text_sha256="0" * 64,
                             acknowledged_at=at, typed_name="Someone"),
        Incident(what="A letter went astray.", discovered_at=at, reported_by="Desk", recorded_by=someone,
                 phi_involved=True),
        RestoreDrill(checked_at=at, ok=True, report="ok"),
    ]
    # Nor does it keep a waitlist: one entry stands in for that kind.
    waiting = WaitlistEntry(client_id=visit.client_id, location_id=visit.location_id, service_id=visit.service_id,
                            first_day=visit.starts_at.date(), last_day=visit.starts_at.date(), created_by=visit.client_id)
    # Nor does it hold photos: one record (what it is, never its bytes) stands in for that kind.
    photo = Photo(client_id=visit.client_id, treatment_id=new_id(), kind=PhotoKind.BEFORE, media_type="image/png",
                  added_at=at, size=1000, sha256="a" * 64)
    for record in [*practice.all_records(), upkeep, *evidence, *comms, waiting, photo]:
        row = table_for(record).to_row(record)
        assert row[0] == str(record.id)
        assert row[-1] == record_json(record) == record.model_dump_json()
        assert id_and_json(record) == (str(record.id), record_json(record))
        seen.add(record.entity)
    assert seen == set(TABLE_FOR_ENTITY)


def test_a_call_from_a_new_caller_names_no_client_in_its_row() -> None:
    note = CallNote(caller_name="New caller", reason="Prices", taken_at=datetime(2030, 1, 1, tzinfo=UTC),
                    taken_by=uuid4(), taken_by_name="Desk")
    assert table_for(note).to_row(note)[3] == ""
