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

/// Verifies a signed request from a peer; answers the remote account that signed it.
pub async fn signer(state: &AppState, req: &HttpRequest, body: Option<&[u8]>) -> Result<Account, AppError> {
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
    let owner = resolve::key_owner(signed.key_id()).ok_or_else(|| AppError::Unauthorized("Unreadable keyId".into()))?;
    let host = authority(&owner);
    let checked_host = host.clone();
    if !state.db.read(move |conn| peers::is_allowed(conn, &checked_host)).await? {
        return Err(AppError::Forbidden(format!("{host} is not an allowed peer of this instance")));
    }
    // Before any fetch: a flood of made-up keyIds from an allowed host costs nothing more. The inbox also
    // counts each peer's activities in the database, shared by every process (inbox::queue).
    if !state.inbox_limiter.admit(&host) {
        return Err(AppError::RateLimited);
    }
    let fetch_failed = |e| AppError::Unauthorized(format!("The signer's key could not be fetched: {e}"));
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
