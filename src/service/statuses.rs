//! Posting, editing and deleting statuses, and what others do to them (favourite, reblog, bookmark, pin).
//! Each function runs inside the caller's transaction: the status, its timeline rows and its
//! notifications are written together.

use std::collections::{HashMap, HashSet};

use crate::config::Settings;
pub use crate::db::kinds::Visibility;
use crate::db::kinds::NotificationKind;
use crate::db::Tx;
use crate::db::tx::Outbound;
use crate::db::models::{Account, HomeTimelineEntry, IdempotencyKey, Status, StatusEdit, StatusEditForm, StatusMark, Tag, User};
use crate::db::queries::{accounts, follows, marks, notifications as notification_rows, statuses, timelines};
use crate::db::{insert_if_absent, DbConn, Page};
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::db::events::Event;
use crate::service::markup::{self, MentionLink, WrittenMention};
use crate::service::media::{self, MediaDetails};
use crate::service::polls::NewPoll;
use crate::service::notifications::notify;
use crate::service::views::{self, StatusView};

pub const MAX_PINNED: i64 = 5;
const MAX_ANCESTORS: usize = 40;
const MAX_DESCENDANTS: usize = 4_000;

#[derive(Debug, Default, Clone)]
pub struct NewStatus {
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: Option<bool>,
    pub visibility: Option<Visibility>,
    pub in_reply_to_id: Option<i64>,
    pub language: Option<String>,
    pub idempotency_key: Option<String>,
    pub app_id: Option<i64>,
    pub media_ids: Vec<i64>,
    pub poll: Option<NewPoll>,
}

#[derive(Debug, Default, Clone)]
pub struct StatusChange {
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: Option<bool>,
    pub language: Option<String>,
    /// None keeps the attachments; Some replaces them.
    pub media_ids: Option<Vec<i64>>,
    /// New descriptions and focal points of the status's own attachments.
    pub media_attributes: Vec<(i64, MediaDetails)>,
}

/// The text of a status rendered, with the accounts it mentions and the tags it carries.
struct Rendered {
    html: String,
    mentioned: Vec<Account>,
    tag_ids: Vec<i64>,
}

pub fn create(tx: &mut Tx, settings: &Settings, author: &Account, user: &User, input: NewStatus) -> AppResult<StatusView> {
    if let Some(key) = &input.idempotency_key {
        if let Some(existing) = statuses::find_idempotent(tx, author.id, key)? {
            return views::status_for(tx, Some(author.id), existing)?.ok_or(AppError::NotFound);
        }
    }
    validate_text(settings, &input.text, &input.spoiler_text, !input.media_ids.is_empty())?;
    if let Some(poll) = &input.poll {
        if !input.media_ids.is_empty() {
            return Err(AppError::validation("A status cannot have both media and a poll"));
        }
        super::polls::validate(poll)?;
    }
    let parent = match input.in_reply_to_id {
        Some(parent_id) => Some(
            views::status_for(tx, Some(author.id), parent_id)?
                .filter(|p| p.reblog.is_none())
                .ok_or(AppError::NotFound)?
                .status,
        ),
        None => None,
    };
    let visibility = match input.visibility {
        Some(v) => v,
        None => user.default_visibility,
    };
    let rendered = render(tx, settings, &input.text)?;
    let id = ids::next_id();
    let now = ids::now();
    let status = Status {
        id,
        uri: format!("{}/users/{}/statuses/{id}", settings.base_url(), author.username),
        url: format!("{}/@{}/{id}", settings.base_url(), author.username),
        account_id: author.id,
        local: true,
        in_reply_to_id: parent.as_ref().map(|p| p.id),
        in_reply_to_account_id: parent.as_ref().map(|p| p.account_id),
        reblog_of_id: None,
        text: input.text,
        content: rendered.html,
        sensitive: input.sensitive.unwrap_or(user.default_sensitive) || !input.spoiler_text.trim().is_empty(),
        spoiler_text: input.spoiler_text.trim().to_owned(),
        visibility,
        language: input.language.filter(|l| !l.is_empty()).or_else(|| user.default_language.clone()),
        app_id: input.app_id,
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        created_at: now,
        edited_at: None,
    };
    statuses::insert(tx, &status)?;
    media::attach(tx, author, id, &input.media_ids)?;
    if let Some(poll) = input.poll {
        super::polls::create(tx, author, id, poll)?;
    }
    let mentioned_ids: Vec<i64> = rendered.mentioned.iter().map(|a| a.id).collect();
    statuses::insert_mentions(tx, id, &mentioned_ids)?;
    statuses::set_status_tags(tx, id, &rendered.tag_ids)?;
    accounts::add_statuses(tx, author.id, 1, Some(now))?;
    if let Some(parent) = &parent {
        statuses::add_replies(tx, parent.id, 1)?;
    }
    if let Some(key) = input.idempotency_key {
        let record = IdempotencyKey { account_id: author.id, key, status_id: id, created_at: now };
        if !insert_if_absent(tx, |tx| statuses::insert_idempotent(tx, &record))? {
            return Err(AppError::Conflict("A request with the same Idempotency-Key is in progress".into()));
        }
    }
    fan_out(tx, author, &status, &mentioned_ids)?;
    for account_id in &mentioned_ids {
        notify(tx, *account_id, author.id, NotificationKind::Mention, Some(id))?;
    }
    notify_subscribers(tx, &status, &mentioned_ids)?;
    super::conversations::record(tx, &status, &mentioned_ids)?;
    super::search::index_status(tx, id)?;
    let view = views::status_for(tx, Some(author.id), id)?.ok_or(AppError::NotFound)?;
    tx.federate(Outbound::StatusCreated(&view))?;
    Ok(view)
}

fn validate_text(settings: &Settings, text: &str, spoiler_text: &str, has_media: bool) -> AppResult<()> {
    if text.trim().is_empty() && !has_media {
        return Err(AppError::validation("Text can't be blank"));
    }
    let length = markup::counted_length(text) + spoiler_text.chars().count();
    if length > settings.max_characters {
        return Err(AppError::validation(format!("Text character limit of {} exceeded", settings.max_characters)));
    }
    Ok(())
}

/// Renders text, resolving mentions to known accounts and creating tags as needed.
fn render(conn: &mut DbConn, settings: &Settings, text: &str) -> AppResult<Rendered> {
    let parsed = markup::parse(text);
    let mut resolved: Vec<(WrittenMention, Account)> = Vec::new();
    for mention in parsed.mentions {
        let domain = mention.domain.as_deref().filter(|d| !d.eq_ignore_ascii_case(&settings.domain));
        if let Some(account) = accounts::find_by_name(conn, &mention.username, domain)? {
            if !resolved.iter().any(|(_, a)| a.id == account.id) {
                resolved.push((mention, account));
            }
        }
    }
    let html = markup::render(text, &settings.base_url(), &|written| {
        resolved.iter().find(|(m, _)| m == written).map(|(_, account)| MentionLink {
            url: account.url.clone(),
            display: account.username.clone(),
        })
    });
    let mut tag_ids = Vec::new();
    for name in parsed.tags {
        tag_ids.push(find_or_create_tag(conn, &name)?.id);
    }
    Ok(Rendered { html, mentioned: resolved.into_iter().map(|(_, a)| a).collect(), tag_ids })
}

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

/// Puts a new status (or reblog) into the home timelines of the local accounts that should see it:
/// the author (if local) and their followers; a direct status reaches only the followers it mentions.
fn fan_out(tx: &mut Tx, author: &Account, status: &Status, mentioned: &[i64]) -> AppResult<()> {
    let mut receivers: HashSet<i64> = HashSet::new();
    if author.is_local() {
        receivers.insert(author.id);
    }
    if status.visibility == Visibility::Public && status.reblog_of_id.is_none() {
        let tag_ids: Vec<i64> = statuses::tags_of(tx, &[status.id])?.into_iter().map(|(_, tag)| tag.id).collect();
        receivers.extend(crate::db::queries::tag_follows::local_followers_of(tx, &tag_ids)?);
    }
    let followers = follows::local_followers(tx, status.account_id)?;
    let follower_ids: Vec<i64> = followers
        .iter()
        .filter(|f| status.reblog_of_id.is_none() || f.show_reblogs)
        .map(|f| f.account_id)
        .collect();
    if status.visibility == Visibility::Direct {
        receivers.extend(follower_ids.into_iter().filter(|f| mentioned.contains(f)));
    } else {
        receivers.extend(reply_audience(tx, status, follower_ids)?);
    }
    if let Some(original_id) = status.reblog_of_id {
        let already: HashSet<i64> = timelines::homes_with(tx, original_id)?.into_iter().collect();
        receivers.retain(|r| !already.contains(r));
    }
    let entries: Vec<HomeTimelineEntry> = receivers
        .into_iter()
        .map(|account_id| HomeTimelineEntry { account_id, status_id: status.id, author_id: status.account_id })
        .collect();
    let home: Vec<i64> = entries.iter().map(|e| e.account_id).collect();
    timelines::insert_home(tx, &entries)?;
    tx.emit(Event::StatusCreated { status_id: status.id, home });
    Ok(())
}

/// Followers who asked to be told of the author's posts get a `status` notification (not for direct
/// posts, replies to others, or those already notified as mentioned).
fn notify_subscribers(tx: &mut Tx, status: &Status, mentioned: &[i64]) -> AppResult<()> {
    let reply_to_other = status.in_reply_to_account_id.is_some_and(|to| to != status.account_id);
    if status.visibility == Visibility::Direct || reply_to_other {
        return Ok(());
    }
    for follow in follows::local_followers(tx, status.account_id)?.into_iter().filter(|f| f.notify) {
        if !mentioned.contains(&follow.account_id) {
            notify(tx, follow.account_id, status.account_id, NotificationKind::Status, Some(status.id))?;
        }
    }
    Ok(())
}

/// A reply to someone else reaches only the followers who also follow (or are) the one replied to.
fn reply_audience(conn: &mut DbConn, status: &Status, follower_ids: Vec<i64>) -> AppResult<Vec<i64>> {
    match status.in_reply_to_account_id {
        Some(replied_to) if replied_to != status.account_id => {
            let also_following: HashSet<i64> = follows::followers_among(conn, replied_to, &follower_ids)?.into_iter().collect();
            Ok(follower_ids.into_iter().filter(|f| *f == replied_to || also_following.contains(f)).collect())
        }
        _ => Ok(follower_ids),
    }
}

/// A status of the account's own, for changing it; Mastodon looks only among the caller's own, so
/// anyone else's status is not found.
fn own_status(conn: &mut DbConn, author: &Account, status_id: i64) -> AppResult<Status> {
    statuses::find(conn, status_id)?.filter(|s| s.account_id == author.id).ok_or(AppError::NotFound)
}

pub fn edit(tx: &mut Tx, settings: &Settings, author: &Account, status_id: i64, change: StatusChange) -> AppResult<StatusView> {
    let status = own_status(tx, author, status_id)?;
    if status.reblog_of_id.is_some() {
        return Err(AppError::NotFound);
    }
    let has_media = match &change.media_ids {
        Some(ids) => !ids.is_empty(),
        None => !media::of_status(tx, status.id)?.is_empty(),
    };
    validate_text(settings, &change.text, &change.spoiler_text, has_media)?;
    if let Some(media_ids) = &change.media_ids {
        media::reattach(tx, author, status.id, media_ids)?;
    }
    for (media_id, details) in change.media_attributes {
        if media::get(tx, author, media_id)?.status_id != Some(status.id) {
            return Err(AppError::validation(format!("Media attachment {media_id} does not belong to this status")));
        }
        media::update(tx, author, media_id, details)?;
    }
    if statuses::edits_of(tx, status.id)?.is_empty() {
        statuses::insert_edit(tx, &snapshot(&status, status.created_at))?;
    }
    let rendered = render(tx, settings, &change.text)?;
    let now = ids::now();
    let spoiler_text = change.spoiler_text.trim().to_owned();
    let form = StatusEditForm {
        sensitive: change.sensitive.unwrap_or(status.sensitive) || !spoiler_text.is_empty(),
        spoiler_text,
        content: rendered.html,
        text: change.text,
        language: change.language.filter(|l| !l.is_empty()).or(status.language.clone()),
        edited_at: Some(now),
    };
    statuses::apply_edit(tx, status.id, &form)?;
    let previously_mentioned: HashSet<i64> =
        statuses::mentions_of(tx, &[status.id])?.into_iter().map(|m| m.account_id).collect();
    let mentioned_ids: Vec<i64> = rendered.mentioned.iter().map(|a| a.id).collect();
    statuses::delete_mentions(tx, status.id)?;
    statuses::insert_mentions(tx, status.id, &mentioned_ids)?;
    statuses::set_status_tags(tx, status.id, &rendered.tag_ids)?;
    let edited = statuses::find(tx, status.id)?.ok_or(AppError::NotFound)?;
    statuses::insert_edit(tx, &snapshot(&edited, now))?;
    super::search::index_status(tx, status.id)?;
    tx.emit(Event::StatusEdited { status_id: status.id });
    for account_id in mentioned_ids.iter().filter(|id| !previously_mentioned.contains(id)) {
        notify(tx, *account_id, author.id, NotificationKind::Mention, Some(status.id))?;
    }
    for reblog in statuses::reblogs_of(tx, status.id)? {
        if !notification_rows::exists_for_status(tx, reblog.account_id, "update", status.id)? {
            notify(tx, reblog.account_id, author.id, NotificationKind::Update, Some(status.id))?;
        }
    }
    let view = views::status_for(tx, Some(author.id), status.id)?.ok_or(AppError::NotFound)?;
    tx.federate(Outbound::StatusUpdated(&view))?;
    Ok(view)
}

fn snapshot(status: &Status, at: chrono::NaiveDateTime) -> StatusEdit {
    StatusEdit {
        id: ids::next_id(),
        status_id: status.id,
        text: status.text.clone(),
        content: status.content.clone(),
        spoiler_text: status.spoiler_text.clone(),
        sensitive: status.sensitive,
        created_at: at,
    }
}

/// Deletes one's own status; answers it as it was, with its source text for redrafting.
pub fn delete(tx: &mut Tx, author: &Account, status_id: i64) -> AppResult<StatusView> {
    let status = own_status(tx, author, status_id)?;
    let mut view = views::status_for(tx, Some(author.id), status.id)?.ok_or(AppError::NotFound)?;
    tx.federate(Outbound::StatusDeleted(&view))?;
    view.deleted_source = Some(status.text.clone());
    for reblog in statuses::reblogs_of(tx, status.id)? {
        remove_reblog(tx, &reblog)?;
    }
    match status.reblog_of_id {
        Some(_) => remove_reblog(tx, &status)?,
        None => {
            if let Some(parent_id) = status.in_reply_to_id {
                statuses::add_replies(tx, parent_id, -1)?;
            }
            accounts::add_statuses(tx, author.id, -1, None)?;
            tx.emit(Event::StatusDeleted { status_id: status.id });
            super::search::unindex_status(tx, status.id)?;
            statuses::delete(tx, status.id)?;
        }
    }
    Ok(view)
}

fn remove_reblog(tx: &mut Tx, reblog: &Status) -> AppResult<()> {
    if let Some(original_id) = reblog.reblog_of_id {
        statuses::add_reblogs(tx, original_id, -1)?;
        if let Some(original) = statuses::find(tx, original_id)? {
            notification_rows::delete_caused_by(tx, original.account_id, reblog.account_id, "reblog", Some(original_id))?;
        }
    }
    accounts::add_statuses(tx, reblog.account_id, -1, None)?;
    tx.emit(Event::StatusDeleted { status_id: reblog.id });
    statuses::delete(tx, reblog.id)
}

/// A status the actor may see and act on: never a reblog wrapper (actions go to the original).
fn visible_original(conn: &mut DbConn, actor: &Account, status_id: i64) -> AppResult<Status> {
    let view = views::status_for(conn, Some(actor.id), status_id)?.ok_or(AppError::NotFound)?;
    Ok(match view.reblog {
        Some(original) => original.status,
        None => view.status,
    })
}

fn view_of(conn: &mut DbConn, actor: &Account, status_id: i64) -> AppResult<StatusView> {
    views::status_for(conn, Some(actor.id), status_id)?.ok_or(AppError::NotFound)
}

fn new_mark(actor: &Account, status_id: i64) -> StatusMark {
    StatusMark { id: ids::next_id(), account_id: actor.id, status_id, created_at: ids::now() }
}

pub fn favourite(tx: &mut Tx, actor: &Account, status_id: i64) -> AppResult<StatusView> {
    let status = visible_original(tx, actor, status_id)?;
    let mark = new_mark(actor, status.id);
    if marks::favourites::insert(tx, &mark)? {
        statuses::add_favourites(tx, status.id, 1)?;
        notify(tx, status.account_id, actor.id, NotificationKind::Favourite, Some(status.id))?;
        tx.federate(Outbound::Favourited { actor, status: &status, like_id: mark.id })?;
    }
    view_of(tx, actor, status.id)
}

pub fn unfavourite(tx: &mut Tx, actor: &Account, status_id: i64) -> AppResult<StatusView> {
    let status = visible_original(tx, actor, status_id)?;
    if let Some(mark) = marks::favourites::find(tx, actor.id, status.id)? {
        marks::favourites::delete(tx, actor.id, status.id)?;
        statuses::add_favourites(tx, status.id, -1)?;
        notification_rows::delete_caused_by(tx, status.account_id, actor.id, "favourite", Some(status.id))?;
        tx.federate(Outbound::Unfavourited { actor, status: &status, like_id: mark.id })?;
    }
    view_of(tx, actor, status.id)
}

pub fn bookmark(conn: &mut DbConn, actor: &Account, status_id: i64) -> AppResult<StatusView> {
    let status = visible_original(conn, actor, status_id)?;
    marks::bookmarks::insert(conn, &new_mark(actor, status.id))?;
    view_of(conn, actor, status.id)
}

pub fn unbookmark(conn: &mut DbConn, actor: &Account, status_id: i64) -> AppResult<StatusView> {
    let status = visible_original(conn, actor, status_id)?;
    marks::bookmarks::delete(conn, actor.id, status.id)?;
    view_of(conn, actor, status.id)
}

pub fn pin(conn: &mut DbConn, actor: &Account, status_id: i64) -> AppResult<StatusView> {
    let status = own_status(conn, actor, status_id)?;
    if status.reblog_of_id.is_some() {
        return Err(AppError::validation("Boosts cannot be pinned"));
    }
    if status.visibility == Visibility::Direct {
        return Err(AppError::validation("Direct posts cannot be pinned"));
    }
    if marks::status_pins::find(conn, actor.id, status.id)?.is_none() {
        if marks::status_pins::count_of(conn, actor.id)? >= MAX_PINNED {
            return Err(AppError::validation("You have already pinned the maximum number of posts"));
        }
        marks::status_pins::insert(conn, &new_mark(actor, status.id))?;
    }
    view_of(conn, actor, status.id)
}

pub fn unpin(conn: &mut DbConn, actor: &Account, status_id: i64) -> AppResult<StatusView> {
    let status = own_status(conn, actor, status_id)?;
    marks::status_pins::delete(conn, actor.id, status.id)?;
    view_of(conn, actor, status.id)
}

/// Reblogs a status; answers the reblog wrapper. Reblogging twice answers the same reblog.
pub fn reblog(tx: &mut Tx, actor: &Account, status_id: i64, visibility: Option<Visibility>) -> AppResult<StatusView> {
    let original = visible_original(tx, actor, status_id)?;
    let allowed = original.visibility.is_open()
        || (original.visibility == Visibility::Private && original.account_id == actor.id);
    if !allowed {
        return Err(AppError::Forbidden("This action is not allowed".into()));
    }
    if let Some(existing) = statuses::find_reblog(tx, actor.id, original.id)? {
        return view_of(tx, actor, existing.id);
    }
    let visibility = match (visibility, original.visibility) {
        (_, Visibility::Private) => Visibility::Private,
        (Some(v @ (Visibility::Public | Visibility::Unlisted | Visibility::Private)), _) => v,
        _ => Visibility::Public,
    };
    let id = ids::next_id();
    let uri = format!("{}/statuses/{id}/activity", actor.uri);
    insert_reblog(tx, actor, &original, id, &uri, visibility)?;
    let view = view_of(tx, actor, id)?;
    tx.federate(Outbound::Reblogged(&view))?;
    Ok(view)
}

/// Writes a reblog of `original` by `actor` with its counters, timeline rows and notification.
fn insert_reblog(tx: &mut Tx, actor: &Account, original: &Status, id: i64, uri: &str, visibility: Visibility) -> AppResult<()> {
    let now = ids::now();
    let reblog = Status {
        id,
        uri: uri.to_owned(),
        url: uri.to_owned(),
        account_id: actor.id,
        local: actor.is_local(),
        in_reply_to_id: None,
        in_reply_to_account_id: None,
        reblog_of_id: Some(original.id),
        text: String::new(),
        content: String::new(),
        spoiler_text: String::new(),
        sensitive: false,
        visibility,
        language: None,
        app_id: None,
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        created_at: now,
        edited_at: None,
    };
    statuses::insert(tx, &reblog)?;
    statuses::add_reblogs(tx, original.id, 1)?;
    accounts::add_statuses(tx, actor.id, 1, Some(now))?;
    fan_out(tx, actor, &reblog, &[])?;
    notify(tx, original.account_id, actor.id, NotificationKind::Reblog, Some(original.id))
}

/// Undoes a reblog; answers the original status.
pub fn unreblog(tx: &mut Tx, actor: &Account, status_id: i64) -> AppResult<StatusView> {
    let original = visible_original(tx, actor, status_id)?;
    if let Some(reblog) = statuses::find_reblog(tx, actor.id, original.id)? {
        let reblog_view = view_of(tx, actor, reblog.id)?;
        tx.federate(Outbound::Unreblogged(&reblog_view))?;
        remove_reblog(tx, &reblog)?;
    }
    view_of(tx, actor, original.id)
}

pub struct Context {
    pub ancestors: Vec<StatusView>,
    pub descendants: Vec<StatusView>,
}

/// The thread around a status: visible ancestors oldest first, visible descendants depth first.
pub fn context(conn: &mut DbConn, viewer: Option<i64>, status_id: i64) -> AppResult<Context> {
    let status = views::status_for(conn, viewer, status_id)?.ok_or(AppError::NotFound)?.status;
    let mut ancestors = Vec::new();
    let mut parent_id = status.in_reply_to_id;
    while let Some(id) = parent_id.filter(|_| ancestors.len() < MAX_ANCESTORS) {
        let Some(parent) = statuses::find(conn, id)? else { break };
        parent_id = parent.in_reply_to_id;
        ancestors.push(parent);
    }
    ancestors.reverse();
    let ancestors = views::visible(conn, viewer, ancestors)?;
    let descendants = descendants_depth_first(conn, status.id)?;
    let descendants = views::visible(conn, viewer, descendants)?;
    let ancestors = views::hydrate(conn, viewer, ancestors)?;
    let descendants = views::hydrate(conn, viewer, descendants)?;
    Ok(Context {
        ancestors: super::filters::apply(conn, viewer, "thread", ancestors)?,
        descendants: super::filters::apply(conn, viewer, "thread", descendants)?,
    })
}

fn descendants_depth_first(conn: &mut DbConn, root: i64) -> AppResult<Vec<Status>> {
    let mut children: HashMap<i64, Vec<Status>> = HashMap::new();
    let mut frontier = vec![root];
    let mut found = 0;
    while !frontier.is_empty() && found < MAX_DESCENDANTS {
        let replies = statuses::replies_to(conn, &frontier)?;
        found += replies.len();
        frontier = replies.iter().map(|r| r.id).collect();
        for reply in replies {
            children.entry(reply.in_reply_to_id.unwrap_or(root)).or_default().push(reply);
        }
    }
    let mut ordered = Vec::new();
    let mut stack: Vec<Status> = children.remove(&root).unwrap_or_default().into_iter().rev().collect();
    while let Some(next) = stack.pop() {
        if let Some(kids) = children.remove(&next.id) {
            stack.extend(kids.into_iter().rev());
        }
        ordered.push(next);
    }
    Ok(ordered)
}

/// A status's versions, oldest first; a status never edited has one.
pub fn history(conn: &mut DbConn, viewer: Option<i64>, status_id: i64) -> AppResult<(StatusView, Vec<StatusEdit>)> {
    let view = views::status_for(conn, viewer, status_id)?.ok_or(AppError::NotFound)?;
    let mut edits = statuses::edits_of(conn, view.status.id)?;
    if edits.is_empty() {
        edits.push(snapshot(&view.status, view.status.created_at));
    }
    Ok((view, edits))
}

/// The source of a status; as in Mastodon, anyone who may read the status may read its source.
pub fn source(conn: &mut DbConn, viewer: &Account, status_id: i64) -> AppResult<Status> {
    Ok(views::status_for(conn, Some(viewer.id), status_id)?.ok_or(AppError::NotFound)?.status)
}

/// Accounts who favourited or reblogged a status, with the paging id of each.
pub fn interacted_by(conn: &mut DbConn, viewer: Option<i64>, status_id: i64, reblogs: bool, page: &Page) -> AppResult<Vec<(i64, Account)>> {
    let status = views::status_for(conn, viewer, status_id)?.ok_or(AppError::NotFound)?.status;
    let pairs = if reblogs {
        statuses::rebloggers_page(conn, status.id, page)?
    } else {
        marks::favourites::markers_page(conn, status.id, page)?
    };
    let ids: Vec<i64> = pairs.iter().map(|(_, account)| *account).collect();
    let accounts: HashMap<i64, Account> = accounts::find_many(conn, &ids)?.into_iter().map(|a| (a.id, a)).collect();
    Ok(pairs.into_iter().filter_map(|(page_id, account)| Some((page_id, accounts.get(&account)?.clone()))).collect())
}

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
    pub poll: Option<super::polls::RemotePoll>,
    /// Custom emojis the status uses: shortcode and image URL.
    pub emojis: Vec<(String, String)>,
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
pub fn create_remote(tx: &mut Tx, author: &Account, remote: RemoteStatus) -> AppResult<Option<i64>> {
    let too_long = |address: &str| address.len() > super::remote::MAX_URI_LENGTH;
    if too_long(&remote.uri) || too_long(&remote.url) || remote.media.iter().any(|m| too_long(&m.url)) {
        return Ok(None);
    }
    if statuses::find_by_uri_or_url(tx, &remote.uri)?.is_some() {
        return Ok(None);
    }
    let parent = match &remote.in_reply_to_uri {
        Some(uri) => statuses::find_by_uri_or_url(tx, uri)?,
        None => None,
    };
    let mentioned = known_accounts(tx, &remote.mentioned_uris)?;
    let now = ids::now();
    let id = ids::next_id();
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
    };
    statuses::insert(tx, &status)?;
    learn_emojis(tx, author, &remote.emojis)?;
    media::replace_remote(tx, author, id, &remote.media)?;
    if let Some(poll) = &remote.poll {
        super::polls::upsert_remote(tx, author, id, poll)?;
    }
    let mentioned_ids: Vec<i64> = mentioned.iter().map(|a| a.id).collect();
    statuses::insert_mentions(tx, id, &mentioned_ids)?;
    let tags = tag_ids(tx, &remote.tags)?;
    statuses::set_status_tags(tx, id, &tags)?;
    accounts::add_statuses(tx, author.id, 1, Some(status.created_at))?;
    if let Some(parent) = &parent {
        statuses::add_replies(tx, parent.id, 1)?;
    }
    fan_out(tx, author, &status, &mentioned_ids)?;
    for account_id in &mentioned_ids {
        notify(tx, *account_id, author.id, NotificationKind::Mention, Some(id))?;
    }
    notify_subscribers(tx, &status, &mentioned_ids)?;
    super::conversations::record(tx, &status, &mentioned_ids)?;
    super::search::index_status(tx, id)?;
    Ok(Some(id))
}

fn learn_emojis(conn: &mut DbConn, author: &Account, emojis: &[(String, String)]) -> AppResult<()> {
    for (shortcode, url) in emojis.iter().take(50) {
        super::emojis::learn_remote(conn, author, shortcode, url)?;
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
        super::polls::upsert_remote(tx, author, status.id, poll)?;
    }
    let content = remote.content.clone();
    let old_media: Vec<Option<String>> = media::of_status(tx, status.id)?.into_iter().map(|m| m.remote_url).collect();
    let same_media = old_media == remote.media.iter().map(|m| Some(m.url.clone())).collect::<Vec<_>>();
    if content == status.content && remote.spoiler_text == status.spoiler_text && remote.sensitive == status.sensitive && same_media {
        // New poll counts (or nothing new): not an edit.
        return Ok(());
    }
    if statuses::edits_of(tx, status.id)?.is_empty() {
        statuses::insert_edit(tx, &snapshot(&status, status.created_at))?;
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
    let mentioned_ids: Vec<i64> = mentioned.iter().map(|a| a.id).collect();
    statuses::delete_mentions(tx, status.id)?;
    statuses::insert_mentions(tx, status.id, &mentioned_ids)?;
    let tags = tag_ids(tx, &remote.tags)?;
    statuses::set_status_tags(tx, status.id, &tags)?;
    let edited = statuses::find(tx, status.id)?.ok_or(AppError::NotFound)?;
    statuses::insert_edit(tx, &snapshot(&edited, now))?;
    super::search::index_status(tx, status.id)?;
    tx.emit(Event::StatusEdited { status_id: status.id });
    for reblog in statuses::reblogs_of(tx, status.id)? {
        if !notification_rows::exists_for_status(tx, reblog.account_id, "update", status.id)? {
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
    for reblog in statuses::reblogs_of(tx, status.id)? {
        remove_reblog(tx, &reblog)?;
    }
    match status.reblog_of_id {
        Some(_) => remove_reblog(tx, &status),
        None => {
            if let Some(parent_id) = status.in_reply_to_id {
                statuses::add_replies(tx, parent_id, -1)?;
            }
            accounts::add_statuses(tx, author.id, -1, None)?;
            tx.emit(Event::StatusDeleted { status_id: status.id });
            super::search::unindex_status(tx, status.id)?;
            statuses::delete(tx, status.id)
        }
    }
}

/// A remote account favourites a status here (by URI); false when the status is unknown.
pub fn favourite_remote(tx: &mut Tx, actor: &Account, status_uri: &str) -> AppResult<bool> {
    let Some(status) = statuses::find_by_uri_or_url(tx, status_uri)? else { return Ok(false) };
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
        notification_rows::delete_caused_by(conn, status.account_id, actor.id, "favourite", Some(status.id))?;
    }
    Ok(())
}

/// A remote account reblogs a status known here; the reblog keeps the Announce's id as its URI.
pub fn reblog_remote(tx: &mut Tx, actor: &Account, original_uri: &str, announce_uri: &str) -> AppResult<bool> {
    let Some(original) = statuses::find_by_uri_or_url(tx, original_uri)? else { return Ok(false) };
    let open = original.visibility == Visibility::Public || original.visibility == Visibility::Unlisted;
    if !open || original.reblog_of_id.is_some() || statuses::find_reblog(tx, actor.id, original.id)?.is_some() {
        return Ok(false);
    }
    insert_reblog(tx, actor, &original, ids::next_id(), announce_uri, original.visibility)?;
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
    match reblog {
        Some(reblog) => remove_reblog(tx, &reblog),
        None => Ok(()),
    }
}
