"""Clients: create, change field by field, open (audited), search as you type, export."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from medspa_desk.client_import import match_keys
from medspa_desk.protocol import ClientUpdate, MutationKind
from medspa_desk.records import AuditAction, AuditEvent, Client, phone_digits, utc_now
from medspa_desk.store.actor import Actor
from medspa_desk.store.base import OUTBOX_INSERT, StoreBase
from medspa_desk.store.bulk import CHUNK, loading_rows
from medspa_desk.store.changes import Changes
from medspa_desk.store.errors import InvalidChange
from medspa_desk.store.rows import CLIENTS
from medspa_desk.store.search import fts_query
from medspa_desk.store.views import ClientHit, ClientLabel

# Fields a desk edit may change; the rest belong to the record's identity or sync.
EDITABLE_CLIENT_FIELDS: frozenset[str] = frozenset(Client.model_fields) - {
    "id", "version", "seq", "updated_at"}


# One record's audit events, newest first, through the audit_by_record index (migration 0010).
CLIENT_UPDATES_SQL = ("SELECT event FROM audit WHERE json_extract(event, '$.entity') = ? "
                      "AND json_extract(event, '$.entity_id') = ? AND json_extract(event, '$.action') = ? "
                      "ORDER BY position DESC LIMIT ?")

# A two-letter prefix can match a tenth of the practice; ranking every match
# costs tens of milliseconds per keystroke. bm25 ranks the first candidates
# the index yields, enough for the desk to see the right person in the top 20
# once a third letter or a phone digit is typed.
RANKED_CANDIDATES = 400


def invalid_record_message(what: str, exc: ValidationError) -> str:
    """A validation failure as plain words: the field names and reasons, never the value typed."""
    reasons = []
    for error in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(part) for part in error.get("loc", ())) or what
        said = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
        reasons.append(f"{field.replace('_', ' ')}: {said}")
    return f"The {what} was not saved. " + "; ".join(reasons) + "."


def display_name(first: str, preferred: str, last: str) -> str:
    return f"{first} ({preferred}) {last}" if preferred and preferred != first else f"{first} {last}"


class ClientsMixin(StoreBase):
    def create_client(self, client: Client, *, actor: Actor) -> Changes:
        with self._write() as conn:
            self._upsert_new(conn, client)
            self._queue(conn, actor=actor, kind=MutationKind.CLIENT_CREATE, record=client,
                        payload=client)
            self._note(actor, AuditAction.CREATE, entity=Client.entity, entity_id=client.id)
        return Changes(clients=frozenset({client.id}))

    def add_clients(self, clients: Sequence[Client], *, actor: Actor, detail: str) -> Changes:
        """Add many new clients as one change (a client list imported): all are kept, or none.

        Each is queued for the server and audited as created (``detail`` says by which import);
        rows and the search index go in a chunk at a time (``store.bulk``), the outbox and audit
        rows with one statement each.
        """
        if not clients:
            return Changes()
        with self._write() as conn:
            ids = json.dumps([str(c.id) for c in clients])
            if conn.execute("SELECT EXISTS (SELECT 1 FROM clients WHERE id IN (SELECT value FROM json_each(?)))",
                            (ids,)).fetchone()[0]:
                raise InvalidChange("Some of these clients are already saved; nothing was imported.")
            with loading_rows(conn) as loader:
                for start in range(0, len(clients), CHUNK):
                    loader.load(CLIENTS, [CLIENTS.to_row(c) for c in clients[start:start + CHUNK]])
            conn.executemany(OUTBOX_INSERT, [
                self._outbox_row(actor=actor, kind=MutationKind.CLIENT_CREATE, record=c, payload=c)[1]
                for c in clients])
            self._audit.record_many(AuditEvent(
                actor_user_id=actor.user_id, device_id=actor.device_id, action=AuditAction.CREATE,
                entity=Client.entity, entity_id=c.id, detail=detail) for c in clients)
        return Changes(clients=frozenset(c.id for c in clients))

    def client_match_keys(self) -> Iterator[tuple[UUID, tuple[str, str, str]]]:
        """Each client on file's id, with name and birth date, phone (last ten digits) and email, lower case.

        What an import compares its rows with (``client_import.match_keys``); not audited, like the
        duplicate check when one client is added. Read from columns, never from the records.
        """
        for client_id, first, last, birth, phone, email in self._rows(
                "SELECT id, first_name, last_name, birth_date, phone, email FROM clients WHERE deleted = 0", ()):
            yield UUID(client_id), match_keys(first, last, birth, phone, email)

    def _upsert_new(self, conn: Any, client: Client) -> None:
        if conn.execute("SELECT 1 FROM clients WHERE id = ?", (str(client.id),)).fetchone():
            raise InvalidChange("This client is already saved; open the client to change them.")
        self._upsert(conn, CLIENTS, client)

    def update_client(self, client_id: UUID, changes: dict[str, Any], *, actor: Actor) -> Changes:
        """Change some of a client's fields; the new record is validated before anything is saved."""
        unknown = sorted(set(changes) - EDITABLE_CLIENT_FIELDS)
        if unknown:
            raise InvalidChange("These client fields cannot be changed here: "
                                + ", ".join(unknown) + ".")
        with self._write() as conn:
            current = self._load(Client, "clients", client_id, what="client")
            updated = apply_client_changes(current, changes)
            base = current.to_json()
            new = updated.to_json()
            changed = sorted(f for f in changes if base[f] != new[f])
            if not changed:
                return Changes()
            self._upsert(conn, CLIENTS, updated)
            self._queue(conn, actor=actor, kind=MutationKind.CLIENT_UPDATE, record=updated,
                        base_version=current.version,
                        payload=ClientUpdate(changes={f: new[f] for f in changed},
                                             base={f: base[f] for f in changed}))
            self._note(actor, AuditAction.UPDATE, entity=Client.entity, entity_id=client_id,
                       detail="fields: " + ",".join(changed))
        return Changes(clients=frozenset({client_id}))

    def client(self, client_id: UUID, *, actor: Actor) -> Client:
        """Open one client's record; the view is written to the audit trail first."""
        record = self._load(Client, "clients", client_id, what="client")
        self._audited_view(actor, entity=Client.entity, entity_id=client_id, detail="record")
        return record

    def client_updates(self, client_id: UUID, *, limit: int = 20) -> list[AuditEvent]:
        """This desk's audit events changing the client's details, newest first (field names only, no values)."""
        rows = self._rows(CLIENT_UPDATES_SQL, (Client.entity, str(client_id), AuditAction.UPDATE.value,
                                               max(1, min(limit, 500))))
        return [AuditEvent.model_validate_json(event) for (event,) in rows]

    def possible_duplicates(self, client: Client, *, limit: int = 5) -> list[tuple[ClientHit, tuple[str, ...]]]:
        """Other clients on file with ``client``'s name and birth date, phone (last ten digits) or email.

        Each comes with what matched ("name and date of birth", "phone", "email"). Not audited, like
        search hits: a person at the desk chooses between them before anything is saved.
        """
        digits = phone_digits(client.phone)[-10:] if len(phone_digits(client.phone)) >= 7 else ""
        email = client.email.strip().lower()
        rows = self._rows(
            "SELECT id, first_name, preferred_name, last_name, birth_date, phone, same_name, same_phone, same_email "
            "FROM (SELECT *, (lower(first_name) = lower(?) AND lower(last_name) = lower(?) AND birth_date = ?) "
            "      AS same_name, (? != '' AND substr(phone_digits, -10) = ?) AS same_phone, "
            "      (? != '' AND lower(email) = ?) AS same_email FROM clients WHERE deleted = 0 AND id != ?) "
            "WHERE same_name OR same_phone OR same_email ORDER BY same_name DESC, last_name, first_name LIMIT ?",
            (client.first_name.strip(), client.last_name.strip(), client.birth_date.isoformat(), digits, digits,
             email, email, str(client.id), max(1, min(limit, 20))))
        found = []
        for cid, first, preferred, last, birth, phone, same_name, same_phone, same_email in rows:
            why = tuple(what for what, matched in (("name and date of birth", same_name), ("phone", same_phone),
                                                   ("email", same_email)) if matched)
            found.append((ClientHit(id=UUID(cid), display_name=display_name(first, preferred, last),
                                    birth_date=date.fromisoformat(birth), phone=phone), why))
        return found

    def client_labels(self, client_ids: Iterable[UUID]) -> dict[UUID, ClientLabel]:
        """Names (and whether alerts exist) of these clients, for the schedule; not audited.

        Like search hits, labels carry only what the desk needs to tell clients
        apart on the schedule; opening a record stays audited. Ids not stored are
        left out. Read from columns; only the alerts flag looks into the record.
        """
        ids = json.dumps(list(dict.fromkeys(str(i) for i in client_ids)))
        rows = self._rows("SELECT id, first_name, last_name, preferred_name, "
                          "coalesce(json_extract(data, '$.alerts'), '') != '' FROM clients "
                          "WHERE id IN (SELECT value FROM json_each(?))", (ids,))
        return {UUID(cid): ClientLabel(id=UUID(cid), first_name=first, last_name=last,
                                       preferred_name=preferred, has_alerts=bool(alerts))
                for cid, first, last, preferred, alerts in rows}

    def search_clients(self, text: str, *, limit: int = 20) -> list[ClientHit]:
        """Clients matching every word typed as a prefix, best match first.

        Not audited per keystroke: the hits carry only what the desk needs to
        pick the right person; opening that person is audited.
        """
        query = fts_query(text)
        if query is None:
            return []
        rows = self._rows(
            "SELECT c.id, c.first_name, c.preferred_name, c.last_name, c.birth_date, c.phone "
            "FROM (SELECT rowid, rank FROM (SELECT rowid, rank FROM client_search "
            "      WHERE client_search MATCH ? LIMIT ?) ORDER BY rank LIMIT ?) AS hit "
            "JOIN clients AS c ON c.rowid = hit.rowid ORDER BY hit.rank",
            (query, RANKED_CANDIDATES, max(1, min(limit, 200))))
        return [ClientHit(id=UUID(cid), display_name=display_name(first, preferred, last),
                          birth_date=date.fromisoformat(birth), phone=phone)
                for cid, first, preferred, last, birth, phone in rows]


def apply_client_changes(current: Client, changes: dict[str, Any]) -> Client:
    """``current`` with ``changes`` applied, validated, one version on."""
    data = {**current.to_json(), **changes, "version": current.version + 1,
            "updated_at": utc_now().isoformat()}
    try:
        return Client.model_validate(data)
    except ValidationError as exc:
        raise InvalidChange(invalid_record_message("client", exc)) from None
