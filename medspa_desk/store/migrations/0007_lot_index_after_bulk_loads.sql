-- Schema 7: a bulk load indexes treatment lots once, after its rows are in.
--
-- The schema-3 triggers ran json_each over every treatment's JSON as it was
-- inserted: during a bulk load (the first sync, an import) that made each
-- treatment insert cost about three appointment inserts. Like the client
-- search triggers, they now stand aside while the 'bulk_load' row exists,
-- and the loader (store/bulk.py) fills treatment_lots for the treatments it
-- loaded in one INSERT ... SELECT before its transaction commits. Every other
-- write (a desk save, a single pulled change) is indexed by the triggers as before.
DROP TRIGGER treatments_lots_insert;
CREATE TRIGGER treatments_lots_insert AFTER INSERT ON treatments
WHEN NOT EXISTS (SELECT 1 FROM sync_state WHERE name = 'bulk_load')
BEGIN
    INSERT INTO treatment_lots (treatment_id, client_id, product_id, lot, at)
    SELECT DISTINCT new.id, new.client_id, json_extract(u.value, '$.product_id'),
           json_extract(u.value, '$.lot'), new.at
    FROM json_each(new.data, '$.products') AS u;
END;

DROP TRIGGER treatments_lots_update;
CREATE TRIGGER treatments_lots_update AFTER UPDATE ON treatments
WHEN NOT EXISTS (SELECT 1 FROM sync_state WHERE name = 'bulk_load')
BEGIN
    DELETE FROM treatment_lots WHERE treatment_id = old.id;
    INSERT INTO treatment_lots (treatment_id, client_id, product_id, lot, at)
    SELECT DISTINCT new.id, new.client_id, json_extract(u.value, '$.product_id'),
           json_extract(u.value, '$.lot'), new.at
    FROM json_each(new.data, '$.products') AS u;
END;
