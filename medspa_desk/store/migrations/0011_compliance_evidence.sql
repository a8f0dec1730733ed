-- Schema 11: the practice's compliance evidence (issue 18), synced like every record: disclosures and
-- right-of-access requests (filed under a client), the risk assessment, business associates, policy
-- acknowledgments, incidents and the server's restore drills. ``client_id`` is empty for the
-- practice-wide kinds; the client's accounting finds its disclosures by it.
CREATE TABLE evidence (
    id TEXT PRIMARY KEY,
    entity TEXT NOT NULL,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    client_id TEXT,
    data TEXT NOT NULL
);
CREATE INDEX evidence_by_kind ON evidence (entity);
CREATE INDEX evidence_by_client ON evidence (client_id) WHERE client_id IS NOT NULL;
