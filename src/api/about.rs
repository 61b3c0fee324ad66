//! What the instance says about itself: `/api/v1/instance/*` beside the instance entity, and the pages
//! behind the URLs it gives (`/`, `/about`, `/privacy-policy`, `/terms-of-service`).

use std::sync::Arc;

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::api::auth::Auth;
use crate::api::entities::rules;
use crate::config::Settings;
use crate::error::{AppError, AppResult};
use crate::service::instance;
use crate::service::markup::{escape, render_document};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/rules", web::get().to(instance_rules))
        .route("/extended_description", web::get().to(extended_description))
        .route("/privacy_policy", web::get().to(privacy_policy))
        .route("/terms_of_service", web::get().to(terms_of_service))
        .route("/terms_of_service/{date}", web::get().to(terms_of_service_on))
        .route("/languages", web::get().to(languages))
        .route("/translation_languages", web::get().to(translation_languages))
        .route("/activity", web::get().to(activity))
        .route("/peers", web::get().to(peers));
}

pub fn page_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home_page))
        .route("/", web::head().to(home_page))
        .route("/about", web::get().to(about_page))
        .route("/privacy-policy", web::get().to(privacy_policy_page))
        .route("/terms-of-service", web::get().to(terms_of_service_page));
}

async fn instance_rules(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(rules(&state.settings.about))
}

fn dated_document(settings: &Settings, text: &str) -> Value {
    json!({ "updated_at": crate::api::entities::timestamp(&settings.about.updated_at), "content": render_document(text) })
}

async fn extended_description(state: web::Data<AppState>) -> HttpResponse {
    let settings = &state.settings;
    let text = settings.about.extended_description.as_deref().unwrap_or(&settings.description);
    HttpResponse::Ok().json(dated_document(settings, text))
}

/// The operators' policy, or, when they wrote none, a plain statement that they did not and whom to ask.
fn privacy_policy_text(settings: &Settings) -> String {
    settings.about.privacy_policy.clone().unwrap_or_else(|| {
        let contact = if settings.contact_email.is_empty() { "its operators".to_owned() } else { settings.contact_email.clone() };
        format!("The operators of {} have not published a privacy policy here. Ask {contact} how your data is kept.", settings.title)
    })
}

async fn privacy_policy(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(dated_document(&state.settings, &privacy_policy_text(&state.settings)))
}

fn terms_entity(settings: &Settings) -> AppResult<Value> {
    let text = settings.about.terms_of_service.as_deref().ok_or(AppError::NotFound)?;
    let effective_date = settings.about.terms_effective.unwrap_or_else(|| settings.about.updated_at.date());
    Ok(json!({
        "effective_date": effective_date.format("%Y-%m-%d").to_string(),
        "effective": effective_date <= chrono::Utc::now().date_naive(),
        "content": render_document(text),
        "succeeded_by": Value::Null
    }))
}

async fn terms_of_service(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(terms_entity(&state.settings)?))
}

/// Only one version of the terms is kept: the one in the settings, under its own date.
async fn terms_of_service_on(state: web::Data<AppState>, date: web::Path<String>) -> AppResult<HttpResponse> {
    let asked = NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| AppError::NotFound)?;
    let terms = terms_entity(&state.settings)?;
    if terms["effective_date"] != asked.format("%Y-%m-%d").to_string() {
        return Err(AppError::NotFound);
    }
    Ok(HttpResponse::Ok().json(terms))
}

/// Every ISO 639-1 language, as Mastodon lists the languages a status may be written in.
async fn languages() -> HttpResponse {
    let mut known: Vec<(&str, &str)> = isolang::languages().filter_map(|language| Some((language.to_639_1()?, language.to_name()))).collect();
    known.sort_unstable();
    let body: Vec<Value> = known.into_iter().map(|(code, name)| json!({ "code": code, "name": name })).collect();
    HttpResponse::Ok().json(body)
}

/// Nothing is translated here.
async fn translation_languages() -> HttpResponse {
    HttpResponse::Ok().json(json!({}))
}

/// The weekly figures, counted at most once an hour (counting reads twelve weeks of rows); kept by instance
/// domain, since tests run several instances in one process.
type KeptActivity = (String, std::time::Instant, Arc<Vec<instance::WeekActivity>>);
static ACTIVITY: std::sync::Mutex<Option<KeptActivity>> = std::sync::Mutex::new(None);
const ACTIVITY_KEPT: std::time::Duration = std::time::Duration::from_secs(3600);

async fn activity(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    auth.anyone()?;
    let domain = state.settings.domain.clone();
    let kept = ACTIVITY.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let weeks = match kept.filter(|(kept_for, at, _)| *kept_for == domain && at.elapsed() < ACTIVITY_KEPT) {
        Some((_, _, weeks)) => weeks,
        None => {
            let today = chrono::Utc::now().date_naive();
            let counted = Arc::new(state.db.read(move |conn| instance::weekly_activity(conn, today)).await?);
            *ACTIVITY.lock().unwrap_or_else(|p| p.into_inner()) = Some((domain, std::time::Instant::now(), counted.clone()));
            counted
        }
    };
    let body: Vec<Value> = weeks
        .iter()
        .map(|week| {
            json!({
                "week": week.week_start.and_time(chrono::NaiveTime::MIN).and_utc().timestamp().to_string(),
                "statuses": week.statuses.to_string(),
                "logins": week.logins.to_string(),
                "registrations": week.registrations.to_string()
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}

async fn peers(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    auth.anyone()?;
    Ok(HttpResponse::Ok().json(state.db.read(instance::peer_hosts).await?))
}

fn page(settings: &Settings, heading: &str, body_html: &str) -> HttpResponse {
    let title = escape(&settings.title);
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{heading} · {title}</title></head>\
             <body><h1>{heading}</h1>{body_html}<p><a href=\"/\">{title}</a> · <a href=\"/about\">About</a> · \
             <a href=\"/privacy-policy\">Privacy policy</a></p></body></html>",
            lang = settings.about.languages.first().map_or("en", String::as_str),
            heading = escape(heading),
        ))
}

async fn home_page(state: web::Data<AppState>) -> HttpResponse {
    let settings = &state.settings;
    let welcome = format!(
        "<p>This is a Hallway instance. Sign in with any Mastodon app (Elk, Phanpy, Tusky, Ivory, toot…) using the \
         address <strong>{}</strong>.</p>",
        escape(&settings.domain)
    );
    page(settings, &settings.title, &welcome)
}

async fn about_page(state: web::Data<AppState>) -> HttpResponse {
    let settings = &state.settings;
    let description = settings.about.extended_description.as_deref().unwrap_or(&settings.description);
    let rules: String = settings.about.rules.iter().map(|rule| format!("<li>{}<br><small>{}</small></li>", escape(&rule.text), escape(&rule.hint))).collect();
    let rules = if rules.is_empty() { String::new() } else { format!("<h2>Rules</h2><ol>{rules}</ol>") };
    let contact = if settings.contact_email.is_empty() { String::new() } else { format!("<p>Contact: {}</p>", escape(&settings.contact_email)) };
    page(settings, &format!("About {}", settings.title), &format!("{}{rules}{contact}", render_document(description)))
}

async fn privacy_policy_page(state: web::Data<AppState>) -> HttpResponse {
    page(&state.settings, "Privacy policy", &render_document(&privacy_policy_text(&state.settings)))
}

async fn terms_of_service_page(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let text = state.settings.about.terms_of_service.as_deref().ok_or(AppError::NotFound)?;
    Ok(page(&state.settings, "Terms of service", &render_document(text)))
}
