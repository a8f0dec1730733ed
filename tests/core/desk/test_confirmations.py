"""Tomorrow's confirmation calls: visits not yet confirmed, how each client may be reached, confirmed by phone."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from pypdf import PdfReader

from medspa_desk.desk import confirmations, visits
from medspa_desk.documents.call_list import call_list_pdf
from medspa_desk.records import Appointment, AppointmentStatus, AuditAction, Client, Role
from medspa_desk.rules import NotPermitted
from tests.support.desk_walk import FIRST_DAY, Scene


def visit_for(scene: Scene, client: Client, *, at: datetime | None = None) -> Appointment:
    """A booked visit for ``client`` (a day of its own, unless ``at`` says when)."""
    scene.store.create_client(client, actor=scene.staff[Role.FRONT_DESK])
    visit = scene.next_visit(client)
    if at is not None:
        visit = visit.model_copy(update={"starts_at": at, "ends_at": at + timedelta(minutes=30)})
    visits.book_visit(scene.store, actor=scene.staff[Role.FRONT_DESK], visit=visit, confirmed=True,
                      not_a_duplicate=True)
    return visit


def test_the_list_holds_the_unconfirmed_visits_with_how_each_client_agreed_to_be_reached(scene: Scene) -> None:
    texts_ok = Client(first_name="Ana", last_name="Ruiz", birth_date=scene.client().birth_date,
                      phone="555-010-1000", sms_opt_in=True, email="ana@example.com")
    calls_only = Client(first_name="Bo", last_name="Lin", birth_date=scene.client().birth_date, phone="555-010-2000",
                        email="bo@example.com", email_opt_in=True)
    first = visit_for(scene, texts_ok)
    day = first.starts_at.astimezone(scene.location.zone).date()
    second = visit_for(scene, calls_only, at=first.starts_at + timedelta(hours=1))
    desk = scene.staff[Role.FRONT_DESK]

    listed = confirmations.confirmation_list(scene.store, actor=desk, location=scene.location, day=day)

    assert [(e.visit_id, e.client_name, e.reach_by) for e in listed] == [
        (first.id, "Ana Ruiz", ("call", "text")), (second.id, "Bo Lin", ("call", "email"))]

    confirmations.confirm_by_phone(scene.store, actor=desk, visit_id=first.id)

    after = confirmations.confirmation_list(scene.store, actor=desk, location=scene.location, day=day)
    assert [e.visit_id for e in after] == [second.id]
    change = scene.store.appointment(first.id).history[-1]
    assert (change.status, change.by_user_id, change.reason) == (AppointmentStatus.CONFIRMED, desk.user_id,
                                                                 "confirmed by phone")
    assert any(e.action is AuditAction.UPDATE and e.entity_id == first.id and e.actor_user_id == desk.user_id
               for e in scene.store.audit.events(limit=10_000))


def test_an_admin_is_refused_the_call_list_and_the_refusal_is_audited(scene: Scene) -> None:
    admin = scene.staff[Role.ADMIN]
    try:
        confirmations.confirmation_list(scene.store, actor=admin, location=scene.location, day=FIRST_DAY)
    except NotPermitted:
        pass
    else:
        raise AssertionError("an admin read the call list")
    assert any(e.action is AuditAction.ACCESS_DENIED and e.actor_user_id == admin.user_id
               for e in scene.store.audit.events(limit=10_000))


def test_the_printed_list_keeps_names_and_numbers_off_a_privacy_print(scene: Scene) -> None:
    visit = visit_for(scene, Client(first_name="Ana", last_name="Ruiz", birth_date=scene.client().birth_date,
                                    phone="555-010-1000", sms_opt_in=True))
    day = visit.starts_at.astimezone(scene.location.zone).date()
    listed = confirmations.confirmation_list(scene.store, actor=scene.staff[Role.FRONT_DESK],
                                             location=scene.location, day=day)

    def words(initials_only: bool) -> str:
        pdf = call_list_pdf(listed, location=scene.location, day=day, initials_only=initials_only)
        return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())

    assert "Ana Ruiz" in words(False) and "555-010-1000" in words(False) and "call, text" in words(False)
    private = words(True)
    assert "AR" in private and "Ruiz" not in private and "555" not in private and "call, text" in private
