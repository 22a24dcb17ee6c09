//! The web preview's HTTP server: the wasm client and the command layer, for one person.
//!
//! A fullstack server on loopback is still reachable by every web page the user opens (a form or
//! a `text/plain` fetch needs no preflight) and by DNS rebinding (a name that resolves to
//! 127.0.0.1). So every request must carry the per-launch secret (given once in the printed URL,
//! then kept in an `HttpOnly; SameSite=Strict` cookie), name this server in `Host`, come from its
//! own `Origin`, and send JSON to the API. The rules are a pure function (`Gate::check`) so they
//! are tested without a socket; `serve` wires them in front of the Dioxus router.

use std::net::{IpAddr, SocketAddr};

/// The cookie that carries the per-launch secret after the first visit.
pub const COOKIE: &str = "libreollama_preview";
/// The query parameter of the printed URL.
pub const KEY_PARAM: &str = "key";

/// The parts of a request the gate looks at.
#[derive(Debug, Default, Clone)]
pub struct RequestParts<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub host: Option<&'a str>,
    pub origin: Option<&'a str>,
    pub sec_fetch_site: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub content_length: Option<&'a str>,
    pub cookie: Option<&'a str>,
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// The right key in the URL: set the cookie and send the browser to the same place without it.
    Unlock {
        location: String,
        cookie: String,
    },
    Refuse {
        status: u16,
        message: String,
    },
}

/// Who the server answers: its secret and the addresses it may be reached at.
#[derive(Clone)]
pub struct Gate {
    secret: String,
    /// Ports a browser may use to reach it: its own, and `dx serve`'s proxy in front of it.
    ports: Vec<u16>,
    /// Where it listens when that is not loopback (an explicit `IP`).
    bound_ip: Option<IpAddr>,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate")
            .field("ports", &self.ports)
            .field("bound_ip", &self.bound_ip)
            .finish_non_exhaustive()
    }
}

fn refuse(status: u16, message: impl Into<String>) -> Verdict {
    Verdict::Refuse {
        status,
        message: message.into(),
    }
}

/// Compares without stopping at the first difference, so timing says nothing of the secret.
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `host[:port]` → (host, port); IPv6 literals keep their brackets off.
fn split_host(value: &str) -> Option<(&str, Option<u16>)> {
    let value = value.trim();
    if let Some(rest) = value.strip_prefix('[') {
        let (ip, after) = rest.split_once(']')?;
        return match after {
            "" => Some((ip, None)),
            p => Some((ip, Some(p.strip_prefix(':')?.parse().ok()?))),
        };
    }
    match value.rsplit_once(':') {
        Some((h, p)) => Some((h, Some(p.parse().ok()?))),
        None => Some((value, None)),
    }
}

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Every value a cookie of that name has: a page on another port of this host can set one of
/// the same name (cookies are not kept apart by port), which must not lock the owner out.
fn cookie_values<'a>(header: &'a str, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    header
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .filter(move |(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl Gate {
    pub fn new(secret: String, ports: Vec<u16>, bound_ip: Option<IpAddr>) -> Gate {
        Gate {
            secret,
            ports,
            bound_ip: bound_ip.filter(|ip| !ip.is_loopback()),
        }
    }

    /// A fresh random secret (32 bytes, URL-safe base64).
    pub fn random_secret() -> String {
        use base64::Engine;
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// A host name a browser may use: loopback names always; the bound address when the user
    /// chose one; any IP literal when bound to all interfaces. Never another name, which is
    /// what DNS rebinding needs.
    fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        if host.eq_ignore_ascii_case("localhost") {
            return true;
        }
        let Ok(ip) = host.parse::<IpAddr>() else {
            return false;
        };
        ip.is_loopback()
            || match self.bound_ip {
                Some(b) if b.is_unspecified() => true,
                Some(b) => b == ip,
                None => false,
            }
    }

    fn authority_allowed(&self, authority: &str) -> bool {
        match split_host(authority) {
            Some((h, Some(port))) => self.host_allowed(h) && self.ports.contains(&port),
            // A browser always sends the port of a non-default-port URL.
            _ => false,
        }
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        origin
            .strip_prefix("http://")
            .is_some_and(|a| self.authority_allowed(a))
    }

    pub fn check(&self, r: &RequestParts<'_>) -> Verdict {
        let Some(host) = r.host else {
            return refuse(400, "This request names no Host; the web preview answers only requests addressed to it.");
        };
        if !self.authority_allowed(host) {
            return refuse(
                403,
                "This web preview answers only at its own address (the one it printed when it started). Open that link instead.",
            );
        }
        if let Some(origin) = r.origin {
            if !self.origin_allowed(origin) {
                return refuse(
                    403,
                    "Another web page tried to use this web preview; it answers only its own pages.",
                );
            }
        }
        // Browsers say where a request comes from: only our own pages (`same-origin`) and the
        // user opening the link (`none`) are ours. `same-site` is another port of this host,
        // which is another program.
        if r.sec_fetch_site.is_some_and(|s| {
            !s.eq_ignore_ascii_case("same-origin") && !s.eq_ignore_ascii_case("none")
        }) {
            return refuse(
                403,
                "Another web page tried to use this web preview; it answers only its own pages.",
            );
        }
        if let Some(key) = r.query.and_then(|q| query_param(q, KEY_PARAM)) {
            if !same_secret(key, &self.secret) {
                return refuse(
                    401,
                    "This link's key is not the one this web preview printed when it started. Open the link it printed last.",
                );
            }
            let rest: Vec<&str> = r
                .query
                .unwrap_or_default()
                .split('&')
                .filter(|kv| kv.split_once('=').map_or(*kv, |(k, _)| k) != KEY_PARAM)
                .collect();
            // Always a path on this server: `//evil.example/` would be another site.
            let mut location = format!("/{}", r.path.trim_start_matches(['/', '\\']));
            if !rest.is_empty() && rest.iter().any(|p| !p.is_empty()) {
                location.push('?');
                location.push_str(&rest.join("&"));
            }
            return Verdict::Unlock {
                location,
                cookie: format!(
                    "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/",
                    self.secret
                ),
            };
        }
        let has_cookie = r
            .cookie
            .is_some_and(|c| cookie_values(c, COOKIE).any(|v| same_secret(v, &self.secret)));
        if !has_cookie {
            return refuse(
                401,
                "This web preview is locked to the person who started it. Open the link it printed in the terminal (it ends in ?key=…).",
            );
        }
        let reads = matches!(r.method, "GET" | "HEAD" | "OPTIONS");
        if r.path.starts_with("/api/") && !reads {
            let json = r.content_type.is_some_and(|ct| {
                ct.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
            // A call without arguments (Add account, Sync now) posts nothing: no body, no type.
            // A form always names its type; fetch names its Origin on every POST, and a foreign
            // one was refused above — so an empty post passes only with our own Origin.
            let empty = r.content_type.is_none()
                && r.content_length.is_some_and(|l| l.trim() == "0")
                && r.origin.is_some();
            if !json && !empty {
                return refuse(
                    415,
                    "The web preview's API takes JSON only (Content-Type: application/json).",
                );
            }
        }
        Verdict::Pass
    }
}

/// Where the server listens and where a browser reaches it (`dx serve` proxies from its own port).
#[derive(Debug, Clone, Copy)]
pub struct Addresses {
    pub listen: SocketAddr,
    pub public: SocketAddr,
}

impl Addresses {
    /// `IP`/`PORT` as `dx` and the user set them (loopback:8080 when unset), and the devserver's
    /// address when `dx serve` runs in front.
    pub fn from_env() -> Addresses {
        let env_ip = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<IpAddr>().ok());
        let env_port = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u16>().ok());
        let listen = SocketAddr::new(
            env_ip("IP").unwrap_or(IpAddr::from([127, 0, 0, 1])),
            env_port("PORT").unwrap_or(8080),
        );
        let public = match (
            env_ip("DIOXUS_DEVSERVER_IP"),
            env_port("DIOXUS_DEVSERVER_PORT"),
        ) {
            (Some(ip), Some(port)) => SocketAddr::new(ip, port),
            _ => listen,
        };
        Addresses { listen, public }
    }

    /// The link to print: a loopback name for loopback or unspecified addresses.
    pub fn url(&self, secret: &str) -> String {
        let ip = self.public.ip();
        let host = if ip.is_unspecified() || ip.is_loopback() {
            "127.0.0.1".to_string()
        } else if ip.is_ipv6() {
            format!("[{ip}]")
        } else {
            ip.to_string()
        };
        format!("http://{host}:{}/?{KEY_PARAM}={secret}", self.public.port())
    }

    pub fn gate(&self, secret: String) -> Gate {
        let mut ports = vec![self.listen.port()];
        if self.public.port() != self.listen.port() {
            ports.push(self.public.port());
        }
        let exposed = [self.listen.ip(), self.public.ip()]
            .into_iter()
            .find(|ip| !ip.is_loopback());
        Gate::new(secret, ports, exposed)
    }

    pub fn exposed(&self) -> bool {
        !self.listen.ip().is_loopback() || !self.public.ip().is_loopback()
    }
}

mod http {
    use super::{Addresses, Gate, RequestParts, Verdict};
    use dioxus::prelude::*;
    use dioxus::server::axum::{
        self,
        body::Body,
        extract::{Request, State},
        http::{header, HeaderValue, Response, StatusCode},
        middleware::{self, Next},
    };

    async fn guard(State(gate): State<Gate>, req: Request, next: Next) -> Response<Body> {
        let h = req.headers();
        let text = |name: header::HeaderName| h.get(name).and_then(|v| v.to_str().ok());
        let parts = RequestParts {
            method: req.method().as_str(),
            path: req.uri().path(),
            query: req.uri().query(),
            host: text(header::HOST),
            origin: text(header::ORIGIN),
            sec_fetch_site: h.get("sec-fetch-site").and_then(|v| v.to_str().ok()),
            content_type: text(header::CONTENT_TYPE),
            content_length: text(header::CONTENT_LENGTH),
            cookie: text(header::COOKIE),
        };
        let mut res = match gate.check(&parts) {
            Verdict::Pass => next.run(req).await,
            Verdict::Unlock { location, cookie } => {
                let mut res = Response::new(Body::empty());
                *res.status_mut() = StatusCode::SEE_OTHER;
                if let Ok(v) = HeaderValue::from_str(&location) {
                    res.headers_mut().insert(header::LOCATION, v);
                }
                if let Ok(v) = HeaderValue::from_str(&cookie) {
                    res.headers_mut().insert(header::SET_COOKIE, v);
                }
                res.headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                res
            }
            Verdict::Refuse { status, message } => {
                tracing::warn!(status, path = parts.path, "web preview refused a request");
                let json = parts.path.starts_with("/api/");
                let body = if json {
                    serde_json::json!({ "error": message }).to_string()
                } else {
                    format!(
                        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>LibreOllama web preview</title></head>\
                         <body style=\"font:16px system-ui,sans-serif;margin:3em\"><h1>LibreOllama web preview</h1><p>{}</p></body></html>",
                        message.replace('&', "&amp;").replace('<', "&lt;")
                    )
                };
                let mut res = Response::new(Body::from(body));
                *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
                res.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(if json {
                        "application/json"
                    } else {
                        "text/html; charset=utf-8"
                    }),
                );
                res
            }
        };
        // No other page may frame the preview (clickjacking its buttons).
        let h = res.headers_mut();
        h.insert("x-frame-options", HeaderValue::from_static("DENY"));
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'none'"),
        );
        res
    }

    /// Serves `app` and every server function behind the gate until the process ends.
    pub async fn serve(app: fn() -> Element) -> std::io::Result<()> {
        let addrs = Addresses::from_env();
        let gate = addrs.gate(Gate::random_secret());
        let listener = tokio::net::TcpListener::bind(addrs.listen).await?;
        if addrs.exposed() {
            let warning = format!(
                "WARNING: the LibreOllama web preview listens on {} — your mailbox is reachable from \
                 the network. Anyone who gets the link below can read and send your mail. Unset IP \
                 (or use IP=127.0.0.1) to keep it on this machine.",
                addrs.listen
            );
            eprintln!("\n{}\n{warning}\n{}\n", "!".repeat(78), "!".repeat(78));
            tracing::warn!(addr = %addrs.listen, "web preview reachable from the network");
        }
        // The key goes to the terminal of the person who started it, never to the log.
        println!("LibreOllama web preview: open {}", addrs.url(gate.secret()));
        tracing::info!(addr = %addrs.listen, "web preview serving");
        let router = dioxus::server::router(app).layer(middleware::from_fn_with_state(gate, guard));
        axum::serve(listener, router).await
    }
}

pub use http::serve;

#[cfg(test)]
mod tests;
