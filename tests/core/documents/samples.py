"""Sample clients, answers and signatures for the documents tests (made up; no real person)."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from medspa_desk.records import Client, Role, Signature, User

ZONE = ZoneInfo("America/New_York")
PRACTICE = "Lumière Aesthetics & Wellness"


def client(**changes: Any) -> Client:
    fields: dict[str, Any] = {"first_name": "Zoë", "last_name": "Ångström-Núñez", "birth_date": date(1988, 4, 17),
                              "phone": "555-201-3344", "email": "zoe@example.com"}
    return Client(**(fields | changes))


def staff(role: Role, name: str = "Dana Reyes, NP", **changes: Any) -> User:
    return User(**({"username": name.split(",")[0].lower().replace(" ", "."), "display_name": name,
                    "role": role} | changes))


def signature(*, width: float = 600, height: float = 200) -> Signature:
    """A looping handwritten-looking signature across most of the pad."""
    first = tuple((40 + t * 3.0, height / 2 + 40 * math.sin(t / 6)) for t in range(120))
    second = tuple((420 + 30 * math.cos(t / 5), height / 2 + 30 * math.sin(t / 5)) for t in range(32))
    underline = ((60.0, height * 0.85), (520.0, height * 0.8))
    return Signature(width=width, height=height, strokes=(first, second, underline))


def scribble() -> Signature:
    """A tap and a tiny slip: not a signature."""
    return Signature(width=600, height=200, strokes=(((10.0, 10.0),), ((50.0, 50.0), (60.0, 55.0))))


def healthy_answers(**changes: Any) -> dict[str, Any]:
    """Every required question answered with nothing to flag."""
    answers: dict[str, Any] = {
        "phone": "555-201-3344", "emergency_contact_name": "Sam Núñez", "emergency_contact_phone": "555-201-9999",
        "conditions": ["none"], "neuromuscular_disorder": False, "autoimmune_condition": False,
        "keloids": False, "cold_sores": False, "active_skin_infection": False, "pregnancy_status": "no",
        "fitzpatrick_skin_type": "III", "blood_thinners": False, "isotretinoin_recent": False,
        "antibiotics_current": False, "topical_retinoid_recent": False, "has_allergies": False,
        "recent_sun_exposure": False, "had_prior_treatments": False, "answers_are_accurate": True,
    }
    answers.update(changes)
    return answers


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZONE)
