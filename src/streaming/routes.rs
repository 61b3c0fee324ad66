//! `/api/v1/streaming`: the WebSocket endpoint (with subscribe/unsubscribe) and the SSE endpoints.

use std::time::Duration;

use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::{Message, StreamEvent, StreamFilters, Subscription};
use crate::api::auth::Auth;
use crate::params::{flex, Query};
use crate::db::models::Account;
use crate::db::Database;
use crate::error::{AppError, AppResult};
use crate::service::auth::{self as auth_rules, Scopes};
use crate::state::AppState;

const HEARTBEAT: Duration = Duration::from_secs(15);

/// Mastodon's words for a stream name (or tag, or list) it does not serve.
const UNKNOWN_STREAM: &str = "Unknown stream type";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1/streaming")
            .route("", web::get().to(websocket))
            .route("/health", web::get().to(health))
            .route("/{stream:.*}", web::get().to(server_sent_events)),
    );
}

async fn health() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("OK")
}

#[derive(Deserialize, Default)]
pub struct StreamQuery {
    #[serde(default)]
    stream: Option<String>,
    #[serde(default)]
    tag: Option<String>,
    #[serde(default)]
    list: Option<String>,
    /// The public streams over SSE: statuses with attachments only (`public:media` and the like).
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    only_media: bool,
}

/// The signed-in account a stream is for: the token comes in the Authorization header, the
/// `access_token` query parameter, or (browsers' WebSockets) the Sec-WebSocket-Protocol header.
/// A signed-in reader of streams, with the scopes its token grants.
struct Reader {
    account: Account,
    scopes: Scopes,
}

/// The reader of a stream; with `access.require_login` there must be one, signed in.
async fn streaming_reader(req: &HttpRequest, state: &AppState, auth: &Auth) -> AppResult<Option<Reader>> {
    let session = match (auth.session(), protocol_token(req)) {
        (Ok(session), _) => Some(session.clone()),
        (Err(_), Some(token)) => Some(state.db.read_cached(move |reader| auth_rules::session_for_token(reader, &token)).await?),
        (Err(_), None) => None,
    };
    if let Some(session) = &session {
        if !["read:statuses", "read:notifications"].iter().any(|s| session.scopes.allows(s)) {
            return Err(AppError::OutOfScope);
        }
    }
    let reader = session.and_then(|session| session.user.map(|(_, account)| Reader { account, scopes: session.scopes }));
    if reader.is_none() && state.settings.require_login {
        return Err(AppError::LoginRequired);
    }
    Ok(reader)
}

fn protocol_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get("sec-websocket-protocol")?.to_str().ok()?;
    value.split(',').map(str::trim).find(|t| !t.is_empty()).map(str::to_owned)
}

/// A stream the reader may open: `user` needs `read:statuses`, `user:notification` `read:notifications`,
/// `list` `read:lists` and a list of the reader's own.
async fn subscription(db: &Database, name: &str, tag: Option<&str>, list: Option<&str>, reader: Option<&Reader>) -> AppResult<Subscription> {
    let needed = match name {
        "user" => Some("read:statuses"),
        "user:notification" => Some("read:notifications"),
        "direct" => Some("read:statuses"),
        "list" => Some("read:lists"),
        _ => None,
    };
    if let Some(scope) = needed {
        let reader = reader.ok_or(AppError::InvalidToken)?;
        if !reader.scopes.allows(scope) {
            return Err(AppError::OutOfScope);
        }
    }
    let subscribed = Subscription::parse(name, tag, list, reader.map(|r| r.account.id)).ok_or_else(|| AppError::bad_request(UNKNOWN_STREAM))?;
    if let (Subscription::List(list_id), Some(reader)) = (&subscribed, reader) {
        let (owner, list_id) = (reader.account.id, *list_id);
        db.read(move |conn| crate::db::queries::lists::find(conn, owner, list_id)).await?.ok_or(AppError::NotFound)?;
    }
    Ok(subscribed)
}

async fn server_sent_events(req: HttpRequest, state: web::Data<AppState>, auth: Auth, name: web::Path<String>, Query(query): Query<StreamQuery>) -> AppResult<HttpResponse> {
    let reader = streaming_reader(&req, &state, &auth).await?;
    let mut name = name.replace('/', ":");
    if query.only_media && name.starts_with("public") {
        name.push_str(":media");
    }
    let subscribed = subscription(&state.db, &name, query.tag.as_deref(), query.list.as_deref(), reader.as_ref()).await?;
    let receiver = state.hub.subscribe();
    let filters = StreamFilters::load(&state.db, reader.as_ref().map(|r| r.account.id)).await;
    let db = state.db.clone();
    let open = crate::telemetry::OpenStream::new("sse");
    let events = futures_util::stream::unfold((receiver, subscribed, filters), move |(mut receiver, subscribed, mut filters)| {
        // Counted while the client listens: the stream, and this closure with it, goes when it disconnects.
        let _open = &open;
        let db = db.clone();
        async move {
            loop {
                let message = match tokio::time::timeout(HEARTBEAT, receiver.recv()).await {
                    Err(_) => return Some((Ok::<_, actix_web::Error>(web::Bytes::from_static(b":thump\n\n")), (receiver, subscribed, filters))),
                    Ok(Err(RecvError::Lagged(_))) => continue,
                    Ok(Err(RecvError::Closed)) => return None,
                    Ok(Ok(message)) => message,
                };
                filters.observe(&db, &message).await;
                if !subscribed.wants(&message) {
                    continue;
                }
                let Some(payload) = filters.payload(&subscribed, &message) else { continue };
                let chunk = format!("event: {}\ndata: {}\n\n", message.event.as_str(), sse_data(&message, &payload));
                return Some((Ok(web::Bytes::from(chunk)), (receiver, subscribed, filters)));
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(futures_util::stream::once(async { Ok(web::Bytes::from_static(b":)\n\n")) }).chain(events)))
}

#[derive(Deserialize)]
struct ClientMessage {
    #[serde(rename = "type")]
    kind: String,
    stream: String,
    #[serde(default, deserialize_with = "flex::string_opt")]
    tag: Option<String>,
    /// Clients send the list id as a string or a number.
    #[serde(default, deserialize_with = "flex::string_opt")]
    list: Option<String>,
}

async fn websocket(req: HttpRequest, body: web::Payload, state: web::Data<AppState>, auth: Auth, Query(query): Query<StreamQuery>) -> AppResult<HttpResponse> {
    let reader = streaming_reader(&req, &state, &auth).await?;
    let mut subscriptions = Vec::new();
    if let Some(name) = query.stream.as_deref() {
        subscriptions.push(subscription(&state.db, name, query.tag.as_deref(), query.list.as_deref(), reader.as_ref()).await?);
    }
    let (mut response, mut session, mut incoming) =
        actix_ws::handle(&req, body).map_err(|e| AppError::bad_request(format!("not a WebSocket request: {e}")))?;
    if let Some(protocol) = protocol_token(&req) {
        if let Ok(value) = protocol.parse() {
            response.headers_mut().insert(actix_web::http::header::SEC_WEBSOCKET_PROTOCOL, value);
        }
    }
    let mut receiver = state.hub.subscribe();
    let mut filters = StreamFilters::load(&state.db, reader.as_ref().map(|r| r.account.id)).await;
    let db = state.db.clone();
    actix_web::rt::spawn(async move {
        let _open = crate::telemetry::OpenStream::new("websocket");
        let mut heartbeat = tokio::time::interval(HEARTBEAT);
        loop {
            tokio::select! {
                message = receiver.recv() => match message {
                    Ok(message) => {
                        filters.observe(&db, &message).await;
                        for subscribed in subscriptions.iter().filter(|s| s.wants(&message)) {
                            let Some(payload) = filters.payload(subscribed, &message) else { continue };
                            if session.text(frame(subscribed, &message, &payload)).await.is_err() {
                                return;
                            }
                        }
                    }
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => break,
                },
                incoming_message = incoming.next() => match incoming_message {
                    Some(Ok(actix_ws::Message::Text(text))) => {
                        let Ok(request) = serde_json::from_str::<ClientMessage>(&text) else {
                            if session.text(error_frame(&AppError::bad_request("Error parsing JSON"))).await.is_err() {
                                return;
                            }
                            continue;
                        };
                        let wanted = subscription(&db, &request.stream, request.tag.as_deref(), request.list.as_deref(), reader.as_ref()).await;
                        let wanted = match wanted {
                            Ok(wanted) => wanted,
                            Err(error) => {
                                if session.text(error_frame(&error)).await.is_err() {
                                    return;
                                }
                                continue;
                            }
                        };
                        match request.kind.as_str() {
                            "subscribe" if !subscriptions.contains(&wanted) => subscriptions.push(wanted),
                            "unsubscribe" => subscriptions.retain(|s| *s != wanted),
                            _ => {}
                        }
                    }
                    Some(Ok(actix_ws::Message::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() {
                            return;
                        }
                    }
                    Some(Ok(actix_ws::Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                },
                _ = heartbeat.tick() => {
                    if session.ping(b"").await.is_err() {
                        return;
                    }
                }
            }
        }
        let _ = session.close(None).await;
    });
    Ok(response)
}

/// A WebSocket message; events without a payload (`filters_changed`) have no `payload` key, as Mastodon's.
fn frame(subscribed: &Subscription, message: &Message, payload: &str) -> String {
    let mut frame = serde_json::json!({ "stream": subscribed.names(), "event": message.event.as_str() });
    if !payload.is_empty() {
        frame["payload"] = payload.into();
    }
    frame.to_string()
}

/// What Mastodon's streaming server sends on a WebSocket when a request fails: the error and its status.
fn error_frame(error: &AppError) -> String {
    use actix_web::ResponseError;
    serde_json::json!({ "error": error.to_string(), "status": error.status_code().as_u16() }).to_string()
}

/// Server-sent events carry "undefined" where there is no payload, as Mastodon's do.
fn sse_data<'a>(message: &Message, payload: &'a str) -> &'a str {
    if payload.is_empty() && message.event == StreamEvent::FiltersChanged {
        "undefined"
    } else {
        payload
    }
}
