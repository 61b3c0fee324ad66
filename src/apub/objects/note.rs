//! Notes (statuses) and the tombstones deleted ones leave.

use std::collections::BTreeMap;

use activitypub_federation::kinds::kind;
use activitypub_federation::kinds::object::TombstoneType;
use activitypub_federation::protocol::helpers::{deserialize_one_or_many, deserialize_skip_error};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::{deserialize_parseable_items, stored_url};
use crate::apub::addressing::{self, Audience, PUBLIC};
use crate::db::kinds::{QuotePolicy, QuoteState};
use crate::net::authority;
use crate::db::models::{Account, CustomEmoji, MediaAttachment};
use crate::service::statuses::Visibility;
use crate::service::views::StatusView;

kind!(HashtagType, Hashtag);

/// Mastodon makes statuses of Articles and Questions too (a Question's poll is not read yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoteKind {
    Note,
    Article,
    Question,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    #[serde(rename = "type")]
    pub kind: NoteKind,
    pub id: Url,
    pub attributed_to: Url,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub to: Vec<String>,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub cc: Vec<String>,
    /// Left out when empty: GoToSocial and Mastodon read a named reply without `content` as a poll vote, and
    /// a vote with `"content": ""` as an empty reply.
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "String::is_empty")]
    pub content: String,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "BTreeMap::is_empty")]
    pub content_map: BTreeMap<String, String>,
    /// The content warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub sensitive: bool,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub in_reply_to: Option<Url>,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    #[serde(default, deserialize_with = "deserialize_parseable_items")]
    pub tag: Vec<Tag>,
    #[serde(default, deserialize_with = "deserialize_parseable_items")]
    pub attachment: Vec<Document>,
    /// On a poll vote, the chosen option (Mastodon sends votes as Notes named so, replying to the Question).
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A Question's options: `oneOf` for one choice, `anyOf` for several.
    #[serde(default, deserialize_with = "deserialize_parseable_items", skip_serializing_if = "Vec::is_empty")]
    pub one_of: Vec<PollOption>,
    #[serde(default, deserialize_with = "deserialize_parseable_items", skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<PollOption>,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub closed: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub voters_count: Option<i64>,
    /// The status it quotes (FEP-044f); Fedibird's `quoteUri`, Misskey's `_misskey_quote` and `quoteUrl` say
    /// the same, for servers that read only those.
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub quote: Option<Url>,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub quote_uri: Option<Url>,
    #[serde(rename = "_misskey_quote", default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub misskey_quote: Option<Url>,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing)]
    pub quote_url: Option<Url>,
    /// The quoted author's QuoteAuthorization, once given.
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub quote_authorization: Option<Url>,
    /// Who may quote it without asking (`canQuote.automaticApproval`).
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub interaction_policy: Option<InteractionPolicy>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InteractionPolicy {
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub can_quote: Option<ApprovalRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRule {
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub automatic_approval: Vec<String>,
    #[serde(default, deserialize_with = "deserialize_one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub manual_approval: Vec<String>,
}

/// One option of a Question, with its count as `replies.totalItems`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PollOption {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub replies: OptionCount,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OptionCount {
    #[serde(rename = "type", default = "collection")]
    pub kind: String,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub total_items: i64,
}

fn collection() -> String {
    "Collection".into()
}

/// A media attachment, as Mastodon sends it (`Document`; some servers say `Image`, `Video` or `Audio`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// A URL, a Link object, or a list of them.
    pub url: Value,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub blurhash: Option<String>,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub focal_point: Option<[f64; 2]>,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

impl Document {
    fn of(media: &MediaAttachment, base_url: &str) -> Option<Document> {
        let url = match (&media.remote_url, &media.file_key) {
            (Some(remote), _) => remote.clone(),
            (None, Some(key)) => format!("{base_url}/system/{key}"),
            (None, None) => return None,
        };
        let meta: &Value = &media.meta;
        let dimension = |key: &str| meta["original"][key].as_u64().and_then(|v| u32::try_from(v).ok());
        Some(Document {
            kind: "Document".into(),
            media_type: Some(media.content_type.clone()),
            url: Value::String(url),
            name: media.description.clone(),
            blurhash: media.blurhash.clone(),
            focal_point: Some([media.focus_x, media.focus_y]),
            width: dimension("width"),
            height: dimension("height"),
        })
    }

    /// The http(s) URL of the media: the first link's `href` when there are several.
    pub fn href(&self) -> Option<String> {
        let first = match &self.url {
            Value::Array(links) => links.first()?,
            one => one,
        };
        let text = match first {
            Value::String(url) => url.as_str(),
            Value::Object(link) => link.get("href")?.as_str()?,
            _ => return None,
        };
        crate::service::sanitize::link(text)
    }
}

/// The tags Hallway reads; emojis and other kinds are dropped when parsing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Tag {
    Mention(Mention),
    Hashtag(Hashtag),
    Emoji(Emoji),
}

/// A custom emoji a note's text names, as `:shortcode:`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Emoji {
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub id: Option<Url>,
    /// `:shortcode:`.
    pub name: String,
    pub icon: EmojiIcon,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmojiIcon {
    #[serde(rename = "type", default = "image_type")]
    pub kind: String,
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub url: Url,
}

fn image_type() -> String {
    "Image".into()
}

impl Emoji {
    fn of(emoji: &CustomEmoji, base_url: &str) -> Option<Emoji> {
        let url = match (&emoji.image_key, &emoji.image_url) {
            (Some(key), _) => format!("{base_url}/system/{key}"),
            (None, Some(url)) => url.clone(),
            (None, None) => return None,
        };
        let media_type = match url.rsplit('.').next() {
            Some("gif") => "image/gif",
            Some("webp") => "image/webp",
            _ => "image/png",
        };
        Some(Emoji {
            id: Url::parse(&format!("{base_url}/emojis/{}", emoji.id)).ok(),
            name: format!(":{}:", emoji.shortcode),
            icon: EmojiIcon { kind: image_type(), media_type: Some(media_type.into()), url: Url::parse(&url).ok()? },
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    /// The mentioned actor's id.
    pub href: Url,
    /// `@user@domain`.
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hashtag {
    #[serde(default, deserialize_with = "deserialize_skip_error", skip_serializing_if = "Option::is_none")]
    pub href: Option<Url>,
    /// `#name`.
    pub name: String,
}

/// What a deleted object leaves behind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tombstone {
    #[serde(rename = "type")]
    pub kind: TombstoneType,
    pub id: Url,
}

impl Note {
    /// A status of ours. `in_reply_to` is the uri of the status it answers, which the view does not hold.
    /// A reblog is not a note: send `Announce::of_reblog` instead.
    pub fn from_view(view: &StatusView, base_url: &str, in_reply_to: Option<&str>) -> Note {
        let status = &view.status;
        // A visibility we cannot read reaches the fewest people.
        let visibility = status.visibility;
        let mentioned: Vec<String> = view.mentions.iter().map(|account| account.uri.clone()).collect();
        let Audience { to, cc } = addressing::audience(visibility, &view.account.followers_url, &mentioned);
        let local_domain = authority(&stored_url(base_url));
        let mentions = view.mentions.iter().map(|account| Tag::Mention(Mention::of(account, &local_domain)));
        let hashtags = view.tags.iter().map(|tag| {
            let href = stored_url(&format!("{base_url}/tags/{}", tag.name.to_lowercase()));
            Tag::Hashtag(Hashtag { href: Some(href), name: format!("#{}", tag.name) })
        });
        let poll = view.poll.as_ref().map(|p| &p.poll);
        let options: Vec<PollOption> = poll
            .map(|poll| {
                poll.options
                    .iter()
                    .cloned()
                    .zip(poll.counts())
                    .map(|(name, total_items)| PollOption {
                        kind: "Note".into(),
                        name,
                        replies: OptionCount { kind: collection(), total_items },
                    })
                    .collect()
            })
            .unwrap_or_default();
        let multiple = poll.is_some_and(|p| p.multiple);
        let end_time = poll.and_then(|p| p.expires_at).map(|at| at.and_utc());
        let quote = view.quote.as_ref();
        let quoted_exists = quote.is_some_and(|q| q.row.quoted_status_id.is_some());
        let automatic = match status.quote_policy {
            QuotePolicy::Public => PUBLIC.to_owned(),
            QuotePolicy::Followers => view.account.followers_url.clone(),
            QuotePolicy::Nobody | QuotePolicy::Unsupported => view.account.uri.clone(),
        };
        Note {
            kind: if poll.is_some() { NoteKind::Question } else { NoteKind::Note },
            id: stored_url(&status.uri),
            attributed_to: stored_url(&view.account.uri),
            to,
            cc,
            content: status.content.clone(),
            content_map: status.language.iter().map(|language| (language.clone(), status.content.clone())).collect(),
            summary: Some(status.spoiler_text.clone()).filter(|spoiler| !spoiler.is_empty()),
            sensitive: status.sensitive,
            in_reply_to: in_reply_to.map(stored_url),
            published: Some(status.created_at.and_utc()),
            updated: status.edited_at.map(|edited| edited.and_utc()),
            url: Some(stored_url(&status.url)),
            tag: mentions.chain(hashtags).chain(view.emojis.iter().filter_map(|e| Emoji::of(e, base_url)).map(Tag::Emoji)).collect(),
            attachment: view.media.iter().filter_map(|m| Document::of(m, base_url)).collect(),
            name: None,
            one_of: if multiple { Vec::new() } else { options.clone() },
            any_of: if multiple { options } else { Vec::new() },
            end_time,
            closed: end_time.filter(|end| *end <= Utc::now()),
            voters_count: poll.map(|p| p.voters_count),
            quote: quote.map(|q| stored_url(&q.row.quoted_uri)),
            quote_uri: quoted_exists.then(|| quote.map(|q| stored_url(&q.row.quoted_uri))).flatten(),
            misskey_quote: quoted_exists.then(|| quote.map(|q| stored_url(&q.row.quoted_uri))).flatten(),
            quote_url: None,
            quote_authorization: quote
                .filter(|q| q.row.state == QuoteState::Accepted)
                .and_then(|q| q.row.approval_uri.as_deref())
                .and_then(|uri| Url::parse(uri).ok()),
            interaction_policy: Some(InteractionPolicy { can_quote: Some(ApprovalRule { automatic_approval: vec![automatic], manual_approval: Vec::new() }) }),
        }
    }

    /// The quoted status's URI, from whichever property the author's server wrote it in.
    pub fn quoted_uri(&self) -> Option<&Url> {
        self.quote.as_ref().or(self.misskey_quote.as_ref()).or(self.quote_url.as_ref()).or(self.quote_uri.as_ref())
    }

    /// Who may quote it, read from `interactionPolicy` the way Mastodon reads it: none given, nobody.
    pub fn quote_policy(&self, author_followers_url: &str) -> QuotePolicy {
        let Some(rule) = self.interaction_policy.as_ref().and_then(|p| p.can_quote.as_ref()) else { return QuotePolicy::Nobody };
        let author = self.attributed_to.as_str();
        let mut policies = rule.automatic_approval.iter().filter(|who| who.as_str() != author).map(|who| {
            if addressing::is_public(who) {
                QuotePolicy::Public
            } else if who == author_followers_url {
                QuotePolicy::Followers
            } else {
                QuotePolicy::Unsupported
            }
        });
        let first = policies.next();
        match first {
            None if rule.manual_approval.is_empty() => QuotePolicy::Nobody,
            None => QuotePolicy::Unsupported,
            Some(policy) => policies.fold(policy, |widest, next| match (widest, next) {
                (QuotePolicy::Public, _) | (_, QuotePolicy::Public) => QuotePolicy::Public,
                (QuotePolicy::Unsupported, _) | (_, QuotePolicy::Unsupported) => QuotePolicy::Unsupported,
                (other, _) => other,
            }),
        }
    }

    /// A local account's vote on a remote poll: a Note named after the chosen option, to the poll's author.
    pub fn vote(uri: &str, voter: &Account, author: &Account, question_uri: &str, option: &str) -> Note {
        Note {
            kind: NoteKind::Note,
            id: stored_url(uri),
            attributed_to: stored_url(&voter.uri),
            to: vec![author.uri.clone()],
            cc: Vec::new(),
            content: String::new(),
            content_map: BTreeMap::new(),
            summary: None,
            sensitive: false,
            in_reply_to: Some(stored_url(question_uri)),
            published: Some(Utc::now()),
            updated: None,
            url: None,
            tag: Vec::new(),
            attachment: Vec::new(),
            name: Some(option.to_owned()),
            one_of: Vec::new(),
            any_of: Vec::new(),
            end_time: None,
            closed: None,
            voters_count: None,
            quote: None,
            quote_uri: None,
            misskey_quote: None,
            quote_url: None,
            quote_authorization: None,
            interaction_policy: None,
        }
    }

    /// The poll option a vote chose, when this note is a vote (named, replying, without content).
    pub fn vote_choice(&self) -> Option<&str> {
        let name = self.name.as_deref().filter(|n| !n.is_empty())?;
        (self.in_reply_to.is_some() && self.content.trim().is_empty() && self.kind == NoteKind::Note).then_some(name)
    }

    /// A Question's options with their counts (empty for other notes).
    pub fn poll_options(&self) -> (Vec<(String, i64)>, bool) {
        let multiple = !self.any_of.is_empty();
        let options = if multiple { &self.any_of } else { &self.one_of };
        (options.iter().map(|o| (o.name.clone(), o.replies.total_items)).collect(), multiple)
    }

    pub fn audience(&self) -> Audience {
        Audience { to: self.to.clone(), cc: self.cc.clone() }
    }

    pub fn visibility(&self, author_followers_url: &str) -> Visibility {
        addressing::visibility(&self.to, &self.cc, author_followers_url)
    }

    /// The actors the note mentions by tag (Mastodon also counts actors in `to`/`cc` of a direct note).
    pub fn mentioned_uris(&self) -> Vec<&Url> {
        self.tag
            .iter()
            .filter_map(|tag| match tag {
                Tag::Mention(mention) => Some(&mention.href),
                Tag::Hashtag(_) | Tag::Emoji(_) => None,
            })
            .collect()
    }

    /// Hashtag names without `#`, as the peer wrote them.
    pub fn hashtag_names(&self) -> Vec<&str> {
        self.tag
            .iter()
            .filter_map(|tag| match tag {
                Tag::Hashtag(hashtag) => Some(hashtag.name.trim_start_matches('#')),
                Tag::Mention(_) | Tag::Emoji(_) => None,
            })
            .filter(|name| !name.is_empty())
            .collect()
    }

    pub fn spoiler_text(&self) -> &str {
        self.summary.as_deref().unwrap_or_default()
    }

    /// The custom emojis the note uses: shortcode (without colons) and image URL.
    pub fn emojis(&self) -> Vec<(String, String)> {
        self.tag
            .iter()
            .filter_map(|tag| match tag {
                Tag::Emoji(emoji) => Some((emoji.name.trim_matches(':').to_owned(), emoji.icon.url.to_string())),
                _ => None,
            })
            .collect()
    }

    /// The language whose `contentMap` entry is the content.
    pub fn language(&self) -> Option<&str> {
        self.content_map.iter().find(|(_, content)| **content == self.content).map(|(language, _)| language.as_str())
    }
}

impl Mention {
    fn of(account: &Account, local_domain: &str) -> Mention {
        let domain = account.domain.as_deref().unwrap_or(local_domain);
        Mention { href: stored_url(&account.uri), name: format!("@{}@{domain}", account.username) }
    }
}

impl Tombstone {
    pub fn new(id: Url) -> Tombstone {
        Tombstone { kind: TombstoneType::Tombstone, id }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::apub::addressing::PUBLIC;
    use crate::apub::objects::testing::{self, BASE_URL};
    use crate::apub::objects::with_context;

    const GTS_FOLLOWERS: &str = "http://127.0.0.1:3290/users/alice/followers";

    fn gotosocial_note(name: &str) -> Note {
        serde_json::from_str(&testing::gotosocial(name)).expect("a GoToSocial note")
    }

    /// Policies read as Mastodon reads `canQuote`: none given is nobody; the author alone is nobody else.
    #[test]
    fn quote_policies_read_from_interaction_policy() {
        let mut note = gotosocial_note("note.json");
        let followers = "http://127.0.0.1:3290/users/alice/followers";
        assert_eq!(note.quote_policy(followers), QuotePolicy::Nobody);
        let rule = |who: &[&str]| Some(InteractionPolicy { can_quote: Some(ApprovalRule { automatic_approval: who.iter().map(|w| w.to_string()).collect(), manual_approval: Vec::new() }) });
        for (who, policy) in [
            (vec![PUBLIC], QuotePolicy::Public),
            (vec!["as:Public"], QuotePolicy::Public),
            (vec![followers], QuotePolicy::Followers),
            (vec!["http://127.0.0.1:3290/users/alice"], QuotePolicy::Nobody),
            (vec!["http://127.0.0.1:3290/users/alice/friends"], QuotePolicy::Unsupported),
            (vec![followers, PUBLIC], QuotePolicy::Public),
        ] {
            note.interaction_policy = rule(&who);
            assert_eq!(note.quote_policy(followers), policy, "{who:?}");
        }
    }

    /// GoToSocial's vote, as its serializer writes it (its own tests assert this document).
    fn gotosocial_vote() -> serde_json::Value {
        serde_json::from_str(&testing::gotosocial("serializer/create_poll_vote.json")).expect("a GoToSocial vote")
    }

    #[test]
    fn a_gotosocial_vote_reads_as_a_vote() {
        let note: Note = serde_json::from_value(gotosocial_vote()["object"].clone()).expect("a Note");
        assert_eq!(note.vote_choice(), Some("tissues"));
    }

    /// GoToSocial and Mastodon take a named reply for a vote only without `content`; with `"content": ""` they
    /// stored it as an empty direct reply, and the vote was never counted.
    #[test]
    fn a_vote_has_the_shape_gotosocial_counts() {
        let voter = testing::local_account(1, "ann");
        let mut author = testing::remote_account(2, "foss_satan", "fossbros-anonymous.io");
        author.uri = "http://fossbros-anonymous.io/users/foss_satan".into();
        let question = "http://fossbros-anonymous.io/users/foss_satan/statuses/01HEN2QRFA8H3C6QPN7RD4KSR6";
        let vote = Note::vote(&format!("{}#votes/1", voter.uri), &voter, &author, question, "tissues");
        let ours = serde_json::to_value(&vote).expect("JSON");
        let theirs = gotosocial_vote()["object"].clone();
        assert!(ours.get("content").is_none() && theirs.get("content").is_none(), "{ours}");
        for key in ["type", "name", "inReplyTo", "to"] {
            assert_eq!(normalized(&ours[key]), normalized(&theirs[key]), "{key}: {ours}");
        }
        assert_eq!(ours["attributedTo"], voter.uri.as_str());
        let read_back: Note = serde_json::from_value(ours).expect("a Note");
        assert_eq!(read_back.vote_choice(), Some("tissues"));
    }

    /// `to` as one string or a list of one.
    fn normalized(value: &serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Array(items) if items.len() == 1 => items[0].clone(),
            other => other.clone(),
        }
    }

    #[test]
    fn gotosocial_notes_read_with_their_visibility_mentions_and_hashtags() {
        let public = gotosocial_note("note.json");
        assert_eq!(public.kind, NoteKind::Note);
        assert_eq!(public.visibility(GTS_FOLLOWERS), Visibility::Public);
        assert_eq!(public.attributed_to.as_str(), "http://127.0.0.1:3290/users/alice");
        assert_eq!(public.spoiler_text(), "");
        assert!(!public.sensitive);
        assert_eq!(public.in_reply_to, None);
        assert_eq!(public.language(), Some("en"));
        assert!(public.attachment.is_empty());

        let followers_only = gotosocial_note("note_followers_only.json");
        assert_eq!(followers_only.visibility(GTS_FOLLOWERS), Visibility::Private);
        let carol = Url::parse("https://127.0.0.1:3291/users/carol").expect("a URL");
        assert_eq!(followers_only.mentioned_uris(), vec![&carol]);
        assert_eq!(followers_only.hashtag_names(), vec!["hallwaytest"]);
        assert!(followers_only.content.contains("#<span>HallwayTest</span>"));
    }

    #[test]
    fn unknown_tags_are_dropped_and_odd_values_tolerated() {
        let json = serde_json::json!({
            "type": "Article",
            "id": "https://mastodon.corp.example/users/dana/statuses/1",
            "attributedTo": "https://mastodon.corp.example/users/dana",
            "to": "as:Public",
            "content": null,
            "inReplyTo": {"id": "https://hallway.corp.example/users/alice/statuses/2", "type": "Note"},
            "tag": [
                {"type": "Emoji", "name": ":blobcat:", "icon": {"type": "Image", "url": "https://x.example/b.png"}},
                {"type": "Mention", "name": "@nobody"},
                {"type": "Hashtag", "name": "#Budgets"}
            ],
            "attachment": {"type": "Document", "mediaType": "image/png", "url": "https://x.example/c.png"}
        });
        let note: Note = serde_json::from_value(json).expect("a tolerated note");
        assert_eq!(note.kind, NoteKind::Article);
        assert_eq!(note.visibility(""), Visibility::Public);
        assert_eq!((note.content.as_str(), note.in_reply_to.as_ref()), ("", None));
        assert_eq!(note.mentioned_uris(), Vec::<&Url>::new(), "a mention without href is no mention");
        assert_eq!(note.hashtag_names(), vec!["Budgets"]);
        assert_eq!(note.attachment.len(), 1);
        assert_eq!(note.attachment[0].href().as_deref(), Some("https://x.example/c.png"));
    }

    #[test]
    fn a_status_becomes_a_note_addressed_by_its_visibility() {
        let alice = testing::local_account(1, "alice");
        let dana = testing::remote_account(2, "dana", "mastodon.corp.example");
        let bob = testing::local_account(3, "bob");
        let followers = alice.followers_url.clone();
        let expected = [
            ("public", vec![PUBLIC.to_owned()], vec![followers.clone(), dana.uri.clone(), bob.uri.clone()]),
            ("unlisted", vec![followers.clone()], vec![PUBLIC.to_owned(), dana.uri.clone(), bob.uri.clone()]),
            ("private", vec![followers.clone()], vec![dana.uri.clone(), bob.uri.clone()]),
            ("direct", vec![dana.uri.clone(), bob.uri.clone()], vec![]),
        ];
        for (visibility, to, cc) in expected {
            let view = testing::status_view(alice.clone(), visibility, vec![dana.clone(), bob.clone()]);
            let json = serde_json::to_value(with_context(Note::from_view(&view, BASE_URL, None))).expect("JSON");
            assert_eq!((&json["to"], &json["cc"]), (&serde_json::json!(to), &serde_json::json!(cc)), "{visibility}");

            let read_back: Note = serde_json::from_value(json).expect("our own note parses");
            assert_eq!(read_back.visibility(&followers).as_str(), visibility);
            assert_eq!(read_back.mentioned_uris().len(), 2);
        }
    }

    #[test]
    fn a_note_carries_mentions_hashtags_warning_and_reply() {
        let alice = testing::local_account(1, "alice");
        let dana = testing::remote_account(2, "dana", "mastodon.corp.example");
        let bob = testing::local_account(3, "bob");
        let mut view = testing::status_view(alice, "public", vec![dana, bob]);
        Arc::make_mut(&mut view.status).spoiler_text = "Q4 numbers".into();
        Arc::make_mut(&mut view.status).sensitive = true;
        Arc::make_mut(&mut view.status).edited_at = Some(view.status.created_at + chrono::Duration::minutes(5));
        let parent = "https://mastodon.corp.example/users/dana/statuses/113500000000000001";
        let json = serde_json::to_value(Note::from_view(&view, BASE_URL, Some(parent))).expect("JSON");

        assert_eq!(json["type"], "Note");
        assert_eq!(json["id"], "https://hallway.corp.example/users/alice/statuses/115000000000000001");
        assert_eq!(json["attributedTo"], "https://hallway.corp.example/users/alice");
        assert_eq!(json["url"], "https://hallway.corp.example/@alice/115000000000000001");
        assert_eq!(json["summary"], "Q4 numbers");
        assert_eq!(json["sensitive"], true);
        assert_eq!(json["inReplyTo"], parent);
        assert_eq!(json["published"], "2026-11-20T09:15:00Z");
        assert_eq!(json["updated"], "2026-11-20T09:20:00Z");
        assert_eq!(json["contentMap"]["en"], json["content"]);
        assert_eq!(json["attachment"], serde_json::json!([]));
        assert_eq!(
            json["tag"],
            serde_json::json!([
                {"type": "Mention", "href": "https://mastodon.corp.example/users/dana", "name": "@dana@mastodon.corp.example"},
                {"type": "Mention", "href": "https://hallway.corp.example/users/bob", "name": "@bob@hallway.corp.example"},
                {"type": "Hashtag", "href": "https://hallway.corp.example/tags/hallwaytest", "name": "#HallwayTest"}
            ])
        );

        let read_back: Note = serde_json::from_value(json).expect("our own note parses");
        assert_eq!(read_back.spoiler_text(), "Q4 numbers");
        assert_eq!(read_back.in_reply_to.as_ref().map(Url::as_str), Some(parent));
        assert_eq!(read_back.hashtag_names(), vec!["HallwayTest"]);
    }

    #[test]
    fn a_status_without_warning_or_language_leaves_them_out() {
        let mut view = testing::status_view(testing::local_account(1, "alice"), "public", Vec::new());
        Arc::make_mut(&mut view.status).language = None;
        let json = serde_json::to_value(Note::from_view(&view, BASE_URL, None)).expect("JSON");
        assert!(json.get("summary").is_none() && json.get("contentMap").is_none());
        assert_eq!(json["inReplyTo"], Value::Null);
    }
}
