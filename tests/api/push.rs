//! Web Push: subscriptions stored per token with the instance's VAPID key, and notifications pushed to
//! them encrypted (RFC 8291) and signed (VAPID), as a browser's push service receives them.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::{aead, agreement, hkdf, signature};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::support::{Api, TestServer};

crate::on_both_backends!(push_subscriptions_are_kept_per_token, push_endpoints_must_be_public_https);
crate::on_both_backends!(configure = super::company_gateway; notifications_are_pushed_encrypted_and_signed, redirects_from_push_services_are_not_followed);

/// The stand-in push services of these tests listen on 127.0.0.1, as a company's own push gateway would.
fn company_gateway(settings: &mut hallway::config::Settings) {
    settings.push_gateways = vec!["127.0.0.1".into()];
}

/// Push services are on the internet: an endpoint inside the company (loopback, private, link-local,
/// unique-local, a bare intranet name) or over plain http is refused, so no client can make the server
/// post to an internal address.
async fn push_endpoints_must_be_public_https(server: TestServer) {
    let phone = server.login("ann").await;
    let keys = json!({"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", "auth": "tBHItJI5svbpez7KI4CCXg"});
    let (listening, connections) = counting_service();
    for endpoint in [
        format!("http://{listening}/push"),
        format!("https://{listening}/push"),
        "https://localhost/push".to_owned(),
        "https://10.1.2.3/push".to_owned(),
        "https://192.168.0.10/push".to_owned(),
        "https://169.254.169.254/latest/meta-data".to_owned(),
        "https://[::1]/push".to_owned(),
        "https://[fd12:3456::1]/push".to_owned(),
        "https://[::ffff:127.0.0.1]/push".to_owned(),
        "https://intranet/push".to_owned(),
        "http://push.example/send".to_owned(),
        "ftp://push.example/send".to_owned(),
    ] {
        let refused = phone.post_json("/api/v1/push/subscription", &json!({"subscription": {"endpoint": endpoint, "keys": keys}})).await;
        assert_eq!(refused.status, 422, "{endpoint}: {}", refused.body);
        assert!(refused.error().contains("Endpoint"), "{endpoint}: {}", refused.body);
    }
    let public = phone.post_json("/api/v1/push/subscription", &json!({"subscription": {"endpoint": "https://push.example/send/abc", "keys": keys}})).await;
    assert_eq!(public.status, 200, "{}", public.body);
    let bob = server.login("bob").await;
    bob.toot("@ann are you there?", json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 0);
}

/// A push service that answers with a redirect to an internal address is not followed there.
async fn redirects_from_push_services_are_not_followed(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let (internal, connections) = counting_service();
    let redirecting = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let redirecting_at = redirecting.local_addr().unwrap();
    let (asked, mut was_asked) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = redirecting.accept().await {
            let mut buffer = [0u8; 8192];
            let _ = socket.read(&mut buffer).await;
            let reply = format!("HTTP/1.1 307 Temporary Redirect\r\nLocation: http://{internal}/steal\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = socket.write_all(reply.as_bytes()).await;
            let _ = asked.send(());
        }
    });
    let rng = ring::rand::SystemRandom::new();
    let private = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng).unwrap();
    let public = private.compute_public_key().unwrap().as_ref().to_vec();
    subscribe(&ann, &format!("http://{redirecting_at}/push"), &public, b"sixteen byte key", json!({"mention": true}), false, true).await;
    bob.toot("@ann ping", json!({})).await;
    tokio::time::timeout(Duration::from_secs(5), was_asked.recv()).await.expect("the push service is asked").unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 0, "the redirect was followed");
}

/// A listener that only counts connections; answers its address.
fn counting_service() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.2:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = connections.clone();
    std::thread::spawn(move || {
        for _ in listener.incoming() {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    (address, connections)
}

async fn push_subscriptions_are_kept_per_token(server: TestServer) {
    let phone = server.login("ann").await;
    let laptop = server.token_for("ann", "read write follow push").await;
    assert_eq!(phone.get("/api/v1/push/subscription").await.status, 404);

    let created = phone
        .post_json(
            "/api/v1/push/subscription",
            &json!({
                "subscription": {"endpoint": "https://push.example/send/abc", "keys": {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", "auth": "tBHItJI5svbpez7KI4CCXg"}},
                "data": {"alerts": {"mention": true, "favourite": "1"}, "policy": "followed"}
            }),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.body["alerts"]["mention"], true);
    assert_eq!(created.body["alerts"]["favourite"], true);
    assert_eq!(created.body["alerts"]["follow"], false);
    assert_eq!(created.body["policy"], "followed");
    let server_key = created.str("server_key");
    assert_eq!(server_key.len(), 87, "an uncompressed P-256 point in base64url: {server_key}");
    let instance = server.anonymous().get("/api/v2/instance").await;
    assert_eq!(instance.body["configuration"]["vapid"]["public_key"], server_key.as_str());

    assert_eq!(laptop.get("/api/v1/push/subscription").await.status, 404, "subscriptions belong to one token");
    let updated = phone.put_json("/api/v1/push/subscription", &json!({"data": {"alerts": {"follow": true}}})).await;
    assert_eq!((updated.body["alerts"]["follow"].clone(), updated.body["alerts"]["mention"].clone()), (json!(true), json!(true)));
    let bad = phone.post_json("/api/v1/push/subscription", &json!({"subscription": {"endpoint": "not a url", "keys": {"p256dh": "x", "auth": "y"}}})).await;
    assert_eq!(bad.status, 422);
    assert_eq!(phone.delete("/api/v1/push/subscription").await.status, 200);
    assert_eq!(phone.get("/api/v1/push/subscription").await.status, 404);
    let reader = server.token_for("ann", "read").await;
    assert_eq!(reader.get("/api/v1/push/subscription").await.status, 403, "the push scope is needed");
}

/// One request a push service received.
struct Pushed {
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Pushed {
    fn header(&self, name: &str) -> &str {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).unwrap_or("")
    }
}

/// A stand-in push service on a local port: answers `status` to every request and hands them over.
async fn push_service(status: u16) -> (String, mpsc::UnboundedReceiver<Pushed>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut raw = Vec::new();
            let mut buffer = [0u8; 4096];
            let (head_end, length) = loop {
                let read = socket.read(&mut buffer).await.unwrap_or(0);
                if read == 0 {
                    break (0, 0);
                }
                raw.extend_from_slice(&buffer[..read]);
                if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&raw[..end]).to_lowercase();
                    let length = head.lines().find_map(|l| l.strip_prefix("content-length:")).map_or(0, |v| v.trim().parse().unwrap_or(0));
                    break (end + 4, length);
                }
            };
            while raw.len() < head_end + length {
                let read = socket.read(&mut buffer).await.unwrap_or(0);
                if read == 0 {
                    break;
                }
                raw.extend_from_slice(&buffer[..read]);
            }
            let head = String::from_utf8_lossy(&raw[..head_end.saturating_sub(4)]).to_string();
            let mut lines = head.lines();
            let path = lines.next().unwrap_or("").split(' ').nth(1).unwrap_or("").to_owned();
            let headers = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect();
            let _ = sender.send(Pushed { path, headers, body: raw[head_end..].to_vec() });
            let reply = format!("HTTP/1.1 {status} Whatever\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = socket.write_all(reply.as_bytes()).await;
        }
    });
    (base, receiver)
}

/// Subscribes with base64url keys, or (`padded_standard`) standard padded base64 as Mastodon.py sends them;
/// `rfc8291` asks for standard (aes128gcm) pushes, otherwise the older aesgcm ones come.
async fn subscribe(api: &Api, endpoint: &str, p256dh: &[u8], auth: &[u8], alerts: Value, padded_standard: bool, rfc8291: bool) {
    let encode = |bytes: &[u8]| {
        if padded_standard {
            base64::engine::general_purpose::STANDARD.encode(bytes)
        } else {
            URL_SAFE_NO_PAD.encode(bytes)
        }
    };
    let created = api
        .post_json(
            "/api/v1/push/subscription",
            &json!({"subscription": {"endpoint": endpoint, "keys": {"p256dh": encode(p256dh), "auth": encode(auth)}, "standard": rfc8291},
                    "data": {"alerts": alerts, "policy": "all"}}),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
}

struct Length(usize);

impl hkdf::KeyType for Length {
    fn len(&self) -> usize {
        self.0
    }
}

fn hkdf_sha256(salt: &[u8], input: &[u8], info: &[u8], length: usize) -> Vec<u8> {
    let info = [info];
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(input);
    let okm = prk.expand(&info, Length(length)).unwrap();
    let mut out = vec![0; length];
    okm.fill(&mut out).unwrap();
    out
}

/// What a browser does with a push (RFC 8291): the subscriber's private key and auth secret open it.
fn decrypt(body: &[u8], private: agreement::EphemeralPrivateKey, public: &[u8], auth: &[u8]) -> Value {
    let (salt, key_length) = (&body[..16], body[20] as usize);
    assert_eq!(u32::from_be_bytes(body[16..20].try_into().unwrap()), 4096);
    let server_key = &body[21..21 + key_length];
    let shared = agreement::agree_ephemeral(private, &agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, server_key), |s| s.to_vec()).unwrap();
    let input_key = hkdf_sha256(auth, &shared, &[b"WebPush: info\0".as_slice(), public, server_key].concat(), 32);
    let content_key = hkdf_sha256(salt, &input_key, b"Content-Encoding: aes128gcm\0", 16);
    let nonce = hkdf_sha256(salt, &input_key, b"Content-Encoding: nonce\0", 12);
    let key = aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_128_GCM, &content_key).unwrap());
    let mut record = body[21 + key_length..].to_vec();
    let plain = key.open_in_place(aead::Nonce::try_assume_unique_for_key(&nonce).unwrap(), aead::Aad::empty(), &mut record).unwrap();
    assert_eq!(plain.last(), Some(&2), "the last record's delimiter");
    serde_json::from_slice(&plain[..plain.len() - 1]).unwrap()
}

async fn notifications_are_pushed_encrypted_and_signed(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let (service, mut received) = push_service(201).await;
    let rng = ring::rand::SystemRandom::new();
    let private = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng).unwrap();
    let public = private.compute_public_key().unwrap().as_ref().to_vec();
    let auth = b"sixteen byte key".to_vec();
    subscribe(&ann, &format!("{service}/push/ann-phone"), &public, &auth, json!({"mention": true, "favourite": false}), false, true).await;

    let liked = ann.toot("nothing to push for favourites", json!({})).await.id();
    bob.post(&format!("/api/v1/statuses/{liked}/favourite")).await;
    bob.toot("@ann the build is green", json!({})).await;
    let pushed = tokio::time::timeout(Duration::from_secs(5), received.recv()).await.expect("a push").unwrap();
    assert_eq!(pushed.path, "/push/ann-phone");
    assert_eq!(pushed.header("content-encoding"), "aes128gcm");
    assert_eq!(pushed.header("ttl"), "172800");

    // VAPID: a JWT for the push service's origin, signed by the key clients were given.
    let server_key = ann.get("/api/v1/push/subscription").await.str("server_key");
    let authorization = pushed.header("authorization");
    let (token, key) = authorization.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
    assert_eq!(key, server_key);
    let (signed, signature_part) = token.rsplit_once('.').unwrap();
    let vapid = signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, URL_SAFE_NO_PAD.decode(key).unwrap());
    vapid.verify(signed.as_bytes(), &URL_SAFE_NO_PAD.decode(signature_part).unwrap()).expect("a valid VAPID signature");
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(signed.split('.').nth(1).unwrap()).unwrap()).unwrap();
    assert_eq!(claims["aud"], service.as_str());

    let message = decrypt(&pushed.body, private, &public, &auth);
    assert_eq!(message["notification_type"], "mention", "the favourite was not pushed: {message}");
    assert_eq!(message["title"], "bob mentioned you");
    assert_eq!(message["body"], "@ann the build is green");
    let listed = ann.get("/api/v1/notifications?types[]=mention").await;
    assert_eq!(message["notification_id"], listed.array()[0]["id"]);
    assert!(tokio::time::timeout(Duration::from_millis(300), received.recv()).await.is_err(), "one push only");

    // A push service that says the subscription is gone removes it.
    let (gone, mut gone_received) = push_service(410).await;
    let tablet = server.token_for("ann", "read write follow push").await;
    // Keys with '+', '/' and padding are what Mastodon.py sends.
    let awkward_auth = [0xfbu8, 0xff, 0xbf, 0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf, 0xfb];
    assert!(base64::engine::general_purpose::STANDARD.encode(awkward_auth).contains('+'));
    subscribe(&tablet, &format!("{gone}/push/old"), &public, &awkward_auth, json!({"mention": true}), true, true).await;
    bob.toot("@ann are you there?", json!({})).await;
    tokio::time::timeout(Duration::from_secs(5), gone_received.recv()).await.expect("a push to the old subscription");
    let mut removed = false;
    for _ in 0..50 {
        if tablet.get("/api/v1/push/subscription").await.status == 404 {
            removed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(removed, "a 410 removes the subscription");

    // A subscription without `standard` gets what Mastodon 4.3 sends: aesgcm, with its keys in headers.
    let (legacy_service, mut legacy_received) = push_service(201).await;
    let watch = server.token_for("ann", "read write follow push").await;
    let private = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng).unwrap();
    let public = private.compute_public_key().unwrap().as_ref().to_vec();
    subscribe(&watch, &format!("{legacy_service}/push/watch"), &public, &auth, json!({"mention": true}), false, false).await;
    bob.toot("@ann lunch?", json!({})).await;
    let pushed = tokio::time::timeout(Duration::from_secs(5), legacy_received.recv()).await.expect("a legacy push").unwrap();
    assert_eq!(pushed.header("content-encoding"), "aesgcm");
    assert!(pushed.header("authorization").starts_with("WebPush "));
    let salt = URL_SAFE_NO_PAD.decode(pushed.header("encryption").strip_prefix("salt=").unwrap()).unwrap();
    let crypto_key = pushed.header("crypto-key");
    let dh = crypto_key.split(';').find_map(|part| part.strip_prefix("dh=")).unwrap();
    assert!(crypto_key.contains(&format!("p256ecdsa={server_key}")));
    let message = decrypt_legacy(&pushed.body, &salt, &URL_SAFE_NO_PAD.decode(dh).unwrap(), private, &public, &auth);
    assert_eq!(message["title"], "bob mentioned you");
    assert_eq!(message["body"], "@ann lunch?");
}

/// The older draft (aesgcm), as Mastodon.py's `push_subscription_decrypt_push` reads it.
fn decrypt_legacy(body: &[u8], salt: &[u8], server_key: &[u8], private: agreement::EphemeralPrivateKey, public: &[u8], auth: &[u8]) -> Value {
    let shared = agreement::agree_ephemeral(private, &agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, server_key), |s| s.to_vec()).unwrap();
    let input_key = hkdf_sha256(auth, &shared, b"Content-Encoding: auth\0", 32);
    let length = |key: &[u8]| (key.len() as u16).to_be_bytes();
    let context = [b"P-256\0".as_slice(), &length(public), public, &length(server_key), server_key].concat();
    let content_key = hkdf_sha256(salt, &input_key, &[b"Content-Encoding: aesgcm\0".as_slice(), &context].concat(), 16);
    let nonce = hkdf_sha256(salt, &input_key, &[b"Content-Encoding: nonce\0".as_slice(), &context].concat(), 12);
    let key = aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_128_GCM, &content_key).unwrap());
    let mut record = body.to_vec();
    let plain = key.open_in_place(aead::Nonce::try_assume_unique_for_key(&nonce).unwrap(), aead::Aad::empty(), &mut record).unwrap();
    let padding = u16::from_be_bytes([plain[0], plain[1]]) as usize;
    serde_json::from_slice(&plain[2 + padding..]).unwrap()
}
