//! Repository for `chat_conversations` and `chat_messages`. A reply is a row that starts empty
//! in state 'streaming', grows while it arrives, and ends 'complete', 'cancelled' or 'failed'.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::error::{LibreOllamaError, Result};
use crate::model::{ChatMessageView, ChatRole, Conversation, MessageState};

/// The title of a chat until its first message names it.
pub const UNTITLED: &str = "New chat";

const CONVERSATION_COLS: &str =
    "id, title, endpoint_id, model, system_prompt, created_at, updated_at";

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

fn conversation_row(r: &Row<'_>) -> rusqlite::Result<Conversation> {
    Ok(Conversation {
        id: r.get(0)?,
        title: r.get(1)?,
        endpoint_id: r.get(2)?,
        model: r.get(3)?,
        system_prompt: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

/// Replies that were still arriving when the app stopped keep their text and say so.
pub fn recover_interrupted(c: &Connection) -> Result<usize> {
    c.execute(
        "UPDATE chat_messages SET state = 'failed', note = 'The app closed while this reply was arriving.' \
         WHERE state = 'streaming'",
        [],
    )
    .map_err(db("recovering replies"))
}

pub struct NewConversation<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub endpoint_id: Option<&'a str>,
    pub model: &'a str,
    pub system_prompt: &'a str,
}

pub fn create(c: &Connection, n: &NewConversation<'_>, now: i64) -> Result<()> {
    c.execute(
        "INSERT INTO chat_conversations (id, title, endpoint_id, model, system_prompt, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![n.id, n.title, n.endpoint_id, n.model, n.system_prompt, now],
    )
    .map_err(db("starting a conversation"))?;
    Ok(())
}

pub fn get(c: &Connection, id: &str) -> Result<Option<Conversation>> {
    c.query_row(
        &format!("SELECT {CONVERSATION_COLS} FROM chat_conversations WHERE id = ?1"),
        [id],
        conversation_row,
    )
    .optional()
    .map_err(db("reading a conversation"))
}

pub fn rename(c: &Connection, id: &str, title: &str, now: i64) -> Result<()> {
    c.execute(
        "UPDATE chat_conversations SET title = ?1, updated_at = ?2 WHERE id = ?3",
        params![title, now, id],
    )
    .map_err(db("renaming a conversation"))?;
    Ok(())
}

/// Sets the server, model and system prompt of a conversation.
pub fn configure(
    c: &Connection,
    id: &str,
    endpoint_id: &str,
    model: &str,
    system_prompt: &str,
    now: i64,
) -> Result<()> {
    c.execute(
        "UPDATE chat_conversations SET endpoint_id = ?1, model = ?2, system_prompt = ?3, updated_at = ?4 WHERE id = ?5",
        params![endpoint_id, model, system_prompt, now, id],
    )
    .map_err(db("changing a conversation"))?;
    Ok(())
}

/// Deletes a conversation; its messages go with it (ON DELETE CASCADE).
pub fn delete(c: &Connection, id: &str) -> Result<()> {
    c.execute("DELETE FROM chat_conversations WHERE id = ?1", [id])
        .map_err(db("deleting a conversation"))?;
    Ok(())
}

/// Newest first; `query` (when not blank) matches titles and message text, literally.
pub fn search(c: &Connection, query: Option<&str>) -> Result<Vec<Conversation>> {
    let pattern = query.filter(|q| !q.trim().is_empty()).map(|q| {
        format!(
            "%{}%",
            q.trim()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    });
    let mut st = c
        .prepare(&format!(
            "SELECT {CONVERSATION_COLS} FROM chat_conversations cv WHERE ?1 IS NULL \
             OR cv.title LIKE ?1 ESCAPE '\\' \
             OR EXISTS (SELECT 1 FROM chat_messages m WHERE m.conversation_id = cv.id AND m.content LIKE ?1 ESCAPE '\\') \
             ORDER BY cv.updated_at DESC, cv.rowid DESC"
        ))
        .map_err(db("searching conversations"))?;
    let rows = st
        .query_map([pattern], conversation_row)
        .map_err(db("searching conversations"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("searching conversations"))
}

/// The columns' CHECKs admit only the known names, so the fallbacks are never taken.
fn role_of(text: &str) -> ChatRole {
    ChatRole::parse(text).unwrap_or(ChatRole::User)
}

fn state_of(text: &str) -> MessageState {
    MessageState::parse(text).unwrap_or(MessageState::Complete)
}

/// A conversation's messages, oldest first.
pub fn messages(c: &Connection, conversation_id: &str) -> Result<Vec<ChatMessageView>> {
    let mut st = c
        .prepare(
            "SELECT id, role, content, state, note, created_at FROM chat_messages \
             WHERE conversation_id = ?1 ORDER BY id",
        )
        .map_err(db("reading a conversation"))?;
    let rows = st
        .query_map([conversation_id], |r| {
            Ok(ChatMessageView {
                id: r.get(0)?,
                role: role_of(&r.get::<_, String>(1)?),
                content: r.get(2)?,
                state: state_of(&r.get::<_, String>(3)?),
                note: r.get(4)?,
                created_at: r.get(5)?,
            })
        })
        .map_err(db("reading a conversation"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("reading a conversation"))
}

/// Removes message `first` and everything after it in the conversation.
pub fn delete_messages_from(c: &Connection, conversation_id: &str, first: i64) -> Result<()> {
    c.execute(
        "DELETE FROM chat_messages WHERE conversation_id = ?1 AND id >= ?2",
        params![conversation_id, first],
    )
    .map_err(db("removing messages"))?;
    Ok(())
}

/// The user's message, if any (`(text, title the chat takes if it has none yet)`), and an empty
/// reply in state 'streaming'; touches the conversation. Returns the reply's id. Run it in a
/// transaction: all or nothing.
pub fn start_reply(
    c: &Connection,
    conversation_id: &str,
    user: Option<(&str, &str)>,
    now: i64,
) -> Result<i64> {
    if let Some((text, title)) = user {
        c.execute(
            "INSERT INTO chat_messages (conversation_id, role, content, created_at) VALUES (?1, 'user', ?2, ?3)",
            params![conversation_id, text, now],
        )
        .map_err(db("saving your message"))?;
        // A new chat is named after its first message until the user renames it.
        c.execute(
            "UPDATE chat_conversations SET title = ?1 WHERE id = ?2 AND title = ?3",
            params![title, conversation_id, UNTITLED],
        )
        .map_err(db("saving your message"))?;
    }
    c.execute(
        "INSERT INTO chat_messages (conversation_id, role, content, state, created_at) VALUES (?1, 'assistant', '', 'streaming', ?2)",
        params![conversation_id, now],
    )
    .map_err(db("saving your message"))?;
    let id = c.last_insert_rowid();
    c.execute(
        "UPDATE chat_conversations SET updated_at = ?1 WHERE id = ?2",
        params![now, conversation_id],
    )
    .map_err(db("saving your message"))?;
    Ok(id)
}

/// The text so far of a reply still arriving; a reply that already ended is left alone, so a
/// late periodic save never overwrites the final text.
pub fn save_partial_reply(c: &Connection, id: i64, text: &str) -> Result<()> {
    c.execute(
        "UPDATE chat_messages SET content = ?1 WHERE id = ?2 AND state = 'streaming'",
        params![text, id],
    )
    .map_err(db("saving a reply"))?;
    Ok(())
}

/// A reply as it ended: its text, state and why it stopped early.
pub fn save_reply(
    c: &Connection,
    id: i64,
    text: &str,
    state: MessageState,
    note: Option<&str>,
) -> Result<()> {
    c.execute(
        "UPDATE chat_messages SET content = ?1, state = ?2, note = ?3 WHERE id = ?4",
        params![text, state.as_str(), note, id],
    )
    .map_err(db("saving a reply"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let mut c = Connection::open_in_memory().unwrap();
        crate::store::migrations::run(&mut c).unwrap();
        c
    }

    #[test]
    fn a_reply_grows_ends_and_is_not_overwritten_late() {
        let c = conn();
        let new = NewConversation {
            id: "chat-1",
            title: UNTITLED,
            endpoint_id: None,
            model: "m",
            system_prompt: "",
        };
        create(&c, &new, 5).unwrap();
        let id = start_reply(&c, "chat-1", Some(("Hello 100%_ there", "Hello")), 7).unwrap();
        let conv = get(&c, "chat-1").unwrap().unwrap();
        assert_eq!((conv.title.as_str(), conv.updated_at), ("Hello", 7));
        save_partial_reply(&c, id, "Hi").unwrap();
        save_reply(&c, id, "Hi there", MessageState::Complete, None).unwrap();
        save_partial_reply(&c, id, "Hi").unwrap();
        let msgs = messages(&c, "chat-1").unwrap();
        assert_eq!(msgs.len(), 2);
        assert_eq!(
            (msgs[1].content.as_str(), msgs[1].state.as_str()),
            ("Hi there", "complete")
        );

        // LIKE wildcards in a search are literal.
        assert_eq!(search(&c, Some("100%_")).unwrap().len(), 1);
        assert!(
            search(&c, Some("100_")).unwrap().is_empty(),
            "_ is not a wildcard"
        );
        assert!(
            search(&c, Some("1%e")).unwrap().is_empty(),
            "% is not a wildcard"
        );
        assert_eq!(
            search(&c, Some("  ")).unwrap().len(),
            1,
            "blank matches all"
        );

        let late = start_reply(&c, "chat-1", None, 9).unwrap();
        assert_eq!(recover_interrupted(&c).unwrap(), 1);
        delete_messages_from(&c, "chat-1", late).unwrap();
        assert_eq!(messages(&c, "chat-1").unwrap().len(), 2);
        delete(&c, "chat-1").unwrap();
        assert!(messages(&c, "chat-1").unwrap().is_empty());
    }
}
