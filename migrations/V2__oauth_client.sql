-- The Google OAuth client the user registered (Settings → Accounts). The secret is sealed by
-- the vault like tokens are; environment variables override this row.
CREATE TABLE oauth_clients (
    id                       TEXT PRIMARY KEY NOT NULL CHECK (id = 'google'),
    client_id                TEXT NOT NULL,
    client_secret_encrypted  BLOB,
    updated_at               INTEGER NOT NULL
) STRICT;
