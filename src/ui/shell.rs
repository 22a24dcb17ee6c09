use dioxus::prelude::*;

use super::hooks::use_theme;
use super::Route;

#[derive(Clone, PartialEq)]
struct NavItem {
    to: Route,
    label: &'static str,
    icon: &'static str,
}

/// Sidebar + main area. Only areas that work are listed.
#[component]
pub fn Shell() -> Element {
    let theme = use_theme();
    let current = use_route::<Route>();
    let sections: [(&str, Vec<NavItem>); 2] = [
        (
            "Settings",
            vec![
                NavItem { to: Route::Diagnostics {}, label: "Diagnostics", icon: "◎" },
                NavItem { to: Route::SettingsPage {}, label: "Preferences", icon: "⚙" },
            ],
        ),
        (
            "Help",
            vec![NavItem { to: Route::About {}, label: "About", icon: "ⓘ" }],
        ),
    ];
    let t = theme.theme.read().to_owned();
    let theme_attr = format!("{t:?}").to_lowercase();
    rsx! {
        div { class: "app", "data-theme": "{theme_attr}",
            a { class: "skip-link", href: "#main", "Skip to content" }
            nav { class: "sidebar", aria_label: "Main",
                div { class: "brand",
                    span { class: "brand-mark", aria_hidden: "true", "◆" }
                    span { class: "brand-name", "LibreOllama" }
                }
                for (title, items) in sections {
                    div { class: "nav-section",
                        h2 { class: "nav-title", "{title}" }
                        ul {
                            for item in items {
                                li {
                                    Link {
                                        class: if item.to == current { "nav-link active" } else { "nav-link" },
                                        to: item.to.clone(),
                                        aria_current: if item.to == current { "page" } else { "false" },
                                        span { class: "nav-icon", aria_hidden: "true", "{item.icon}" }
                                        "{item.label}"
                                    }
                                }
                            }
                        }
                    }
                }
                div { class: "sidebar-footer",
                    button {
                        class: "theme-toggle",
                        title: "Switch between system, light and dark theme",
                        onclick: move |_| theme.set(t.next()),
                        "Theme: {t.label()}"
                    }
                }
            }
            main { id: "main", class: "content", tabindex: "-1",
                if let Some(err) = theme.error.read().as_ref() {
                    div { class: "banner error", role: "alert", "{err}" }
                }
                Outlet::<Route> {}
            }
        }
    }
}
