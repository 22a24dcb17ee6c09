-- Calendar changes made here, waiting to reach Google (user data: kept across upgrades). New
-- events get their Google id here (Calendar accepts client ids), so a repeated insert is
-- recognised (409) instead of creating a second event.
CREATE TABLE calendar_ops (
    seq         INTEGER PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES gmail_accounts_secure(id) ON DELETE CASCADE,
    calendar_id TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('insert', 'rsvp')),
    -- JSON: the event to create, or the answer to give.
    payload     TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX calendar_ops_by_account ON calendar_ops(account_id, seq);
