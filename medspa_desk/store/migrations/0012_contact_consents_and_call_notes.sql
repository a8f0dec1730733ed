-- Schema 11: a client's communication preferences (one row per entry, never changed) and the calls
-- taken at the desk (open until followed up). Both hold PHI: like every table, inside the SQLCipher file.
CREATE TABLE contact_consents (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    client_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    purpose TEXT NOT NULL,
    at INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX contact_consents_by_client ON contact_consents (client_id, channel, purpose, at);

CREATE TABLE call_notes (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    client_id TEXT NOT NULL,  -- '' for a new caller not on file
    open INTEGER NOT NULL,
    due INTEGER,
    at INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX call_notes_open ON call_notes (open, due, at);
CREATE INDEX call_notes_by_client ON call_notes (client_id, at);
