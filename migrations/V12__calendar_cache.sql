-- Google Calendar mirrored for offline views: calendars with their sync token, and events
-- (recurring ones as their instances). A re-syncable cache: a calendar whose sync token
-- Google no longer accepts (410) has its events fetched again.

CREATE TABLE calendars (
    account_id   TEXT NOT NULL REFERENCES gmail_accounts_secure(id) ON DELETE CASCADE,
    google_id    TEXT NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    time_zone    TEXT,
    color        TEXT,
    is_primary   INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
    access_role  TEXT,
    sync_token   TEXT,
    PRIMARY KEY (account_id, google_id)
) STRICT;

CREATE TABLE calendar_events (
    account_id         TEXT NOT NULL,
    calendar_id        TEXT NOT NULL,
    google_id          TEXT NOT NULL,
    recurring_event_id TEXT,
    summary            TEXT NOT NULL DEFAULT '',
    description        TEXT NOT NULL DEFAULT '',
    location           TEXT NOT NULL DEFAULT '',
    -- Timed events: instants in Unix ms. All-day events: dates (end exclusive), no instants.
    start_ms           INTEGER,
    end_ms             INTEGER,
    start_date         TEXT,
    end_date           TEXT,
    time_zone          TEXT,
    status             TEXT NOT NULL DEFAULT 'confirmed',
    self_response      TEXT,
    attendees          TEXT NOT NULL DEFAULT '[]',
    html_link          TEXT,
    etag               TEXT,
    updated            TEXT,
    PRIMARY KEY (account_id, calendar_id, google_id),
    FOREIGN KEY (account_id, calendar_id) REFERENCES calendars(account_id, google_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX calendar_events_by_start ON calendar_events(start_ms);
CREATE INDEX calendar_events_by_date ON calendar_events(start_date);
