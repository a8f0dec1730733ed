"""The demo practice's fixed parts: opening hours, providers, rooms, the service menu, products and
doses, consents, and the (fictional) names, streets and notes clients are made from.
"""

from __future__ import annotations

import logging
from datetime import time
from typing import Any

from medspa_desk.records import (
    ConsentRequirement,
    ProductUnit,
    ProviderKind,
    ServiceCategory,
)

log = logging.getLogger(__name__)

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


