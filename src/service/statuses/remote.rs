//! Statuses and interactions other instances deliver, applied through the same pipeline as local ones.

use crate::db::{DbConn, Tx};
use crate::db::events::Event;
use crate::db::kinds::{NotificationKind, Visibility};
use crate::db::models::{Account, Status, StatusEditForm};
use crate::db::queries::{accounts, marks, notifications as notification_rows, statuses};
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId, StatusId};
use crate::service::media;
use crate::service::notifications::notify;
use crate::service::views;

use super::pipeline::{insert_reblog, keep_found, new_mark, publish, remove_reblog, snapshot, withdraw, Published};
use super::find_or_create_tag;
use super::groups::MembersOnly;

/// A status from another instance, as its Note says, already read into plain values.
#[derive(Debug, Clone)]
pub struct RemoteStatus {
    pub uri: String,
    pub url: String,
    /// Already sanitised (`sanitize::html`), before the transaction that stores it.
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub visibility: Visibility,
    pub language: Option<String>,
    pub in_reply_to_uri: Option<String>,
    pub mentioned_uris: Vec<String>,
    pub tags: Vec<String>,
    pub published: Option<chrono::NaiveDateTime>,
    pub media: Vec<media::RemoteMedia>,
    pub poll: Option<crate::service::polls::RemotePoll>,
    /// Custom emojis the status uses: shortcode and image URL.
    pub emojis: Vec<(String, String)>,
    /// Who may quote it, as its `interactionPolicy.canQuote` says.
    pub quote_policy: crate::db::kinds::QuotePolicy,
    /// The status it quotes, and the quoted author's authorization when it has one.
    pub quoted_uri: Option<String>,
    pub quote_authorization: Option<String>,
    /// The authorization was fetched from the quoted author's instance and names this quote.
    pub quote_verified: bool,
    /// The private group it is a members-only post of, when it came through that group's boost.
    pub group_id: Option<AccountId>,
    /// The note as its author's instance sent it, when it carries its author's proof (a post to a private
    /// group, which the group relays unchanged).
    pub signed_object: Option<String>,
    /// Found afterwards (a company-wide search), not arriving now: kept under its own time, reaching no home
    /// timeline, notification or group.
    pub backfill: bool,
}

/// Accounts we know among the mentioned URIs (local ones and remote ones already stored).
fn known_accounts(conn: &mut DbConn, uris: &[String]) -> AppResult<Vec<Account>> {
    let mut found = Vec::new();
    for uri in uris {
        if let Some(account) = accounts::find_by_uri(conn, uri)? {
            if !found.iter().any(|a: &Account| a.id == account.id) {
                found.push(account);
            }
        }
    }
    Ok(found)
}

fn tag_ids(conn: &mut DbConn, names: &[String]) -> AppResult<Vec<i64>> {
    let mut ids = Vec::new();
    for name in names.iter().filter(|n| !n.is_empty()) {
        let id = find_or_create_tag(conn, name)?.id;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Stores a status another instance delivered; the same fan-out, notifications and counters as a local
/// one. Answers the new status's id, or None when it was known already.
pub fn create_remote(tx: &mut Tx, author: &Account, remote: RemoteStatus) -> AppResult<Option<StatusId>> {
    let too_long = |address: &str| address.len() > crate::service::remote::MAX_URI_LENGTH;
    if too_long(&remote.uri) || too_long(&remote.url) || remote.media.iter().any(|m| too_long(&m.url)) {
        return Ok(None);
    }
    if statuses::find_by_uri_or_url(tx, &remote.uri)?.is_some() {
        return Ok(None);
    }
    let parent = match &remote.in_reply_to_uri {
        Some(uri) => known_to_peers(statuses::find_by_uri_or_url(tx, uri)?),
        None => None,
    };
    let mentioned = known_accounts(tx, &remote.mentioned_uris)?;
    let now = ids::now();
    let id = match remote.published.filter(|_| remote.backfill) {
        Some(published) => StatusId(ids::id_at(published)),
        None => StatusId::next(),
    };
    let status = Status {
        id,
        uri: remote.uri,
        url: remote.url,
        account_id: author.id,
        local: false,
        in_reply_to_id: parent.as_ref().map(|p| p.id),
        in_reply_to_account_id: parent.as_ref().map(|p| p.account_id),
        reblog_of_id: None,
        text: String::new(),
        content: remote.content,
        spoiler_text: remote.spoiler_text,
        sensitive: remote.sensitive,
        visibility: remote.visibility,
        language: remote.language,
        app_id: None,
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        created_at: remote.published.filter(|p| *p <= now).unwrap_or(now),
        edited_at: None,
        thread_id: parent.as_ref().map_or(id, |p| p.thread_id),
        quote_policy: remote.quote_policy,
        local_only: false,
        group_id: remote.group_id,
    };
    statuses::insert(tx, &status)?;
    if let Some(object) = &remote.signed_object {
        statuses::keep_group_object(tx, id, object)?;
    }
    if let Some(quoted_uri) = &remote.quoted_uri {
        crate::service::quotes::record_remote(tx, &status, quoted_uri, remote.quote_authorization.as_deref(), remote.quote_verified)?;
    }
    learn_emojis(tx, author, &remote.emojis)?;
    media::replace_remote(tx, author, id, &remote.media)?;
    if let Some(poll) = &remote.poll {
        crate::service::polls::upsert_remote(tx, author, id, poll)?;
    }
    let mentioned_ids: Vec<AccountId> = mentioned.iter().map(|a| a.id).collect();
    let tags = tag_ids(tx, &remote.tags)?;
    let published = Published { mentioned_ids: &mentioned_ids, tag_ids: &tags, parent: parent.as_ref() };
    if remote.backfill {
        keep_found(tx, author, &status, published)?;
        return Ok(Some(id));
    }
    publish(tx, author, &status, published)?;
    super::groups::announce_addressed(tx, &status, &mentioned_ids, parent.as_ref())?;
    Ok(Some(id))
}

fn learn_emojis(conn: &mut DbConn, author: &Account, emojis: &[(String, String)]) -> AppResult<()> {
    for (shortcode, url) in emojis.iter().take(50) {
        crate::service::emojis::learn_remote(conn, author, shortcode, url)?;
    }
    Ok(())
}

/// A status of `author`'s by URI; another account's status is not found.
fn remote_status_of(conn: &mut DbConn, author: &Account, uri: &str) -> AppResult<Option<Status>> {
    Ok(statuses::find_by_uri_or_url(conn, uri)?.filter(|s| s.account_id == author.id))
}

/// Applies an edit another instance delivered; rebloggers here are told, as for a local edit.
pub fn edit_remote(tx: &mut Tx, author: &Account, remote: RemoteStatus) -> AppResult<()> {
    let Some(status) = remote_status_of(tx, author, &remote.uri)? else {
        return Ok(());
    };
    learn_emojis(tx, author, &remote.emojis)?;
    if let Some(poll) = &remote.poll {
        crate::service::polls::upsert_remote(tx, author, status.id, poll)?;
    }
    // An Update that only brings the quote's authorization or a new quote policy is no edit either.
    if remote.quote_policy != status.quote_policy {
        crate::db::queries::quotes::set_policy(tx, status.id, remote.quote_policy)?;
    }
    if let Some(quoted_uri) = &remote.quoted_uri {
        crate::service::quotes::record_remote(tx, &status, quoted_uri, remote.quote_authorization.as_deref(), remote.quote_verified)?;
    }
    let content = remote.content.clone();
    let old_media: Vec<Option<String>> = media::of_status(tx, status.id)?.into_iter().map(|m| m.remote_url).collect();
    let same_media = old_media == remote.media.iter().map(|m| Some(m.url.clone())).collect::<Vec<_>>();
    if content == status.content && remote.spoiler_text == status.spoiler_text && remote.sensitive == status.sensitive && same_media {
        // New poll counts (or nothing new): not an edit.
        return Ok(());
    }
    if statuses::edits_of(tx, status.id)?.is_empty() {
        let original = snapshot(tx, &status, status.created_at)?;
        statuses::insert_edit(tx, &original)?;
    }
    let now = ids::now();
    let form = StatusEditForm {
        text: String::new(),
        content,
        spoiler_text: remote.spoiler_text,
        sensitive: remote.sensitive,
        language: remote.language.or(status.language.clone()),
        edited_at: Some(now),
    };
    statuses::apply_edit(tx, status.id, &form)?;
    media::replace_remote(tx, author, status.id, &remote.media)?;
    let mentioned = known_accounts(tx, &remote.mentioned_uris)?;
    let mentioned_ids: Vec<AccountId> = mentioned.iter().map(|a| a.id).collect();
    statuses::delete_mentions(tx, status.id)?;
    statuses::insert_mentions(tx, status.id, &mentioned_ids)?;
    let tags = tag_ids(tx, &remote.tags)?;
    statuses::set_status_tags(tx, status.id, &tags)?;
    let edited = statuses::find(tx, status.id)?.ok_or(AppError::NotFound)?;
    let edit = snapshot(tx, &edited, now)?;
    statuses::insert_edit(tx, &edit)?;
    crate::service::search::index_status(tx, status.id)?;
    tx.emit(Event::StatusEdited { status_id: status.id });
    crate::service::quotes::edited(tx, &edited)?;
    for reblog in statuses::reblogs_of(tx, status.id)? {
        if !notification_rows::exists_for_status(tx, reblog.account_id, NotificationKind::Update, status.id)? {
            notify(tx, reblog.account_id, author.id, NotificationKind::Update, Some(status.id))?;
        }
    }
    Ok(())
}

/// Removes a status (or reblog) another instance deleted.
pub fn delete_remote(tx: &mut Tx, author: &Account, uri: &str) -> AppResult<()> {
    let Some(status) = remote_status_of(tx, author, uri)? else {
        return Ok(());
    };
    withdraw(tx, author, &status)
}

/// A peer's status that its instance no longer serves (learnt when a group took its boost of it back):
/// removed here as its author's deletion would have removed it.
pub fn forget_remote(tx: &mut Tx, uri: &str) -> AppResult<()> {
    let Some(status) = statuses::find_by_uri_or_url(tx, uri)?.filter(|s| !s.local && s.uri == uri) else { return Ok(()) };
    let Some(author) = accounts::find(tx, status.account_id)? else { return Ok(()) };
    withdraw(tx, &author, &status)
}

/// A status as peers may know it: a division-only one is not theirs to answer, favourite or boost.
fn known_to_peers(status: Option<Status>) -> Option<Status> {
    status.filter(|s| !s.local_only)
}

/// A remote account favourites a status here (by URI); false when the status is unknown.
pub fn favourite_remote(tx: &mut Tx, actor: &Account, status_uri: &str) -> AppResult<bool> {
    let Some(status) = known_to_peers(statuses::find_by_uri_or_url(tx, status_uri)?) else { return Ok(false) };
    if !views::can_see(tx, Some(actor.id), &status)? {
        return Ok(false);
    }
    if marks::favourites::insert(tx, &new_mark(actor, status.id))? {
        statuses::add_favourites(tx, status.id, 1)?;
        notify(tx, status.account_id, actor.id, NotificationKind::Favourite, Some(status.id))?;
    }
    Ok(true)
}

pub fn unfavourite_remote(conn: &mut DbConn, actor: &Account, status_uri: &str) -> AppResult<()> {
    let Some(status) = statuses::find_by_uri_or_url(conn, status_uri)? else { return Ok(()) };
    if marks::favourites::delete(conn, actor.id, status.id)? {
        statuses::add_favourites(conn, status.id, -1)?;
        notification_rows::delete_caused_by(conn, status.account_id, actor.id, NotificationKind::Favourite, Some(status.id))?;
    }
    Ok(())
}

/// A remote account reblogs a status known here; the reblog keeps the Announce's id as its URI.
pub fn reblog_remote(tx: &mut Tx, actor: &Account, original_uri: &str, announce_uri: &str) -> AppResult<bool> {
    let Some(original) = known_to_peers(statuses::find_by_uri_or_url(tx, original_uri)?) else { return Ok(false) };
    let members_only = super::groups::members_only_boost(tx, actor, &original)?;
    let open = original.visibility == Visibility::Public || original.visibility == Visibility::Unlisted;
    if !(open || members_only != MembersOnly::No) || original.reblog_of_id.is_some() || statuses::find_reblog(tx, actor.id, original.id)?.is_some() {
        return Ok(false);
    }
    let original = match members_only {
        MembersOnly::Becomes => {
            statuses::set_group(tx, original.id, Some(actor.id))?;
            Status { group_id: Some(actor.id), ..original }
        }
        _ => original,
    };
    let visibility = if members_only == MembersOnly::No { original.visibility } else { Visibility::Private };
    insert_reblog(tx, actor, &original, StatusId::next(), announce_uri, visibility)?;
    Ok(true)
}

/// Undoes a remote account's reblog, named by the Announce's id or by the original's URI.
pub fn unreblog_remote(tx: &mut Tx, actor: &Account, uri: &str) -> AppResult<()> {
    let reblog = match remote_status_of(tx, actor, uri)? {
        Some(reblog) if reblog.reblog_of_id.is_some() => Some(reblog),
        _ => match statuses::find_by_uri_or_url(tx, uri)? {
            Some(original) => statuses::find_reblog(tx, actor.id, original.id)?,
            None => None,
        },
    };
    let Some(reblog) = reblog else { return Ok(()) };
    remove_reblog(tx, &reblog)?;
    match reblog.reblog_of_id {
        Some(original_id) => super::groups::leave_group(tx, actor, original_id),
        None => Ok(()),
    }
}
