//! Google's error JSON, and how we classify it (rate limited or not, which service).

use serde::Deserialize;

use crate::google::endpoints::Endpoint;
use crate::google::ratelimit::Api;

#[derive(Debug, Deserialize)]
struct GoogleErrorBody {
    error: GoogleError,
}

#[derive(Debug, Deserialize)]
struct GoogleError {
    #[serde(default)]
    code: u16,
    #[serde(default)]
    message: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    errors: Vec<GoogleErrorItem>,
}

#[derive(Debug, Deserialize)]
struct GoogleErrorItem {
    #[serde(default)]
    reason: String,
}

/// Google's error as we classify it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiFailure {
    pub status: u16,
    pub reason: String,
    pub message: String,
}

pub fn parse_error(status: u16, body: &[u8]) -> ApiFailure {
    match serde_json::from_slice::<GoogleErrorBody>(body) {
        Ok(b) => ApiFailure {
            status: if b.error.code != 0 {
                b.error.code
            } else {
                status
            },
            reason: b
                .error
                .errors
                .first()
                .map(|e| e.reason.clone())
                .filter(|r| !r.is_empty())
                .unwrap_or(b.error.status),
            message: b.error.message,
        },
        Err(_) => ApiFailure {
            status,
            reason: String::new(),
            message: String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
        },
    }
}

pub(super) fn is_rate_limited(f: &ApiFailure) -> bool {
    f.status == 429
        || (f.status == 403
            && matches!(
                f.reason.as_str(),
                "rateLimitExceeded" | "userRateLimitExceeded"
            ))
}

pub(super) fn service_name(api: Api) -> &'static str {
    match api {
        Api::Gmail => "Gmail",
        Api::Calendar => "Google Calendar",
        Api::Tasks => "Google Tasks",
        Api::OAuth2 => "Google sign-in",
    }
}

pub fn api_of(e: &Endpoint) -> Api {
    match e.api {
        "gmail" => Api::Gmail,
        "calendar" => Api::Calendar,
        "tasks" => Api::Tasks,
        _ => Api::OAuth2,
    }
}
