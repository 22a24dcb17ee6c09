-- Model servers the user configured, and chat conversations with their messages: user data,
-- kept across every upgrade. API keys are sealed by the vault (AAD = table/column/row id).
CREATE TABLE ai_endpoints (
    id                TEXT PRIMARY KEY NOT NULL,
    name              TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('ollama', 'openai')),
    base_url          TEXT NOT NULL,
    api_key_encrypted BLOB,
    is_default        INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) STRICT;

CREATE TABLE chat_conversations (
    id            TEXT PRIMARY KEY NOT NULL,
    title         TEXT NOT NULL,
    endpoint_id   TEXT REFERENCES ai_endpoints(id) ON DELETE SET NULL,
    model         TEXT NOT NULL DEFAULT '',
    system_prompt TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX chat_conversations_by_update ON chat_conversations(updated_at DESC);

CREATE TABLE chat_messages (
    id              INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES chat_conversations(id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content         TEXT NOT NULL,
    -- An assistant reply: complete, cancelled or failed (what arrived is kept), or still streaming.
    state           TEXT NOT NULL DEFAULT 'complete' CHECK (state IN ('complete', 'streaming', 'cancelled', 'failed')),
    note            TEXT,
    created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX chat_messages_by_conversation ON chat_messages(conversation_id, id);
