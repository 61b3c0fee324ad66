//! OAuth 2: the sign-in and consent page, the token endpoint, revocation and RFC 8414 metadata.

mod page;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::auth::ClientAddress;
use crate::api::entities::Token;
use crate::params::{flex, Params, Query};
use crate::db::models::OauthApp;
use crate::error::{AppError, AppResult};
use crate::db::models::OidcLogin;
use crate::ids::AccountId;
use crate::directory::oidc::{OidcError, Verdict};
use crate::service::auth::{self, CodeRequest, Scopes, OOB_REDIRECT};
use crate::service::directory;
use crate::state::AppState;

const CSRF_COOKIE: &str = "hallway_csrf";

#[derive(Deserialize, Serialize, Clone, Default)]
pub struct AuthorizeParams {
    #[serde(default)]
    response_type: Option<String>,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    redirect_uri: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    code_challenge: Option<String>,
    #[serde(default)]
    code_challenge_method: Option<String>,
    /// `local=1`: the page offers a local password although `auth.password` is off (an emergency administrator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    local: Option<String>,
}

impl AuthorizeParams {
    fn asks_for_local_password(&self) -> bool {
        self.local.as_deref() == Some("1")
    }
}

fn sign_in_methods<'a>(settings: &'a crate::config::Settings, params: &AuthorizeParams) -> page::SignInMethods<'a> {
    page::SignInMethods {
        sso_button: settings.oidc.as_ref().map(|oidc| oidc.display_name.as_str()),
        password: settings.local_passwords || settings.ldap.is_some(),
        local: params.asks_for_local_password() && !settings.local_passwords,
    }
}

/// A checked authorization request: a known app, one of its redirect URIs, scopes within its own.
struct Checked {
    app: OauthApp,
    redirect_uri: String,
    scopes: Scopes,
}

async fn check_request(state: &AppState, params: &AuthorizeParams) -> Result<Checked, String> {
    if params.response_type.as_deref().is_some_and(|t| t != "code") {
        return Err("Only response_type=code is supported.".into());
    }
    let client_id = params.client_id.clone();
    let app = state
        .db
        .read(move |conn| crate::db::queries::oauth::find_app_by_client_id(conn, &client_id))
        .await
        .map_err(|_| "The server could not look up the application.".to_string())?
        .ok_or("Unknown client: the application is not registered on this server.")?;
    let registered = auth::redirect_uris(&app);
    let redirect_uri = match params.redirect_uri.as_deref().filter(|u| !u.is_empty()) {
        Some(uri) if registered.iter().any(|r| r == uri) => uri.to_owned(),
        Some(_) => return Err("The redirect URI is not registered for this application.".into()),
        None if registered.len() == 1 => registered[0].clone(),
        None => return Err("A redirect_uri is required.".into()),
    };
    let scopes = auth::requested_scopes(&app, params.scope.as_deref())
        .map_err(|_| "The requested scope is invalid or beyond what the application registered.".to_string())?;
    if params.code_challenge_method.as_deref().is_some_and(|m| m != "S256" && m != "plain") {
        return Err("code_challenge_method must be S256 or plain.".into());
    }
    Ok(Checked { app, redirect_uri, scopes })
}

pub async fn authorize_page(req: HttpRequest, state: web::Data<AppState>, Query(params): Query<AuthorizeParams>) -> HttpResponse {
    match check_request(&state, &params).await {
        Ok(checked) => {
            let csrf = auth::random_secret();
            let page = page::consent(&state.settings, &checked, &params, &csrf, None, &sign_in_methods(&state.settings, &params));
            html(HttpResponse::Ok(), page).cookie(csrf_cookie(&req, &state, csrf)).finish_html()
        }
        Err(why) => error_page(&state.settings, StatusCode::BAD_REQUEST, &why),
    }
}

#[derive(Deserialize)]
pub struct AuthorizeForm {
    #[serde(flatten)]
    request: AuthorizeParams,
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    decision: String,
}

pub async fn authorize_submit(req: HttpRequest, state: web::Data<AppState>, Params(form): Params<AuthorizeForm>) -> HttpResponse {
    if let Some(refused) = refuse_forged(&req, &state, &form.csrf_token) {
        return refused;
    }
    let checked = match check_request(&state, &form.request).await {
        Ok(checked) => checked,
        Err(why) => return error_page(&state.settings, StatusCode::BAD_REQUEST, &why),
    };
    if form.decision != "approve" {
        return finish(&state, &checked.redirect_uri, Err("access_denied"), form.request.state.as_deref());
    }
    let allow_local = state.settings.local_passwords || form.request.asks_for_local_password();
    let signed_in = state.directory.check_password(&state.db, &state.settings, &form.login, &form.password, allow_local).await;
    let account = match signed_in {
        Ok(Some(account)) => account,
        Ok(None) => {
            let failed = Some((form.login.as_str(), "Invalid email, username or password."));
            let page = page::consent(&state.settings, &checked, &form.request, &form.csrf_token, failed, &sign_in_methods(&state.settings, &form.request));
            return html(HttpResponse::Unauthorized(), page).finish_html();
        }
        Err(e @ AppError::DirectoryUnavailable) => return error_page(&state.settings, StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
        Err(_) => return error_page(&state.settings, StatusCode::SERVICE_UNAVAILABLE, "Please try again."),
    };
    issue_and_finish(&state, checked, account.id, &form.request, ClientAddress::of(&req, &state.settings)).await
}

/// The signed-in person approved the app: its code goes to the app (or is shown, out of band).
async fn issue_and_finish(state: &AppState, checked: Checked, account_id: AccountId, request: &AuthorizeParams, address: ClientAddress) -> HttpResponse {
    let (challenge, method) = (request.code_challenge.clone(), request.code_challenge_method.clone());
    let issued = state
        .db
        .write(move |conn| {
            auth::admit_sign_in(conn, account_id, address.0)?;
            auth::issue_code(
                conn,
                CodeRequest {
                    app: &checked.app,
                    account_id,
                    scopes: &checked.scopes,
                    redirect_uri: &checked.redirect_uri,
                    code_challenge: challenge.filter(|c| !c.is_empty()),
                    code_challenge_method: method.filter(|m| !m.is_empty()),
                },
            )
            .map(|code| (code, checked.redirect_uri))
        })
        .await;
    match issued {
        Ok((code, redirect_uri)) => finish(state, &redirect_uri, Ok(&code), request.state.as_deref()),
        Err(e @ (AppError::AccountDisabled | AppError::Forbidden(_))) => error_page(&state.settings, StatusCode::FORBIDDEN, &e.to_string()),
        Err(e) => error_page(&state.settings, StatusCode::BAD_REQUEST, &e.to_string()),
    }
}

#[derive(Deserialize)]
pub struct SsoForm {
    #[serde(flatten)]
    request: AuthorizeParams,
    #[serde(default)]
    csrf_token: String,
}

/// The single sign-on button of the authorize page: the browser goes to the company's OpenID provider, and
/// comes back to `/auth/oidc/callback`, which finishes this authorize request.
pub async fn oidc_start(req: HttpRequest, state: web::Data<AppState>, Params(form): Params<SsoForm>) -> HttpResponse {
    if let Some(refused) = refuse_forged(&req, &state, &form.csrf_token) {
        return refused;
    }
    let Some(oidc) = state.directory.oidc.clone() else {
        return error_page(&state.settings, StatusCode::NOT_FOUND, "Single sign-on is not configured.");
    };
    if let Err(why) = check_request(&state, &form.request).await {
        return error_page(&state.settings, StatusCode::BAD_REQUEST, &why);
    }
    let begun = match oidc.begin().await {
        Ok(begun) => begun,
        Err(e) => {
            log::warn!("single sign-on: {e}");
            return error_page(&state.settings, StatusCode::SERVICE_UNAVAILABLE, SSO_DOWN);
        }
    };
    let login = OidcLogin {
        state: begun.state,
        nonce: begun.nonce,
        pkce_verifier: begun.pkce_verifier,
        authorize_request: serde_urlencoded::to_string(&form.request).unwrap_or_default(),
        created_at: crate::ids::now(),
    };
    match state.db.write(move |conn| directory::begin_oidc_login(conn, &login)).await {
        Ok(()) => HttpResponse::Found().insert_header((header::LOCATION, begun.url.as_str())).finish(),
        Err(_) => error_page(&state.settings, StatusCode::SERVICE_UNAVAILABLE, "Please try again."),
    }
}

const SSO_DOWN: &str = "The company sign-in service cannot be reached. Please try again in a few minutes.";

#[derive(Deserialize)]
pub struct CallbackParams {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// The OpenID provider sends the browser back here: the sign-in is checked, the account made or updated,
/// and the app's authorize request finished (its code sent to the app).
pub async fn oidc_callback(req: HttpRequest, state: web::Data<AppState>, Query(params): Query<CallbackParams>) -> HttpResponse {
    let Some(oidc) = state.directory.oidc.clone() else {
        return error_page(&state.settings, StatusCode::NOT_FOUND, "Single sign-on is not configured.");
    };
    let Some(login_state) = params.state.clone().filter(|s| !s.is_empty()) else {
        return error_page(&state.settings, StatusCode::BAD_REQUEST, "The sign-in came back without its state.");
    };
    let login = match state.db.write(move |conn| directory::take_oidc_login(conn, &login_state)).await {
        Ok(Some(login)) => login,
        Ok(None) => return error_page(&state.settings, StatusCode::BAD_REQUEST, "This sign-in has expired or was already used. Start again from your app."),
        Err(_) => return error_page(&state.settings, StatusCode::SERVICE_UNAVAILABLE, "Please try again."),
    };
    let request: AuthorizeParams = serde_urlencoded::from_str(&login.authorize_request).unwrap_or_default();
    let checked = match check_request(&state, &request).await {
        Ok(checked) => checked,
        Err(why) => return error_page(&state.settings, StatusCode::BAD_REQUEST, &why),
    };
    let (Some(code), None) = (params.code.as_deref(), params.error.as_deref()) else {
        return finish(&state, &checked.redirect_uri, Err("access_denied"), request.state.as_deref());
    };
    let person = match oidc.finish(code, &login.nonce, &login.pkce_verifier).await {
        Ok(Verdict::Allowed(person)) => person,
        Ok(Verdict::NotAllowed) => return error_page(&state.settings, StatusCode::FORBIDDEN, "Your company account may not use this instance."),
        Err(e @ OidcError::NotVerified(_)) => {
            log::warn!("single sign-on: {e}");
            return error_page(&state.settings, StatusCode::UNAUTHORIZED, "The company sign-in could not be verified. Start again from your app.");
        }
        Err(e @ OidcError::Unavailable { .. }) => {
            log::warn!("single sign-on: {e}");
            return error_page(&state.settings, StatusCode::SERVICE_UNAVAILABLE, SSO_DOWN);
        }
    };
    let settings = state.settings.clone();
    let account = match state.db.write(move |tx| directory::vouched(tx, &settings, &person)).await {
        Ok(Some(account)) => account,
        Ok(None) => return error_page(&state.settings, StatusCode::FORBIDDEN, "Your login is currently disabled."),
        Err(_) => return error_page(&state.settings, StatusCode::SERVICE_UNAVAILABLE, "Please try again."),
    };
    issue_and_finish(&state, checked, account.id, &request, ClientAddress::of(&req, &state.settings)).await
}

/// The forms of the authorize page carry the token of its HttpOnly cookie (double submit); a form without it
/// did not come from this server's page.
fn refuse_forged(req: &HttpRequest, state: &AppState, csrf_token: &str) -> Option<HttpResponse> {
    let cookie = req.cookie(CSRF_COOKIE).map(|c| c.value().to_owned());
    if !csrf_token.is_empty() && cookie.as_deref() == Some(csrf_token) {
        return None;
    }
    let why = "The form has expired or did not come from this server. Go back and try again.";
    Some(error_page(&state.settings, StatusCode::FORBIDDEN, why))
}

/// Sends the browser back to the app with a code or an error, or shows the code for out-of-band apps.
fn finish(state: &AppState, redirect_uri: &str, outcome: Result<&str, &str>, client_state: Option<&str>) -> HttpResponse {
    if redirect_uri == OOB_REDIRECT {
        let body = match outcome {
            Ok(code) => page::show_code(&state.settings, code),
            Err(_) => page::error(&state.settings, "You denied the application access."),
        };
        return html(HttpResponse::Ok(), body).finish_html();
    }
    let Ok(mut target) = url::Url::parse(redirect_uri) else {
        return error_page(&state.settings, StatusCode::BAD_REQUEST, "The redirect URI is not valid.");
    };
    {
        let mut pairs = target.query_pairs_mut();
        match outcome {
            Ok(code) => pairs.append_pair("code", code),
            Err(error) => pairs.append_pair("error", error),
        };
        if let Some(client_state) = client_state.filter(|s| !s.is_empty()) {
            pairs.append_pair("state", client_state);
        }
    }
    HttpResponse::Found().insert_header((header::LOCATION, target.as_str())).finish()
}

fn csrf_cookie(req: &HttpRequest, state: &AppState, value: String) -> Cookie<'static> {
    let secure = state.settings.scheme == "https" || req.connection_info().scheme() == "https";
    Cookie::build(CSRF_COOKIE, value).path("/oauth").http_only(true).same_site(SameSite::Lax).secure(secure).finish()
}

fn error_page(settings: &crate::config::Settings, status: StatusCode, why: &str) -> HttpResponse {
    html(HttpResponse::build(status), page::error(settings, why)).finish_html()
}

struct HtmlResponse(actix_web::HttpResponseBuilder, String);

fn html(builder: actix_web::HttpResponseBuilder, body: String) -> HtmlResponse {
    HtmlResponse(builder, body)
}

impl HtmlResponse {
    fn cookie(mut self, cookie: Cookie<'static>) -> Self {
        self.0.cookie(cookie);
        self
    }

    fn finish_html(mut self) -> HttpResponse {
        self.0
            .content_type("text/html; charset=utf-8")
            .insert_header(("X-Frame-Options", "DENY"))
            .insert_header(("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"))
            .insert_header(("Cache-Control", "no-store"))
            .body(self.1)
    }
}

#[derive(Deserialize)]
pub struct TokenParams {
    #[serde(default)]
    grant_type: String,
    #[serde(default, deserialize_with = "flex::string_opt")]
    code: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    redirect_uri: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    client_id: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    client_secret: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    code_verifier: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    scope: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    username: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    password: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    token: Option<String>,
}

/// Client credentials from HTTP Basic auth, else from the body.
fn client_credentials(req: &HttpRequest, params: &TokenParams) -> AppResult<(String, Option<String>)> {
    let basic = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|encoded| STANDARD.decode(encoded.trim()).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|pair| pair.split_once(':').map(|(id, secret)| (decode(id), decode(secret))));
    if let Some((id, secret)) = basic {
        return Ok((id, Some(secret)));
    }
    let id = params.client_id.clone().filter(|c| !c.is_empty()).ok_or_else(|| {
        AppError::oauth(401, "invalid_client", "Client authentication failed: client_id is missing.")
    })?;
    Ok((id, params.client_secret.clone().filter(|s| !s.is_empty())))
}

fn decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={text}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

pub async fn token(req: HttpRequest, state: web::Data<AppState>, Params(params): Params<TokenParams>) -> AppResult<HttpResponse> {
    let (client_id, client_secret) = client_credentials(&req, &params)?;
    if params.grant_type == "password" && state.settings.password_grant {
        let username = params.username.clone().ok_or_else(|| missing("username"))?;
        let password = params.password.clone().ok_or_else(|| missing("password"))?;
        let grant = state
            .db
            .read(move |conn| {
                let client = auth::authenticate_client(conn, &client_id, client_secret.as_deref())?;
                auth::check_password_client(client, params.scope.as_deref())
            })
            .await?;
        let account = match state.directory.check_password(&state.db, &state.settings, &username, &password, state.settings.local_passwords).await {
            Ok(account) => account.ok_or_else(auth::password_refused)?,
            Err(e @ AppError::DirectoryUnavailable) => return Err(AppError::oauth(503, "temporarily_unavailable", e.to_string())),
            Err(e) => return Err(e),
        };
        let address = ClientAddress::of(&req, &state.settings).0;
        let issued = state.db.write(move |conn| auth::password_grant(conn, grant, account.id, address)).await?;
        return Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(Token::from_issued(issued)));
    }
    let issued = state
        .db
        .write(move |conn| {
            let client = auth::authenticate_client(conn, &client_id, client_secret.as_deref())?;
            match params.grant_type.as_str() {
                "authorization_code" => {
                    let code = params.code.as_deref().ok_or_else(|| missing("code"))?;
                    auth::exchange_code(conn, &client, code, params.redirect_uri.as_deref(), params.code_verifier.as_deref())
                }
                "client_credentials" => auth::client_credentials_grant(conn, &client, params.scope.as_deref()),
                _ => Err(AppError::oauth(400, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.")),
            }
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(Token::from_issued(issued)))
}

fn missing(field: &str) -> AppError {
    AppError::oauth(400, "invalid_request", format!("The request is missing a required parameter: {field}."))
}

pub async fn revoke(req: HttpRequest, state: web::Data<AppState>, Params(params): Params<TokenParams>) -> AppResult<HttpResponse> {
    let (client_id, client_secret) = client_credentials(&req, &params)?;
    let token = params.token.clone().ok_or_else(|| missing("token"))?;
    state
        .db
        .write(move |conn| {
            let client = auth::authenticate_client(conn, &client_id, client_secret.as_deref())?;
            auth::revoke(conn, &client, &token)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({})))
}

pub async fn metadata(state: web::Data<AppState>) -> HttpResponse {
    let base = state.settings.base_url();
    let mut grants = vec!["authorization_code", "client_credentials"];
    if state.settings.password_grant {
        grants.push("password");
    }
    HttpResponse::Ok().json(json!({
        "issuer": format!("{base}/"),
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "app_registration_endpoint": format!("{base}/api/v1/apps"),
        "scopes_supported": auth::supported_scopes(),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": grants,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"]
    }))
}
