-- Google Tasks, local-first: lists, task fields Google has, the durable queue of edits waiting
-- to reach Google, and when each field was last edited here (for the conflict rule in
-- src/sync/tasks.rs). All user data: kept across every upgrade.

CREATE TABLE task_lists (
    local_id    TEXT PRIMARY KEY NOT NULL,
    account_id  TEXT NOT NULL REFERENCES gmail_accounts_secure(id) ON DELETE CASCADE,
    google_id   TEXT,
    title       TEXT NOT NULL,
    -- Google's `updated` (RFC 3339) and etag as last seen.
    updated     TEXT,
    etag        TEXT,
    -- The list Google calls @default (the first one tasklists.list returns).
    is_default  INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    -- Pull cursor: tasks.list updatedMin for the next incremental pull.
    updated_min TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (account_id, google_id)
) STRICT;

-- A task without a list belongs to its account's default list.
ALTER TABLE tasks ADD COLUMN list_local_id TEXT REFERENCES task_lists(local_id) ON DELETE CASCADE;
ALTER TABLE tasks ADD COLUMN parent_local_id TEXT;
-- Google's position string (orders siblings); local tasks sort after by creation.
ALTER TABLE tasks ADD COLUMN position TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN server_updated TEXT;
ALTER TABLE tasks ADD COLUMN etag TEXT;
ALTER TABLE tasks ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1));
-- Deleted here and waiting for the delete to reach Google (then the row goes).
ALTER TABLE tasks ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1));
CREATE INDEX tasks_by_list ON tasks(list_local_id, parent_local_id, position);

CREATE TABLE task_ops (
    seq         INTEGER PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES gmail_accounts_secure(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('insert_list', 'insert', 'patch', 'move', 'delete')),
    -- The task (or list, for insert_list) by local id.
    local_id    TEXT NOT NULL,
    -- JSON: the fields of a patch, the destination of a move.
    payload     TEXT NOT NULL DEFAULT '{}',
    -- 'sending' from just before the request until its answer is recorded: after a crash in
    -- between, the next push first checks whether Google already has it.
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    sent_at     INTEGER,
    last_error  TEXT,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX task_ops_by_account ON task_ops(account_id, seq);

CREATE TABLE task_dirty_fields (
    local_id   TEXT NOT NULL REFERENCES task_id_map(local_id) ON DELETE CASCADE,
    field      TEXT NOT NULL,
    -- Unix milliseconds of the local edit, compared with Google's `updated`.
    edited_ms  INTEGER NOT NULL,
    PRIMARY KEY (local_id, field)
) STRICT, WITHOUT ROWID;
