//! Posting, editing and deleting one's own statuses.

use std::collections::HashSet;

use crate::config::Settings;
use crate::db::Tx;
use crate::db::events::Event;
use crate::db::kinds::{NotificationKind, QuotePolicy, Visibility};
use crate::db::models::{Account, IdempotencyKey, Status, StatusEditForm, User};
use crate::db::queries::{accounts, notifications as notification_rows, statuses};
use crate::db::tx::Outbound;
use crate::db::{insert_if_absent, DbConn};
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId, StatusId};
use crate::service::markup::{self, MentionLink, WrittenMention};
use crate::service::media::{self, MediaDetails};
use crate::service::notifications::notify;
use crate::service::polls::NewPoll;
use crate::service::quotes;
use crate::service::views::{self, StatusView};

use super::pipeline::{publish, snapshot, withdraw, Published};
use super::{find_or_create_tag, new_local_row, own_status};

#[derive(Debug, Default, Clone)]
pub struct NewStatus {
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: Option<bool>,
    pub visibility: Option<Visibility>,
    pub in_reply_to_id: Option<StatusId>,
    pub language: Option<String>,
    pub idempotency_key: Option<String>,
    pub app_id: Option<i64>,
    pub media_ids: Vec<i64>,
    pub poll: Option<NewPoll>,
    /// The status it quotes (Mastodon 4.5).
    pub quoted_status_id: Option<StatusId>,
    /// Who may quote it (None: public, Mastodon's default).
    pub quote_policy: Option<QuotePolicy>,
    /// Division-only (None: the author's default, or the instance's).
    pub local_only: Option<bool>,
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
    /// Who may quote it, when the edit changes that.
    pub quote_policy: Option<QuotePolicy>,
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
    let quoted = input.quoted_status_id.map(|id| quotes::quotable(tx, author, id)).transpose()?;
    // A quote may be all a status says.
    validate_text(settings, &input.text, &input.spoiler_text, !input.media_ids.is_empty() || quoted.is_some())?;
    // Media beside a poll are allowed since Mastodon 4.6.
    if let Some(poll) = &input.poll {
        crate::service::polls::validate(poll)?;
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
    let mut visibility = match input.visibility {
        Some(v) => v,
        None => user.default_visibility,
    };
    let mut rendered = render(tx, settings, &input.text)?;
    if let Some(quoted) = &quoted {
        visibility = quote_visibility(visibility, quoted, author, &rendered.mentioned)?;
    }
    if let Some(parent) = &parent {
        for group in super::groups::of_thread(tx, author, parent, visibility)? {
            if !rendered.mentioned.iter().any(|a| a.id == group.id) {
                rendered.mentioned.push(group);
            }
        }
    }
    let local_only = local_only(settings, user, &input, parent.as_deref(), quoted.as_ref())?;
    let content = match &quoted {
        Some(quoted) => quotes::with_fallback(&rendered.html, &input.text, quoted),
        None => rendered.html,
    };
    let id = StatusId::next();
    let now = ids::now();
    let status = Status {
        text: input.text,
        content,
        quote_policy: quotes::policy_for(visibility, input.quote_policy),
        // A moderator's `sensitive` action marks what the account posts from then on.
        sensitive: input.sensitive.unwrap_or(user.default_sensitive) || !input.spoiler_text.trim().is_empty() || author.sensitized_at.is_some(),
        spoiler_text: input.spoiler_text.trim().to_owned(),
        visibility,
        language: input.language.filter(|l| !l.is_empty()).or_else(|| user.default_language.clone()),
        app_id: input.app_id,
        local_only,
        ..new_local_row(settings, author, id, parent.as_deref(), now)
    };
    statuses::insert(tx, &status)?;
    media::attach(tx, author, id, &input.media_ids)?;
    if let Some(poll) = input.poll {
        crate::service::polls::create(tx, author, id, poll)?;
    }
    if let Some(key) = input.idempotency_key {
        let record = IdempotencyKey { account_id: author.id, key, status_id: id, created_at: now };
        if !insert_if_absent(tx, |tx| statuses::insert_idempotent(tx, &record))? {
            return Err(AppError::Conflict("A request with the same Idempotency-Key is in progress".into()));
        }
    }
    let mentioned_ids: Vec<AccountId> = rendered.mentioned.iter().map(|a| a.id).collect();
    let published = Published { mentioned_ids: &mentioned_ids, tag_ids: &rendered.tag_ids, parent: parent.as_deref() };
    publish(tx, author, &status, published)?;
    if let Some(quoted) = &quoted {
        quotes::record_local(tx, author, &status, quoted)?;
    }
    let view = views::status_for(tx, Some(author.id), id)?.ok_or(AppError::NotFound)?;
    tx.federate(Outbound::StatusCreated(&view))?;
    quotes::request(tx, &view)?;
    super::groups::announce_addressed(tx, &status, &mentioned_ids, parent.as_deref())?;
    Ok(view)
}

/// Whether a new status is division-only: as asked (or by default), and always when it answers or quotes one
/// that is. A division-only status quotes nothing from a peer (asking its author would tell the peer of it):
/// asked for, that is refused; by default, such a quote is not division-only.
fn local_only(settings: &Settings, user: &User, input: &NewStatus, parent: Option<&Status>, quoted: Option<&Status>) -> AppResult<bool> {
    let inherited = parent.is_some_and(|p| p.local_only) || quoted.is_some_and(|q| q.local_only);
    let quotes_a_peer = quoted.is_some_and(|q| !q.local);
    let by_default = || !quotes_a_peer && crate::service::accounts::posts_local_only(user, settings);
    let local_only = inherited || input.local_only.unwrap_or_else(by_default);
    if local_only && quotes_a_peer {
        return Err(AppError::validation("A division-only post cannot quote a post from another instance"));
    }
    Ok(local_only)
}

/// The visibility of a status quoting `quoted`: quoting a private status keeps the quote private too, and a
/// direct status quotes only a status of its author or of someone it mentions (Mastodon's rules).
fn quote_visibility(asked: Visibility, quoted: &Status, author: &Account, mentioned: &[Account]) -> AppResult<Visibility> {
    match asked {
        Visibility::Direct if quoted.account_id != author.id && !mentioned.iter().any(|a| a.id == quoted.account_id) => {
            Err(AppError::validation("Cannot quote a non-mentioned user in a Private Mention post."))
        }
        Visibility::Public | Visibility::Unlisted if !quoted.visibility.is_open() => Ok(Visibility::Private),
        visibility => Ok(visibility),
    }
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
    let written = render_text(conn, settings, text)?;
    let mut tag_ids = Vec::new();
    for name in &written.tags {
        tag_ids.push(find_or_create_tag(conn, name)?.id);
    }
    Ok(Rendered { html: written.html, mentioned: written.mentioned, tag_ids })
}

/// A text as a status or an announcement shows it: HTML whose mentions link the accounts known here, with
/// those accounts and the hashtags it names.
pub struct Written {
    pub html: String,
    pub mentioned: Vec<Account>,
    pub tags: Vec<String>,
}

pub fn render_text(conn: &mut DbConn, settings: &Settings, text: &str) -> AppResult<Written> {
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
    Ok(Written { html, mentioned: resolved.into_iter().map(|(_, a)| a).collect(), tags: parsed.tags })
}

pub fn edit(tx: &mut Tx, settings: &Settings, author: &Account, status_id: StatusId, change: StatusChange) -> AppResult<StatusView> {
    let status = own_status(tx, author, status_id)?;
    if status.reblog_of_id.is_some() {
        return Err(AppError::NotFound);
    }
    let has_media = match &change.media_ids {
        Some(ids) => !ids.is_empty(),
        None => !media::of_status(tx, status.id)?.is_empty(),
    };
    validate_text(settings, &change.text, &change.spoiler_text, has_media)?;
    if statuses::edits_of(tx, status.id)?.is_empty() {
        let original = snapshot(tx, &status, status.created_at)?;
        statuses::insert_edit(tx, &original)?;
    }
    if let Some(media_ids) = &change.media_ids {
        media::reattach(tx, author, status.id, media_ids)?;
    }
    for (media_id, details) in change.media_attributes {
        if media::get(tx, author, media_id)?.status_id != Some(status.id) {
            return Err(AppError::validation(format!("Media attachment {media_id} does not belong to this status")));
        }
        media::update(tx, author, media_id, details)?;
    }
    let rendered = render(tx, settings, &change.text)?;
    let quoted = crate::db::queries::quotes::of_status(tx, status.id)?.and_then(|q| q.quoted_status_id);
    let content = match quoted.map(|id| statuses::find(tx, id)).transpose()?.flatten() {
        Some(quoted) => quotes::with_fallback(&rendered.html, &change.text, &quoted),
        None => rendered.html,
    };
    if let Some(policy) = change.quote_policy {
        crate::db::queries::quotes::set_policy(tx, status.id, quotes::policy_for(status.visibility, Some(policy)))?;
    }
    let now = ids::now();
    let spoiler_text = change.spoiler_text.trim().to_owned();
    let form = StatusEditForm {
        sensitive: change.sensitive.unwrap_or(status.sensitive) || !spoiler_text.is_empty(),
        spoiler_text,
        content,
        text: change.text,
        language: change.language.filter(|l| !l.is_empty()).or(status.language.clone()),
        edited_at: Some(now),
    };
    statuses::apply_edit(tx, status.id, &form)?;
    let previously_mentioned: HashSet<AccountId> =
        statuses::mentions_of(tx, &[status.id])?.into_iter().map(|m| m.account_id).collect();
    let mentioned_ids: Vec<AccountId> = rendered.mentioned.iter().map(|a| a.id).collect();
    statuses::delete_mentions(tx, status.id)?;
    statuses::insert_mentions(tx, status.id, &mentioned_ids)?;
    statuses::set_status_tags(tx, status.id, &rendered.tag_ids)?;
    let edited = statuses::find(tx, status.id)?.ok_or(AppError::NotFound)?;
    let edit = snapshot(tx, &edited, now)?;
    statuses::insert_edit(tx, &edit)?;
    crate::service::search::index_status(tx, status.id)?;
    tx.emit(Event::StatusEdited { status_id: status.id });
    quotes::edited(tx, &edited)?;
    for account_id in mentioned_ids.iter().filter(|id| !previously_mentioned.contains(id)) {
        notify(tx, *account_id, author.id, NotificationKind::Mention, Some(status.id))?;
    }
    for reblog in statuses::reblogs_of(tx, status.id)? {
        if !notification_rows::exists_for_status(tx, reblog.account_id, NotificationKind::Update, status.id)? {
            notify(tx, reblog.account_id, author.id, NotificationKind::Update, Some(status.id))?;
        }
    }
    let view = views::status_for(tx, Some(author.id), status.id)?.ok_or(AppError::NotFound)?;
    tx.federate(Outbound::StatusUpdated(&view))?;
    Ok(view)
}

/// Deletes one's own status; answers it as it was, with its source text for redrafting.
pub fn delete(tx: &mut Tx, author: &Account, status_id: StatusId) -> AppResult<StatusView> {
    let status = own_status(tx, author, status_id)?;
    let mut view = views::status_for(tx, Some(author.id), status.id)?.ok_or(AppError::NotFound)?;
    remove(tx, author, &status, &view)?;
    view.deleted_source = Some(status.text.clone());
    Ok(view)
}

/// Deletes one's own status because the retention settings say so: as [`delete`], whoever may see it now (a
/// boost of an author one has blocked since goes too).
pub fn expire(tx: &mut Tx, author: &Account, status_id: StatusId) -> AppResult<()> {
    let status = own_status(tx, author, status_id)?;
    let view = views::hydrate(tx, Some(author.id), vec![status.clone()])?.pop().ok_or(AppError::NotFound)?;
    remove(tx, author, &status, &view)
}

fn remove(tx: &mut Tx, author: &Account, status: &Status, view: &StatusView) -> AppResult<()> {
    tx.federate(Outbound::StatusDeleted(view))?;
    withdraw(tx, author, status)
}
