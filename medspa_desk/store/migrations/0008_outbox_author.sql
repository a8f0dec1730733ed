-- Schema 8: every outbox entry names the person who made the change.
--
-- A workstation is shared: when one person works offline and another signs in
-- online later, the first person's queued changes must not reach the server
-- under the second person's session (the server attributes a push to the
-- signed-in caller). The engine pushes only the signed-in person's entries:
-- the others wait, counted as pending, until their author signs in here.
--
-- Entries queued before this schema are given their author from the audit
-- trail: every queued change was written in one transaction with its audit
-- event (same record, a write action, the acting user), a few microseconds
-- apart: the nearest such event within two seconds names the author. An entry
-- with no such event keeps NULL: "author unknown", pushed under whoever signs
-- in next, as before.
ALTER TABLE outbox ADD COLUMN author_user_id TEXT;

CREATE TEMP TABLE outbox_write_events AS
SELECT json_extract(a.event, '$.entity_id') AS entity_id,
       json_extract(a.event, '$.actor_user_id') AS actor,
       julianday(json_extract(a.event, '$.at')) AS at
FROM audit AS a
WHERE json_extract(a.event, '$.action') IN ('create', 'update', 'sign', 'delete')
  AND json_extract(a.event, '$.actor_user_id') IS NOT NULL
  AND json_extract(a.event, '$.entity_id') IN (SELECT entity_id FROM outbox)
-- LIMIT 0 when nothing is queued: a synced desk reads none of its audit trail here.
LIMIT (CASE WHEN EXISTS (SELECT 1 FROM outbox) THEN -1 ELSE 0 END);

-- With min(), SQLite takes the bare column (actor) from the row holding the minimum.
CREATE TEMP TABLE outbox_authors AS
SELECT o.position AS position, e.actor AS actor,
       min(abs(e.at - julianday(json_extract(o.data, '$.created_at')))) AS gap
FROM outbox AS o JOIN outbox_write_events AS e ON e.entity_id = o.entity_id
GROUP BY o.position;

UPDATE outbox SET author_user_id = (
    SELECT a.actor FROM outbox_authors AS a
    WHERE a.position = outbox.position AND a.gap * 86400.0 < 2.0);

DROP TABLE temp.outbox_authors;
DROP TABLE temp.outbox_write_events;

CREATE INDEX outbox_by_author ON outbox (author_user_id, position);
