//! Web Push delivery of notifications (RFC 8030): each notification the hub renders goes to the push
//! subscriptions that want it, encrypted for the subscriber and signed for the push service with the
//! instance's VAPID key. As in Mastodon, a subscription made with `standard: true` gets RFC 8291
//! (aes128gcm, RFC 8292 `vapid` authorization); others get the older draft (aesgcm with `Encryption` and
//! `Crypto-Key` headers), which is what Mastodon 4.3 sends and clients such as Mastodon.py decrypt.
//! Best effort: one attempt; a subscription the push service says is gone (404, 410) is removed.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};
use ring::{aead, agreement, hkdf, signature};
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;

use crate::db::models::{PushSubscription, VapidKeys};
use crate::ids::AccountId;
use crate::service::markup;
use crate::service::push as push_rules;
use crate::streaming::StreamEvent;
use crate::state::AppState;

/// How long a push service keeps an undelivered message (Mastodon's: 48 hours).
const TTL_SECONDS: u64 = 48 * 3600;
const RECORD_SIZE: u32 = 4096;

/// Starts sending pushes for the notifications the hub renders.
pub fn spawn(state: AppState) {
    let client = PushClient::new(state.settings.push_gateways.clone(), &state.tls);
    let mut messages = state.hub.subscribe();
    tokio::spawn(async move {
        loop {
            let message = match messages.recv().await {
                Ok(message) => message,
                Err(RecvError::Lagged(missed)) => {
                    log::warn!("push: {missed} notifications went by unsent");
                    continue;
                }
                Err(RecvError::Closed) => return,
            };
            let (Some(recipient), StreamEvent::Notification) = (message.audience.notify, message.event) else { continue };
            let Ok(notification) = serde_json::from_str::<Value>(&message.payload) else { continue };
            if let Err(e) = push_notification(&state, &client, recipient, &notification).await {
                log::warn!("push: {e}");
            }
        }
    });
}

async fn push_notification(state: &AppState, client: &PushClient, recipient: AccountId, notification: &Value) -> Result<(), String> {
    let kind = notification["type"].as_str().unwrap_or_default().to_owned();
    let sender = AccountId(notification["account"]["id"].as_str().and_then(|id| id.parse().ok()).unwrap_or_default());
    let subscriptions =
        state.db.read(move |conn| push_rules::recipients(conn, recipient, &kind, sender)).await.map_err(|e| e.to_string())?;
    if subscriptions.is_empty() {
        return Ok(());
    }
    // A write: the keys are made on first use.
    let keys = state.db.write(|tx| push_rules::vapid_keys(tx)).await.map_err(|e| e.to_string())?;
    let payload = payload(notification).to_string();
    let subject = match state.settings.contact_email.as_str() {
        "" => state.settings.base_url(),
        email => format!("mailto:{email}"),
    };
    for subscription in subscriptions {
        match send(client, &keys, &subject, &subscription, payload.as_bytes()).await {
            Ok(status) if status == 404 || status == 410 => {
                let id = subscription.id;
                state.db.write(move |conn| push_rules::expired(conn, id)).await.map_err(|e| e.to_string())?;
            }
            Ok(status) if !(200..300).contains(&status) => log::info!("push: {} answered {status}", subscription.endpoint),
            Ok(_) => {}
            Err(e) => log::info!("push: {}: {e}", subscription.endpoint),
        }
    }
    Ok(())
}

/// The HTTP clients pushes leave through. Push services live outside the firewall, so an endpoint must be
/// https on a public address: the client for them resolves names itself and connects only to public
/// addresses (the addresses it checked are the ones it uses, so a name cannot change its answer in between).
/// The company's own push gateways (`push.gateways`) are reached as configured. Neither follows redirects.
pub struct PushClient {
    public: reqwest::Client,
    gateway: reqwest::Client,
    gateways: Vec<String>,
}

impl PushClient {
    pub fn new(gateways: Vec<String>, tls: &std::sync::Arc<rustls::ClientConfig>) -> PushClient {
        let builder = || {
            reqwest::Client::builder()
                .use_preconfigured_tls(rustls::ClientConfig::clone(tls))
                .timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
        };
        PushClient {
            public: builder().dns_resolver(std::sync::Arc::new(PublicAddressesOnly)).build().expect("an HTTP client"),
            gateway: builder().build().expect("an HTTP client"),
            gateways,
        }
    }

    fn for_endpoint(&self, endpoint: &str) -> Result<(url::Url, &reqwest::Client), String> {
        let (url, reach) = push_rules::check_endpoint(&self.gateways, endpoint)?;
        Ok((url, if reach == push_rules::Reach::Gateway { &self.gateway } else { &self.public }))
    }
}

/// Resolves names to their public addresses only, and fails for a name that has none.
struct PublicAddressesOnly;

impl reqwest::dns::Resolve for PublicAddressesOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let public: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.filter(|address| crate::net::is_public_address(address.ip())).collect();
            if public.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            let addresses: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addresses)
        })
    }
}

/// What Mastodon's web push carries: enough to show the notification, and its id to fetch it.
/// (Mastodon adds the subscription's access token; Hallway keeps only token hashes, so it is empty.)
fn payload(notification: &Value) -> Value {
    let account = &notification["account"];
    let name = account["display_name"].as_str().filter(|n| !n.is_empty()).or(account["username"].as_str()).unwrap_or("Someone");
    let title = match notification["type"].as_str().unwrap_or_default() {
        "mention" => format!("{name} mentioned you"),
        "status" => format!("{name} just posted"),
        "reblog" => format!("{name} boosted your post"),
        "follow" => format!("{name} followed you"),
        "follow_request" => format!("New follow request: {name}"),
        "favourite" => format!("{name} favourited your post"),
        "poll" => "A poll has ended".to_owned(),
        "update" => format!("{name} edited a post"),
        other => format!("{name}: {other}"),
    };
    let body: String = markup::plain_text(notification["status"]["content"].as_str().unwrap_or_default()).chars().take(140).collect();
    json!({
        "access_token": "",
        "preferred_locale": "en",
        "notification_id": notification["id"],
        "notification_type": notification["type"],
        "icon": account["avatar_static"],
        "title": title,
        "body": body,
    })
}

async fn send(client: &PushClient, keys: &VapidKeys, subject: &str, subscription: &PushSubscription, payload: &[u8]) -> Result<u16, String> {
    let (endpoint, client) = client.for_endpoint(&subscription.endpoint)?;
    let token = vapid_token(keys, &endpoint, subject)?;
    let request = client
        .post(endpoint)
        .header("Content-Type", "application/octet-stream")
        .header("TTL", TTL_SECONDS.to_string())
        .header("Urgency", "normal");
    let request = if subscription.standard {
        let body = encrypt(payload, &subscription.key_p256dh, &subscription.key_auth)?;
        request
            .header("Content-Encoding", "aes128gcm")
            .header("Authorization", format!("vapid t={token}, k={}", keys.public_key))
            .body(body)
    } else {
        let legacy = encrypt_legacy(payload, &subscription.key_p256dh, &subscription.key_auth)?;
        request
            .header("Content-Encoding", "aesgcm")
            .header("Encryption", format!("salt={}", URL_SAFE_NO_PAD.encode(legacy.salt)))
            .header("Crypto-Key", format!("dh={};p256ecdsa={}", URL_SAFE_NO_PAD.encode(&legacy.server_key), keys.public_key))
            .header("Authorization", format!("WebPush {token}"))
            .body(legacy.body)
    };
    let response = request.send().await.map_err(|e| e.to_string())?;
    Ok(response.status().as_u16())
}

struct Length(usize);

impl hkdf::KeyType for Length {
    fn len(&self) -> usize {
        self.0
    }
}

fn hkdf_sha256(salt: &[u8], input: &[u8], info: &[u8], length: usize) -> Result<Vec<u8>, String> {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(input);
    let info = [info];
    let okm = prk.expand(&info, Length(length)).map_err(|_| "HKDF expand".to_owned())?;
    let mut out = vec![0; length];
    okm.fill(&mut out).map_err(|_| "HKDF fill".to_owned())?;
    Ok(out)
}

fn decode_key(text: &str) -> Result<Vec<u8>, String> {
    push_rules::decode_key(text).ok_or_else(|| "a subscription key is not base64".to_owned())
}

/// An ephemeral ECDH agreement with a subscriber: the subscriber's key, ours, the shared secret, a salt.
struct Agreement {
    subscriber_key: Vec<u8>,
    auth_secret: Vec<u8>,
    server_key: Vec<u8>,
    shared: Vec<u8>,
    salt: [u8; 16],
}

fn agree(p256dh: &str, auth: &str) -> Result<Agreement, String> {
    let (subscriber_key, auth_secret) = (decode_key(p256dh)?, decode_key(auth)?);
    let rng = SystemRandom::new();
    let ephemeral = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng).map_err(|_| "ECDH key")?;
    let server_key = ephemeral.compute_public_key().map_err(|_| "ECDH public key")?.as_ref().to_vec();
    let shared = agreement::agree_ephemeral(ephemeral, &agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, &subscriber_key), |secret| {
        secret.to_vec()
    })
    .map_err(|_| "the subscription's p256dh key is not a P-256 point".to_owned())?;
    let mut salt = [0u8; 16];
    rng.fill(&mut salt).map_err(|_| "random salt")?;
    Ok(Agreement { subscriber_key, auth_secret, server_key, shared, salt })
}

fn seal(content_key: &[u8], nonce: &[u8], mut record: Vec<u8>) -> Result<Vec<u8>, String> {
    let key = aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_128_GCM, content_key).map_err(|_| "AES key")?);
    let nonce = aead::Nonce::try_assume_unique_for_key(nonce).map_err(|_| "nonce")?;
    key.seal_in_place_append_tag(nonce, aead::Aad::empty(), &mut record).map_err(|_| "encryption")?;
    Ok(record)
}

/// Encrypts a payload for one subscriber (RFC 8291): one aes128gcm record, keyed by an ephemeral ECDH
/// agreement with the subscriber's key and its auth secret.
pub fn encrypt(payload: &[u8], p256dh: &str, auth: &str) -> Result<Vec<u8>, String> {
    let Agreement { subscriber_key, auth_secret, server_key, shared, salt } = agree(p256dh, auth)?;
    let key_info = [b"WebPush: info\0".as_slice(), &subscriber_key, &server_key].concat();
    let input_key = hkdf_sha256(&auth_secret, &shared, &key_info, 32)?;
    let content_key = hkdf_sha256(&salt, &input_key, b"Content-Encoding: aes128gcm\0", 16)?;
    let nonce = hkdf_sha256(&salt, &input_key, b"Content-Encoding: nonce\0", 12)?;
    let record = seal(&content_key, &nonce, [payload, &[2u8]].concat())?;
    let mut body = Vec::with_capacity(16 + 4 + 1 + server_key.len() + record.len());
    body.extend_from_slice(&salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(server_key.len() as u8);
    body.extend_from_slice(&server_key);
    body.extend_from_slice(&record);
    Ok(body)
}

/// The older draft's encryption (aesgcm): the salt and our key travel in headers, the body is the record.
pub struct LegacyEncrypted {
    pub body: Vec<u8>,
    pub salt: [u8; 16],
    pub server_key: Vec<u8>,
}

pub fn encrypt_legacy(payload: &[u8], p256dh: &str, auth: &str) -> Result<LegacyEncrypted, String> {
    let Agreement { subscriber_key, auth_secret, server_key, shared, salt } = agree(p256dh, auth)?;
    let input_key = hkdf_sha256(&auth_secret, &shared, b"Content-Encoding: auth\0", 32)?;
    let length = |key: &[u8]| (key.len() as u16).to_be_bytes();
    let context = [b"P-256\0".as_slice(), &length(&subscriber_key), &subscriber_key, &length(&server_key), &server_key].concat();
    let content_key = hkdf_sha256(&salt, &input_key, &[b"Content-Encoding: aesgcm\0".as_slice(), &context].concat(), 16)?;
    let nonce = hkdf_sha256(&salt, &input_key, &[b"Content-Encoding: nonce\0".as_slice(), &context].concat(), 12)?;
    // Two bytes of padding length (none), then the payload.
    let body = seal(&content_key, &nonce, [&[0u8, 0u8], payload].concat())?;
    Ok(LegacyEncrypted { body, salt, server_key })
}

/// A 12-hour ES256 token (JWT) for the push service's origin, signed with the VAPID key.
pub fn vapid_token(keys: &VapidKeys, endpoint: &url::Url, subject: &str) -> Result<String, String> {
    let rng = SystemRandom::new();
    let pkcs8 = URL_SAFE_NO_PAD.decode(&keys.private_key_pkcs8).map_err(|_| "the VAPID key is unreadable")?;
    let pair = signature::EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8, &rng)
        .map_err(|_| "the VAPID key is unreadable")?;
    let audience = endpoint.origin().ascii_serialization();
    let expires = chrono::Utc::now().timestamp() + 12 * 3600;
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
    let claims = URL_SAFE_NO_PAD.encode(json!({ "aud": audience, "exp": expires, "sub": subject }).to_string());
    let signing_input = format!("{header}.{claims}");
    let signed = pair.sign(&rng, signing_input.as_bytes()).map_err(|_| "VAPID signing")?;
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signed.as_ref())))
}
