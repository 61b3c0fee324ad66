//! `/admin`: the web page admins and moderators run the instance from, server-rendered, without scripts.
//! People sign in through the instance's own authorize page (password, LDAP or OpenID, as for any app) with
//! the page's own OAuth app; the page keeps the token in an HttpOnly cookie, and each form carries a CSRF
//! token derived from it. What each role may do is what the admin API lets it do: the same service calls.

mod html;

use std::collections::HashMap;

use actix_web::cookie::{time::Duration as CookieAge, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde::Deserialize;

use crate::db::kinds::{AccountAction, Role};
use crate::db::models::{Account, User};
use crate::db::queries::accounts::AdminFilter;
use crate::db::Page;
use crate::error::{AppError, AppResult};
use crate::ids::AccountId;
use crate::params::{path_id, time_or_date, Params, Query};
use crate::service::announcements::{self, AnnouncementInput};
use crate::service::audit::{self, Actor, AuditFilter};
use crate::service::auth::{self, ADMIN_PAGE_CLIENT_ID, ADMIN_PAGE_SCOPES};
use crate::service::markup::escape;
use crate::service::measures::{self, DimensionKey, MeasureKey, Period};
use crate::service::moderation::{self, ActionInput, Reversal, Staff};
use crate::service::reports::{self, Handling, ReportFilter};
use crate::service::{accounts, peers};
use crate::state::AppState;
use html::{badge, button, csrf_field, table, when, Section, Viewer};

const SESSION_COOKIE: &str = "hallway_admin";

/// The value of a step, or the response that stands instead of the page (a redirect to sign in, a refusal,
/// what failed).
macro_rules! or_respond {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(response) => return response,
        }
    };
}
const STATE_COOKIE: &str = "hallway_admin_state";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .route("", web::get().to(dashboard))
            .route("/sign_in", web::get().to(sign_in))
            .route("/callback", web::get().to(callback))
            .route("/sign_out", web::post().to(sign_out))
            .route("/peers", web::get().to(peers_page))
            .route("/peers", web::post().to(allow_peer))
            .route("/peers/{id}/remove", web::post().to(remove_peer))
            .route("/accounts", web::get().to(accounts_page))
            .route("/accounts/{id}/moderate", web::post().to(moderate))
            .route("/accounts/{id}/role", web::post().to(change_role))
            .route("/reports", web::get().to(reports_page))
            .route("/reports/{id}/{handling}", web::post().to(handle_report))
            .route("/announcements", web::get().to(announcements_page))
            .route("/announcements", web::post().to(create_announcement))
            .route("/announcements/{id}", web::post().to(edit_announcement))
            .route("/announcements/{id}/delete", web::post().to(delete_announcement))
            .route("/audit", web::get().to(audit_page)),
    );
}

/// A signed-in admin or moderator, with the CSRF token their forms carry.
struct Session {
    account: Account,
    user: User,
    csrf: String,
}

impl Session {
    fn viewer(&self) -> Viewer<'_> {
        Viewer { username: &self.account.username, is_admin: self.user.role == Role::Admin, csrf: &self.csrf }
    }

    fn staff(&self) -> Staff {
        Staff::of(&self.account, &self.user)
    }

    fn actor(&self) -> Actor {
        Actor::of(&self.account)
    }
}

fn csrf_of(token: &str) -> String {
    auth::secret_hash(&format!("admin page form\0{token}"))
}

fn redirect_uri(state: &AppState) -> String {
    format!("{}/admin/callback", state.settings.base_url())
}

fn secure(req: &HttpRequest, state: &AppState) -> bool {
    state.settings.scheme == "https" || req.connection_info().scheme() == "https"
}

fn cookie(req: &HttpRequest, state: &AppState, name: &'static str, value: String, age: CookieAge) -> Cookie<'static> {
    Cookie::build(name, value).path("/admin").http_only(true).same_site(SameSite::Lax).secure(secure(req, state)).max_age(age).finish()
}

fn html_response(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header(("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Referrer-Policy", "same-origin"))
        .body(body)
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

fn refusal(state: &AppState, status: StatusCode, text: &str) -> HttpResponse {
    refusal_with(state, status, text, ("/admin/sign_in", "Sign in as someone else"))
}

fn refusal_with(state: &AppState, status: StatusCode, text: &str, link: (&str, &str)) -> HttpResponse {
    html_response(status, html::message(&state.settings.title, "Not for you", text, Some(link)))
}

fn failure(state: &AppState, error: &AppError) -> HttpResponse {
    let text = match error {
        AppError::Validation(why) => format!("That did not work: {why}"),
        other => other.to_string(),
    };
    html_response(error.status_code(), html::message(&state.settings.title, "That did not work", &text, Some(("/admin", "Back to the dashboard"))))
}

/// The signed-in staff member behind the page's cookie; a redirect to sign in without one, a refusal for a
/// user who is not staff or a section that is not for their role.
async fn session(req: &HttpRequest, state: &AppState, section: Section) -> Result<Session, HttpResponse> {
    let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()).filter(|t| !t.is_empty()) else {
        return Err(see_other("/admin/sign_in"));
    };
    let lookup = token.clone();
    let signed_in = state.db.read_cached(move |reader| auth::session_for_token(reader, &lookup)).await;
    let (user, account) = match signed_in {
        Ok(session) if auth::is_admin_page_session(&session) => match session.user {
            Some(found) => found,
            None => return Err(see_other("/admin/sign_in")),
        },
        Ok(_) | Err(AppError::InvalidToken) => return Err(see_other("/admin/sign_in")),
        Err(error) => return Err(refusal(state, error.status_code(), &error.to_string())),
    };
    let allowed = match user.role {
        Role::Admin => true,
        Role::Moderator => !section.for_admins_only(),
        Role::User => false,
    };
    if !allowed {
        return Err(match user.role {
            Role::User => refusal(state, StatusCode::FORBIDDEN, "This page is for the instance's admins and moderators."),
            _ => refusal_with(state, StatusCode::FORBIDDEN, "This section is for admins.", ("/admin", "Back to the dashboard")),
        });
    }
    Ok(Session { account, user, csrf: csrf_of(&token) })
}

/// The session of a form post, whose CSRF token must be the session's.
async fn posted(req: &HttpRequest, state: &AppState, section: Section, form: &HashMap<String, String>) -> Result<Session, HttpResponse> {
    let session = session(req, state, section).await?;
    if form.get("csrf").map(String::as_str) != Some(session.csrf.as_str()) {
        return Err(refusal(state, StatusCode::FORBIDDEN, "The form has expired or did not come from this page. Go back, reload and try again."));
    }
    Ok(session)
}

/// The notice a page shows after a form did its work (fixed words, so a link cannot make the page say anything).
fn notice(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "allowed" => "The peer is allowed.",
        "removed" => "The peer was removed; its queued deliveries are cancelled.",
        "moderated" => "Done. It is in the audit log.",
        "role" => "The role was changed.",
        "report" => "The report was updated.",
        "announced" => "The announcement was saved.",
        "deleted" => "The announcement was removed.",
        _ => return None,
    })
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    done: Option<String>,
    q: Option<String>,
    resolved: Option<String>,
    max_id: Option<i64>,
    code: Option<String>,
    state: Option<String>,
}

fn render(state: &AppState, section: Section, session: &Session, query: &PageQuery, body: &str) -> HttpResponse {
    html_response(StatusCode::OK, html::page(&state.settings.title, section, &session.viewer(), notice(query.done.as_deref()), body))
}

pub async fn sign_in(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let redirect = redirect_uri(&state);
    let (checked, made) = (redirect.clone(), redirect.clone());
    let needed = or_respond!(state.db.read(move |conn| auth::admin_page_app_needs(conn, &checked)).await.map_err(|error| failure(&state, &error)));
    if needed {
        if let Err(error) = state.db.write(move |conn| auth::admin_page_app(conn, &made)).await {
            return failure(&state, &error);
        }
    }
    let nonce = auth::random_secret();
    let mut target = url::Url::parse(&format!("{}/oauth/authorize", state.settings.base_url())).expect("the instance's own URL");
    target
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", ADMIN_PAGE_CLIENT_ID)
        .append_pair("redirect_uri", &redirect)
        .append_pair("scope", ADMIN_PAGE_SCOPES)
        .append_pair("state", &nonce);
    HttpResponse::Found()
        .cookie(cookie(&req, &state, STATE_COOKIE, nonce, CookieAge::minutes(15)))
        .insert_header((header::LOCATION, target.as_str()))
        .finish()
}

pub async fn callback(req: HttpRequest, state: web::Data<AppState>, Query(query): Query<PageQuery>) -> HttpResponse {
    let expected = req.cookie(STATE_COOKIE).map(|c| c.value().to_owned());
    let (Some(code), Some(given)) = (query.code, query.state) else {
        return refusal(&state, StatusCode::BAD_REQUEST, "The sign-in did not finish (it was denied or came back without its code).");
    };
    if expected.as_deref() != Some(given.as_str()) {
        return refusal(&state, StatusCode::BAD_REQUEST, "This sign-in was not started here, or it expired. Start again.");
    }
    let redirect = redirect_uri(&state);
    match state.db.write(move |conn| auth::admin_page_token(conn, &redirect, &code)).await {
        Ok(issued) => HttpResponse::SeeOther()
            .cookie(cookie(&req, &state, SESSION_COOKIE, issued.secret, CookieAge::hours(auth::ADMIN_PAGE_SESSION_HOURS)))
            .cookie(cookie(&req, &state, STATE_COOKIE, String::new(), CookieAge::ZERO))
            .insert_header((header::LOCATION, "/admin"))
            .finish(),
        Err(error @ AppError::Forbidden(_)) => refusal(&state, StatusCode::FORBIDDEN, &error.to_string()),
        Err(error) => failure(&state, &error),
    }
}

pub async fn sign_out(req: HttpRequest, state: web::Data<AppState>, Params(form): Params<HashMap<String, String>>) -> HttpResponse {
    let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    if form.get("csrf").map(String::as_str) != Some(csrf_of(&token).as_str()) {
        return refusal(&state, StatusCode::FORBIDDEN, "The form has expired or did not come from this page. Go back, reload and try again.");
    }
    if let Err(error) = state.db.write(move |conn| auth::admin_page_sign_out(conn, &token)).await {
        return failure(&state, &error);
    }
    let page = html::message(&state.settings.title, "Signed out", "You are signed out of the admin page.", Some(("/admin/sign_in", "Sign in again")));
    let mut response = html_response(StatusCode::OK, page);
    let _ = response.add_cookie(&cookie(&req, &state, SESSION_COOKIE, String::new(), CookieAge::ZERO));
    response
}

/// Runs a form's write and sends the browser back to `back` (with the notice `done`), or shows what failed.
async fn then_back<T: Send + 'static>(
    state: &AppState,
    back: &str,
    done: &str,
    write: impl FnOnce(&mut crate::db::Tx) -> AppResult<T> + Send + 'static,
) -> HttpResponse {
    match state.db.write(write).await {
        Ok(_) => see_other(&format!("{back}?done={done}")),
        Err(error) => failure(state, &error),
    }
}

pub async fn dashboard(req: HttpRequest, state: web::Data<AppState>, Query(query): Query<PageQuery>) -> HttpResponse {
    let session = or_respond!(session(&req, &state, Section::Dashboard).await);
    let today = crate::ids::now();
    let period = or_respond!(Period::new(today - chrono::Duration::days(6), today).map_err(|error| failure(&state, &error)));
    let keys = [MeasureKey::ActiveUsers, MeasureKey::NewUsers, MeasureKey::Interactions, MeasureKey::OpenedReports, MeasureKey::ResolvedReports];
    let is_admin = session.user.role == Role::Admin;
    let found = state
        .db
        .read_cached(move |reader| {
            let totals = crate::service::cached::instance_stats(reader)?;
            let conn = reader.conn()?;
            let figures = keys.iter().map(|key| measures::measure(conn, key.clone(), &period)).collect::<AppResult<Vec<_>>>()?;
            let versions = measures::dimension(conn, DimensionKey::SoftwareVersions, &period, 10)?;
            let health = if is_admin { peers::list(conn)? } else { Vec::new() };
            Ok((totals, figures, versions, health))
        })
        .await;
    let (totals, figures, versions, health) = or_respond!(found.map_err(|error| failure(&state, &error)));
    let labels = ["Active users", "New users", "Interactions", "Reports opened", "Reports resolved"];
    let cards: String = figures
        .iter()
        .zip(labels)
        .map(|(m, label)| format!("<div class=\"figure\"><div class=\"value\">{}</div><div class=\"label\">{label}, last 7 days <span class=\"muted\">(before: {})</span></div></div>", m.total, m.previous_total))
        .collect();
    let software: String = versions.data.iter().map(|v| format!("{} {}", escape(&v.human_key), escape(v.text_value.as_deref().unwrap_or_default()))).collect::<Vec<_>>().join(" · ");
    let total = |value: i64, label: &str| format!("<div class=\"figure\"><div class=\"value\">{value}</div><div class=\"label\">{label}</div></div>");
    let instance = [total(totals.user_count, "Local users"), total(totals.status_count, "Local posts"), total(totals.domain_count, "Instances known")].concat();
    let mut body = format!(
        "<h2>This week</h2><div class=\"figures\">{cards}</div><h2>The instance</h2><div class=\"figures\">{instance}</div><p class=\"muted\">Running {software}</p>"
    );
    if is_admin {
        body.push_str("<h2>Deliveries to peers</h2>");
        body.push_str(&peer_table(&health, None));
    }
    render(&state, Section::Dashboard, &session, &query, &body)
}

/// Peers with their delivery health; with the viewer's CSRF token, each allowed one gets a Remove button.
fn peer_table(health: &[peers::PeerHealth], csrf: Option<&str>) -> String {
    let rows: Vec<Vec<String>> = health
        .iter()
        .map(|h| {
            let p = &h.peer;
            let state = if p.allowed { badge("allowed", "good") } else { badge("removed", "") };
            let error = p.last_error.as_deref().map(|e| format!("{} <span class=\"muted\">{}</span>", escape(e), when(p.last_error_at))).unwrap_or_else(|| "–".into());
            let mut row = vec![escape(&p.host), state, when(p.last_success_at), h.queued.to_string(), error];
            if let Some(csrf) = csrf {
                row.push(if p.allowed { button(&format!("/admin/peers/{}/remove", p.id), csrf, &[], "Remove", "danger") } else { String::new() });
            }
            row
        })
        .collect();
    let headers: &[&str] = if csrf.is_some() { &["Host", "State", "Last success", "Queued", "Last error", ""] } else { &["Host", "State", "Last success", "Queued", "Last error"] };
    table("Peers", headers, &rows)
}

pub async fn peers_page(req: HttpRequest, state: web::Data<AppState>, Query(query): Query<PageQuery>) -> HttpResponse {
    let session = or_respond!(session(&req, &state, Section::Peers).await);
    let health = or_respond!(state.db.read(peers::list).await.map_err(|error| failure(&state, &error)));
    let form = format!(
        "<form class=\"inline\" method=\"post\" action=\"/admin/peers\">{}<label>Instance (host or host:port)<input name=\"host\" required autocomplete=\"off\" placeholder=\"eng.corp.example\"></label><button type=\"submit\">Allow</button></form>",
        csrf_field(&session.csrf)
    );
    let body = format!("{form}{}", peer_table(&health, Some(&session.csrf)));
    render(&state, Section::Peers, &session, &query, &body)
}

pub async fn allow_peer(req: HttpRequest, state: web::Data<AppState>, Params(form): Params<HashMap<String, String>>) -> HttpResponse {
    let session = or_respond!(posted(&req, &state, Section::Peers, &form).await);
    let host = form.get("host").cloned().unwrap_or_default();
    let actor = session.actor();
    then_back(&state, "/admin/peers", "allowed", move |tx| peers::allow(tx, &actor, &host)).await
}

pub async fn remove_peer(req: HttpRequest, state: web::Data<AppState>, id: web::Path<String>, Params(form): Params<HashMap<String, String>>) -> HttpResponse {
    let session = or_respond!(posted(&req, &state, Section::Peers, &form).await);
    let Ok(id) = path_id::<i64>(&id) else { return failure(&state, &AppError::NotFound) };
    let actor = session.actor();
    then_back(&state, "/admin/peers", "removed", move |tx| peers::remove_by_id(tx, &actor, id)).await
}

pub async fn accounts_page(req: HttpRequest, state: web::Data<AppState>, Query(query): Query<PageQuery>) -> HttpResponse {
    let session = or_respond!(session(&req, &state, Section::Accounts).await);
    let text = query.q.clone().filter(|q| !q.trim().is_empty());
    let filter = AdminFilter { text: text.clone(), ..AdminFilter::default() };
    let page = Page { limit: 100, max_id: query.max_id, ..Page::default() };
    let found = or_respond!(state.db.read(move |conn| moderation::list(conn, &filter, &page)).await.map_err(|error| failure(&state, &error)));
    let is_admin = session.user.role == Role::Admin;
    let rows: Vec<Vec<String>> = found
        .iter()
        .map(|m| {
            let a = &m.account;
            let path = format!("/admin/accounts/{}/moderate", a.id);
            let act = |action: &str, words: &str, class: &str| button(&path, &session.csrf, &[("do", action)], words, class);
            let mut states = String::new();
            let mut actions = Vec::new();
            if m.user.as_ref().is_some_and(|u| !u.approved) {
                states.push_str(&badge("pending", ""));
                actions.push(act("approve", "Approve", ""));
                actions.push(act("reject", "Reject", "danger"));
            }
            if a.silenced_at.is_some() {
                states.push_str(&badge("silenced", "bad"));
                actions.push(act("unsilence", "Unsilence", "secondary"));
            } else {
                actions.push(act("silence", "Silence", "secondary"));
            }
            if a.suspended_at.is_some() {
                states.push_str(&badge("suspended", "bad"));
                actions.push(act("unsuspend", "Unsuspend", "secondary"));
            } else {
                actions.push(act("suspend", "Suspend", "danger"));
            }
            if m.user.as_ref().is_some_and(|u| u.disabled) {
                states.push_str(&badge("disabled", "bad"));
            }
            let role = m.user.as_ref().map(|u| u.role);
            let role_cell = match role {
                Some(role) if is_admin && a.id != session.account.id => role_form(a.id, role, &session.csrf),
                Some(role) => escape(role.as_str()),
                None => "–".into(),
            };
            let email = m.user.as_ref().map(|u| escape(&u.email)).unwrap_or_else(|| "–".into());
            let name = format!("<strong>@{}</strong><br><span class=\"muted\">{}</span>", escape(&a.acct()), escape(&a.display_name));
            let actions = if a.id == session.account.id { "<span class=\"muted\">you</span>".to_owned() } else { actions.join(" ") };
            vec![name, email, role_cell, if states.is_empty() { badge("active", "good") } else { states }, when(Some(a.created_at)), actions]
        })
        .collect();
    let search = format!(
        "<form class=\"inline\" method=\"get\" action=\"/admin/accounts\" role=\"search\"><label>Name or e-mail<input name=\"q\" value=\"{}\" type=\"search\"></label><button type=\"submit\">Search</button></form>",
        escape(text.as_deref().unwrap_or_default())
    );
    let body = format!("{search}{}", table("Accounts", &["Account", "E-mail", "Role", "State", "Joined", ""], &rows));
    render(&state, Section::Accounts, &session, &query, &body)
}

fn role_form(account: AccountId, current: Role, csrf: &str) -> String {
    let options: String = Role::ALL
        .iter()
        .map(|role| format!("<option value=\"{0}\"{1}>{0}</option>", role.as_str(), if *role == current { " selected" } else { "" }))
        .collect();
    format!(
        "<form method=\"post\" action=\"/admin/accounts/{account}/role\">{}<select name=\"role\" aria-label=\"Role\">{options}</select> <button type=\"submit\" class=\"secondary\">Set</button></form>",
        csrf_field(csrf)
    )
}

pub async fn moderate(req: HttpRequest, state: web::Data<AppState>, id: web::Path<String>, Params(form): Params<HashMap<String, String>>) -> HttpResponse {
    let session = or_respond!(posted(&req, &state, Section::Accounts, &form).await);
    let Ok(id) = path_id::<AccountId>(&id) else { return failure(&state, &AppError::NotFound) };
    let staff = session.staff();
    let what = form.get("do").cloned().unwrap_or_default();
    let reversal = match what.as_str() {
        "approve" => Some(Reversal::Approve),
        "reject" => Some(Reversal::Reject),
        "unsilence" => Some(Reversal::Unsilence),
        "unsuspend" => Some(Reversal::Unsuspend),
        "enable" => Some(Reversal::Enable),
        _ => None,
    };
    if let Some(reversal) = reversal {
        return then_back(&state, "/admin/accounts", "moderated", move |tx| moderation::reverse(tx, &staff, id, reversal)).await;
    }
    let action = or_respond!(AccountAction::parse_as("do", &what).map_err(|error| failure(&state, &error)));
    let input = ActionInput { report_id: None, text: form.get("text").cloned().unwrap_or_default() };
    then_back(&state, "/admin/accounts", "moderated", move |tx| moderation::act(tx, &staff, id, action, &input)).await
}

pub async fn change_role(req: HttpRequest, state: web::Data<AppState>, id: web::Path<String>, Params(form): Params<HashMap<String, String>>) -> HttpResponse {
    let session = or_respond!(posted(&req, &state, Section::Accounts, &form).await);
    if session.user.role != Role::Admin {
        return refusal(&state, StatusCode::FORBIDDEN, "Only admins change roles.");
    }
    let Ok(id) = path_id::<AccountId>(&id) else { return failure(&state, &AppError::NotFound) };
    if id == session.account.id {
        return refusal(&state, StatusCode::FORBIDDEN, "You cannot change your own role here; another admin can.");
    }
    let role = or_respond!(Role::parse(form.get("role").map(String::as_str).unwrap_or_default()).map_err(|error| failure(&state, &error)));
    let actor = session.actor();
    then_back(&state, "/admin/accounts", "role", move |tx| {
        let account = crate::db::queries::accounts::find(tx, id)?.filter(|a| a.is_local()).ok_or(AppError::NotFound)?;
        accounts::change_role(tx, &actor, &account, role)
    })
    .await
}

pub async fn reports_page(req: HttpRequest, state: web::Data<AppState>, Query(query): Query<PageQuery>) -> HttpResponse {
    let session = or_respond!(session(&req, &state, Section::Reports).await);
    let resolved = query.resolved.as_deref() == Some("1");
    let filter = ReportFilter { resolved: Some(resolved), ..ReportFilter::default() };
    let found = or_respond!(state.db.read(move |conn| reports::admin_page(conn, &filter, &Page { limit: 100, ..Page::default() })).await.map_err(|error| failure(&state, &error)));
    let rows: Vec<Vec<String>> = found
        .iter()
        .map(|view| {
            let r = &view.report;
            let path = |what: &str| format!("/admin/reports/{}/{what}", r.id);
            let statuses: String = view.statuses.iter().map(|s| format!("<blockquote>{}</blockquote>", crate::service::sanitize::html(&s.status.content))).collect();
            let assigned = view.assigned.as_ref().map(|m| format!("@{}", escape(&m.account.username))).unwrap_or_else(|| "–".into());
            let actions = if r.action_taken_at.is_some() {
                button(&path("reopen"), &session.csrf, &[], "Reopen", "secondary")
            } else {
                [button(&path("resolve"), &session.csrf, &[], "Resolve", ""), button(&path("assign_to_self"), &session.csrf, &[], "Take it", "secondary")].join(" ")
            };
            vec![
                when(Some(r.created_at)),
                format!("@{}", escape(&view.target.account.acct())),
                format!("@{}", escape(&view.reporter.account.acct())),
                format!("{} {}{statuses}", badge(&r.category, ""), escape(&r.comment)),
                assigned,
                actions,
            ]
        })
        .collect();
    let switch = if resolved { "<p><a href=\"/admin/reports\">Show open reports</a></p>" } else { "<p><a href=\"/admin/reports?resolved=1\">Show resolved reports</a></p>" };
    let body = format!("{switch}{}", table(if resolved { "Resolved reports" } else { "Open reports" }, &["Filed", "About", "By", "What", "Handled by", ""], &rows));
    render(&state, Section::Reports, &session, &query, &body)
}

pub async fn handle_report(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, String)>, Params(form): Params<HashMap<String, String>>) -> HttpResponse {
    let session = or_respond!(posted(&req, &state, Section::Reports, &form).await);
    let (id, what) = path.into_inner();
    let Ok(id) = path_id::<i64>(&id) else { return failure(&state, &AppError::NotFound) };
    let handling = match what.as_str() {
        "resolve" => Handling::Resolve,
        "reopen" => Handling::Reopen,
        "assign_to_self" => Handling::AssignToSelf,
        "unassign" => Handling::Unassign,
        _ => return failure(&state, &AppError::NotFound),
    };
    let staff = session.staff();
    then_back(&state, "/admin/reports", "report", move |tx| reports::handle(tx, &staff, id, handling)).await
}

pub async fn announcements_page(req: HttpRequest, state: web::Data<AppState>, Query(query): Query<PageQuery>) -> HttpResponse {
    let session = or_respond!(session(&req, &state, Section::Announcements).await);
    let settings = state.settings.clone();
    let found = or_respond!(state.db.read(move |conn| announcements::admin_page(conn, &settings, &Page { limit: 100, ..Page::default() })).await.map_err(|error| failure(&state, &error)));
    let date = |t: Option<chrono::NaiveDateTime>| t.map(|t| t.format("%Y-%m-%dT%H:%M").to_string()).unwrap_or_default();
    let checked = |on: bool| if on { " checked" } else { "" };
    let editor = |action: &str, text: &str, starts: &str, ends: &str, all_day: bool, federated: bool, words: &str| {
        format!(
            "<form class=\"inline\" method=\"post\" action=\"{action}\">{}<label>Text<textarea name=\"text\" required>{}</textarea></label><label>Starts (UTC)<input type=\"datetime-local\" name=\"starts_at\" value=\"{starts}\"></label><label>Ends (UTC)<input type=\"datetime-local\" name=\"ends_at\" value=\"{ends}\"></label><label><span><input type=\"checkbox\" name=\"all_day\" value=\"true\"{}> All day</span></label><label><span><input type=\"checkbox\" name=\"federate\" value=\"true\"{}> Every division (all allowed peers)</span></label><button type=\"submit\">{words}</button></form>",
            csrf_field(&session.csrf),
            escape(text),
            checked(all_day),
            checked(federated),
        )
    };
    let mut body = format!("<h2>New announcement</h2>{}", editor("/admin/announcements", "", "", "", false, false, "Publish"));
    body.push_str("<h2>Announcements</h2>");
    if found.is_empty() {
        body.push_str("<p class=\"muted\">No announcements.</p>");
    }
    for view in &found {
        let a = &view.announcement;
        let state_badge = if a.published_at.is_some() { badge("published", "good") } else { badge("draft", "") };
        let reactions: String = view.reactions.iter().map(|r| format!("{} {} ", escape(&r.name), r.count)).collect();
        body.push_str(&format!(
            "<section class=\"card\" style=\"padding:.9rem;margin-bottom:1rem\"><p>{state_badge} <span class=\"muted\">{}</span></p>{}<p class=\"muted\">{}</p>{}{}</section>",
            match (a.starts_at, a.ends_at) {
                (Some(_), Some(_)) => format!("{} → {}{}", when(a.starts_at), when(a.ends_at), if a.all_day { " (all day)" } else { "" }),
                _ => String::new(),
            },
            view.html,
            reactions,
            editor(&format!("/admin/announcements/{}", a.id), &a.text, &date(a.starts_at), &date(a.ends_at), a.all_day, a.federated, "Save"),
            button(&format!("/admin/announcements/{}/delete", a.id), &session.csrf, &[], "Remove", "danger"),
        ));
    }
    render(&state, Section::Announcements, &session, &query, &body)
}

/// An announcement from the page's form; an empty time is none (the browser's `datetime-local` has no zone:
/// the page says UTC).
fn announcement_input(form: &HashMap<String, String>) -> AppResult<AnnouncementInput> {
    let time = |name: &str| -> AppResult<Option<chrono::NaiveDateTime>> {
        match form.get(name).map(|t| t.trim()).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(text) => chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").map(Some).or_else(|_| time_or_date(name, text).map(Some)),
        }
    };
    Ok(AnnouncementInput {
        text: form.get("text").cloned(),
        starts_at: Some(time("starts_at")?),
        ends_at: Some(time("ends_at")?),
        all_day: Some(form.get("all_day").is_some_and(|v| v == "true")),
        published: Some(true),
        federated: Some(form.get("federate").is_some_and(|v| v == "true")),
    })
}

pub async fn create_announcement(req: HttpRequest, state: web::Data<AppState>, Params(form): Params<HashMap<String, String>>) -> HttpResponse {
    let session = or_respond!(posted(&req, &state, Section::Announcements, &form).await);
    let input = or_respond!(announcement_input(&form).map_err(|error| failure(&state, &error)));
    let (actor, settings) = (session.actor(), state.settings.clone());
    then_back(&state, "/admin/announcements", "announced", move |tx| announcements::create(tx, &settings, &actor, input)).await
}

pub async fn edit_announcement(req: HttpRequest, state: web::Data<AppState>, id: web::Path<String>, Params(form): Params<HashMap<String, String>>) -> HttpResponse {
    let session = or_respond!(posted(&req, &state, Section::Announcements, &form).await);
    let Ok(id) = path_id::<i64>(&id) else { return failure(&state, &AppError::NotFound) };
    let input = AnnouncementInput { published: None, ..or_respond!(announcement_input(&form).map_err(|error| failure(&state, &error))) };
    let actor = session.actor();
    then_back(&state, "/admin/announcements", "announced", move |tx| announcements::update(tx, &actor, id, input)).await
}

pub async fn delete_announcement(req: HttpRequest, state: web::Data<AppState>, id: web::Path<String>, Params(form): Params<HashMap<String, String>>) -> HttpResponse {
    let session = or_respond!(posted(&req, &state, Section::Announcements, &form).await);
    let Ok(id) = path_id::<i64>(&id) else { return failure(&state, &AppError::NotFound) };
    let actor = session.actor();
    then_back(&state, "/admin/announcements", "deleted", move |tx| announcements::remove(tx, &actor, id)).await
}

pub async fn audit_page(req: HttpRequest, state: web::Data<AppState>, Query(query): Query<PageQuery>) -> HttpResponse {
    let session = or_respond!(session(&req, &state, Section::Audit).await);
    let page = Page { limit: 50, max_id: query.max_id, ..Page::default() };
    let found = or_respond!(state.db.read(move |conn| audit::page(conn, &AuditFilter::default(), &page)).await.map_err(|error| failure(&state, &error)));
    let rows: Vec<Vec<String>> = found
        .iter()
        .map(|e| vec![when(Some(e.created_at)), escape(&e.actor), escape(e.action.as_str()), format!("{} {}", escape(e.target_type.as_str()), escape(&e.target)), escape(&e.text)])
        .collect();
    let older = match found.last() {
        Some(last) if found.len() == 50 => format!("<p><a href=\"/admin/audit?max_id={}\">Older entries</a></p>", last.id),
        _ => String::new(),
    };
    let body = format!("{}{older}", table("Audit log", &["When (UTC)", "Who", "Action", "Target", "Text"], &rows));
    render(&state, Section::Audit, &session, &query, &body)
}
