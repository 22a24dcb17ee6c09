//! Starting the real test peers (installed under tests/peers by scripts/setup.sh).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn peers_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers")
}

fn node() -> PathBuf {
    let n = peers_dir().join("node_modules/.bin/node");
    assert!(
        n.exists(),
        "the test peers are not installed: run scripts/setup.sh test (npm ci in tests/peers)"
    );
    n
}

/// A port that is free now, chosen below Linux's ephemeral range (32768+): a port handed out
/// by bind(0) can be taken by any outgoing connection before the peer or the app binds it.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let start = 20_000 + (std::process::id() % 400) as u16 * 30;
    for _ in 0..2_000 {
        let offset = NEXT.fetch_add(1, Ordering::Relaxed) % 12_000;
        let port = 20_000 + (start - 20_000 + offset) % 12_000;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port between 20000 and 32000")
}

pub struct Peer {
    child: Child,
    pub base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_ready(child: &mut Child, url: &str, log: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if probe::http_ok(url) {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "peer exited ({status}): {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(
            Instant::now() < deadline,
            "peer not ready: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A plain TCP + HTTP/1.0 probe, so readiness checks need no async runtime.
mod probe {
    use std::io::{Read, Write};
    pub fn http_ok(url: &str) -> bool {
        let u = url::Url::parse(url).unwrap();
        let addr = format!("{}:{}", u.host_str().unwrap(), u.port().unwrap());
        let Ok(mut s) = std::net::TcpStream::connect(addr) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(2)));
        if write!(s, "GET {} HTTP/1.0\r\nHost: x\r\n\r\n", u.path()).is_err() {
            return false;
        }
        let mut buf = [0u8; 12];
        s.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.") && &buf[9..12] == b"200"
    }
}

fn spawn(name: &str, args: &[std::ffi::OsString], dir: tempfile::TempDir) -> Peer {
    let port = free_port();
    let log = dir.path().join(format!("{name}.log"));
    let mut child = Command::new(node())
        .args(
            args.iter()
                .map(|a| a.to_string_lossy().replace("{port}", &port.to_string())),
        )
        .current_dir(peers_dir())
        .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
        .stderr(Stdio::from(
            std::fs::File::create(dir.path().join(format!("{name}.err"))).unwrap(),
        ))
        .spawn()
        .unwrap_or_else(|e| panic!("start {name}: {e}"));
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(
        &mut child,
        &format!("{base}/.well-known/openid-configuration"),
        &log,
    );
    Peer {
        child,
        base,
        _dir: dir,
    }
}

/// The `emulate` Google emulator, seeded with `seed_yaml`.
pub fn emulate(seed_yaml: &str) -> Peer {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.yaml");
    std::fs::write(&seed, seed_yaml).unwrap();
    let cli = peers_dir().join("node_modules/emulate/dist/index.js");
    let args: Vec<std::ffi::OsString> = vec![
        cli.into(),
        "start".into(),
        "--service".into(),
        "google".into(),
        "--host".into(),
        "127.0.0.1".into(),
        "--port".into(),
        "{port}".into(),
        "--seed".into(),
        seed.into(),
    ];
    spawn("emulate", &args, dir)
}

/// oidc-provider with the native client of tests/peers/oidc.mjs.
pub fn oidc_provider() -> Peer {
    let args: Vec<std::ffi::OsString> = vec![peers_dir().join("oidc.mjs").into(), "{port}".into()];
    spawn("oidc", &args, tempfile::tempdir().unwrap())
}

/// HTML forms as a person's browser sees them: action and input name/value pairs.
pub struct Form {
    pub action: String,
    pub fields: Vec<(String, String)>,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!("{name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')? + start;
    Some(
        tag[start..end]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

pub fn forms(html: &str) -> Vec<Form> {
    html.split("<form")
        .skip(1)
        .map(|chunk| {
            let body = chunk.split("</form>").next().unwrap_or("");
            let open_tag = body.split('>').next().unwrap_or("");
            let fields = body
                .split("<input")
                .skip(1)
                .filter_map(|t| {
                    let tag = t.split('>').next()?;
                    Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default()))
                })
                .collect();
            Form {
                action: attr(open_tag, "action").unwrap_or_default(),
                fields,
            }
        })
        .collect()
}

/// Plays the person: opens the auth URL, picks the account in the chooser, and lets the browser
/// follow the redirect to the app's loopback listener. Returns the loopback URL it was sent to.
pub async fn choose_account(base: &str, auth_url: &url::Url, email: &str) -> url::Url {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let html = http
        .get(auth_url.clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let form = forms(&html)
        .into_iter()
        .find(|f| f.fields.iter().any(|(n, v)| n == "email" && v == email))
        .unwrap_or_else(|| panic!("no account chooser entry for {email}: {html}"));
    let resp = http
        .post(format!("{base}{}", form.action))
        .form(&form.fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302, "{:?}", resp.text().await);
    url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap()
}

pub async fn browser_follows(url: &url::Url) -> (u16, String) {
    let r = reqwest::get(url.clone()).await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Signs `email` in through the app's loopback flow against an emulate peer; returns the account.
pub async fn emulate_sign_in(
    services: &libreollama::services::AppServices,
    base: &str,
    email: &str,
) -> libreollama::model::AccountSummary {
    let flow = services.auth.begin_loopback().await.unwrap();
    let (base, url, email) = (base.to_string(), flow.auth_url.clone(), email.to_string());
    let person = tokio::spawn(async move {
        let redirect = choose_account(&base, &url, &email).await;
        browser_follows(&redirect).await
    });
    let account = services.auth.finish_loopback(flow).await.unwrap();
    assert_eq!(person.await.unwrap().0, 200);
    account
}

/// Where scripts/setup.sh puts the Python peer (a venv with xllamacpp) and the model.
pub fn ai_peer_dir() -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache"));
    cache.join("libreollama/peers")
}

/// llama.cpp's server (xllamacpp, from PyPI) with SmolLM2-135M-Instruct, on a free port.
pub fn llama_server(embedding: bool) -> Peer {
    let root = ai_peer_dir();
    let python = root.join("venv/bin/python");
    let model = root.join("models/SmolLM2-135M-Instruct.Q4_1.gguf");
    assert!(
        python.exists() && model.exists(),
        "the llama.cpp peer is not installed ({} / {}): run scripts/setup.sh test",
        python.display(),
        model.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let log = dir.path().join("llama.log");
    let mut cmd = Command::new(python);
    cmd.arg(peers_dir().join("llama_server.py"))
        .arg(&model)
        .arg(port.to_string());
    if embedding {
        cmd.arg("--embedding");
    }
    let mut child = cmd
        .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
        .stderr(Stdio::from(
            std::fs::File::create(dir.path().join("llama.err")).unwrap(),
        ))
        .spawn()
        .unwrap_or_else(|e| panic!("start llama.cpp: {e}"));
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&mut child, &format!("{base}/health"), &log);
    Peer {
        child,
        base,
        _dir: dir,
    }
}

impl Peer {
    /// Stops the peer now (a server that dies mid-reply).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `emulate` seeded by `seed(redirect port)`, the app's services over it (after `tweak` changes
/// the config), the OAuth client `client_id` / `secret` set, and ada@example.com signed in.
pub struct SignedIn {
    pub peer: Peer,
    pub services: std::sync::Arc<libreollama::services::AppServices>,
    pub account: libreollama::model::AccountSummary,
    pub dir: tempfile::TempDir,
}

pub async fn signed_in_ada(
    seed: impl FnOnce(u16) -> String,
    client_id: &str,
    secret: &str,
    tweak: impl FnOnce(&mut libreollama::config::AppConfig),
) -> SignedIn {
    let port = free_port();
    let peer = emulate(&seed(port));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = super::config(dir.path());
    cfg.google.endpoints = libreollama::google::GoogleEndpoints::single_host(&peer.base);
    cfg.google.redirect_port = port;
    tweak(&mut cfg);
    let services = libreollama::services::AppServices::start(cfg)
        .await
        .unwrap();
    services
        .auth
        .set_client(client_id.into(), Some(secret.into()))
        .await
        .unwrap();
    let account = emulate_sign_in(&services, &peer.base, "ada@example.com").await;
    SignedIn {
        peer,
        services,
        account,
        dir,
    }
}

/// Ada signed in through `emulate`, her Tasks served by the fake at `tasks_base`, with quick
/// retries (the tests of Tasks).
pub async fn signed_in_with_tasks(tasks_base: String) -> SignedIn {
    fn seed(port: u16) -> String {
        format!(
            "google:\n  users:\n    - email: ada@example.com\n      name: Ada\n  oauth_clients:\n    - client_id: tasks.apps.googleusercontent.com\n      client_secret: GOCSPX-tasks\n      redirect_uris:\n        - http://127.0.0.1:{port}/\n"
        )
    }
    signed_in_ada(
        seed,
        "tasks.apps.googleusercontent.com",
        "GOCSPX-tasks",
        move |c| {
            c.google.endpoints.tasks_base = tasks_base;
            c.google.retry.base = std::time::Duration::from_millis(2);
            c.google.retry.cap = std::time::Duration::from_millis(10);
            c.google.retry.max_attempts = 2;
        },
    )
    .await
}
