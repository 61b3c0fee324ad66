//! The ActivityPub side of the HTTP server: WebFinger, actors, objects, inboxes.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::api::params::Query;
use crate::error::AppResult;
use crate::service::federation;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/.well-known/webfinger", web::get().to(webfinger))
        .route("/.well-known/host-meta", web::get().to(host_meta));
}

#[derive(Deserialize)]
pub struct WebfingerQuery {
    #[serde(default)]
    resource: String,
}

async fn webfinger(state: web::Data<AppState>, Query(query): Query<WebfingerQuery>) -> AppResult<HttpResponse> {
    let settings = state.settings.clone();
    let base = settings.base_url();
    let instance_acct = format!("acct:{}@{}", settings.domain, settings.domain);
    if query.resource == instance_acct || query.resource == format!("{base}/actor") {
        return Ok(jrd(json!({
            "subject": instance_acct,
            "aliases": [format!("{base}/actor")],
            "links": [{ "rel": "self", "type": "application/activity+json", "href": format!("{base}/actor") }]
        })));
    }
    let account = state.db.read(move |conn| federation::webfinger_account(conn, &settings, &query.resource)).await?;
    Ok(jrd(json!({
        "subject": format!("acct:{}@{}", account.username, state.settings.domain),
        "aliases": [account.uri, account.url],
        "links": [
            { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": account.url },
            { "rel": "self", "type": "application/activity+json", "href": account.uri }
        ]
    })))
}

fn jrd(body: serde_json::Value) -> HttpResponse {
    HttpResponse::Ok().content_type("application/jrd+json; charset=utf-8").json(body)
}

async fn host_meta(state: web::Data<AppState>) -> HttpResponse {
    let template = format!("{}/.well-known/webfinger?resource={{uri}}", state.settings.base_url());
    HttpResponse::Ok().content_type("application/xrd+xml; charset=utf-8").body(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  <Link rel=\"lrdd\" template=\"{template}\"/>\n</XRD>\n"
    ))
}
