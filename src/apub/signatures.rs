//! HTTP signatures as Mastodon and GoToSocial use them (draft-cavage: `(request-target) host date digest`,
//! RSA-SHA256, `Digest` on every request), for the requests Hallway sends and the ones it receives.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use http_signature_normalization::verify::Unverified;
use http_signature_normalization::Config;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};
use url::Url;

use crate::net::authority;

/// How old a signed request may be, as Mastodon allows (12 hours), and how far ahead a clock may run.
pub const MAX_AGE: Duration = Duration::from_secs(12 * 3600);
const CLOCK_SKEW: Duration = Duration::from_secs(3600);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the request is not signed")]
    Missing,
    #[error("the signature is malformed: {0}")]
    Malformed(String),
    #[error("the signed Date is missing, too old or in the future")]
    BadDate,
    #[error("the Digest does not match the body")]
    DigestMismatch,
    #[error("the key cannot be read")]
    BadKey,
    #[error("the signature does not verify")]
    Invalid,
}

/// `SHA-256=<base64>` of a body, as the `Digest` header carries it.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", STANDARD.encode(Sha256::digest(body)))
}


fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

pub fn private_key_from_pem(pem: &str) -> Result<RsaPrivateKey, SignatureError> {
    RsaPrivateKey::from_pkcs8_pem(pem).map_err(|_| SignatureError::BadKey)
}

/// Reads a public key in SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`) form.
pub fn public_key_from_pem(pem: &str) -> Result<RsaPublicKey, SignatureError> {
    RsaPublicKey::from_public_key_pem(pem.trim())
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem.trim()))
        .map_err(|_| SignatureError::BadKey)
}

/// The headers to add to an outgoing request: Host, Date, Digest and Signature.
pub fn sign(
    method: &str,
    url: &Url,
    key_id: &str,
    private_key: &RsaPrivateKey,
    body: &[u8],
    now: SystemTime,
) -> Result<Vec<(&'static str, String)>, SignatureError> {
    let host = authority(url);
    let date = httpdate::fmt_http_date(now);
    let digest = digest_header(body);
    let headers = BTreeMap::from([
        ("host".to_owned(), host.clone()),
        ("date".to_owned(), date.clone()),
        ("digest".to_owned(), digest.clone()),
    ]);
    let unsigned = Config::new()
        .mastodon_compat()
        .begin_sign(method, &path_and_query(url), headers)
        .map_err(|e| SignatureError::Malformed(e.to_string()))?;
    let signed = unsigned.sign(key_id.to_owned(), |signing_string| {
        private_key
            .sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(signing_string.as_bytes()))
            .map(|signature| STANDARD.encode(signature))
            .map_err(|_| SignatureError::BadKey)
    })?;
    Ok(vec![("host", host), ("date", date), ("digest", digest), ("signature", signed.signature_header())])
}

/// A received request whose signature parses, whose Date is fresh and whose Digest matches its body;
/// what remains is to check the signature with the key its `keyId` names.
pub struct SignedRequest {
    key_id: String,
    signing_string: String,
    signature_base64: String,
}

impl SignedRequest {
    /// Checks everything but the key. `headers` are the request's headers (any case); `body` is Some for
    /// requests with a body, which must then carry a matching Digest.
    pub fn check(
        method: &str,
        path_and_query: &str,
        headers: BTreeMap<String, String>,
        body: Option<&[u8]>,
        now: SystemTime,
    ) -> Result<SignedRequest, SignatureError> {
        let headers: BTreeMap<String, String> = headers.into_iter().map(|(k, v)| (k.to_lowercase(), v)).collect();
        if !headers.contains_key("signature") && !headers.contains_key("authorization") {
            return Err(SignatureError::Missing);
        }
        check_date(headers.get("date").map(String::as_str), now)?;
        let mut config = Config::new().mastodon_compat();
        if let Some(body) = body {
            let claimed = headers.get("digest").ok_or(SignatureError::DigestMismatch)?;
            if !digest_matches(claimed, body) {
                return Err(SignatureError::DigestMismatch);
            }
            config = config.require_digest();
        }
        // The age was checked above against `now`; the library's own check would use the wall clock.
        let unverified: Unverified = config
            .set_expiration(Duration::from_secs(10 * 365 * 24 * 3600))
            .begin_verify(method, path_and_query, headers)
            .map_err(|e| SignatureError::Malformed(e.to_string()))?;
        Ok(SignedRequest {
            key_id: unverified.key_id().to_owned(),
            signing_string: unverified.signing_string().to_owned(),
            signature_base64: unverified.signature().to_owned(),
        })
    }

    /// Checks a request signed either way: RFC 9421 when it carries `Signature-Input`, else draft-cavage.
    /// `scheme` is how the request reached us (for RFC 9421's `@target-uri`).
    pub fn check_any(
        method: &str,
        scheme: &str,
        path_and_query: &str,
        headers: BTreeMap<String, String>,
        body: Option<&[u8]>,
        now: SystemTime,
    ) -> Result<SignedRequest, SignatureError> {
        let headers: BTreeMap<String, String> = headers.into_iter().map(|(k, v)| (k.to_lowercase(), v)).collect();
        if headers.contains_key("signature-input") {
            let checked = super::rfc9421::check(method, scheme, path_and_query, &headers, body, now)?;
            return Ok(SignedRequest {
                key_id: checked.key_id,
                signing_string: checked.signature_base,
                signature_base64: checked.signature_base64,
            });
        }
        SignedRequest::check(method, path_and_query, headers, body, now)
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// RSA-SHA256 (PKCS#1 v1.5) over the signing string, as both signature schemes use with RSA keys.
    pub fn verify(&self, public_key_pem: &str) -> Result<(), SignatureError> {
        let key = public_key_from_pem(public_key_pem)?;
        let signature = STANDARD.decode(&self.signature_base64).map_err(|_| SignatureError::Invalid)?;
        key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(self.signing_string.as_bytes()), &signature)
            .map_err(|_| SignatureError::Invalid)
    }
}

/// Whether a signature's moment lies within the accepted window around `now`.
pub(crate) fn fresh(at: SystemTime, now: SystemTime) -> bool {
    at + MAX_AGE >= now && at <= now + CLOCK_SKEW
}

fn check_date(date: Option<&str>, now: SystemTime) -> Result<(), SignatureError> {
    let date: SystemTime = httpdate::parse_http_date(date.ok_or(SignatureError::BadDate)?).map_err(|_| SignatureError::BadDate)?;
    if fresh(date, now) {
        Ok(())
    } else {
        Err(SignatureError::BadDate)
    }
}

/// A Digest header may list several digests; the SHA-256 one must match.
fn digest_matches(header: &str, body: &[u8]) -> bool {
    let expected = STANDARD.encode(Sha256::digest(body));
    header.split(',').any(|part| {
        part.trim().split_once('=').is_some_and(|(algorithm, value)| algorithm.eq_ignore_ascii_case("SHA-256") && value == expected)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/gotosocial");

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{FIXTURES}/{name}")).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
    }

    /// The request line and headers of a captured request, as (method, path, headers).
    fn captured_request(name: &str) -> (String, String, BTreeMap<String, String>) {
        let text = String::from_utf8(fixture(name)).unwrap();
        let mut lines = text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty());
        let request_line = lines.next().unwrap();
        let mut parts = request_line.split_whitespace();
        let (method, path) = (parts.next().unwrap().to_owned(), parts.next().unwrap().to_owned());
        let headers = lines.filter_map(|l| l.split_once(": ")).map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        (method, path, headers)
    }

    fn alice_public_key() -> String {
        let actor: serde_json::Value = serde_json::from_slice(&fixture("actor.json")).unwrap();
        actor["publicKey"]["publicKeyPem"].as_str().unwrap().to_owned()
    }

    fn signed_at(headers: &BTreeMap<String, String>) -> SystemTime {
        httpdate::parse_http_date(&headers["Date"]).unwrap()
    }

    #[test]
    fn verifies_a_delivery_gotosocial_sent() {
        let (method, path, headers) = captured_request("delivery.headers.txt");
        let body = fixture("delivery.body.raw.json");
        let now = signed_at(&headers) + Duration::from_secs(5);
        let request = SignedRequest::check(&method, &path, headers.clone(), Some(&body), now).unwrap();
        assert_eq!(request.key_id(), "http://127.0.0.1:3290/users/alice/main-key");
        request.verify(&alice_public_key()).unwrap();

        let mut tampered = body.clone();
        tampered[10] ^= 1;
        assert_eq!(SignedRequest::check(&method, &path, headers.clone(), Some(&tampered), now).err(), Some(SignatureError::DigestMismatch));
        let elsewhere = SignedRequest::check(&method, "/users/bob/inbox", headers.clone(), Some(&body), now).unwrap();
        assert_eq!(elsewhere.verify(&alice_public_key()), Err(SignatureError::Invalid));
        let later = signed_at(&headers) + MAX_AGE + Duration::from_secs(60);
        assert_eq!(SignedRequest::check(&method, &path, headers, Some(&body), later).err(), Some(SignatureError::BadDate));
    }

    #[test]
    fn verifies_a_signed_get_gotosocial_sent() {
        let (method, path, headers) = captured_request("signed_get.headers.txt");
        let now = signed_at(&headers);
        let request = SignedRequest::check(&method, &path, headers, None, now).unwrap();
        assert_eq!(request.key_id(), "http://127.0.0.1:3290/users/alice/main-key");
        request.verify(&alice_public_key()).unwrap();
    }

    #[test]
    fn what_we_sign_verifies() {
        let keys = activitypub_federation::http_signatures::generate_actor_keypair().unwrap();
        let private_key = private_key_from_pem(&keys.private_key).unwrap();
        let url = Url::parse("http://10.1.2.3:8080/inbox?x=1").unwrap();
        let body = br#"{"type":"Create"}"#;
        let now = SystemTime::now();
        let headers = sign("POST", &url, "http://10.9.9.9:8080/users/ann#main-key", &private_key, body, now).unwrap();
        assert_eq!(headers[0], ("host", "10.1.2.3:8080".to_owned()));
        let received: BTreeMap<String, String> = headers.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        let request = SignedRequest::check("POST", "/inbox?x=1", received.clone(), Some(body), now).unwrap();
        assert_eq!(request.key_id(), "http://10.9.9.9:8080/users/ann#main-key");
        request.verify(&keys.public_key).unwrap();
        let other = activitypub_federation::http_signatures::generate_actor_keypair().unwrap();
        assert_eq!(request.verify(&other.public_key), Err(SignatureError::Invalid));
    }
}
