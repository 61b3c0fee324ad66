//! Proofs that an object is its author's, whoever relays it: a members-only post of a private group travels from
//! its author's instance to the group's, and the group's instance relays it to every member's instance, which
//! cannot fetch it back from its author's (it is not theirs to read there). The author's instance signs the
//! object with the author's key; the relaying group cannot change it without the proof failing.
//!
//! The proof is a `DataIntegrityProof` (as FEP-8b32 names them) with Hallway's own cryptosuite
//! `hallway-rsa-sha256-jcs-2026`: RSA-SHA256 (PKCS#1 v1.5, the actor's own key) over the object without its
//! `proof`, serialized with its object keys sorted and no whitespace (the JSON Canonicalization Scheme's order;
//! Hallway's objects hold only strings, booleans, integers, arrays and objects, which both write alike).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::apub::signatures::{public_key_from_pem, SignatureError};

pub const CRYPTOSUITE: &str = "hallway-rsa-sha256-jcs-2026";

/// The object with a proof by `key_id`'s private key added.
pub fn signed(mut object: Value, key_id: &str, key: &RsaPrivateKey) -> Result<Value, SignatureError> {
    let Value::Object(fields) = &mut object else { return Err(SignatureError::Invalid) };
    fields.remove("proof");
    let digest = Sha256::digest(canonical(&object).as_bytes());
    let signature = key.sign(Pkcs1v15Sign::new::<Sha256>(), &digest).map_err(|_| SignatureError::Invalid)?;
    let proof = json!({
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "verificationMethod": key_id,
        "proofPurpose": "assertionMethod",
        "proofValue": STANDARD.encode(signature),
    });
    if let Value::Object(fields) = &mut object {
        fields.insert("proof".to_owned(), proof);
    }
    Ok(object)
}

/// The key id a proof names, when the object carries one of Hallway's.
pub fn verification_method(object: &Value) -> Option<&str> {
    let proof = object.get("proof")?;
    (proof.get("cryptosuite")?.as_str()? == CRYPTOSUITE).then(|| proof.get("verificationMethod")?.as_str())?
}

/// Checks the object's proof with the public key of the actor it names.
pub fn verify(object: &Value, public_key_pem: &str) -> Result<(), SignatureError> {
    let proof_value = object.get("proof").and_then(|p| p.get("proofValue")).and_then(Value::as_str).ok_or(SignatureError::Invalid)?;
    let signature = STANDARD.decode(proof_value).map_err(|_| SignatureError::Invalid)?;
    let mut unsigned = object.clone();
    if let Value::Object(fields) = &mut unsigned {
        fields.remove("proof");
    }
    let key = public_key_from_pem(public_key_pem)?;
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(canonical(&unsigned).as_bytes()), &signature)
        .map_err(|_| SignatureError::Invalid)
}

/// JSON with every object's keys sorted, without whitespace.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(fields) => {
            let mut keys: Vec<&String> = fields.keys().collect();
            keys.sort();
            let members: Vec<String> = keys.iter().map(|key| format!("{}:{}", Value::String((*key).clone()), canonical(&fields[key.as_str()]))).collect();
            format!("{{{}}}", members.join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(canonical).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_object_verifies_and_any_change_breaks_it() {
        let pair = activitypub_federation::http_signatures::generate_actor_keypair().unwrap();
        let key = crate::apub::signatures::private_key_from_pem(&pair.private_key).unwrap();
        let note = json!({"type": "Note", "id": "https://eng.example/users/bob/statuses/1", "content": "<p>members only</p>", "to": ["https://sales.example/users/platform"]});
        let signed = signed(note, "https://eng.example/users/bob#main-key", &key).unwrap();
        assert_eq!(verification_method(&signed), Some("https://eng.example/users/bob#main-key"));
        verify(&signed, &pair.public_key).expect("verifies");
        let reordered: Value = serde_json::from_str(&signed.to_string()).unwrap();
        verify(&reordered, &pair.public_key).expect("key order does not matter");
        let mut changed = signed.clone();
        changed["content"] = json!("<p>something else</p>");
        assert!(verify(&changed, &pair.public_key).is_err());
        assert_eq!(canonical(&json!({"b": [1, {"d": true, "c": "x"}], "a": null})), r#"{"a":null,"b":[1,{"c":"x","d":true}]}"#);
    }
}
