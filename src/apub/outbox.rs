//! What local actions send to other instances: service code tells its transaction ([`Tx::federate`]), and
//! the activity is built here and queued for delivery in that transaction, so that it leaves exactly when
//! the action commits.
//!
//! [`Tx::federate`]: crate::db::Tx::federate

use std::sync::Arc;

use serde::Serialize;
use url::Url;

use crate::apub::activities::{Accept, Announce, AnnouncementActivity, Block, Create, Delete, Deleted, Flag, Follow, Like, Reject, Undo, Update};
use crate::apub::objects::{with_context, AnnouncementObject, Note, Person, ANNOUNCEMENT_TYPE};
use crate::config::Settings;
use crate::db::kinds::Visibility;
use crate::db::models::{Account, Announcement, FollowRequest, Quote, Status};
use crate::db::queries::{accounts, follows, statuses};
use crate::db::tx::{Outbound, Outbox, QuoteRequestSeen};
use crate::db::{Database, DbConn};
use crate::error::{AppError, AppResult};
use crate::service::federation::{enqueue, inbox_of};
use crate::service::views::StatusView;

/// The outbox every write of this instance federates through.
pub struct ActivityOutbox {
    settings: Arc<Settings>,
}

/// The same database, its writes federating through the ActivityPub outbox.
pub fn attach(db: &Database, settings: Arc<Settings>) -> Database {
    db.with_outbox(Arc::new(ActivityOutbox { settings }))
}

impl Outbox for ActivityOutbox {
    fn send(&self, conn: &mut DbConn, message: Outbound<'_>) -> AppResult<()> {
        let settings = &self.settings;
        match message {
            Outbound::FollowRequested { follower, target, request } => follow(conn, follower, target, request),
            Outbound::Unfollowed { follower, target, follow_uri } => unfollow(conn, follower, target, follow_uri),
            Outbound::FollowAccepted { target, follower, follow_uri } => accept_follow(conn, target, follower, follow_uri),
            Outbound::FollowRejected { target, follower, follow_uri } => reject_follow(conn, target, follower, follow_uri),
            Outbound::Blocked { blocker, target, uri } => blocked(conn, blocker, target, uri),
            Outbound::Unblocked { blocker, target, uri } => unblocked(conn, blocker, target, uri),
            Outbound::Reported { report, target, status_uris } => flag(conn, settings, report, target, status_uris),
            Outbound::StatusCreated(view) => status_created(conn, settings, view),
            Outbound::StatusUpdated(view) => status_updated(conn, settings, view),
            Outbound::StatusDeleted(view) => status_deleted(conn, settings, view),
            Outbound::PollVoted { voter, author, question, chosen } => poll_voted(conn, voter, author, question, chosen),
            Outbound::Favourited { actor, status, like_id } => favourited(conn, actor, status, like_id),
            Outbound::Unfavourited { actor, status, like_id } => unfavourited(conn, actor, status, like_id),
            Outbound::Reblogged(view) => reblogged(conn, settings, view),
            Outbound::Unreblogged(view) => unreblogged(conn, view),
            Outbound::AccountDeleted(account) => account_deleted(conn, account),
            Outbound::AccountRestored(account) | Outbound::ProfileUpdated(account) => profile_updated(conn, settings, account),
            Outbound::AccountMoved { account, target } => account_moved(conn, settings, account, target),
            Outbound::AnnouncementPublished(announcement) => announcement_sent(conn, settings, announcement, "Create"),
            Outbound::AnnouncementChanged(announcement) => announcement_sent(conn, settings, announcement, "Update"),
            Outbound::AnnouncementWithdrawn(announcement) => announcement_withdrawn(conn, settings, announcement),
            Outbound::QuoteRequested { quote, quoting, quoted_author } => quote_requested(conn, settings, quote, quoting, quoted_author),
            Outbound::QuoteAnswered { request, authorization } => quote_answered(conn, request, authorization),
            Outbound::QuoteRevoked { quote, quoting, quoted_author } => quote_revoked(conn, quote, quoting, quoted_author),
        }
    }
}

fn url(text: &str) -> AppResult<Url> {
    Url::parse(text).map_err(|e| AppError::Internal(format!("not a URL {text:?}: {e}")))
}

fn queue(conn: &mut DbConn, id: &Url, activity: impl Serialize, signer: &Account, inboxes: Vec<String>) -> AppResult<()> {
    let body = serde_json::to_string(&with_context(activity)).map_err(|e| AppError::Internal(e.to_string()))?;
    enqueue(conn, id.as_str(), &body, Some(signer.id), inboxes)?;
    Ok(())
}

fn follow_activity(uri: &str, follower: &Account, target: &Account) -> AppResult<Follow> {
    Ok(Follow::new(url(uri)?, url(&follower.uri)?, url(&target.uri)?))
}

/// A local account asks a remote one to be followed.
fn follow(conn: &mut DbConn, follower: &Account, target: &Account, request: &FollowRequest) -> AppResult<()> {
    let activity = follow_activity(&request.uri, follower, target)?;
    queue(conn, &activity.id.clone(), activity, follower, vec![target.inbox_url.clone()])
}

/// A local account stops following (or asking to follow) a remote one.
fn unfollow(conn: &mut DbConn, follower: &Account, target: &Account, follow_uri: &str) -> AppResult<()> {
    if target.is_local() {
        return Ok(());
    }
    let undo = Undo::of(follow_activity(follow_uri, follower, target)?, url(&follower.uri)?);
    queue(conn, &undo.id.clone(), undo, follower, vec![target.inbox_url.clone()])
}

/// A local account accepts a remote account's follow.
fn accept_follow(conn: &mut DbConn, target: &Account, follower: &Account, follow_uri: &str) -> AppResult<()> {
    let accept = Accept::of(follow_activity(follow_uri, follower, target)?, url(&target.uri)?);
    queue(conn, &accept.id.clone(), accept, target, vec![follower.inbox_url.clone()])
}

fn block_activity(uri: &str, blocker: &Account, target: &Account) -> AppResult<Block> {
    Ok(Block::new(url(uri)?, url(&blocker.uri)?, url(&target.uri)?))
}

/// A local account blocks a remote one; its instance is told, as Mastodon does.
fn blocked(conn: &mut DbConn, blocker: &Account, target: &Account, uri: &str) -> AppResult<()> {
    if target.is_local() {
        return Ok(());
    }
    let block = block_activity(uri, blocker, target)?;
    queue(conn, &block.id.clone(), block, blocker, vec![target.inbox_url.clone()])
}

fn unblocked(conn: &mut DbConn, blocker: &Account, target: &Account, uri: &str) -> AppResult<()> {
    if target.is_local() {
        return Ok(());
    }
    let undo = Undo::of(block_activity(uri, blocker, target)?, url(&blocker.uri)?);
    queue(conn, &undo.id.clone(), undo, blocker, vec![target.inbox_url.clone()])
}

/// Forwards a report to the reported account's instance, from the instance actor (reporters stay anonymous).
fn flag(conn: &mut DbConn, settings: &Settings, report: &crate::db::models::Report, target: &Account, status_uris: &[String]) -> AppResult<()> {
    let Some(inbox) = inbox_of(target) else { return Ok(()) };
    let actor = url(&format!("{}/actor", settings.base_url()))?;
    let mut object = vec![url(&target.uri)?];
    for uri in status_uris {
        object.push(url(uri)?);
    }
    let flag = Flag {
        kind: Default::default(),
        id: url(&format!("{}/reports/{}", settings.base_url(), report.id))?,
        actor,
        object,
        content: report.comment.clone(),
    };
    let body = serde_json::to_string(&with_context(&flag)).map_err(|e| AppError::Internal(e.to_string()))?;
    enqueue(conn, flag.id.as_str(), &body, None, vec![inbox])?;
    Ok(())
}

/// A local (locked) account turns down a remote account's follow.
fn reject_follow(conn: &mut DbConn, target: &Account, follower: &Account, follow_uri: &str) -> AppResult<()> {
    let reject = Reject::of(follow_activity(follow_uri, follower, target)?, url(&target.uri)?);
    queue(conn, &reject.id.clone(), reject, target, vec![follower.inbox_url.clone()])
}

/// Asks a remote author's instance to let a local status quote theirs (FEP-044f): the QuoteRequest names the
/// quoted status and carries the quoting one, to the author's own inbox.
fn quote_requested(conn: &mut DbConn, settings: &Settings, quote: &Quote, quoting: &StatusView, quoted_author: &Account) -> AppResult<()> {
    let (Some(inbox), Some(id)) = (inbox_of(quoted_author), quote.request_uri.as_deref()) else { return Ok(()) };
    let note = note_of(conn, settings, quoting)?;
    let request = serde_json::json!({
        "id": id,
        "type": "QuoteRequest",
        "actor": quoting.account.uri,
        "object": quote.quoted_uri,
        "instrument": note,
    });
    queue(conn, &url(id)?, request, &quoting.account, vec![inbox])
}

/// Answers a QuoteRequest for a local status: an Accept whose `result` is the authorization, or a Reject.
fn quote_answered(conn: &mut DbConn, request: &QuoteRequestSeen<'_>, authorization: Option<&str>) -> AppResult<()> {
    let Some(inbox) = inbox_of(request.requester) else { return Ok(()) };
    let (kind, path) = if authorization.is_some() { ("Accept", "accepts") } else { ("Reject", "rejects") };
    let id = format!("{}#{path}/quote_requests/{}", request.quoted_author.uri, request.answer_key);
    let mut answer = serde_json::json!({
        "id": id,
        "type": kind,
        "actor": request.quoted_author.uri,
        "to": [request.requester.uri],
        "object": {
            "id": request.id,
            "type": "QuoteRequest",
            "actor": request.requester.uri,
            "object": request.quoted_uri,
            "instrument": request.quoting_uri,
        },
    });
    if let Some(authorization) = authorization {
        answer["result"] = authorization.into();
    }
    queue(conn, &url(&id)?, answer, request.quoted_author, vec![inbox])
}

/// The QuoteAuthorization document of an accepted quote.
pub fn quote_authorization(quote: &Quote, quoting_uri: &str, quoted_author: &Account) -> serde_json::Value {
    serde_json::json!({
        "id": quote.approval_uri,
        "type": "QuoteAuthorization",
        "attributedTo": quoted_author.uri,
        "interactingObject": quoting_uri,
        "interactionTarget": quote.quoted_uri,
    })
}

/// Takes back a quote's authorization (a Delete of it), to the quoting author's instance and to the instances
/// of both authors' followers, which hold the quoting status.
fn quote_revoked(conn: &mut DbConn, quote: &Quote, quoting: &Status, quoted_author: &Account) -> AppResult<()> {
    let Some(approval) = quote.approval_uri.as_deref() else { return Ok(()) };
    let quoting_author = accounts::find(conn, quoting.account_id)?.ok_or(AppError::NotFound)?;
    let mut inboxes = follows::remote_follower_inboxes(conn, quoted_author.id)?;
    match inbox_of(&quoting_author) {
        Some(inbox) => inboxes.push(inbox),
        None => inboxes.extend(follows::remote_follower_inboxes(conn, quoting_author.id)?),
    }
    let id = format!("{approval}#delete");
    let delete = serde_json::json!({
        "id": id,
        "type": "Delete",
        "actor": quoted_author.uri,
        "to": [crate::apub::addressing::PUBLIC],
        "object": quote_authorization(quote, &quoting.uri, quoted_author),
    });
    queue(conn, &url(&id)?, delete, quoted_author, inboxes)
}

/// Every remote inbox a status of a local author goes to: followers' (unless direct), the mentioned, and
/// the author of the status it answers.
fn status_inboxes(conn: &mut DbConn, view: &StatusView) -> AppResult<Vec<String>> {
    let mut inboxes = Vec::new();
    if view.status.visibility != Visibility::Direct {
        inboxes.extend(follows::remote_follower_inboxes(conn, view.account.id)?);
        if let Some(parent_author) = view.status.in_reply_to_account_id {
            inboxes.extend(accounts::find(conn, parent_author)?.as_ref().and_then(inbox_of));
        }
    }
    inboxes.extend(view.mentions.iter().filter_map(|account| inbox_of(account)));
    // The quoted author hears of a quote as if mentioned, without the mention (Mastodon's silent mention).
    if let Some(quoted) = view.quote.as_ref().and_then(|q| q.row.quoted_status_id) {
        if let Some(quoted) = statuses::find(conn, quoted)? {
            inboxes.extend(accounts::find(conn, quoted.account_id)?.as_ref().and_then(inbox_of));
        }
    }
    Ok(inboxes)
}

pub fn note_of(conn: &mut DbConn, settings: &Settings, view: &StatusView) -> AppResult<Note> {
    let parent_uri = match view.status.in_reply_to_id {
        Some(parent_id) => statuses::find(conn, parent_id)?.map(|parent| parent.uri),
        None => None,
    };
    Ok(Note::from_view(view, &settings.base_url(), parent_uri.as_deref()))
}

fn status_created(conn: &mut DbConn, settings: &Settings, view: &StatusView) -> AppResult<()> {
    let create = Create::new(note_of(conn, settings, view)?);
    let inboxes = status_inboxes(conn, view)?;
    if view.status.visibility == Visibility::Direct && view.mentions.iter().any(|a| a.is_group && !a.is_local()) {
        let id = create.id.clone();
        let mut activity = json_of(&create)?;
        activity["object"] = proven(conn, view, activity["object"].take())?;
        return queue(conn, &id, activity, &view.account, inboxes);
    }
    queue(conn, &create.id.clone(), create, &view.account, inboxes)
}

/// A private mention of another instance's group (a members-only post, which the group relays to members'
/// instances that cannot fetch it here) carries its author's proof.
fn proven(conn: &mut DbConn, view: &StatusView, note: serde_json::Value) -> AppResult<serde_json::Value> {
    let key = crate::service::keys::account_signing_key(conn, view.account.id)?;
    let private_key = crate::apub::signatures::private_key_from_pem(&key.private_key_pem).map_err(|e| AppError::Internal(e.to_string()))?;
    crate::apub::proofs::signed(note, &key.key_id, &private_key).map_err(|e| AppError::Internal(e.to_string()))
}

fn json_of(value: &impl Serialize) -> AppResult<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| AppError::Internal(e.to_string()))
}

fn status_updated(conn: &mut DbConn, settings: &Settings, view: &StatusView) -> AppResult<()> {
    let update = Update::of_note(note_of(conn, settings, view)?);
    let inboxes = status_inboxes(conn, view)?;
    queue(conn, &update.id.clone(), update, &view.account, inboxes)
}

/// Sent before the rows go: the audience is read from the status.
fn status_deleted(conn: &mut DbConn, settings: &Settings, view: &StatusView) -> AppResult<()> {
    if let Some(original) = &view.reblog {
        return reblog_undone(conn, view, original);
    }
    let delete = Delete::of_note(&note_of(conn, settings, view)?);
    let inboxes = status_inboxes(conn, view)?;
    queue(conn, &delete.id.clone(), delete, &view.account, inboxes)
}

/// A local account's choices on a remote poll: one Create of a vote per choice, to the poll's author.
fn poll_voted(conn: &mut DbConn, voter: &Account, author: &Account, question: &Status, chosen: &[(String, String)]) -> AppResult<()> {
    let Some(inbox) = inbox_of(author) else { return Ok(()) };
    for (vote_uri, option) in chosen {
        let create = Create::new(Note::vote(vote_uri, voter, author, &question.uri, option));
        queue(conn, &create.id.clone(), create, voter, vec![inbox.clone()])?;
    }
    Ok(())
}

fn like_activity(actor: &Account, status_uri: &str, like_id: i64) -> AppResult<Like> {
    Ok(Like::new(url(&format!("{}/likes/{like_id}", actor.uri))?, url(&actor.uri)?, url(status_uri)?))
}

/// The inbox of a status's remote author, if the author is remote.
fn author_inbox(conn: &mut DbConn, status: &Status) -> AppResult<Option<String>> {
    Ok(accounts::find(conn, status.account_id)?.as_ref().and_then(inbox_of))
}

/// A local account favourites a remote status: the Like goes to the status's author.
fn favourited(conn: &mut DbConn, actor: &Account, status: &Status, like_id: i64) -> AppResult<()> {
    let Some(inbox) = author_inbox(conn, status)? else { return Ok(()) };
    let like = like_activity(actor, &status.uri, like_id)?;
    queue(conn, &like.id.clone(), like, actor, vec![inbox])
}

fn unfavourited(conn: &mut DbConn, actor: &Account, status: &Status, like_id: i64) -> AppResult<()> {
    let Some(inbox) = author_inbox(conn, status)? else { return Ok(()) };
    let undo = Undo::of(like_activity(actor, &status.uri, like_id)?, url(&actor.uri)?);
    queue(conn, &undo.id.clone(), undo, actor, vec![inbox])
}

fn reblog_inboxes(conn: &mut DbConn, reblog: &StatusView, original: &StatusView) -> AppResult<Vec<String>> {
    let mut inboxes = follows::remote_follower_inboxes(conn, reblog.account.id)?;
    inboxes.extend(inbox_of(&original.account));
    Ok(inboxes)
}

/// A local account reblogs a status: followers and the original's author hear of it. A group's boost of a
/// members-only post carries the post (as its author's instance sent it, with the proof), since the members'
/// instances may not fetch it.
fn reblogged(conn: &mut DbConn, settings: &Settings, reblog: &StatusView) -> AppResult<()> {
    let (Some(original), Some(announce)) = (&reblog.reblog, Announce::of_reblog(reblog)) else {
        return Ok(());
    };
    let inboxes = reblog_inboxes(conn, reblog, original)?;
    if original.status.group_id == Some(reblog.account.id) {
        let object = match statuses::group_object(conn, original.status.id)? {
            Some(sent) => serde_json::from_str(&sent).map_err(|e| AppError::Internal(e.to_string()))?,
            None => json_of(&note_of(conn, settings, original)?)?,
        };
        let mut activity = json_of(&announce)?;
        activity["object"] = object;
        return queue(conn, &announce.id.clone(), activity, &reblog.account, inboxes);
    }
    queue(conn, &announce.id.clone(), announce, &reblog.account, inboxes)
}

fn reblog_undone(conn: &mut DbConn, reblog: &StatusView, original: &StatusView) -> AppResult<()> {
    let Some(announce) = Announce::of_reblog(reblog) else { return Ok(()) };
    let inboxes = reblog_inboxes(conn, reblog, original)?;
    let undo = Undo::of(announce, url(&reblog.account.uri)?);
    queue(conn, &undo.id.clone(), undo, &reblog.account, inboxes)
}

/// Undoes a reblog given its view (the wrapper with its original).
fn unreblogged(conn: &mut DbConn, reblog: &StatusView) -> AppResult<()> {
    match &reblog.reblog {
        Some(original) => reblog_undone(conn, reblog, original),
        None => Ok(()),
    }
}

/// A local account is suspended: its followers' instances remove it (Delete of the actor).
fn account_deleted(conn: &mut DbConn, account: &Account) -> AppResult<()> {
    let actor = url(&account.uri)?;
    let delete = Delete {
        kind: Default::default(),
        id: url(&format!("{}#delete/{}", account.uri, crate::ids::next_id()))?,
        object: Deleted::Id(actor.clone()),
        actor,
        to: vec![crate::apub::addressing::PUBLIC.to_owned()],
        cc: Vec::new(),
    };
    let inboxes = follows::remote_follower_inboxes(conn, account.id)?;
    queue(conn, &delete.id.clone(), delete, account, inboxes)
}

/// A company-wide announcement goes to every allowed peer, from the instance actor.
fn announcement_sent(conn: &mut DbConn, settings: &Settings, announcement: &Announcement, kind: &str) -> AppResult<()> {
    let actor = url(&format!("{}/actor", settings.base_url()))?;
    let utc = |t: chrono::NaiveDateTime| t.and_utc();
    let object = AnnouncementObject {
        kind: ANNOUNCEMENT_TYPE.to_owned(),
        id: url(&announcement.uri)?,
        attributed_to: actor.clone(),
        content: crate::service::statuses::render_text(conn, settings, &announcement.text)?.html,
        start_time: announcement.starts_at.map(utc),
        end_time: announcement.ends_at.map(utc),
        all_day: announcement.all_day,
        published: announcement.published_at.map(utc),
        updated: Some(utc(announcement.updated_at)),
    };
    let activity = AnnouncementActivity {
        kind: kind.to_owned(),
        id: url(&format!("{}#{}/{}", announcement.uri, kind.to_lowercase(), crate::ids::next_id()))?,
        actor,
        object,
        to: vec![crate::apub::addressing::PUBLIC.to_owned()],
    };
    let body = serde_json::to_string(&with_context(&activity)).map_err(|e| AppError::Internal(e.to_string()))?;
    let inboxes = peer_inboxes(conn, settings)?;
    enqueue(conn, activity.id.as_str(), &body, None, inboxes)?;
    Ok(())
}

fn announcement_withdrawn(conn: &mut DbConn, settings: &Settings, announcement: &Announcement) -> AppResult<()> {
    let delete = Delete {
        kind: Default::default(),
        id: url(&format!("{}#delete/{}", announcement.uri, crate::ids::next_id()))?,
        actor: url(&format!("{}/actor", settings.base_url()))?,
        object: Deleted::Id(url(&announcement.uri)?),
        to: vec![crate::apub::addressing::PUBLIC.to_owned()],
        cc: Vec::new(),
    };
    let body = serde_json::to_string(&with_context(&delete)).map_err(|e| AppError::Internal(e.to_string()))?;
    let inboxes = peer_inboxes(conn, settings)?;
    enqueue(conn, delete.id.as_str(), &body, None, inboxes)?;
    Ok(())
}

/// Every allowed peer's shared inbox: the one its accounts name when one is known here, else `/inbox` at its
/// host (Hallway's and Mastodon's), over https unless this intranet federates over http.
fn peer_inboxes(conn: &mut DbConn, settings: &Settings) -> AppResult<Vec<String>> {
    let scheme = if settings.federation_allow_http && settings.scheme == "http" { "http" } else { "https" };
    let mut inboxes = Vec::new();
    for peer in crate::db::queries::peers::list(conn)?.into_iter().filter(|p| p.allowed) {
        let known = accounts::shared_inbox_of_domain(conn, &peer.host)?;
        inboxes.push(known.unwrap_or_else(|| format!("{scheme}://{}/inbox", peer.host)));
    }
    Ok(inboxes)
}

/// A local profile changed: followers' instances refresh it.
/// The followers' instances hear of the move (a Move, after the Update that carries `movedTo`).
fn account_moved(conn: &mut DbConn, settings: &Settings, account: &Account, target: &Account) -> AppResult<()> {
    profile_updated(conn, settings, account)?;
    let moved = crate::apub::activities::Move::of(url(&account.uri)?, url(&target.uri)?, &account.followers_url);
    let inboxes = follows::remote_follower_inboxes(conn, account.id)?;
    queue(conn, &moved.id.clone(), moved, account, inboxes)
}

fn profile_updated(conn: &mut DbConn, settings: &Settings, account: &Account) -> AppResult<()> {
    let update = Update::of_person(Person::from_local(account, &settings.base_url()));
    let inboxes = follows::remote_follower_inboxes(conn, account.id)?;
    queue(conn, &update.id.clone(), update, account, inboxes)
}
