//! Copying text from the page: the async clipboard API where the webview allows it, else the
//! older copy command on a hidden text area.

use dioxus::prelude::*;

pub async fn copy(text: &str) -> bool {
    let literal = serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into());
    let js = format!(
        r#"const t = {literal};
        try {{ await navigator.clipboard.writeText(t); return true; }}
        catch (_) {{
            const a = document.createElement("textarea");
            a.value = t; a.style.position = "fixed"; a.style.opacity = "0";
            document.body.appendChild(a); a.select();
            const ok = document.execCommand("copy"); a.remove(); return ok;
        }}"#
    );
    document::eval(&js)
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}
