//! Live streams: WebSocket and SSE, each event reaching the streams it belongs to.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::support::{Api, TestServer};

crate::on_both_backends!(
    websocket_streams_carry_updates_notifications_and_deletes,
    sse_streams_follow_their_subscription,
    list_streams_carry_their_members_statuses,
    unknown_streams_are_answered_with_an_error,
);

pub(crate) type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(crate) async fn connect(server: &TestServer, query: &str, protocol_token: Option<&str>) -> Socket {
    let url = format!("{}/api/v1/streaming?{query}", server.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    if let Some(token) = protocol_token {
        request.headers_mut().insert("Sec-WebSocket-Protocol", token.parse().unwrap());
    }
    let (socket, response) = tokio_tungstenite::connect_async(request).await.expect("websocket");
    if let Some(token) = protocol_token {
        assert_eq!(response.headers()["sec-websocket-protocol"], token);
    }
    socket
}

/// The next message of an event kind ("" for any), within two seconds (the stream must be prompt).
pub(crate) async fn next_event(socket: &mut Socket, event: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next()).await.unwrap_or_else(|_| panic!("no {event} event"));
        if let Some(Ok(WsMessage::Text(text))) = message {
            let frame: Value = serde_json::from_str(&text).unwrap();
            if event.is_empty() || frame["event"] == event {
                return frame;
            }
        }
    }
}

pub(crate) fn token(api: &Api) -> String {
    api.token.clone().unwrap()
}

async fn websocket_streams_carry_updates_notifications_and_deletes(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let bob_id = bob.me().await.id();
    assert_eq!(ann.post(&format!("/api/v1/accounts/{bob_id}/follow")).await.status, 200);

    let mut home = connect(&server, &format!("stream=user&access_token={}", token(&ann)), None).await;
    let mut public = connect(&server, "stream=public", None).await;
    let mut by_protocol = connect(&server, "", Some(&token(&bob))).await;
    by_protocol.send(WsMessage::Text(json!({"type": "subscribe", "stream": "hashtag", "tag": "LrnChat"}).to_string().into())).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let posted = bob.toot("Today's #lrnchat question: what did you learn this week?", json!({})).await;
    let update = next_event(&mut home, "update").await;
    assert_eq!(update["stream"], json!(["user"]));
    let status: Value = serde_json::from_str(update["payload"].as_str().unwrap()).unwrap();
    assert_eq!(status["id"], posted.body["id"]);
    assert_eq!(status["account"]["username"], "bob");
    let on_public = next_event(&mut public, "update").await;
    assert_eq!(on_public["stream"], json!(["public"]));
    let on_tag = next_event(&mut by_protocol, "update").await;
    assert_eq!(on_tag["stream"], json!(["hashtag", "lrnchat"]));

    assert_eq!(bob.post(&format!("/api/v1/accounts/{}/follow", ann.me().await.id())).await.status, 200);
    let mut bob_home = connect(&server, &format!("stream=user&access_token={}", token(&bob)), None).await;
    assert_eq!(ann.post(&format!("/api/v1/statuses/{}/favourite", posted.id())).await.status, 200);
    let notification = next_event(&mut bob_home, "notification").await;
    let payload: Value = serde_json::from_str(notification["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["type"], "favourite");
    assert_eq!(payload["account"]["username"], "ann");

    let edited = bob.put_json(&format!("/api/v1/statuses/{}", posted.id()), &json!({"status": "edited #lrnchat question"})).await;
    assert_eq!(edited.status, 200);
    let status_update = next_event(&mut home, "status.update").await;
    assert!(status_update["payload"].as_str().unwrap().contains("edited"));

    assert_eq!(bob.delete(&format!("/api/v1/statuses/{}", posted.id())).await.status, 200);
    let deleted = next_event(&mut home, "delete").await;
    assert_eq!(deleted["payload"], posted.body["id"]);

    let private = bob.toot("followers only", json!({"visibility": "private"})).await;
    let private_home = next_event(&mut home, "update").await;
    assert!(private_home["payload"].as_str().unwrap().contains(&private.id()));
    let nothing_public = tokio::time::timeout(Duration::from_millis(300), next_event(&mut public, "update")).await;
    assert!(nothing_public.is_err(), "a followers-only post must not reach the public stream");
}

async fn sse_streams_follow_their_subscription(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let health = server.anonymous().get("/api/v1/streaming/health").await;
    assert_eq!((health.status, health.text.as_str()), (200, "OK"));
    assert_eq!(server.anonymous().get("/api/v1/streaming/user").await.status, 401);

    let mut response = reqwest::Client::new()
        .get(format!("{}/api/v1/streaming/user/notification", server.base))
        .bearer_auth(token(&ann))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let ann_id = ann.me().await.id();
    bob.toot("a post that is not for the notification stream", json!({})).await;
    assert_eq!(bob.post(&format!("/api/v1/accounts/{ann_id}/follow")).await.status, 200);
    let mut received = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while !received.contains("event: notification") {
        let chunk = tokio::time::timeout_at(deadline, response.chunk()).await.expect("a notification event").unwrap().unwrap();
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(!received.contains("event: update"), "{received}");
    let data = received.lines().skip_while(|l| *l != "event: notification").nth(1).unwrap();
    let payload: Value = serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
    assert_eq!(payload["type"], "follow");
}

async fn list_streams_carry_their_members_statuses(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let cat = server.login("cat").await;
    let (bob_id, cat_id) = (bob.me().await.id(), cat.me().await.id());
    ann.post(&format!("/api/v1/accounts/{bob_id}/follow")).await;
    ann.post(&format!("/api/v1/accounts/{cat_id}/follow")).await;
    let list = ann.post_json("/api/v1/lists", &json!({"title": "Team", "replies_policy": "list"})).await.id();
    ann.post_form(&format!("/api/v1/lists/{list}/accounts"), &[("account_ids[]", &bob_id)]).await;

    let mut by_query = connect(&server, &format!("stream=list&list={list}&access_token={}", token(&ann)), None).await;
    let mut by_message = connect(&server, &format!("access_token={}", token(&ann)), None).await;
    by_message.send(WsMessage::Text(json!({"type": "subscribe", "stream": "list", "list": list.parse::<i64>().unwrap()}).to_string().into())).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    cat.toot("cat is not on the list", json!({})).await;
    let reply_to_cat = bob.toot("@cat a reply to someone off the list", json!({"in_reply_to_id": cat.toot("cat again", json!({})).await.id()})).await;
    let from_bob = bob.toot("bob is on the list", json!({})).await.id();
    for socket in [&mut by_query, &mut by_message] {
        let update = next_event(socket, "update").await;
        assert_eq!(update["stream"], json!(["list", list]));
        let status: Value = serde_json::from_str(update["payload"].as_str().unwrap()).unwrap();
        assert_eq!(status["id"], json!(from_bob), "only the member's own post, not {reply_to_cat:?}");
    }

    // Another user's list is not theirs to stream.
    let stranger = reqwest::Client::new()
        .get(format!("{}/api/v1/streaming/list?list={list}", server.base))
        .bearer_auth(token(&cat))
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), 404);
}

/// Two processes of one instance on one PostgreSQL database: a post written through one reaches the
/// streams open on the other (LISTEN/NOTIFY).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_span_processes_sharing_postgres() {
    crate::support::run(crate::support::Backend::Postgres, |first| async move {
        let second = first.start_sharing().await;
        let ann = first.login("ann").await;
        let bob = first.login("bob").await;
        let bob_id = bob.me().await.id();
        ann.post(&format!("/api/v1/accounts/{bob_id}/follow")).await;
        let mut on_second = connect(&second, &format!("stream=user&access_token={}", token(&ann)), None).await;
        tokio::time::sleep(Duration::from_millis(100)).await;

        let posted = bob.toot("written through the first process", json!({})).await;
        let update = next_event(&mut on_second, "update").await;
        let status: Value = serde_json::from_str(update["payload"].as_str().unwrap()).unwrap();
        assert_eq!(status["id"], posted.body["id"]);

        let mut bob_on_first = connect(&first, &format!("stream=user:notification&access_token={}", token(&bob)), None).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        let ann_via_second = crate::support::Api { base: second.base.clone(), ..ann.clone() };
        ann_via_second.post(&format!("/api/v1/statuses/{}/favourite", posted.id())).await;
        let notification = next_event(&mut bob_on_first, "notification").await;
        assert!(notification["payload"].as_str().unwrap().contains("favourite"));
    })
    .await
}

/// Whether a stream gets an `update` within a short wait.
async fn gets_update(socket: &mut Socket) -> Option<Value> {
    tokio::time::timeout(Duration::from_millis(500), next_event(socket, "update")).await.ok()
}

/// Every public stream name Mastodon has, over WebSocket and SSE: local, remote and media-only ones.
#[tokio::test]
async fn public_streams_by_origin_and_media() {
    let (sales, eng) = crate::federation::two_instances(crate::support::Backend::Sqlite).await;
    let ann = sales.login("ann").await;
    let bob = eng.login("bob").await;
    crate::federation::follow_remote(&ann, "bob", &eng.settings.domain).await;
    let names = ["public", "public:media", "public:local", "public:local:media", "public:remote", "public:remote:media"];
    let mut sockets = Vec::new();
    for name in names {
        sockets.push(connect(&sales, &format!("stream={name}&access_token={}", token(&ann)), None).await);
    }
    let mut local_media_sse = reqwest::Client::new()
        .get(format!("{}/api/v1/streaming/public/local?only_media=true", sales.base))
        .bearer_auth(token(&ann))
        .send()
        .await
        .unwrap();
    assert_eq!(local_media_sse.status(), 200);
    tokio::time::sleep(Duration::from_millis(100)).await;

    let form = crate::media::file_form(crate::media::png(8, 8), "pic.png");
    let picture = crate::media::upload(&ann, form).await.id();
    ann.toot("a local picture", json!({"media_ids": [picture]})).await;
    let expected = [true, true, true, true, false, false];
    for ((socket, name), wanted) in sockets.iter_mut().zip(names).zip(expected) {
        let got = gets_update(socket).await;
        assert_eq!(got.is_some(), wanted, "{name} and a local status with media");
        if let Some(frame) = got {
            assert_eq!(frame["stream"], json!([name]));
        }
    }
    ann.toot("local words only", json!({})).await;
    let expected = [true, false, true, false, false, false];
    for ((socket, name), wanted) in sockets.iter_mut().zip(names).zip(expected) {
        assert_eq!(gets_update(socket).await.is_some(), wanted, "{name} and a local status without media");
    }
    let mut received = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while !received.contains("a local picture") {
        let chunk = tokio::time::timeout_at(deadline, local_media_sse.chunk()).await.expect("an update over SSE").unwrap().unwrap();
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(!received.contains("local words only"), "{received}");

    bob.toot("words from engineering", json!({})).await;
    let expected = [true, false, false, false, true, false];
    for ((socket, name), wanted) in sockets.iter_mut().zip(names).zip(expected) {
        let deadline = if wanted { Duration::from_secs(5) } else { Duration::from_millis(500) };
        let got = tokio::time::timeout(deadline, next_event(socket, "update")).await.ok();
        assert_eq!(got.is_some(), wanted, "{name} and a remote status");
    }
}

/// Mastodon answers a subscription it cannot serve with an error message on the socket, not silence.
async fn unknown_streams_are_answered_with_an_error(server: TestServer) {
    let ann = server.login("ann").await;
    let mut socket = connect(&server, &format!("access_token={}", token(&ann)), None).await;
    for (request, error, status) in [
        (json!({"type": "subscribe", "stream": "publik"}), "Unknown stream type", 400),
        (json!({"type": "subscribe", "stream": "hashtag"}), "Unknown stream type", 400),
        (json!({"type": "subscribe", "stream": "list", "list": "424242"}), "Not Found", 404),
    ] {
        socket.send(WsMessage::Text(request.to_string().into())).await.unwrap();
        let frame = next_event(&mut socket, "").await;
        assert_eq!(frame, json!({"error": error, "status": status}), "{request}");
    }
    socket.send(WsMessage::Text("not json".into())).await.unwrap();
    assert_eq!(next_event(&mut socket, "").await["status"], 400);
    let sse = server.anonymous().get("/api/v1/streaming/publik").await;
    assert_eq!((sse.status, sse.error()), (400, "Unknown stream type".to_owned()));
}
