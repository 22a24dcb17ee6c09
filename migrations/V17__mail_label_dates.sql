-- Label and flag filters answered by an index range instead of a walk over all mail: each row of
-- mail_message_labels carries its message's internal date, so "messages with label L, newest
-- first" (label:, in:, is:unread/starred/important) is a range of one index, however few
-- messages have L. Columns and indexes are only added (the index it replaces covered a prefix of
-- this one); no row is dropped.
ALTER TABLE mail_message_labels ADD COLUMN message_date INTEGER;
UPDATE mail_message_labels SET message_date =
    (SELECT m.internal_date FROM mail_messages m WHERE m.rowid = mail_message_labels.message_rowid)
WHERE message_date IS NULL;
CREATE INDEX mail_message_labels_by_label_date
    ON mail_message_labels(label_id, message_date DESC, message_rowid DESC);
DROP INDEX mail_message_labels_by_label;

-- The store writes the date with each label row; any other writer gets it filled in here, and a
-- message whose date changes takes its label rows along.
CREATE TRIGGER mail_message_labels_fill_date AFTER INSERT ON mail_message_labels
WHEN new.message_date IS NULL BEGIN
    UPDATE mail_message_labels SET message_date =
        (SELECT m.internal_date FROM mail_messages m WHERE m.rowid = new.message_rowid)
    WHERE message_rowid = new.message_rowid AND label_id = new.label_id;
END;
CREATE TRIGGER mail_messages_label_dates AFTER UPDATE OF internal_date ON mail_messages
WHEN new.internal_date IS NOT old.internal_date BEGIN
    UPDATE mail_message_labels SET message_date = new.internal_date
    WHERE message_rowid = new.rowid;
END;

-- has:attachment (and filename:, which implies it) newest first from the messages that have one.
CREATE INDEX mail_messages_with_attachment
    ON mail_messages(internal_date DESC) WHERE has_attachment = 1;
