-- Schema 9: audit events the server refused are kept for the manager and no longer block newer ones.
--
-- The server keeps a desk's event only when its actor is the caller, nobody, or someone who has
-- signed in on this workstation before. An event it refused stayed "unsent" at the head of the
-- queue and went again with every push; after 2,000 of them no newer event ever left the desk.
-- A refused event is now noted here (and passes the sent high-water mark), so the next push
-- starts after it; the event itself stays in the audit trail, which is never changed.
CREATE TABLE audit_refused (
    id TEXT PRIMARY KEY,
    refused_at TEXT NOT NULL
);
