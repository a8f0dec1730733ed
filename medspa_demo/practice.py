"""A made-up but realistic med spa, generated the same way every time from a seed.

``generate_practice()`` builds Glow Aesthetics (New York time): six providers,
four rooms, a real service menu and product catalog with lots, 2,000 clients,
three months of past and three of booked appointments (no provider or room
double-booked, all inside opening hours and shifts), the treatments charted at
completed visits and the consents signed before them. ``model.BENCHMARK_SCALE`` grows
it to the benchmark sizes (100,000 clients, 300,000 appointments, 100,000
treatments).

Everything is derived from one ``random.Random(seed)`` and ``today``: ids are
UUIDv7 built from the record's own time and seeded random bits, so the same
seed and day give the same practice, record for record. All people are
fictional; phone numbers use the 555 exchange and e-mail the reserved
example.com/.org/.net domains.

Demo sign-ins (demo only, never a real deployment) are in ``DEMO_PASSWORDS``.
"""

from __future__ import annotations

import gc
import logging
import random
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_demo.catalog import (
    ALERTS,
    ALLERGIES,
    ALLERGY_OPTIONS,
    AREA_CODES,
    CHARTED,
    FEMALE_NAMES,
    LAST_NAMES,
    MALE_NAMES,
    NICKNAMES,
    NOTES,
    POST_CARE,
    PRODUCT_CATALOG,
    PRODUCT_DOSES,
    PROVIDER_TEMPLATES,
    ROOM_TEMPLATES,
    SATURDAY_HOURS,
    SERVICE_MENU,
    STREETS,
    WEEKDAY_HOURS,
)
from medspa_demo.charting import Charting, ConsentSealer, TreatmentSealer
from medspa_demo.model import (
    PRACTICE_NAME,
    TIME_ZONE,
    Lot,
    Practice,
    Scale,
)
from medspa_demo.schedule import Schedule
from medspa_desk.documents.consents import ConsentFileError, shipped_templates
from medspa_desk.documents.questionnaire import (
    Questionnaire,
    QuestionnaireFileError,
    build_intake,
    shipped_questionnaire,
)
from medspa_desk.records import (
    AppointmentStatus,
    Client,
    ConsentTemplate,
    IntakeForm,
    Location,
    OpeningHours,
    Product,
    Provider,
    Role,
    Room,
    Service,
    Shift,
    Signature,
    SignedConsent,
    TreatmentRecord,
    User,
)
from medspa_desk.scheduling import local_datetime

log = logging.getLogger(__name__)


# --- Demo sign-ins ---------------------------------------------------------------

# Passphrases that pass the server's password rules (12+ characters, not common,
# no username or practice name). Demo only.
DEMO_PASSWORDS: dict[str, str] = {
    "frontdesk": "velvet-harbor-lantern-42",
    "frontdesk2": "copper-meadow-violin-17",
    "manager": "quiet-orchard-compass-88",
    "admin": "granite-pelican-sunrise-61",
    "mpatel": "amber-willow-tundra-23",
    "skim": "silver-canyon-mosaic-35",
    "jalvarez": "maple-ribbon-galaxy-74",
    "dokafor": "cobalt-prairie-ember-19",
    "echen": "linen-glacier-sparrow-56",
    "rnguyen": "saffron-delta-beacon-90",
}
DEMO_USERS: dict[str, Role] = {
    "frontdesk": Role.FRONT_DESK, "frontdesk2": Role.FRONT_DESK, "manager": Role.MANAGER,
    "admin": Role.ADMIN, "mpatel": Role.PROVIDER, "skim": Role.PROVIDER, "jalvarez": Role.PROVIDER,
    "dokafor": Role.PROVIDER, "echen": Role.PROVIDER, "rnguyen": Role.PROVIDER,
}


# --- Sizes -------------------------------------------------------------------------


# --- Deterministic ids ---------------------------------------------------------------


def _uuid7(rng: random.Random, at: datetime) -> UUID:
    """A UUIDv7 whose time part is ``at`` and whose random part comes from ``rng``."""
    ms = int(at.timestamp() * 1000) & ((1 << 48) - 1)
    bits = rng.getrandbits(74)
    rand_a = (bits >> 62) & 0xFFF
    rand_b = bits & ((1 << 62) - 1)
    return UUID(int=(ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b)


# --- The practice's fixed parts --------------------------------------------------------

def generate_practice(*, seed: int = 7, clients: int = 2000, months_back: int = 3, months_ahead: int = 3,
                      today: date | None = None, scale: Scale | None = None) -> Practice:
    """The demo practice. ``scale`` (e.g. ``BENCHMARK_SCALE``) overrides the sizes given one by one.

    ``today`` is the local day the schedule is centred on (default: today in
    New York); days before it are history, it and later days are booked ahead.
    """
    size = scale or Scale(clients=clients, months_back=months_back, months_ahead=months_ahead)
    zone = ZoneInfo(TIME_ZONE)
    today = today or datetime.now(zone).date()
    with _collector_paused():
        return _Builder(random.Random(seed), size=size, zone=zone, today=today).build()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector held off while a practice is built.

    A build makes millions of long-lived objects and no reference cycles, and the
    collector would walk all of them again at every full collection (about a
    third of the build time at the benchmark scale). The switch is process-wide;
    it is switched back on afterwards, unless it was already off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Builder:
    def __init__(self, rng: random.Random, *, size: Scale, zone: ZoneInfo, today: date) -> None:
        self.rng = rng
        self.size = size
        self.zone = zone
        self.today = today
        self.first_day = _add_months(today, -size.months_back)
        self.end_day = _add_months(today, size.months_ahead)
        self.now = local_datetime(today, time(8), zone)  # the practice opens its doors at nine
        self.setup_at = local_datetime(self.first_day - timedelta(days=400), time(9), zone)

    def new_id(self, at: datetime) -> UUID:
        return _uuid7(self.rng, at)

    def build(self) -> Practice:
        practice = Practice(location=self._location())
        self._staff(practice)
        practice.rooms = self._rooms(practice.location)
        practice.services = self._services()
        practice.products, practice.lots = self._products()
        practice.consent_templates = self._consent_templates()
        practice.clients = self._clients()
        practice.appointments = Schedule(self, practice).fill()
        practice.consents = self._consents(practice) if self.size.consents else []
        practice.intakes = self._intakes(practice) if self.size.intakes else []
        practice.treatments = self._treatments(practice)
        return practice

    # -- reference data --

    def _location(self) -> Location:
        hours = [OpeningHours(weekday=wd, opens=WEEKDAY_HOURS[0], closes=WEEKDAY_HOURS[1]) for wd in range(5)]
        hours.append(OpeningHours(weekday=5, opens=SATURDAY_HOURS[0], closes=SATURDAY_HOURS[1]))
        return Location(id=self.new_id(self.setup_at), updated_at=self.setup_at, name=PRACTICE_NAME,
                        time_zone=TIME_ZONE, address="220 East 57th Street, New York, NY 10022",
                        phone="(212) 555-0147", opening_hours=tuple(hours))

    def _staff(self, practice: Practice) -> None:
        at = self.setup_at
        location = practice.location
        for i in range(self.size.providers):
            name, credentials, kind, colour, username, shifts = PROVIDER_TEMPLATES[i % len(PROVIDER_TEMPLATES)]
            if i >= len(PROVIDER_TEMPLATES):
                first = self.rng.choice(FEMALE_NAMES)
                last = self.rng.choice(LAST_NAMES)
                name = f"{first} {last}"
                username = f"provider{i + 1:03d}"
            provider_id, user_id = self.new_id(at), self.new_id(at)
            practice.providers.append(Provider(id=provider_id, updated_at=at, display_name=name,
                                               credentials=credentials, kind=kind, color=colour,
                                               user_id=user_id))
            practice.users.append(User(id=user_id, updated_at=at, username=username,
                                       display_name=f"{name}, {credentials}", role=Role.PROVIDER,
                                       provider_id=provider_id))
            practice.shifts.extend(Shift(id=self.new_id(at), updated_at=at, provider_id=provider_id,
                                         location_id=location.id, weekday=wd, starts=s, ends=e)
                                   for wd, (s, e) in sorted(shifts.items()))
        for username, display in (("frontdesk", "Olivia Brooks"), ("frontdesk2", "Marcus Reyes"),
                                  ("manager", "Dana Whitfield"), ("admin", "Sam Ortiz")):
            practice.users.append(User(id=self.new_id(at), updated_at=at, username=username,
                                       display_name=display, role=DEMO_USERS[username]))

    def _rooms(self, location: Location) -> list[Room]:
        rooms = []
        numbers: dict[str, int] = defaultdict(int)
        for i in range(self.size.rooms):
            name, kind = ROOM_TEMPLATES[i % len(ROOM_TEMPLATES)]
            numbers[name] += 1
            rooms.append(Room(id=self.new_id(self.setup_at), updated_at=self.setup_at,
                              location_id=location.id, name=f"{name} {numbers[name]}", kind=kind))
        return rooms

    def _services(self) -> list[Service]:
        return [Service(id=self.new_id(self.setup_at), updated_at=self.setup_at, name=name, category=category,
                        duration_min=minutes, buffer_before_min=before, buffer_after_min=after,
                        room_kinds=room_kinds, provider_kinds=provider_kinds, consents=consents,
                        requires_intake=True,
                        price_cents=price, color=colour)
                for (name, category, minutes, before, after, room_kinds, provider_kinds, consents, price,
                     colour, _weight) in SERVICE_MENU]

    def _products(self) -> tuple[list[Product], list[Lot]]:
        products, lots = [], []
        for name, maker, category, unit, prefix, shelf_months in PRODUCT_CATALOG:
            dose, most = PRODUCT_DOSES.get(name, (None, None))
            product = Product(id=self.new_id(self.setup_at), updated_at=self.setup_at, name=name,
                              manufacturer=maker, category=category, unit=unit, dose_per_point=dose,
                              usual_max_per_visit=most)
            products.append(product)
            # A new lot arrives every quarter, from well before the schedule starts.
            received = _add_months(self.first_day, -6)
            while received < self.end_day:
                code = f"{prefix}{self.rng.randrange(1000, 9999)}{self.rng.choice('ABCDEFGH')}{self.rng.randrange(1, 9)}"
                lots.append(Lot(product_id=product.id, lot=code, received=received,
                                expiry=_add_months(received, shelf_months)))
                received = _add_months(received, 3)
        return products, lots

    def _consent_templates(self) -> list[ConsentTemplate]:
        keys = sorted({req.template_key for entry in SERVICE_MENU for req in entry[7]})
        shipped = _shipped_templates()
        templates = []
        for key in keys:
            if key in shipped:
                templates.append(shipped[key])
                continue
            title = f"Consent: {key.replace('_', ' ')}"
            templates.append(ConsentTemplate(
                id=self.new_id(self.setup_at), updated_at=self.setup_at, key=key, template_version=1,
                title=title, body=(f"I agree to {key.replace('_', ' ')} as explained to me by my provider. "
                                   "I have been told the benefits, risks and alternatives, and my questions "
                                   "were answered.")))
        return templates

    # -- clients --

    def _clients(self) -> list[Client]:
        rng = self.rng
        out = []
        seen_emails: set[str] = set()
        locals_of: dict[tuple[str, str], str] = {}  # the e-mail local part of a name, made once
        for _ in range(self.size.clients):
            male = rng.random() < 0.14
            first = rng.choice(MALE_NAMES if male else FEMALE_NAMES)
            last = rng.choice(LAST_NAMES)
            if rng.random() < 0.08:
                last = f"{last}-{rng.choice(LAST_NAMES)}"
            age_days = int(365.25 * min(78, max(19, rng.gauss(41, 11))))
            birth = self.today - timedelta(days=age_days + rng.randrange(365))
            local = locals_of.get((first, last))
            if local is None:
                local = locals_of[(first, last)] = "".join(
                    ch for ch in f"{first}.{last}".lower() if ch.isascii() and (ch.isalnum() or ch == "."))
            email = f"{local}@example.{rng.choice(('com', 'org', 'net'))}"
            while email in seen_emails:
                email = f"{local}{rng.randrange(2, 999)}@example.{rng.choice(('com', 'org', 'net'))}"
            seen_emails.add(email)
            joined = self.setup_at + timedelta(days=rng.randrange(0, 400 + 30 * self.size.months_back))
            out.append(Client(
                id=self.new_id(joined), updated_at=joined, first_name=first, last_name=last,
                preferred_name=NICKNAMES.get(first, "") if rng.random() < 0.3 else "",
                birth_date=birth,
                phone=f"({rng.choice(AREA_CODES)}) 555-{rng.randrange(0, 10_000):04d}",
                email=email if rng.random() < 0.93 else "",
                address=(f"{rng.randrange(1, 2400)} {rng.choice(STREETS)}, New York, NY "
                         f"{rng.randrange(10001, 10282)}") if rng.random() < 0.7 else "",
                allergies=", ".join(rng.sample(ALLERGIES, rng.choice((1, 1, 2)))) if rng.random() < 0.09 else "",
                alerts=rng.choice(ALERTS) if rng.random() < 0.04 else "",
                notes=rng.choice(NOTES) if rng.random() < 0.05 else "",
                sms_opt_in=rng.random() < 0.7, email_opt_in=rng.random() < 0.55))
        return out

    # -- consents signed at check-in --

    def _consents(self, practice: Practice) -> list[SignedConsent]:
        services = {s.id: s for s in practice.services}
        templates = {t.key: t for t in practice.consent_templates}
        clients = {c.id: c for c in practice.clients}
        front_desk = [u for u in practice.users if u.role is Role.FRONT_DESK]
        signatures = [_signature(self.rng) for _ in range(24)]
        sealer = ConsentSealer()
        last_signed: dict[tuple[UUID, str], datetime] = {}
        out = []
        for appt in sorted(practice.appointments, key=lambda a: a.starts_at):
            if appt.status not in (AppointmentStatus.COMPLETED, AppointmentStatus.ARRIVED,
                                   AppointmentStatus.IN_ROOM):
                continue
            signed_at = appt.starts_at - timedelta(minutes=10)
            client = clients[appt.client_id]
            for need in services[appt.service_id].consents:
                previous = last_signed.get((client.id, need.template_key))
                if previous is not None and signed_at - previous < timedelta(days=need.valid_days):
                    continue
                template = templates[need.template_key]
                witness = self.rng.choice(front_desk) if template.requires_witness else None
                unsealed = SignedConsent(
                    id=self.new_id(signed_at), updated_at=signed_at, client_id=client.id,
                    appointment_id=appt.id, template_id=template.id, template_key=template.key,
                    template_version=template.template_version, title=template.title, body=template.body,
                    signer_name=client.full_name, signature=self.rng.choice(signatures), signed_at=signed_at,
                    witness_user_id=witness.id if witness else None,
                    witness_name=witness.display_name if witness else "", content_sha256="0" * 64)
                out.append(unsealed.model_copy(update={"content_sha256": sealer.hash(unsealed)}))
                last_signed[(client.id, need.template_key)] = signed_at
        return out

    # -- health questionnaires filled in at check-in --

    def _intakes(self, practice: Practice) -> list[IntakeForm]:
        """An intake at the first visit, and again at the first visit after it lapses (the location's policy)."""
        questionnaire = _shipped_questionnaire()
        if questionnaire is None:
            return []
        clients = {c.id: c for c in practice.clients}
        signatures = [_signature(self.rng) for _ in range(8)]
        last: dict[UUID, datetime] = {}
        out = []
        for appt in sorted(practice.appointments, key=lambda a: a.starts_at):
            if appt.status is not AppointmentStatus.COMPLETED:
                continue
            previous = last.get(appt.client_id)
            if previous is not None and _add_months(previous.date(), practice.location.intake_valid_months) > appt.starts_at.date():
                continue
            client = clients[appt.client_id]
            submitted = (appt.starts_at - timedelta(minutes=15)).astimezone(self.zone)
            form = build_intake(questionnaire, client=client, answers=_intake_answers(self.rng, client),
                                submitted_at=submitted, signer_name=client.full_name,
                                signature=self.rng.choice(signatures))
            out.append(form.model_copy(update={"id": self.new_id(submitted), "updated_at": form.submitted_at}))
            last[appt.client_id] = appt.starts_at
        return out

    # -- treatments charted at completed visits --

    def _treatments(self, practice: Practice) -> list[TreatmentRecord]:
        services = {s.id: s for s in practice.services}
        users_of = {p.id: p.user_id for p in practice.providers}
        eligible = [a for a in practice.appointments if a.status is AppointmentStatus.COMPLETED
                    and services[a.service_id].category in CHARTED]
        if self.size.treatments is not None and len(eligible) > self.size.treatments:
            keep = set(self.rng.sample(range(len(eligible)), self.size.treatments))
            eligible = [a for i, a in enumerate(eligible) if i in keep]
        chart = Charting(self.rng, practice)
        sealer = TreatmentSealer()
        out = []
        for appt in eligible:
            service = services[appt.service_id]
            products, points, laser, notes = chart.details(service, appt)
            signed_at = appt.ends_at + timedelta(minutes=self.rng.randrange(2, 25))
            unsigned = TreatmentRecord(
                id=self.new_id(appt.ends_at), updated_at=signed_at, client_id=appt.client_id,
                appointment_id=appt.id, provider_id=appt.provider_id, service_id=service.id,
                performed_at=appt.starts_at, products=products, points=points, laser=laser,
                clinical_notes=notes, post_care=POST_CARE[service.category])
            out.append(unsigned.model_copy(update={
                "signed_at": signed_at, "signed_by": users_of[appt.provider_id],
                "content_sha256": sealer.hash(unsigned)}))
        return out


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def _signature(rng: random.Random) -> Signature:
    """A plausible pen signature: a few looping strokes across the pad."""
    strokes = []
    x = 20.0
    for _ in range(rng.randrange(2, 4)):
        points = []
        for i in range(rng.randrange(12, 24)):
            x += rng.uniform(4, 12)
            points.append((round(x, 1), round(60 + 25 * rng.uniform(-1, 1) * (1 if i % 2 else 0.6), 1)))
        strokes.append(tuple(points))
        x += 15
    return Signature(width=max(400.0, x + 20), height=120.0, strokes=tuple(strokes))


def _intake_answers(rng: random.Random, client: Client) -> dict[str, Any]:
    """Plausible answers to the shipped health questionnaire, consistent with the client's record."""
    answers: dict[str, Any] = {
        "phone": client.phone or f"({rng.choice(AREA_CODES)}) 555-{rng.randrange(0, 10_000):04d}",
        "email": client.email, "address": client.address,
        "emergency_contact_name": client.emergency_contact or f"{rng.choice(FEMALE_NAMES)} {client.last_name}",
        "emergency_contact_phone": f"({rng.choice(AREA_CODES)}) 555-{rng.randrange(0, 10_000):04d}",
        "emergency_contact_relationship": rng.choice(("Spouse", "Partner", "Sister", "Mother", "Friend")),
        "conditions": ["none"] if rng.random() < 0.88 else [rng.choice(("high_blood_pressure", "diabetes"))],
        "neuromuscular_disorder": False,
        "autoimmune_condition": False,
        "keloids": "Keloid" in client.alerts,
        "cold_sores": "cold sores" in client.alerts or rng.random() < 0.06,
        "active_skin_infection": False,
        "pregnancy_status": "pregnant" if "Pregnant" in client.alerts else rng.choice(("no", "no", "not_applicable")),
        "fitzpatrick_skin_type": rng.choice(("I", "II", "III", "IV", "V", "VI")),
        "blood_thinners": "blood thinner" in client.alerts,
        "isotretinoin_recent": False,
        "antibiotics_current": False,
        "topical_retinoid_recent": "Retinoid" in client.alerts or rng.random() < 0.15,
        "has_allergies": bool(client.allergies),
        "recent_sun_exposure": False,
        "had_prior_treatments": rng.random() < 0.6,
        "answers_are_accurate": True,
    }
    if answers["blood_thinners"]:
        answers["blood_thinner_names"] = ["doac"]
    if client.allergies:
        listed = [a.strip() for a in client.allergies.split(",")]
        known = [ALLERGY_OPTIONS[a] for a in listed if a in ALLERGY_OPTIONS]
        others = [a for a in listed if a not in ALLERGY_OPTIONS]
        answers["allergy_list"] = known + (["other"] if others else [])
        if others:
            answers["allergy_other"] = ", ".join(others)
    if answers["had_prior_treatments"]:
        answers["prior_treatment_kinds"] = rng.sample(("neurotoxin", "dermal_filler", "laser", "chemical_peel"),
                                                      rng.choice((1, 1, 2)))
        answers["prior_reaction"] = False
    return answers


def _shipped_questionnaire() -> Questionnaire | None:
    """The shipped intake questionnaire, or None if its file cannot be read."""
    try:
        return shipped_questionnaire()
    except (QuestionnaireFileError, OSError) as exc:
        log.warning("demo practice made without intake forms: the questionnaire cannot be read (%s)", exc)
        return None


def _shipped_templates() -> dict[str, ConsentTemplate]:
    """The full consent texts the documents package ships, or none if they cannot be read."""
    try:
        return shipped_templates()
    except (ConsentFileError, OSError) as exc:
        log.warning("demo practice uses short consent texts: the shipped ones cannot be read (%s)", exc)
        return {}


__all__ = ["DEMO_PASSWORDS", "DEMO_USERS", "generate_practice"]
