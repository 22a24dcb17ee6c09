-- A second full-text index of the headers alone (subject, from, to, cc), keyed like mail_fts_v2
-- by each message's fts_key (date-ordered). A search whose text terms are all header fields
-- (`from:ada`, `subject:"quarterly report"`) reads it instead of the whole index: there the
-- doclist of a common word holds every body that has it, which FTS5 reads (with positions) to
-- find the few messages that have it in the subject; here it holds only the headers that do.
-- Only an index is added: no row of user data is changed or dropped.
CREATE VIRTUAL TABLE mail_fts_headers USING fts5(
    subject, from_addr, to_addr, cc_addr,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO mail_fts_headers (rowid, subject, from_addr, to_addr, cc_addr)
SELECT fts_key, subject, from_addr, to_addr, cc_addr FROM mail_messages
WHERE fts_key IS NOT NULL ORDER BY fts_key;

-- Kept in step by triggers, so every writer (ingest, sync, the index rebuild that assigns
-- fts_key) updates it without knowing it exists.
CREATE TRIGGER mail_messages_fts_headers_insert AFTER INSERT ON mail_messages
WHEN new.fts_key IS NOT NULL BEGIN
    INSERT INTO mail_fts_headers (rowid, subject, from_addr, to_addr, cc_addr)
    VALUES (new.fts_key, new.subject, new.from_addr, new.to_addr, new.cc_addr);
END;

-- A sync rewrites every column of a message it sees again: only a change touches the index.
CREATE TRIGGER mail_messages_fts_headers_update
AFTER UPDATE OF fts_key, subject, from_addr, to_addr, cc_addr ON mail_messages
WHEN new.fts_key IS NOT old.fts_key OR new.subject IS NOT old.subject
    OR new.from_addr IS NOT old.from_addr OR new.to_addr IS NOT old.to_addr
    OR new.cc_addr IS NOT old.cc_addr
BEGIN
    DELETE FROM mail_fts_headers WHERE rowid = old.fts_key AND old.fts_key IS NOT NULL;
    INSERT INTO mail_fts_headers (rowid, subject, from_addr, to_addr, cc_addr)
    SELECT new.fts_key, new.subject, new.from_addr, new.to_addr, new.cc_addr
    WHERE new.fts_key IS NOT NULL;
END;

CREATE TRIGGER mail_messages_fts_headers_delete AFTER DELETE ON mail_messages
WHEN old.fts_key IS NOT NULL BEGIN
    DELETE FROM mail_fts_headers WHERE rowid = old.fts_key;
END;
