//! HTTP Message Signatures (RFC 9421) as newer fediverse servers send them: `Signature-Input` naming the
//! covered components, `Signature` with the value, `Content-Digest` (RFC 9530) for the body. Only what
//! verification needs: the signature base is rebuilt here and checked by `SignedRequest::verify`.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256, Sha512};

use super::signatures::{fresh, SignatureError};

pub struct Checked {
    pub key_id: String,
    pub signature_base: String,
    pub signature_base64: String,
}

struct Input {
    label: String,
    components: Vec<String>,
    /// The serialised inner list with its parameters, exactly as received (for `@signature-params`).
    raw: String,
    key_id: String,
    created: Option<u64>,
    algorithm: Option<String>,
}

fn malformed(why: &str) -> SignatureError {
    SignatureError::Malformed(why.to_owned())
}

pub fn check(
    method: &str,
    scheme: &str,
    path_and_query: &str,
    headers: &BTreeMap<String, String>,
    body: Option<&[u8]>,
    now: SystemTime,
) -> Result<Checked, SignatureError> {
    let input = parse_input(headers.get("signature-input").ok_or(SignatureError::Missing)?)?;
    if input.algorithm.as_deref().is_some_and(|a| a != "rsa-v1_5-sha256") {
        return Err(malformed("only rsa-v1_5-sha256 is supported"));
    }
    let created = input.created.ok_or_else(|| malformed("no created parameter"))?;
    if !fresh(UNIX_EPOCH + Duration::from_secs(created), now) {
        return Err(SignatureError::BadDate);
    }
    let covers = |name: &str| input.components.iter().any(|c| c == name);
    if !covers("@method") || !(covers("@target-uri") || (covers("@authority") && covers("@path"))) {
        return Err(malformed("the signature must cover the method and the target"));
    }
    if let Some(body) = body {
        if !covers("content-digest") {
            return Err(malformed("the signature must cover Content-Digest"));
        }
        let digest = headers.get("content-digest").ok_or(SignatureError::DigestMismatch)?;
        if !content_digest_matches(digest, body) {
            return Err(SignatureError::DigestMismatch);
        }
    }
    let authority = headers.get("host").ok_or_else(|| malformed("no Host header"))?.to_lowercase();
    let (path, query) = path_and_query.split_once('?').map_or((path_and_query, None), |(p, q)| (p, Some(q)));
    let mut base = String::new();
    for component in &input.components {
        let value = match component.as_str() {
            "@method" => method.to_uppercase(),
            "@target-uri" => format!("{scheme}://{authority}{path_and_query}"),
            "@authority" => authority.clone(),
            "@scheme" => scheme.to_owned(),
            "@path" => path.to_owned(),
            "@query" => format!("?{}", query.unwrap_or_default()),
            "@request-target" => path_and_query.to_owned(),
            name if name.starts_with('@') => return Err(malformed("unsupported derived component")),
            name => headers.get(name).map(|v| v.trim().to_owned()).ok_or_else(|| malformed("a covered header is missing"))?,
        };
        base.push_str(&format!("\"{component}\": {value}\n"));
    }
    base.push_str(&format!("\"@signature-params\": {}", input.raw));
    Ok(Checked { key_id: input.key_id, signature_base: base, signature_base64: signature_value(headers, &input.label)? })
}

/// The first member of `Signature-Input`: `label=("c1" "c2");created=1;keyid="…";alg="…"`.
fn parse_input(header: &str) -> Result<Input, SignatureError> {
    let (label, rest) = header.split_once('=').ok_or_else(|| malformed("Signature-Input has no label"))?;
    let rest = rest.trim();
    let close = rest.find(')').ok_or_else(|| malformed("Signature-Input has no component list"))?;
    let list = rest.strip_prefix('(').ok_or_else(|| malformed("Signature-Input has no component list"))?;
    let components = list[..close - 1].split_whitespace().map(|c| c.trim_matches('"').to_lowercase()).collect();
    let params_end = rest[close..].find(',').map_or(rest.len(), |i| close + i);
    let raw = rest[..params_end].trim().to_owned();
    let mut input = Input { label: label.trim().to_owned(), components, raw: raw.clone(), key_id: String::new(), created: None, algorithm: None };
    for param in raw[close + 1..].split(';').filter(|p| !p.is_empty()) {
        let (name, value) = param.split_once('=').unwrap_or((param, ""));
        let value = value.trim_matches('"');
        match name.trim() {
            "keyid" => input.key_id = value.to_owned(),
            "created" => input.created = value.parse().ok(),
            "alg" => input.algorithm = Some(value.to_owned()),
            _ => {}
        }
    }
    if input.key_id.is_empty() {
        return Err(malformed("Signature-Input has no keyid"));
    }
    Ok(input)
}

/// The `Signature` member for `label`: `label=:base64:`.
fn signature_value(headers: &BTreeMap<String, String>, label: &str) -> Result<String, SignatureError> {
    let header = headers.get("signature").ok_or(SignatureError::Missing)?;
    header
        .split(',')
        .find_map(|member| {
            let (name, value) = member.trim().split_once('=')?;
            (name.trim() == label).then(|| value.trim().trim_matches(':').to_owned())
        })
        .ok_or_else(|| malformed("no Signature for the Signature-Input label"))
}

/// `Content-Digest: sha-256=:…:` (or sha-512) must match the body.
fn content_digest_matches(header: &str, body: &[u8]) -> bool {
    header.split(',').any(|member| {
        let Some((algorithm, value)) = member.trim().split_once('=') else { return false };
        let value = value.trim().trim_matches(':');
        match algorithm.trim() {
            "sha-256" => STANDARD.encode(Sha256::digest(body)) == value,
            "sha-512" => STANDARD.encode(Sha512::digest(body)) == value,
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use rsa::Pkcs1v15Sign;
    use sha2::{Digest, Sha256};

    use crate::apub::signatures::{private_key_from_pem, SignedRequest};

    /// Signs a request the way RFC 9421 senders (Mastodon 4.5, Fedify) do, then verifies it.
    #[test]
    fn verifies_an_rfc9421_signed_post() {
        let keys = activitypub_federation::http_signatures::generate_actor_keypair().unwrap();
        let body = br#"{"type":"Like"}"#;
        let created = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let digest = format!("sha-256=:{}:", STANDARD.encode(Sha256::digest(body)));
        let params = format!(r#"("@method" "@target-uri" "content-digest");created={created};keyid="https://m.example/users/a#main-key";alg="rsa-v1_5-sha256""#);
        let base = format!(
            "\"@method\": POST\n\"@target-uri\": https://h.example/inbox\n\"content-digest\": {digest}\n\"@signature-params\": {params}"
        );
        let key = private_key_from_pem(&keys.private_key).unwrap();
        let signature = STANDARD.encode(key.sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(base.as_bytes())).unwrap());
        let headers = BTreeMap::from([
            ("Host".to_owned(), "h.example".to_owned()),
            ("Content-Digest".to_owned(), digest),
            ("Signature-Input".to_owned(), format!("sig1={params}")),
            ("Signature".to_owned(), format!("sig1=:{signature}:")),
        ]);
        let now = SystemTime::now();
        let checked = SignedRequest::check_any("POST", "https", "/inbox", headers.clone(), Some(body), now).unwrap();
        assert_eq!(checked.key_id(), "https://m.example/users/a#main-key");
        checked.verify(&keys.public_key).unwrap();
        assert!(SignedRequest::check_any("POST", "https", "/inbox", headers.clone(), Some(b"{}"), now).is_err());
        let forged = SignedRequest::check_any("POST", "https", "/other", headers.clone(), Some(body), now).unwrap();
        assert!(forged.verify(&keys.public_key).is_err());
        let much_later = now + Duration::from_secs(13 * 3600);
        assert!(SignedRequest::check_any("POST", "https", "/inbox", headers, Some(body), much_later).is_err());
    }
}
