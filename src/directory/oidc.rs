//! The company's OpenID provider: the code flow with PKCE, state and nonce, and the ID token checked (the
//! signature against the provider's keys, issuer, audience, expiry, nonce) before anyone is let in.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, EndpointMaybeSet, EndpointNotSet, EndpointSet, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};
use serde_json::Value;

use crate::config::OidcSettings;
use crate::db::kinds::IdentityProvider;
use crate::service::directory::{role_from_groups, DirectoryPerson};

/// Discovery is asked again after this long, so that rotated keys are picked up.
const METADATA_LIFETIME: Duration = Duration::from_secs(3600);

/// A client made from discovery: the authorization endpoint is known; the token and userinfo endpoints may be.
type DiscoveredClient = CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// A sign-in sent to the provider: what its callback needs, and where to send the browser.
pub struct Begun {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub url: url::Url,
}

/// What the provider's answer came to.
#[derive(Debug)]
pub enum Verdict {
    Allowed(DirectoryPerson),
    /// Signed in at the provider, but outside `allowed_group`.
    NotAllowed,
}

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The provider cannot be reached or answers nonsense.
    #[error("the OpenID provider {issuer} cannot be used: {cause}")]
    Unavailable { issuer: String, cause: String },
    /// The code or the ID token does not hold (tampered, expired, replayed, for another client).
    #[error("the sign-in could not be verified: {0}")]
    NotVerified(String),
}

#[derive(Clone)]
pub struct OidcDirectory {
    settings: OidcSettings,
    redirect_url: String,
    http: reqwest::Client,
    metadata: Arc<tokio::sync::Mutex<Option<(Instant, CoreProviderMetadata)>>>,
}

impl OidcDirectory {
    pub fn new(settings: OidcSettings, base_url: &str, tls: &Arc<rustls::ClientConfig>) -> OidcDirectory {
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(rustls::ClientConfig::clone(tls))
            // Following redirects from the provider's endpoints would open the client to SSRF.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .expect("an HTTP client with the configured TLS");
        OidcDirectory { settings, redirect_url: format!("{base_url}/auth/oidc/callback"), http, metadata: Arc::default() }
    }

    pub fn display_name(&self) -> &str {
        &self.settings.display_name
    }

    /// Starts a sign-in: a fresh state, nonce and PKCE verifier, and the provider's URL to send the browser to.
    pub async fn begin(&self) -> Result<Begun, OidcError> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
        for scope in &self.settings.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok(Begun { state: state.secret().clone(), nonce: nonce.secret().clone(), pkce_verifier: verifier.secret().clone(), url })
    }

    /// Finishes a sign-in with the code the provider handed back: the ID token must be the provider's,
    /// for this client, unexpired and carry the nonce of this sign-in.
    pub async fn finish(&self, code: &str, nonce: &str, pkce_verifier: &str) -> Result<Verdict, OidcError> {
        let client = self.client().await?;
        let exchange = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| self.unavailable(e))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()));
        let response = exchange.request_async(&self.http).await.map_err(|e| OidcError::NotVerified(crate::net::error_chain(&e)))?;
        let id_token = openidconnect::TokenResponse::id_token(&response).ok_or_else(|| OidcError::NotVerified("the provider sent no ID token".into()))?;
        let claims = id_token.claims(&client.id_token_verifier(), &Nonce::new(nonce.to_owned())).map_err(|e| OidcError::NotVerified(e.to_string()))?;
        // The token is verified: its other claims (the username, the groups) are read from its payload.
        let payload = payload_of(&id_token.to_string()).ok_or_else(|| OidcError::NotVerified("unreadable ID token payload".into()))?;
        let groups: Vec<&str> = payload[&self.settings.groups_claim].as_array().map(|g| g.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        let member = |group: &Option<String>| group.as_deref().map(|wanted| groups.contains(&wanted));
        if member(&self.settings.allowed_group) == Some(false) {
            return Ok(Verdict::NotAllowed);
        }
        let role = role_from_groups(member(&self.settings.admin_group), member(&self.settings.moderator_group));
        let subject = claims.subject().as_str().to_owned();
        // An address the provider has not verified could be anyone's: it must not claim an existing account.
        let email = claims.email().filter(|_| claims.email_verified() == Some(true)).map(|e| e.as_str().to_owned());
        let username = payload[&self.settings.username_claim]
            .as_str()
            .map(str::to_owned)
            .or_else(|| email.as_deref().and_then(|e| e.split('@').next()).map(str::to_owned))
            .unwrap_or_else(|| subject.clone());
        Ok(Verdict::Allowed(DirectoryPerson {
            provider: IdentityProvider::Oidc,
            subject,
            username,
            email,
            display_name: claims.name().and_then(|name| name.get(None)).map(|name| name.as_str().to_owned()),
            role,
        }))
    }

    async fn client(&self) -> Result<DiscoveredClient, OidcError> {
        let metadata = self.metadata().await?;
        let redirect = RedirectUrl::new(self.redirect_url.clone()).map_err(|e| self.unavailable(e))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(redirect))
    }

    async fn metadata(&self) -> Result<CoreProviderMetadata, OidcError> {
        let mut cached = self.metadata.lock().await;
        if let Some((_, metadata)) = cached.as_ref().filter(|(at, _)| at.elapsed() < METADATA_LIFETIME) {
            return Ok(metadata.clone());
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone()).map_err(|e| self.unavailable(e))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http).await.map_err(|e| self.unavailable(crate::net::error_chain(&e)))?;
        *cached = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    fn unavailable(&self, cause: impl std::fmt::Display) -> OidcError {
        OidcError::Unavailable { issuer: self.settings.issuer.clone(), cause: cause.to_string() }
    }
}

fn payload_of(compact_jwt: &str) -> Option<Value> {
    let payload = compact_jwt.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}
