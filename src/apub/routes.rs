//! The ActivityPub side of the HTTP server: WebFinger, actors, objects, inboxes.

use activitypub_federation::protocol::public_key::PublicKey;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::params::Query;
use crate::apub::client::ACTIVITY_JSON;
use crate::apub::{inbound, inbox, outbox};
use crate::apub::objects::{with_context, ActorKind, Endpoints, Person};
use crate::error::{AppError, AppResult};
use crate::service::{accounts, federation, keys, views};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/.well-known/webfinger", web::get().to(webfinger))
        .route("/.well-known/host-meta", web::get().to(host_meta))
        .route("/actor", web::get().to(instance_actor))
        .route("/users/{name}", web::get().to(actor))
        .route("/users/{name}/followers", web::get().to(followers))
        .route("/users/{name}/following", web::get().to(following))
        .route("/users/{name}/outbox", web::get().to(outbox))
        .route("/users/{name}/collections/featured", web::get().to(featured))
        .route("/users/{name}/quote_authorizations/{id}", web::get().to(quote_authorization))
        .route("/users/{name}/statuses/{id}", web::get().to(note))
        .route("/@{name}/{id}", web::get().to(note))
        .route("/inbox", web::post().to(inbox::shared_inbox))
        .route("/users/{name}/inbox", web::post().to(inbox::actor_inbox));
}

fn activity_json(body: impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok().content_type(ACTIVITY_JSON).insert_header(("Vary", "Accept, Signature")).json(body)
}

/// The instance actor signs our fetches; peers must be able to read its key without signing themselves.
async fn instance_actor(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let keys = state.db.write(|tx| keys::instance(tx)).await?;
    let base = state.settings.base_url();
    let id = url::Url::parse(&format!("{base}/actor")).map_err(|e| AppError::Internal(e.to_string()))?;
    let inbox = url::Url::parse(&format!("{base}/inbox")).map_err(|e| AppError::Internal(e.to_string()))?;
    let person = Person {
        kind: ActorKind::Application,
        preferred_username: state.settings.domain.clone(),
        name: Some(state.settings.title.clone()),
        summary: None,
        inbox: inbox.clone(),
        outbox: None,
        followers: None,
        following: None,
        featured: None,
        endpoints: Some(Endpoints { shared_inbox: Some(inbox) }),
        public_key: PublicKey { id: format!("{id}#main-key"), owner: id.clone(), public_key_pem: keys.public_key_pem },
        icon: None,
        image: None,
        url: None,
        manually_approves_followers: true,
        discoverable: false,
        published: None,
        attachment: Vec::new(),
        also_known_as: serde_json::Value::Null,
        moved_to: None,
        id,
    };
    Ok(activity_json(with_context(person)))
}

/// A local actor, served only to allowed peers that sign their request (divisions own their data).
async fn actor(req: HttpRequest, state: web::Data<AppState>, name: web::Path<String>) -> AppResult<HttpResponse> {
    inbound::signer(&state, &req, None).await?;
    let name = name.into_inner();
    let account = state
        .db
        .write(move |conn| {
            let account = accounts::local_by_username(conn, &name)?;
            keys::with_keys(conn, account)
        })
        .await?;
    Ok(activity_json(with_context(Person::from_local(&account, &state.settings.base_url()))))
}

/// A status as a Note, to a signed request from an allowed peer whose signer may see it.
async fn note(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, String)>) -> AppResult<HttpResponse> {
    let signer = inbound::signer(&state, &req, None).await?;
    let (name, id) = path.into_inner();
    let id = crate::params::path_id(&id)?;
    let settings = state.settings.clone();
    let note = state
        .db
        .read(move |conn| {
            let view = views::status_for(conn, Some(signer.id), id)?
                .filter(|v| v.account.is_local() && v.account.username.eq_ignore_ascii_case(&name) && v.reblog.is_none() && !v.status.local_only)
                .ok_or(AppError::NotFound)?;
            outbox::note_of(conn, &settings, &view)
        })
        .await?;
    Ok(activity_json(with_context(note)))
}

/// The pinned statuses the signer may see, as Notes in one ordered collection (Mastodon's `featured`).
async fn featured(req: HttpRequest, state: web::Data<AppState>, name: web::Path<String>) -> AppResult<HttpResponse> {
    let signer = inbound::signer(&state, &req, None).await?;
    let (name, settings) = (name.into_inner(), state.settings.clone());
    let body = state
        .db
        .read(move |conn| {
            let account = accounts::local_by_username(conn, &name)?;
            let query = accounts::StatusesQuery { pinned: true, ..Default::default() };
            let page = crate::db::Page { limit: crate::service::statuses::MAX_PINNED, ..Default::default() };
            let rows = accounts::statuses_of(conn, Some(&signer), account.id, &query, &page)?;
            let mut notes = Vec::new();
            for view in views::hydrate(conn, Some(signer.id), rows)?.iter().filter(|v| shown_to_peers(v)) {
                notes.push(serde_json::to_value(outbox::note_of(conn, &settings, view)?).map_err(|e| AppError::Internal(e.to_string()))?);
            }
            Ok(json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{}/collections/featured", account.uri),
                "type": "OrderedCollection",
                "totalItems": notes.len(),
                "orderedItems": notes
            }))
        })
        .await?;
    Ok(activity_json(body))
}

/// The authorization of an accepted quote of a local status (FEP-044f), to a signed request from an allowed
/// peer whose signer may see the quoted status.
async fn quote_authorization(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, String)>) -> AppResult<HttpResponse> {
    let signer = inbound::signer(&state, &req, None).await?;
    let (name, id) = path.into_inner();
    let id = crate::params::path_id::<i64>(&id)?;
    let (quote, quoting, author) = state.db.read(move |conn| crate::service::quotes::authorization(conn, Some(signer.id), &name, id)).await?;
    let mut document = outbox::quote_authorization(&quote, &quoting.uri, &author);
    document["@context"] = crate::apub::objects::context();
    Ok(activity_json(document))
}

/// What a collection lists of a status to a peer: an open one that is not division-only.
fn shown_to_peers(view: &views::StatusView) -> bool {
    view.status.visibility.is_open() && !view.status.local_only
}

#[derive(Deserialize)]
struct CollectionQuery {
    #[serde(default)]
    page: Option<String>,
    #[serde(default, deserialize_with = "crate::params::flex::i64_opt")]
    max_id: Option<i64>,
}

const COLLECTION_PAGE_SIZE: i64 = 40;

/// An account's followers, following or outbox: the collection with its count, or one page of it
/// (`?page=true`, then `&max_id=` from `next`). The outbox holds only what the signer may see.
async fn collection(req: HttpRequest, state: web::Data<AppState>, name: String, which: Counted, query: CollectionQuery) -> AppResult<HttpResponse> {
    let signer = inbound::signer(&state, &req, None).await?;
    let settings = state.settings.clone();
    let body = state
        .db
        .read(move |conn| {
            let account = accounts::local_by_username(conn, &name)?;
            let id = format!("{}/{}", account.uri, which.path());
            let hidden = account.profile.hide_collections && !matches!(which, Counted::Statuses);
            if hidden {
                return Ok(json!({
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": id,
                    "type": "OrderedCollection",
                    "totalItems": which.total(&account).max(0)
                }));
            }
            if query.page.is_none() && query.max_id.is_none() {
                return Ok(json!({
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": id,
                    "type": "OrderedCollection",
                    "totalItems": which.total(&account).max(0),
                    "first": format!("{id}?page=true")
                }));
            }
            let page = crate::db::Page { max_id: query.max_id, limit: COLLECTION_PAGE_SIZE, ..Default::default() };
            let (items, last_paging_id) = collection_items(conn, &settings, &signer, &account, &which, &page)?;
            let mut body = json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{id}?page=true{}", query.max_id.map(|m| format!("&max_id={m}")).unwrap_or_default()),
                "type": "OrderedCollectionPage",
                "partOf": id,
                "totalItems": which.total(&account).max(0),
                "orderedItems": items,
            });
            if let Some(last) = last_paging_id.filter(|_| body["orderedItems"].as_array().is_some_and(|i| i.len() as i64 == COLLECTION_PAGE_SIZE)) {
                body["next"] = json!(format!("{id}?page=true&max_id={last}"));
            }
            Ok(body)
        })
        .await?;
    Ok(activity_json(body))
}

/// One page of a collection's items, with the paging id of the last one.
fn collection_items(
    conn: &mut crate::db::DbConn,
    settings: &crate::config::Settings,
    signer: &crate::db::models::Account,
    account: &crate::db::models::Account,
    which: &Counted,
    page: &crate::db::Page,
) -> AppResult<(Vec<serde_json::Value>, Option<i64>)> {
    match which {
        Counted::Followers | Counted::Following => {
            let listed = match which {
                Counted::Followers => crate::service::follows::followers(conn, account.id, page)?,
                _ => crate::service::follows::following(conn, account.id, page)?,
            };
            let last = listed.last().map(|(paging_id, _)| *paging_id);
            Ok((listed.into_iter().map(|(_, a)| json!(a.uri)).collect(), last))
        }
        Counted::Statuses => {
            let query = accounts::StatusesQuery { exclude_reblogs: true, ..Default::default() };
            let rows = accounts::statuses_of(conn, Some(signer), account.id, &query, page)?;
            let last = rows.last().map(|s| s.id.0);
            let viewed = views::hydrate(conn, Some(signer.id), rows)?;
            let mut items = Vec::new();
            for view in viewed.iter().filter(|v| shown_to_peers(v)) {
                let create = crate::apub::activities::Create::new(outbox::note_of(conn, settings, view)?);
                items.push(serde_json::to_value(create).map_err(|e| AppError::Internal(e.to_string()))?);
            }
            Ok((items, last))
        }
    }
}

enum Counted {
    Followers,
    Following,
    Statuses,
}

impl Counted {
    fn path(&self) -> &'static str {
        match self {
            Counted::Followers => "followers",
            Counted::Following => "following",
            Counted::Statuses => "outbox",
        }
    }

    fn total(&self, account: &crate::db::models::Account) -> i32 {
        match self {
            Counted::Followers => account.followers_count,
            Counted::Following => account.following_count,
            Counted::Statuses => account.statuses_count,
        }
    }
}

async fn followers(req: HttpRequest, state: web::Data<AppState>, name: web::Path<String>, Query(query): Query<CollectionQuery>) -> AppResult<HttpResponse> {
    collection(req, state, name.into_inner(), Counted::Followers, query).await
}

async fn following(req: HttpRequest, state: web::Data<AppState>, name: web::Path<String>, Query(query): Query<CollectionQuery>) -> AppResult<HttpResponse> {
    collection(req, state, name.into_inner(), Counted::Following, query).await
}

async fn outbox(req: HttpRequest, state: web::Data<AppState>, name: web::Path<String>, Query(query): Query<CollectionQuery>) -> AppResult<HttpResponse> {
    collection(req, state, name.into_inner(), Counted::Statuses, query).await
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
