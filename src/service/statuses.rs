//! Posting, editing and deleting statuses, and what others do to them (favourite, reblog, bookmark, pin).
//! Each function runs inside the caller's transaction: the status, its timeline rows and its
//! notifications are written together. By concern: `local` (one's own statuses), `remote` (what peers
//! deliver), `interactions`, `threads` (reading around a status), and `pipeline`, which local and remote
//! statuses share (mentions, tags, counters, fan-out, notifications).

mod groups;
mod interactions;
mod local;
mod pipeline;
mod remote;
mod transferred;
mod threads;

pub use local::{NewStatus, StatusChange, Written, create, edit, delete, expire, render_text};
pub use interactions::{favourite, unfavourite, bookmark, unbookmark, pin, unpin, reblog, unreblog, mute_conversation, unmute_conversation};
pub use threads::{Context, context, history, source, interacted_by};
pub use transferred::{transfer_in, TransferredStatus};
pub use groups::leave_group;
pub use remote::{RemoteStatus, create_remote, edit_remote, delete_remote, favourite_remote, unfavourite_remote, reblog_remote, unreblog_remote, forget_remote};

pub use crate::db::kinds::Visibility;
use crate::config::Settings;
use crate::db::models::{Account, Status, Tag};
use crate::db::queries::statuses;
use crate::db::{insert_if_absent, DbConn};
use crate::error::{AppError, AppResult};
use crate::ids::{self, StatusId};

pub const MAX_PINNED: i64 = 5;

pub fn find_or_create_tag(conn: &mut DbConn, name: &str) -> AppResult<Tag> {
    if let Some(tag) = statuses::find_tag(conn, name)? {
        return Ok(tag);
    }
    let tag = Tag { id: ids::next_id(), name: name.to_owned(), created_at: ids::now() };
    if insert_if_absent(conn, |conn| statuses::insert_tag(conn, &tag))? {
        Ok(tag)
    } else {
        statuses::find_tag(conn, name)?.ok_or(AppError::NotFound)
    }
}

/// A new status row of a local author: its addresses, the status it answers, its counters at zero; the caller
/// sets what was written (text, content, spoiler, sensitivity, visibility, language, app).
fn new_local_row(settings: &Settings, author: &Account, id: StatusId, parent: Option<&Status>, created_at: chrono::NaiveDateTime) -> Status {
    Status {
        id,
        uri: format!("{}/users/{}/statuses/{id}", settings.base_url(), author.username),
        url: format!("{}/@{}/{id}", settings.base_url(), author.username),
        account_id: author.id,
        local: true,
        in_reply_to_id: parent.map(|p| p.id),
        in_reply_to_account_id: parent.map(|p| p.account_id),
        reblog_of_id: None,
        text: String::new(),
        content: String::new(),
        spoiler_text: String::new(),
        sensitive: false,
        visibility: Visibility::Public,
        language: None,
        app_id: None,
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        created_at,
        edited_at: None,
        thread_id: parent.map_or(id, |p| p.thread_id),
        quote_policy: crate::db::kinds::QuotePolicy::Nobody,
        // A reply to a division-only post is one too.
        local_only: parent.is_some_and(|p| p.local_only),
        group_id: None,
    }
}

/// A status of the account's own, for changing it; Mastodon looks only among the caller's own, so
/// anyone else's status is not found.
fn own_status(conn: &mut DbConn, author: &Account, status_id: StatusId) -> AppResult<Status> {
    statuses::find(conn, status_id)?.filter(|s| s.account_id == author.id).ok_or(AppError::NotFound)
}
