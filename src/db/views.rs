//! Rows gathered for one viewer: a status with its author, mentions, tags, media, poll and the viewer's own
//! marks and filter matches. Plain data, loaded by `service::views` and read by the API and ActivityPub
//! converters (and by the outbox, within the transaction that wrote the status).

use crate::db::kinds::FilterAction;
use crate::db::models::{Account, CustomEmoji, Filter, FilterKeyword, FilterStatus, MediaAttachment, Mute, Notification, OauthApp, Poll, Quote, Status, Tag};
use std::sync::Arc;

use crate::ids::AccountId;

#[derive(Debug, Clone)]
pub struct StatusView {
    pub status: Arc<Status>,
    pub account: Arc<Account>,
    pub reblog: Option<Box<StatusView>>,
    pub mentions: Vec<Arc<Account>>,
    pub tags: Arc<[Tag]>,
    pub app: Option<Arc<OauthApp>>,
    /// The viewer's own marks, None for anonymous readers.
    pub viewer: Option<ViewerFlags>,
    /// The source text, set only when a status is answered as deleted (for redraft).
    pub deleted_source: Option<String>,
    /// The viewer's filters this status matched in the context it is shown in.
    pub filtered: Vec<FilterHit>,
    pub media: Arc<[MediaAttachment]>,
    pub poll: Option<PollView>,
    pub emojis: Arc<[CustomEmoji]>,
    /// The cached parts the view was assembled from, when it was from the caches (its rendering can then be
    /// kept as long as they, its account and mentions are the entries in the caches: [`SharedParts`]).
    pub cached_parts: Option<Arc<StatusParts>>,
    /// The status it quotes, as this viewer may see it.
    pub quote: Option<QuoteView>,
    /// Accepted quotes of it.
    pub quotes_count: i64,
    /// Whether this viewer may quote it.
    pub quote_permission: QuotePermission,
}

/// A quote as a viewer sees it: its state, and the quoted status when it is shown (one level deep: the quoted
/// status's own quote carries only the id of what it quotes).
#[derive(Debug, Clone)]
pub struct QuoteView {
    pub row: Quote,
    pub state: ShownQuoteState,
    pub quoted: Option<Box<StatusView>>,
    pub quoted_status_id: Option<crate::ids::StatusId>,
}

/// A quote's state as Mastodon shows it: the stored one, or why an accepted one is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShownQuoteState {
    Stored(crate::db::kinds::QuoteState),
    Deleted,
    Unauthorized,
}

impl ShownQuoteState {
    pub fn as_str(self) -> &'static str {
        match self {
            ShownQuoteState::Stored(state) => state.as_str(),
            ShownQuoteState::Deleted => "deleted",
            ShownQuoteState::Unauthorized => "unauthorized",
        }
    }
}

/// Whether the viewer may quote a status (Mastodon's `quote_approval.current_user`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuotePermission {
    Automatic,
    #[default]
    Denied,
    /// The author's instance has a policy Hallway cannot read: asking may work.
    Unknown,
}

impl QuotePermission {
    pub fn as_str(self) -> &'static str {
        match self {
            QuotePermission::Automatic => "automatic",
            QuotePermission::Denied => "denied",
            QuotePermission::Unknown => "unknown",
        }
    }
}

/// What a view's viewer-independent rendering depends on: the status's cached parts and the cached accounts of
/// its author and mentions.
#[derive(Debug, Clone)]
pub struct SharedParts {
    parts: Arc<StatusParts>,
    account: Arc<Account>,
    mentions: Vec<Arc<Account>>,
}

impl SharedParts {
    /// What `view` was assembled from, when it came from the caches.
    pub fn of(view: &StatusView) -> Option<SharedParts> {
        let parts = view.cached_parts.clone()?;
        Some(SharedParts { parts, account: view.account.clone(), mentions: view.mentions.clone() })
    }

    /// Whether `view` was assembled from these same entries (not equal copies): nothing was dropped from the
    /// caches in between.
    pub fn made(&self, view: &StatusView) -> bool {
        view.cached_parts.as_ref().is_some_and(|parts| Arc::ptr_eq(&self.parts, parts))
            && Arc::ptr_eq(&self.account, &view.account)
            && self.mentions.len() == view.mentions.len()
            && self.mentions.iter().zip(&view.mentions).all(|(a, b)| Arc::ptr_eq(a, b))
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ViewerFlags {
    pub viewer_id: crate::ids::AccountId,
    pub favourited: bool,
    pub reblogged: bool,
    pub bookmarked: bool,
    pub pinned: bool,
    /// The viewer muted the status's conversation.
    pub muted: bool,
}

#[derive(Debug, Clone)]
pub struct NotificationView {
    pub notification: Notification,
    pub account: Account,
    pub status: Option<StatusView>,
}

/// Why a status matched one filter, as Mastodon's FilterResult reports it.
#[derive(Debug, Clone)]
pub struct FilterHit {
    pub filter: Filter,
    pub keyword_matches: Option<Vec<String>>,
    pub status_matches: Option<Vec<String>>,
}

impl FilterHit {
    pub fn hides(&self) -> bool {
        self.filter.action == FilterAction::Hide
    }
}

/// A poll as one viewer sees it: with their own choices when signed in.
#[derive(Debug, Clone)]
pub struct PollView {
    pub poll: Poll,
    pub own_votes: Option<Vec<i32>>,
    /// Whether the viewer wrote the poll (authors see hidden totals).
    pub viewer_is_author: bool,
}

/// What every viewer sees of a status (besides its author's and mentioned accounts, kept apart): the unit of
/// the status cache.
#[derive(Debug, Clone)]
pub struct StatusParts {
    pub status: Arc<Status>,
    pub mention_ids: Vec<AccountId>,
    pub tags: Arc<[Tag]>,
    pub media: Arc<[MediaAttachment]>,
    pub poll: Option<Poll>,
    pub emojis: Arc<[CustomEmoji]>,
    pub app: Option<Arc<OauthApp>>,
    /// The status it quotes, when it quotes one.
    pub quote: Option<Quote>,
    /// How many accepted quotes of it there are.
    pub quotes_count: i64,
}

/// One viewer's marks on one status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewerMarks {
    pub favourited: bool,
    pub reblogged: bool,
    pub bookmarked: bool,
    pub pinned: bool,
    pub muted: bool,
    /// The choices of the viewer's vote on the status's poll.
    pub poll_choices: Vec<i32>,
}

/// A filter with its keywords and statuses.
#[derive(Debug, Clone)]
pub struct FilterView {
    pub filter: Filter,
    pub keywords: Vec<FilterKeyword>,
    pub statuses: Vec<FilterStatus>,
}

/// What one viewer hides from their timelines and how they filter: the unit of the viewer cache.
#[derive(Debug, Clone, Default)]
pub struct ViewerState {
    /// Every filter, expired ones too (they are checked when applied).
    pub filters: Vec<FilterView>,
    /// Every mute, expired ones too.
    pub mutes: Vec<Mute>,
    pub blocked_either_way: Vec<AccountId>,
    pub blocked_domains: Vec<String>,
    pub exclusive_list_members: Vec<AccountId>,
}
