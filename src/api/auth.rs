//! The bearer token of a request, and the scope checks each endpoint makes.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};

use crate::db::models::{Account, User};
use crate::error::{AppError, AppResult};
use crate::service::auth::{self, Session};
use crate::state::AppState;

/// The caller's session, if the request carried a token. An invalid token is refused outright.
pub struct Auth {
    session: Option<Session>,
    /// `access.require_login`: endpoints open to everyone are open to signed-in users only.
    require_login: bool,
}

impl FromRequest for Auth {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::Internal("no app state".into()))?;
            let require_login = state.settings.require_login;
            let Some(token) = token else { return Ok(Auth { session: None, require_login }) };
            let session = state.db.read_cached(move |reader| auth::session_for_token(reader, &token)).await?;
            Ok(Auth { session: Some(session), require_login })
        })
    }
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let header = req.headers().get("authorization").and_then(|v| v.to_str().ok());
    if let Some(value) = header {
        let (scheme, token) = value.trim().split_once(' ')?;
        return scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned()).filter(|t| !t.is_empty());
    }
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(key, _)| key == "access_token")
        .map(|(_, value)| value.into_owned())
}

/// The signed-in user behind a token.
pub struct UserSession {
    pub user: User,
    pub account: Account,
    pub app_id: i64,
}

impl Auth {
    /// A token of any kind, for app-level endpoints.
    pub fn session(&self) -> AppResult<&Session> {
        self.session.as_ref().ok_or(AppError::InvalidToken)
    }

    /// A token (of an app, or of a user) that grants one of `scopes`.
    pub fn app(&self, scopes: &[&str]) -> AppResult<&Session> {
        let session = self.session()?;
        check_scopes(session, scopes)?;
        Ok(session)
    }

    /// A signed-in user whose token grants one of `scopes`.
    pub fn user(&self, scopes: &[&str]) -> AppResult<UserSession> {
        let session = self.session()?;
        check_scopes(session, scopes)?;
        let (user, account) = session.user.clone().ok_or(AppError::UserRequired)?;
        Ok(UserSession { user, account, app_id: session.app.id })
    }

    /// For endpoints open to everyone: the account of a signed-in caller, if any (with a scope check). With
    /// `access.require_login` only signed-in users are "everyone": an app's own token is not enough, since
    /// anyone may register an app.
    pub fn viewer(&self, scopes: &[&str]) -> AppResult<Option<Account>> {
        let viewer = match &self.session {
            None => None,
            Some(session) => {
                check_scopes(session, scopes)?;
                session.user.as_ref().map(|(_, account)| account.clone())
            }
        };
        if viewer.is_none() && self.require_login {
            return Err(AppError::LoginRequired);
        }
        Ok(viewer)
    }
}

impl Auth {
    /// For what describes the instance (its activity, its peers): anyone, or with `access.require_login`
    /// a signed-in user, whatever the token's scopes.
    pub fn anyone(&self) -> AppResult<()> {
        let signed_in = self.session.as_ref().is_some_and(|session| session.user.is_some());
        if !signed_in && self.require_login {
            return Err(AppError::LoginRequired);
        }
        Ok(())
    }
}

fn check_scopes(session: &Session, scopes: &[&str]) -> AppResult<()> {
    if scopes.iter().any(|scope| session.scopes.allows(scope)) {
        Ok(())
    } else {
        Err(AppError::OutOfScope)
    }
}

/// The client's address, as the connection or a trusted proxy (`access.trusted_proxies`) gives it.
pub struct ClientAddress(pub Option<std::net::IpAddr>);

impl ClientAddress {
    pub fn of(req: &HttpRequest, settings: &crate::config::Settings) -> ClientAddress {
        // A proxy may add its own header line rather than extend the client's: every line counts, in order.
        let lines: Vec<&str> = req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).collect();
        let forwarded_for = (!lines.is_empty()).then(|| lines.join(","));
        ClientAddress(crate::net::client_address(req.peer_addr().map(|a| a.ip()), forwarded_for.as_deref(), &settings.trusted_proxies))
    }
}

impl FromRequest for ClientAddress {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = req.app_data::<web::Data<AppState>>().map(|state| ClientAddress::of(req, &state.settings));
        std::future::ready(found.ok_or_else(|| AppError::Internal("no app state".into())))
    }
}
