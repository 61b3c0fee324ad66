//! Activities: what actors do to objects, as Mastodon and GoToSocial send them, and the ones Hallway sends.

use activitypub_federation::kinds::activity::{
    AcceptType, AnnounceType, BlockType, CreateType, DeleteType, FlagType, FollowType, LikeType, MoveType, RejectType,
    UndoType, UpdateType,
};
use activitypub_federation::kinds::kind;
use activitypub_federation::protocol::helpers::{deserialize_one_or_many, deserialize_skip_error};
use chrono::{DateTime, Utc};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use url::Url;

use crate::apub::addressing::{self, Audience, PUBLIC};
use crate::apub::objects::{stored_url, AnnouncementObject, Note, Person, Tombstone, ANNOUNCEMENT_TYPE};
use crate::ids;
use crate::service::views::StatusView;

/// Declares an activity: its type, id, actor, object and audience (`to` and `cc`: one address or many on
/// input, left out when empty), then any optional fields it adds.
macro_rules! activity {
    ($(#[$meta:meta])* $name:ident, $kind:ty, $object:ty $(, $field:ident: $type:ty)*) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            #[serde(rename = "type")]
            pub kind: $kind,
            pub id: Url,
            pub actor: Url,
            pub object: $object,
            #[serde(default, deserialize_with = "deserialize_one_or_many", skip_serializing_if = "Vec::is_empty")]
            pub to: Vec<String>,
            #[serde(default, deserialize_with = "deserialize_one_or_many", skip_serializing_if = "Vec::is_empty")]
            pub cc: Vec<String>,
            $(
                #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
                pub $field: $type,
            )*
        }
    };
}

activity!(Follow, FollowType, Url);
activity!(
    /// An Accept of a Follow, or of a QuoteRequest (`result` is then the QuoteAuthorization).
    Accept, AcceptType, FollowReference, result: Option<Url>
);
activity!(Reject, RejectType, FollowReference);
activity!(Undo, UndoType, Undone);
activity!(Create, CreateType, Note, published: Option<DateTime<Utc>>);
activity!(Update, UpdateType, Updated, published: Option<DateTime<Utc>>);
activity!(Delete, DeleteType, Deleted);

/// A company-wide announcement created or updated by a Hallway peer's instance actor (`type` is `Create`
/// or `Update`; the object's type is `Announcement`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnouncementActivity {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Url,
    pub actor: Url,
    pub object: AnnouncementObject,
    #[serde(default, deserialize_with = "deserialize_one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
}
activity!(
    /// A boost; `object` is the boosted note's id.
    Announce, AnnounceType, Url, published: Option<DateTime<Utc>>
);
activity!(
    /// A favourite; `object` is the note's id.
    Like, LikeType, Url
);
activity!(
    /// A block; `object` is the blocked actor.
    Block, BlockType, Url
);
activity!(
    /// An account moved (Mastodon's): `actor` and `object` are the account that moved, `target` the one it
    /// moved to, which names it in `alsoKnownAs`.
    Move, MoveType, Url, target: Option<Url>
);

/// A report sent to the reported account's instance: the actor and the reported notes, with a comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Flag {
    #[serde(rename = "type")]
    pub kind: FlagType,
    pub id: Url,
    pub actor: Url,
    #[serde(deserialize_with = "deserialize_one_or_many")]
    pub object: Vec<Url>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub content: String,
}

/// What an Accept or Reject answers: the Follow itself (Mastodon, GoToSocial), a QuoteRequest, or its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FollowReference {
    Follow(Box<Follow>),
    QuoteRequest(Box<QuoteRequest>),
    Id(Url),
}

kind!(QuoteRequestType, QuoteRequest);
kind!(QuoteAuthorizationType, QuoteAuthorization);

/// FEP-044f: `actor` asks to quote `object` with the status `instrument` (embedded, or its id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuoteRequest {
    #[serde(rename = "type")]
    pub kind: QuoteRequestType,
    pub id: Url,
    pub actor: Url,
    pub object: Url,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub instrument: Value,
}

impl QuoteRequest {
    /// The quoting status's id, whether the request embeds it or names it.
    pub fn instrument_id(&self) -> Option<Url> {
        match &self.instrument {
            Value::String(id) => Url::parse(id).ok(),
            Value::Object(object) => object.get("id").and_then(Value::as_str).and_then(|id| Url::parse(id).ok()),
            _ => None,
        }
    }

    /// The quoting status, when the request embeds it.
    pub fn instrument_note(&self) -> Option<Note> {
        self.instrument.is_object().then(|| serde_json::from_value(self.instrument.clone()).ok()).flatten()
    }
}

/// A QuoteAuthorization named in a Delete (its revocation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuoteAuthorizationRef {
    #[serde(rename = "type")]
    pub kind: QuoteAuthorizationType,
    pub id: Url,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Undone {
    Follow(Follow),
    Like(Like),
    Announce(Announce),
    Block(Block),
    Id(Url),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Updated {
    Note(Box<Note>),
    Person(Box<Person>),
}

/// Mastodon deletes a note with a Tombstone, GoToSocial with the note's id, and an actor deletes itself by its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Deleted {
    Tombstone(Tombstone),
    Note(Box<Note>),
    Authorization(QuoteAuthorizationRef),
    Id(Url),
}

/// An Announce that carries the note it boosts (a group's boost of a members-only post, which the members'
/// instances cannot fetch): the Announce with the note's id as its object, the note, and the note as sent
/// (what its author's proof covers).
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddedAnnounce {
    pub announce: Announce,
    pub note: Note,
    pub raw: Value,
}

impl EmbeddedAnnounce {
    fn parse(mut value: Value) -> Result<EmbeddedAnnounce, serde_json::Error> {
        let raw = value["object"].take();
        let note: Note = serde_json::from_value(raw.clone())?;
        value["object"] = Value::String(note.id.to_string());
        Ok(EmbeddedAnnounce { announce: serde_json::from_value(value)?, note, raw })
    }
}

/// An activity received in an inbox. A type Hallway does not handle is `Unsupported` (with its name);
/// a handled type that does not parse is an error.
#[derive(Debug, Clone, PartialEq)]
pub enum InboxActivity {
    Follow(Follow),
    Accept(Accept),
    Reject(Reject),
    Undo(Box<Undo>),
    Create(Box<Create>),
    Update(Box<Update>),
    Delete(Delete),
    Announce(Announce),
    EmbeddedAnnounce(Box<EmbeddedAnnounce>),
    Like(Like),
    Block(Block),
    Flag(Flag),
    Announcement(Box<AnnouncementActivity>),
    Move(Move),
    QuoteRequest(Box<QuoteRequest>),
    Unsupported(String),
}

impl<'de> Deserialize<'de> for InboxActivity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<InboxActivity, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let kind = value.get("type").and_then(Value::as_str).unwrap_or_default().to_owned();
        let of_announcement = value.get("object").and_then(|o| o.get("type")).and_then(Value::as_str) == Some(ANNOUNCEMENT_TYPE);
        let parsed = match kind.as_str() {
            "Create" | "Update" if of_announcement => serde_json::from_value(value).map(|a| InboxActivity::Announcement(Box::new(a))),
            "Follow" => serde_json::from_value(value).map(InboxActivity::Follow),
            "Accept" => serde_json::from_value(value).map(InboxActivity::Accept),
            "Reject" => serde_json::from_value(value).map(InboxActivity::Reject),
            "Undo" => serde_json::from_value(value).map(|undo| InboxActivity::Undo(Box::new(undo))),
            "Create" => serde_json::from_value(value).map(|create| InboxActivity::Create(Box::new(create))),
            "Update" => serde_json::from_value(value).map(|update| InboxActivity::Update(Box::new(update))),
            "Delete" => serde_json::from_value(value).map(InboxActivity::Delete),
            "Announce" if value.get("object").is_some_and(Value::is_object) => {
                EmbeddedAnnounce::parse(value).map(|embedded| InboxActivity::EmbeddedAnnounce(Box::new(embedded)))
            }
            "Announce" => serde_json::from_value(value).map(InboxActivity::Announce),
            "Like" => serde_json::from_value(value).map(InboxActivity::Like),
            "Block" => serde_json::from_value(value).map(InboxActivity::Block),
            "Flag" => serde_json::from_value(value).map(InboxActivity::Flag),
            "Move" => serde_json::from_value(value).map(InboxActivity::Move),
            "QuoteRequest" => serde_json::from_value(value).map(|request| InboxActivity::QuoteRequest(Box::new(request))),
            _ => return Ok(InboxActivity::Unsupported(kind)),
        };
        parsed.map_err(|e| D::Error::custom(format!("{kind}: {e}")))
    }
}

impl InboxActivity {
    /// The activity's id, None for an unsupported one.
    pub fn id(&self) -> Option<&Url> {
        self.id_and_actor().map(|(id, _)| id)
    }

    /// Who did it, None for an unsupported activity.
    pub fn actor(&self) -> Option<&Url> {
        self.id_and_actor().map(|(_, actor)| actor)
    }

    fn id_and_actor(&self) -> Option<(&Url, &Url)> {
        match self {
            InboxActivity::Follow(a) => Some((&a.id, &a.actor)),
            InboxActivity::Accept(a) => Some((&a.id, &a.actor)),
            InboxActivity::Reject(a) => Some((&a.id, &a.actor)),
            InboxActivity::Undo(a) => Some((&a.id, &a.actor)),
            InboxActivity::Create(a) => Some((&a.id, &a.actor)),
            InboxActivity::Update(a) => Some((&a.id, &a.actor)),
            InboxActivity::Delete(a) => Some((&a.id, &a.actor)),
            InboxActivity::Announce(a) => Some((&a.id, &a.actor)),
            InboxActivity::EmbeddedAnnounce(a) => Some((&a.announce.id, &a.announce.actor)),
            InboxActivity::Like(a) => Some((&a.id, &a.actor)),
            InboxActivity::Block(a) => Some((&a.id, &a.actor)),
            InboxActivity::Flag(a) => Some((&a.id, &a.actor)),
            InboxActivity::Announcement(a) => Some((&a.id, &a.actor)),
            InboxActivity::Move(a) => Some((&a.id, &a.actor)),
            InboxActivity::QuoteRequest(a) => Some((&a.id, &a.actor)),
            InboxActivity::Unsupported(_) => None,
        }
    }
}

impl FollowReference {
    pub fn id(&self) -> &Url {
        match self {
            FollowReference::Follow(follow) => &follow.id,
            FollowReference::QuoteRequest(request) => &request.id,
            FollowReference::Id(id) => id,
        }
    }
}

impl Undone {
    pub fn id(&self) -> &Url {
        match self {
            Undone::Follow(follow) => &follow.id,
            Undone::Like(like) => &like.id,
            Undone::Announce(announce) => &announce.id,
            Undone::Block(block) => &block.id,
            Undone::Id(id) => id,
        }
    }

    fn audience(&self) -> Audience {
        match self {
            Undone::Follow(Follow { to, cc, .. })
            | Undone::Like(Like { to, cc, .. })
            | Undone::Announce(Announce { to, cc, .. })
            | Undone::Block(Block { to, cc, .. }) => Audience { to: to.clone(), cc: cc.clone() },
            Undone::Id(_) => Audience::default(),
        }
    }
}

impl Deleted {
    pub fn id(&self) -> &Url {
        match self {
            Deleted::Tombstone(tombstone) => &tombstone.id,
            Deleted::Note(note) => &note.id,
            Deleted::Authorization(authorization) => &authorization.id,
            Deleted::Id(id) => id,
        }
    }
}

impl From<Block> for Undone {
    fn from(block: Block) -> Undone {
        Undone::Block(block)
    }
}

impl From<Follow> for Undone {
    fn from(follow: Follow) -> Undone {
        Undone::Follow(follow)
    }
}

impl From<Like> for Undone {
    fn from(like: Like) -> Undone {
        Undone::Like(like)
    }
}

impl From<Announce> for Undone {
    fn from(announce: Announce) -> Undone {
        Undone::Announce(announce)
    }
}

/// An id for an activity that has no row of its own: `{base}{suffix}`, under the id of what it is about.
fn derived_id(base: &Url, suffix: &str) -> Url {
    Url::parse(&format!("{base}{suffix}")).expect("a URL followed by a path or a fragment is a URL")
}

impl Block {
    pub fn new(id: Url, actor: Url, object: Url) -> Block {
        let to = vec![object.to_string()];
        Block { kind: BlockType::Block, id, actor, object, to, cc: Vec::new() }
    }
}

impl Move {
    /// `account` moved to `target`, told to its followers.
    pub fn of(account: Url, target: Url, followers: &str) -> Move {
        Move {
            kind: MoveType::Move,
            id: derived_id(&account, &format!("#moves/{}", ids::next_id())),
            actor: account.clone(),
            object: account,
            to: vec![followers.to_owned()],
            cc: Vec::new(),
            target: Some(target),
        }
    }
}

impl Follow {
    pub fn new(id: Url, actor: Url, object: Url) -> Follow {
        let to = vec![object.to_string()];
        Follow { kind: FollowType::Follow, id, actor, object, to, cc: Vec::new() }
    }
}

impl Accept {
    /// `actor` (the followed) accepts `follow`.
    pub fn of(follow: Follow, actor: Url) -> Accept {
        Accept {
            kind: AcceptType::Accept,
            id: derived_id(&actor, &format!("#accepts/follows/{}", ids::next_id())),
            to: vec![follow.actor.to_string()],
            cc: Vec::new(),
            object: FollowReference::Follow(Box::new(follow)),
            actor,
            result: None,
        }
    }
}

impl Reject {
    /// `actor` (the followed) rejects `follow`, or ends it after accepting.
    pub fn of(follow: Follow, actor: Url) -> Reject {
        Reject {
            kind: RejectType::Reject,
            id: derived_id(&actor, &format!("#rejects/follows/{}", ids::next_id())),
            to: vec![follow.actor.to_string()],
            cc: Vec::new(),
            object: FollowReference::Follow(Box::new(follow)),
            actor,
        }
    }
}

impl Undo {
    /// `actor` takes back what it did, addressed as the undone activity was.
    pub fn of(undone: impl Into<Undone>, actor: Url) -> Undo {
        let undone = undone.into();
        let Audience { to, cc } = undone.audience();
        Undo { kind: UndoType::Undo, id: derived_id(undone.id(), "/undo"), actor, object: undone, to, cc }
    }
}

impl Create {
    pub fn new(note: Note) -> Create {
        Create {
            kind: CreateType::Create,
            id: derived_id(&note.id, "/activity"),
            actor: note.attributed_to.clone(),
            to: note.to.clone(),
            cc: note.cc.clone(),
            published: note.published,
            object: note,
        }
    }
}

impl Update {
    /// An edited note, to the note's audience.
    pub fn of_note(note: Note) -> Update {
        Update {
            kind: UpdateType::Update,
            id: derived_id(&note.id, &format!("#updates/{}", ids::next_id())),
            actor: note.attributed_to.clone(),
            to: note.to.clone(),
            cc: note.cc.clone(),
            published: note.updated,
            object: Updated::Note(Box::new(note)),
        }
    }

    /// A changed profile, to everyone.
    pub fn of_person(person: Person) -> Update {
        Update {
            kind: UpdateType::Update,
            id: derived_id(&person.id, &format!("#updates/{}", ids::next_id())),
            actor: person.id.clone(),
            to: vec![PUBLIC.to_owned()],
            cc: Vec::new(),
            published: Some(Utc::now()),
            object: Updated::Person(Box::new(person)),
        }
    }
}

impl Delete {
    /// A deleted note, as a Tombstone, to the audience the note had.
    pub fn of_note(note: &Note) -> Delete {
        Delete {
            kind: DeleteType::Delete,
            id: derived_id(&note.id, "#delete"),
            actor: note.attributed_to.clone(),
            object: Deleted::Tombstone(Tombstone::new(note.id.clone())),
            to: note.to.clone(),
            cc: note.cc.clone(),
        }
    }
}

impl Announce {
    /// A reblog of ours (its uri is the Announce's id), or None for a view that is not a reblog.
    /// As Mastodon does, it is also addressed to the boosted note's author.
    pub fn of_reblog(reblog: &StatusView) -> Option<Announce> {
        let original = reblog.reblog.as_ref()?;
        let visibility = reblog.status.visibility;
        let author = [original.account.uri.clone()];
        let Audience { to, cc } = addressing::audience(visibility, &reblog.account.followers_url, &author);
        Some(Announce {
            kind: AnnounceType::Announce,
            id: stored_url(&reblog.status.uri),
            actor: stored_url(&reblog.account.uri),
            object: stored_url(&original.status.uri),
            to,
            cc,
            published: Some(reblog.status.created_at.and_utc()),
        })
    }
}

impl Like {
    pub fn new(id: Url, actor: Url, object: Url) -> Like {
        Like { kind: LikeType::Like, id, actor, object, to: Vec::new(), cc: Vec::new() }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use activitypub_federation::fetch::webfinger::Webfinger;

    use super::*;
    use crate::db::kinds::Visibility;
    use crate::apub::objects::testing::{self, BASE_URL};
    use crate::apub::objects::with_context;

    const GTS_FOLLOWERS: &str = "http://127.0.0.1:3290/users/alice/followers";
    const DANA_FOLLOWERS: &str = "https://mastodon.corp.example/users/dana/followers";

    fn parse(json: &str) -> InboxActivity {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}\n{json}"))
    }

    fn gotosocial(name: &str) -> InboxActivity {
        parse(&testing::gotosocial(name))
    }

    fn mastodon(name: &str) -> InboxActivity {
        parse(&testing::mastodon(name))
    }

    fn url(text: &str) -> Url {
        Url::parse(text).expect("a URL")
    }

    fn created_note(activity: InboxActivity) -> Note {
        match activity {
            InboxActivity::Create(create) => create.object,
            other => panic!("not a Create: {other:?}"),
        }
    }

    #[test]
    fn every_gotosocial_fixture_parses_into_its_type() {
        for name in testing::gotosocial_names() {
            let json = testing::gotosocial(&name);
            let parsed_as_expected = match name.as_str() {
                "accept_follow.json" => matches!(parse(&json), InboxActivity::Accept(_)),
                "announce.json" | "announce_own_note.json" => matches!(parse(&json), InboxActivity::Announce(_)),
                "create_note_followers_only.json"
                | "create_note_public.json"
                | "create_note_public_to_be_deleted.json"
                | "delivery.body.raw.json" => matches!(parse(&json), InboxActivity::Create(_)),
                "delete_note.json" => matches!(parse(&json), InboxActivity::Delete(_)),
                "follow.json" => matches!(parse(&json), InboxActivity::Follow(_)),
                "like.json" => matches!(parse(&json), InboxActivity::Like(_)),
                "undo_announce.json" | "undo_announce_own_note.json" | "undo_follow.json" | "undo_like.json" => {
                    matches!(parse(&json), InboxActivity::Undo(_))
                }
                "update_note.json" | "update_person.json" => matches!(parse(&json), InboxActivity::Update(_)),
                "actor.json" | "actor_after_update.json" => serde_json::from_str::<Person>(&json).is_ok(),
                "note.json" | "note_followers_only.json" => serde_json::from_str::<Note>(&json).is_ok(),
                "webfinger.json" => serde_json::from_str::<Webfinger>(&json).is_ok(),
                other => panic!("{other} is a new fixture: say here what it should parse into"),
            };
            assert!(parsed_as_expected, "{name}");
        }
    }

    #[test]
    fn gotosocial_creates_carry_visibility_mentions_and_hashtags() {
        let followers_only = gotosocial("create_note_followers_only.json");
        assert_eq!(
            followers_only.id().map(Url::as_str),
            Some("http://127.0.0.1:3290/users/alice/statuses/01M830BNMZXV84Y7YH0BNEDE1Y/activity#Create")
        );
        assert_eq!(followers_only.actor().map(Url::as_str), Some("http://127.0.0.1:3290/users/alice"));
        let note = created_note(followers_only);
        assert_eq!(note.visibility(GTS_FOLLOWERS), Visibility::Private);
        assert_eq!(note.mentioned_uris(), vec![&url("https://127.0.0.1:3291/users/carol")]);
        assert!(note.hashtag_names().iter().any(|name| name.eq_ignore_ascii_case("HallwayTest")));

        let public = created_note(gotosocial("create_note_public.json"));
        assert_eq!(public.visibility(GTS_FOLLOWERS), Visibility::Public);
        assert_eq!(public.cc, vec![GTS_FOLLOWERS.to_owned(), "https://127.0.0.1:3291/users/carol".to_owned()]);

        let single_tag = created_note(gotosocial("create_note_public_to_be_deleted.json"));
        assert_eq!(single_tag.visibility(GTS_FOLLOWERS), Visibility::Public);
        assert_eq!(single_tag.hashtag_names(), vec!["hallwaytest"], "`tag` given as one object");
        assert_eq!(single_tag.cc, vec![GTS_FOLLOWERS.to_owned()], "`cc` given as one string");

        let delivered = created_note(gotosocial("delivery.body.raw.json"));
        assert_eq!(delivered, public, "the delivered body is the pretty-printed one");
    }

    #[test]
    fn gotosocial_follow_accept_and_undos_read_their_objects() {
        let InboxActivity::Follow(follow) = gotosocial("follow.json") else { panic!("a Follow") };
        assert_eq!(
            (follow.actor.as_str(), follow.object.as_str()),
            ("http://127.0.0.1:3290/users/alice", "https://127.0.0.1:3291/users/carol")
        );

        let InboxActivity::Accept(accept) = gotosocial("accept_follow.json") else { panic!("an Accept") };
        let FollowReference::Follow(accepted) = &accept.object else { panic!("an embedded Follow") };
        assert_eq!(accepted.actor.as_str(), "https://127.0.0.1:3291/users/carol");
        assert_eq!(
            accept.object.id().as_str(),
            "https://127.0.0.1:3291/activities/403785f9-5a14-472c-b3de-6983a50db125"
        );

        let InboxActivity::Undo(undo_follow) = gotosocial("undo_follow.json") else { panic!("an Undo") };
        assert_eq!(undo_follow.object, Undone::Follow(follow));

        let InboxActivity::Undo(undo_like) = gotosocial("undo_like.json") else { panic!("an Undo") };
        let InboxActivity::Like(like) = gotosocial("like.json") else { panic!("a Like") };
        assert_eq!(undo_like.object, Undone::Like(like));

        let InboxActivity::Undo(undo_announce) = gotosocial("undo_announce.json") else { panic!("an Undo") };
        let InboxActivity::Announce(announce) = gotosocial("announce.json") else { panic!("an Announce") };
        assert_eq!(undo_announce.object, Undone::Announce(announce));
    }

    #[test]
    fn gotosocial_announce_delete_and_updates_read_their_objects() {
        let InboxActivity::Announce(announce) = gotosocial("announce.json") else { panic!("an Announce") };
        assert_eq!(announce.object.as_str(), "https://127.0.0.1:3291/notes/efe6eeb8-0ba8-40d1-84b0-9bff23717039");
        assert_eq!(addressing::visibility(&announce.to, &announce.cc, GTS_FOLLOWERS), Visibility::Unlisted);
        assert!(announce.published.is_some());

        let InboxActivity::Delete(delete) = gotosocial("delete_note.json") else { panic!("a Delete") };
        assert_eq!(
            delete.object,
            Deleted::Id(url("http://127.0.0.1:3290/users/alice/statuses/01M830C5FV6D2T7MXSAF747BKF"))
        );

        let InboxActivity::Update(update) = gotosocial("update_note.json") else { panic!("an Update") };
        let Updated::Note(note) = &update.object else { panic!("an updated Note") };
        assert!(note.content.contains("EDITED") && note.updated.is_some());

        let InboxActivity::Update(update) = gotosocial("update_person.json") else { panic!("an Update") };
        let Updated::Person(person) = &update.object else { panic!("an updated Person") };
        assert_eq!(person.name.as_deref(), Some("Alice (GTS)"));
    }

    #[test]
    fn mastodon_creates_read_with_their_visibility() {
        let public = created_note(mastodon("create_note_public.json"));
        assert_eq!(public.visibility(DANA_FOLLOWERS), Visibility::Public);
        assert_eq!(public.mentioned_uris(), vec![&url("https://hallway.corp.example/users/alice")]);
        assert_eq!(public.hashtag_names(), vec!["budgets"], "the Emoji tag is dropped");
        assert_eq!(public.spoiler_text(), "");

        let unlisted = created_note(mastodon("create_note_unlisted.json"));
        assert_eq!(unlisted.visibility(DANA_FOLLOWERS), Visibility::Unlisted);

        let direct = created_note(mastodon("create_note_direct.json"));
        assert_eq!(direct.visibility(DANA_FOLLOWERS), Visibility::Direct);
        assert_eq!(direct.spoiler_text(), "salary bands");
        assert!(direct.sensitive);
        assert_eq!(
            direct.in_reply_to,
            Some(url("https://hallway.corp.example/users/alice/statuses/115000000000000001"))
        );
    }

    /// Mastodon 4.5's quote posts: a quoting Note, a QuoteRequest, its Accept and a revocation.
    #[test]
    fn mastodon_quote_documents_read() {
        let InboxActivity::Create(create) = mastodon("create_note_quote.json") else { panic!("a Create") };
        let note = create.object;
        assert_eq!(note.quoted_uri().map(Url::as_str), Some("https://hallway.corp.example/users/alice/statuses/115000000000000001"));
        assert_eq!(note.quote_authorization.as_ref().map(Url::as_str), Some("https://hallway.corp.example/users/alice/quote_authorizations/42"));
        assert_eq!(note.quote_policy("https://mastodon.corp.example/users/dana/followers"), crate::db::kinds::QuotePolicy::Followers);

        let InboxActivity::QuoteRequest(request) = mastodon("quote_request.json") else { panic!("a QuoteRequest") };
        assert_eq!(request.object.as_str(), "https://hallway.corp.example/users/alice/statuses/115000000000000001");
        assert_eq!(request.instrument_id().map(|u| u.to_string()).as_deref(), Some("https://mastodon.corp.example/users/dana/statuses/115000000000000300"));
        assert!(request.instrument_note().is_some_and(|n| n.quoted_uri().is_some()));

        let InboxActivity::Accept(accept) = mastodon("accept_quote_request.json") else { panic!("an Accept") };
        assert!(matches!(accept.object, FollowReference::QuoteRequest(_)));
        assert_eq!(accept.object.id().as_str(), "https://hallway.corp.example/users/alice/quote_requests/115000000000000500");
        assert_eq!(accept.result.as_ref().map(Url::as_str), Some("https://mastodon.corp.example/users/dana/quote_authorizations/991"));

        let InboxActivity::Delete(delete) = mastodon("delete_quote_authorization.json") else { panic!("a Delete") };
        assert!(matches!(delete.object, Deleted::Authorization(_)));
        assert_eq!(delete.object.id().as_str(), "https://mastodon.corp.example/users/dana/quote_authorizations/991");
    }

    #[test]
    fn mastodon_follow_accept_undo_like_announce_delete_and_update_read() {
        let InboxActivity::Follow(follow) = mastodon("follow.json") else { panic!("a Follow") };
        assert_eq!(follow.object.as_str(), "https://hallway.corp.example/users/alice");

        let InboxActivity::Accept(accept) = mastodon("accept_follow.json") else { panic!("an Accept") };
        assert_eq!(accept.object.id().as_str(), "https://hallway.corp.example/users/alice#follows/115000000000000042");

        let InboxActivity::Undo(undo) = mastodon("undo_follow.json") else { panic!("an Undo") };
        assert_eq!(undo.object, Undone::Follow(follow));

        let InboxActivity::Like(like) = mastodon("like.json") else { panic!("a Like") };
        assert_eq!(like.object.as_str(), "https://hallway.corp.example/users/alice/statuses/115000000000000001");

        let InboxActivity::Announce(announce) = mastodon("announce.json") else { panic!("an Announce") };
        assert_eq!(addressing::visibility(&announce.to, &announce.cc, DANA_FOLLOWERS), Visibility::Public);

        let InboxActivity::Delete(delete) = mastodon("delete_note.json") else { panic!("a Delete") };
        assert!(matches!(delete.object, Deleted::Tombstone(_)));
        assert_eq!(delete.object.id().as_str(), "https://mastodon.corp.example/users/dana/statuses/113500000000000001");

        let InboxActivity::Update(update) = mastodon("update_person.json") else { panic!("an Update") };
        let Updated::Person(person) = &update.object else { panic!("an updated Person") };
        assert_eq!(person.preferred_username, "dana");
    }

    #[test]
    fn unknown_types_are_unsupported_and_broken_known_ones_errors() {
        let add = r#"{"type": "Add", "id": "https://m.example/a/1", "actor": "https://m.example/u/a", "object": "https://m.example/s/1"}"#;
        assert_eq!(parse(add), InboxActivity::Unsupported("Add".into()));
        assert_eq!(parse(add).id(), None);
        let block = r#"{"type": "Block", "id": "https://m.example/b/1", "actor": "https://m.example/u/a", "object": "https://h.example/u/b"}"#;
        assert!(matches!(parse(block), InboxActivity::Block(_)));
        assert_eq!(parse(r#"{"id": "https://m.example/x"}"#), InboxActivity::Unsupported(String::new()));

        let follow_without_object =
            r#"{"type": "Follow", "id": "https://m.example/f/1", "actor": "https://m.example/u/a"}"#;
        let error = serde_json::from_str::<InboxActivity>(follow_without_object).expect_err("an error");
        assert!(error.to_string().starts_with("Follow: missing field `object`"), "{error}");
        let create_of_a_page = r#"{"type": "Create", "id": "https://m.example/c/1", "actor": "https://m.example/u/a",
            "object": {"type": "Page", "id": "https://m.example/p/1", "attributedTo": "https://m.example/u/a"}}"#;
        assert!(serde_json::from_str::<InboxActivity>(create_of_a_page).is_err());
    }

    fn alice() -> Url {
        url("https://hallway.corp.example/users/alice")
    }

    fn dana() -> Url {
        url("https://mastodon.corp.example/users/dana")
    }

    /// What a peer reads from an activity of ours, sent with our context.
    fn sent(activity: impl Serialize) -> InboxActivity {
        let json = serde_json::to_string(&with_context(activity)).expect("JSON");
        assert!(json.starts_with(r#"{"@context":["https://www.w3.org/ns/activitystreams""#), "{json}");
        parse(&json)
    }

    #[test]
    fn follow_accept_reject_and_undo_of_ours_read_back() {
        let follow = Follow::new(url("https://hallway.corp.example/users/alice#follows/42"), alice(), dana());
        assert_eq!(sent(follow.clone()), InboxActivity::Follow(follow.clone()));

        let accept = Accept::of(follow.clone(), dana());
        assert!(accept.id.as_str().starts_with("https://mastodon.corp.example/users/dana#accepts/follows/"));
        assert_eq!(accept.to, vec![alice().to_string()]);
        assert_eq!(sent(accept.clone()), InboxActivity::Accept(accept));

        let reject = Reject::of(follow.clone(), dana());
        assert_eq!(reject.object.id(), &follow.id);
        assert_eq!(sent(reject.clone()), InboxActivity::Reject(reject));

        let undo = Undo::of(follow.clone(), alice());
        assert_eq!(undo.id.as_str(), "https://hallway.corp.example/users/alice#follows/42/undo");
        assert_eq!(undo.to, vec![dana().to_string()]);
        assert_eq!(sent(undo.clone()), InboxActivity::Undo(Box::new(undo)));
    }

    #[test]
    fn create_update_and_delete_of_a_note_carry_its_audience() {
        let mut view = testing::status_view(testing::local_account(1, "alice"), "private", Vec::new());
        view.mentions = vec![Arc::new(testing::remote_account(2, "dana", "mastodon.corp.example"))];
        let note = Note::from_view(&view, BASE_URL, None);

        let create = Create::new(note.clone());
        assert_eq!(create.id.as_str(), format!("{}/activity", note.id));
        assert_eq!((&create.actor, &create.to, &create.cc), (&alice(), &note.to, &note.cc));
        assert_eq!(create.published, note.published);
        let InboxActivity::Create(read) = sent(create.clone()) else { panic!("a Create") };
        assert_eq!(read.object.visibility(&view.account.followers_url), Visibility::Private);

        let update = Update::of_note(note.clone());
        assert!(update.id.as_str().starts_with(&format!("{}#updates/", note.id)));
        assert_eq!(update.cc, vec![dana().to_string()]);
        assert_eq!(sent(update.clone()), InboxActivity::Update(Box::new(update)));

        let delete = Delete::of_note(&note);
        assert_eq!(delete.id.as_str(), format!("{}#delete", note.id));
        assert_eq!(delete.object, Deleted::Tombstone(Tombstone::new(note.id.clone())));
        assert_eq!((&delete.to, &delete.cc), (&note.to, &note.cc));
        assert_eq!(sent(delete.clone()), InboxActivity::Delete(delete));
    }

    #[test]
    fn an_update_of_a_profile_goes_to_everyone() {
        let person = Person::from_local(&testing::local_account(1, "alice"), BASE_URL);
        let update = Update::of_person(person.clone());
        assert_eq!((update.actor.clone(), update.to.clone()), (person.id.clone(), vec![PUBLIC.to_owned()]));
        let InboxActivity::Update(read) = sent(update) else { panic!("an Update") };
        assert_eq!(read.object, Updated::Person(Box::new(person)));
    }

    #[test]
    fn a_reblog_is_announced_to_followers_and_the_author() {
        let dana = testing::remote_account(2, "dana", "mastodon.corp.example");
        let original = testing::status_view(dana.clone(), "public", Vec::new());
        let alice = testing::local_account(1, "alice");
        let mut reblog = testing::status_view(alice.clone(), "public", Vec::new());
        Arc::make_mut(&mut reblog.status).uri = format!("{}/statuses/115000000000000077/activity", alice.uri);
        Arc::make_mut(&mut reblog.status).reblog_of_id = Some(original.status.id);
        reblog.reblog = Some(Box::new(original.clone()));

        let announce = Announce::of_reblog(&reblog).expect("an Announce");
        assert_eq!(announce.id.as_str(), reblog.status.uri);
        assert_eq!(announce.object.as_str(), original.status.uri);
        assert_eq!(announce.to, vec![PUBLIC.to_owned()]);
        assert_eq!(announce.cc, vec![alice.followers_url.clone(), dana.uri.clone()]);
        assert_eq!(sent(announce.clone()), InboxActivity::Announce(announce.clone()));

        let undo = Undo::of(announce.clone(), announce.actor.clone());
        assert_eq!((&undo.to, &undo.cc), (&announce.to, &announce.cc));
        assert_eq!(Announce::of_reblog(&original), None, "not a reblog");
    }

    #[test]
    fn a_like_of_ours_reads_back() {
        let status = url("https://mastodon.corp.example/users/dana/statuses/113500000000000001");
        let like = Like::new(url("https://hallway.corp.example/users/alice#likes/9"), alice(), status);
        assert_eq!(sent(like.clone()), InboxActivity::Like(like.clone()));
        assert_eq!(Undo::of(like, alice()).id.as_str(), "https://hallway.corp.example/users/alice#likes/9/undo");
    }
}
