//! Finding remote actors: from our database, else fetched (signed, from allowed peers only) and stored.

use url::Url;

use crate::apub::client::FederationError;
use crate::apub::objects::{Note, Person};
use crate::net::authority;
use crate::service::statuses;
use crate::db::models::Account;
use crate::service::remote;
use crate::state::AppState;

/// The account of a remote actor URI; fetched when unknown or when `refresh` asks for it.
pub async fn actor(state: &AppState, uri: &Url, refresh: bool) -> Result<Account, FederationError> {
    let key = uri.to_string();
    let known = state.db.read(move |conn| remote::find_by_uri(conn, &key)).await.map_err(database)?;
    match known {
        Some(account) if !refresh || account.is_local() || recently_fetched(&account) => Ok(account),
        known => fetch_actor(state, uri, known).await,
    }
}

/// The actor as its instance serves it now, whenever it was last fetched (a Move's target: its aliases must
/// be current).
pub async fn actor_now(state: &AppState, uri: &Url) -> Result<Account, FederationError> {
    let key = uri.to_string();
    let known = state.db.read(move |conn| remote::find_by_uri(conn, &key)).await.map_err(database)?;
    match known {
        Some(account) if account.is_local() => Ok(account),
        known => fetch_actor(state, uri, known).await,
    }
}

/// A copy fetched in the last minutes is fresh enough: a bad signature cannot make us refetch in a loop.
fn recently_fetched(account: &Account) -> bool {
    crate::ids::now() - account.updated_at < chrono::Duration::minutes(5)
}

async fn fetch_actor(state: &AppState, uri: &Url, known: Option<Account>) -> Result<Account, FederationError> {
    let document = state.federation.fetch(uri).await?;
    let person: Person = serde_json::from_value(document).map_err(|e| FederationError::NotActivityJson(e.to_string()))?;
    if person.id != *uri {
        return Err(FederationError::NotActivityJson(format!("{uri} answered with the actor {}", person.id)));
    }
    let account = person.to_account(known.as_ref()).map_err(FederationError::NotActivityJson)?;
    state.db.write(move |conn| remote::upsert_account(conn, account)).await.map_err(database)
}

/// A remote account named `user@host`: from our database, else found through WebFinger on the peer.
pub async fn by_acct(state: &AppState, username: &str, host: &str) -> Result<Account, FederationError> {
    let (name, domain) = (username.to_owned(), host.to_lowercase());
    let known = state
        .db
        .read(move |conn| crate::db::queries::accounts::find_by_name(conn, &name, Some(&domain)))
        .await
        .map_err(database)?;
    match known {
        Some(account) if account.suspended_at.is_some() => return Err(FederationError::Gone),
        Some(account) => return Ok(account),
        None => {}
    }
    let actor_uri = webfinger(state, username, host).await?;
    let found = actor(state, &actor_uri, false).await?;
    // The peer's answer must name the account asked for, on that peer.
    let same_name = found.username.eq_ignore_ascii_case(username);
    let same_host = found.domain.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(host));
    if same_name && same_host {
        Ok(found)
    } else {
        Err(FederationError::NotActivityJson(format!("WebFinger for {username}@{host} named {}", found.uri)))
    }
}

/// Asks a peer's WebFinger for the actor of `user@host`: over https, and over http when allowed — first
/// over the scheme this instance itself uses, as peers in one intranet tend to share it.
async fn webfinger(state: &AppState, username: &str, host: &str) -> Result<Url, FederationError> {
    let schemes: &[&str] = match (state.settings.federation_allow_http, state.settings.scheme.as_str()) {
        (false, _) => &["https"],
        (true, "http") => &["http", "https"],
        (true, _) => &["https", "http"],
    };
    let mut last_error = FederationError::BadUrl(host.to_owned());
    for scheme in schemes {
        let mut url = Url::parse(&format!("{scheme}://{host}/.well-known/webfinger"))
            .map_err(|_| FederationError::BadUrl(host.to_owned()))?;
        url.query_pairs_mut().append_pair("resource", &format!("acct:{username}@{host}"));
        match state.federation.fetch_plain_json(&url).await {
            Ok(jrd) => return self_link(&jrd).ok_or_else(|| FederationError::NotActivityJson("no self link".into())),
            Err(e @ FederationError::Transport(_)) => last_error = e,
            Err(e) => return Err(e),
        }
    }
    Err(last_error)
}

fn self_link(jrd: &serde_json::Value) -> Option<Url> {
    jrd["links"].as_array()?.iter().find_map(|link| {
        let kind = link["type"].as_str().unwrap_or_default();
        let is_actor = link["rel"] == "self" && (kind.contains("activity+json") || kind.contains("ld+json"));
        is_actor.then(|| Url::parse(link["href"].as_str()?).ok()).flatten()
    })
}

/// A remote status by its URL (its id, or the page URL that serves it): fetched, checked and stored.
pub async fn status(state: &AppState, url: &Url) -> Result<(), FederationError> {
    let document = state.federation.fetch(url).await?;
    let note: Note = serde_json::from_value(document).map_err(|e| FederationError::NotActivityJson(e.to_string()))?;
    let same_origin = authority(&note.id) == authority(url) && authority(&note.id) == authority(&note.attributed_to);
    if !same_origin {
        return Err(FederationError::NotActivityJson(format!("{url} served a note of another origin")));
    }
    let author = actor(state, &note.attributed_to, false).await?;
    let remote = crate::apub::inbox::remote_status(&note, &author);
    state.db.write(move |conn| statuses::create_remote(conn, &author, remote)).await.map_err(database)?;
    Ok(())
}

/// The actor a signature's keyId belongs to: `…/users/x#main-key` (Mastodon) or `…/users/x/main-key`
/// (GoToSocial) name the actor `…/users/x`.
pub fn key_owner(key_id: &str) -> Option<Url> {
    let mut url = Url::parse(key_id).ok()?;
    url.set_fragment(None);
    if let Some(owner) = url.path().strip_suffix("/main-key").map(str::to_owned) {
        url.set_path(&owner);
    }
    Some(url)
}

fn database(error: crate::error::AppError) -> FederationError {
    FederationError::Database(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::key_owner;

    #[test]
    fn key_ids_name_their_actor() {
        assert_eq!(key_owner("https://m.example/users/ann#main-key").unwrap().as_str(), "https://m.example/users/ann");
        assert_eq!(key_owner("http://127.0.0.1:3290/users/alice/main-key").unwrap().as_str(), "http://127.0.0.1:3290/users/alice");
        assert!(key_owner("not a url").is_none());
    }
}
