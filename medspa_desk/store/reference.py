"""Reference data: locations, providers, shifts, rooms, services, products, templates, users."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from medspa_desk.protocol import MutationKind
from medspa_desk.records import (
    AuditAction,
    BlockedTime,
    ConsentTemplate,
    Location,
    Product,
    Provider,
    Record,
    Room,
    Service,
    Shift,
    User,
)
from medspa_desk.store.actor import Actor
from medspa_desk.store.base import StoreBase
from medspa_desk.store.changes import Changes
from medspa_desk.store.errors import Immutable, InvalidChange
from medspa_desk.store.rows import REFERENCE, REFERENCE_TYPES


class ReferenceMixin(StoreBase):
    def put_reference(self, record: Record, *, actor: Actor) -> Changes:
        """Save a location, provider, shift, room, service, product, consent template or user.

        A consent template version is published once and never changed: new
        wording is a new version.
        """
        if not isinstance(record, REFERENCE_TYPES):
            raise InvalidChange(f"A {type(record).__name__} is not reference data.")
        kind = MutationKind.BLOCKED_TIME_PUT if isinstance(record, BlockedTime) else MutationKind.REFERENCE_UPSERT
        if isinstance(record, ConsentTemplate):
            kind = MutationKind.CONSENT_TEMPLATE_PUBLISH
            if self._one("SELECT 1 FROM reference WHERE id = ?", (str(record.id),)):
                raise Immutable("A published consent version cannot be changed; publish a new "
                                "version with the new wording.")
        existing = self._one("SELECT version FROM reference WHERE id = ?", (str(record.id),))
        with self._write() as conn:
            self._upsert(conn, REFERENCE, record)
            self._queue(conn, actor=actor, kind=kind, record=record, payload=record,
                        base_version=existing[0] if existing else None)
            self._note(actor, AuditAction.UPDATE if existing else AuditAction.CREATE,
                       entity=record.entity, entity_id=record.id)
        self._zones.pop(record.id, None)
        return Changes(reference=True)

    def blocked_times(self, location_id: UUID, *, starts: datetime, ends: datetime) -> list[BlockedTime]:
        """The location's blocked time overlapping ``[starts, ends)`` (deleted blocks left out)."""
        blocks = self._load_many(BlockedTime, "SELECT data FROM reference WHERE entity = ? "
                                 "AND json_extract(data, '$.location_id') = ?", (BlockedTime.entity, str(location_id)))
        return sorted((b for b in blocks if not b.deleted and b.starts_at < ends and starts < b.ends_at),
                      key=lambda b: b.starts_at)

    def blocked_time(self, block_id: UUID) -> BlockedTime | None:
        """One block as this desk holds it (a freed one too), or None."""
        found = self._load_many(BlockedTime, "SELECT data FROM reference WHERE entity = ? AND id = ?",
                                (BlockedTime.entity, str(block_id)))
        return found[0] if found else None

    def locations(self) -> list[Location]:
        return sorted(self._reference(Location), key=lambda r: r.name.casefold())

    def providers(self) -> list[Provider]:
        return sorted(self._reference(Provider), key=lambda r: r.display_name.casefold())

    def rooms(self, location_id: UUID) -> list[Room]:
        rooms = [r for r in self._reference(Room) if r.location_id == location_id]
        return sorted(rooms, key=lambda r: r.name.casefold())

    def services(self) -> list[Service]:
        return sorted(self._reference(Service), key=lambda r: r.name.casefold())

    def products(self) -> list[Product]:
        return sorted(self._reference(Product), key=lambda r: r.name.casefold())

    def shifts(self) -> list[Shift]:
        return sorted((s for s in self._reference(Shift) if not s.deleted), key=lambda s: (str(s.provider_id), s.weekday, s.starts))

    def users(self) -> list[User]:
        return sorted(self._reference(User), key=lambda r: r.username.casefold())

    def consent_templates(self, key: str | None = None) -> list[ConsentTemplate]:
        """Every published version (of ``key`` only, if given), newest version first per key."""
        templates = [t for t in self._reference(ConsentTemplate) if key is None or t.key == key]
        return sorted(templates, key=lambda t: (t.key, -t.template_version))
