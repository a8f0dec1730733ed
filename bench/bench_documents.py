"""Documents: render a two-page signed consent; evaluate every contraindication rule for one intake."""

from __future__ import annotations

import io
import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from bench.harness import Report, median, percentile, time_ms
from medspa_desk.documents.consents import shipped_templates, sign
from medspa_desk.documents.pdf import consent_pdf
from medspa_desk.documents.questionnaire import build_intake, shipped_questionnaire
from medspa_desk.documents.rules import evaluate, shipped_rules
from medspa_desk.records import Client, ServiceCategory, Signature

ZONE = ZoneInfo("America/New_York")


def _signature() -> Signature:
    return Signature(width=600, height=200, strokes=(
        tuple((40 + t * 3.0, 100 + 40 * math.sin(t / 6)) for t in range(150)),
        tuple((420 + 30 * math.cos(t / 5), 100 + 30 * math.sin(t / 5)) for t in range(40)),
    ))


def _busy_answers() -> dict:
    """An intake that trips many rules, so evaluation does its full work."""
    return {
        "phone": "555-201-3344", "emergency_contact_name": "Sam Núñez", "emergency_contact_phone": "555-201-9999",
        "conditions": ["high_blood_pressure", "kidney_disease", "pacemaker"], "conditions_details": "controlled",
        "neuromuscular_disorder": False, "autoimmune_condition": True, "autoimmune_condition_names": ["lupus"],
        "autoimmune_flare": False, "keloids": True, "cold_sores": True, "cold_sore_last_outbreak": "2025-03-01",
        "active_skin_infection": False, "pregnancy_status": "no", "fitzpatrick_skin_type": "V",
        "blood_thinners": True, "blood_thinner_names": ["aspirin", "supplement"], "isotretinoin_recent": False,
        "antibiotics_current": True, "antibiotic_kind": "tetracycline", "topical_retinoid_recent": True,
        "has_allergies": True, "allergy_list": ["lidocaine", "latex"], "recent_sun_exposure": True,
        "sun_exposure_kinds": ["suntan"], "last_sun_exposure": "2025-03-02", "had_prior_treatments": True,
        "prior_treatment_kinds": ["neurotoxin", "dermal_filler"], "prior_reaction": False,
        "answers_are_accurate": True,
    }


def run(report: Report) -> None:
    client = Client(first_name="Zoë", last_name="Ångström-Núñez", birth_date=date(1988, 4, 17))
    template = shipped_templates()["dermal_filler"]
    consent = sign(template, client=client, signer_name=client.full_name, signature=_signature(),
                   signed_at=datetime(2025, 3, 9, 14, 5, tzinfo=ZONE), witness=None)

    def render() -> bytes:
        return consent_pdf(consent, client=client, practice_name="Lumière Aesthetics", zone=ZONE)

    pages = len(PdfReader(io.BytesIO(render())).pages)
    if pages != 2:
        raise RuntimeError(f"the benchmark consent should be two pages, it rendered {pages}")
    samples = time_ms(render, repeat=40, warmup=3)
    report.figure("documents.consent_pdf_ms", median(samples), unit="ms", target=200)
    report.figure("documents.consent_pdf_p95_ms", percentile(samples, 95), unit="ms")

    intake = build_intake(shipped_questionnaire(), client=client, answers=_busy_answers(),
                          submitted_at=datetime(2025, 3, 9, 10, tzinfo=ZONE), signer_name=client.full_name)
    rules = shipped_rules()
    day = date(2025, 3, 9)

    def every_rule() -> int:
        return sum(len(evaluate(intake, category, rules=rules, on=day)) for category in ServiceCategory)

    print(f"   {len(rules.rules)} rules, {every_rule()} findings across {len(ServiceCategory)} categories")
    samples = time_ms(every_rule, repeat=500, warmup=20)
    report.figure("documents.intake_rules_ms", median(samples), unit="ms", target=5)
    report.figure("documents.intake_rules_p95_ms", percentile(samples, 95), unit="ms")
