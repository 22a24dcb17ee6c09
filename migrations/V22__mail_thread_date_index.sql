-- A conversation's messages in date order from one index range. With only (account_id,
-- thread_id), SQLite's planner preferred the account's date index for the ORDER BY and walked
-- every message of the account per conversation: the grouped list's first page took 4 s at
-- 100,000 messages (a conversation row reads its messages). The new index covers every use of
-- the one it replaces.
CREATE INDEX mail_messages_by_thread_date ON mail_messages(account_id, thread_id, internal_date);
DROP INDEX mail_messages_by_thread;

-- The headers' full-text index (V21) buffers up to 128 MiB of new entries before writing a
-- segment, as mail_fts_v2 does since V8: a bulk transaction becomes one segment.
INSERT INTO mail_fts_headers (mail_fts_headers, rank) VALUES ('hashsize', 134217728);
