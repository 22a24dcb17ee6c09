-- One queue engine (src/store/queue.rs) serves the four outgoing queues. A row is claimed by
-- setting a lease (owner + expiry, Unix ms) in one UPDATE, so of two processes racing for a row
-- only one gets it; a crashed process's lease expires and another takes the row over. Columns
-- are only added: no row is rewritten or dropped.
ALTER TABLE mail_actions ADD COLUMN lease_owner TEXT;
ALTER TABLE mail_actions ADD COLUMN lease_until INTEGER;
ALTER TABLE mail_actions ADD COLUMN not_before INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mail_outbox ADD COLUMN lease_owner TEXT;
ALTER TABLE mail_outbox ADD COLUMN lease_until INTEGER;
ALTER TABLE task_ops ADD COLUMN lease_owner TEXT;
ALTER TABLE task_ops ADD COLUMN lease_until INTEGER;
ALTER TABLE task_ops ADD COLUMN not_before INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calendar_ops ADD COLUMN lease_owner TEXT;
ALTER TABLE calendar_ops ADD COLUMN lease_until INTEGER;
ALTER TABLE calendar_ops ADD COLUMN not_before INTEGER NOT NULL DEFAULT 0;
