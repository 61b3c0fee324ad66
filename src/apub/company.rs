//! One company, many divisions: Hallway's own server-to-server endpoints, asked by allowed peers' instance
//! actors (signed) and answered with ActivityStreams objects, which the asking instance keeps as local copies.
//!
//! - `GET /hallway/search?q=&limit=`: public statuses with every word, by authors who let themselves be found.
//! - `GET /hallway/directory?after=`: discoverable accounts, with their featured hashtags, a page at a time.

use std::collections::HashMap;
use std::time::Duration;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::apub::client::FederationError;
use crate::apub::{addressing, inbound};
use crate::apub::objects::{Note, Person};
use crate::apub::outbox;
use crate::db::models::Account;
use crate::db::queries::{accounts, featured};
use crate::error::AppResult;
use crate::ids::AccountId;
use crate::params::{flex, Query};
use crate::service::{keys, peers, remote, statuses};
use crate::state::AppState;

pub const SEARCH_PATH: &str = "/hallway/search";
pub const DIRECTORY_PATH: &str = "/hallway/directory";
const MAX_SEARCH_RESULTS: usize = 40;
const DIRECTORY_PAGE: i64 = 100;
/// At most this many pages of one peer's directory per refresh (10,000 accounts).
const MAX_DIRECTORY_PAGES: usize = 100;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(SEARCH_PATH, web::get().to(search_endpoint)).route(DIRECTORY_PATH, web::get().to(directory_endpoint));
}

/// What a peer's search finds: Notes, and their authors as actors (so that no fetch is needed to keep them).
#[derive(Debug, Serialize, Deserialize)]
struct Found {
    statuses: Vec<Note>,
    actors: Vec<Person>,
}

/// One account of a peer's directory, with what its actor does not say.
#[derive(Debug, Serialize, Deserialize)]
struct Listed {
    actor: Person,
    #[serde(default)]
    featured_tags: Vec<String>,
    #[serde(default)]
    last_status_at: Option<chrono::NaiveDateTime>,
}

#[derive(Debug, Serialize, Deserialize)]
struct DirectoryPage {
    accounts: Vec<Listed>,
    /// Where the next page starts (`after=`), when there is one.
    next: Option<String>,
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default, deserialize_with = "flex::string_opt")]
    q: Option<String>,
    #[serde(default, deserialize_with = "flex::i64_opt")]
    limit: Option<i64>,
}

#[derive(Deserialize)]
struct DirectoryQuery {
    #[serde(default, deserialize_with = "flex::id_opt")]
    after: Option<AccountId>,
}

async fn search_endpoint(req: HttpRequest, state: web::Data<AppState>, Query(query): Query<SearchQuery>) -> AppResult<HttpResponse> {
    inbound::signer(&state, &req, None).await?;
    let text = query.q.unwrap_or_default();
    let limit = query.limit.map_or(20, |l| usize::try_from(l).unwrap_or(0)).clamp(1, MAX_SEARCH_RESULTS);
    let settings = state.settings.clone();
    let found = state
        .db
        .write(move |tx| {
            let views = crate::service::search::for_peers(tx, &text, limit)?;
            let statuses = views.iter().map(|view| outbox::note_of(tx, &settings, view)).collect::<AppResult<Vec<_>>>()?;
            let mut authors: Vec<&Account> = views.iter().map(|view| view.account.as_ref()).collect();
            authors.sort_by_key(|a| a.id);
            authors.dedup_by_key(|a| a.id);
            let actors = authors.into_iter().map(|a| Ok(Person::from_local(&keys::with_keys(tx, a.clone())?, &settings.base_url()))).collect::<AppResult<_>>()?;
            Ok(Found { statuses, actors })
        })
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

async fn directory_endpoint(req: HttpRequest, state: web::Data<AppState>, Query(query): Query<DirectoryQuery>) -> AppResult<HttpResponse> {
    inbound::signer(&state, &req, None).await?;
    let base_url = state.settings.base_url();
    let page = state
        .db
        .write(move |tx| {
            let listed = accounts::discoverable_local_page(tx, query.after.unwrap_or(AccountId(0)), DIRECTORY_PAGE)?;
            let ids: Vec<AccountId> = listed.iter().map(|a| a.id).collect();
            let mut tags: HashMap<AccountId, Vec<String>> = HashMap::new();
            for (owner, name) in featured::tag_names_of_many(tx, &ids)? {
                tags.entry(owner).or_default().push(name);
            }
            let next = (listed.len() as i64 == DIRECTORY_PAGE).then(|| listed.last().map(|a| a.id.to_string())).flatten();
            let accounts = listed
                .into_iter()
                .map(|account| {
                    let account = keys::with_keys(tx, account)?;
                    Ok(Listed { featured_tags: tags.remove(&account.id).unwrap_or_default(), last_status_at: account.last_status_at, actor: Person::from_local(&account, &base_url) })
                })
                .collect::<AppResult<_>>()?;
            Ok(DirectoryPage { accounts, next })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Where a peer's Hallway endpoints are: over this instance's own scheme when plain http is allowed (peers in
/// one intranet share it), else https.
fn peer_url(state: &AppState, host: &str, path: &str) -> Result<Url, FederationError> {
    let scheme = if state.settings.federation_allow_http && state.settings.scheme == "http" { "http" } else { "https" };
    Url::parse(&format!("{scheme}://{host}{path}")).map_err(|_| FederationError::BadUrl(host.to_owned()))
}

/// Asks every allowed peer for public statuses with every word of `text`, at once and within the search budget,
/// and keeps what they found here, so that the local search finds it as it finds everything else. A peer that
/// is slow, down, or no Hallway never fails the search; answers how many statuses the peers sent.
pub async fn search_peers(state: &AppState, text: &str, limit: usize) -> usize {
    let hosts = peer_hosts(state, "company search").await;
    let budget = state.settings.company_search_budget;
    let asked = hosts.iter().map(|host| ask_peer(state, host, text, limit, budget));
    let answers = futures_util::future::join_all(asked).await;
    let mut kept = 0;
    for (host, answer) in hosts.iter().zip(answers) {
        match answer {
            Ok(found) => kept += keep_found(state, host, found, limit).await,
            Err(why) => log::info!("company search: {host}: {why}"),
        }
    }
    kept
}

/// The allowed peers' hosts; none (logged) when they cannot be read.
async fn peer_hosts(state: &AppState, purpose: &str) -> Vec<String> {
    state.db.read(peers::allowed_hosts).await.unwrap_or_else(|e| {
        log::warn!("{purpose}: the peers cannot be read: {}", e.cause());
        Vec::new()
    })
}

async fn ask_peer(state: &AppState, host: &str, text: &str, limit: usize, budget: Duration) -> Result<Found, String> {
    let mut url = peer_url(state, host, SEARCH_PATH).map_err(|e| e.to_string())?;
    url.query_pairs_mut().append_pair("q", text).append_pair("limit", &limit.to_string());
    let answer = tokio::time::timeout(budget, state.federation.fetch(&url)).await.map_err(|_| format!("no answer within {budget:?}"))?;
    let answer = answer.map_err(|e| e.to_string())?;
    serde_json::from_value(answer).map_err(|e| format!("not search results: {e}"))
}

/// Keeps a peer's search results (only objects of that peer, public ones); answers how many statuses.
async fn keep_found(state: &AppState, host: &str, found: Found, limit: usize) -> usize {
    let on_host = |url: &Url| crate::net::authority(url).eq_ignore_ascii_case(host);
    // No more than was asked for: a peer's answer is bounded in bytes, and here in what it makes us write.
    let notes: Vec<Note> = found
        .statuses
        .into_iter()
        .filter(|note| on_host(&note.id) && on_host(&note.attributed_to) && note.to.iter().any(|to| addressing::is_public(to)))
        .take(limit)
        .collect();
    let actors: Vec<Person> = found.actors.into_iter().filter(|actor| on_host(&actor.id) && notes.iter().any(|n| n.attributed_to == actor.id)).collect();
    let count = notes.len();
    let kept = state
        .db
        .write(move |tx| {
            let mut authors: HashMap<String, Account> = HashMap::new();
            for actor in actors {
                let Some(stored) = keep_actor(tx, &actor)? else { continue };
                authors.insert(stored.uri.clone(), stored);
            }
            for note in notes {
                let Some(author) = authors.get(note.attributed_to.as_str()).filter(|a| a.suspended_at.is_none()) else { continue };
                let found = crate::service::statuses::RemoteStatus { backfill: true, ..crate::apub::inbox::remote_status(&note, author) };
                statuses::create_remote(tx, author, found)?;
            }
            Ok(())
        })
        .await;
    match kept {
        Ok(()) => count,
        Err(e) => {
            log::warn!("company search: keeping what {host} found: {}", e.cause());
            0
        }
    }
}

/// Stores an actor a peer sent (as a fetch would); None when it is not a valid actor.
fn keep_actor(tx: &mut crate::db::DbConn, actor: &Person) -> AppResult<Option<Account>> {
    account_of(tx, actor)?.map(|account| remote::upsert_account(tx, account)).transpose()
}

/// The account row an actor a peer sent makes (keeping what is known of it here); None when it is not a
/// valid actor.
fn account_of(tx: &mut crate::db::DbConn, actor: &Person) -> AppResult<Option<Account>> {
    let known = accounts::find_by_uri(tx, actor.id.as_str())?;
    Ok(actor.to_account(known.as_ref()).map_err(|why| log::info!("company: {} is not kept: {why}", actor.id)).ok())
}

/// Fetches every allowed peer's directory and keeps its discoverable accounts here, with their featured
/// hashtags; accounts a peer no longer lists stop being discoverable here. Answers how many were listed.
pub async fn refresh_directory(state: &AppState) -> usize {
    let mut listed = 0;
    for host in peer_hosts(state, "company directory").await {
        match refresh_peer_directory(state, &host).await {
            Ok(count) => listed += count,
            Err(why) => log::info!("company directory: {host}: {why}"),
        }
    }
    listed
}

async fn refresh_peer_directory(state: &AppState, host: &str) -> Result<usize, String> {
    let mut kept: Vec<AccountId> = Vec::new();
    let mut after: Option<String> = None;
    let mut complete = false;
    for _ in 0..MAX_DIRECTORY_PAGES {
        let mut url = peer_url(state, host, DIRECTORY_PATH).map_err(|e| e.to_string())?;
        if let Some(after) = &after {
            url.query_pairs_mut().append_pair("after", after);
        }
        let page: DirectoryPage = match state.federation.fetch(&url).await {
            Ok(answer) => serde_json::from_value(answer).map_err(|e| format!("not a directory page: {e}"))?,
            Err(FederationError::Status(404)) => return Err("no company directory (not a Hallway instance)".into()),
            Err(e) => return Err(e.to_string()),
        };
        let owned_host = host.to_owned();
        let on_page = page.accounts;
        kept.extend(state.db.write(move |tx| keep_listed(tx, &owned_host, on_page)).await.map_err(|e| e.to_string())?);
        match page.next {
            Some(next) => after = Some(next),
            None => {
                complete = true;
                break;
            }
        }
    }
    if !complete {
        // A directory longer than we read: who is past the end is not known to have left.
        return Ok(kept.len());
    }
    let (owned_host, listed) = (host.to_owned(), kept.clone());
    let hidden = state.db.write(move |tx| accounts::undiscover_unlisted(tx, &owned_host, &listed)).await.map_err(|e| e.to_string())?;
    if hidden > 0 {
        log::info!("company directory: {host} no longer lists {hidden} account(s)");
    }
    Ok(kept.len())
}

/// Keeps one page of a peer's directory; answers the accounts kept.
fn keep_listed(tx: &mut crate::db::DbConn, host: &str, listed: Vec<Listed>) -> AppResult<Vec<AccountId>> {
    let mut kept = Vec::new();
    for entry in listed.into_iter().filter(|entry| crate::net::authority(&entry.actor.id).eq_ignore_ascii_case(host)) {
        let Some(mut account) = account_of(tx, &entry.actor)? else { continue };
        account.profile.0.featured_tags = featured_tag_names(entry.featured_tags);
        let stored = remote::upsert_account(tx, account)?;
        if let Some(at) = entry.last_status_at.filter(|at| *at <= crate::ids::now()) {
            accounts::note_last_status_at(tx, stored.id, at)?;
        }
        kept.push(stored.id);
    }
    Ok(kept)
}

/// A peer's featured hashtags as kept here: names only, as many as an account of ours may feature.
fn featured_tag_names(names: Vec<String>) -> Vec<String> {
    names
        .into_iter()
        .map(|name| name.trim_start_matches('#').to_owned())
        .filter(|name| !name.is_empty() && name.chars().count() <= 100 && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .take(crate::service::featured::MAX_FEATURED_TAGS)
        .collect()
}
