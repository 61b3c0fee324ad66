//! Actors: Hallway's own accounts as Mastodon shapes them, and remote actors read into account rows.

use activitypub_federation::kinds::kind;
use activitypub_federation::kinds::object::ImageType;
use activitypub_federation::protocol::helpers::deserialize_skip_error;
use activitypub_federation::protocol::public_key::PublicKey;
use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

use super::{deserialize_parseable_items, stored_url};
use crate::net::authority;
use crate::db::models::{Account, ProfileSettings};
use crate::ids::{self, AccountId};
use crate::service::accounts::{profile_fields, ProfileField};
use crate::service::markup;
use crate::service::sanitize;

kind!(PropertyValueType, PropertyValue);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActorKind {
    Person,
    Service,
    Application,
    Group,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    #[serde(rename = "type")]
    pub kind: ActorKind,
    pub id: Url,
    pub preferred_username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub inbox: Url,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followers: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub following: Option<Url>,
    /// The pinned statuses, as an ordered collection (Mastodon's and GoToSocial's `featured`).
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub featured: Option<Url>,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Endpoints>,
    pub public_key: PublicKey,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub icon: Option<Image>,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub manually_approves_followers: bool,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub discoverable: bool,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "deserialize_parseable_items")]
    pub attachment: Vec<PropertyValue>,
    /// The actors this one says it also is (one URI or a list): where it may have moved from.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub also_known_as: serde_json::Value,
    /// The actor it moved to.
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<Url>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_inbox: Option<Url>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    #[serde(rename = "type", default)]
    pub kind: ImageType,
    pub url: Url,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The image's description (alt text).
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A profile field: `name` is plain text, `value` is HTML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyValue {
    #[serde(rename = "type")]
    pub kind: PropertyValueType,
    pub name: String,
    pub value: String,
}

impl Person {
    /// One of our own accounts, as Mastodon serves its actors.
    pub fn from_local(account: &Account, base_url: &str) -> Person {
        let id = stored_url(&account.uri);
        let shared_inbox = account.shared_inbox_url.clone().unwrap_or_else(|| format!("{base_url}/inbox"));
        let name = if account.display_name.is_empty() { &account.username } else { &account.display_name };
        Person {
            kind: match (account.is_group, account.bot) {
                (true, _) => ActorKind::Group,
                (false, true) => ActorKind::Service,
                (false, false) => ActorKind::Person,
            },
            preferred_username: account.username.clone(),
            name: Some(name.clone()),
            summary: Some(account.note_html.clone()),
            inbox: stored_url(&account.inbox_url),
            outbox: Some(stored_url(&format!("{}/outbox", account.uri))),
            followers: Some(stored_url(&account.followers_url)),
            following: Some(stored_url(&format!("{}/following", account.uri))),
            featured: Some(stored_url(&format!("{}/collections/featured", account.uri))),
            endpoints: Some(Endpoints { shared_inbox: Some(stored_url(&shared_inbox)) }),
            public_key: PublicKey {
                id: format!("{id}#main-key"),
                owner: id.clone(),
                public_key_pem: account.public_key_pem.clone(),
            },
            icon: account.avatar_url.as_deref().map(|url| Image::at(url, &account.profile.avatar_description)),
            image: account.header_url.as_deref().map(|url| Image::at(url, &account.profile.header_description)),
            url: Some(stored_url(&account.url)),
            manually_approves_followers: account.locked,
            discoverable: account.discoverable,
            // Only the day, as Mastodon publishes it.
            published: Some(account.created_at.date().and_time(NaiveTime::MIN).and_utc()),
            attachment: profile_fields(account)
                .into_iter()
                .map(|field| PropertyValue {
                    kind: PropertyValueType::PropertyValue,
                    value: markup::render_line(&field.value),
                    name: field.name,
                })
                .collect(),
            also_known_as: if account.also_known_as.is_empty() { serde_json::Value::Null } else { serde_json::json!(account.also_known_as.0) },
            moved_to: account.moved_to_uri.as_deref().map(stored_url),
            id,
        }
    }

    /// The URIs of `alsoKnownAs` (at most a few: a move names one or two).
    pub fn aliases(&self) -> Vec<String> {
        let uris: Vec<&serde_json::Value> = match &self.also_known_as {
            serde_json::Value::Array(items) => items.iter().collect(),
            single => vec![single],
        };
        uris.into_iter().filter_map(|uri| Url::parse(uri.as_str()?).ok()).map(|uri| uri.to_string()).take(10).collect()
    }

    /// The row of this remote actor: a new one, or `existing` refreshed (its id, counters and history kept).
    pub fn to_account(&self, existing: Option<&Account>) -> Result<Account, String> {
        self.check_origin()?;
        if self.preferred_username.is_empty() {
            return Err(format!("{} has no preferredUsername", self.id));
        }
        if let Some(existing) = existing.filter(|a| a.uri != self.id.as_str()) {
            return Err(format!("{} is not the actor of account {} ({})", self.id, existing.id, existing.uri));
        }
        let now = ids::now();
        Ok(Account {
            id: existing.map_or_else(AccountId::next, |a| a.id),
            username: self.preferred_username.clone(),
            domain: Some(authority(&self.id).to_lowercase()),
            display_name: sanitize::text(self.name.as_deref().unwrap_or_default(), 100),
            note_source: String::new(),
            note_html: sanitize::html(self.summary.as_deref().unwrap_or_default()),
            uri: self.id.to_string(),
            url: self.url.as_ref().and_then(|u| sanitize::link(u.as_str())).unwrap_or_else(|| self.id.to_string()),
            inbox_url: self.inbox.to_string(),
            shared_inbox_url: self.shared_inbox().map(Url::to_string),
            followers_url: self.followers.as_ref().map(Url::to_string).unwrap_or_default(),
            public_key_pem: self.public_key.public_key_pem.clone(),
            avatar_url: self.icon.as_ref().and_then(|icon| sanitize::link(icon.url.as_str())),
            header_url: self.image.as_ref().and_then(|image| sanitize::link(image.url.as_str())),
            locked: self.manually_approves_followers,
            bot: matches!(self.kind, ActorKind::Service | ActorKind::Application),
            discoverable: self.discoverable,
            fields: crate::db::json::Json(self.profile_fields()),
            followers_count: existing.map_or(0, |a| a.followers_count),
            following_count: existing.map_or(0, |a| a.following_count),
            statuses_count: existing.map_or(0, |a| a.statuses_count),
            last_status_at: existing.and_then(|a| a.last_status_at),
            created_at: existing.map(|a| a.created_at).or(self.published.map(|p| p.naive_utc())).unwrap_or(now),
            updated_at: now,
            suspended_at: existing.and_then(|a| a.suspended_at),
            silenced_at: existing.and_then(|a| a.silenced_at),
            sensitized_at: existing.and_then(|a| a.sensitized_at),
            also_known_as: crate::db::json::Json(self.aliases()),
            moved_to_uri: self.moved_to.as_ref().map(Url::to_string),
            is_group: self.kind == ActorKind::Group,
            profile: crate::db::json::Json(ProfileSettings {
                avatar_description: self.icon.as_ref().map(Image::description).unwrap_or_default(),
                header_description: self.image.as_ref().map(Image::description).unwrap_or_default(),
                hide_collections: false,
                featured_tags: existing.map(|a| a.profile.featured_tags.clone()).unwrap_or_default(),
            }),
        })
    }

    pub fn shared_inbox(&self) -> Option<&Url> {
        self.endpoints.as_ref().and_then(|e| e.shared_inbox.as_ref())
    }

    /// An actor speaks only for its own server: every address it gives for itself must be there.
    fn check_origin(&self) -> Result<(), String> {
        if !matches!(self.id.scheme(), "http" | "https") {
            return Err(format!("{} is not an http(s) actor", self.id));
        }
        let key_id =
            Url::parse(&self.public_key.id).map_err(|e| format!("publicKey.id {}: {e}", self.public_key.id))?;
        let own_addresses = [
            ("inbox", Some(&self.inbox)),
            ("publicKey.id", Some(&key_id)),
            ("publicKey.owner", Some(&self.public_key.owner)),
            ("followers", self.followers.as_ref()),
            ("sharedInbox", self.shared_inbox()),
        ];
        for (name, url) in own_addresses {
            if let Some(url) = url.filter(|url| url.origin() != self.id.origin()) {
                return Err(format!("{name} {url} is not on the origin of {}", self.id));
            }
        }
        Ok(())
    }

    /// Profile fields as stored: plain text (the peer sends HTML values; links come back when rendered).
    fn profile_fields(&self) -> Vec<ProfileField> {
        self.attachment
            .iter()
            .map(|field| ProfileField { name: field.name.clone(), value: html_to_text(&field.value) })
            .collect()
    }
}

impl Image {
    fn at(url: &str, description: &str) -> Image {
        let name = (!description.is_empty()).then(|| description.to_owned());
        Image { kind: ImageType::Image, url: stored_url(url), media_type: None, name }
    }

    fn description(&self) -> String {
        sanitize::text(self.name.as_deref().unwrap_or_default(), crate::service::media::MAX_DESCRIPTION)
    }
}

/// The text of an HTML fragment: tags dropped, the entities an escaper writes decoded.
fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::apub::objects::testing::{self, BASE_URL};
    use crate::apub::objects::with_context;

    fn gotosocial_actor(name: &str) -> Person {
        serde_json::from_str(&testing::gotosocial(name)).expect("a GoToSocial actor")
    }

    #[test]
    fn remote_profiles_are_sanitised() {
        let mut actor = mastodon_actor();
        actor.summary = Some(r#"<p>hi<img src=x onerror="alert(1)"><script>x()</script></p>"#.into());
        actor.name = Some("Dana\0 Evil".into());
        actor.icon = Some(serde_json::from_value(serde_json::json!({"type": "Image", "url": "javascript:alert(1)"})).unwrap());
        let account = actor.to_account(None).unwrap();
        assert!(!account.note_html.contains("onerror") && !account.note_html.contains("script"), "{}", account.note_html);
        assert_eq!(account.display_name, "Dana Evil");
        assert_eq!(account.avatar_url, None);
    }

    fn mastodon_actor() -> Person {
        serde_json::from_str(&testing::mastodon("actor.json")).expect("a Mastodon actor")
    }

    #[test]
    fn a_gotosocial_actor_reads_into_a_remote_account() {
        let person = gotosocial_actor("actor.json");
        assert_eq!(person.kind, ActorKind::Person);
        assert_eq!(person.public_key.id, "http://127.0.0.1:3290/users/alice/main-key");

        let account = person.to_account(None).expect("an account");
        assert_eq!(account.username, "alice");
        assert_eq!(account.domain.as_deref(), Some("127.0.0.1:3290"));
        assert_eq!(account.uri, "http://127.0.0.1:3290/users/alice");
        assert_eq!(account.url, "http://127.0.0.1:3290/@alice");
        assert_eq!(account.inbox_url, "http://127.0.0.1:3290/users/alice/inbox");
        assert_eq!(account.shared_inbox_url, None, "GoToSocial gives no endpoints.sharedInbox");
        assert_eq!(account.followers_url, "http://127.0.0.1:3290/users/alice/followers");
        assert!(account.public_key_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        assert!(!account.locked && !account.bot && !account.discoverable);
        assert_eq!(account.created_at.to_string(), "2026-11-23 01:29:27");
        assert!(account.fields.is_empty());
    }

    /// GoToSocial and Mastodon actors name their `featured` collection; ours does too, with the context term.
    #[test]
    fn actors_name_their_featured_collection() {
        assert_eq!(gotosocial_actor("actor.json").featured.map(|u| u.to_string()).as_deref(), Some("http://127.0.0.1:3290/users/alice/collections/featured"));
        assert!(mastodon_actor().featured.is_some());
        let json = serde_json::to_value(with_context(Person::from_local(&testing::local_account(1, "alice"), BASE_URL))).unwrap();
        assert_eq!(json["featured"], "https://hallway.corp.example/users/alice/collections/featured");
        assert_eq!(json["@context"][2]["featured"]["@id"], "toot:featured");
    }

    #[test]
    fn a_refreshed_actor_keeps_the_row_it_updates() {
        let mut existing = gotosocial_actor("actor.json").to_account(None).expect("an account");
        existing.followers_count = 12;
        existing.statuses_count = 40;
        let updated = gotosocial_actor("actor_after_update.json").to_account(Some(&existing)).expect("an account");
        assert_eq!(updated.id, existing.id);
        assert_eq!((updated.followers_count, updated.statuses_count), (12, 40));
        assert_eq!(updated.created_at, existing.created_at);
        assert_eq!(updated.display_name, "Alice (GTS)");
        assert!(updated.note_html.starts_with("<p>Testing profile"));
    }

    #[test]
    fn an_actor_never_updates_another_accounts_row() {
        let other = testing::remote_account(5, "dana", "mastodon.corp.example");
        assert!(gotosocial_actor("actor.json").to_account(Some(&other)).is_err());
    }

    #[test]
    fn a_mastodon_actor_reads_with_its_fields_images_and_lock() {
        let person = mastodon_actor();
        let account = person.to_account(None).expect("an account");
        assert_eq!(account.domain.as_deref(), Some("mastodon.corp.example"));
        assert_eq!(account.display_name, "Dana Okafor");
        assert_eq!(account.shared_inbox_url.as_deref(), Some("https://mastodon.corp.example/inbox"));
        assert!(account.locked && account.discoverable && !account.bot);
        assert!(account.avatar_url.as_deref().is_some_and(|u| u.ends_with("/avatars/dana.png")));
        assert!(account.header_url.as_deref().is_some_and(|u| u.ends_with("/headers/dana.jpg")));
        let fields: Vec<ProfileField> = account.fields.0.clone();
        assert_eq!(
            fields,
            vec![
                ProfileField { name: "Desk".into(), value: "Building 4 & room 210".into() },
                ProfileField { name: "Wiki".into(), value: "https://wiki.corp.example/dana".into() },
            ],
            "values come back to plain text; the IdentityProof attachment is skipped"
        );
    }

    #[test]
    fn services_and_applications_are_bots() {
        let mut person = mastodon_actor();
        for (kind, bot) in [(ActorKind::Service, true), (ActorKind::Application, true), (ActorKind::Group, false)] {
            person.kind = kind;
            assert_eq!(person.to_account(None).expect("an account").bot, bot, "{kind:?}");
        }
    }

    #[test]
    fn an_actor_is_refused_when_its_addresses_leave_its_origin() {
        let elsewhere = Url::parse("https://mallory.example/inbox").expect("a URL");
        let other_port = Url::parse("https://mastodon.corp.example:8443/users/dana").expect("a URL");
        type Change = fn(&mut Person, Url);
        let cases: [(&str, Change); 4] = [
            ("inbox", |p, url| p.inbox = url),
            ("publicKey.owner", |p, url| p.public_key.owner = url),
            ("publicKey.id", |p, url| p.public_key.id = format!("{url}#main-key")),
            ("sharedInbox", |p, url| p.endpoints = Some(Endpoints { shared_inbox: Some(url) })),
        ];
        for (name, change) in cases {
            for url in [&elsewhere, &other_port] {
                let mut person = mastodon_actor();
                change(&mut person, url.clone());
                let refused = person.to_account(None).expect_err(name);
                assert!(refused.starts_with(name), "{refused}");
            }
        }
        let mut plain_http = mastodon_actor();
        plain_http.inbox = Url::parse("http://mastodon.corp.example/users/dana/inbox").expect("a URL");
        assert!(plain_http.to_account(None).is_err(), "http and https are different origins");
    }

    #[test]
    fn odd_shapes_are_tolerated() {
        let mut json: Value = serde_json::from_str(&testing::mastodon("actor.json")).expect("JSON");
        json["type"] = "Service".into();
        json["icon"] = serde_json::json!([{"type": "Image", "url": "https://mastodon.corp.example/a.png"}]);
        json["url"] = serde_json::json!({"type": "Link", "href": "https://mastodon.corp.example/@dana"});
        json["manuallyApprovesFollowers"] = Value::Null;
        json["attachment"] = serde_json::json!({"type": "PropertyValue", "name": "Only", "value": "one"});
        json["somethingNew"] = serde_json::json!({"nested": true});
        let person: Person = serde_json::from_value(json).expect("a tolerated actor");
        assert_eq!(person.kind, ActorKind::Service);
        assert_eq!((person.icon, person.url, person.manually_approves_followers), (None, None, false));
        assert_eq!(person.attachment.len(), 1);
    }

    #[test]
    fn a_local_account_serializes_as_a_mastodon_actor_and_reads_back() {
        let mut account = testing::local_account(1, "alice");
        account.display_name = "Alice Liddell".into();
        account.locked = true;
        account.avatar_url = Some(format!("{BASE_URL}/system/avatars/alice.png"));
        account.fields = crate::db::json::Json(vec![ProfileField { name: "Team".into(), value: "Platform <3 https://wiki.corp.example".into() }]);
        let json = serde_json::to_value(with_context(Person::from_local(&account, BASE_URL))).expect("JSON");

        assert_eq!(json["@context"][1], "https://w3id.org/security/v1");
        assert_eq!(json["type"], "Person");
        assert_eq!(json["id"], "https://hallway.corp.example/users/alice");
        assert_eq!(json["preferredUsername"], "alice");
        assert_eq!(json["outbox"], "https://hallway.corp.example/users/alice/outbox");
        assert_eq!(json["following"], "https://hallway.corp.example/users/alice/following");
        assert_eq!(json["endpoints"]["sharedInbox"], "https://hallway.corp.example/inbox");
        assert_eq!(json["publicKey"]["id"], "https://hallway.corp.example/users/alice#main-key");
        assert_eq!(json["publicKey"]["owner"], "https://hallway.corp.example/users/alice");
        assert_eq!(json["icon"]["type"], "Image");
        assert_eq!(json["manuallyApprovesFollowers"], true);
        assert_eq!(json["published"], "2026-03-02T00:00:00Z");
        assert_eq!(json["attachment"][0]["type"], "PropertyValue");
        assert!(json["attachment"][0]["value"].as_str().is_some_and(|v| v.contains("&lt;3 <a href")));

        let read_back: Person = serde_json::from_value(json).expect("our own actor parses");
        let row = read_back.to_account(None).expect("an account");
        assert_eq!(row.domain.as_deref(), Some("hallway.corp.example"));
        assert_eq!((row.username, row.display_name, row.locked), ("alice".into(), "Alice Liddell".into(), true));
        assert_eq!(row.fields, account.fields, "the field value survives the HTML round trip");
    }

    #[test]
    fn a_bot_without_display_name_is_a_service_named_by_username() {
        let mut account = testing::local_account(1, "deploys");
        account.display_name = String::new();
        account.bot = true;
        let person = Person::from_local(&account, BASE_URL);
        assert_eq!(person.kind, ActorKind::Service);
        assert_eq!(person.name.as_deref(), Some("deploys"));
        assert_eq!(person.icon, None);
    }
}
