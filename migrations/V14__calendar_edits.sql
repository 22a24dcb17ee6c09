-- Calendar changes may now also be edits and deletions of existing events ("this event" or the
-- whole series). SQLite cannot widen a CHECK in place, so the queue is rebuilt: every waiting
-- change is copied forward first.
CREATE TABLE calendar_ops_v14 (
    seq         INTEGER PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES gmail_accounts_secure(id) ON DELETE CASCADE,
    calendar_id TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('insert', 'rsvp', 'patch', 'delete')),
    -- JSON: the event to create, the answer to give, or the fields to change.
    payload     TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  INTEGER NOT NULL
) STRICT;
INSERT INTO calendar_ops_v14 (seq, account_id, calendar_id, event_id, kind, payload, state, attempts, last_error, created_at)
    SELECT seq, account_id, calendar_id, event_id, kind, payload, state, attempts, last_error, created_at FROM calendar_ops;
DROP TABLE calendar_ops;
ALTER TABLE calendar_ops_v14 RENAME TO calendar_ops;
CREATE INDEX calendar_ops_by_account ON calendar_ops(account_id, seq);
