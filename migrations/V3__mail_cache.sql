-- Mail cache: a mirror of Gmail, re-syncable (disposable), kept apart from durable user state.
-- mail_messages.rowid links a message to its full-text row in mail_fts.

CREATE TABLE mail_labels (
    account_id       TEXT NOT NULL REFERENCES gmail_accounts_secure(id) ON DELETE CASCADE,
    id               TEXT NOT NULL,
    name             TEXT NOT NULL,
    type             TEXT NOT NULL DEFAULT 'user' CHECK (type IN ('system', 'user')),
    messages_total   INTEGER,
    messages_unread  INTEGER,
    color_background TEXT,
    color_text       TEXT,
    PRIMARY KEY (account_id, id)
) STRICT;

CREATE TABLE mail_messages (
    rowid          INTEGER PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES gmail_accounts_secure(id) ON DELETE CASCADE,
    id             TEXT NOT NULL,
    thread_id      TEXT NOT NULL,
    -- Gmail history ids are decimal strings (uint64, or longer from some servers).
    history_id     TEXT,
    internal_date  INTEGER NOT NULL,
    size_estimate  INTEGER NOT NULL DEFAULT 0,
    subject        TEXT NOT NULL DEFAULT '',
    from_addr      TEXT NOT NULL DEFAULT '',
    to_addr        TEXT NOT NULL DEFAULT '',
    cc_addr        TEXT NOT NULL DEFAULT '',
    snippet        TEXT NOT NULL DEFAULT '',
    message_id_hdr TEXT,
    in_reply_to    TEXT,
    references_hdr TEXT,
    has_attachment INTEGER NOT NULL DEFAULT 0 CHECK (has_attachment IN (0, 1)),
    body_state     TEXT NOT NULL DEFAULT 'none' CHECK (body_state IN ('none', 'fetched', 'failed')),
    UNIQUE (account_id, id)
) STRICT;
CREATE INDEX mail_messages_by_date ON mail_messages(account_id, internal_date DESC);
CREATE INDEX mail_messages_all_by_date ON mail_messages(internal_date DESC);
CREATE INDEX mail_messages_by_thread ON mail_messages(account_id, thread_id);

CREATE TABLE mail_message_labels (
    message_rowid INTEGER NOT NULL REFERENCES mail_messages(rowid) ON DELETE CASCADE,
    label_id      TEXT NOT NULL,
    PRIMARY KEY (message_rowid, label_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX mail_message_labels_by_label ON mail_message_labels(label_id, message_rowid);

CREATE TABLE mail_bodies (
    message_rowid  INTEGER PRIMARY KEY REFERENCES mail_messages(rowid) ON DELETE CASCADE,
    text_body      TEXT,
    html_sanitized TEXT,
    fetched_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE mail_attachments (
    message_rowid INTEGER NOT NULL REFERENCES mail_messages(rowid) ON DELETE CASCADE,
    part_id       TEXT NOT NULL,
    attachment_id TEXT,
    filename      TEXT NOT NULL DEFAULT '',
    mime_type     TEXT NOT NULL DEFAULT '',
    size          INTEGER NOT NULL DEFAULT 0,
    content_id    TEXT,
    PRIMARY KEY (message_rowid, part_id)
) STRICT;
CREATE INDEX mail_attachments_by_name ON mail_attachments(filename);

CREATE TABLE mail_sync_state (
    account_id          TEXT PRIMARY KEY NOT NULL REFERENCES gmail_accounts_secure(id) ON DELETE CASCADE,
    history_id          TEXT,
    full_sync_page_token TEXT,
    full_sync_complete  INTEGER NOT NULL DEFAULT 0,
    last_sync_at        INTEGER
) STRICT;

-- Contentless: the text lives in mail_messages/mail_bodies; the index holds only terms.
CREATE VIRTUAL TABLE mail_fts USING fts5(
    subject, from_addr, to_addr, cc_addr, snippet, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Keep the index in step when a message leaves the cache (including by account removal).
CREATE TRIGGER mail_messages_fts_delete AFTER DELETE ON mail_messages BEGIN
    DELETE FROM mail_fts WHERE rowid = old.rowid;
END;
