"""What the demo's providers chart at a visit, and the demo's consents and treatments sealed (content hashes) fast.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections import defaultdict
from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, TypeAdapter

from medspa_demo.catalog import DYSPORT_FACTOR, FILLER_AREAS, LHR_AREAS, NEUROTOXIN_AREAS
from medspa_demo.model import Lot, Practice
from medspa_desk.records import (
    Appointment,
    ChartPoint,
    ChartView,
    LaserSettings,
    Product,
    ProductUse,
    Service,
    ServiceCategory,
    SignedConsent,
    TreatmentRecord,
    content_hash,
)

log = logging.getLogger(__name__)

class Charting:
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



class ConsentSealer:
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


class TreatmentSealer:
    """``content_hash(treatment.signed_content())`` with each chart entry encoded once.

    Charts share their product uses and face points (``Charting`` makes each
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


