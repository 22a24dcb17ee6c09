-- Drafts made on another device now come here, and a draft changed at Gmail replaces the copy
-- here while it is not being edited. Gmail gives a draft a new message id whenever it changes,
-- so the one Gmail's copy had when it was last written or read here is kept. A column is only
-- added; drafts copied before this version learn theirs at the next sync, without a refetch.
ALTER TABLE mail_drafts ADD COLUMN gmail_message_id TEXT;
-- While an editor has a draft open (in any window or process) it holds it until this time
-- (Unix ms, renewed while open): Gmail's copy neither replaces nor removes it meanwhile.
ALTER TABLE mail_drafts ADD COLUMN editing_until INTEGER;
