-- Tasks made on this computer (from AI on mail now; the Tasks work adds Google sync), mail drafts
-- (user data: durable, kept across every upgrade), and mail embeddings for "ask your mailbox"
-- (derived: recomputed from the cache when missing).

CREATE TABLE tasks (
    local_id          TEXT PRIMARY KEY NOT NULL REFERENCES task_id_map(local_id) ON DELETE CASCADE,
    title             TEXT NOT NULL,
    notes             TEXT NOT NULL DEFAULT '',
    -- Google Tasks due dates are dates: kept as YYYY-MM-DD text, never as an instant.
    due_date          TEXT CHECK (due_date IS NULL OR due_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    status            TEXT NOT NULL DEFAULT 'needsAction' CHECK (status IN ('needsAction', 'completed')),
    completed_at      INTEGER,
    -- The mail a task came from, to link back to it.
    source_message_id TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) STRICT;

CREATE TABLE mail_drafts (
    id                  TEXT PRIMARY KEY NOT NULL,
    account_id          TEXT NOT NULL REFERENCES gmail_accounts_secure(id) ON DELETE CASCADE,
    thread_id           TEXT,
    -- The Message-ID and References of the mail this answers, for threading.
    in_reply_to         TEXT,
    references_hdr      TEXT,
    to_addrs            TEXT NOT NULL DEFAULT '',
    cc_addrs            TEXT NOT NULL DEFAULT '',
    subject             TEXT NOT NULL DEFAULT '',
    body_text           TEXT NOT NULL DEFAULT '',
    -- 'ai' while the text is what a model wrote and nobody has edited it yet.
    origin              TEXT NOT NULL DEFAULT 'user' CHECK (origin IN ('user', 'ai')),
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
) STRICT;
CREATE INDEX mail_drafts_by_account ON mail_drafts(account_id, updated_at DESC);

-- One vector per message and embedding model ("endpoint id:model"), unit length, f32 little endian.
CREATE TABLE mail_embeddings (
    model          TEXT NOT NULL,
    message_rowid  INTEGER NOT NULL REFERENCES mail_messages(rowid) ON DELETE CASCADE,
    vector         BLOB NOT NULL,
    PRIMARY KEY (model, message_rowid)
) STRICT, WITHOUT ROWID;
CREATE INDEX mail_embeddings_by_message ON mail_embeddings(message_rowid);
