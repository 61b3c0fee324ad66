//! Web Push subscriptions: stored per token and returned as Mastodon does, and who gets a push for a
//! notification (its alerts and policy). The sending itself is `crate::push`.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};

use crate::db::json::Json;
use crate::db::models::{PushSubscription, VapidKeys};
use crate::db::queries::{follows, push};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId};

pub const ALERTS: &[&str] =
    &["mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update", "admin.sign_up", "admin.report"];
pub const POLICIES: &[&str] = &["all", "followed", "follower", "none"];

/// The instance's VAPID public key (uncompressed P-256 point, base64url), made on first use.
pub fn vapid_public_key(conn: &mut DbConn) -> AppResult<String> {
    if let Some(keys) = push::vapid(conn)? {
        return Ok(keys.public_key);
    }
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).map_err(|_| AppError::Internal("VAPID key generation".into()))?;
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
        .map_err(|_| AppError::Internal("VAPID key reading".into()))?;
    let keys = VapidKeys {
        id: 1,
        public_key: URL_SAFE_NO_PAD.encode(pair.public_key().as_ref()),
        private_key_pkcs8: URL_SAFE_NO_PAD.encode(pkcs8.as_ref()),
        created_at: ids::now(),
    };
    push::insert_vapid(conn, &keys)?;
    Ok(push::vapid(conn)?.map(|k| k.public_key).unwrap_or(keys.public_key))
}

/// The VAPID public key if it was made already (a read, for the instance endpoint).
pub fn known_vapid_key(conn: &mut DbConn) -> AppResult<Option<String>> {
    Ok(push::vapid(conn)?.map(|keys| keys.public_key))
}

pub struct Subscribe {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub alerts: BTreeMap<String, bool>,
    pub policy: Option<String>,
    pub standard: bool,
}

/// Every alert Mastodon knows, with the device's choice (off when not given); others are dropped.
fn known_alerts(alerts: &BTreeMap<String, bool>) -> Json<BTreeMap<String, bool>> {
    Json(ALERTS.iter().map(|a| ((*a).to_owned(), alerts.get(*a).copied().unwrap_or(false))).collect())
}

fn policy(text: Option<String>) -> AppResult<String> {
    let policy = text.unwrap_or_else(|| "all".into());
    if POLICIES.contains(&policy.as_str()) {
        Ok(policy)
    } else {
        Err(AppError::validation("Policy is not included in the list"))
    }
}

pub fn subscribe(conn: &mut DbConn, gateways: &[String], token_id: i64, account_id: AccountId, input: Subscribe) -> AppResult<PushSubscription> {
    check_endpoint(gateways, &input.endpoint).map_err(AppError::validation)?;
    let p256dh_ok = decode_key(&input.p256dh).is_some_and(|key| key.len() == 65 && key[0] == 4);
    if !p256dh_ok {
        return Err(AppError::validation("Keys p256dh must be an uncompressed P-256 public key in base64"));
    }
    if decode_key(&input.auth).is_none_or(|auth| auth.len() != 16) {
        return Err(AppError::validation("Keys auth must be 16 bytes in base64"));
    }
    let subscription = PushSubscription {
        id: ids::next_id(),
        token_id,
        account_id,
        endpoint: input.endpoint,
        key_p256dh: input.p256dh,
        key_auth: input.auth,
        alerts: known_alerts(&input.alerts),
        policy: policy(input.policy)?,
        standard: input.standard,
        created_at: ids::now(),
    };
    push::put(conn, &subscription)?;
    Ok(subscription)
}

#[derive(Debug, PartialEq, Eq)]
pub enum Reach {
    /// One of the configured company gateways.
    Gateway,
    /// A push service on the internet: https, public addresses only.
    Public,
}

/// Whether pushes may go to `endpoint`, and how: a configured gateway, or https to a host that is not an
/// internal address (names are checked again, after resolution, when a push is sent).
pub fn check_endpoint(gateways: &[String], endpoint: &str) -> Result<(url::Url, Reach), String> {
    let url = url::Url::parse(endpoint).map_err(|_| "Endpoint is not a valid URL".to_owned())?;
    if !matches!(url.scheme(), "https" | "http") || !url.username().is_empty() || url.password().is_some() {
        return Err("Endpoint must be an https URL".into());
    }
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let host_and_port = format!("{host}:{}", url.port_or_known_default().unwrap_or(443));
    if gateways.iter().any(|gateway| *gateway == host || *gateway == host_and_port) {
        return Ok((url, Reach::Gateway));
    }
    if url.scheme() != "https" {
        return Err("Endpoint must be an https URL".into());
    }
    let internal = match url.host() {
        Some(url::Host::Ipv4(address)) => !crate::net::is_public_address(address.into()),
        Some(url::Host::Ipv6(address)) => !crate::net::is_public_address(address.into()),
        Some(url::Host::Domain(name)) => name == "localhost" || name.ends_with(".localhost") || !name.contains('.'),
        None => true,
    };
    if internal {
        return Err("Endpoint must be on a public address".into());
    }
    Ok((url, Reach::Public))
}

/// A subscription key as clients send it: base64url or standard base64 (Mastodon.py), padded or not.
pub fn decode_key(text: &str) -> Option<Vec<u8>> {
    let normalized: String = text.trim().trim_end_matches('=').chars().map(|c| match c {
        '+' => '-',
        '/' => '_',
        c => c,
    }).collect();
    URL_SAFE_NO_PAD.decode(normalized).ok()
}

pub fn get(conn: &mut DbConn, token_id: i64) -> AppResult<PushSubscription> {
    push::of_token(conn, token_id)?.ok_or(AppError::NotFound)
}

pub fn update(conn: &mut DbConn, token_id: i64, alerts: BTreeMap<String, bool>, new_policy: Option<String>) -> AppResult<PushSubscription> {
    let mut subscription = get(conn, token_id)?;
    let mut merged = subscription.alerts.0.clone();
    merged.extend(alerts);
    subscription.alerts = known_alerts(&merged);
    if new_policy.is_some() {
        subscription.policy = policy(new_policy)?;
    }
    push::set_alerts(conn, &subscription)?;
    Ok(subscription)
}

pub fn unsubscribe(conn: &mut DbConn, token_id: i64) -> AppResult<()> {
    push::delete_of_token(conn, token_id)
}

/// The subscriptions of `recipient` that want a push for a notification of `kind` from `sender`.
pub fn recipients(conn: &mut DbConn, recipient: AccountId, kind: &str, sender: AccountId) -> AppResult<Vec<PushSubscription>> {
    let mut wanted = Vec::new();
    for subscription in push::of_account(conn, recipient)? {
        let alerts = &subscription.alerts;
        if !alerts.get(kind).copied().unwrap_or(false) {
            continue;
        }
        let allowed = match subscription.policy.as_str() {
            "all" => true,
            "followed" => follows::find(conn, recipient, sender)?.is_some(),
            "follower" => follows::find(conn, sender, recipient)?.is_some(),
            _ => false,
        };
        if allowed {
            wanted.push(subscription);
        }
    }
    Ok(wanted)
}

/// A push service said the subscription is gone (404 or 410).
pub fn expired(conn: &mut DbConn, subscription_id: i64) -> AppResult<()> {
    push::delete(conn, subscription_id)
}

/// The VAPID key pair, for signing.
pub fn vapid_keys(conn: &mut DbConn) -> AppResult<VapidKeys> {
    vapid_public_key(conn)?;
    push::vapid(conn)?.ok_or_else(|| AppError::Internal("no VAPID keys".into()))
}
