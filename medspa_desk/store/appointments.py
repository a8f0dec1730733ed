"""Appointments: book, move, cancel, change status (never over someone else's slot); the day view."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from medspa_desk.protocol import MutationKind, VisitCancel, VisitMove, VisitStatus
from medspa_desk.records import (
    Appointment,
    AppointmentStatus,
    AuditAction,
    Client,
    InvalidTransition,
    Room,
    Service,
    utc_now,
)
from medspa_desk.rules import require_movable, require_transition
from medspa_desk.scheduling import Held, blocked_interval, clashes, day_bounds
from medspa_desk.store.actor import Actor
from medspa_desk.store.base import StoreBase
from medspa_desk.store.changes import Changes
from medspa_desk.store.clients import invalid_record_message
from medspa_desk.store.errors import InvalidChange, NotAllowed, NotFound, SlotTaken
from medspa_desk.store.rows import APPOINTMENTS, epoch
from medspa_desk.store.views import DaySchedule

# No appointment blocks more than 600 minutes plus two 120-minute buffers, so
# anything that starts more than a day before a candidate cannot overlap it.
# The bound lets the overlap query use the (provider, blocked_start) index.
_LONGEST_BLOCK = timedelta(days=1)


class AppointmentsMixin(StoreBase):
    def book(self, appt: Appointment, *, actor: Actor) -> Changes:
        """Save a new booking, unless its provider or room is taken (buffers included)."""
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM appointments WHERE id = ?", (str(appt.id),)).fetchone():
                raise InvalidChange("This appointment is already booked; reschedule it instead.")
            if not conn.execute("SELECT 1 FROM clients WHERE id = ? AND deleted = 0",
                                (str(appt.client_id),)).fetchone():
                raise NotFound("The client of this booking is not in the local store; save the "
                               "client first.")
            self._refuse_overlap(appt)
            self._upsert(conn, APPOINTMENTS, appt)
            self._queue(conn, actor=actor, kind=MutationKind.APPOINTMENT_BOOK, record=appt, payload=appt)
            self._note(actor, AuditAction.CREATE, entity=Appointment.entity, entity_id=appt.id)
        return self._appointment_changes(appt)

    def reschedule(self, appt_id: UUID, *, starts_at: datetime, ends_at: datetime,
                   provider_id: UUID, room_id: UUID | None, actor: Actor) -> Changes:
        with self._write() as conn:
            before = self._load(Appointment, "appointments", appt_id, what="appointment")
            try:
                require_movable(before.status)
            except InvalidTransition as exc:
                raise NotAllowed(str(exc)) from None
            data = {**before.to_json(), "starts_at": starts_at, "ends_at": ends_at,
                    "provider_id": provider_id, "room_id": room_id,
                    "version": before.version + 1, "updated_at": utc_now()}
            try:
                after = Appointment.model_validate(data)
            except ValidationError as exc:
                raise InvalidChange(invalid_record_message("appointment", exc)) from None
            self._refuse_overlap(after)
            self._upsert(conn, APPOINTMENTS, after)
            self._queue(conn, actor=actor, kind=MutationKind.APPOINTMENT_RESCHEDULE, record=after,
                        base_version=before.version,
                        payload=VisitMove(starts_at=after.starts_at, ends_at=after.ends_at,
                                          provider_id=provider_id, room_id=room_id))
            self._note(actor, AuditAction.UPDATE, entity=Appointment.entity, entity_id=appt_id,
                       detail="reschedule")
        return self._appointment_changes(before) | self._appointment_changes(after)

    def cancel(self, appt_id: UUID, *, reason: str, actor: Actor) -> Changes:
        return self._change_status(appt_id, AppointmentStatus.CANCELLED, actor=actor, reason=reason,
                                   kind=MutationKind.APPOINTMENT_CANCEL)

    def set_status(self, appt_id: UUID, status: AppointmentStatus, *, actor: Actor,
                   reason: str = "") -> Changes:
        kind = (MutationKind.APPOINTMENT_CANCEL if status is AppointmentStatus.CANCELLED
                else MutationKind.APPOINTMENT_SET_STATUS)
        return self._change_status(appt_id, status, actor=actor, reason=reason, kind=kind)

    def _change_status(self, appt_id: UUID, status: AppointmentStatus, *, actor: Actor,
                       reason: str, kind: MutationKind) -> Changes:
        with self._write() as conn:
            before = self._load(Appointment, "appointments", appt_id, what="appointment")
            try:
                require_transition(before.status, status)
                after = before.with_status(status, by_user_id=actor.user_id, reason=reason)
            except InvalidTransition as exc:
                raise NotAllowed(str(exc)) from None
            if after.holds_slot and not before.holds_slot:
                # A no-show put back on the books takes its slot again.
                self._refuse_overlap(after)
            self._upsert(conn, APPOINTMENTS, after)
            payload = (VisitCancel(reason=reason) if kind is MutationKind.APPOINTMENT_CANCEL
                       else VisitStatus(status=status, reason=reason))
            self._queue(conn, actor=actor, kind=kind, record=after, base_version=before.version, payload=payload)
            self._note(actor, AuditAction.UPDATE, entity=Appointment.entity, entity_id=appt_id,
                       detail=f"status: {status.value}")
        return self._appointment_changes(after)

    def appointment(self, appt_id: UUID) -> Appointment:
        return self._load(Appointment, "appointments", appt_id, what="appointment")

    def _refuse_overlap(self, candidate: Appointment) -> None:
        found = clashes(candidate, self._neighbours(candidate), zone=self._zone(candidate.location_id),
                        service_names=self._service_names(), room_names=self._room_names())
        if found:
            raise SlotTaken(found)

    def _neighbours(self, candidate: Appointment) -> list[Appointment]:
        """Appointments holding the candidate's provider or room around its blocked interval."""
        start, end = blocked_interval(candidate)
        window = (epoch(start - _LONGEST_BLOCK), epoch(end), epoch(start))
        params: list[Any] = [str(candidate.provider_id), *window]
        sql = ("SELECT data FROM appointments WHERE provider_id = ? AND blocked_start > ? "
               "AND blocked_start <= ? AND blocked_end >= ? AND holds_slot = 1")
        if candidate.room_id is not None:
            sql += (" UNION SELECT data FROM appointments WHERE room_id = ? AND blocked_start > ? "
                    "AND blocked_start <= ? AND blocked_end >= ? AND holds_slot = 1")
            params += [str(candidate.room_id), *window]
        return self._load_many(Appointment, sql, tuple(params))

    def _service_names(self) -> dict[UUID, str]:
        return {s.id: s.name for s in self._reference(Service)}

    def _room_names(self) -> dict[UUID, str]:
        return {r.id: r.name for r in self._reference(Room)}

    def _appointment_changes(self, appt: Appointment) -> Changes:
        return Changes(days=frozenset({self._day_of(appt.location_id, appt.starts_at)}))

    def day_schedule(self, location_id: UUID, day: date) -> DaySchedule:
        """The location's appointments on its local ``day`` (23 or 25 hours long on DST days)."""
        start, end = day_bounds(day, self._zone(location_id))
        appointments = tuple(self._load_many(
            Appointment,
            "SELECT data FROM appointments WHERE location_id = ? AND starts_at >= ? "
            "AND starts_at < ? ORDER BY starts_at, id",
            (str(location_id), epoch(start), epoch(end))))
        by_provider: dict[UUID, list[Appointment]] = defaultdict(list)
        by_room: dict[UUID | None, list[Appointment]] = defaultdict(list)
        for appt in appointments:
            by_provider[appt.provider_id].append(appt)
            by_room[appt.room_id].append(appt)
        return DaySchedule(location_id=location_id, day=day, starts_at=start, ends_at=end,
                           appointments=appointments,
                           by_provider={k: tuple(v) for k, v in by_provider.items()},
                           by_room={k: tuple(v) for k, v in by_room.items()})

    def appointments_between(self, start: datetime, end: datetime, *,
                             provider_id: UUID | None = None,
                             room_id: UUID | None = None) -> list[Appointment]:
        """Appointments starting in ``[start, end)``, optionally for one provider or room.

        For one provider or room the (provider or room, blocked_start) index bounds the read: a visit
        starting in the range has its blocked start less than a day before it (``_LONGEST_BLOCK``).
        """
        sql = "SELECT data FROM appointments WHERE starts_at >= ? AND starts_at < ?"
        params: list[Any] = [epoch(start), epoch(end)]
        if provider_id is not None or room_id is not None:
            sql += " AND blocked_start >= ? AND blocked_start < ?"
            params += [epoch(start - _LONGEST_BLOCK), epoch(end)]
        if provider_id is not None:
            sql += " AND provider_id = ?"
            params.append(str(provider_id))
        if room_id is not None:
            sql += " AND room_id = ?"
            params.append(str(room_id))
        return self._load_many(Appointment, sql + " ORDER BY starts_at, id", tuple(params))

    def held_between(self, start: datetime, end: datetime, *, provider_ids: Sequence[UUID],
                     room_ids: Sequence[UUID]) -> Held:
        """The blocked intervals (buffers included, epoch seconds) holding these providers and rooms in ``[start, end)``.

        Read from the indexed columns, not the records: a fortnight of a 40-provider
        practice is thousands of visits, and finding free time needs only who, where and when.
        """
        providers = {str(i): i for i in provider_ids}
        rooms = {str(i): i for i in room_ids}
        if not providers and not rooms:
            return Held({}, {})
        marks = ", ".join("?" for _ in providers) or "NULL"
        room_marks = ", ".join("?" for _ in rooms) or "NULL"
        # One query for both (SQLite answers the OR from both indexes, each visit once).
        sql = ("SELECT provider_id, room_id, blocked_start, blocked_end FROM appointments "  # noqa: S608 (marks only)
               f"WHERE (provider_id IN ({marks}) OR room_id IN ({room_marks})) "
               "AND blocked_start > ? AND blocked_start < ? AND blocked_end > ? AND holds_slot = 1")
        rows = self._rows(sql, (*providers, *rooms, epoch(start - _LONGEST_BLOCK), epoch(end), epoch(start)))
        by_provider: dict[str, list[tuple[int, int]]] = {key: [] for key in providers}
        by_room: dict[str, list[tuple[int, int]]] = {key: [] for key in rooms}
        for provider, room, begins, ends in rows:
            if provider in by_provider:
                by_provider[provider].append((begins, ends))
            if room in by_room:
                by_room[room].append((begins, ends))
        return Held({providers[k]: v for k, v in by_provider.items()}, {rooms[k]: v for k, v in by_room.items()})

    def series_from(self, visit: Appointment) -> list[Appointment]:
        """``visit`` and the later visits of its series, in time order (a series is one client's)."""
        if visit.series_id is None:
            return [visit]
        later = self._load_many(Appointment, "SELECT data FROM appointments WHERE client_id = ? AND starts_at >= ? "
                                "ORDER BY starts_at, id", (str(visit.client_id), epoch(visit.starts_at)))
        return [v for v in later if v.series_id == visit.series_id]

    def appointments_for(self, client_id: UUID, *, actor: Actor) -> list[Appointment]:
        """A client's appointments, newest first (audited view)."""
        self._audited_view(actor, entity=Client.entity, entity_id=client_id, detail="appointments")
        return self._load_many(Appointment, "SELECT data FROM appointments WHERE client_id = ? "
                               "ORDER BY starts_at DESC", (str(client_id),))

