-- Schema 6: the client's postal address as a column, filled from the record.
--
-- A lot recall lists every client who received a lot with their phone, email
-- and address. Phone and email were columns already; the address was read
-- out of each client's JSON (json_extract parses the whole record), which
-- cost more than the rest of a 4,000-client recall together. rows.py writes
-- the column from the record on every write, like the other derived columns.
ALTER TABLE clients ADD COLUMN address TEXT NOT NULL DEFAULT '';
UPDATE clients SET address = coalesce(json_extract(data, '$.address'), '');
