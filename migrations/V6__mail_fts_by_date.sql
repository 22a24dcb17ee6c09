-- The full-text index keyed by date: each message gets fts_key (internal date in ms × 1024 +
-- a slot), the rowid of its row in mail_fts_v2, so a search walks hits newest first and stops
-- after one page, and before:/after: become rowid ranges. Keys are assigned, and the new index
-- filled, by the store right after migrating (store::mail::index_missing), because choosing a
-- free slot per millisecond is not expressible as one SQL statement.
ALTER TABLE mail_messages ADD COLUMN fts_key INTEGER;
CREATE UNIQUE INDEX mail_messages_by_fts_key ON mail_messages(fts_key);

CREATE VIRTUAL TABLE mail_fts_v2 USING fts5(
    subject, from_addr, to_addr, cc_addr, snippet, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

DROP TRIGGER mail_messages_fts_delete;
CREATE TRIGGER mail_messages_fts_v2_delete AFTER DELETE ON mail_messages
WHEN old.fts_key IS NOT NULL BEGIN
    DELETE FROM mail_fts_v2 WHERE rowid = old.fts_key;
END;

-- The old index is derived data the new one replaces: empty it (its table stays, unused).
INSERT INTO mail_fts (mail_fts) VALUES ('delete-all');
