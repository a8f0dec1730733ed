"""Lot recall: every client who received a lot, or a product within a date range.

Reads the ``treatment_lots`` index (schema 3, kept by triggers on
``treatments``) and the clients' contact columns (schema 6). A search shows
contact details, so it is audited as a view; an export is audited as an
export by :func:`record_recall_export`. Events carry counts, never names.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NamedTuple
from uuid import UUID

from medspa_desk.records import AuditAction
from medspa_desk.store.actor import Actor
from medspa_desk.store.base import no_cycle_collection
from medspa_desk.store.errors import InvalidChange

RECALL_ENTITY = "lot_recall"


@dataclass(frozen=True)
class RecallCriteria:
    """A lot (optionally of one product), or a product between two instants."""

    lot: str = ""
    product_id: UUID | None = None
    since: datetime | None = None
    until: datetime | None = None

    def checked(self) -> RecallCriteria:
        lot = " ".join(self.lot.split())
        if not lot and self.product_id is None:
            raise InvalidChange("Enter a lot number, or pick a product and a date range.")
        for moment in (self.since, self.until):
            if moment is not None and moment.tzinfo is None:
                raise InvalidChange("Recall dates must carry a time zone.")
        if self.since and self.until and self.since >= self.until:
            raise InvalidChange("The start of the date range must be before its end.")
        return RecallCriteria(lot=lot, product_id=self.product_id, since=self.since, until=self.until)


# Uses and hits are named tuples holding ids as the stored text: a recall of a
# busy lot makes thousands of each, and a frozen dataclass plus a parsed UUID
# per id cost more than both queries together. The ids parse when asked for.


class RecallUse(NamedTuple):
    """One use of the lot or product."""

    treatment_key: str  # the treatment's id as stored; ``treatment_id`` parses it
    product_id: UUID
    lot: str
    performed_at: datetime

    @property
    def treatment_id(self) -> UUID:
        return UUID(self.treatment_key)


class RecallHit(NamedTuple):
    """One client to contact, with every matching use (oldest first)."""

    client_key: str  # the client's id as stored; ``client_id`` parses it
    first_name: str
    last_name: str
    birth_date: str  # ISO yyyy-mm-dd as stored: two clients of one name are told apart by it
    phone: str
    email: str
    address: str
    uses: tuple[RecallUse, ...]

    @property
    def client_id(self) -> UUID:
        return UUID(self.client_key)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def born(self) -> date | None:
        try:
            return date.fromisoformat(self.birth_date)
        except ValueError:
            return None


def _where(criteria: RecallCriteria) -> tuple[str, list[Any]]:
    # Fixed fragments only; the values go in as parameters.
    clauses: list[str] = []
    params: list[str | int] = []
    if criteria.lot:
        clauses.append("tl.lot = ?")
        params.append(criteria.lot)
    if criteria.product_id is not None:
        clauses.append("tl.product_id = ?")
        params.append(str(criteria.product_id))
    if criteria.since is not None:
        clauses.append("tl.at >= ?")
        params.append(int(criteria.since.timestamp()))
    if criteria.until is not None:
        clauses.append("tl.at < ?")
        params.append(int(criteria.until.timestamp()))
    return " AND ".join(clauses), params


def find_recall_clients(store: Any, criteria: RecallCriteria, *, actor: Actor) -> list[RecallHit]:
    """Clients who received the lot or product, by last and first name; audited as a view.

    One read: the uses from ``treatment_lots`` (its covering index) joined to
    the clients' contact columns (schema 6 made the address a column, so no
    client's JSON is parsed).
    """
    if not isinstance(actor, Actor):
        raise TypeError("a recall search needs the acting user (an Actor)")
    criteria = criteria.checked()
    where, params = _where(criteria)
    sql = ("SELECT tl.client_id, tl.treatment_id, tl.product_id, tl.lot, tl.at, c.first_name, "  # noqa: S608 (fixed fragments)
           "c.last_name, c.birth_date, c.phone, c.email, c.address "
           f"FROM treatment_lots AS tl JOIN clients AS c ON c.id = tl.client_id WHERE {where} "
           "ORDER BY tl.at")
    with no_cycle_collection():
        hits = _hits(store.select(sql, params))
    store.note(actor, AuditAction.VIEW, entity=RECALL_ENTITY, entity_id=criteria.product_id,
               detail=f"clients: {len(hits)}")
    return hits


def _hits(rows: list[Any]) -> list[RecallHit]:
    """Uses grouped by client, clients by last and first name."""
    uses: dict[str, list[RecallUse]] = defaultdict(list)
    contacts: dict[str, tuple[str, str, str, str, str, str]] = {}
    products: dict[str, UUID] = {}  # a handful of products, named thousands of times
    for client_key, treatment_key, product_key, lot, at, *contact in rows:
        product = products.get(product_key)
        if product is None:
            product = products[product_key] = UUID(product_key)
        uses[client_key].append(RecallUse(treatment_key, product, lot, datetime.fromtimestamp(at, UTC)))
        contacts[client_key] = contact
    order = sorted(contacts, key=lambda k: (contacts[k][1].casefold(), contacts[k][0].casefold(), k))
    return [RecallHit(key, *contacts[key], tuple(uses[key])) for key in order]


def record_recall_export(store: Any, *, actor: Actor, clients: int, file_format: str,
                         outcome: str = "ok") -> None:
    """The audit line for a recall list written to a file (how many, which format)."""
    store.note(actor, AuditAction.EXPORT, entity=RECALL_ENTITY, outcome=outcome,
               detail=f"clients: {clients}, format: {file_format}")


def lots_used(store: Any, product_id: UUID, *, limit: int = 8) -> list[str]:
    """The lots of a product charted most recently here (for the lot field's suggestions)."""
    rows = store.select("SELECT lot, max(at) AS last FROM treatment_lots WHERE product_id = ? "
                       "GROUP BY lot ORDER BY last DESC LIMIT ?", (str(product_id), max(1, limit)))
    return [lot for lot, _last in rows]
