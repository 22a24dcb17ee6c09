//! A developer tool for search work: prints SQLite's query plan for a statement against a
//! database and times two runs (FTS5 features need the bundled SQLite, newer than Debian's).
//! `cargo run --release --example explain --no-default-features --features backend -- DB SQL`
//! (`SQL` starting with `BATCH:` is executed as a script instead).

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: explain DATABASE SQL");
        std::process::exit(2);
    }
    let c = rusqlite::Connection::open(&args[1]).unwrap();
    let sql = &args[2];
    if let Some(b) = sql.strip_prefix("BATCH:") {
        let t = std::time::Instant::now();
        c.execute_batch(b).unwrap();
        println!("batch in {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);
        return;
    }
    let mut st = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let rows = st
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(3)?,
            ))
        })
        .unwrap();
    for r in rows {
        let (id, parent, d) = r.unwrap();
        println!("{id} {parent} {d}");
    }
    for _ in 0..2 {
        let t = std::time::Instant::now();
        let mut st = c.prepare(sql).unwrap();
        let n = st.query_map([], |_| Ok(())).unwrap().count();
        println!("{n} rows in {:.2} ms", t.elapsed().as_secs_f64() * 1000.0);
    }
}
