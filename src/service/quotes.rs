//! Quote posts (Mastodon 4.5, FEP-044f): who may quote what, the quote a status carries and where it stands,
//! the quoted author's say (accept, reject, revoke), and the notifications of quotes and of quoted edits.
//!
//! A local status quoted by a local author is accepted at once when its policy allows. A remote status is
//! asked for (QuoteRequest) and waits for its author's instance; a local status quoted from elsewhere is
//! answered with an Accept carrying a QuoteAuthorization, served at
//! `/users/:name/quote_authorizations/:quote_id`.

use crate::db::kinds::{NotificationKind, QuotePolicy, QuoteState, Visibility};
use crate::db::models::{Account, Quote, Status};
use crate::db::queries::{accounts, follows, notifications as notification_rows, quotes, statuses};
use crate::db::tx::Outbound;
use crate::db::views::QuotePermission;
use crate::db::{DbConn, Page, Tx};
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId, StatusId};
use crate::service::notifications::notify;
use crate::service::views::{self, StatusView};

/// The status `author` asks to quote, by id: visible to them, the original of a boost, and one its policy
/// lets them quote (or may, when the policy is one Hallway cannot read).
pub fn quotable(conn: &mut DbConn, author: &Account, quoted_id: StatusId) -> AppResult<Status> {
    let view = views::status_for(conn, Some(author.id), quoted_id)?.ok_or(AppError::NotFound)?;
    let proper = view.reblog.map_or(view.status, |original| original.status);
    let follows_author = follows::find(conn, author.id, proper.account_id)?.is_some();
    match views::quote_permission(&proper, Some(author.id), follows_author) {
        QuotePermission::Denied => Err(AppError::NotFound),
        QuotePermission::Automatic | QuotePermission::Unknown => Ok(std::sync::Arc::unwrap_or_clone(proper)),
    }
}

/// The policy a new or changed status gets: what its author asked (Mastodon's default, public), and nobody for
/// a status that is not public or unlisted.
pub fn policy_for(visibility: Visibility, asked: Option<QuotePolicy>) -> QuotePolicy {
    if visibility.is_open() {
        asked.unwrap_or(QuotePolicy::Public)
    } else {
        QuotePolicy::Nobody
    }
}

/// Mastodon's readable fallback for servers that do not show quotes: a first paragraph linking the quoted
/// status, unless the text links it already.
pub fn with_fallback(content: &str, text: &str, quoted: &Status) -> String {
    if text.contains(&quoted.url) || text.contains(&quoted.uri) {
        return content.to_owned();
    }
    let link = crate::service::markup::escape(&quoted.url);
    format!("<p class=\"quote-inline\">RE: <a href=\"{link}\">{link}</a></p>{content}")
}

/// Where the QuoteAuthorization of a quote of `quoted_author`'s status is served.
pub fn authorization_uri(quoted_author: &Account, quote_id: i64) -> String {
    format!("{}/quote_authorizations/{quote_id}", quoted_author.uri)
}

/// Records the quote of a local author's new status: accepted at once when the quoted status is local (its
/// author hears of it), asked for when it is remote.
pub fn record_local(tx: &mut Tx, author: &Account, quoting: &Status, quoted: &Status) -> AppResult<()> {
    let quoted_author = accounts::find(tx, quoted.account_id)?.ok_or(AppError::NotFound)?;
    let id = ids::next_id();
    let now = ids::now();
    let accepted = quoted.local;
    let quote = Quote {
        id,
        status_id: quoting.id,
        quoted_status_id: Some(quoted.id),
        quoted_uri: quoted.uri.clone(),
        state: if accepted { QuoteState::Accepted } else { QuoteState::Pending },
        approval_uri: accepted.then(|| authorization_uri(&quoted_author, id)),
        request_uri: (!accepted).then(|| format!("{}/quote_requests/{id}", author.uri)),
        created_at: now,
        updated_at: now,
    };
    quotes::insert(tx, &quote)?;
    if accepted {
        notify(tx, quoted.account_id, author.id, NotificationKind::Quote, Some(quoting.id))?;
    }
    Ok(())
}

/// Sends the QuoteRequest of a local status quoting a remote one, once the status itself is on its way.
pub fn request(tx: &mut Tx, quoting: &StatusView) -> AppResult<()> {
    let Some(quote) = quotes::of_status(tx, quoting.status.id)? else { return Ok(()) };
    if quote.state != QuoteState::Pending {
        return Ok(());
    }
    let Some(quoted) = quoted_of(tx, &quote)? else { return Ok(()) };
    let Some(quoted_author) = accounts::find(tx, quoted.account_id)? else { return Ok(()) };
    tx.federate(Outbound::QuoteRequested { quote: &quote, quoting, quoted_author: &quoted_author })
}

/// The accepted quotes of a status, newest first, that the viewer may see; paged by the quote's id.
pub fn quotes_of(conn: &mut DbConn, viewer: Option<&Account>, status_id: StatusId, page: &Page) -> AppResult<Vec<(i64, StatusView)>> {
    let viewer_id = viewer.map(|v| v.id);
    let quoted = views::status_for(conn, viewer_id, status_id)?.ok_or(AppError::NotFound)?;
    let listed = quotes::accepted_page(conn, quoted.status.id, page)?;
    let quote_of: std::collections::HashMap<StatusId, i64> = listed.iter().map(|(quote_id, status)| (status.id, *quote_id)).collect();
    let visible = views::visible(conn, viewer_id, listed.into_iter().map(|(_, status)| status).collect())?;
    Ok(views::hydrate(conn, viewer_id, visible)?.into_iter().filter_map(|view| Some((*quote_of.get(&view.status.id)?, view))).collect())
}

/// The quoted author takes back a quote of their status; the quoting status shows it as revoked, here and
/// (a Delete of the authorization) on the instances that have it.
pub fn revoke(tx: &mut Tx, me: &Account, quoted_id: StatusId, quoting_id: StatusId) -> AppResult<StatusView> {
    let quoted = statuses::find(tx, quoted_id)?.ok_or(AppError::NotFound)?;
    if quoted.account_id != me.id {
        return Err(AppError::Forbidden("Only the quoted status's author may revoke a quote of it".into()));
    }
    let quote = quotes::of_status(tx, quoting_id)?.filter(|q| q.quoted_status_id == Some(quoted.id)).ok_or(AppError::NotFound)?;
    let quoting = statuses::find(tx, quoting_id)?.ok_or(AppError::NotFound)?;
    if quote.state == QuoteState::Accepted {
        quotes::set_state(tx, &quote, QuoteState::Revoked, quote.approval_uri.as_deref(), ids::now())?;
        tx.federate(Outbound::QuoteRevoked { quote: &quote, quoting: &quoting, quoted_author: me })?;
    }
    // The quoted author sees the quoting status in the answer even when it is not for them to read otherwise,
    // as Mastodon answers.
    views::hydrate(tx, Some(me.id), vec![quoting])?.pop().ok_or(AppError::NotFound)
}

/// Changes who may quote one's own status (`PUT /api/v1/statuses/:id/interaction_policy`).
pub fn set_policy(tx: &mut Tx, me: &Account, status_id: StatusId, asked: QuotePolicy) -> AppResult<StatusView> {
    let status = statuses::find(tx, status_id)?.ok_or(AppError::NotFound)?;
    if status.account_id != me.id || status.reblog_of_id.is_some() {
        return Err(AppError::Forbidden("Only its author may change who quotes a status".into()));
    }
    let policy = policy_for(status.visibility, Some(asked));
    if policy != status.quote_policy {
        quotes::set_policy(tx, status.id, policy)?;
    }
    let view = views::status_for(tx, Some(me.id), status.id)?.ok_or(AppError::NotFound)?;
    if policy != status.quote_policy {
        tx.federate(Outbound::StatusUpdated(&view))?;
    }
    Ok(view)
}

/// The status a quote quotes, while it is there.
fn quoted_of(conn: &mut DbConn, quote: &Quote) -> AppResult<Option<Status>> {
    quote.quoted_status_id.map(|id| statuses::find(conn, id)).transpose().map(Option::flatten)
}

/// An edited status tells the local authors of its accepted quotes (`quoted_update`), once per quote.
pub fn edited(tx: &mut Tx, edited: &Status) -> AppResult<()> {
    for quoting in quotes::accepted_local_quoting(tx, edited.id)? {
        if !notification_rows::exists_for_status(tx, quoting.account_id, NotificationKind::QuotedUpdate, quoting.id)? {
            notify(tx, quoting.account_id, edited.account_id, NotificationKind::QuotedUpdate, Some(quoting.id))?;
        }
    }
    Ok(())
}

/// What a remote status says it quotes, as stored with it: accepted when it quotes its own author, or when
/// its authorization was checked (`verified`: fetched from the quoted author's instance, naming this quote);
/// else waiting for the quoted author's word. An edit that quotes another status replaces the quote: what was
/// agreed for one status is never carried over to another.
pub fn record_remote(tx: &mut Tx, quoting: &Status, quoted_uri: &str, authorization: Option<&str>, verified: bool) -> AppResult<()> {
    let quoted = statuses::find_by_uri_or_url(tx, quoted_uri)?;
    let own = quoted.as_ref().is_some_and(|q| q.account_id == quoting.account_id);
    let approval = authorization.filter(|_| verified);
    let accepted = own || approval.is_some();
    let now = ids::now();
    match quotes::of_status(tx, quoting.id)? {
        Some(existing) if existing.quoted_uri == quoted_uri => match existing.state {
            QuoteState::Pending if accepted => quotes::set_state(tx, &existing, QuoteState::Accepted, approval, now),
            _ => Ok(()),
        },
        replaced => {
            if let Some(previous) = replaced {
                quotes::delete(tx, &previous)?;
            }
            let quote = Quote {
                id: ids::next_id(),
                status_id: quoting.id,
                quoted_status_id: quoted.as_ref().map(|q| q.id),
                quoted_uri: quoted_uri.to_owned(),
                state: if accepted { QuoteState::Accepted } else { QuoteState::Pending },
                approval_uri: approval.map(str::to_owned),
                request_uri: None,
                created_at: now,
                updated_at: now,
            };
            quotes::insert(tx, &quote)
        }
    }
}

/// What a QuoteRequest for a local status gets: refused (None) when its sender may not quote it (its policy,
/// a block either way, a quote taken back before), or when the quoting status, stored from the request or
/// before, does not quote it; else the quote, accepted, with its authorization (and the quoted author hears
/// of it).
pub fn requested(tx: &mut Tx, requester: &Account, quoted_uri: &str, quoting_uri: &str, request_uri: &str) -> AppResult<Option<(Quote, Account)>> {
    let Some(quoted) = statuses::find_by_uri_or_url(tx, quoted_uri)?.filter(|s| s.local && s.reblog_of_id.is_none() && !s.local_only) else { return Ok(None) };
    let follows_author = follows::find(tx, requester.id, quoted.account_id)?.is_some();
    if !quoted.visibility.is_open() || views::quote_permission(&quoted, Some(requester.id), follows_author) != QuotePermission::Automatic {
        return Ok(None);
    }
    if crate::service::safety::blocked_between(tx, requester.id, quoted.account_id)? {
        return Ok(None);
    }
    let Some(quoting) = statuses::find_by_uri_or_url(tx, quoting_uri)?.filter(|s| s.account_id == requester.id) else { return Ok(None) };
    let Some(quote) = quotes::of_status(tx, quoting.id)?.filter(|q| q.quoted_status_id == Some(quoted.id)) else { return Ok(None) };
    if matches!(quote.state, QuoteState::Rejected | QuoteState::Revoked) {
        return Ok(None);
    }
    let quoted_author = accounts::find(tx, quoted.account_id)?.ok_or(AppError::NotFound)?;
    let approval = authorization_uri(&quoted_author, quote.id);
    quotes::set_request(tx, quote.id, request_uri)?;
    if quote.state != QuoteState::Accepted {
        quotes::set_state(tx, &quote, QuoteState::Accepted, Some(&approval), ids::now())?;
        notify(tx, quoted.account_id, requester.id, NotificationKind::Quote, Some(quoting.id))?;
    }
    let accepted = Quote { state: QuoteState::Accepted, approval_uri: Some(approval), request_uri: Some(request_uri.to_owned()), ..quote };
    Ok(Some((accepted, quoted_author)))
}

/// How the quoted author's instance answered a QuoteRequest.
pub enum Answer<'a> {
    /// Accepted, with the authorization (`result`) when the Accept gave one.
    Accepted(Option<&'a str>),
    Rejected,
}

/// The quoted author's instance answered a local status's QuoteRequest; an agreement goes out again with the
/// status (an Update carrying `quoteAuthorization`). An Accept without an authorization on the quoted author's
/// own instance is no agreement.
pub fn answered(tx: &mut Tx, answerer: &Account, request_uri: &str, answer: Answer) -> AppResult<()> {
    let Some(quote) = quotes::by_request(tx, request_uri)? else { return Ok(()) };
    let Some(quoted) = quoted_of(tx, &quote)? else { return Ok(()) };
    if quoted.account_id != answerer.id {
        return Ok(());
    }
    let now = ids::now();
    match answer {
        Answer::Accepted(Some(uri)) if quote.state == QuoteState::Pending && same_host(uri, &answerer.uri) => {
            quotes::set_state(tx, &quote, QuoteState::Accepted, Some(uri), now)?;
            let quoting = statuses::find(tx, quote.status_id)?.ok_or(AppError::NotFound)?;
            let view = views::status_for(tx, Some(quoting.account_id), quoting.id)?.ok_or(AppError::NotFound)?;
            tx.federate(Outbound::StatusUpdated(&view))
        }
        Answer::Accepted(_) => Ok(()),
        Answer::Rejected => {
            let state = if quote.state == QuoteState::Accepted { QuoteState::Revoked } else { QuoteState::Rejected };
            quotes::set_state(tx, &quote, state, quote.approval_uri.as_deref(), now)
        }
    }
}

/// The quoted author's instance took back its authorization (a Delete of it): the quotes it authorized, of
/// statuses by the revoker, are revoked.
pub fn revoked_remote(tx: &mut Tx, revoker: &Account, authorization: &str) -> AppResult<bool> {
    let revoked = quotes::approved_by(tx, authorization, revoker.id)?;
    for quote in &revoked {
        quotes::set_state(tx, quote, QuoteState::Revoked, quote.approval_uri.as_deref(), ids::now())?;
    }
    Ok(!revoked.is_empty())
}

/// An accepted quote's authorization, as served to whoever may see the quoted status.
pub fn authorization(conn: &mut DbConn, viewer: Option<AccountId>, author_name: &str, quote_id: i64) -> AppResult<(Quote, Status, Account)> {
    let quote = quotes::find(conn, quote_id)?.filter(|q| q.state == QuoteState::Accepted).ok_or(AppError::NotFound)?;
    let quoted = quoted_of(conn, &quote)?.ok_or(AppError::NotFound)?;
    let author = accounts::find(conn, quoted.account_id)?.filter(|a| a.is_local() && a.username.eq_ignore_ascii_case(author_name)).ok_or(AppError::NotFound)?;
    if !views::can_see(conn, viewer, &quoted)? {
        return Err(AppError::NotFound);
    }
    let quoting = statuses::find(conn, quote.status_id)?.ok_or(AppError::NotFound)?;
    Ok((quote, quoting, author))
}

fn same_host(uri: &str, other: &str) -> bool {
    let host = |u: &str| url::Url::parse(u).ok().map(|u| crate::net::authority(&u));
    host(uri).is_some() && host(uri) == host(other)
}
