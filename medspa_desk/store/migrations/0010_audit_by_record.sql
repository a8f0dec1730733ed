-- Schema 10: the audit trail found by record, for the client profile's "who changed what".
--
-- Every opening of a client's record is audited, so the trail grows by thousands of events a week;
-- reading one client's changes scanned all of them (135 ms at 200,000 events, growing). The index is
-- on the record's id inside the event, the same expression the profile's query uses.
CREATE INDEX audit_by_record ON audit (json_extract(event, '$.entity_id'));
