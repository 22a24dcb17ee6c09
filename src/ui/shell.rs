use dioxus::prelude::*;

use super::hooks::use_theme;
use super::Route;

#[derive(Clone, Copy, PartialEq)]
enum Icon {
    Mail,
    Check,
    Cal,
    Chat,
    Ask,
    Spark,
    People,
    Pulse,
    Sliders,
    Info,
    Command,
}

#[derive(Clone, PartialEq)]
struct NavItem {
    to: Route,
    label: &'static str,
    icon: Icon,
}

/// Stroke icons drawn inline: no icon font to ship, and no glyph the system font may lack.
#[component]
fn NavIcon(icon: Icon) -> Element {
    rsx! {
        svg {
            class: "nav-icon",
            view_box: "0 0 24 24",
            width: "18",
            height: "18",
            fill: "none",
            stroke: "currentColor",
            stroke_width: "2",
            stroke_linecap: "round",
            stroke_linejoin: "round",
            "aria-hidden": "true",
            match icon {
                Icon::People => rsx! {
                    circle { cx: "9", cy: "8", r: "3.5" }
                    path { d: "M2.5 20c.8-3.6 3.4-5.5 6.5-5.5s5.7 1.9 6.5 5.5M16 4.5a3.5 3.5 0 0 1 0 7M18 14.7c1.9.7 3.1 2.5 3.5 5.3" }
                },
                Icon::Mail => rsx! {
                    rect { x: "3", y: "5", width: "18", height: "14", rx: "2" }
                    path { d: "M3.5 6.5 12 13l8.5-6.5" }
                },
                Icon::Cal => rsx! {
                    rect { x: "3.5", y: "5", width: "17", height: "15.5", rx: "2" }
                    path { d: "M3.5 10h17M8 3v4M16 3v4" }
                },
                Icon::Check => rsx! {
                    rect { x: "3.5", y: "3.5", width: "17", height: "17", rx: "3" }
                    path { d: "M8 12.5l2.8 2.8L16.5 9" }
                },
                Icon::Chat => rsx! { path { d: "M4 5h16v11H9l-5 4z" } },
                Icon::Ask => rsx! {
                    circle { cx: "11", cy: "11", r: "6.5" }
                    path { d: "M16 16l4.5 4.5M9.2 9.2a2 2 0 1 1 2.4 2.6c-.5.2-.6.5-.6 1M11 14.6v.01" }
                },
                Icon::Spark => rsx! { path { d: "M12 3v4M12 17v4M3 12h4M17 12h4M6 6l2.5 2.5M15.5 15.5 18 18M6 18l2.5-2.5M15.5 8.5 18 6" } },
                Icon::Pulse => rsx! { path { d: "M3 12h4l3-8 4 16 3-8h4" } },
                Icon::Sliders => rsx! {
                    path { d: "M4 7h9M17 7h3M4 17h3M11 17h9" }
                    circle { cx: "15", cy: "7", r: "2" }
                    circle { cx: "9", cy: "17", r: "2" }
                },
                Icon::Command => rsx! {
                    path { d: "M9 9V6.5A2.5 2.5 0 1 0 6.5 9H17.5A2.5 2.5 0 1 0 15 6.5V17.5A2.5 2.5 0 1 0 17.5 15H6.5A2.5 2.5 0 1 0 9 17.5Z" }
                },
                Icon::Info => rsx! {
                    circle { cx: "12", cy: "12", r: "9" }
                    path { d: "M12 11v6M12 7.5v.01" }
                },
            }
        }
    }
}

/// Sidebar + main area. Only areas that work are listed.
#[component]
pub fn Shell() -> Element {
    let theme = use_theme();
    let current = use_route::<Route>();
    super::palette::use_open_shortcut();
    #[cfg(feature = "desktop")]
    use_notification_clicks();
    let sections: [(&str, Vec<NavItem>); 3] = [
        (
            "Workspace",
            areas()
                .into_iter()
                .chain([nav(Route::Ask {}, "Ask mail", Icon::Ask)])
                .collect(),
        ),
        (
            "Settings",
            vec![
                nav(Route::Accounts {}, "Accounts", Icon::People),
                nav(Route::AiSettings {}, "AI", Icon::Spark),
                nav(Route::Diagnostics {}, "Diagnostics", Icon::Pulse),
                nav(Route::SettingsPage {}, "Preferences", Icon::Sliders),
            ],
        ),
        ("Help", vec![nav(Route::About {}, "About", Icon::Info)]),
    ];
    let section = area_of(&current);
    let tab = tab_of(&current);
    let title = format!("{} · LibreOllama", page_title(&current));
    let t = theme.theme.read().to_owned();
    // Mail uses the whole window for its panes.
    let full_bleed = matches!(
        current,
        Route::Mail {}
            | Route::MailThread { .. }
            | Route::Chat {}
            | Route::ChatWith { .. }
            | Route::Tasks {}
            | Route::Calendar {}
            | Route::CalendarMonth {}
    );
    let theme_attr = format!("{t:?}").to_lowercase();
    rsx! {
        document::Title { "{title}" }
        div { class: "app", "data-theme": "{theme_attr}", "data-area": tab.label.to_lowercase(),
            a { class: "skip-link", href: "#main", "Skip to content" }
            nav { class: "sidebar", aria_label: "Main",
                div { class: "brand",
                    span { class: "brand-mark", aria_hidden: "true", "◆" }
                    span { class: "brand-name", "LibreOllama" }
                }
                button {
                    class: "nav-link palette-button",
                    title: "Find and run anything ({super::palette::OPEN_KEYS})",
                    aria_keyshortcuts: if cfg!(any(target_os = "macos", target_os = "ios")) { "Meta+K" } else { "Control+K" },
                    onclick: move |_| *super::palette::PALETTE_OPEN.write() = true,
                    NavIcon { icon: Icon::Command }
                    span { class: "nav-label", "Commands" }
                    kbd { class: "nav-label palette-kbd", "{super::palette::OPEN_KEYS}" }
                }
                for (title, items) in sections {
                    div { class: "nav-section",
                        h2 { class: "nav-title", "{title}" }
                        ul {
                            for item in items {
                                li {
                                    Link {
                                        class: if item.to == section { "nav-link active" } else { "nav-link" },
                                        to: item.to.clone(),
                                        title: item.label,
                                        aria_current: if item.to == section { "page" } else { "false" },
                                        NavIcon { icon: item.icon }
                                        span { class: "nav-label", "{item.label}" }
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
            main { id: "main", class: if full_bleed { "content full" } else { "content" }, tabindex: "-1",
                div { class: "content-inner",
                    if let Some(err) = theme.error.read().as_ref() {
                        div { class: "banner error", role: "alert", "{err}" }
                    }
                    Outlet::<Route> {}
                    crate::ui::mail::send_toast::SendToast {}
                    super::palette::Palette {}
                }
            }
            // Phones: the sidebar gives way to this bar (assets/small-screens.css shows one or the other).
            nav { class: "bottom-nav", aria_label: "Main",
                for item in bottom_items() {
                    Link {
                        class: if item.to == tab.to { "bottom-link active" } else { "bottom-link" },
                        to: item.to.clone(),
                        aria_current: if item.to == tab.to { "page" } else { "false" },
                        NavIcon { icon: item.icon }
                        span { class: "bottom-label", "{item.label}" }
                    }
                }
            }
        }
    }
}

/// The sidebar entry a page lights: a page inside an area (one conversation) lights the area's.
fn area_of(route: &Route) -> Route {
    match route {
        Route::MailThread { .. }
        | Route::Compose { .. }
        | Route::MailDrafts {}
        | Route::MailOutbox {}
        | Route::MailSnoozed {} => Route::Mail {},
        Route::ChatWith { .. } => Route::Chat {},
        Route::CalendarMonth {} => Route::Calendar {},
        other => other.clone(),
    }
}

fn nav(to: Route, label: &'static str, icon: Icon) -> NavItem {
    NavItem { to, label, icon }
}

/// The four areas, first in the sidebar and in the phone's bottom bar.
fn areas() -> [NavItem; 4] {
    [
        nav(Route::Mail {}, "Mail", Icon::Mail),
        nav(Route::Tasks {}, "Tasks", Icon::Check),
        nav(Route::Calendar {}, "Calendar", Icon::Cal),
        nav(Route::Chat {}, "Chat", Icon::Chat),
    ]
}

/// The phone's bottom bar: the four areas and Settings, which leads to everything else.
fn bottom_items() -> Vec<NavItem> {
    areas()
        .into_iter()
        .chain([nav(Route::SettingsPage {}, "Settings", Icon::Sliders)])
        .collect()
}

/// The bottom-bar entry a page lights: pages without their own entry sit under Settings.
fn tab_of(route: &Route) -> NavItem {
    let area = area_of(route);
    let items = bottom_items();
    let settings = items[4].clone();
    items.into_iter().find(|i| i.to == area).unwrap_or(settings)
}

/// The window / tab title of each page.
fn page_title(route: &Route) -> &'static str {
    match route {
        Route::Mail {} | Route::MailThread { .. } => "Mail",
        Route::Compose { .. } => "Write mail",
        Route::MailDrafts {} => "Drafts",
        Route::MailOutbox {} => "Outbox",
        Route::MailSnoozed {} => "Snoozed",
        Route::Tasks {} => "Tasks",
        Route::Calendar {} => "Calendar",
        Route::CalendarMonth {} => "Calendar: month",
        Route::Chat {} | Route::ChatWith { .. } => "Chat",
        Route::Ask {} => "Ask your mailbox",
        Route::Diagnostics {} => "Diagnostics",
        Route::SettingsPage {} => "Preferences",
        Route::Accounts {} => "Accounts",
        Route::AiSettings {} => "AI",
        Route::About {} => "About",
    }
}

/// A clicked notification brings the window forward and opens what it announced.
#[cfg(feature = "desktop")]
fn use_notification_clicks() {
    use crate::model::NotifyTarget;
    let nav = navigator();
    use_future(move || async move {
        while let Ok(Some(target)) = crate::api::notify_next_open().await {
            let window = dioxus::desktop::window();
            window.set_minimized(false);
            window.set_focus();
            nav.push(match target {
                NotifyTarget::Thread { account, thread } => Route::MailThread { account, thread },
                NotifyTarget::Inbox => {
                    // Every account's Inbox, whatever folder the mail page showed last.
                    *super::mail::requests::MAIL_REQUEST.write() =
                        Some(super::mail::requests::MailRequest::Folder {
                            account: None,
                            folder: "INBOX".into(),
                        });
                    Route::Mail {}
                }
                NotifyTarget::Tasks => Route::Tasks {},
                NotifyTarget::Calendar => Route::Calendar {},
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_has_its_own_title_and_a_bottom_bar_entry() {
        let routes = [
            Route::Mail {},
            Route::MailThread {
                account: "a".into(),
                thread: "t".into(),
            },
            Route::Compose { id: "d".into() },
            Route::MailDrafts {},
            Route::MailOutbox {},
            Route::MailSnoozed {},
            Route::Tasks {},
            Route::Calendar {},
            Route::CalendarMonth {},
            Route::Chat {},
            Route::ChatWith { id: "c".into() },
            Route::Ask {},
            Route::Diagnostics {},
            Route::SettingsPage {},
            Route::Accounts {},
            Route::AiSettings {},
            Route::About {},
        ];
        for r in &routes {
            assert!(!page_title(r).is_empty());
        }
        assert_eq!(
            tab_of(&Route::MailThread {
                account: "a".into(),
                thread: "t".into()
            })
            .label,
            "Mail"
        );
        assert_eq!(tab_of(&Route::CalendarMonth {}).label, "Calendar");
        assert_eq!(tab_of(&Route::ChatWith { id: "c".into() }).label, "Chat");
        assert_eq!(tab_of(&Route::Diagnostics {}).label, "Settings");
        assert_eq!(tab_of(&Route::Tasks {}).label, "Tasks");
    }
}
