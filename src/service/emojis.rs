//! Custom emojis: this instance's, added by its administrators, and other instances', learnt from the
//! `Emoji` tags of their statuses. A status shows those of its author's instance that its text names.

use std::collections::{HashMap, HashSet};

use rand::Rng;

use crate::db::kinds::AuditAction;
use crate::db::models::{Account, CustomEmoji, Status};
use crate::db::queries::emojis;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId, StatusId};
use crate::service::audit::{self, Actor, Target};
use crate::service::images;
use crate::storage::MediaStore;

/// Mastodon's limit for an emoji image.
pub const MAX_IMAGE_BYTES: usize = 256 * 1024;

/// The `:shortcode:`s a text names, each once; as in Mastodon, a shortcode stands apart from letters,
/// digits and other colons (so "10:30:" names nothing).
pub fn shortcodes_in(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let apart = |at: Option<&u8>| at.is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b':'));
    let mut found: Vec<String> = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find(':').map(|at| at + from) {
        let Some(close) = text[open + 1..].find(':').map(|at| at + open + 1) else { break };
        let candidate = &text[open + 1..close];
        let standalone = apart(open.checked_sub(1).and_then(|before| bytes.get(before))) && apart(bytes.get(close + 1));
        if standalone && is_shortcode(candidate) {
            if !found.iter().any(|f| f == candidate) {
                found.push(candidate.to_owned());
            }
            from = close + 1;
        } else {
            from = close;
        }
    }
    found
}

pub fn is_shortcode(text: &str) -> bool {
    text.len() >= 2 && text.len() <= 64 && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Adds (or replaces) one of this instance's emojis; answers it and the key of a replaced image.
pub fn add_local(conn: &mut DbConn, actor: &Actor, store: &dyn MediaStore, shortcode: &str, image: &[u8], category: Option<String>) -> AppResult<CustomEmoji> {
    if !is_shortcode(shortcode) {
        return Err(AppError::validation("Shortcode must be 2 to 64 letters, digits or underscores"));
    }
    let probe = images::probe(image)
        .filter(|p| matches!(p.content_type, "image/png" | "image/gif" | "image/webp"))
        .ok_or_else(|| AppError::validation("Image must be a PNG, GIF or WebP file"))?;
    if image.len() > MAX_IMAGE_BYTES {
        return Err(AppError::validation(format!("Image must be at most {} KB", MAX_IMAGE_BYTES / 1024)));
    }
    images::decode(image, 1 << 22).map_err(|e| AppError::validation(e.to_string()))?;
    let id = ids::next_id();
    let key = format!("custom_emojis/{id}/{:016x}.{}", rand::thread_rng().gen::<u64>(), probe.extension);
    store.put(&key, image).map_err(|e| AppError::Internal(format!("media store: {e}")))?;
    let emoji = CustomEmoji {
        id,
        shortcode: shortcode.to_owned(),
        domain: String::new(),
        image_key: Some(key),
        image_url: None,
        category: category.filter(|c| !c.trim().is_empty()),
        visible_in_picker: true,
        created_at: ids::now(),
    };
    if let Some(old) = emojis::find(conn, shortcode, "")? {
        emojis::delete(conn, old.id)?;
        if let Some(old_key) = old.image_key {
            let _ = store.delete(&old_key);
        }
    }
    emojis::insert(conn, &emoji)?;
    audit::record(conn, actor, AuditAction::CreateCustomEmoji, Target::custom_emoji(&emoji), "")?;
    Ok(emoji)
}

pub fn remove_local(conn: &mut DbConn, actor: &Actor, store: &dyn MediaStore, shortcode: &str) -> AppResult<()> {
    let emoji = emojis::find(conn, shortcode, "")?.ok_or(AppError::NotFound)?;
    emojis::delete(conn, emoji.id)?;
    audit::record(conn, actor, AuditAction::DestroyCustomEmoji, Target::custom_emoji(&emoji), "")?;
    if let Some(key) = emoji.image_key {
        let _ = store.delete(&key);
    }
    Ok(())
}

pub fn local(conn: &mut DbConn) -> AppResult<Vec<CustomEmoji>> {
    emojis::local(conn)
}

/// Remembers (or updates) another instance's emoji from a status's tag.
pub fn learn_remote(conn: &mut DbConn, author: &Account, shortcode: &str, url: &str) -> AppResult<()> {
    let Some(domain) = author.domain.as_deref() else { return Ok(()) };
    if !is_shortcode(shortcode) {
        return Ok(());
    }
    match emojis::find(conn, shortcode, domain)? {
        Some(known) if known.image_url.as_deref() == Some(url) => Ok(()),
        Some(mut known) => {
            known.image_url = Some(url.to_owned());
            emojis::update(conn, &known)
        }
        None => emojis::insert(
            conn,
            &CustomEmoji {
                id: ids::next_id(),
                shortcode: shortcode.to_owned(),
                domain: domain.to_owned(),
                image_key: None,
                image_url: Some(url.to_owned()),
                category: None,
                visible_in_picker: false,
                created_at: ids::now(),
            },
        ),
    }
}

/// The emojis each status shows: those its text names, from its author's instance.
pub fn of_statuses(conn: &mut DbConn, statuses: &[&Status], domains: &HashMap<AccountId, String>) -> AppResult<HashMap<StatusId, Vec<CustomEmoji>>> {
    let named: Vec<(StatusId, Vec<String>)> = statuses
        .iter()
        .map(|s| (s.id, shortcodes_in(&format!("{} {}", s.spoiler_text, s.content))))
        .filter(|(_, codes)| !codes.is_empty())
        .collect();
    let all: HashSet<String> = named.iter().flat_map(|(_, codes)| codes.iter().cloned()).collect();
    let known = emojis::with_shortcodes(conn, &all.into_iter().collect::<Vec<_>>())?;
    let author_of: HashMap<StatusId, AccountId> = statuses.iter().map(|s| (s.id, s.account_id)).collect();
    Ok(named
        .into_iter()
        .map(|(status_id, codes)| {
            let domain = author_of.get(&status_id).and_then(|a| domains.get(a)).map(String::as_str).unwrap_or("");
            let shown = codes.iter().filter_map(|code| known.iter().find(|e| &e.shortcode == code && e.domain == domain).cloned()).collect();
            (status_id, shown)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::shortcodes_in;

    #[test]
    fn shortcodes_between_colons() {
        assert_eq!(shortcodes_in("Ship it :shipit: :party_parrot:!"), ["shipit", "party_parrot"]);
        assert_eq!(shortcodes_in("at 10:30: meet :coffee:"), ["coffee"]);
        assert!(shortcodes_in(":a: :bb::cc:").is_empty());
        assert_eq!(shortcodes_in("<p>:wave: hi :wave:</p>"), ["wave"]);
        assert!(shortcodes_in("no emoji: here").is_empty());
    }
}
