-- Durable queue of mail changes made locally (archive, read, star, label, trash): applied to the
-- cache at once, pushed to Gmail in order, removed only when Gmail accepted them. prev_labels
-- keeps the labels before the change so a permanently refused action can be rolled back.
CREATE TABLE mail_actions (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   TEXT NOT NULL REFERENCES gmail_accounts_secure(id) ON DELETE CASCADE,
    message_id   TEXT NOT NULL,
    add_labels   TEXT NOT NULL DEFAULT '[]',
    remove_labels TEXT NOT NULL DEFAULT '[]',
    prev_labels  TEXT NOT NULL DEFAULT '[]',
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX mail_actions_pending ON mail_actions(account_id, state, seq);
