//! The queue engine under two connections to one file, as two processes.

use super::*;

fn two_connections() -> (tempfile::TempDir, Connection, Connection) {
    crate::store::testing::two_processes(|_| Ok(()))
}

fn enqueue(c: &Connection, n: usize) {
    for i in 0..n {
        c.execute(
            "INSERT INTO calendar_ops (account_id, calendar_id, event_id, kind, payload, created_at) \
             VALUES ('a', 'primary', ?1, 'insert', '{}', 0)",
            [format!("e{i}")],
        )
        .unwrap();
    }
}

#[test]
fn racing_claimers_never_share_a_row() {
    let (_dir, a, b) = two_connections();
    enqueue(&a, 300);
    let run = |c: Connection, owner: &'static str| {
        std::thread::spawn(move || {
            let mut got = Vec::new();
            while let Some(claim) =
                claim_next(&c, Queue::CalendarOps, Some("a"), owner, 1_000).unwrap()
            {
                assert!(!claim.taken_over);
                got.push(claim.rowid);
                assert!(finish(&c, Queue::CalendarOps, claim.rowid, owner).unwrap());
            }
            got
        })
    };
    let (x, y) = (run(a, "x"), run(b, "y"));
    let (mut x, y) = (x.join().unwrap(), y.join().unwrap());
    let both = x.len() + y.len();
    x.extend(y);
    x.sort();
    x.dedup();
    assert_eq!(both, 300, "every row claimed once");
    assert_eq!(x.len(), 300, "no row claimed twice");
}

#[test]
fn a_held_row_cannot_be_cancelled_and_an_expired_lease_is_taken_over() {
    let (_dir, a, b) = two_connections();
    enqueue(&a, 1);
    let c = claim_next(&a, Queue::CalendarOps, None, "x", 1_000)
        .unwrap()
        .unwrap();
    assert_eq!(c.attempts, 1);
    assert_eq!(
        claim_next(&b, Queue::CalendarOps, None, "y", 2_000).unwrap(),
        None
    );
    assert_eq!(
        cancel(&b, Queue::CalendarOps, c.rowid, 2_000).unwrap(),
        Cancel::AlreadyGoing
    );
    // The holder dies; after the lease the row is another's, flagged as taken over.
    let later = 1_000 + LEASE_MS;
    let t = claim_next(&b, Queue::CalendarOps, None, "y", later)
        .unwrap()
        .unwrap();
    assert!(t.taken_over);
    assert_eq!(t.attempts, 2);
    // The first holder can no longer finish or fail it.
    assert!(!finish(&a, Queue::CalendarOps, c.rowid, "x").unwrap());
    assert!(!fail(&a, Queue::CalendarOps, c.rowid, "x", "no").unwrap());
    assert!(retry_later(&b, Queue::CalendarOps, t.rowid, "y", "busy", later + 60_000).unwrap());
    // Waiting out its back-off: not claimable yet, but cancellable.
    assert_eq!(
        claim_next(&a, Queue::CalendarOps, None, "x", later + 1).unwrap(),
        None
    );
    assert_eq!(
        cancel(&a, Queue::CalendarOps, t.rowid, later + 1).unwrap(),
        Cancel::Removed
    );
    assert_eq!(
        cancel(&a, Queue::CalendarOps, t.rowid, later + 1).unwrap(),
        Cancel::Missing
    );
}

#[test]
fn failed_rows_wait_for_the_user() {
    let (_dir, a, _b) = two_connections();
    enqueue(&a, 1);
    let c = claim_next(&a, Queue::CalendarOps, None, "x", 1_000)
        .unwrap()
        .unwrap();
    assert!(fail(&a, Queue::CalendarOps, c.rowid, "x", "Google refused it").unwrap());
    assert_eq!(counts(&a, Queue::CalendarOps, Some("a")).unwrap(), (0, 1));
    assert_eq!(
        claim_next(&a, Queue::CalendarOps, None, "x", 9_000_000).unwrap(),
        None
    );
    assert!(retry_now(&a, Queue::CalendarOps, c.rowid).unwrap());
    assert!(claim_next(&a, Queue::CalendarOps, None, "x", 9_000_000)
        .unwrap()
        .is_some());
}
