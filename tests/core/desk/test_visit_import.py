"""Upcoming appointments from the system a practice leaves (issue 17 item 5): matched, booked all or nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from medspa_desk.client_import import ImportFileProblem
from medspa_desk.desk import clients, visits
from medspa_desk.desk.client_import import ImportRefused, import_visits, preview_visit_import
from medspa_desk.records import Appointment, AuditAction, Client, Role
from medspa_desk.rules import NotPermitted
from medspa_desk.scheduling import local_datetime
from medspa_desk.visit_import import parse_time
from tests.support.desk_walk import FIRST_DAY, Scene

NOW = datetime(2098, 12, 30, 15, tzinfo=UTC)  # the clock this test controls: every file day is after it
HEADER = "Date,Time,Customer,Email,Phone,Service,Provider,Duration,Notes"


def _appointments(scene: Scene, tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "appointments.csv"
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return path


def _booked(scene: Scene) -> list[Appointment]:
    return [Appointment.model_validate_json(r[0]) for r in
            scene.store.connection.execute("SELECT data FROM appointments ORDER BY starts_at")]


def _clients(scene: Scene) -> tuple[Client, Client]:
    front = scene.staff[Role.FRONT_DESK]
    ana = Client(first_name="Ana", last_name="Ruiz", birth_date=date(1990, 1, 2), email="ana@example.com")
    bo = Client(first_name="Bo", last_name="Lind", birth_date=date(1988, 5, 6), phone="(555) 010-7788")
    for client in (ana, bo):
        clients.add_client(scene.store, actor=front, client=client, not_a_duplicate=True)
    return ana, bo


def test_upcoming_appointments_are_booked_for_their_clients_with_the_practices_service_and_provider(
        scene: Scene, tmp_path: Path) -> None:
    ana, bo = _clients(scene)
    day = FIRST_DAY.isoformat()
    path = _appointments(scene, tmp_path,
                         f"{day},10:00 AM,Ana Ruiz,ANA@example.com,,Botox,Dana Reyes,45,Top-up",
                         f"{FIRST_DAY:%m/%d/%Y},2:30 PM,Someone Else,,555-010-7788,botox,dana reyes,,",
                         f"{(FIRST_DAY - timedelta(days=800)).isoformat()},9:00 AM,Ana Ruiz,ana@example.com,,Botox,"
                         "Dana Reyes,30,")
    manager = scene.staff[Role.MANAGER]
    preview = preview_visit_import(scene.store, actor=manager, path=path, location=scene.location, now=NOW)
    assert (len(preview.good), preview.refused, len(preview.past)) == (2, (), 1)

    outcome = import_visits(scene.store, actor=manager, preview=preview)

    assert (outcome.booked, outcome.left_out_past) == (2, 1)
    first, second = _booked(scene)
    zone = scene.location.zone
    assert (first.client_id, first.starts_at, first.ends_at - first.starts_at, first.notes) == (
        ana.id, local_datetime(FIRST_DAY, parse_time("10:00"), zone), timedelta(minutes=45), "Top-up")
    assert (second.client_id, second.starts_at.astimezone(zone).hour, second.ends_at - second.starts_at) == (
        bo.id, 14, timedelta(minutes=30))  # found by phone; the service's own length
    assert {v.provider_id for v in (first, second)} == {scene.injector.id}
    assert all(v.booked_by == manager.user_id for v in (first, second))
    queued = scene.store.connection.execute("SELECT count(*) FROM outbox WHERE kind = 'appointment.book'")
    assert queued.fetchone()[0] == 2


def test_rows_that_do_not_match_are_named_and_nothing_is_booked_until_left_out(
        scene: Scene, tmp_path: Path) -> None:
    ana, _bo = _clients(scene)
    day = FIRST_DAY.isoformat()
    path = _appointments(scene, tmp_path,
                         f"{day},10:00 AM,Ana Ruiz,ana@example.com,,Botox,Dana Reyes,30,",
                         f"{day},11:00 AM,Nobody Known,nobody@example.com,,Botox,Dana Reyes,30,",
                         f"{day},12:00 PM,Ana Ruiz,ana@example.com,,Hydrafacial,Dana Reyes,30,",
                         f"{day},1:00 PM,Ana Ruiz,ana@example.com,,Botox,Pat Former,30,",
                         f"{day},25:00,Ana Ruiz,ana@example.com,,Botox,Dana Reyes,30,",
                         "2099-13-40,9:00 AM,Ana Ruiz,ana@example.com,,Botox,Dana Reyes,30,",
                         f"{day},3:00 PM,Ana Ruiz,ana@example.com,,Botox,Dana Reyes,900,")
    manager = scene.staff[Role.MANAGER]
    preview = preview_visit_import(scene.store, actor=manager, path=path, location=scene.location, now=NOW)
    problems = {row.line: row.problems for row in preview.refused}
    assert problems[3] == ("Client: no client on file matches this row's email, phone or name; import the "
                           "client list first",)
    assert problems[4][0].startswith("Service does not match")
    assert problems[5] == ("Provider does not match one of the practice's providers by name",)
    assert problems[6][0].startswith("Start time is not a time")
    assert problems[7][0].startswith("Date is not a date")
    assert problems[8] == ("Duration is not a number of minutes between 5 and 600",)

    with pytest.raises(ImportRefused, match="6 rows cannot be booked"):
        import_visits(scene.store, actor=manager, preview=preview)
    assert _booked(scene) == []
    outcome = import_visits(scene.store, actor=manager, preview=preview, leave_out_refused=True)
    assert (outcome.booked, outcome.left_out_refused) == (1, 6)
    assert [v.client_id for v in _booked(scene)] == [ana.id]


def test_a_slot_already_taken_stops_the_whole_import_and_names_the_row(scene: Scene, tmp_path: Path) -> None:
    _ana, bo = _clients(scene)
    taken = Appointment(location_id=scene.location.id, client_id=bo.id, provider_id=scene.injector.id,
                        service_id=scene.botox.id, starts_at=local_datetime(FIRST_DAY, parse_time("11:00"),
                                                                            scene.location.zone),
                        ends_at=local_datetime(FIRST_DAY, parse_time("11:30"), scene.location.zone))
    visits.book_visit(scene.store, actor=scene.staff[Role.FRONT_DESK], visit=taken, confirmed=True)
    day = FIRST_DAY.isoformat()
    path = _appointments(scene, tmp_path,
                         f"{day},10:00 AM,Ana Ruiz,ana@example.com,,Botox,Dana Reyes,30,",
                         f"{day},11:15 AM,Ana Ruiz,ana@example.com,,Botox,Dana Reyes,30,")
    manager = scene.staff[Role.MANAGER]
    preview = preview_visit_import(scene.store, actor=manager, path=path, location=scene.location, now=NOW)

    with pytest.raises(ImportRefused, match="already taken or blocked for row 3"):
        import_visits(scene.store, actor=manager, preview=preview)
    assert [v.id for v in _booked(scene)] == [taken.id]  # the first row's booking was rolled back
    refusals = [e.detail for e in scene.store.audit.events(limit=10_000) if e.outcome == "refused"]
    assert refusals == ["import_visits:slots_taken"]
    outcome = import_visits(scene.store, actor=manager, preview=preview, leave_out_refused=True)
    assert (outcome.booked, outcome.left_out_refused) == (1, 1)


def test_an_export_that_is_not_appointments_is_refused_and_the_front_desk_may_not_import(
        scene: Scene, tmp_path: Path) -> None:
    path = tmp_path / "clients.csv"
    path.write_text("First Name,Last Name,Email\nAna,Ruiz,ana@example.com\n", encoding="utf-8")
    with pytest.raises(ImportFileProblem, match="does not look like an appointments export"):
        preview_visit_import(scene.store, actor=scene.staff[Role.MANAGER], path=path, location=scene.location,
                             now=NOW)
    with pytest.raises(NotPermitted, match="Only a manager or an admin can import upcoming appointments"):
        preview_visit_import(scene.store, actor=scene.staff[Role.FRONT_DESK], path=path,
                             location=scene.location, now=NOW)
    assert any(e.action is AuditAction.ACCESS_DENIED and e.detail == "import_visits"
               for e in scene.store.audit.events(limit=1000))


@pytest.mark.parametrize(("text", "hour", "minute"), [
    ("2:30 PM", 14, 30), ("2:30pm", 14, 30), ("14:30", 14, 30), ("9 AM", 9, 0), ("12:00 AM", 0, 0),
    ("12:15 p.m.", 12, 15)])
def test_start_times_as_exports_write_them(text: str, hour: int, minute: int) -> None:
    assert (parse_time(text).hour, parse_time(text).minute) == (hour, minute)
