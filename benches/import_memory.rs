//! Archive import memory benchmark: peak RSS, wall time and throughput of `libreollama mail
//! import` (the real CLI, a separate process) on a generated mbox of realistic messages where
//! many carry large attachments; then checks in the store that every large attachment was kept
//! byte for byte.
//!
//! `cargo bench --no-default-features --features backend --bench import_memory`
//! (IMPORT_BENCH_MB=200 for a quick run; default 2048. IMPORT_BENCH_DIR=DIR generates there and
//! keeps the files instead of a temporary folder; IMPORT_BENCH_TRACE=1 prints the RSS every
//! half second; IMPORT_BENCH_TEXT=1 generates text mail only, each with an HTML alternative,
//! to compare ingest speed.)
//!
//! The mix: most messages are small text (50–400 words), every 5th carries a 20–300 KiB PDF,
//! every 20th a 5–40 MiB attachment (several above the old 10 MiB cut), and one carries a
//! 100 MiB attachment. Attachments are random bytes (incompressible), base64 in 76-column lines.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use sha2::{Digest, Sha256};

const MIB: usize = 1024 * 1024;
/// Sizes (MiB) of the every-20th-message attachments, in turn.
const LARGE_MIB: [usize; 8] = [5, 8, 12, 16, 20, 25, 30, 40];
/// The 100 MiB attachment rides on this large-attachment slot.
const HUGE_SLOT: usize = 5;
const HUGE_MIB: usize = 100;
/// Attachments at least this big are checked byte for byte after the import.
const CHECK_FROM: usize = 10 * MIB;

/// xorshift64*: deterministic and fast enough to fill gigabytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SYL: &[&str] = &[
    "ka", "lo", "mi", "ne", "ra", "tu", "se", "vo", "pi", "da", "ge", "ho", "bri", "sta", "ter",
    "on", "al", "ex", "qu", "zu",
];

fn word(rng: &mut Rng) -> String {
    (0..2 + rng.below(3))
        .map(|_| SYL[rng.below(SYL.len())])
        .collect()
}

fn words(rng: &mut Rng, n: usize) -> String {
    (0..n).map(|_| word(rng)).collect::<Vec<_>>().join(" ")
}

/// A text body wrapped at ~72 columns.
fn body(rng: &mut Rng, n: usize) -> String {
    let mut out = String::new();
    let mut col = 0;
    for _ in 0..n {
        let w = word(rng);
        if col + w.len() > 72 {
            out.push_str("\r\n");
            col = 0;
        } else if col > 0 {
            out.push(' ');
            col += 1;
        }
        col += w.len();
        out.push_str(&w);
    }
    out.push_str("\r\n");
    out
}

/// Writes `size` random bytes as base64 lines; returns their SHA-256.
fn write_base64(out: &mut impl Write, rng: &mut Rng, size: usize) -> std::io::Result<[u8; 32]> {
    const CHUNK: usize = 57 * 4096; // whole 76-column lines
    let mut hash = Sha256::new();
    let mut raw = vec![0u8; CHUNK];
    let mut text = String::new();
    let mut left = size;
    while left > 0 {
        let n = left.min(CHUNK);
        for c in raw[..n].chunks_mut(8) {
            let v = rng.next().to_le_bytes();
            c.copy_from_slice(&v[..c.len()]);
        }
        hash.update(&raw[..n]);
        text.clear();
        base64::engine::general_purpose::STANDARD.encode_string(&raw[..n], &mut text);
        for line in text.as_bytes().chunks(76) {
            out.write_all(line)?;
            out.write_all(b"\r\n")?;
        }
        left -= n;
    }
    Ok(hash.finalize().into())
}

struct Expected {
    filename: String,
    size: usize,
    sha256: [u8; 32],
}

struct Generated {
    bytes: u64,
    messages: usize,
    attachments: usize,
    /// Attachments of CHECK_FROM bytes or more.
    large: Vec<Expected>,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn generate(path: &Path, target: u64, text_only: bool) -> std::io::Result<Generated> {
    let file = std::fs::File::create(path)?;
    let mut out = std::io::BufWriter::with_capacity(MIB, file);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut g = Generated {
        bytes: 0,
        messages: 0,
        attachments: 0,
        large: Vec::new(),
    };
    let mut large_slot = 0;
    while g.bytes < target {
        let i = g.messages;
        let (day, month, year) = (1 + i % 28, MONTHS[i / 28 % 12], 2018 + i / 336 % 8);
        let (h, m) = (rng.below(24), rng.below(60));
        let sender = rng.below(500);
        let n = 3 + rng.below(7);
        let subject = words(&mut rng, n);
        write!(
            out,
            "From sender{sender}@example.com Mon {month} {day:2} {h:02}:{m:02}:00 {year}\r\n\
             From: Sender {sender} <sender{sender}@example.com>\r\n\
             To: Ada <ada@example.com>\r\n\
             Subject: {subject}\r\n\
             Date: Mon, {day} {month} {year} {h:02}:{m:02}:00 +0000\r\n\
             Message-ID: <m{i}@example.com>\r\n\
             MIME-Version: 1.0\r\n"
        )?;
        let n = 50 + rng.below(350);
        let text = body(&mut rng, n);
        let attachment = if text_only {
            None
        } else if i % 20 == 19 {
            let mib = if large_slot == HUGE_SLOT {
                HUGE_MIB
            } else {
                LARGE_MIB[large_slot % LARGE_MIB.len()]
            };
            large_slot += 1;
            // Not a round size, so a cut at a MiB boundary would show.
            Some((
                format!("scan-{i}.bin"),
                "application/octet-stream",
                mib * MIB + 12_345,
            ))
        } else if i % 5 == 4 {
            let kib = 20 + rng.below(280);
            Some((format!("report-{i}.pdf"), "application/pdf", kib * 1024 + 7))
        } else {
            None
        };
        match attachment {
            None if text_only => {
                let html = text.replace("\r\n", "<br>\r\n");
                write!(
                    out,
                    "Content-Type: multipart/alternative; boundary=\"a{i}\"\r\n\r\n\
                     --a{i}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n\
                     --a{i}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
                     <html><body><p style=\"font-family: Arial\">{html}</p></body></html>\r\n\
                     --a{i}--\r\n\r\n"
                )?
            }
            None => write!(
                out,
                "Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
            )?,
            Some((name, mime, size)) => {
                write!(
                    out,
                    "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n\
                     --b{i}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n\
                     --b{i}\r\nContent-Type: {mime}; name=\"{name}\"\r\n\
                     Content-Disposition: attachment; filename=\"{name}\"\r\n\
                     Content-Transfer-Encoding: base64\r\n\r\n"
                )?;
                let sha256 = write_base64(&mut out, &mut rng, size)?;
                write!(out, "--b{i}--\r\n\r\n")?;
                g.attachments += 1;
                if size >= CHECK_FROM {
                    g.large.push(Expected {
                        filename: name,
                        size,
                        sha256,
                    });
                }
            }
        }
        g.messages += 1;
        g.bytes = out.get_ref().metadata()?.len() + out.buffer().len() as u64;
    }
    out.flush()?;
    Ok(g)
}

/// (VmRSS, VmHWM) of a live process, in KiB.
fn rss_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

struct Run {
    wall: Duration,
    peak_rss_kib: u64,
    peak_hwm_kib: u64,
    samples: usize,
    stdout: String,
    success: bool,
}

fn run_import(mbox: &Path, data: &Path, stderr: &Path) -> Run {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_libreollama"))
        .arg("--data-dir")
        .arg(data)
        .args(["mail", "import"])
        .arg(mbox)
        .env_remove("LIBREOLLAMA_DATA_DIR")
        .env("LIBREOLLAMA_VAULT_BACKEND", "file")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(stderr).unwrap())
        .spawn()
        .expect("starting libreollama");
    let pid = child.id();
    let trace = std::env::var_os("IMPORT_BENCH_TRACE").is_some();
    let (mut peak_rss, mut peak_hwm, mut samples) = (0, 0, 0);
    let status = loop {
        // Sampled before try_wait: the last sample is taken while the process still lives.
        if let Some((rss, hwm)) = rss_kib(pid) {
            peak_rss = peak_rss.max(rss);
            peak_hwm = peak_hwm.max(hwm);
            samples += 1;
            if trace && samples % 10 == 0 {
                eprintln!(
                    "  {:6.1} s  VmRSS {:4} MiB  VmHWM {:4} MiB",
                    started.elapsed().as_secs_f64(),
                    rss / 1024,
                    hwm / 1024
                );
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let wall = started.elapsed();
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
    Run {
        wall,
        peak_rss_kib: peak_rss,
        peak_hwm_kib: peak_hwm,
        samples,
        stdout,
        success: status.success(),
    }
}

struct Stored {
    messages: i64,
    parts: i64,
    part_bytes: i64,
    /// (filename, size, SHA-256) of every stored part of CHECK_FROM bytes or more.
    large: Vec<(String, usize, [u8; 32])>,
}

fn stored(data: &Path) -> Stored {
    let store = libreollama::store::Store::open_blocking(data).unwrap();
    store
        .with_writer_blocking(|c| {
            let messages = c
                .query_row("SELECT count(*) FROM mail_messages", [], |r| r.get(0))
                .unwrap();
            let (parts, part_bytes) = c
                .query_row(
                    "SELECT count(*), coalesce(sum(length(data)), 0) FROM mail_parts",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            let mut st = c
                .prepare(
                    "SELECT a.filename, p.data FROM mail_parts p JOIN mail_attachments a \
                     ON a.message_rowid = p.message_rowid AND a.part_id = p.part_id \
                     WHERE length(p.data) >= ?1",
                )
                .unwrap();
            let large = st
                .query_map([CHECK_FROM as i64], |r| {
                    let data: Vec<u8> = r.get(1)?;
                    Ok((r.get(0)?, data.len(), Sha256::digest(&data).into()))
                })
                .unwrap()
                .collect::<rusqlite::Result<Vec<_>>>()
                .unwrap();
            Ok(Stored {
                messages,
                parts,
                part_bytes,
                large,
            })
        })
        .unwrap()
}

fn dir_bytes(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    let mb: u64 = std::env::var("IMPORT_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2048);
    let tmp = tempfile::tempdir().unwrap();
    let dir: PathBuf = std::env::var_os("IMPORT_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).unwrap();
    let mbox = dir.join("Takeout.mbox");
    let data = dir.join("data");
    let _ = std::fs::remove_dir_all(&data);

    let t = Instant::now();
    let text_only = std::env::var_os("IMPORT_BENCH_TEXT").is_some();
    let g = generate(&mbox, mb * MIB as u64, text_only).unwrap();
    println!(
        "generated {:.0} MiB mbox: {} messages, {} attachments ({} of ≥ 10 MiB, largest {:.0} MiB) in {:.1} s",
        g.bytes as f64 / MIB as f64,
        g.messages,
        g.attachments,
        g.large.len(),
        g.large.iter().map(|e| e.size).max().unwrap_or(0) as f64 / MIB as f64,
        t.elapsed().as_secs_f64()
    );

    let stderr = dir.join("import.stderr");
    let run = run_import(&mbox, &data, &stderr);
    if !run.success {
        let err = std::fs::read_to_string(&stderr).unwrap_or_default();
        panic!(
            "import failed:\n{}\n{}",
            run.stdout,
            &err[err.len().saturating_sub(4000)..]
        );
    }
    let imported: usize = run
        .stdout
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let not_kept = run
        .stdout
        .lines()
        .filter(|l| l.contains("not kept"))
        .count();
    let secs = run.wall.as_secs_f64();
    println!();
    println!("libreollama mail import (separate process, release build):");
    println!(
        "  peak RSS       {:.0} MB (VmHWM {:.0} MiB; max sampled VmRSS {:.0} MiB, {} samples every 50 ms)",
        run.peak_hwm_kib.max(run.peak_rss_kib) as f64 * 1024.0 / 1e6,
        run.peak_hwm_kib as f64 / 1024.0,
        run.peak_rss_kib as f64 / 1024.0,
        run.samples
    );
    println!("  wall time      {secs:.1} s");
    println!(
        "  throughput     {:.1} MB/s ({:.1} MiB/s), {:.0} messages/s",
        g.bytes as f64 / 1e6 / secs,
        g.bytes as f64 / MIB as f64 / secs,
        imported as f64 / secs
    );
    println!("  imported       {imported} of {} messages", g.messages);
    println!("  parts reported not kept: {not_kept}");

    let s = stored(&data);
    let mut missing = Vec::new();
    for e in &g.large {
        let ok = s
            .large
            .iter()
            .any(|(f, size, h)| *f == e.filename && *size == e.size && *h == e.sha256);
        if !ok {
            missing.push(format!("{} ({} bytes)", e.filename, e.size));
        }
    }
    println!(
        "  store          {} messages, {} parts, {:.0} MiB of part bytes; data folder {:.0} MiB",
        s.messages,
        s.parts,
        s.part_bytes as f64 / MIB as f64,
        dir_bytes(&data) as f64 / MIB as f64
    );
    println!(
        "  large attachments kept byte for byte: {} of {}",
        g.large.len() - missing.len(),
        g.large.len()
    );
    assert_eq!(imported, g.messages, "{}", run.stdout);
    assert_eq!(s.parts as usize, g.attachments, "every attachment stored");
    assert!(missing.is_empty(), "not kept: {missing:?}");
}
