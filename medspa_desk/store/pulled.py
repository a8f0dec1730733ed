"""A pulled page of server changes, checked and turned into rows before the store sees it.

Pure work, no database and no network: JSON in, rows out. That is most of a
first sync's CPU time (parsing, validating every record, writing its row), so
the sync engine can do it on a helper process while the desk's own process
keeps its interpreter lock for the window (see
:mod:`medspa_desk.sync.page_parser`). What comes out pickles cheaply: tuples of
text and numbers.

Each record of the page appears once, as what it ends as: a row (see
:mod:`medspa_desk.store.rows`) or ``None`` for a deletion. The store applies a
:class:`PulledPage` in one transaction with its cursor
(:meth:`medspa_desk.store.Store.apply_pulled`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from medspa_desk.protocol import Change, PullResponse
from medspa_desk.records import SYNCED_RECORDS, Record
from medspa_desk.store.errors import InvalidServerData
from medspa_desk.store.rows import TABLE_FOR_ENTITY

# (entity, record id as text, row, or None when the server deleted the record)
PulledRecord = tuple[str, str, tuple[Any, ...] | None]


@dataclass(frozen=True, slots=True)
class PulledPage:
    cursor: int  # the seq to ask after next time
    has_more: bool
    remaining: int  # changes after ``cursor`` still to fetch
    server_time: datetime
    size: int  # changes in the page as sent, for progress
    lowest_seq: int | None  # for the engine's order check; None for an empty page
    records: list[PulledRecord]


class UnreadablePage(ValueError):
    """The answer is not a pull page at all (the engine reports it as server trouble)."""


def read_page(content: bytes) -> PulledPage:
    """Parse a pull page's JSON and turn its changes into rows, checking every record.

    Raises :class:`UnreadablePage` when the answer is not a pull page and
    :class:`~medspa_desk.store.errors.InvalidServerData` when a record in it does not validate.
    """
    try:
        data = json.loads(content)
        if not isinstance(data, dict) or not isinstance(data.get("changes"), list):
            raise UnreadablePage("not a pull page")
        items = data["changes"]
        head = PullResponse.model_validate({**data, "changes": []})
        records, lowest = _rows(map(_envelope, items))
    except UnreadablePage:
        raise
    except (ValidationError, ValueError, TypeError):
        raise UnreadablePage("not a pull page") from None
    return PulledPage(cursor=head.cursor, has_more=head.has_more, remaining=head.remaining,
                      server_time=head.server_time, size=len(items), lowest_seq=lowest, records=records)


def _envelope(item: Any) -> tuple[Change, Any]:
    """A change's envelope checked by the protocol's own model, and its record's data unchecked.

    The record is validated once, by its own model, on the way to its row.
    """
    if not isinstance(item, dict):
        raise UnreadablePage("not a pull page")
    return Change.model_validate({**item, "data": None}), item.get("data")


def pulled_from_changes(changes: Iterable[Change], *, cursor: int) -> PulledPage:
    """A page from changes already parsed (tests, and callers that hold :class:`Change` models)."""
    changes = list(changes)
    records, lowest = _rows((change, change.data) for change in changes)
    return PulledPage(cursor=cursor, has_more=False, remaining=0, server_time=datetime.min,
                      size=len(changes), lowest_seq=lowest, records=records)


def _rows(changes: Iterable[tuple[Change, dict[str, Any] | None]]) -> tuple[list[PulledRecord], int | None]:
    """The last change of each record as its row, and the page's lowest seq.

    Raises before anything is written when a change is of an unknown kind, empty or invalid.
    """
    # A later change of a record replaces an earlier one of the page (in the earlier one's place).
    latest: dict[tuple[str, int], PulledRecord] = {}
    lowest: int | None = None
    for change, data in changes:
        if lowest is None or change.seq < lowest:
            lowest = change.seq
        entity = change.entity
        if entity not in SYNCED_RECORDS:
            raise InvalidServerData(f"The server sent a kind of record this version does "
                                    f"not know ({entity[:40]}). Update Medspa Desk.")
        key = (entity, change.entity_id.int)  # an integer key: hashing a UUID runs Python code
        if change.deleted:
            latest[key] = (entity, str(change.entity_id), None)
            continue
        if data is None:
            raise InvalidServerData(f"The server sent an empty change for record "
                                    f"{change.entity_id}. Sync will retry.")
        record = server_record(entity, change.entity_id, data)
        row = TABLE_FOR_ENTITY[entity].to_row(record)
        latest[key] = (entity, row[0], row)
    return list(latest.values()), lowest


def server_record(entity: str, entity_id: UUID, data: dict[str, Any] | None) -> Record:
    """The server's ``data`` for a record, validated by its model; it must carry the change's id."""
    try:
        record = SYNCED_RECORDS[entity].from_stored(data or {})
    except ValidationError:
        raise InvalidServerData(f"The server sent a {entity} record ({entity_id}) that is not "
                                "valid; nothing from this sync page was saved. Sync will "
                                "retry; if it keeps failing, contact support.") from None
    if record.id != entity_id:
        raise InvalidServerData(f"The server sent a {entity} record under the wrong id "
                                f"({entity_id}); nothing from this sync page was saved.")
    return record
