-- Writing mail. Drafts gain Bcc, rich text, attachments and a link to their Gmail draft; the
-- outbox holds what was sent until Gmail has it; snoozed conversations remember when to wake.
-- All of it is user data: kept across upgrades.
ALTER TABLE mail_drafts ADD COLUMN bcc_addrs TEXT NOT NULL DEFAULT '';
-- 1: the body is Markdown, sent as text and as HTML.
ALTER TABLE mail_drafts ADD COLUMN rich INTEGER NOT NULL DEFAULT 0;
-- new, reply, reply_all, forward: what the editor shows and how it quotes.
ALTER TABLE mail_drafts ADD COLUMN kind TEXT NOT NULL DEFAULT 'new';
ALTER TABLE mail_drafts ADD COLUMN gmail_draft_id TEXT;
-- Each saved change counts up; Gmail's copy was made from pushed_version (NULL: none yet).
ALTER TABLE mail_drafts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE mail_drafts ADD COLUMN pushed_version INTEGER;
-- 1 while the draft is in the outbox (hidden from the drafts; undo puts it back).
ALTER TABLE mail_drafts ADD COLUMN in_outbox INTEGER NOT NULL DEFAULT 0;

CREATE TABLE mail_draft_files (
    id         INTEGER PRIMARY KEY,
    draft_id   TEXT NOT NULL REFERENCES mail_drafts(id) ON DELETE CASCADE,
    filename   TEXT NOT NULL,
    mime_type  TEXT NOT NULL,
    size       INTEGER NOT NULL,
    data       BLOB NOT NULL,
    added_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX mail_draft_files_by_draft ON mail_draft_files(draft_id, id);

-- Gmail drafts to delete (the local draft is gone already).
CREATE TABLE mail_draft_removals (
    account_id     TEXT NOT NULL REFERENCES gmail_accounts_secure(id) ON DELETE CASCADE,
    gmail_draft_id TEXT NOT NULL,
    PRIMARY KEY (account_id, gmail_draft_id)
) STRICT;

CREATE TABLE mail_outbox (
    id             TEXT PRIMARY KEY NOT NULL,
    account_id     TEXT NOT NULL REFERENCES gmail_accounts_secure(id) ON DELETE CASCADE,
    -- Kept until the mail is sent, so that undo (or cancelling a scheduled send) returns it to
    -- the editor.
    draft_id       TEXT,
    -- The Message-ID made here (without <>): before any retry, Gmail's Sent is searched for it,
    -- so a mail Gmail accepted but whose answer was lost is not sent twice.
    message_id     TEXT NOT NULL UNIQUE,
    thread_id      TEXT,
    gmail_draft_id TEXT,
    raw            BLOB NOT NULL,
    to_summary     TEXT NOT NULL,
    subject        TEXT NOT NULL,
    -- Unix ms: the end of the undo window, or the time the user chose.
    send_at        INTEGER NOT NULL,
    scheduled      INTEGER NOT NULL DEFAULT 0,
    -- waiting: not tried yet; sending: a try began (it may have reached Gmail); sent; failed:
    -- Gmail refused it (the reason in last_error).
    state          TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'sending', 'sent', 'failed')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_try_at    INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    gmail_id       TEXT,
    created_at     INTEGER NOT NULL,
    sent_at        INTEGER
) STRICT;
CREATE INDEX mail_outbox_due ON mail_outbox(state, send_at);

CREATE TABLE mail_snoozes (
    account_id  TEXT NOT NULL REFERENCES gmail_accounts_secure(id) ON DELETE CASCADE,
    thread_id   TEXT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    -- Unix ms.
    wake_at     INTEGER NOT NULL,
    -- snoozed: out of the inbox (INBOX removal queued); waking: due, INBOX being put back.
    state       TEXT NOT NULL DEFAULT 'snoozed' CHECK (state IN ('snoozed', 'waking')),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, thread_id)
) STRICT;
CREATE INDEX mail_snoozes_by_wake ON mail_snoozes(wake_at);
