use serde::Serialize;

use super::{timestamp, Account, CustomEmoji, FilterResult, MediaAttachment, Poll};
use crate::config::Settings;
use crate::db::kinds::{QuotePolicy, Visibility};
use crate::db::models::StatusEdit as EditRow;
use crate::service::views::StatusView;

/// A status as Mastodon answers it: what every viewer sees, what this viewer sees, and the reblogged status.
#[derive(Debug, Serialize)]
pub struct Status {
    #[serde(flatten)]
    pub shared: SharedFields,
    #[serde(flatten)]
    pub own: ViewerFields,
    pub reblog: Option<Box<Status>>,
    pub quote: Option<Quote>,
    pub quote_approval: QuoteApproval,
}

/// The status a status quotes (Mastodon 4.5): in full one level deep, by id below that.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Quote {
    Full { state: &'static str, quoted_status: Option<Box<Status>> },
    Shallow { state: &'static str, quoted_status_id: Option<String> },
}

impl Quote {
    pub fn of(view: &StatusView, settings: &Settings) -> Option<Quote> {
        let quote = view.quote.as_ref()?;
        let state = quote.state.as_str();
        Some(match &quote.quoted {
            Some(quoted) => Quote::Full { state, quoted_status: Some(Box::new(Status::from_view(quoted, settings))) },
            None if quote.quoted_status_id.is_some() => Quote::Shallow { state, quoted_status_id: quote.quoted_status_id.map(|id| id.to_string()) },
            None => Quote::Full { state, quoted_status: None },
        })
    }
}

/// Who may quote a status, and whether the viewer may (`quote_approval`).
#[derive(Debug, Serialize)]
pub struct QuoteApproval {
    pub automatic: Vec<&'static str>,
    pub manual: Vec<&'static str>,
    pub current_user: &'static str,
}

impl QuoteApproval {
    pub fn of(view: &StatusView) -> QuoteApproval {
        let proper = view.reblog.as_deref().unwrap_or(view);
        let automatic = match proper.status.quote_policy {
            QuotePolicy::Public => vec!["public"],
            QuotePolicy::Followers => vec!["followers"],
            QuotePolicy::Nobody => Vec::new(),
            QuotePolicy::Unsupported => vec!["unsupported_policy"],
        };
        QuoteApproval { automatic, manual: Vec::new(), current_user: view.quote_permission.as_str() }
    }
}

/// The fields that are the same for every viewer (kept rendered, see [`super::rendered`]).
#[derive(Debug, Serialize)]
pub struct SharedFields {
    pub id: String,
    pub created_at: String,
    pub in_reply_to_id: Option<String>,
    pub in_reply_to_account_id: Option<String>,
    pub sensitive: bool,
    pub spoiler_text: String,
    pub visibility: String,
    pub language: Option<String>,
    pub uri: String,
    pub url: Option<String>,
    pub replies_count: i32,
    pub reblogs_count: i32,
    pub favourites_count: i32,
    pub quotes_count: i32,
    pub edited_at: Option<String>,
    /// Division-only (as GoToSocial and glitch-soc show it).
    pub local_only: bool,
    pub content: String,
    pub application: Option<Application>,
    pub account: Account,
    pub media_attachments: Vec<MediaAttachment>,
    pub mentions: Vec<Mention>,
    pub tags: Vec<Tag>,
    pub emojis: Vec<CustomEmoji>,
    pub card: Option<serde_json::Value>,
}

/// The fields that depend on the viewer (absent for anonymous readers, as in Mastodon).
#[derive(Debug, Serialize)]
pub struct ViewerFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub favourited: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reblogged: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub muted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bookmarked: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filtered: Option<Vec<FilterResult>>,
    pub poll: Option<Poll>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Application {
    pub name: String,
    pub website: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Mention {
    pub id: String,
    pub username: String,
    pub url: String,
    pub acct: String,
}

#[derive(Debug, Serialize)]
pub struct Tag {
    pub name: String,
    pub url: String,
}

impl Status {
    pub fn from_view(view: &StatusView, settings: &Settings) -> Status {
        Status {
            shared: SharedFields::from_view(view, settings),
            own: ViewerFields::from_view(view),
            reblog: view.reblog.as_ref().map(|original| Box::new(Status::from_view(original, settings))),
            quote: Quote::of(view, settings),
            quote_approval: QuoteApproval::of(view),
        }
    }

    pub fn list(views: &[StatusView], settings: &Settings) -> Vec<Status> {
        views.iter().map(|v| Status::from_view(v, settings)).collect()
    }
}

impl SharedFields {
    pub fn from_view(view: &StatusView, settings: &Settings) -> SharedFields {
        let status = &view.status;
        SharedFields {
            id: status.id.to_string(),
            created_at: timestamp(&status.created_at),
            in_reply_to_id: status.in_reply_to_id.map(|id| id.to_string()),
            in_reply_to_account_id: status.in_reply_to_account_id.map(|id| id.to_string()),
            sensitive: status.sensitive,
            spoiler_text: status.spoiler_text.clone(),
            visibility: status.visibility.to_string(),
            language: status.language.clone(),
            uri: status.uri.clone(),
            url: Some(status.url.clone()),
            replies_count: status.replies_count.max(0),
            reblogs_count: status.reblogs_count.max(0),
            favourites_count: status.favourites_count.max(0),
            quotes_count: i32::try_from(view.quotes_count).unwrap_or(i32::MAX),
            edited_at: status.edited_at.as_ref().map(timestamp),
            local_only: status.local_only,
            content: status.content.clone(),
            application: view.app.as_ref().map(|app| Application { name: app.name.clone(), website: app.website.clone() }),
            account: Account::from_row(&view.account, settings),
            media_attachments: MediaAttachment::list(&view.media, settings),
            mentions: view
                .mentions
                .iter()
                .map(|a| {
                    let account = Account::from_row(a, settings);
                    Mention { id: account.id, username: account.username, url: account.url, acct: account.acct }
                })
                .collect(),
            tags: view
                .tags
                .iter()
                .map(|t| Tag { name: t.name.to_lowercase(), url: format!("{}/tags/{}", settings.base_url(), t.name.to_lowercase()) })
                .collect(),
            emojis: CustomEmoji::list(&view.emojis, settings),
            card: None,
        }
    }
}

impl ViewerFields {
    pub fn from_view(view: &StatusView) -> ViewerFields {
        let status = &view.status;
        let pinnable = view.reblog.is_none() && status.visibility != Visibility::Direct;
        let flags = view.viewer;
        let own = flags.is_some();
        ViewerFields {
            favourited: flags.map(|f| f.favourited),
            reblogged: flags.map(|f| f.reblogged),
            muted: flags.map(|f| f.muted),
            bookmarked: flags.map(|f| f.bookmarked),
            pinned: flags.filter(|f| pinnable && f.viewer_id == status.account_id).map(|f| f.pinned),
            filtered: own.then(|| view.filtered.iter().map(FilterResult::from_hit).collect()),
            poll: view.poll.as_ref().map(Poll::from_view),
            text: view.deleted_source.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Context {
    pub ancestors: Vec<Status>,
    pub descendants: Vec<Status>,
}

#[derive(Debug, Serialize)]
pub struct StatusEdit {
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub created_at: String,
    pub account: Account,
    pub poll: Option<EditedPoll>,
    pub media_attachments: Vec<MediaAttachment>,
    pub emojis: Vec<CustomEmoji>,
}

#[derive(Debug, Serialize)]
pub struct EditedPoll {
    pub options: Vec<EditedPollOption>,
}

#[derive(Debug, Serialize)]
pub struct EditedPollOption {
    pub title: String,
}

impl StatusEdit {
    /// An entry of the history as the status read then: its attachments and poll options, and the custom
    /// emojis its text used.
    pub fn from_row(edit: &EditRow, view: &StatusView, settings: &Settings) -> StatusEdit {
        let status = &view.status;
        let media: Vec<_> = edit.media.iter().map(|m| m.as_row(status.account_id, status.id, edit.created_at)).collect();
        let used = |shortcode: &str| {
            let written = format!(":{shortcode}:");
            edit.content.contains(&written) || edit.spoiler_text.contains(&written)
        };
        let emojis: Vec<_> = view.emojis.iter().filter(|e| used(&e.shortcode)).cloned().collect();
        StatusEdit {
            content: edit.content.clone(),
            spoiler_text: edit.spoiler_text.clone(),
            sensitive: edit.sensitive,
            created_at: timestamp(&edit.created_at),
            account: Account::from_row(&view.account, settings),
            poll: edit.poll_options.as_ref().map(|titles| EditedPoll {
                options: titles.iter().map(|title| EditedPollOption { title: title.clone() }).collect(),
            }),
            media_attachments: MediaAttachment::list(&media, settings),
            emojis: CustomEmoji::list(&emojis, settings),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct StatusSource {
    pub id: String,
    pub text: String,
    pub spoiler_text: String,
}
