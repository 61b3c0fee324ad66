//! The admin page's HTML: one layout, tables and small forms; escaped, no scripts, usable with a keyboard and
//! on a phone (the tables scroll sideways on a narrow screen).

use crate::service::markup::escape;

/// The sections of the admin page, in the navigation's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Dashboard,
    Peers,
    Accounts,
    Reports,
    Announcements,
    Audit,
}

impl Section {
    const ALL: [Section; 6] = [Section::Dashboard, Section::Peers, Section::Accounts, Section::Reports, Section::Announcements, Section::Audit];

    pub fn path(self) -> &'static str {
        match self {
            Section::Dashboard => "/admin",
            Section::Peers => "/admin/peers",
            Section::Accounts => "/admin/accounts",
            Section::Reports => "/admin/reports",
            Section::Announcements => "/admin/announcements",
            Section::Audit => "/admin/audit",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Section::Dashboard => "Dashboard",
            Section::Peers => "Peers",
            Section::Accounts => "Accounts",
            Section::Reports => "Reports",
            Section::Announcements => "Announcements",
            Section::Audit => "Audit log",
        }
    }

    /// Peers and announcements are for admins; moderators see the rest.
    pub fn for_admins_only(self) -> bool {
        matches!(self, Section::Peers | Section::Announcements)
    }
}

/// Who is looking at a page: their name, whether they are an admin, and the token their forms carry.
pub struct Viewer<'a> {
    pub username: &'a str,
    pub is_admin: bool,
    pub csrf: &'a str,
}

const STYLE: &str = r#"
:root { color-scheme: light; --accent: #4f46e5; --muted: #6b7280; --line: #e5e7eb; }
* { box-sizing: border-box; }
body { font-family: system-ui, sans-serif; margin: 0; background: #f3f4f6; color: #111827; line-height: 1.45; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 1; }
header { background: #1f2937; color: #fff; padding: .75rem 1rem; display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; }
header .instance { font-weight: 700; }
header nav { display: flex; flex-wrap: wrap; gap: .25rem; }
header nav a { color: #e5e7eb; text-decoration: none; padding: .35rem .6rem; border-radius: 6px; }
header nav a[aria-current=page] { background: var(--accent); color: #fff; }
header form { margin-left: auto; }
header button { background: transparent; color: #e5e7eb; border: 1px solid #6b7280; }
main { max-width: 72rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
section.card, .table-wrap { background: #fff; border-radius: 10px; box-shadow: 0 1px 3px rgba(0,0,0,.1); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; padding: .55rem .7rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f9fafb; font-weight: 600; white-space: nowrap; }
td.actions { white-space: nowrap; }
td.actions form { display: inline; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: .75rem; }
.figure { background: #fff; border-radius: 10px; padding: .9rem; box-shadow: 0 1px 3px rgba(0,0,0,.1); }
.figure .value { font-size: 1.8rem; font-weight: 700; }
.figure .label { color: var(--muted); font-size: .9rem; }
form.inline { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; background: #fff; padding: .9rem; border-radius: 10px; box-shadow: 0 1px 3px rgba(0,0,0,.1); margin-bottom: 1rem; }
form.inline label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); gap: .2rem; }
input, select, textarea { font: inherit; padding: .45rem .55rem; border: 1px solid #d1d5db; border-radius: 6px; background: #fff; }
textarea { min-width: min(30rem, 80vw); min-height: 4.5rem; }
button { font: inherit; padding: .45rem .8rem; border-radius: 6px; border: 0; background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #e5e7eb; color: #111827; }
button.danger { background: #b91c1c; }
.notice { background: #ecfdf5; color: #065f46; padding: .6rem .9rem; border-radius: 8px; margin-bottom: 1rem; }
.error { background: #fef2f2; color: #991b1b; padding: .6rem .9rem; border-radius: 8px; margin-bottom: 1rem; }
.muted { color: var(--muted); }
.badge { display: inline-block; font-size: .8rem; padding: .05rem .45rem; border-radius: 999px; background: #e5e7eb; margin-right: .25rem; }
.badge.bad { background: #fee2e2; color: #991b1b; } .badge.good { background: #dcfce7; color: #166534; }
@media (max-width: 40rem) {
  header form { margin-left: 0; } .figure .value { font-size: 1.4rem; }
  table, tbody, tr, td { display: block; } thead { display: none; }
  tr { border-bottom: 1px solid var(--line); padding: .4rem 0; }
  td { border: 0; padding: .2rem .7rem; } td.actions { white-space: normal; }
  td[data-label]:not([data-label=""])::before { content: attr(data-label); display: block; font-size: .75rem; color: var(--muted); }
}
"#;

/// A whole page: navigation (what this viewer may open), an optional notice, the section's body.
pub fn page(instance: &str, section: Section, viewer: &Viewer, notice: Option<&str>, body: &str) -> String {
    let nav: String = Section::ALL
        .iter()
        .filter(|s| viewer.is_admin || !s.for_admins_only())
        .map(|s| {
            let current = if *s == section { " aria-current=\"page\"" } else { "" };
            format!("<a href=\"{}\"{current}>{}</a>", s.path(), s.title())
        })
        .collect();
    let notice = notice.map(|text| format!("<p class=\"notice\" role=\"status\">{}</p>", escape(text))).unwrap_or_default();
    format!(
        r##"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {instance} admin</title><style>{STYLE}</style></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><span class="instance">{instance}</span><nav aria-label="Admin sections">{nav}</nav>
<form method="post" action="/admin/sign_out">{csrf}<button type="submit">Sign out @{user}</button></form></header>
<main id="main"><h1>{title}</h1>{notice}{body}</main></body></html>"##,
        title = section.title(),
        instance = escape(instance),
        csrf = csrf_field(viewer.csrf),
        user = escape(viewer.username),
    )
}

/// A page with only a message (refused, signed out, an error).
pub fn message(instance: &str, title: &str, text: &str, link: Option<(&str, &str)>) -> String {
    let link = link.map(|(href, words)| format!("<p><a href=\"{}\">{}</a></p>", escape(href), escape(words))).unwrap_or_default();
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {instance}</title><style>{STYLE}</style></head>
<body><main id="main"><h1>{title}</h1><p class="error" role="alert">{text}</p>{link}</main></body></html>"#,
        title = escape(title),
        instance = escape(instance),
        text = escape(text),
    )
}

pub fn csrf_field(csrf: &str) -> String {
    format!("<input type=\"hidden\" name=\"csrf\" value=\"{}\">", escape(csrf))
}

/// A table in a box that scrolls sideways on narrow screens; cells are HTML already escaped by the caller.
pub fn table(caption: &str, headers: &[&str], rows: &[Vec<String>]) -> String {
    if rows.is_empty() {
        return format!("<p class=\"muted\">{}</p>", escape(&format!("No {}.", caption.to_lowercase())));
    }
    let head: String = headers.iter().map(|h| format!("<th scope=\"col\">{}</th>", escape(h))).collect();
    let body: String = rows
        .iter()
        .map(|cells| {
            let last = cells.len().saturating_sub(1);
            let tds: String = cells
                .iter()
                .enumerate()
                .map(|(i, cell)| {
                    let label = escape(headers.get(i).copied().unwrap_or_default());
                    let class = if i == last && headers.last() == Some(&"") { " class=\"actions\"" } else { "" };
                    format!("<td data-label=\"{label}\"{class}>{cell}</td>")
                })
                .collect();
            format!("<tr>{tds}</tr>")
        })
        .collect();
    format!("<div class=\"table-wrap\"><table><caption class=\"skip\">{}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>", escape(caption))
}

/// A one-button form that posts to `action` (with the page's CSRF token and hidden fields).
pub fn button(action: &str, csrf: &str, fields: &[(&str, &str)], words: &str, class: &str) -> String {
    let hidden: String = fields.iter().map(|(name, value)| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", escape(name), escape(value))).collect();
    format!(
        "<form method=\"post\" action=\"{}\">{}{hidden}<button type=\"submit\" class=\"{class}\">{}</button></form>",
        escape(action),
        csrf_field(csrf),
        escape(words)
    )
}

pub fn when(time: Option<chrono::NaiveDateTime>) -> String {
    time.map_or_else(|| "–".to_owned(), |t| t.format("%Y-%m-%d %H:%M").to_string())
}

pub fn badge(text: &str, class: &str) -> String {
    format!("<span class=\"badge {class}\">{}</span>", escape(text))
}
