-- Schema 15: photos that sync (issue 16 item 14).
--
-- photo_records holds each photo's synced record (what it is, never its bytes), made here or pulled.
-- The bytes stay in photos (schema 3), inside this encrypted file; a pulled photo has a record
-- and no bytes until this desk has fetched them.
-- photo_uploads lists the photos whose bytes the server does not hold whole yet; the sync engine
-- uploads them in chunks before it pushes, and drops the row when the server says it has them all.
-- photo_parts holds the chunks of a photo being fetched, so a cut download resumes where it
-- stopped; they are joined into photos and deleted when the last one arrives. Never a loose file.
CREATE TABLE photo_records (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    client_id TEXT NOT NULL,
    treatment_id TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX photo_records_by_treatment ON photo_records (treatment_id);
CREATE TABLE photo_uploads (
    photo_id TEXT PRIMARY KEY,
    refused TEXT NOT NULL DEFAULT ''  -- the server's words when it refused the bytes (not sent again)
);
CREATE TABLE photo_parts (
    photo_id TEXT NOT NULL,
    at_byte INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (photo_id, at_byte)
);
