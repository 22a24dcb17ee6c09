//! Unit tests of the mail page's state (the list's query and paging).
#[test]
fn folder_or_search_becomes_the_query() {
    assert_eq!(super::query_for("INBOX", ""), "in:inbox");
    assert_eq!(super::query_for("Label_7", "  "), "label:Label_7");
    assert_eq!(super::query_for("ALL", ""), "-in:spam -in:trash");
    assert_eq!(super::query_for("INBOX", " from:ada "), "from:ada");
}

fn row(id: &str, thread: &str, grouped: bool) -> crate::model::MailRow {
    crate::model::MailRow {
        account_id: "a".into(),
        id: id.into(),
        thread_id: thread.into(),
        date_ms: 0,
        from: String::new(),
        subject: String::new(),
        snippet: String::new(),
        unread: false,
        starred: false,
        has_attachment: false,
        labels: Vec::new(),
        conversation: grouped.then(|| crate::model::MailConversation {
            count: 1,
            participants: Vec::new(),
            ids: vec![id.into()],
        }),
    }
}

#[test]
fn a_later_page_adds_only_conversations_not_shown() {
    let mut rows = vec![row("m9", "t1", true), row("m8", "t2", true)];
    let added = super::extend_rows(
        &mut rows,
        vec![
            row("m5", "t1", true),
            row("m4", "t3", true),
            row("m3", "t3", true),
        ],
    );
    assert_eq!(added, 1);
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["m9", "m8", "m4"]);
    // One row per message: every row is added, whatever its conversation.
    let mut rows = vec![row("m9", "t1", false)];
    assert_eq!(
        super::extend_rows(&mut rows, vec![row("m5", "t1", false)]),
        1
    );
}
