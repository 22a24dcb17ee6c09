-- Bytes the reader needs offline: inline parts referenced by cid: URLs (for every fetched body),
-- and, for imported archives, which have no server copy, every attachment.
CREATE TABLE mail_parts (
    message_rowid INTEGER NOT NULL REFERENCES mail_messages(rowid) ON DELETE CASCADE,
    part_id       TEXT NOT NULL,
    content_id    TEXT,
    mime_type     TEXT NOT NULL DEFAULT '',
    data          BLOB NOT NULL,
    PRIMARY KEY (message_rowid, part_id)
) STRICT;

-- Senders whose remote images the user chose to always show: a preference, kept like user data.
CREATE TABLE mail_image_senders (
    account_id TEXT NOT NULL REFERENCES gmail_accounts_secure(id) ON DELETE CASCADE,
    sender     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, sender)
) STRICT;
