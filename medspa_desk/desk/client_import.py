"""Import the client list, and the upcoming appointments, a practice brings from the system it is leaving:
preview, then all or nothing.

The manager chooses a CSV export; :func:`preview_client_import` reads it
(``medspa_desk.client_import``) and matches each row against the clients on
file and the rows before it. Nothing is saved until :func:`import_clients`,
which saves every good row in one transaction, queues each for the server and
audits each as created, or saves nothing: a row that cannot be imported, or a
row that looks like someone already on file, stops the import unless the
manager chose to leave such rows out. Every refusal is audited.

Upcoming appointments (:func:`preview_visit_import`, :func:`import_visits`) come
after the clients: each row is booked when its client, service and provider
match; a row that does not, or a slot already taken or blocked, stops the
import unless left out; appointments already past are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from medspa_desk.client_import import (
    ImportFileProblem,
    ImportPreview,
    build_preview,
    read_client_file,
)
from medspa_desk.desk.blocked_time import TimeBlocked, refuse_blocked_time
from medspa_desk.desk.errors import DeskRefusal
from medspa_desk.records import Appointment, Client, Location
from medspa_desk.rules import UseCase
from medspa_desk.store import Changes, SlotTaken, Store
from medspa_desk.store.actor import Actor
from medspa_desk.visit_import import ClientOnFile, VisitPreview, build_visit_preview


class ImportRefused(DeskRefusal):
    """The import would leave rows behind the manager has not chosen to leave out; nothing was saved."""


@dataclass(frozen=True)
class ImportOutcome:
    imported: int
    left_out_refused: int
    left_out_duplicates: int
    changes: Changes


def preview_client_import(store: Store, *, actor: Actor, path: Path, today: date,
                          mapping: tuple[str | None, ...] | None = None) -> ImportPreview:
    """Read ``path`` as a client list and say what importing it would do; nothing is saved."""
    store.permit(actor, UseCase.IMPORT_CLIENTS, entity=Client.entity)
    try:
        name, data = read_client_file(path)
        return build_preview(name, data, today=today, on_file=(keys for _id, keys in store.client_match_keys()),
                             mapping=mapping)
    except ImportFileProblem:
        store.note_refused_step(actor, entity=Client.entity, entity_id=None, detail="import_clients:unreadable_file")
        raise


def import_clients(store: Store, *, actor: Actor, preview: ImportPreview, leave_out_refused: bool = False,
                   leave_out_duplicates: bool = False) -> ImportOutcome:
    """Save every good row of ``preview`` as a new client, in one transaction, or nothing.

    Rows that cannot be imported, and rows that look like a client on file or an earlier row,
    stop the import unless the manager chose to leave them out (``leave_out_*``).
    """
    store.permit(actor, UseCase.IMPORT_CLIENTS, entity=Client.entity)
    refused, duplicates = preview.refused, preview.duplicates
    reasons = []
    if refused and not leave_out_refused:
        reasons.append(f"{len(refused):,} row{'s' if len(refused) != 1 else ''} cannot be imported as they are "
                       "(fix them in the file and open it again, or choose to leave them out)")
    if duplicates and not leave_out_duplicates:
        reasons.append(f"{len(duplicates):,} row{'s look' if len(duplicates) != 1 else ' looks'} like someone already "
                       "on file or earlier in the file (check them, or choose to leave them out)")
    if reasons:
        store.note_refused_step(actor, entity=Client.entity, entity_id=None, detail="import_clients:rows_left")
        raise ImportRefused("Nothing was imported: " + "; ".join(reasons) + ".")
    clients = [row.client for row in preview.good if row.client is not None]
    if not clients:
        store.note_refused_step(actor, entity=Client.entity, entity_id=None, detail="import_clients:no_rows")
        raise ImportRefused("Nothing was imported: the file has no client the desk can add.")
    changes = store.add_clients(clients, actor=actor, detail=f"import {preview.sha256[:16]} ({preview.source})")
    return ImportOutcome(imported=len(clients), left_out_refused=len(refused),
                         left_out_duplicates=len(duplicates), changes=changes)


@dataclass(frozen=True)
class VisitImportOutcome:
    booked: int
    left_out_refused: int
    left_out_past: int
    changes: Changes


def preview_visit_import(store: Store, *, actor: Actor, path: Path, location: Location,
                         now: datetime) -> VisitPreview:
    """Read ``path`` as upcoming appointments at ``location`` and say which rows would be booked."""
    store.permit(actor, UseCase.IMPORT_VISITS, entity=Appointment.entity)
    clients = (ClientOnFile(id=client_id, name=" ".join(keys[0].split("|")[:2]), phone=keys[1], email=keys[2])
               for client_id, keys in store.client_match_keys())
    try:
        name, data = read_client_file(path)
        return build_visit_preview(name, data, location=location, now=now, services=store.services(),
                                   providers=store.providers(), clients=clients)
    except ImportFileProblem:
        store.note_refused_step(actor, entity=Appointment.entity, entity_id=None,
                                detail="import_visits:unreadable_file")
        raise


def import_visits(store: Store, *, actor: Actor, preview: VisitPreview,
                  leave_out_refused: bool = False) -> VisitImportOutcome:
    """Book every upcoming row of ``preview`` in one transaction, or none.

    A row that did not match, or whose slot is taken or blocked, stops the import unless the manager
    chose to leave such rows out; the rows whose slot is taken are named in the refusal.
    """
    store.permit(actor, UseCase.IMPORT_VISITS, entity=Appointment.entity)
    refused = list(preview.refused)
    if refused and not leave_out_refused:
        store.note_refused_step(actor, entity=Appointment.entity, entity_id=None, detail="import_visits:rows_left")
        raise ImportRefused(f"Nothing was booked: {len(refused):,} row{'s' if len(refused) != 1 else ''} cannot "
                            "be booked as they are (fix them in the file and open it again, or choose to leave "
                            "them out).")
    booked: list[Changes] = []
    clashing: list[int] = []
    try:
        with store.transaction():
            for row in preview.good:
                if row.visit is None:
                    continue
                visit = row.visit.model_copy(update={"booked_by": actor.user_id})
                try:
                    refuse_blocked_time(store, visit)
                    booked.append(store.book(visit, actor=actor))
                except (SlotTaken, TimeBlocked):  # refused before anything of it was written
                    clashing.append(row.line)
            if clashing and not (leave_out_refused and booked):
                raise _clash(clashing)  # rolls back every booking of the import
    except ImportRefused:
        store.note_refused_step(actor, entity=Appointment.entity, entity_id=None,
                                detail="import_visits:slots_taken")
        raise
    if not booked:
        store.note_refused_step(actor, entity=Appointment.entity, entity_id=None, detail="import_visits:no_rows")
        raise ImportRefused("Nothing was booked: the file has no upcoming appointment the desk can book.")
    return VisitImportOutcome(booked=len(booked), left_out_refused=len(refused) + len(clashing),
                              left_out_past=len(preview.past), changes=Changes.combined(booked))


def _clash(lines: list[int]) -> ImportRefused:
    shown = ", ".join(str(n) for n in lines[:20]) + (" and more" if len(lines) > 20 else "")
    return ImportRefused(f"Nothing was booked: the slot is already taken or blocked for row{'s' if len(lines) != 1 else ''} "
                         f"{shown}. Move those visits in the file, or choose to leave them out.")
