//! Checks on every request another instance makes to us, in this order: a well-formed signature with a
//! fresh Date and a matching Digest; the signer's host on the allowlist (before anything is fetched);
//! the signature verified with the signer's key (fetched once if unknown, refetched once if it changed).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use actix_web::HttpRequest;

use crate::apub::resolve;
use crate::apub::signatures::SignedRequest;
use crate::net::authority;
use crate::db::models::Account;
use crate::error::AppError;
use crate::service::peers;
use crate::state::AppState;

/// Verifies a signed request from a peer; answers the remote account that signed it. A joined peer's instance
/// actor must sign with the key pinned when it joined.
pub async fn signer(state: &AppState, req: &HttpRequest, body: Option<&[u8]>) -> Result<Account, AppError> {
    let signed = signed_request(state, req, body)?;
    let owner = resolve::key_owner(signed.key_id()).ok_or_else(|| AppError::Unauthorized("Unreadable keyId".into()))?;
    let host = authority(&owner);
    let checked_host = host.clone();
    let Some(peer) = state.db.read(move |conn| peers::admitted(conn, &checked_host)).await? else {
        return Err(AppError::Forbidden(format!("{host} is not an allowed peer of this instance")));
    };
    // Before any fetch: a flood of made-up keyIds from an allowed host costs nothing more. The inbox also
    // counts each peer's activities in the database, shared by every process (inbox::queue).
    if !state.inbox_limiter.admit(&host) {
        return Err(AppError::RateLimited);
    }
    let fetch_failed = |e| AppError::Unauthorized(format!("The signer's key could not be fetched: {e}"));
    if let Some(pinned) = peer.pinned_key_pem.as_deref().filter(|_| peer.actor_uri.as_deref() == Some(owner.as_str())) {
        if signed.verify(pinned).is_ok() {
            return resolve::actor(state, &owner, false).await.map_err(fetch_failed);
        }
        return Err(changed_key(state, &signed, &owner, peer).await);
    }
    let account = resolve::actor(state, &owner, false).await.map_err(fetch_failed)?;
    if signed.verify(&account.public_key_pem).is_ok() {
        return Ok(account);
    }
    let refreshed = resolve::actor(state, &owner, true).await.map_err(fetch_failed)?;
    signed
        .verify(&refreshed.public_key_pem)
        .map(|()| refreshed)
        .map_err(|e| AppError::Unauthorized(format!("Signature verification failed: {e}")))
}

/// A joined peer's instance actor signed with another key than the pinned one: when its actor now serves that
/// key, it is kept as offered for an admin to accept; either way the request is refused. The actor is fetched
/// again at most a few times a minute per peer, whatever is sent with made-up signatures.
async fn changed_key(state: &AppState, signed: &SignedRequest, owner: &url::Url, peer: crate::db::models::Peer) -> AppError {
    static KEY_REFETCHES: std::sync::LazyLock<RateLimiter> = std::sync::LazyLock::new(|| RateLimiter::new(6));
    let refused = AppError::Unauthorized(format!(
        "The instance key of {} is not the one agreed when it joined; an admin must accept the new one (hallway peers accept-key {})",
        peer.host, peer.host
    ));
    if !KEY_REFETCHES.admit(&peer.host) {
        return refused;
    }
    let Ok(refreshed) = resolve::actor_now(state, owner).await else { return refused };
    if signed.verify(&refreshed.public_key_pem).is_ok() && peer.offered_key_pem.as_deref() != Some(refreshed.public_key_pem.as_str()) {
        log::warn!("{}: its instance actor presents a new key; refused until an admin accepts it", peer.host);
        let key = refreshed.public_key_pem.clone();
        if let Err(e) = state.db.write(move |conn| peers::offer_key(conn, &peer, &key)).await {
            log::warn!("recording the offered key: {e}");
        }
    }
    refused
}

/// The request's signature, well-formed, fresh, with a matching digest, made for this host; not yet verified.
pub fn signed_request(state: &AppState, req: &HttpRequest, body: Option<&[u8]>) -> Result<SignedRequest, AppError> {
    let headers: BTreeMap<String, String> = req
        .headers()
        .iter()
        .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
        .collect();
    let path_and_query = req.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let scheme = req.connection_info().scheme().to_owned();
    let signed = SignedRequest::check_any(req.method().as_str(), &scheme, &path_and_query, headers, body, SystemTime::now())
        .map_err(|e| AppError::Unauthorized(format!("Request not signed correctly: {e}")))?;
    let addressed_to = req.headers().get("host").and_then(|h| h.to_str().ok()).unwrap_or_default();
    if !addressed_to.eq_ignore_ascii_case(&state.settings.domain) {
        return Err(AppError::Unauthorized("The request was signed for another host".into()));
    }
    Ok(signed)
}

/// A fixed-window request counter per peer host in this process, so that one chatty peer (or a flood of
/// signed requests with made-up keys) is turned away before any fetch or write.
pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter { per_minute, windows: Mutex::new(HashMap::new()) }
    }

    /// Counts one request from `host`; false when it is over its allowance for this minute.
    pub fn admit(&self, host: &str) -> bool {
        let mut windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        let window = windows.entry(host.to_owned()).or_insert((now, 0));
        if now.duration_since(window.0) >= Duration::from_secs(60) {
            *window = (now, 0);
        }
        window.1 += 1;
        window.1 <= self.per_minute
    }
}
