-- Schema 1: every synced record as its JSON (the truth) plus the columns we
-- query on (derived from it on every write). Ids are UUID text.

-- Locations, providers, shifts, rooms, services, products, consent templates,
-- users: small tables read whole, so one table keyed by entity.
CREATE TABLE reference (
    id TEXT PRIMARY KEY,
    entity TEXT NOT NULL,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX reference_by_entity ON reference (entity);

CREATE TABLE clients (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    preferred_name TEXT NOT NULL,
    birth_date TEXT NOT NULL,      -- ISO yyyy-mm-dd
    phone TEXT NOT NULL,           -- as entered, for display
    phone_digits TEXT NOT NULL,
    email TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL
);

-- Client search, as-you-type: rowid = clients.rowid; kept by the triggers
-- below, so every way a client is written (desk, import, pull) indexes it.
-- Phone numbers are indexed whole and by their last 10, 7 and 4 digits; the
-- birth date as ISO, yyyymmdd and mmddyyyy, so "555", "4567", "3/14/1985"
-- and "1985-03-14" all find the client. Deleted clients are not indexed.
CREATE VIRTUAL TABLE client_search USING fts5 (
    first_name, last_name, preferred_name, phone, email, birth,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3 4'
);
INSERT INTO client_search (client_search, rank) VALUES ('rank', 'bm25(10.0, 10.0, 8.0, 4.0, 2.0, 3.0)');

-- The one definition of what the search index holds for a client.
CREATE VIEW client_search_source AS
SELECT rowid, id, deleted, first_name, last_name, preferred_name,
       phone_digits || ' ' || substr(phone_digits, -10) || ' '
           || substr(phone_digits, -7) || ' ' || substr(phone_digits, -4) AS phone,
       email,
       birth_date || ' ' || replace(birth_date, '-', '') || ' '
           || substr(birth_date, 6, 2) || substr(birth_date, 9, 2) || substr(birth_date, 1, 4) AS birth
FROM clients;

-- A bulk load sets the 'bulk_load' row (inside its own transaction) and
-- indexes whole chunks at once: FTS5 flushes its pending terms at every
-- statement savepoint, which a trigger makes per row (10x slower).
CREATE TRIGGER clients_search_insert AFTER INSERT ON clients
WHEN new.deleted = 0 AND NOT EXISTS (SELECT 1 FROM sync_state WHERE name = 'bulk_load')
BEGIN
    INSERT INTO client_search (rowid, first_name, last_name, preferred_name, phone, email, birth)
    SELECT rowid, first_name, last_name, preferred_name, phone, email, birth
    FROM client_search_source WHERE rowid = new.rowid;
END;
CREATE TRIGGER clients_search_update AFTER UPDATE ON clients
WHEN NOT EXISTS (SELECT 1 FROM sync_state WHERE name = 'bulk_load')
BEGIN
    DELETE FROM client_search WHERE rowid = old.rowid;
    INSERT INTO client_search (rowid, first_name, last_name, preferred_name, phone, email, birth)
    SELECT rowid, first_name, last_name, preferred_name, phone, email, birth
    FROM client_search_source WHERE rowid = new.rowid AND deleted = 0;
END;
CREATE TRIGGER clients_search_delete AFTER DELETE ON clients
BEGIN
    DELETE FROM client_search WHERE rowid = old.rowid;
END;

CREATE TABLE appointments (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    location_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    room_id TEXT,
    status TEXT NOT NULL,
    holds_slot INTEGER NOT NULL,
    starts_at INTEGER NOT NULL,      -- unix seconds, UTC
    blocked_start INTEGER NOT NULL,  -- buffers included
    blocked_end INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX appointments_by_location_day ON appointments (location_id, starts_at);
CREATE INDEX appointments_by_client ON appointments (client_id, starts_at);

CREATE TABLE intakes (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    client_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX intakes_by_client ON intakes (client_id, at);

CREATE TABLE consents (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    client_id TEXT NOT NULL,
    template_key TEXT NOT NULL,
    at INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX consents_by_client ON consents (client_id, at);

CREATE TABLE treatments (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    client_id TEXT NOT NULL,
    signed INTEGER NOT NULL,
    at INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX treatments_by_client ON treatments (client_id, at);

-- Writes the server has not acknowledged, in the order they were made.
CREATE TABLE outbox (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    data TEXT NOT NULL  -- the protocol.Mutation as JSON
);
CREATE INDEX outbox_by_entity ON outbox (entity_id);

CREATE TABLE sync_state (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE conflicts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    open INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX conflicts_open ON conflicts (open, created_at);

-- The audit trail: append-only, each row chained to the one before.
CREATE TABLE audit (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    event TEXT NOT NULL,      -- canonical AuditEvent JSON (ids only)
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: events cannot be changed');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: events cannot be deleted');
END;

-- Which audit events the server has stored (the audit table itself is never updated).
CREATE TABLE audit_sent (
    id TEXT PRIMARY KEY
);
