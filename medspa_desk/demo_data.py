"""A made-up but realistic med spa, generated the same way every time from a seed.

``generate_practice()`` builds Glow Aesthetics (New York time): six providers,
four rooms, a real service menu and product catalog with lots, 2,000 clients,
three months of past and three of booked appointments (no provider or room
double-booked, all inside opening hours and shifts), the treatments charted at
completed visits and the consents signed before them. ``BENCHMARK_SCALE`` grows
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
import hashlib
import json
import logging
import random
from bisect import bisect, bisect_left
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import accumulate, chain
from typing import Any, Generic, NamedTuple, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, TypeAdapter

from medspa_desk.documents.consents import ConsentFileError, shipped_templates
from medspa_desk.documents.questionnaire import (
    Questionnaire,
    QuestionnaireFileError,
    build_intake,
    shipped_questionnaire,
)
from medspa_desk.records import (
    Appointment,
    AppointmentStatus,
    ChartPoint,
    ChartView,
    Client,
    ConsentRequirement,
    ConsentTemplate,
    IntakeForm,
    LaserSettings,
    Location,
    OpeningHours,
    Product,
    ProductUnit,
    ProductUse,
    Provider,
    ProviderKind,
    Record,
    Role,
    Room,
    Service,
    ServiceCategory,
    Shift,
    Signature,
    SignedConsent,
    StatusChange,
    TreatmentRecord,
    User,
    content_hash,
)
from medspa_desk.scheduling import blocked_interval, clashes, day_bounds, local_datetime

log = logging.getLogger(__name__)

PRACTICE_NAME = "Glow Aesthetics"
TIME_ZONE = "America/New_York"
GRID_MIN = 15  # appointments start on the quarter hour
_MINUTE = timedelta(minutes=1)

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


@dataclass(frozen=True)
class Scale:
    """How big a practice to make. ``appointments`` and ``treatments`` are exact caps:
    the schedule is filled densely enough, then the excess is dropped at random."""

    clients: int = 2000
    providers: int = 6
    rooms: int = 4
    months_back: int = 3
    months_ahead: int = 3
    appointments: int | None = None
    treatments: int | None = None
    # Signed forms at check-in; the benchmark sizes leave them out (they count
    # clients, appointments and treatments, and forms would double the build time).
    consents: bool = True
    intakes: bool = True

    def __post_init__(self) -> None:
        if self.clients < 1 or self.providers < 1 or self.rooms < 1:
            raise ValueError("a practice needs at least one client, provider and room")
        if self.months_back < 0 or self.months_ahead < 0 or self.months_back + self.months_ahead < 1:
            raise ValueError("the schedule must cover at least one month")


BENCHMARK_SCALE = Scale(clients=100_000, providers=40, rooms=48, months_back=60, months_ahead=3,
                        appointments=300_000, treatments=100_000, consents=False, intakes=False)


# --- Practice ----------------------------------------------------------------------


@dataclass(frozen=True)
class Lot:
    """A lot of a product as received: what a chart records next to the units."""

    product_id: UUID
    lot: str
    received: date
    expiry: date


@dataclass
class Practice:
    location: Location
    providers: list[Provider] = field(default_factory=list)
    rooms: list[Room] = field(default_factory=list)
    shifts: list[Shift] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    lots: list[Lot] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    treatments: list[TreatmentRecord] = field(default_factory=list)
    consent_templates: list[ConsentTemplate] = field(default_factory=list)
    consents: list[SignedConsent] = field(default_factory=list)
    intakes: list[IntakeForm] = field(default_factory=list)

    def all_records(self) -> Iterator[Record]:
        """Every record, things referred to before the things that refer to them."""
        yield self.location
        for group in (self.users, self.providers, self.rooms, self.shifts, self.services, self.products,
                      self.consent_templates, self.clients, self.appointments, self.intakes,
                      self.consents, self.treatments):
            yield from group

    def user(self, username: str) -> User:
        return next(u for u in self.users if u.username == username)


# --- Deterministic ids ---------------------------------------------------------------


def _uuid7(rng: random.Random, at: datetime) -> UUID:
    """A UUIDv7 whose time part is ``at`` and whose random part comes from ``rng``."""
    ms = int(at.timestamp() * 1000) & ((1 << 48) - 1)
    bits = rng.getrandbits(74)
    rand_a = (bits >> 62) & 0xFFF
    rand_b = bits & ((1 << 62) - 1)
    return UUID(int=(ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b)


# --- The practice's fixed parts --------------------------------------------------------

WEEKDAY_HOURS = (time(9), time(19))
SATURDAY_HOURS = (time(9), time(17))

# (name, credentials, kind, colour, username, shifts: weekday -> (start, end))
PROVIDER_TEMPLATES: tuple[tuple[str, str, ProviderKind, str, str, dict[int, tuple[time, time]]], ...] = (
    ("Dr. Maya Patel", "MD", ProviderKind.INJECTOR, "#8e44ad", "mpatel",
     {0: (time(10), time(18)), 2: (time(10), time(18)), 4: (time(9), time(15))}),
    ("Sarah Kim", "NP", ProviderKind.INJECTOR, "#2e86c1", "skim",
     {0: (time(9), time(17)), 1: (time(9), time(17)), 3: (time(11), time(19)), 5: (time(9), time(17))}),
    ("Jessica Alvarez", "RN", ProviderKind.INJECTOR, "#c0392b", "jalvarez",
     {1: (time(11), time(19)), 2: (time(9), time(17)), 3: (time(9), time(17)), 4: (time(11), time(19))}),
    ("Daniel Okafor", "PA", ProviderKind.INJECTOR, "#16a085", "dokafor",
     {0: (time(11), time(19)), 2: (time(11), time(19)), 4: (time(11), time(19)), 5: (time(9), time(15))}),
    ("Emily Chen", "LE", ProviderKind.AESTHETICIAN, "#d68910", "echen",
     {0: (time(9), time(17)), 1: (time(9), time(17)), 2: (time(9), time(17)), 3: (time(9), time(17)),
      5: (time(9), time(17))}),
    ("Rachel Nguyen", "CLT", ProviderKind.LASER_TECHNICIAN, "#229954", "rnguyen",
     {1: (time(9), time(17)), 2: (time(11), time(19)), 3: (time(11), time(19)), 4: (time(9), time(17)),
      5: (time(9), time(17))}),
)
ROOM_TEMPLATES = (("Treatment Room", "treatment"), ("Treatment Room", "treatment"),
                  ("Laser Suite", "laser"), ("IV Lounge", "iv"))

INJ, AES, LAS = ProviderKind.INJECTOR, ProviderKind.AESTHETICIAN, ProviderKind.LASER_TECHNICIAN


def _need(*keys: tuple[str, int]) -> tuple[ConsentRequirement, ...]:
    return tuple(ConsentRequirement(template_key=k, valid_days=d) for k, d in keys)


PRIVACY = ("privacy_notice", 3650)
COMMS = ("communications", 3650)
PHOTOS = ("photography_release", 730)

# (name, category, minutes, buffer before, after, room kinds, provider kinds, consents, price, colour, weight)
SERVICE_MENU: tuple[tuple[Any, ...], ...] = (
    ("Consultation", ServiceCategory.CONSULTATION, 30, 0, 5, ("treatment",), (), _need(PRIVACY, COMMS),
     0, "#95a5a6", 6),
    ("Botox Cosmetic", ServiceCategory.NEUROTOXIN, 30, 5, 10, ("treatment",), (INJ,),
     _need(("neurotoxin", 365), PHOTOS, PRIVACY), 45000, "#5b7db1", 22),
    ("Dysport", ServiceCategory.NEUROTOXIN, 30, 5, 10, ("treatment",), (INJ,),
     _need(("neurotoxin", 365), PHOTOS, PRIVACY), 42000, "#6c8ebf", 9),
    ("Xeomin", ServiceCategory.NEUROTOXIN, 30, 5, 10, ("treatment",), (INJ,),
     _need(("neurotoxin", 365), PHOTOS, PRIVACY), 40000, "#7d9fcd", 5),
    ("Dermal filler: cheeks (Voluma)", ServiceCategory.DERMAL_FILLER, 60, 10, 15, ("treatment",), (INJ,),
     _need(("dermal_filler", 365), PHOTOS, PRIVACY), 150000, "#b15b7d", 6),
    ("Dermal filler: smile lines (Restylane)", ServiceCategory.DERMAL_FILLER, 45, 10, 15, ("treatment",),
     (INJ,), _need(("dermal_filler", 365), PHOTOS, PRIVACY), 80000, "#c0708f", 5),
    ("Lip filler", ServiceCategory.DERMAL_FILLER, 45, 10, 15, ("treatment",), (INJ,),
     _need(("dermal_filler", 365), PHOTOS, PRIVACY), 75000, "#d0849f", 8),
    ("Laser hair removal: small area", ServiceCategory.LASER, 30, 5, 10, ("laser",), (LAS,),
     _need(("laser_hair_removal", 365), PRIVACY), 15000, "#2e8b57", 8),
    ("Laser hair removal: large area", ServiceCategory.LASER, 60, 5, 10, ("laser",), (LAS,),
     _need(("laser_hair_removal", 365), PRIVACY), 35000, "#3b9c68", 5),
    ("IPL photofacial", ServiceCategory.IPL, 45, 5, 15, ("laser",), (LAS, INJ),
     _need(("ipl", 365), PHOTOS, PRIVACY), 40000, "#4aad79", 5),
    ("Chemical peel", ServiceCategory.CHEMICAL_PEEL, 45, 5, 10, ("treatment",), (AES,),
     _need(("chemical_peel", 365), PRIVACY), 17500, "#c9a227", 5),
    ("Microneedling", ServiceCategory.MICRONEEDLING, 60, 10, 15, ("treatment",), (AES, INJ),
     _need(("microneedling", 365), PHOTOS, PRIVACY), 35000, "#b8912a", 5),
    ("Hydrating facial (HydraFacial-style)", ServiceCategory.FACIAL, 60, 0, 15, ("treatment",), (AES,),
     _need(PRIVACY), 19900, "#e0b341", 8),
    ("IV hydration", ServiceCategory.IV_THERAPY, 45, 5, 10, ("iv",), (INJ, ProviderKind.IV_NURSE),
     _need(("iv_therapy", 180), PRIVACY), 17500, "#3fa7d6", 5),
)

# (name, manufacturer, category, unit, lot prefix, months until expiry)
PRODUCT_CATALOG: tuple[tuple[str, str, ServiceCategory, ProductUnit, str, int], ...] = (
    ("Botox Cosmetic 100U", "Allergan Aesthetics", ServiceCategory.NEUROTOXIN, ProductUnit.UNITS, "C", 24),
    ("Dysport 300U", "Galderma", ServiceCategory.NEUROTOXIN, ProductUnit.UNITS, "DY", 24),
    ("Xeomin 100U", "Merz Aesthetics", ServiceCategory.NEUROTOXIN, ProductUnit.UNITS, "XM", 36),
    ("Juvederm Ultra XC 1mL", "Allergan Aesthetics", ServiceCategory.DERMAL_FILLER, ProductUnit.ML, "JU", 18),
    ("Juvederm Voluma XC 1mL", "Allergan Aesthetics", ServiceCategory.DERMAL_FILLER, ProductUnit.ML, "VO", 18),
    ("Juvederm Volbella XC 1mL", "Allergan Aesthetics", ServiceCategory.DERMAL_FILLER, ProductUnit.ML, "VB", 18),
    ("Restylane Lyft 1mL", "Galderma", ServiceCategory.DERMAL_FILLER, ProductUnit.ML, "RL", 24),
    ("Restylane Kysse 1mL", "Galderma", ServiceCategory.DERMAL_FILLER, ProductUnit.ML, "RK", 24),
    ("Restylane Defyne 1mL", "Galderma", ServiceCategory.DERMAL_FILLER, ProductUnit.ML, "RD", 24),
    ("Lactated Ringer's 1000mL", "Baxter", ServiceCategory.IV_THERAPY, ProductUnit.ML, "LR", 18),
)
# Charting defaults per product: (amount a new point starts at, the usual most per visit).
PRODUCT_DOSES: dict[str, tuple[float, float]] = {
    "Botox Cosmetic 100U": (4, 100), "Dysport 300U": (10, 300), "Xeomin 100U": (4, 100),
    "Juvederm Ultra XC 1mL": (0.1, 2), "Juvederm Voluma XC 1mL": (0.2, 3), "Juvederm Volbella XC 1mL": (0.05, 1),
    "Restylane Lyft 1mL": (0.2, 3), "Restylane Kysse 1mL": (0.1, 1.5), "Restylane Defyne 1mL": (0.1, 2),
}

# Face chart areas on the front view: (area, points (x, y), Botox units for the area).
NEUROTOXIN_AREAS: tuple[tuple[str, tuple[tuple[float, float], ...], int], ...] = (
    ("Glabella", ((0.5, 0.34), (0.45, 0.33), (0.55, 0.33), (0.42, 0.31), (0.58, 0.31)), 20),
    ("Forehead", ((0.36, 0.2), (0.43, 0.19), (0.5, 0.19), (0.57, 0.19), (0.64, 0.2)), 10),
    ("Crow's feet, left", ((0.26, 0.37), (0.25, 0.41), (0.27, 0.45)), 12),
    ("Crow's feet, right", ((0.74, 0.37), (0.75, 0.41), (0.73, 0.45)), 12),
    ("Bunny lines", ((0.45, 0.45), (0.55, 0.45)), 4),
    ("Chin", ((0.5, 0.88),), 4),
)
FILLER_AREAS: dict[str, tuple[tuple[str, tuple[float, float], str], ...]] = {
    # service name -> (area, point, product name)
    "Dermal filler: cheeks (Voluma)": (("Cheek, left", (0.32, 0.52), "Juvederm Voluma XC 1mL"),
                                       ("Cheek, right", (0.68, 0.52), "Juvederm Voluma XC 1mL")),
    "Dermal filler: smile lines (Restylane)": (("Nasolabial fold, left", (0.41, 0.64), "Restylane Lyft 1mL"),
                                               ("Nasolabial fold, right", (0.59, 0.64),
                                                "Restylane Lyft 1mL")),
    "Lip filler": (("Upper lip", (0.5, 0.7), "Restylane Kysse 1mL"),
                   ("Lower lip", (0.5, 0.75), "Juvederm Ultra XC 1mL")),
}
DYSPORT_FACTOR = 2.5  # Dysport units per Botox unit

LHR_AREAS = ("Underarms", "Bikini line", "Upper lip", "Lower legs", "Full legs", "Back", "Chin")
CANCEL_REASONS = ("Client unwell", "Schedule conflict", "Rescheduled by client", "Travel", "Weather",
                  "Provider unavailable", "Childcare", "Cost")
POST_CARE: dict[ServiceCategory, str] = {
    ServiceCategory.NEUROTOXIN: "Stay upright for 4 hours, no exercise or massage today. Review in 2 weeks.",
    ServiceCategory.DERMAL_FILLER: "Cold compress as needed, avoid heat and exercise for 24 hours. "
                                   "Call at once for blanching, severe pain or vision change.",
    ServiceCategory.LASER: "SPF 30+ daily, no sun or tanning for 2 weeks, no waxing between sessions.",
    ServiceCategory.IPL: "Spots darken then flake over 7–10 days. SPF 30+, avoid sun.",
    ServiceCategory.CHEMICAL_PEEL: "Gentle cleanser and moisturiser; do not pick peeling skin; SPF 30+.",
    ServiceCategory.MICRONEEDLING: "No makeup for 24 hours, no actives for 3 days, SPF 30+.",
    ServiceCategory.IV_THERAPY: "Keep the dressing on for 1 hour; call if swelling or redness at the site.",
}
CHARTED = frozenset(POST_CARE)
ALLERGY_OPTIONS = {"Lidocaine": "lidocaine", "Latex": "latex", "Hyaluronidase": "hyaluronidase",
                   "Egg (albumin)": "eggs_albumin", "Aspirin": "aspirin_salicylates"}

# --- Names (diverse, fictional combinations) ----------------------------------------------

FEMALE_NAMES = (
    "Olivia", "Emma", "Ava", "Sophia", "Isabella", "Mia", "Charlotte", "Amelia", "Harper", "Evelyn",
    "Abigail", "Emily", "Elizabeth", "Sofia", "Madison", "Avery", "Ella", "Scarlett", "Grace", "Chloe",
    "Victoria", "Riley", "Aria", "Lily", "Zoey", "Hannah", "Layla", "Nora", "Camila", "Valentina",
    "Lucía", "Ximena", "Gabriela", "Mariana", "Daniela", "Guadalupe", "Alejandra", "Rosa", "Carmen",
    "Aaliyah", "Imani", "Keisha", "Nia", "Ebony", "Tiana", "Jasmine", "Destiny", "Ngozi", "Amara",
    "Chiamaka", "Adaeze", "Fatima", "Aisha", "Layla", "Yasmin", "Noor", "Mariam", "Leila", "Zainab",
    "Priya", "Ananya", "Aditi", "Kavya", "Meera", "Divya", "Sneha", "Pooja", "Lakshmi", "Neha",
    "Mei", "Xiu", "Lin", "Jing", "Hui", "Yan", "Ling", "Qing", "Wei", "Ying",
    "Ji-woo", "Seo-yeon", "Min-ji", "Ha-eun", "Yuna", "Sakura", "Hana", "Aiko", "Yui", "Haruka",
    "Linh", "Thao", "Mai", "Anh", "Ngoc", "Giulia", "Francesca", "Chiara", "Katarzyna", "Agnieszka",
    "Olga", "Svetlana", "Anastasia", "Irina", "Ingrid", "Astrid", "Siobhan", "Aoife", "Niamh", "Maeve",
    "Rachel", "Leah", "Miriam", "Tamar", "Esther", "Maria", "Ana", "Beatriz", "Inês", "Kalani",
)
MALE_NAMES = (
    "James", "Michael", "David", "Daniel", "Matthew", "Andrew", "Christopher", "Joshua", "Ryan",
    "Carlos", "José", "Luis", "Miguel", "Diego", "Jamal", "Darnell", "Malik", "Terrence", "Chinedu",
    "Omar", "Ahmed", "Karim", "Rahul", "Arjun", "Vikram", "Wei", "Jun", "Hiroshi", "Min-jun",
    "Minh", "Marco", "Luca", "Piotr", "Dmitri", "Sean", "Liam", "Noah", "Ethan", "Benjamin", "Eli",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez",
    "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen",
    "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell",
    "Carter", "Roberts", "Washington", "Jefferson", "Okafor", "Adeyemi", "Mensah", "Okonkwo", "Diallo",
    "Haile", "Kamau", "Abdi", "Hassan", "Haddad", "Khalil", "Nasser", "Farouk", "Rahman", "Khan",
    "Patel", "Shah", "Sharma", "Gupta", "Reddy", "Iyer", "Singh", "Kaur", "Desai", "Mehta",
    "Chen", "Wang", "Li", "Zhang", "Liu", "Huang", "Zhao", "Wu", "Zhou", "Lin",
    "Kim", "Park", "Choi", "Jung", "Kang", "Tanaka", "Suzuki", "Sato", "Takahashi", "Yamamoto",
    "Tran", "Le", "Pham", "Vo", "Dang", "Rossi", "Russo", "Esposito", "Romano", "Kowalski",
    "Nowak", "Wiśniewska", "Ivanova", "Petrov", "Smirnova", "O'Brien", "Murphy", "Kelly", "Byrne",
    "Cohen", "Levy", "Goldberg", "Friedman", "Silva", "Santos", "Oliveira", "Costa", "Kahale",
    "Yazzie", "Begay", "Larsen", "Johansson", "Schmidt", "Müller", "Dubois", "Moreau", "St. James",
)
NICKNAMES = {"Elizabeth": "Liz", "Victoria": "Tori", "Alejandra": "Ale", "Anastasia": "Ana",
             "Katarzyna": "Kasia", "Christopher": "Chris", "Benjamin": "Ben", "Abigail": "Abby",
             "Gabriela": "Gabi", "Valentina": "Vale", "Madison": "Maddie", "Michael": "Mike"}
STREETS = ("Broadway", "Park Avenue", "Lexington Avenue", "West 72nd Street", "East 86th Street",
           "Court Street", "Atlantic Avenue", "Bedford Avenue", "Steinway Street", "Grand Concourse",
           "Ocean Parkway", "Queens Boulevard", "Hudson Street", "Bleecker Street", "Amsterdam Avenue")
AREA_CODES = ("212", "646", "917", "718", "347", "929", "201", "914")
ALLERGIES = ("Lidocaine", "Latex", "Penicillin", "Sulfa drugs", "Hyaluronidase", "Bee stings",
             "Egg (albumin)", "Adhesive tape", "Aspirin", "Codeine")
ALERTS = ("History of cold sores: antiviral before lip treatment", "Takes apixaban (blood thinner)",
          "Keloid scarring history", "Faints with needles: treat reclined", "Pregnant: no neurotoxin or filler",
          "Prefers a female provider", "Retinoid use: stop 5 days before peels")
NOTES = ("Prefers afternoon appointments", "Text rather than call", "Referred by a friend",
         "Interested in a skin care package", "Bridal party in June")


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
        practice.appointments = _Schedule(self, practice).fill()
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
        sealer = _ConsentSealer()
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
        chart = _Charting(self.rng, practice)
        sealer = _TreatmentSealer()
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


_When = TypeVar("_When", int, datetime)


class _Booked(Generic[_When]):
    """A room's booked minutes of a day, or a client's booked times: disjoint half-open
    intervals in start order.

    Whether a new interval is free is one bisection, not a scan of every booking:
    the last interval starting before the new one ends is the only one that can
    reach into it, since the intervals never overlap each other.
    """

    __slots__ = ("ends", "starts")

    def __init__(self) -> None:
        self.starts: list[_When] = []
        self.ends: list[_When] = []

    def is_free(self, start: _When, end: _When) -> bool:
        before = bisect_left(self.starts, end)
        return before == 0 or self.ends[before - 1] <= start

    def take(self, start: _When, end: _When) -> None:
        """Book ``[start, end)``, which ``is_free`` said was free."""
        at = bisect_left(self.starts, start)
        self.starts.insert(at, start)
        self.ends.insert(at, end)


class _Placement(NamedTuple):
    day: date
    provider_id: UUID
    service: Service
    room: Room
    starts_at: datetime
    ends_at: datetime


class _Schedule:
    """Fills each provider's shifts with bookings, never double-booking a provider or a room."""

    def __init__(self, builder: _Builder, practice: Practice) -> None:
        self.b = builder
        self.rng = builder.rng
        self.practice = practice
        self.zone = builder.zone
        self.front_desk = [u.id for u in practice.users if u.role is Role.FRONT_DESK]
        self.users_of = {p.id: p.user_id for p in practice.providers}
        # Rooms with their place in ``practice.rooms``, which numbers each day's room bookings.
        self.rooms_by_kind: dict[str, list[tuple[int, Room]]] = defaultdict(list)
        for number, room in enumerate(practice.rooms):
            self.rooms_by_kind[room.kind].append((number, room))
        weights = {entry[0]: entry[10] for entry in SERVICE_MENU}
        self.rooms_for = {s.id: [r for k in s.room_kinds for r in self.rooms_by_kind[k]]
                          for s in practice.services}
        self.menu: dict[UUID, tuple[list[Service], list[int]]] = {}
        for provider in practice.providers:
            can = [s for s in practice.services
                   if (not s.provider_kinds or provider.kind in s.provider_kinds) and self.rooms_for[s.id]]
            self.menu[provider.id] = (can, list(accumulate(weights[s.name] for s in can)))
        self.clients = practice.clients
        # A fifth of the clients are regulars who book a third of the visits, as in a real practice.
        self.regulars = max(1, len(self.clients) // 5)
        self.client_busy: dict[int, _Booked[datetime]] = defaultdict(_Booked)  # by index in ``clients``

    def fill(self) -> list[Appointment]:
        b = self.b
        days = (b.end_day - b.first_day).days
        horizon = max(1, (b.end_day - b.today).days)
        density = self._density()
        placed: list[_Placement] = []
        shifts_by_weekday: dict[int, list[Shift]] = defaultdict(list)
        for shift in self.practice.shifts:
            shifts_by_weekday[shift.weekday].append(shift)
        hours = {h.weekday: h for h in self.practice.location.opening_hours}
        for offset in range(days):
            day = b.first_day + timedelta(days=offset)
            opening = hours.get(day.weekday())
            if opening is None:
                continue
            ahead = (day - b.today).days
            # Bookings thin out the further ahead a day is.
            fill = density if ahead < 0 else density * max(0.15, 1 - ahead / horizon) * 0.95
            day_start = local_datetime(day, time(0), self.zone)
            room_day: list[_Booked[int]] = [_Booked() for _ in self.practice.rooms]
            for shift in shifts_by_weekday[day.weekday()]:
                starts = max(shift.starts, opening.opens)
                ends = min(shift.ends, opening.closes)
                if starts >= ends:
                    continue
                placed.extend(self._fill_shift(day, shift.provider_id, starts, ends, fill=fill,
                                               day_start=day_start, room_day=room_day))
        if self.size.appointments is not None and len(placed) > self.size.appointments:
            keep = set(self.rng.sample(range(len(placed)), self.size.appointments))
            placed = [p for i, p in enumerate(placed) if i in keep]
        return self._book(placed)

    def _book(self, placed: list[_Placement]) -> list[Appointment]:
        """The appointments for the placed bookings, each checked with the rule the store enforces.

        A provider's bookings are placed in time order, so the last one is the one to
        check. A room's are not: each room keeps the bookings holding it that day in
        order of their blocked times, which never overlap (each was checked on the
        way in), so only the last one starting before the new one ends can clash.
        """
        booked = []
        same_provider: dict[tuple[date, UUID], list[Appointment]] = defaultdict(list)
        same_room: dict[tuple[date, UUID], tuple[list[datetime], list[Appointment]]] = defaultdict(
            lambda: ([], []))
        for day, provider_id, service, room, starts_at, ends_at in placed:
            appt = self._appointment(day, provider_id, service, room, starts_at, ends_at)
            mine = same_provider[(day, provider_id)]
            room_starts, room_holders = same_room[(day, room.id)]
            blocked_from, blocked_until = blocked_interval(appt)
            before = bisect_left(room_starts, blocked_until)
            if clashes(appt, [*mine[-1:], *room_holders[before - 1:before]], zone=self.zone):
                raise AssertionError("demo generator double-booked a provider or a room")
            mine.append(appt)
            if appt.holds_slot:
                at = bisect_left(room_starts, blocked_from)
                room_starts.insert(at, blocked_from)
                room_holders.insert(at, appt)
            booked.append(appt)
        return booked

    @property
    def size(self) -> Scale:
        return self.b.size

    def _density(self) -> float:
        """How full a past day is: enough to reach a requested appointment count, else a busy spa."""
        if self.size.appointments is None:
            return 0.72
        b = self.b
        shift_hours = sum((datetime.combine(date.min, s.ends) - datetime.combine(date.min, s.starts)).seconds
                          for s in self.practice.shifts) / 3600
        weeks = (b.end_day - b.first_day).days / 7
        capacity = shift_hours * weeks * 60 / 55  # ~55 minutes a booking with buffers and gaps
        return min(0.95, max(0.3, 1.35 * self.size.appointments / capacity))

    def _fill_shift(self, day: date, provider_id: UUID, starts: time, ends: time, *, fill: float,
                    day_start: datetime, room_day: list[_Booked[int]]) -> list[_Placement]:
        """Bookings for one provider's shift; ``room_day`` holds each room's blocked times that day.

        Times are whole minutes (UTC instants, so minutes add exactly): ``t`` counts from the
        shift's start, the blocked times from ``day_start``; datetimes are made only for bookings.
        """
        rng = self.rng
        services, cum_weights = self.menu[provider_id]
        mine: list[_Placement] = []
        if not services:
            return mine
        shift_start = local_datetime(day, starts, self.zone)
        length = (local_datetime(day, ends, self.zone) - shift_start) // _MINUTE
        origin = (shift_start - day_start) // _MINUTE
        mine_until = origin
        t = 0
        while t < length:
            if rng.random() > fill:
                t += GRID_MIN
                continue
            service = services[bisect(cum_weights, rng.random() * cum_weights[-1])]
            finish = t + service.duration_min
            if finish > length:
                t += GRID_MIN
                continue
            block_start = origin + t - service.buffer_before_min
            block_end = origin + finish + service.buffer_after_min
            if mine_until > block_start:
                t += GRID_MIN
                continue
            rooms = self.rooms_for[service.id]
            first = rng.randrange(len(rooms))  # spread bookings over the rooms of a kind
            number, room = next(((n, r) for n, r in rooms[first:] + rooms[:first]
                                 if room_day[n].is_free(block_start, block_end)), (-1, None))
            if room is None:
                t += GRID_MIN
                continue
            mine.append(_Placement(day, provider_id, service, room, shift_start + timedelta(minutes=t),
                                   shift_start + timedelta(minutes=finish)))
            mine_until = block_end
            room_day[number].take(block_start, block_end)

            t = finish + GRID_MIN if rng.random() < 0.3 else finish
            t += -t % GRID_MIN  # back onto the quarter-hour grid
        return mine

    def _client_free(self, starts_at: datetime, ends_at: datetime) -> Client:
        """A client to book who is not already booked at that time: a few random tries, then the
        next free client after a random one."""
        rng = self.rng
        count = len(self.clients)
        picks = [rng.randrange(self.regulars if rng.random() < 0.35 else count) for _ in range(8)]
        first = rng.randrange(count)
        # Lazily: unpacking every index into a tuple costs a pass over all clients per booking.
        for index in chain(picks, range(first, count), range(first)):
            busy = self.client_busy[index]
            if busy.is_free(starts_at, ends_at):
                busy.take(starts_at, ends_at)
                return self.clients[index]
        raise ValueError("every client is already booked at one time; ask for more clients in the Scale")

    def _appointment(self, day: date, provider_id: UUID, service: Service, room: Room, starts_at: datetime,
                     ends_at: datetime) -> Appointment:
        rng = self.rng
        b = self.b
        client = self._client_free(starts_at, ends_at)
        desk = rng.choice(self.front_desk)
        booked_at = min(starts_at - timedelta(days=rng.randrange(1, 45), minutes=rng.randrange(0, 600)),
                        b.now - timedelta(minutes=rng.randrange(1, 600)))
        history: list[StatusChange] = []
        status = AppointmentStatus.BOOKED
        reason = ""
        past = day < b.today
        roll = rng.random()
        confirm_at = max(booked_at + timedelta(minutes=5), starts_at - timedelta(days=1, hours=rng.randrange(0, 48)))
        if past and roll < 0.08:
            status, reason = AppointmentStatus.CANCELLED, rng.choice(CANCEL_REASONS)
            history.append(StatusChange(status=status, at=max(booked_at + timedelta(minutes=5),
                                                             starts_at - timedelta(hours=rng.randrange(2, 72))),
                                        by_user_id=desk, reason=reason))
        elif past and roll < 0.13:
            status = AppointmentStatus.NO_SHOW
            history.append(StatusChange(status=status, at=starts_at + timedelta(minutes=20), by_user_id=desk))
        elif past:
            provider_user = self.users_of[provider_id] or desk
            history.extend((
                StatusChange(status=AppointmentStatus.CONFIRMED, at=confirm_at, by_user_id=desk),
                StatusChange(status=AppointmentStatus.ARRIVED, at=starts_at - timedelta(minutes=rng.randrange(1, 15)),
                             by_user_id=desk),
                StatusChange(status=AppointmentStatus.IN_ROOM, at=starts_at, by_user_id=provider_user),
                StatusChange(status=AppointmentStatus.COMPLETED, at=ends_at, by_user_id=provider_user),
            ))
            status = AppointmentStatus.COMPLETED
        elif confirm_at <= b.now and rng.random() < 0.8:
            status = AppointmentStatus.CONFIRMED
            history.append(StatusChange(status=status, at=confirm_at, by_user_id=desk))
        updated = history[-1].at if history else booked_at
        return Appointment(
            id=b.new_id(booked_at), updated_at=updated, location_id=self.practice.location.id,
            client_id=client.id, provider_id=provider_id, room_id=room.id, service_id=service.id,
            starts_at=starts_at, ends_at=ends_at, buffer_before_min=service.buffer_before_min,
            buffer_after_min=service.buffer_after_min, status=status, history=tuple(history),
            cancel_reason=reason, booked_by=desk)


class _Charting:
    """What a provider writes down at a visit: products, lots, units per area, face chart points."""

    def __init__(self, rng: random.Random, practice: Practice) -> None:
        self.rng = rng
        self.products = {p.name: p for p in practice.products}
        self.lots: dict[UUID, list[Lot]] = defaultdict(list)
        for lot in practice.lots:
            self.lots[lot.product_id].append(lot)
        self.zone = practice.location.zone
        self._lot_on: dict[tuple[UUID, date], Lot] = {}
        # Charts repeat the same few entries (a lot, an area, a dose), and the entries are
        # immutable: each distinct one is validated once and shared.
        self._uses: dict[tuple[Lot, float, str], ProductUse] = {}
        self._points: dict[tuple[float, float, str, Lot, float], ChartPoint] = {}

    def _lot(self, product: Product, on: date) -> Lot:
        """The newest lot received before the visit and not expired on it."""
        lot = self._lot_on.get((product.id, on))
        if lot is None:
            usable = [lot for lot in self.lots[product.id] if lot.received <= on < lot.expiry]
            lot = self._lot_on[(product.id, on)] = max(usable, key=lambda lot: lot.received)
        return lot

    def _use(self, product: Product, lot: Lot, amount: float, area: str) -> ProductUse:
        key = (lot, amount, area)
        use = self._uses.get(key)
        if use is None:
            use = self._uses[key] = ProductUse(product_id=product.id, product_name=product.name, lot=lot.lot,
                                               expiry=lot.expiry, amount=amount, unit=product.unit, area=area)
        return use

    def _point(self, x: float, y: float, area: str, product: Product, lot: Lot, amount: float) -> ChartPoint:
        key = (x, y, area, lot, amount)
        point = self._points.get(key)
        if point is None:
            point = self._points[key] = ChartPoint(view=ChartView.FRONT, x=x, y=y, area=area,
                                                   product_id=product.id, lot=lot.lot, amount=amount)
        return point

    def details(self, service: Service, appt: Appointment) -> tuple[
            tuple[ProductUse, ...], tuple[ChartPoint, ...], tuple[LaserSettings, ...], str]:
        rng = self.rng
        on = appt.starts_at.astimezone(self.zone).date()
        uses: list[ProductUse] = []
        points: list[ChartPoint] = []
        laser: list[LaserSettings] = []
        category = service.category
        if category is ServiceCategory.NEUROTOXIN:
            name = {"Dysport": "Dysport 300U", "Xeomin": "Xeomin 100U"}.get(service.name, "Botox Cosmetic 100U")
            factor = DYSPORT_FACTOR if name.startswith("Dysport") else 1.0
            product = self.products[name]
            lot = self._lot(product, on)
            areas = rng.sample(NEUROTOXIN_AREAS[:4], rng.choice((1, 2, 2, 3, 4)))
            if rng.random() < 0.15:
                areas.append(rng.choice(NEUROTOXIN_AREAS[4:]))
            for area, spots, units in areas:
                total = round(units * factor * rng.choice((0.8, 1.0, 1.0, 1.2)))
                uses.append(self._use(product, lot, float(total), area))
                per_spot = round(total / len(spots), 1)
                points.extend(self._point(x, y, area, product, lot, per_spot) for x, y in spots)
            notes = "Dynamic lines treated as planned. No immediate adverse reaction."
        elif category is ServiceCategory.DERMAL_FILLER:
            for area, (x, y), product_name in FILLER_AREAS.get(service.name, FILLER_AREAS["Lip filler"]):
                product = self.products[product_name]
                lot = self._lot(product, on)
                amount = rng.choice((0.5, 0.5, 0.8, 1.0))
                uses.append(self._use(product, lot, amount, area))
                points.append(self._point(x, y, area, product, lot, amount))
            notes = "Aspirated before each bolus; capillary refill normal after treatment."
        elif category is ServiceCategory.LASER:
            wavelength = rng.choice((755.0, 1064.0))
            laser.append(LaserSettings(device="Candela GentleMax Pro", wavelength_nm=wavelength,
                                       fluence_j_cm2=float(rng.randrange(10, 26)), spot_size_mm=18.0,
                                       pulse_ms=3.0, pulses=rng.randrange(80, 900), passes=1,
                                       area=rng.choice(LHR_AREAS)))
            notes = "Test spot tolerated. Perifollicular oedema noted, as expected."
        elif category is ServiceCategory.IPL:
            laser.append(LaserSettings(device="Lumenis M22 IPL", wavelength_nm=560.0,
                                       fluence_j_cm2=float(rng.randrange(12, 19)), spot_size_mm=15.0,
                                       pulse_ms=4.0, pulses=rng.randrange(120, 260), passes=2, area="Full face"))
            notes = "Mild erythema afterwards; pigment darkening as expected."
        elif category is ServiceCategory.IV_THERAPY:
            product = self.products["Lactated Ringer's 1000mL"]
            lot = self._lot(product, on)
            uses.append(self._use(product, lot, 1000.0, "Left antecubital"))
            notes = "22G cannula, one attempt. Infusion over 40 minutes, no reaction."
        elif category is ServiceCategory.CHEMICAL_PEEL:
            notes = f"Glycolic acid {rng.choice((20, 30, 35))}%, {rng.choice((2, 3, 4))} minutes, neutralised."
        else:
            notes = f"Needle depth {rng.choice((0.5, 1.0, 1.5))} mm, full face, pinpoint bleeding as expected."
        return tuple(uses), tuple(points), tuple(laser), notes


# --- small helpers -------------------------------------------------------------------------



class _ConsentSealer:
    """``content_hash(consent.signed_content())`` without re-encoding the same long text each time.

    Every consent of one template carries the same multi-page body, and the
    demo reuses a few signatures; their canonical JSON is encoded once and the
    document is assembled around it, byte for byte what ``content_hash`` makes
    (the tests check every generated consent with ``is_intact``).
    """

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._signatures: dict[int, str] = {}

    def _text(self, value: str) -> str:
        encoded = self._texts.get(value)
        if encoded is None:
            encoded = self._texts[value] = _canonical(value)
        return encoded

    def hash(self, consent: SignedConsent) -> str:
        signature = self._signatures.get(id(consent.signature))
        if signature is None:
            signature = self._signatures[id(consent.signature)] = _canonical(
                consent.signature.model_dump(mode="json"))
        # Ids and ISO times hold no character JSON escapes, so they are quoted directly.
        document = (
            '{"body":' + self._text(consent.body)
            + ',"client_id":"' + str(consent.client_id)
            + '","signature":' + signature
            + ',"signed_at":"' + consent.signed_at.isoformat()
            + '","signer_name":' + _canonical(consent.signer_name)
            + ',"template_key":' + self._text(consent.template_key)
            + ',"template_version":' + str(consent.template_version)
            + ',"title":' + self._text(consent.title)
            + ',"witness_name":' + self._text(consent.witness_name) + "}")
        return hashlib.sha256(document.encode("utf-8")).hexdigest()


class _TreatmentSealer:
    """``content_hash(treatment.signed_content())`` with each chart entry encoded once.

    Charts share their product uses and face points (``_Charting`` makes each
    distinct one once), so their canonical JSON is kept by object and the signed
    document is assembled around it, byte for byte what ``content_hash`` makes.
    The first treatment is sealed both ways; should they ever differ (a field
    added to ``TreatmentRecord`` that this does not know), every treatment is
    sealed the plain way. The tests check every generated treatment's hash.
    """

    def __init__(self) -> None:
        self._entries: dict[int, tuple[BaseModel, str]] = {}  # id -> (the entry, kept alive; its JSON)
        self._texts: dict[str, str] = {}
        self._checked = False
        self._assembled = True

    def hash(self, treatment: TreatmentRecord) -> str:
        if not self._assembled:
            return content_hash(treatment.signed_content())
        document = self._document(treatment)
        if not self._checked:
            self._checked = True
            self._assembled = document == _canonical(treatment.signed_content())
            if not self._assembled:
                log.warning("demo treatments sealed the slow way: their signed content has changed shape")
                return content_hash(treatment.signed_content())
        return hashlib.sha256(document.encode("utf-8")).hexdigest()

    def _document(self, t: TreatmentRecord) -> str:
        # Keys in sorted order, as ``content_hash`` writes them. Ids and ISO times hold no
        # character JSON escapes, so they are quoted directly.
        return (
            '{"appointment_id":' + _json_id(t.appointment_id)
            + ',"client_id":"' + str(t.client_id)
            + '","clinical_notes":' + self._text(t.clinical_notes)
            + ',"id":"' + str(t.id)
            + '","laser":' + self._list(t.laser)
            + ',"performed_at":"' + _DATETIME.dump_python(t.performed_at, mode="json")
            + '","photo_ids":[' + ",".join(f'"{photo}"' for photo in t.photo_ids)
            + '],"points":' + self._list(t.points)
            + ',"post_care":' + self._text(t.post_care)
            + ',"products":' + self._list(t.products)
            + ',"provider_id":"' + str(t.provider_id)
            + '","service_id":"' + str(t.service_id) + '"}')

    def _list(self, entries: tuple[BaseModel, ...]) -> str:
        parts = []
        for entry in entries:
            known = self._entries.get(id(entry))
            if known is None:
                known = self._entries[id(entry)] = (entry, _canonical(entry.model_dump(mode="json")))
            parts.append(known[1])
        return "[" + ",".join(parts) + "]"

    def _text(self, value: str) -> str:
        encoded = self._texts.get(value)
        if encoded is None:
            encoded = self._texts[value] = _canonical(value)
        return encoded


_DATETIME: TypeAdapter[datetime] = TypeAdapter(datetime)


def _json_id(value: UUID | None) -> str:
    return "null" if value is None else f'"{value}"'


def _canonical(value: Any) -> str:
    """The JSON form ``records.content_hash`` uses."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


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


def day_schedule(practice: Practice, day: date) -> list[Appointment]:
    """The practice's appointments on one local day, in start order (handy in tests and demos)."""
    start, end = day_bounds(day, practice.location.zone)
    return sorted((a for a in practice.appointments if start <= a.starts_at < end), key=lambda a: a.starts_at)


def counts(practice: Practice) -> dict[str, int]:
    """How many of each kind of record the practice holds (for logs and benchmarks: no PHI)."""
    return {name: len(getattr(practice, name)) for name in (
        "providers", "rooms", "shifts", "services", "products", "users", "clients", "appointments",
        "treatments", "consent_templates", "consents", "intakes")}


__all__ = ["BENCHMARK_SCALE", "DEMO_PASSWORDS", "DEMO_USERS", "Lot", "Practice", "Scale", "counts",
           "day_schedule", "generate_practice"]
