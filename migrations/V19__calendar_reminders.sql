-- Desktop notifications announce an event's popup reminders, so the cache keeps them: each
-- calendar's defaults, and an event's own (NULL: the calendar's defaults). Events cached before
-- this version were stored without theirs: `reminders_synced` = 0 makes the next sync of that
-- calendar fetch it in full once instead of continuing from its token. Columns are only added.
ALTER TABLE calendars ADD COLUMN default_reminders TEXT NOT NULL DEFAULT '[]';
ALTER TABLE calendars ADD COLUMN reminders_synced INTEGER NOT NULL DEFAULT 0
    CHECK (reminders_synced IN (0, 1));
ALTER TABLE calendar_events ADD COLUMN reminder_minutes TEXT;
