//! Every Google REST method this code calls, named as in the discovery documents. The discovery
//! test checks each against `tests/discovery/*.json` (HTTP method, path, parameter names).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// Discovery document name, e.g. "oauth2", "gmail".
    pub api: &'static str,
    /// Method id in the discovery document, e.g. "oauth2.userinfo.get".
    pub id: &'static str,
    pub http_method: &'static str,
    /// Path relative to the API's rootUrl, as in the discovery document.
    pub path: &'static str,
    /// Query/path parameters we send.
    pub params: &'static [&'static str],
    /// Gmail quota units (0 where the API has no per-method cost).
    pub quota_units: u32,
    /// Safe to repeat: retried on 5xx and network errors.
    pub idempotent: bool,
}

pub const USERINFO_GET: Endpoint = Endpoint {
    api: "oauth2",
    id: "oauth2.userinfo.get",
    http_method: "GET",
    path: "oauth2/v2/userinfo",
    params: &[],
    quota_units: 0,
    idempotent: true,
};

pub use super::gmail::labels::LIST as GMAIL_LABELS_LIST;

/// All endpoints in use, for the discovery test.
pub fn all() -> Vec<Endpoint> {
    use super::gmail::{drafts, history, labels, messages, profile, threads};
    let mut v = vec![USERINFO_GET, profile::GET_PROFILE, profile::SEND_AS_LIST];
    for group in [
        labels::ALL,
        drafts::ALL,
        messages::ALL,
        threads::ALL,
        history::ALL,
        super::tasks::ALL,
        super::calendar::ALL,
    ] {
        v.extend_from_slice(group);
    }
    v
}
