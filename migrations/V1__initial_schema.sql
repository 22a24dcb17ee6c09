-- LibreOllama schema v1.
-- Durable tables (user data: accounts, task metadata and id maps, settings, vault keys) only ever
-- migrate forward with their rows kept; see tests/migrations.rs.

CREATE TABLE gmail_accounts_secure (
    id                      TEXT PRIMARY KEY NOT NULL,
    email_address           TEXT NOT NULL UNIQUE,
    display_name            TEXT,
    profile_picture_url     TEXT,
    -- Vault envelopes (AES-256-GCM, AAD = table/column/id); never plaintext.
    access_token_encrypted  BLOB,
    refresh_token_encrypted BLOB,
    token_expires_at        INTEGER,
    scopes                  TEXT NOT NULL DEFAULT '',
    is_active               INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    requires_reauth         INTEGER NOT NULL DEFAULT 0 CHECK (requires_reauth IN (0, 1)),
    last_sync_at            INTEGER,
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL,
    user_id                 TEXT NOT NULL DEFAULT 'default'
) STRICT;

-- Local ids for tasks, linked to Google's ids once the server has assigned them.
CREATE TABLE task_id_map (
    local_id        TEXT PRIMARY KEY NOT NULL,
    account_id      TEXT NOT NULL REFERENCES gmail_accounts_secure(id) ON DELETE CASCADE,
    google_list_id  TEXT,
    google_task_id  TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (account_id, google_task_id)
) STRICT;

-- What Google Tasks has no field for: priority, labels, time blocks.
CREATE TABLE task_metadata (
    task_local_id     TEXT PRIMARY KEY NOT NULL REFERENCES task_id_map(local_id) ON DELETE CASCADE,
    priority          INTEGER NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 3),
    labels            TEXT NOT NULL DEFAULT '[]',
    time_block_start  INTEGER,
    time_block_end    INTEGER,
    notes             TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) STRICT;

CREATE TABLE settings (
    key         TEXT PRIMARY KEY NOT NULL,
    value       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

-- Which master keys exist and where they live. check_value is a sealed constant proving that
-- the key found in the backend is the one this database was sealed with.
CREATE TABLE vault_meta (
    key_id       TEXT PRIMARY KEY NOT NULL,
    backend      TEXT NOT NULL CHECK (backend IN ('keyring', 'file')),
    check_value  BLOB NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('active', 'retired')),
    created_at   INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX vault_meta_one_active ON vault_meta(state) WHERE state = 'active';
