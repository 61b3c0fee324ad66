//! Every request Hallway makes to another instance: only to allowed peers, signed, bounded in size and time.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use url::Url;

use crate::apub::signatures;
use crate::net::authority;
use crate::config::Settings;
use crate::db::Database;
use crate::service::keys::{self, SigningKey};
use crate::service::peers;

pub const ACTIVITY_JSON: &str = "application/activity+json";
const MAX_RESPONSE_BYTES: usize = 1 << 20;
const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    #[error("{0} is not an allowed peer")]
    NotAllowed(String),
    #[error("{0} is not an http(s) URL this instance may reach")]
    BadUrl(String),
    #[error("request failed: {0}")]
    Transport(String),
    #[error("the peer answered {0}")]
    Status(u16),
    #[error("the peer answered {0}: {1}")]
    Refused(u16, String),
    #[error("the peer's answer is too large")]
    TooLarge,
    #[error("the peer's answer is not ActivityPub JSON: {0}")]
    NotActivityJson(String),
    #[error("signing failed: {0}")]
    Signing(String),
    #[error("the account was removed")]
    Gone,
    #[error("database: {0}")]
    Database(String),
}

/// The outbound side of federation, shared by request handlers and the delivery worker.
#[derive(Clone)]
pub struct FederationClient {
    http: reqwest::Client,
    db: Database,
    settings: Arc<Settings>,
    /// The instance actor's key, read (or made) once.
    instance_key: Arc<tokio::sync::OnceCell<SigningKey>>,
    /// Private keys already parsed, by key id: reading a PEM costs more than signing with it.
    parsed_keys: Arc<std::sync::Mutex<std::collections::HashMap<String, Arc<rsa::RsaPrivateKey>>>>,
}

impl FederationClient {
    pub fn new(db: Database, settings: Arc<Settings>, tls: &Arc<rustls::ClientConfig>) -> FederationClient {
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(rustls::ClientConfig::clone(tls))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("an HTTP client with the default TLS settings");
        FederationClient {
            http,
            db,
            settings,
            instance_key: Arc::new(tokio::sync::OnceCell::new()),
            parsed_keys: Arc::default(),
        }
    }

    pub fn instance_actor_uri(&self) -> String {
        format!("{}/actor", self.settings.base_url())
    }

    fn user_agent(&self) -> String {
        format!("Hallway/{} (+{})", env!("CARGO_PKG_VERSION"), self.settings.base_url())
    }

    /// Refuses any URL that is not http(s) (http only when allowed) on an allowed peer.
    pub async fn check_allowed(&self, url: &Url) -> Result<(), FederationError> {
        self.check_reachable(url)?;
        let target = url.clone();
        let allowed = self
            .db
            .read(move |conn| peers::is_allowed_url(conn, &target))
            .await
            .map_err(|e| FederationError::Database(e.to_string()))?;
        if allowed {
            Ok(())
        } else {
            Err(FederationError::NotAllowed(authority(url)))
        }
    }

    /// Refuses any URL that is not http(s) (http only when allowed), or that carries credentials.
    fn check_reachable(&self, url: &Url) -> Result<(), FederationError> {
        let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && self.settings.federation_allow_http);
        if !scheme_ok || url.host_str().is_none() || !url.username().is_empty() {
            return Err(FederationError::BadUrl(url.to_string()));
        }
        Ok(())
    }

    /// Asks to join the instance at `url` (`hallway peers join`), signed by the instance actor. The one request
    /// made to a host that is not yet a peer: an admin named it on the command line.
    pub async fn join(&self, url: &Url, body: &[u8]) -> Result<serde_json::Value, FederationError> {
        self.check_reachable(url)?;
        let key = self.instance_key().await?;
        let request = self
            .http
            .post(url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, self.user_agent())
            .body(body.to_vec());
        let response = self.send_signed(request, "POST", url, &key, body).await?;
        if !response.status().is_success() {
            let status = response.status().as_u16();
            let answer = read_bounded(response).await.unwrap_or_default();
            let reason = serde_json::from_slice::<serde_json::Value>(&answer).ok().and_then(|v| v["error"].as_str().map(str::to_owned));
            return Err(match reason {
                Some(reason) => FederationError::Refused(status, reason),
                None => FederationError::Status(status),
            });
        }
        let answer = read_bounded(response).await?;
        serde_json::from_slice(&answer).map_err(|e| FederationError::NotActivityJson(e.to_string()))
    }

    /// The actor an instance that asks to join introduces (`peers join`), fetched unsigned from its own address,
    /// which is not a peer yet: the one fetch made to such a host, after the invitation was checked.
    pub async fn fetch_introduced_actor(&self, actor: &Url) -> Result<crate::apub::objects::Person, FederationError> {
        self.check_reachable(actor)?;
        self.get_unsigned(actor, ACTIVITY_JSON).await
    }

    /// An unsigned GET of JSON (the caller checked the URL), bounded in size.
    async fn get_unsigned<T: serde::de::DeserializeOwned>(&self, url: &Url, accept: &str) -> Result<T, FederationError> {
        let response = self
            .http
            .get(url.clone())
            .header(ACCEPT, accept)
            .header(USER_AGENT, self.user_agent())
            .send()
            .await
            .map_err(|e| FederationError::Transport(crate::net::error_chain(&e)))?;
        if !response.status().is_success() {
            return Err(FederationError::Status(response.status().as_u16()));
        }
        let body = read_bounded(response).await?;
        serde_json::from_slice(&body).map_err(|e| FederationError::NotActivityJson(e.to_string()))
    }

    pub async fn instance_key(&self) -> Result<SigningKey, FederationError> {
        let key = self
            .instance_key
            .get_or_try_init(|| async {
                let actor_uri = self.instance_actor_uri();
                self.db
                    .write(move |conn| keys::instance_signing_key(conn, &actor_uri))
                    .await
                    .map_err(|e| FederationError::Database(e.to_string()))
            })
            .await?;
        Ok(key.clone())
    }

    /// A signed GET (by the instance actor) of an ActivityPub document on an allowed peer.
    pub async fn fetch(&self, url: &Url) -> Result<serde_json::Value, FederationError> {
        self.check_allowed(url).await?;
        let key = self.instance_key().await?;
        let request = self
            .http
            .get(url.clone())
            .header(ACCEPT, format!("{ACTIVITY_JSON}, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""))
            .header(USER_AGENT, self.user_agent());
        let response = self.send_signed(request, "GET", url, &key, b"").await?;
        if !response.status().is_success() {
            return Err(FederationError::Status(response.status().as_u16()));
        }
        let content_type = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        if !(content_type.contains("activity+json") || content_type.contains("ld+json") || content_type.starts_with("application/json")) {
            return Err(FederationError::NotActivityJson(content_type));
        }
        let body = read_bounded(response).await?;
        serde_json::from_slice(&body).map_err(|e| FederationError::NotActivityJson(e.to_string()))
    }

    /// A plain JSON GET (WebFinger) on an allowed peer.
    pub async fn fetch_plain_json(&self, url: &Url) -> Result<serde_json::Value, FederationError> {
        self.check_allowed(url).await?;
        self.get_unsigned(url, "application/jrd+json, application/json").await
    }

    fn private_key(&self, key: &SigningKey) -> Result<Arc<rsa::RsaPrivateKey>, FederationError> {
        let mut parsed = self.parsed_keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(found) = parsed.get(&key.key_id) {
            return Ok(found.clone());
        }
        let private_key = Arc::new(
            signatures::private_key_from_pem(&key.private_key_pem).map_err(|e| FederationError::Signing(e.to_string()))?,
        );
        parsed.insert(key.key_id.clone(), private_key.clone());
        Ok(private_key)
    }

    async fn send_signed(
        &self,
        request: reqwest::RequestBuilder,
        method: &str,
        url: &Url,
        key: &SigningKey,
        body: &[u8],
    ) -> Result<reqwest::Response, FederationError> {
        let private_key = self.private_key(key)?;
        let headers = signatures::sign(method, url, &key.key_id, &private_key, body, SystemTime::now())
            .map_err(|e| FederationError::Signing(e.to_string()))?;
        let request = headers.into_iter().fold(request, |request, (name, value)| request.header(name, value));
        request.send().await.map_err(|e| FederationError::Transport(crate::net::error_chain(&e)))
    }

    /// POSTs an activity to an inbox, signed with the given key; answers the peer's status code.
    pub async fn deliver(&self, inbox: &Url, body: &[u8], key: &SigningKey) -> Result<u16, FederationError> {
        self.check_allowed(inbox).await?;
        let request = self
            .http
            .post(inbox.clone())
            .header(CONTENT_TYPE, ACTIVITY_JSON)
            .header(USER_AGENT, self.user_agent())
            .body(body.to_vec());
        let response = self.send_signed(request, "POST", inbox, key, body).await?;
        Ok(response.status().as_u16())
    }
}

async fn read_bounded(mut response: reqwest::Response) -> Result<Vec<u8>, FederationError> {
    if response.content_length().is_some_and(|length| length as usize > MAX_RESPONSE_BYTES) {
        return Err(FederationError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| FederationError::Transport(crate::net::error_chain(&e)))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_RESPONSE_BYTES {
            return Err(FederationError::TooLarge);
        }
    }
    Ok(body)
}
