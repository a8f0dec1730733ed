-- Schema 3: the lot-recall index and before/after photos.
--
-- treatment_lots has one row per product and lot used in a treatment. It is
-- kept by triggers on treatments, so every way a treatment is written (desk
-- save, bulk import, a pulled change) indexes it, and it is filled from the
-- treatments already stored. Lots compare without regard to case.
CREATE TABLE treatment_lots (
    treatment_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    lot TEXT NOT NULL COLLATE NOCASE,
    at INTEGER NOT NULL           -- unix seconds, UTC (the treatment's performed_at)
);
-- Covering: a recall reads only the index, never the table's pages.
CREATE INDEX treatment_lots_by_lot ON treatment_lots (lot, at, client_id, treatment_id, product_id);
CREATE INDEX treatment_lots_by_product ON treatment_lots (product_id, at, client_id, treatment_id, lot);
CREATE INDEX treatment_lots_by_treatment ON treatment_lots (treatment_id);

CREATE TRIGGER treatments_lots_insert AFTER INSERT ON treatments
BEGIN
    INSERT INTO treatment_lots (treatment_id, client_id, product_id, lot, at)
    SELECT DISTINCT new.id, new.client_id, json_extract(u.value, '$.product_id'),
           json_extract(u.value, '$.lot'), new.at
    FROM json_each(new.data, '$.products') AS u;
END;
CREATE TRIGGER treatments_lots_update AFTER UPDATE ON treatments
BEGIN
    DELETE FROM treatment_lots WHERE treatment_id = old.id;
    INSERT INTO treatment_lots (treatment_id, client_id, product_id, lot, at)
    SELECT DISTINCT new.id, new.client_id, json_extract(u.value, '$.product_id'),
           json_extract(u.value, '$.lot'), new.at
    FROM json_each(new.data, '$.products') AS u;
END;
CREATE TRIGGER treatments_lots_delete AFTER DELETE ON treatments
BEGIN
    DELETE FROM treatment_lots WHERE treatment_id = old.id;
END;

INSERT INTO treatment_lots (treatment_id, client_id, product_id, lot, at)
SELECT DISTINCT t.id, t.client_id, json_extract(u.value, '$.product_id'),
       json_extract(u.value, '$.lot'), t.at
FROM treatments AS t, json_each(t.data, '$.products') AS u;

-- Before/after photos: the image bytes live only inside this encrypted file,
-- never as loose files. Local to the workstation (not synced).
CREATE TABLE photos (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    treatment_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('before', 'after')),
    media_type TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    image BLOB NOT NULL
);
CREATE INDEX photos_by_treatment ON photos (treatment_id, added_at);
