-- When the server last confirmed each cached message, and when the running full sync began:
-- a full sync that completes drops the messages it did not see (deleted at Gmail while the
-- history that would have said so expired).
ALTER TABLE mail_messages ADD COLUMN confirmed_at INTEGER;
ALTER TABLE mail_sync_state ADD COLUMN full_sync_started_at INTEGER;
