//! Rows gathered for one viewer: a status with its author, mentions, tags, media, poll and the viewer's own
//! marks and filter matches. Plain data, loaded by `service::views` and read by the API and ActivityPub
//! converters (and by the outbox, within the transaction that wrote the status).

use crate::db::kinds::FilterAction;
use crate::db::models::{Account, CustomEmoji, Filter, MediaAttachment, Notification, OauthApp, Poll, Status, Tag};

#[derive(Debug, Clone)]
pub struct StatusView {
    pub status: Status,
    pub account: Account,
    pub reblog: Option<Box<StatusView>>,
    pub mentions: Vec<Account>,
    pub tags: Vec<Tag>,
    pub app: Option<OauthApp>,
    /// The viewer's own marks, None for anonymous readers.
    pub viewer: Option<ViewerFlags>,
    /// The source text, set only when a status is answered as deleted (for redraft).
    pub deleted_source: Option<String>,
    /// The viewer's filters this status matched in the context it is shown in.
    pub filtered: Vec<FilterHit>,
    pub media: Vec<MediaAttachment>,
    pub poll: Option<PollView>,
    pub emojis: Vec<CustomEmoji>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ViewerFlags {
    pub viewer_id: crate::ids::AccountId,
    pub favourited: bool,
    pub reblogged: bool,
    pub bookmarked: bool,
    pub pinned: bool,
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
