"""The demo practice: deterministic, and as a real med spa's books would look."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from functools import cache
from itertools import pairwise
from uuid import UUID

import pytest

from medspa_api.security.passwords import check_new_password
from medspa_demo.model import BENCHMARK_SCALE, Practice, Scale, counts
from medspa_demo.practice import DEMO_PASSWORDS, DEMO_USERS, generate_practice
from medspa_desk.documents.consents import shipped_templates
from medspa_desk.records import (
    AppointmentStatus,
    ProviderKind,
    Role,
    ServiceCategory,
    content_hash,
    phone_digits,
)
from medspa_desk.rules import VISIT_TRANSITIONS
from medspa_desk.scheduling import clashes, day_bounds, local_day, outside_hours

TODAY = date(2025, 3, 5)  # a Wednesday; the window spans the March DST change
CONSENT_KEYS = {"neurotoxin", "dermal_filler", "laser_hair_removal", "ipl", "chemical_peel", "microneedling",
                "iv_therapy", "photography_release", "privacy_notice", "communications"}


@cache
def practice() -> Practice:
    return generate_practice(seed=7, today=TODAY)


def test_same_seed_and_day_give_the_same_practice_record_for_record() -> None:
    first = list(generate_practice(seed=11, clients=300, months_back=1, months_ahead=1, today=TODAY).all_records())
    again = list(generate_practice(seed=11, clients=300, months_back=1, months_ahead=1, today=TODAY).all_records())
    other = list(generate_practice(seed=12, clients=300, months_back=1, months_ahead=1, today=TODAY).all_records())
    assert len(first) > 1000
    assert [r.to_json() for r in first] == [r.to_json() for r in again]
    assert [r.id for r in first] != [r.id for r in other]


def test_glow_aesthetics_has_the_staff_rooms_and_hours_of_a_med_spa() -> None:
    p = practice()
    assert (p.location.name, p.location.time_zone) == ("Glow Aesthetics", "America/New_York")
    assert sorted({h.weekday for h in p.location.opening_hours}) == [0, 1, 2, 3, 4, 5]  # closed Sunday
    assert len(p.providers) == 6
    assert {pr.credentials for pr in p.providers if pr.kind is ProviderKind.INJECTOR} == {"MD", "NP", "RN", "PA"}
    assert {pr.kind for pr in p.providers} >= {ProviderKind.AESTHETICIAN, ProviderKind.LASER_TECHNICIAN}
    assert sorted(r.kind for r in p.rooms) == ["iv", "laser", "treatment", "treatment"]
    assert {s.provider_id for s in p.shifts} == {pr.id for pr in p.providers}


def test_service_menu_is_real_and_every_service_can_be_booked_somewhere() -> None:
    p = practice()
    names = " ".join(s.name for s in p.services)
    for wanted in ("Botox", "Dysport", "Xeomin", "Voluma", "Restylane", "Lip filler", "Laser hair removal",
                   "IPL photofacial", "Chemical peel", "Microneedling", "HydraFacial", "IV hydration",
                   "Consultation"):
        assert wanted in names
    room_kinds = {r.kind for r in p.rooms}
    provider_kinds = {pr.kind for pr in p.providers}
    for service in p.services:
        assert set(service.room_kinds) & room_kinds, service.name
        assert not service.provider_kinds or set(service.provider_kinds) & provider_kinds, service.name
    used_keys = {need.template_key for s in p.services for need in s.consents}
    assert used_keys == CONSENT_KEYS
    assert {t.key for t in p.consent_templates} == CONSENT_KEYS


def test_shipped_consent_texts_are_used_when_the_documents_package_has_them() -> None:
    shipped = shipped_templates()
    for template in practice().consent_templates:
        if template.key in shipped:
            assert template == shipped[template.key]
    assert shipped, "resources/consents should ship the templates"


def test_catalog_has_the_usual_products_with_dated_lots() -> None:
    p = practice()
    names = {pr.name for pr in p.products}
    assert {"Botox Cosmetic 100U", "Dysport 300U", "Xeomin 100U", "Juvederm Ultra XC 1mL",
            "Juvederm Voluma XC 1mL", "Restylane Lyft 1mL", "Restylane Kysse 1mL"} <= names
    for lot in p.lots:
        assert lot.expiry > lot.received
    assert {lot.product_id for lot in p.lots} == {pr.id for pr in p.products}


def test_every_role_has_a_demo_user_whose_password_the_server_accepts() -> None:
    p = practice()
    assert {u.username for u in p.users} == set(DEMO_PASSWORDS) == set(DEMO_USERS)
    assert {u.role for u in p.users} == set(Role)
    for user in p.users:
        assert user.role is DEMO_USERS[user.username]
        check_new_password(DEMO_PASSWORDS[user.username], username=user.username, tenant=p.location.name)
    providers = {pr.id: pr for pr in p.providers}
    for user in p.users:
        if user.role is Role.PROVIDER:
            assert providers[user.provider_id].user_id == user.id


def test_clients_look_like_a_diverse_real_client_list() -> None:
    clients = practice().clients
    assert len(clients) == 2000
    assert len({c.last_name for c in clients}) > 100
    assert len({c.first_name for c in clients}) > 100
    assert all(c.email == "" or c.email.split("@")[1] in {"example.com", "example.org", "example.net"}
               for c in clients)
    assert all(phone_digits(c.phone)[3:6] == "555" for c in clients)
    ages = [(TODAY - c.birth_date).days / 365.25 for c in clients]
    assert min(ages) >= 18 and max(ages) < 90
    assert 50 < sum(1 for c in clients if c.allergies) < 400
    assert 20 < sum(1 for c in clients if c.alerts) < 200
    assert len({c.email for c in clients if c.email}) == sum(1 for c in clients if c.email)


def test_ids_are_unique_uuid7_across_every_record() -> None:
    ids = [r.id for r in practice().all_records()]
    assert len(ids) == len(set(ids))
    shipped = {t.id for t in shipped_templates().values()}  # those keep the documents package's ids
    assert all(isinstance(i, UUID) and i.version == 7 for i in ids if i not in shipped)


def test_no_provider_or_room_is_double_booked() -> None:
    p = practice()
    zone = p.location.zone
    by_day = defaultdict(list)
    for appt in p.appointments:
        by_day[local_day(appt.starts_at, zone)].append(appt)
    assert len(p.appointments) > 2500
    for day_appts in by_day.values():
        for appt in day_appts:
            if appt.holds_slot:
                assert clashes(appt, day_appts, zone=zone) == []


def test_no_client_is_booked_in_two_places_at_once_and_regulars_come_back() -> None:
    visits = defaultdict(list)
    for appt in practice().appointments:
        visits[appt.client_id].append((appt.starts_at, appt.ends_at))
    for times in visits.values():
        times.sort()
        assert all(later[0] >= earlier[1] for earlier, later in pairwise(times))
    per_client = sorted(len(t) for t in visits.values())
    assert per_client[-1] <= 20  # nobody visits more than weekly for six months
    assert sum(n >= 3 for n in per_client) > 100


def test_every_appointment_is_inside_opening_hours_and_its_providers_shift() -> None:
    p = practice()
    problems = [outside_hours(a, location=p.location, shifts=p.shifts) for a in p.appointments]
    assert [x for x in problems if x] == []


def test_appointments_sit_on_the_quarter_hour_with_the_services_buffers_and_rooms() -> None:
    p = practice()
    services = {s.id: s for s in p.services}
    rooms = {r.id: r for r in p.rooms}
    for appt in p.appointments:
        service = services[appt.service_id]
        local = appt.starts_at.astimezone(p.location.zone)
        assert local.minute % 15 == 0
        assert appt.ends_at - appt.starts_at == timedelta(minutes=service.duration_min)
        assert (appt.buffer_before_min, appt.buffer_after_min) == (service.buffer_before_min,
                                                                   service.buffer_after_min)
        assert rooms[appt.room_id].kind in service.room_kinds


def test_statuses_match_whether_the_visit_is_past_or_ahead() -> None:
    p = practice()
    today_starts, _ = day_bounds(TODAY, p.location.zone)
    past = [a for a in p.appointments if a.starts_at < today_starts]
    ahead = [a for a in p.appointments if a.starts_at >= today_starts]
    assert past and ahead
    assert {a.status for a in past} == {AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW,
                                        AppointmentStatus.CANCELLED}
    assert {a.status for a in ahead} == {AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED}
    completed = sum(a.status is AppointmentStatus.COMPLETED for a in past) / len(past)
    assert 0.8 < completed < 0.93
    assert all(a.cancel_reason for a in past if a.status is AppointmentStatus.CANCELLED)


def test_status_history_replays_through_allowed_transitions_in_time_order() -> None:
    for appt in practice().appointments:
        status = AppointmentStatus.BOOKED
        last_at = None
        for change in appt.history:
            assert change.status in VISIT_TRANSITIONS[status]
            assert last_at is None or change.at >= last_at
            status, last_at = change.status, change.at
        assert status is appt.status
        if appt.status is AppointmentStatus.COMPLETED:
            assert appt.history[-1].at == appt.ends_at


def test_treatments_are_charted_and_signed_for_completed_clinical_visits() -> None:
    p = practice()
    appts = {a.id: a for a in p.appointments}
    services = {s.id: s for s in p.services}
    lots = {(lot.product_id, lot.lot): lot for lot in p.lots}
    assert len(p.treatments) > 800
    for treatment in p.treatments:
        appt = appts[treatment.appointment_id]
        service = services[treatment.service_id]
        assert appt.status is AppointmentStatus.COMPLETED and appt.client_id == treatment.client_id
        assert treatment.is_signed and treatment.content_sha256 == content_hash(treatment.signed_content())
        visit_day = local_day(treatment.performed_at, p.location.zone)
        for use in treatment.products:
            lot = lots[(use.product_id, use.lot)]
            assert lot.received <= visit_day < lot.expiry == use.expiry
        if service.category in (ServiceCategory.NEUROTOXIN, ServiceCategory.DERMAL_FILLER):
            assert treatment.products and treatment.points
            per_area = defaultdict(float)
            for point in treatment.points:
                per_area[point.area] += point.amount
            for use in treatment.products:
                assert per_area[use.area] == pytest.approx(use.amount, abs=0.5)
        if service.category in (ServiceCategory.LASER, ServiceCategory.IPL):
            assert treatment.laser
    charted = {t.appointment_id for t in p.treatments}
    neurotoxin_visits = [a for a in p.appointments if a.status is AppointmentStatus.COMPLETED
                         and services[a.service_id].category is ServiceCategory.NEUROTOXIN]
    assert all(a.id in charted for a in neurotoxin_visits)


def test_every_completed_visit_had_its_consents_signed_and_current() -> None:
    p = practice()
    services = {s.id: s for s in p.services}
    signed = defaultdict(list)
    for consent in p.consents:
        assert consent.is_intact
        signed[(consent.client_id, consent.template_key)].append(consent.signed_at)
    for appt in p.appointments:
        if appt.status is not AppointmentStatus.COMPLETED:
            continue
        for need in services[appt.service_id].consents:
            times = signed[(appt.client_id, need.template_key)]
            assert any(t <= appt.starts_at and appt.starts_at - t < timedelta(days=need.valid_days)
                       for t in times), (appt.id, need.template_key)


def test_records_come_out_referenced_before_referring() -> None:
    p = practice()
    order = [r.entity for r in p.all_records()]
    assert order[0] == "location"
    last_client = max(i for i, e in enumerate(order) if e == "client")
    assert last_client < order.index("appointment") < order.index("consent") < order.index("treatment")
    assert sum(counts(p).values()) == len(order) - 1  # all but the location


def test_a_scaled_practice_meets_its_appointment_and_treatment_counts_exactly() -> None:
    scale = Scale(clients=500, providers=8, rooms=8, months_back=3, months_ahead=1, appointments=2500,
                  treatments=600)
    p = generate_practice(seed=3, today=TODAY, scale=scale)
    assert (len(p.clients), len(p.providers), len(p.rooms)) == (500, 8, 8)
    assert (len(p.appointments), len(p.treatments)) == (2500, 600)
    assert {u.username for u in p.users} >= {"provider007", "provider008"}


def test_benchmark_scale_asks_for_the_issue_sizes() -> None:
    assert (BENCHMARK_SCALE.clients, BENCHMARK_SCALE.appointments, BENCHMARK_SCALE.treatments) == (
        100_000, 300_000, 100_000)
    assert BENCHMARK_SCALE.providers == 40


def test_an_impossible_scale_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="at least one client"):
        Scale(clients=0)
    with pytest.raises(ValueError, match="at least one month"):
        Scale(months_back=0, months_ahead=0)


def test_every_generated_record_survives_full_validation_unchanged() -> None:
    for record in practice().all_records():
        reloaded = type(record).from_json(record.to_json())
        assert reloaded.to_json() == record.to_json()
    for treatment in practice().treatments:
        reloaded = type(treatment).from_json(treatment.to_json())
        assert content_hash(reloaded.signed_content()) == treatment.content_sha256


def test_clients_filled_in_a_sealed_intake_before_their_first_completed_visit() -> None:
    p = practice()
    first_visit = {}
    for appt in sorted(p.appointments, key=lambda a: a.starts_at):
        if appt.status is AppointmentStatus.COMPLETED:
            first_visit.setdefault(appt.client_id, appt.starts_at)
    intakes = defaultdict(list)
    for form in p.intakes:
        assert form.is_intact
        intakes[form.client_id].append(form)
    assert set(intakes) == set(first_visit)
    clients = {c.id: c for c in p.clients}
    for client_id, forms in intakes.items():
        assert min(f.submitted_at for f in forms) < first_visit[client_id]
        assert all(f.answers["has_allergies"] is bool(clients[client_id].allergies) for f in forms)


def test_benchmark_scale_skips_signed_forms_and_a_small_scale_can_too() -> None:
    assert (BENCHMARK_SCALE.consents, BENCHMARK_SCALE.intakes) == (False, False)
    p = generate_practice(seed=5, today=TODAY, scale=Scale(clients=100, months_back=1, months_ahead=1,
                                                           consents=False, intakes=False))
    assert p.intakes == [] and p.consents == [] and p.appointments and p.treatments
