-- Task lists can now be renamed, deleted and cleared of completed tasks from here, so the
-- queue takes three more kinds. SQLite cannot widen a CHECK in place: the queue is rebuilt,
-- every waiting change (with its lease and back-off) copied forward first.
CREATE TABLE task_ops_v18 (
    seq         INTEGER PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES gmail_accounts_secure(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('insert_list', 'insert', 'patch', 'move', 'delete',
                                              'rename_list', 'delete_list', 'clear_list')),
    -- The task (or list, for the list kinds) by local id.
    local_id    TEXT NOT NULL,
    -- JSON: the fields of a patch, the destination of a move, the Google id of a deleted list.
    payload     TEXT NOT NULL DEFAULT '{}',
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    sent_at     INTEGER,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER,
    not_before  INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO task_ops_v18 (seq, account_id, kind, local_id, payload, state, attempts, sent_at, last_error, created_at, lease_owner, lease_until, not_before)
    SELECT seq, account_id, kind, local_id, payload, state, attempts, sent_at, last_error, created_at, lease_owner, lease_until, not_before FROM task_ops;
DROP TABLE task_ops;
ALTER TABLE task_ops_v18 RENAME TO task_ops;
CREATE INDEX task_ops_by_account ON task_ops(account_id, seq);
