-- Schema 13: the waitlist (issue 16 item 8).
--
-- A client waiting for a service in a window of days and times, with any provider or a named one.
-- Synced like the other records (waitlist.add, waitlist.close). A cancellation or a move asks
-- which entries still wait at the location for the freed time: the status column keeps that
-- question to the entries still waiting.
CREATE TABLE waitlist (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    client_id TEXT NOT NULL,
    location_id TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX waitlist_by_location ON waitlist (location_id, status);
CREATE INDEX waitlist_by_client ON waitlist (client_id);
