//! ActivityStreams objects as Mastodon and GoToSocial exchange them: actors, notes, tombstones.
//! They never meet database rows or Mastodon entities except in the converters at their edges.

mod announcement;
mod note;
mod person;

pub use announcement::{AnnouncementObject, ANNOUNCEMENT_TYPE};
pub use note::{Document, Hashtag, Mention, Note, NoteKind, PollOption, Tag, Tombstone};
pub use person::{ActorKind, Endpoints, Image, Person, PropertyValue};

use activitypub_federation::protocol::context::WithContext;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};
use url::Url;

/// The JSON-LD `@context` of everything Hallway sends: ActivityStreams, the security vocabulary
/// (publicKey) and the Mastodon extension terms the objects use.
pub fn context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "sensitive": "as:sensitive",
            "Hashtag": "as:Hashtag",
            "toot": "http://joinmastodon.org/ns#",
            "discoverable": "toot:discoverable",
            "featured": { "@id": "toot:featured", "@type": "@id" },
            "blurhash": "toot:blurhash",
            "focalPoint": { "@container": "@list", "@id": "toot:focalPoint" },
            "votersCount": "toot:votersCount",
            "Emoji": "toot:Emoji",
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "alsoKnownAs": { "@id": "as:alsoKnownAs", "@type": "@id" },
            "movedTo": { "@id": "as:movedTo", "@type": "@id" },
            "quote": { "@id": "https://w3id.org/fep/044f#quote", "@type": "@id" },
            "quoteUri": "http://fedibird.com/ns#quoteUri",
            "_misskey_quote": "https://misskey-hub.net/ns#_misskey_quote",
            "quoteAuthorization": { "@id": "https://w3id.org/fep/044f#quoteAuthorization", "@type": "@id" },
            "QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest",
            "QuoteAuthorization": "https://w3id.org/fep/044f#QuoteAuthorization",
            "gts": "https://gotosocial.org/ns#",
            "interactionPolicy": { "@id": "gts:interactionPolicy", "@type": "@id" },
            "canQuote": { "@id": "gts:canQuote", "@type": "@id" },
            "automaticApproval": { "@id": "gts:automaticApproval", "@type": "@id" },
            "manualApproval": { "@id": "gts:manualApproval", "@type": "@id" },
            "interactingObject": { "@id": "gts:interactingObject", "@type": "@id" },
            "interactionTarget": { "@id": "gts:interactionTarget", "@type": "@id" },
            "hallway": "https://hallway.example/ns#",
            "Announcement": "hallway:Announcement",
            "allDay": "hallway:allDay"
        }
    ])
}

/// An object or activity ready to send: with Hallway's `@context`.
pub fn with_context<T>(value: T) -> WithContext<T> {
    WithContext::new(value, context())
}

/// Parses a URL from Hallway's own rows or settings, which hold only URLs that parsed before.
pub(crate) fn stored_url(text: &str) -> Url {
    Url::parse(text).unwrap_or_else(|e| panic!("a stored URL does not parse, {text:?}: {e}"))
}

/// One value or many, keeping those that parse: peers add kinds of tags and attachments we do not
/// know, and one odd entry must not cost the whole object.
fn deserialize_parseable_items<'de, T, D>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    T: serde::de::DeserializeOwned,
    D: Deserializer<'de>,
{
    let items = match Value::deserialize(deserializer)? {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        item => vec![item],
    };
    Ok(items.into_iter().filter_map(|item| serde_json::from_value(item).ok()).collect())
}

#[cfg(test)]
pub(crate) mod testing {
    use std::path::Path;
    use std::sync::Arc;

    use chrono::NaiveDate;

    use crate::db::models::{Account, Status, Tag};
    use crate::ids::{AccountId, StatusId};
    use crate::service::views::StatusView;

    pub const BASE_URL: &str = "https://hallway.corp.example";
    const GOTOSOCIAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/gotosocial");
    const MASTODON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mastodon");

    pub fn gotosocial(name: &str) -> String {
        read(GOTOSOCIAL, name)
    }

    pub fn mastodon(name: &str) -> String {
        read(MASTODON, name)
    }

    /// The JSON files GoToSocial sent, by name.
    pub fn gotosocial_names() -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(GOTOSOCIAL)
            .unwrap_or_else(|e| panic!("{GOTOSOCIAL}: {e}"))
            .map(|entry| entry.expect("directory entry").file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".json"))
            .collect();
        assert!(!names.is_empty(), "no fixtures in {GOTOSOCIAL}");
        names.sort();
        names
    }

    fn read(directory: &str, name: &str) -> String {
        let path = Path::new(directory).join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// An account of this instance, as `new_local_account` makes them.
    pub fn local_account(id: i64, username: &str) -> Account {
        let uri = format!("{BASE_URL}/users/{username}");
        Account {
            domain: None,
            url: format!("{BASE_URL}/@{username}"),
            inbox_url: format!("{uri}/inbox"),
            shared_inbox_url: Some(format!("{BASE_URL}/inbox")),
            followers_url: format!("{uri}/followers"),
            uri,
            ..remote_account(id, username, "hallway.corp.example")
        }
    }

    pub fn remote_account(id: i64, username: &str, domain: &str) -> Account {
        let created = NaiveDate::from_ymd_opt(2026, 3, 2).and_then(|d| d.and_hms_opt(9, 30, 0)).expect("a date");
        let uri = format!("https://{domain}/users/{username}");
        Account {
            id: AccountId(id),
            username: username.into(),
            domain: Some(domain.into()),
            display_name: format!("{username} (display)"),
            note_source: String::new(),
            note_html: format!("<p>About {username}</p>"),
            url: format!("https://{domain}/@{username}"),
            inbox_url: format!("{uri}/inbox"),
            shared_inbox_url: Some(format!("https://{domain}/inbox")),
            followers_url: format!("{uri}/followers"),
            uri,
            public_key_pem: "-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----\n".into(),
            avatar_url: None,
            header_url: None,
            locked: false,
            bot: false,
            discoverable: true,
            fields: crate::db::json::Json(Vec::new()),
            followers_count: 3,
            following_count: 4,
            statuses_count: 5,
            last_status_at: None,
            created_at: created,
            updated_at: created,
            suspended_at: None,
            silenced_at: None,
            sensitized_at: None,
            also_known_as: Default::default(),
            moved_to_uri: None,
            profile: Default::default(),
            is_group: false,
        }
    }

    /// A status by `author` with the given visibility, mentioning `mentions`, tagged #HallwayTest.
    pub fn status_view(author: Account, visibility: &str, mentions: Vec<Account>) -> StatusView {
        let created = NaiveDate::from_ymd_opt(2026, 11, 20).and_then(|d| d.and_hms_opt(9, 15, 0)).expect("a date");
        let id = StatusId(115_000_000_000_000_001);
        StatusView {
            status: Arc::new(Status {
                id,
                uri: format!("{}/statuses/{id}", author.uri),
                url: format!("{}/{id}", author.url),
                account_id: author.id,
                local: author.is_local(),
                in_reply_to_id: None,
                in_reply_to_account_id: None,
                reblog_of_id: None,
                text: "Hello #HallwayTest".into(),
                content: "<p>Hello #HallwayTest</p>".into(),
                spoiler_text: String::new(),
                sensitive: false,
                visibility: crate::db::kinds::Visibility::from_text(visibility).expect("a visibility"),
                language: Some("en".into()),
                app_id: None,
                replies_count: 0,
                reblogs_count: 0,
                favourites_count: 0,
                created_at: created,
                edited_at: None,
                thread_id: id,
                quote_policy: crate::db::kinds::QuotePolicy::Public,
                local_only: false,
                group_id: None,
            }),
            account: Arc::new(author),
            cached_parts: None,
            reblog: None,
            mentions: mentions.into_iter().map(Arc::new).collect(),
            tags: vec![Tag { id: 7, name: "HallwayTest".into(), created_at: created }].into(),
            app: None,
            viewer: None,
            deleted_source: None,
            filtered: Vec::new(),
            media: Vec::new().into(),
            poll: None,
            emojis: Vec::new().into(),
            quote: None,
            quotes_count: 0,
            quote_permission: Default::default(),
        }
    }
}
