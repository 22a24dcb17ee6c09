-- A conversation's messages in date order from one index range. With only (account_id,
-- thread_id), SQLite's planner preferred the account's date index for the ORDER BY and walked
-- every message of the account per conversation: the grouped list's first page took 4 s at
-- 100,000 messages (a conversation row reads its messages). Only an index changes.
CREATE INDEX mail_messages_by_thread_date ON mail_messages(account_id, thread_id, internal_date);
DROP INDEX mail_messages_by_thread;
