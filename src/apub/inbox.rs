//! The inbox: activities other instances deliver, checked (see `inbound`), read into plain values and
//! applied through the same service functions as local actions, once per activity id.

use actix_web::{web, HttpRequest, HttpResponse};
use url::Url;

use crate::apub::activities::{Deleted, FollowReference, InboxActivity, QuoteRequest, Undone, Updated};
use crate::apub::client::FederationError;
use crate::apub::addressing::is_public;
use crate::apub::objects::Note;
use crate::apub::{inbound, proofs, resolve};
use crate::db::kinds::InboxState;
use crate::db::models::{Account, QueuedActivity};
use crate::db::queries::{accounts, inbox_queue, quotes as quote_requests, rate_limits, received};
use crate::db::tx::{Outbound, QuoteRequestSeen};
use crate::db::{DbConn, Tx};
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::net::authority;
use crate::service::statuses::{self, RemoteStatus};
use crate::service::polls::{self, RemotePoll};
use crate::service::announcements::{self, RemoteAnnouncement};
use crate::service::{follows, moves, quotes, remote, reports, safety};
use crate::state::AppState;

/// How many unknown accounts one activity may make us fetch (mentions), and how far up a thread we fetch.
const MAX_FETCHED_MENTIONS: usize = 10;
const MAX_PARENT_DEPTH: usize = 5;

pub async fn shared_inbox(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> AppResult<HttpResponse> {
    receive(&req, &state, &body).await
}

pub async fn actor_inbox(req: HttpRequest, state: web::Data<AppState>, _name: web::Path<String>, body: web::Bytes) -> AppResult<HttpResponse> {
    receive(&req, &state, &body).await
}

/// Checks the request (signature, allowlist, rate, the activity is the signer's own), stores the activity
/// in the durable inbox and answers 202: the peer never waits for what applying it takes (fetches, the
/// write), and a burst from one peer waits in the queue rather than in front of local writes.
async fn receive(req: &HttpRequest, state: &AppState, body: &[u8]) -> AppResult<HttpResponse> {
    let signer = match inbound::signer(state, req, Some(body)).await {
        Ok(signer) => signer,
        Err(error) => {
            // Before the signer is known, its host is the sender's word: no label of its own (unbounded).
            crate::telemetry::inbox("unknown", "rejected", rejection(&error));
            return Err(error);
        }
    };
    let peer = signer.domain.clone().unwrap_or_default();
    let queued = queue(state, signer, body).await;
    match &queued {
        Ok(_) => crate::telemetry::inbox(&peer, "accepted", "none"),
        Err(error) => crate::telemetry::inbox(&peer, "rejected", rejection(error)),
    }
    queued
}

/// Why an inbox refused an activity, as `/metrics` counts it.
fn rejection(error: &AppError) -> &'static str {
    match error {
        AppError::Unauthorized(_) => "signature",
        AppError::Forbidden(_) => "not_allowed",
        AppError::RateLimited => "rate_limited",
        AppError::BadRequest(_) | AppError::Validation(_) => "malformed",
        _ => "error",
    }
}

async fn queue(state: &AppState, signer: Account, body: &[u8]) -> AppResult<HttpResponse> {
    let activity: InboxActivity =
        serde_json::from_slice(body).map_err(|e| AppError::bad_request(format!("Unreadable activity: {e}")))?;
    let (Some(id), Some(actor)) = (activity.id().cloned(), activity.actor().cloned()) else {
        return Ok(HttpResponse::Accepted().finish());
    };
    if actor.as_str() != signer.uri || authority(&id) != authority(&actor) {
        return Err(AppError::Unauthorized("The activity is not the signer's own".into()));
    }
    if id.as_str().len() > crate::service::remote::MAX_URI_LENGTH {
        return Err(AppError::validation("The activity's id is too long"));
    }
    let now = ids::now();
    let queued = QueuedActivity {
        id: ids::next_id(),
        activity_uri: id.to_string(),
        peer_host: authority(&actor),
        signer_account_id: signer.id,
        body: String::from_utf8(body.to_vec()).map_err(|_| AppError::bad_request("The activity is not UTF-8"))?,
        state: InboxState::Queued,
        attempts: 0,
        next_attempt_at: now,
        leased_until: None,
        last_error: None,
        received_at: now,
        finished_at: None,
    };
    let per_minute = i64::from(state.settings.federation_inbox_per_minute);
    let (bucket, window) = (format!("inbox:{}", queued.peer_host), minute_of(now));
    let queued = state
        .db
        .write(move |conn| {
            // Counted in the database: every process of the instance admits from one allowance per peer.
            if i64::from(rate_limits::hit(conn, &bucket, window)?) > per_minute {
                return Err(AppError::RateLimited);
            }
            Ok(!received::seen(conn, &queued.activity_uri)? && inbox_queue::enqueue(conn, queued)?)
        })
        .await?;
    if queued {
        state.inbox.wake();
    }
    Ok(HttpResponse::Accepted().finish())
}

/// The start of the minute `at` falls in (a rate limit's window).
fn minute_of(at: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    at.date().and_hms_opt(chrono::Timelike::hour(&at), chrono::Timelike::minute(&at), 0).unwrap_or(at)
}

/// Applies a queued activity: fetches what it needs and reads it into plain values (sanitised) first, then
/// applies it in one write transaction that also removes it from the queue and records its id, once.
/// Answers false when the claim's lease ran out meanwhile (another worker has the activity now).
pub async fn process(state: &AppState, queued: &QueuedActivity) -> AppResult<bool> {
    let lease = queued.leased_until.ok_or_else(|| AppError::Internal("an unclaimed activity".into()))?;
    let signer_id = queued.signer_account_id;
    let signer = state.db.read(move |conn| accounts::find(conn, signer_id)).await?.ok_or(AppError::NotFound)?;
    let activity: InboxActivity =
        serde_json::from_str(&queued.body).map_err(|e| AppError::bad_request(format!("Unreadable activity: {e}")))?;
    prepare(state, &signer, &activity).await;
    let quote_verified = verified_quote(state, &activity).await;
    let group_post = members_only_post(state, &signer, &activity).await;
    let gone = gone_from_group(state, &signer, &activity).await;
    let mut ready = Ready::new(activity, &signer);
    ready.group_post = group_post;
    ready.gone = gone;
    if let Some(status) = ready.status.as_mut() {
        status.quote_verified = quote_verified;
        status.signed_object = signed_note(&queued.body);
    }
    let (queued_id, uri) = (queued.id, queued.activity_uri.clone());
    state
        .db
        .write(move |conn| {
            if !inbox_queue::remove_held(conn, queued_id, lease)? {
                return Ok(false);
            }
            if received::record(conn, &uri, ids::now())? {
                apply(conn, &signer, ready)?;
            }
            Ok(true)
        })
        .await
}

/// An activity with what the transaction will store already read and sanitised: the note of a Create or
/// Update that the signer wrote, the actor of an Update(Person).
struct Ready {
    activity: InboxActivity,
    status: Option<RemoteStatus>,
    actor: Option<Result<Account, String>>,
    /// The members-only post a group's boost carries, with its author, once checked.
    group_post: Option<(Account, RemoteStatus)>,
    /// The status a group took its boost of back, when its author's instance no longer serves it.
    gone: Option<Url>,
}

impl Ready {
    fn new(activity: InboxActivity, signer: &Account) -> Ready {
        let (status, actor) = match &activity {
            InboxActivity::Create(create) if authored_by(&create.object, signer) => (Some(remote_status(&create.object, signer)), None),
            InboxActivity::Update(update) => match &update.object {
                Updated::Note(note) if authored_by(note, signer) => (Some(remote_status(note, signer)), None),
                Updated::Note(_) => (None, None),
                Updated::Person(person) => (None, Some(person.to_account(Some(signer)))),
            },
            _ => (None, None),
        };
        Ready { activity, status, actor, group_post: None, gone: None }
    }
}

/// Fetches, before the transaction, what applying the activity will need: unknown mentioned accounts and
/// the thread above a reply. Failures only leave those out.
async fn prepare(state: &AppState, signer: &Account, activity: &InboxActivity) {
    if let InboxActivity::Move(moved) = activity {
        // The target's aliases must be current: it is fetched again, whatever is known of it.
        if let Some(target) = &moved.target {
            if let Err(e) = resolve::actor_now(state, target).await {
                log::info!("inbox: the target {target} of {}'s move could not be fetched: {e}", signer.uri);
            }
        }
        return;
    }
    if let InboxActivity::Announce(announce) = activity {
        // A boost (often a group's) of a status not known here: fetched, with what it answers.
        return fetch_thread(state, signer, Some(announce.object.clone())).await;
    }
    let note = match activity {
        InboxActivity::Create(create) => &create.object,
        InboxActivity::Update(update) => match &update.object {
            Updated::Note(note) => note.as_ref(),
            Updated::Person(_) => return,
        },
        _ => return,
    };
    for uri in addressed_actors(note).into_iter().take(MAX_FETCHED_MENTIONS) {
        if let Err(e) = resolve::actor(state, &uri, false).await {
            log::debug!("inbox: mentioned {uri} not fetched: {e}");
        }
    }
    fetch_thread(state, signer, note.in_reply_to.clone()).await;
    // The quoted status, with what it answers, so that the quote can name it.
    fetch_thread(state, signer, note.quoted_uri().cloned()).await;
}

/// A group's boost that carries a members-only post: the post and its author, once it is known to be the
/// author's. The group's own instance speaks for its own accounts; another instance's post must carry its
/// author's proof (`apub::proofs`). None for anything else, or when the proof fails.
async fn members_only_post(state: &AppState, signer: &Account, activity: &InboxActivity) -> Option<(Account, RemoteStatus)> {
    let InboxActivity::EmbeddedAnnounce(embedded) = activity else { return None };
    let note = &embedded.note;
    // The post must be addressed to this very group: another group cannot relay it to its own members.
    let addressed = note.to.iter().chain(&note.cc).any(|address| *address == signer.uri);
    if !signer.is_group || !addressed || authority(&note.id) != authority(&note.attributed_to) {
        return None;
    }
    let author = resolve::actor(state, &note.attributed_to, false).await.ok()?;
    if signer.domain.as_deref() != Some(authority(&note.id).as_str()) {
        let key_id = proofs::verification_method(&embedded.raw)?;
        if resolve::key_owner(key_id).as_ref() != Some(&note.attributed_to) {
            return None;
        }
        if proofs::verify(&embedded.raw, &author.public_key_pem).is_err() {
            let refreshed = resolve::actor(state, &note.attributed_to, true).await.ok()?;
            proofs::verify(&embedded.raw, &refreshed.public_key_pem).ok()?;
        }
    }
    let mut post = remote_status(note, &author);
    post.group_id = Some(signer.id);
    Some((author, post))
}

/// A group took back its boost of a status of another instance (its author deleted it, or a moderator took it
/// out): when the author's instance no longer serves it to us, the copy kept here goes too (members follow
/// the group, not the author, and may never hear of the deletion otherwise). Only a status this very group
/// boosted here, of neither this instance nor the group's.
async fn gone_from_group(state: &AppState, signer: &Account, activity: &InboxActivity) -> Option<Url> {
    let InboxActivity::Undo(undo) = activity else { return None };
    let Undone::Announce(announce) = &undo.object else { return None };
    let origin = authority(&announce.object);
    if !signer.is_group || origin == state.settings.domain || signer.domain.as_deref() == Some(origin.as_str()) {
        return None;
    }
    let (group_id, original) = (signer.id, announce.object.to_string());
    let boosted = state
        .db
        .read(move |conn| {
            let Some(status) = crate::db::queries::statuses::find_by_uri_or_url(conn, &original)?.filter(|s| !s.local && s.uri == original) else {
                return Ok(false);
            };
            Ok(crate::db::queries::statuses::find_reblog(conn, group_id, status.id)?.is_some())
        })
        .await
        .unwrap_or(false);
    if !boosted {
        return None;
    }
    match state.federation.fetch(&announce.object).await {
        Err(FederationError::Status(404 | 410)) => Some(announce.object.clone()),
        _ => None,
    }
}

/// The note of a Create as it was sent, when it carries its author's proof (a post to a private group, which
/// the group relays unchanged).
fn signed_note(body: &str) -> Option<String> {
    // Most notes carry no proof: they are not parsed a second time to find out.
    if !body.contains(proofs::CRYPTOSUITE) {
        return None;
    }
    let activity: serde_json::Value = serde_json::from_str(body).ok()?;
    let note = activity.get("object")?;
    proofs::verification_method(note)?;
    Some(note.to_string())
}

/// Whether the quote authorization a note carries was given by the quoted status's author's instance for this
/// very quote (FEP-044f): fetched from there, it names the note and the quoted status and is the quoted
/// author's. Authorizations of this instance are known without fetching (an accepted QuoteRequest).
async fn verified_quote(state: &AppState, activity: &InboxActivity) -> bool {
    let note = match activity {
        InboxActivity::Create(create) => &create.object,
        InboxActivity::Update(update) => match &update.object {
            Updated::Note(note) => note.as_ref(),
            Updated::Person(_) => return false,
        },
        _ => return false,
    };
    let (Some(authorization), Some(quoted)) = (note.quote_authorization.as_ref(), note.quoted_uri()) else { return false };
    if authority(authorization) == state.settings.domain {
        return false;
    }
    let Ok(document) = state.federation.fetch(authorization).await else { return false };
    let text = |key: &str| document.get(key).and_then(serde_json::Value::as_str).map(str::to_owned);
    let quoted_key = quoted.to_string();
    let quoted_author = state
        .db
        .read(move |conn| {
            let Some(status) = crate::db::queries::statuses::find_by_uri_or_url(conn, &quoted_key)? else { return Ok(None) };
            Ok(accounts::find(conn, status.account_id)?.map(|a| a.uri))
        })
        .await
        .ok()
        .flatten();
    let attributed = text("attributedTo");
    text("type").as_deref() == Some("QuoteAuthorization")
        && text("id").as_deref() == Some(authorization.as_str())
        && text("interactingObject").as_deref() == Some(note.id.as_str())
        && text("interactionTarget").as_deref() == Some(quoted.as_str())
        && attributed.is_some()
        && attributed == quoted_author
        && attributed.as_deref().and_then(|a| Url::parse(a).ok()).is_some_and(|a| authority(&a) == authority(authorization))
}

/// Stores the statuses a reply answers, up the thread, that are not known here yet.
async fn fetch_thread(state: &AppState, signer: &Account, mut parent: Option<Url>) {
    let mut chain = Vec::new();
    while let Some(uri) = parent.take().filter(|_| chain.len() < MAX_PARENT_DEPTH) {
        let key = uri.to_string();
        let known = state.db.read(move |conn| Ok(crate::db::queries::statuses::find_by_uri_or_url(conn, &key)?.is_some())).await;
        if known.unwrap_or(true) {
            break;
        }
        let Ok(document) = state.federation.fetch(&uri).await else { break };
        let Ok(note) = serde_json::from_value::<Note>(document) else { break };
        if note.id != uri {
            break;
        }
        parent = note.in_reply_to.clone();
        chain.push(note);
    }
    for note in chain.into_iter().rev() {
        let Ok(author) = resolve::actor(state, &note.attributed_to, false).await else { continue };
        if authority(&note.id) != authority(&note.attributed_to) {
            continue;
        }
        let remote = remote_status(&note, &author);
        let stored = state.db.write(move |conn| statuses::create_remote(conn, &author, remote)).await;
        if let Err(e) = stored {
            log::debug!("inbox: thread status not stored for {}: {e}", signer.uri);
        }
    }
}

/// The actors a note addresses or tags, beyond the public and follower collections.
fn addressed_actors(note: &Note) -> Vec<Url> {
    let mut uris: Vec<Url> = note.mentioned_uris().into_iter().cloned().collect();
    for address in note.to.iter().chain(&note.cc) {
        if is_public(address) || address.ends_with("/followers") {
            continue;
        }
        if let Ok(url) = Url::parse(address) {
            if !uris.contains(&url) {
                uris.push(url);
            }
        }
    }
    uris
}

pub(crate) fn remote_status(note: &Note, author: &Account) -> RemoteStatus {
    RemoteStatus {
        uri: note.id.to_string(),
        // The page URL is kept only when it is http(s) on the note's own instance.
        url: note
            .url
            .as_ref()
            .filter(|u| authority(u) == authority(&note.id))
            .and_then(|u| crate::service::sanitize::link(u.as_str()))
            .unwrap_or_else(|| note.id.to_string()),
        content: crate::service::sanitize::html(&note.content),
        spoiler_text: crate::service::sanitize::text(note.spoiler_text(), 1_000),
        sensitive: note.sensitive,
        visibility: note.visibility(&author.followers_url),
        language: note.language().map(str::to_owned),
        in_reply_to_uri: note.in_reply_to.as_ref().map(Url::to_string),
        mentioned_uris: addressed_actors(note).iter().map(Url::to_string).collect(),
        tags: note
            .hashtag_names()
            .into_iter()
            .filter(|name| crate::service::markup::is_hashtag_name(name))
            .map(str::to_owned)
            .collect(),
        published: note.published.map(|p| p.naive_utc()),
        // Another server's private statuses are quoted by nobody but their author here, as ours.
        quote_policy: crate::service::quotes::policy_for(note.visibility(&author.followers_url), Some(note.quote_policy(&author.followers_url))),
        quoted_uri: note.quoted_uri().map(Url::to_string),
        quote_authorization: note.quote_authorization.as_ref().map(Url::to_string),
        quote_verified: false,
        group_id: None,
        signed_object: None,
        backfill: false,
        poll: remote_poll(note),
        emojis: note
            .emojis()
            .into_iter()
            .filter_map(|(shortcode, url)| Some((shortcode, crate::service::sanitize::link(&url)?)))
            .collect(),
        media: note
            .attachment
            .iter()
            .filter_map(|document| {
                Some(crate::service::media::RemoteMedia {
                    url: document.href()?,
                    media_type: document.media_type.as_deref().map(|t| crate::service::sanitize::text(t, 100)),
                    description: document.name.as_deref().map(|d| crate::service::sanitize::text(d, 1_500)),
                    blurhash: document.blurhash.clone(),
                    focus: document.focal_point.map(|[x, y]| (x, y)),
                    width: document.width,
                    height: document.height,
                })
            })
            .collect(),
    }
}

fn remote_poll(note: &Note) -> Option<RemotePoll> {
    let (options, multiple) = note.poll_options();
    if options.is_empty() {
        return None;
    }
    Some(RemotePoll {
        options: options.into_iter().map(|(title, count)| (crate::service::sanitize::text(&title, 200), count)).collect(),
        multiple,
        expires_at: note.end_time.or(note.closed).map(|at| at.naive_utc()),
        voters_count: note.voters_count,
    })
}

/// A note speaks for its signer only when the signer is its author and it lives on the signer's instance.
fn authored_by(note: &Note, signer: &Account) -> bool {
    let signer_host = Url::parse(&signer.uri).map(|u| authority(&u)).unwrap_or_default();
    note.attributed_to.as_str() == signer.uri && authority(&note.id) == signer_host
}

/// The local account a URI names, if it is one of ours.
fn local_account(conn: &mut DbConn, uri: &Url) -> AppResult<Option<Account>> {
    Ok(accounts::find_by_uri(conn, uri.as_str())?.filter(|a| a.is_local() && a.suspended_at.is_none()))
}

fn apply(tx: &mut Tx, signer: &Account, ready: Ready) -> AppResult<()> {
    let Ready { activity, status: remote, actor, group_post, gone } = ready;
    match activity {
        InboxActivity::Follow(follow) => {
            let Some(target) = local_account(tx, &follow.object)? else { return Ok(()) };
            if follows::followed_from_remote(tx, signer, &target, follow.id.as_str())? {
                tx.federate(Outbound::FollowAccepted { target: &target, follower: signer, follow_uri: follow.id.as_str() })?;
            }
            Ok(())
        }
        InboxActivity::Accept(accept) if quote_requests::by_request(tx, accept.object.id().as_str())?.is_some() => {
            quotes::answered(tx, signer, accept.object.id().as_str(), quotes::Answer::Accepted(accept.result.as_ref().map(Url::as_str)))
        }
        InboxActivity::Reject(reject) if quote_requests::by_request(tx, reject.object.id().as_str())?.is_some() => {
            quotes::answered(tx, signer, reject.object.id().as_str(), quotes::Answer::Rejected)
        }
        InboxActivity::Accept(accept) => match followed_by_local(tx, &accept.object)? {
            Some(follower) => follows::request_accepted(tx, &follower, signer),
            None => Ok(()),
        },
        InboxActivity::Reject(reject) => match followed_by_local(tx, &reject.object)? {
            Some(follower) => follows::end_follow(tx, &follower, signer).map(|_| ()),
            None => Ok(()),
        },
        InboxActivity::QuoteRequest(request) => quote_requested(tx, signer, &request),
        InboxActivity::Undo(undo) => {
            undo_activity(tx, signer, undo.object)?;
            match gone {
                Some(uri) => statuses::forget_remote(tx, uri.as_str()),
                None => Ok(()),
            }
        }
        InboxActivity::Create(create) => {
            let note = &create.object;
            if !authored_by(note, signer) {
                return Ok(());
            }
            if let (Some(choice), Some(question)) = (note.vote_choice(), &note.in_reply_to) {
                let Some(status) = crate::db::queries::statuses::find_by_uri_or_url(tx, question.as_str())? else { return Ok(()) };
                if !status.local || status.local_only {
                    return Ok(());
                }
                return polls::receive_vote(tx, signer, &status, choice, note.id.as_str());
            }
            match remote {
                Some(remote) => statuses::create_remote(tx, signer, remote).map(|_| ()),
                None => Ok(()),
            }
        }
        InboxActivity::Update(update) => match (update.object, remote, actor) {
            (Updated::Note(note), Some(remote), _) if authored_by(&note, signer) => statuses::edit_remote(tx, signer, remote),
            (Updated::Person(person), _, Some(actor)) if person.id.as_str() == signer.uri => update_person(tx, actor),
            _ => Ok(()),
        },
        InboxActivity::Delete(delete) => match &delete.object {
            Deleted::Id(id) if id.as_str() == signer.uri => remote::remove_account(tx, signer),
            Deleted::Id(id) if announcements::withdraw_remote(tx, signer, id.as_str())? => Ok(()),
            Deleted::Authorization(authorization) => quotes::revoked_remote(tx, signer, authorization.id.as_str()).map(|_| ()),
            Deleted::Id(id) if quotes::revoked_remote(tx, signer, id.as_str())? => Ok(()),
            object => statuses::delete_remote(tx, signer, object.id().as_str()),
        },
        InboxActivity::Announcement(activity) => {
            let object = activity.object;
            let remote = RemoteAnnouncement {
                uri: object.id.to_string(),
                content: object.content,
                starts_at: object.start_time.map(|t| t.naive_utc()),
                ends_at: object.end_time.map(|t| t.naive_utc()),
                all_day: object.all_day,
            };
            announcements::receive(tx, signer, remote)
        }
        InboxActivity::Announce(announce) => {
            statuses::reblog_remote(tx, signer, announce.object.as_str(), announce.id.as_str()).map(|_| ())
        }
        InboxActivity::EmbeddedAnnounce(embedded) => {
            if let Some((author, post)) = group_post {
                statuses::create_remote(tx, &author, post)?;
            }
            statuses::reblog_remote(tx, signer, embedded.announce.object.as_str(), embedded.announce.id.as_str()).map(|_| ())
        }
        InboxActivity::Like(like) => statuses::favourite_remote(tx, signer, like.object.as_str()).map(|_| ()),
        InboxActivity::Flag(flag) => {
            let Some(target) = flag.object.first() else { return Ok(()) };
            let Some(target) = local_account(tx, target)? else { return Ok(()) };
            let statuses: Vec<String> = flag.object.iter().skip(1).map(Url::to_string).collect();
            reports::receive(tx, signer, &target, &statuses, &flag.content, flag.id.as_str())
        }
        InboxActivity::Block(block) => match local_account(tx, &block.object)? {
            Some(target) => safety::blocked_by_remote(tx, signer, &target, block.id.as_str()),
            None => Ok(()),
        },
        InboxActivity::Move(moved) => {
            let own = moved.actor.as_str() == signer.uri && moved.object.as_str() == signer.uri;
            // The target's aliases count only as fetched for this Move (prepare), not as known from before.
            let fresh = |account: &Account| account.is_local() || ids::now() - account.updated_at < chrono::Duration::minutes(5);
            let target = match &moved.target {
                Some(target) if own => remote::find_by_uri(tx, target.as_str())?.filter(fresh),
                _ => None,
            };
            match target {
                Some(target) => moves::moved_from_remote(tx, signer, &target).map(|_| ()),
                None => Ok(()),
            }
        }
        InboxActivity::Unsupported(kind) => {
            log::debug!("inbox: {kind} from {} ignored", signer.uri);
            Ok(())
        }
    }
}

/// A remote account asks to quote a local status: the quoting status (embedded) is stored, and the request
/// answered, with the authorization or a Reject. A request for a status that is not ours is passed over.
fn quote_requested(tx: &mut Tx, signer: &Account, request: &QuoteRequest) -> AppResult<()> {
    if request.actor.as_str() != signer.uri {
        return Ok(());
    }
    let Some(quoted) = crate::db::queries::statuses::find_by_uri_or_url(tx, request.object.as_str())?.filter(|s| s.local) else { return Ok(()) };
    let Some(quoting_uri) = request.instrument_id() else { return Ok(()) };
    if let Some(note) = request.instrument_note().filter(|note| authored_by(note, signer)) {
        if crate::db::queries::statuses::find_by_uri_or_url(tx, note.id.as_str())?.is_none() {
            statuses::create_remote(tx, signer, remote_status(&note, signer))?;
        }
    }
    let quoted_author = accounts::find(tx, quoted.account_id)?.ok_or(AppError::NotFound)?;
    let answer = quotes::requested(tx, signer, request.object.as_str(), quoting_uri.as_str(), request.id.as_str())?;
    let (authorization, answer_key) = match &answer {
        Some((quote, _)) => (quote.approval_uri.clone(), quote.id),
        None => (None, ids::next_id()),
    };
    let seen = QuoteRequestSeen {
        id: request.id.as_str(),
        requester: signer,
        quoted_author: &quoted_author,
        quoted_uri: request.object.as_str(),
        quoting_uri: quoting_uri.as_str(),
        answer_key,
    };
    tx.federate(Outbound::QuoteAnswered { request: &seen, authorization: authorization.as_deref() })
}

/// The local follower an Accept or Reject answers: the embedded Follow's actor, or the request's owner.
fn followed_by_local(conn: &mut DbConn, reference: &FollowReference) -> AppResult<Option<Account>> {
    match reference {
        FollowReference::Follow(follow) => local_account(conn, &follow.actor),
        FollowReference::QuoteRequest(_) => Ok(None),
        FollowReference::Id(id) => {
            let owner = id.as_str().split("/follows/").next().and_then(|actor| Url::parse(actor).ok());
            match owner {
                Some(owner) => local_account(conn, &owner),
                None => Ok(None),
            }
        }
    }
}

fn undo_activity(tx: &mut Tx, signer: &Account, undone: Undone) -> AppResult<()> {
    match undone {
        Undone::Follow(follow) => match local_account(tx, &follow.object)? {
            Some(target) => follows::end_follow(tx, signer, &target).map(|_| ()),
            None => Ok(()),
        },
        Undone::Like(like) => statuses::unfavourite_remote(tx, signer, like.object.as_str()),
        Undone::Announce(announce) => statuses::unreblog_remote(tx, signer, announce.id.as_str()),
        Undone::Block(block) => match local_account(tx, &block.object)? {
            Some(target) => safety::unblocked_by_remote(tx, signer, &target),
            None => Ok(()),
        },
        Undone::Id(id) => statuses::unreblog_remote(tx, signer, id.as_str()),
    }
}

/// A profile update; it also brings back an account its instance had deleted and then restored.
fn update_person(conn: &mut DbConn, actor: Result<Account, String>) -> AppResult<()> {
    match actor {
        Ok(account) => {
            let stored = remote::upsert_account(conn, account)?;
            remote::restore_account(conn, &stored)
        }
        Err(why) => Err(AppError::bad_request(why)),
    }
}
