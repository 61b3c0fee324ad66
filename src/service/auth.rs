//! Passwords, OAuth applications, codes and tokens, scopes.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Condvar, Mutex};

use crate::db::models::{Account, OauthApp, OauthCode, OauthToken, User};
use crate::db::queries::{oauth, users};
use crate::db::{DbConn, Reader};
pub use crate::db::scopes::{supported_scopes, Scopes};
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId};
use crate::service::cached;

pub const OOB_REDIRECT: &str = "urn:ietf:wg:oauth:2.0:oob";
const CODE_LIFETIME_MINUTES: i64 = 10;


/// Who is calling, from a bearer token.
#[derive(Debug, Clone)]
pub struct Session {
    pub token_id: i64,
    /// When the token was issued.
    pub issued_at: chrono::NaiveDateTime,
    pub app: OauthApp,
    pub scopes: Scopes,
    pub user: Option<(User, Account)>,
}

pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    let _turn = HashingTurn::wait();
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing: {e}")))
}

pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    let _turn = HashingTurn::wait();
    PasswordHash::new(stored_hash)
        .is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// Argon2's default parameters take 19 MiB per hash: as many hashes run at once as there are cores (more
/// would not be faster), so that a rush of sign-ins cannot take the memory of one hash per request.
struct HashingTurn;

static HASHING: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

impl HashingTurn {
    fn wait() -> HashingTurn {
        let most = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (running, freed) = &HASHING;
        let mut running = running.lock().unwrap_or_else(|p| p.into_inner());
        while *running >= most {
            running = freed.wait(running).unwrap_or_else(|p| p.into_inner());
        }
        *running += 1;
        HashingTurn
    }
}

impl Drop for HashingTurn {
    fn drop(&mut self) {
        let (running, freed) = &HASHING;
        *running.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
        freed.notify_one();
    }
}

/// A new random secret (256 bits, URL-safe).
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a secret: its SHA-256, so a leaked database reveals no usable token.
pub fn secret_hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub struct NewApp {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub scopes: String,
    pub website: Option<String>,
}

/// Registers an app; returns it with its client secret, which is shown only now.
pub fn create_app(conn: &mut DbConn, input: NewApp) -> AppResult<(OauthApp, String)> {
    let name = input.name.trim();
    if name.is_empty() {
        return Err(AppError::validation("Name can't be blank"));
    }
    if name.chars().count() > 60 {
        return Err(AppError::validation("Name is too long (maximum is 60 characters)"));
    }
    let redirect_uris: Vec<String> =
        input.redirect_uris.iter().flat_map(|u| u.split_whitespace()).map(str::to_owned).collect();
    if redirect_uris.is_empty() {
        return Err(AppError::validation("Redirect URI can't be blank"));
    }
    for uri in &redirect_uris {
        check_redirect_uri(uri)?;
    }
    let scopes = Scopes::parse(&input.scopes)?;
    let website = input.website.filter(|w| !w.trim().is_empty());
    let secret = random_secret();
    let app = OauthApp {
        id: ids::next_id(),
        name: name.to_owned(),
        website,
        redirect_uris: redirect_uris.join("\n"),
        scopes: scopes.clone(),
        client_id: random_secret(),
        client_secret_hash: secret_hash(&secret),
        created_at: ids::now(),
    };
    oauth::insert_app(conn, &app)?;
    Ok((app, secret))
}

/// Schemes a browser would run or read locally instead of handing the code to an app.
const FORBIDDEN_REDIRECT_SCHEMES: [&str; 7] = ["javascript", "data", "vbscript", "file", "blob", "about", "filesystem"];

/// A redirect URI is the out-of-band URN, an https URL, an http URL on this machine (desktop apps and
/// development), or a native app's own scheme (`tusky://oauth`); never one that runs or reads in the browser,
/// and never with a fragment (RFC 6749, 3.1.2).
fn check_redirect_uri(uri: &str) -> AppResult<()> {
    if uri == OOB_REDIRECT {
        return Ok(());
    }
    let parsed = url::Url::parse(uri).map_err(|_| AppError::validation(format!("Redirect URI must be an absolute URI: {uri}")))?;
    if parsed.fragment().is_some() {
        return Err(AppError::validation(format!("Redirect URI cannot contain a fragment: {uri}")));
    }
    let allowed = match parsed.scheme() {
        "https" => true,
        "http" => is_loopback_host(&parsed),
        scheme => !FORBIDDEN_REDIRECT_SCHEMES.contains(&scheme),
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::validation(format!("Redirect URI must use https, http on this machine, or an app's own scheme: {uri}")))
    }
}

fn is_loopback_host(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    }
}

pub fn redirect_uris(app: &OauthApp) -> Vec<String> {
    app.redirect_uris.lines().map(str::to_owned).collect()
}

/// The session of a bearer token, through the caches (a token, its user and account are looked up on every
/// request); suspended users are refused.
pub fn session_for_token(reader: &mut Reader, token: &str) -> AppResult<Session> {
    let hash = secret_hash(token);
    let entry = reader.kept(|caches| &caches.tokens, hash, |conn, hash| {
        let stored = oauth::find_token(conn, hash)?.ok_or(AppError::InvalidToken)?;
        let app = oauth::find_app(conn, stored.app_id)?.ok_or(AppError::InvalidToken)?;
        Ok(Arc::new((stored, app)))
    })?;
    let (stored, app) = entry.as_ref();
    let user = match stored.account_id {
        Some(account_id) => {
            let account = cached::accounts(reader, &[account_id])?.remove(&account_id).ok_or(AppError::InvalidToken)?;
            let user = cached::user(reader, account_id)?.ok_or(AppError::InvalidToken)?;
            if account.suspended_at.is_some() || user.disabled {
                return Err(AppError::AccountDisabled);
            }
            if !user.approved {
                return Err(AppError::PendingApproval);
            }
            Some((user.as_ref().clone(), account.as_ref().clone()))
        }
        None => None,
    };
    Ok(Session { token_id: stored.id, issued_at: stored.created_at, app: app.clone(), scopes: stored.scopes.clone(), user })
}

/// An app authenticated by its client id and, where given, its secret.
pub struct Client {
    pub app: OauthApp,
    pub secret_verified: bool,
}

pub fn authenticate_client(conn: &mut DbConn, client_id: &str, client_secret: Option<&str>) -> AppResult<Client> {
    let app = oauth::find_app_by_client_id(conn, client_id)?.ok_or_else(invalid_client)?;
    let secret_verified = match client_secret {
        Some(secret) if secret_hash(secret) == app.client_secret_hash => true,
        Some(_) => return Err(invalid_client()),
        None => false,
    };
    Ok(Client { app, secret_verified })
}

fn invalid_client() -> AppError {
    AppError::oauth(401, "invalid_client", "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.")
}

fn invalid_grant(why: &str) -> AppError {
    AppError::oauth(400, "invalid_grant", why)
}

/// The scopes a request asks for, which must lie within the app's.
pub fn requested_scopes(app: &OauthApp, requested: Option<&str>) -> AppResult<Scopes> {
    let app_scopes = app.scopes.clone();
    let requested = match requested.filter(|s| !s.trim().is_empty()) {
        Some(text) => Scopes::parse(text).map_err(|_| invalid_scope())?,
        None => return Ok(app_scopes),
    };
    if app_scopes.covers(&requested) {
        Ok(requested)
    } else {
        Err(invalid_scope())
    }
}

fn invalid_scope() -> AppError {
    AppError::oauth(400, "invalid_scope", "The requested scope is invalid, unknown, or malformed.")
}

/// Checks a login (email or username) and password; suspended users cannot sign in.
pub fn check_login(conn: &mut DbConn, login: &str, password: &str) -> AppResult<Option<(User, Account)>> {
    let Some((user, account)) = users::find_by_login(conn, login)? else {
        return Ok(None);
    };
    if !verify_password(password, &user.password_hash) || account.suspended_at.is_some() || !user.approved {
        return Ok(None);
    }
    Ok(Some((user, account)))
}

pub struct CodeRequest<'a> {
    pub app: &'a OauthApp,
    pub account_id: AccountId,
    pub scopes: &'a Scopes,
    pub redirect_uri: &'a str,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
}

/// Issues an authorization code (stored hashed, short-lived, single use).
pub fn issue_code(conn: &mut DbConn, request: CodeRequest) -> AppResult<String> {
    let method = match (&request.code_challenge, request.code_challenge_method.as_deref()) {
        (None, _) => None,
        (Some(_), None | Some("plain")) => Some("plain".to_owned()),
        (Some(_), Some("S256")) => Some("S256".to_owned()),
        (Some(_), Some(other)) => {
            return Err(AppError::bad_request(format!("code_challenge_method '{other}' is not supported")))
        }
    };
    oauth::delete_expired_codes(conn, ids::now())?;
    let code = random_secret();
    oauth::insert_code(
        conn,
        &OauthCode {
            code_hash: secret_hash(&code),
            app_id: request.app.id,
            account_id: request.account_id,
            scopes: request.scopes.clone(),
            redirect_uri: request.redirect_uri.to_owned(),
            code_challenge: request.code_challenge,
            code_challenge_method: method,
            expires_at: ids::now() + chrono::Duration::minutes(CODE_LIFETIME_MINUTES),
        },
    )?;
    Ok(code)
}

/// A freshly issued token: the secret to hand out once, and its record.
pub struct IssuedToken {
    pub secret: String,
    pub record: OauthToken,
}

pub fn issue_token(conn: &mut DbConn, app_id: i64, account_id: Option<AccountId>, scopes: &Scopes) -> AppResult<IssuedToken> {
    let secret = random_secret();
    let record = OauthToken {
        id: ids::next_id(),
        token_hash: secret_hash(&secret),
        app_id,
        account_id,
        scopes: scopes.clone(),
        created_at: ids::now(),
    };
    oauth::insert_token(conn, &record)?;
    Ok(IssuedToken { secret, record })
}

/// The `authorization_code` grant, with PKCE when the code was issued with a challenge.
pub fn exchange_code(
    conn: &mut DbConn,
    client: &Client,
    code: &str,
    redirect_uri: Option<&str>,
    code_verifier: Option<&str>,
) -> AppResult<IssuedToken> {
    let stored = oauth::take_code(conn, &secret_hash(code))?
        .filter(|c| c.app_id == client.app.id && c.expires_at > ids::now())
        .ok_or_else(|| invalid_grant("The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."))?;
    if redirect_uri.is_some_and(|uri| uri != stored.redirect_uri) {
        return Err(invalid_grant("The redirect_uri does not match the one used in the authorization request."));
    }
    match (&stored.code_challenge, stored.code_challenge_method.as_deref()) {
        (Some(challenge), method) => {
            let verifier = code_verifier.ok_or_else(|| invalid_grant("code_verifier is required"))?;
            if !pkce_matches(challenge, method.unwrap_or("plain"), verifier) {
                return Err(invalid_grant("The code_verifier does not match the code_challenge."));
            }
        }
        (None, _) if !client.secret_verified => return Err(invalid_client()),
        (None, _) => {}
    }
    issue_token(conn, client.app.id, Some(stored.account_id), &stored.scopes)
}

fn pkce_matches(challenge: &str, method: &str, verifier: &str) -> bool {
    match method {
        "S256" => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge,
        _ => verifier == challenge,
    }
}

/// The `password` grant (login by email or username), in three steps: the client and scopes are checked,
/// then the password (slow on purpose, or a question to the directory) outside any transaction, then the
/// token is written.
pub struct PasswordGrant {
    client: Client,
    scopes: Scopes,
}

pub fn check_password_client(client: Client, scope: Option<&str>) -> AppResult<PasswordGrant> {
    if !client.secret_verified {
        return Err(invalid_client());
    }
    let scopes = requested_scopes(&client.app, scope)?;
    Ok(PasswordGrant { client, scopes })
}

/// A password grant's failure, as Mastodon words it.
pub fn password_refused() -> AppError {
    invalid_grant("The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.")
}

/// The `password` grant's token, for an account whose password was checked.
pub fn password_grant(conn: &mut DbConn, grant: PasswordGrant, account_id: AccountId, address: Option<std::net::IpAddr>) -> AppResult<IssuedToken> {
    admit_sign_in(conn, account_id, address)?;
    issue_token(conn, grant.client.app.id, Some(account_id), &grant.scopes)
}

/// Every sign-in passes here once its credentials are checked (password, directory or single sign-on; the
/// password grant and the sign-in page): a disabled user or a blocked network is refused, and where they
/// signed in from is kept for moderators.
pub fn admit_sign_in(conn: &mut DbConn, account_id: AccountId, address: Option<std::net::IpAddr>) -> AppResult<()> {
    crate::service::instance_blocks::check_sign_in(conn, address)?;
    let user = users::find(conn, account_id)?.ok_or(AppError::NotFound)?;
    if user.disabled {
        return Err(AppError::AccountDisabled);
    }
    if let Some(address) = address {
        users::record_sign_in(conn, account_id, &address.to_string(), ids::now())?;
    }
    Ok(())
}

/// The `client_credentials` grant: a token for the app alone.
pub fn client_credentials_grant(conn: &mut DbConn, client: &Client, scope: Option<&str>) -> AppResult<IssuedToken> {
    if !client.secret_verified {
        return Err(invalid_client());
    }
    let scopes = requested_scopes(&client.app, scope)?;
    issue_token(conn, client.app.id, None, &scopes)
}

/// Revokes a token of the client's; revoking an unknown token is not an error (RFC 7009).
pub fn revoke(conn: &mut DbConn, client: &Client, token: &str) -> AppResult<()> {
    oauth::delete_token(conn, &secret_hash(token), client.app.id)?;
    Ok(())
}

/// The admin page's own OAuth app: people sign in to `/admin` through the same authorize page as any app.
pub const ADMIN_PAGE_CLIENT_ID: &str = "hallway-admin-page";
pub const ADMIN_PAGE_SCOPES: &str = "read write admin:read admin:write";

/// Whether the admin page's app must be made or its redirect URI changed (so that most sign-ins write nothing).
pub fn admin_page_app_needs(conn: &mut DbConn, redirect_uri: &str) -> AppResult<bool> {
    Ok(oauth::find_app_by_client_id(conn, ADMIN_PAGE_CLIENT_ID)?.is_none_or(|app| app.redirect_uris != redirect_uri))
}

/// The admin page's app, made on first use, its redirect URI kept to the instance's address.
pub fn admin_page_app(conn: &mut DbConn, redirect_uri: &str) -> AppResult<OauthApp> {
    if let Some(app) = oauth::find_app_by_client_id(conn, ADMIN_PAGE_CLIENT_ID)? {
        if app.redirect_uris == redirect_uri {
            return Ok(app);
        }
        oauth::set_redirect_uris(conn, app.id, redirect_uri)?;
        return Ok(OauthApp { redirect_uris: redirect_uri.to_owned(), ..app });
    }
    let app = OauthApp {
        id: ids::next_id(),
        name: "Hallway admin".into(),
        website: None,
        redirect_uris: redirect_uri.to_owned(),
        scopes: Scopes::parse(ADMIN_PAGE_SCOPES)?,
        client_id: ADMIN_PAGE_CLIENT_ID.into(),
        // No secret is ever handed out: the server itself exchanges the page's codes.
        client_secret_hash: secret_hash(&random_secret()),
        created_at: ids::now(),
    };
    oauth::insert_app(conn, &app)?;
    Ok(app)
}

/// How long a sign-in to the admin page lasts.
pub const ADMIN_PAGE_SESSION_HOURS: i64 = 12;

/// The admin page's code, exchanged by the server for the page's session token; someone who is not staff
/// gets no token at all.
pub fn admin_page_token(conn: &mut DbConn, redirect_uri: &str, code: &str) -> AppResult<IssuedToken> {
    let app = admin_page_app(conn, redirect_uri)?;
    let issued = exchange_code(conn, &Client { app, secret_verified: true }, code, Some(redirect_uri), None)?;
    let role = match issued.record.account_id {
        Some(account_id) => users::find(conn, account_id)?.map(|u| u.role),
        None => None,
    };
    if !matches!(role, Some(crate::db::kinds::Role::Admin | crate::db::kinds::Role::Moderator)) {
        oauth::delete_token(conn, &issued.record.token_hash, issued.record.app_id)?;
        return Err(AppError::Forbidden("This page is for the instance's admins and moderators.".into()));
    }
    Ok(issued)
}

/// Whether a session is the admin page's own and still fresh (its token works nowhere else on the page).
pub fn is_admin_page_session(session: &Session) -> bool {
    session.app.client_id == ADMIN_PAGE_CLIENT_ID && ids::now() - session.issued_at < chrono::Duration::hours(ADMIN_PAGE_SESSION_HOURS)
}

/// Signs the admin page's session out (its token is removed).
pub fn admin_page_sign_out(conn: &mut DbConn, token: &str) -> AppResult<()> {
    if let Some(app) = oauth::find_app_by_client_id(conn, ADMIN_PAGE_CLIENT_ID)? {
        oauth::delete_token(conn, &secret_hash(token), app.id)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_cover_their_granular_forms() {
        let scopes = Scopes::parse("read write:statuses follow").unwrap();
        assert!(scopes.allows("read:notifications"));
        assert!(scopes.allows("write:statuses"));
        assert!(!scopes.allows("write:favourites"));
        assert!(scopes.allows("write:follows"));
        assert!(!scopes.allows("push"));
        assert!(Scopes::parse("read bogus").is_err());
        assert!(Scopes::parse("admin:read:domain_allows").is_ok());
    }

    #[test]
    fn pkce_s256_is_base64url_sha256_of_the_verifier() {
        // Challenge computed independently: base64url(sha256(verifier)) without padding.
        let challenge = "OAKwqx5Hvqc7I01K-XY2UBMbRcKIZYxgoJvSPdJWr4g";
        assert!(pkce_matches(challenge, "S256", "dBjftJeZ4CVP-mJ92K9qpIh0iRmK-xE9yZtz8DR1BU0"));
        assert!(!pkce_matches(challenge, "S256", "wrong"));
        assert!(pkce_matches("plain-verifier", "plain", "plain-verifier"));
    }
}
