//! Every Google REST method our code calls exists in Google's published discovery document with
//! the same HTTP method, path and parameter names (tests/discovery/*.json, copied from Google).

#![cfg(feature = "backend")]

use std::path::Path;

use libreollama::google::endpoints::{all, Endpoint};
use serde_json::Value;

fn doc(api: &str) -> Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/discovery");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("{api}."))
        })
        .unwrap_or_else(|| panic!("no discovery document for {api} in {}", dir.display()));
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

fn find_method<'a>(node: &'a Value, id: &str) -> Option<&'a Value> {
    if let Some(methods) = node.get("methods").and_then(Value::as_object) {
        if let Some(m) = methods.values().find(|m| m["id"] == id) {
            return Some(m);
        }
    }
    node.get("resources")
        .and_then(Value::as_object)?
        .values()
        .find_map(|r| find_method(r, id))
}

fn problems(e: &Endpoint) -> Vec<String> {
    let d = doc(e.api);
    let Some(m) = find_method(&d, e.id) else {
        return vec![format!("{}: no method with this id in {}", e.id, e.api)];
    };
    let mut out = Vec::new();
    if m["httpMethod"] != e.http_method {
        out.push(format!(
            "{}: we send {}, Google documents {}",
            e.id, e.http_method, m["httpMethod"]
        ));
    }
    let doc_path = format!(
        "{}{}",
        d["servicePath"].as_str().unwrap_or(""),
        m["path"].as_str().unwrap()
    );
    let flat = m["flatPath"]
        .as_str()
        .map(|f| format!("{}{f}", d["servicePath"].as_str().unwrap_or("")));
    if doc_path != e.path && flat.as_deref() != Some(e.path) {
        out.push(format!("{}: path {} is not {doc_path}", e.id, e.path));
    }
    let params = m["parameters"].as_object().cloned().unwrap_or_default();
    let global = d["parameters"].as_object().cloned().unwrap_or_default();
    for p in e.params {
        if !params.contains_key(*p) && !global.contains_key(*p) {
            out.push(format!("{}: parameter {p} is not documented", e.id));
        }
    }
    out
}

#[test]
fn every_endpoint_we_call_is_in_the_discovery_documents() {
    let found: Vec<String> = all().iter().flat_map(problems).collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
    assert!(all().len() >= 20);
}

#[test]
fn the_check_notices_a_wrong_endpoint() {
    let base = all()[0];
    let wrong_method = Endpoint {
        http_method: "POST",
        ..base
    };
    let wrong_path = Endpoint {
        path: "oauth2/v3/userinfo",
        ..base
    };
    let wrong_param = Endpoint {
        params: &["bogus"],
        ..base
    };
    let unknown = Endpoint {
        id: "oauth2.userinfo.nope",
        ..base
    };
    for e in [wrong_method, wrong_path, wrong_param, unknown] {
        assert_eq!(problems(&e).len(), 1, "{e:?}");
    }
}
