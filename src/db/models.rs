//! Row structs: what the database holds, nothing of the wire formats.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::json::Json;
use super::kinds::{AuditAction, AuditTarget, DeliveryState, DomainBlockSeverity, IpBlockSeverity, FilterAction, FilterContexts, IdentityProvider, ImportKind, InboxState, NotificationKind, PolicyAction, QuotePolicy, QuoteState, Role, Visibility};
use super::schema::*;
use super::scopes::Scopes;
use crate::ids::{AccountId, StatusId};

/// A profile field as stored: plain text, rendered when shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProfileField {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = account_notes)]
pub struct AccountNote {
    pub account_id: AccountId,
    pub target_account_id: AccountId,
    pub comment: String,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = accounts)]
pub struct Account {
    pub id: AccountId,
    pub username: String,
    pub domain: Option<String>,
    pub display_name: String,
    pub note_source: String,
    pub note_html: String,
    pub uri: String,
    pub url: String,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub followers_url: String,
    pub public_key_pem: String,
    pub avatar_url: Option<String>,
    pub header_url: Option<String>,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    /// Profile fields, as stored: plain text, rendered when shown.
    #[diesel(column_name = fields_json, serialize_as = String, deserialize_as = String)]
    pub fields: Json<Vec<ProfileField>>,
    pub followers_count: i32,
    pub following_count: i32,
    pub statuses_count: i32,
    pub last_status_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub suspended_at: Option<NaiveDateTime>,
    pub silenced_at: Option<NaiveDateTime>,
    pub sensitized_at: Option<NaiveDateTime>,
    /// Actor URIs of the accounts this one says it also is (`alsoKnownAs`): where it may have moved from.
    #[diesel(column_name = also_known_as_json, serialize_as = String, deserialize_as = String)]
    pub also_known_as: Json<Vec<String>>,
    /// The actor URI of the account it moved to (`movedTo`).
    pub moved_to_uri: Option<String>,
    #[diesel(column_name = profile_json, serialize_as = String, deserialize_as = String)]
    pub profile: Json<ProfileSettings>,
    /// A group (FEP-1b12): it announces what its members address to it.
    pub is_group: bool,
}

/// What a profile says beside its columns.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ProfileSettings {
    pub avatar_description: String,
    pub header_description: String,
    /// Whom it follows and who follows it are shown to nobody else.
    pub hide_collections: bool,
    /// A peer's account: the hashtags it features, as its instance's directory listed them (local accounts
    /// keep theirs in `featured_tags`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub featured_tags: Vec<String>,
}

impl Account {
    pub fn is_local(&self) -> bool {
        self.domain.is_none()
    }

    /// Mastodon's `acct`: the username, with `@domain` for another instance's account.
    pub fn acct(&self) -> String {
        match &self.domain {
            Some(domain) => format!("{}@{domain}", self.username),
            None => self.username.clone(),
        }
    }
}

/// What a local user changes of their profile: only these columns are written, so that counters, keys
/// and a suspension that other transactions write are never undone by a profile update.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = accounts, treat_none_as_null = true)]
pub struct ProfileChanges {
    pub display_name: String,
    pub note_source: String,
    pub note_html: String,
    pub avatar_url: Option<String>,
    pub header_url: Option<String>,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    #[diesel(column_name = fields_json, serialize_as = String)]
    pub fields: Json<Vec<ProfileField>>,
    #[diesel(column_name = profile_json, serialize_as = String)]
    pub profile: Json<ProfileSettings>,
    pub updated_at: NaiveDateTime,
}

/// What a remote account's instance says of it when it is fetched again or updated: its profile and
/// addresses; never our id, counters or suspension.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = accounts, treat_none_as_null = true)]
pub struct RemoteActorChanges {
    pub username: String,
    pub display_name: String,
    pub note_source: String,
    pub note_html: String,
    pub url: String,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub followers_url: String,
    pub public_key_pem: String,
    pub avatar_url: Option<String>,
    pub header_url: Option<String>,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    #[diesel(column_name = fields_json, serialize_as = String)]
    pub fields: Json<Vec<ProfileField>>,
    #[diesel(column_name = also_known_as_json, serialize_as = String)]
    pub also_known_as: Json<Vec<String>>,
    pub moved_to_uri: Option<String>,
    #[diesel(column_name = profile_json, serialize_as = String)]
    pub profile: Json<ProfileSettings>,
    pub is_group: bool,
    pub updated_at: NaiveDateTime,
}

impl RemoteActorChanges {
    pub fn from_fetched(fetched: &Account) -> RemoteActorChanges {
        RemoteActorChanges {
            username: fetched.username.clone(),
            display_name: fetched.display_name.clone(),
            note_source: fetched.note_source.clone(),
            note_html: fetched.note_html.clone(),
            url: fetched.url.clone(),
            inbox_url: fetched.inbox_url.clone(),
            shared_inbox_url: fetched.shared_inbox_url.clone(),
            followers_url: fetched.followers_url.clone(),
            public_key_pem: fetched.public_key_pem.clone(),
            avatar_url: fetched.avatar_url.clone(),
            header_url: fetched.header_url.clone(),
            locked: fetched.locked,
            bot: fetched.bot,
            discoverable: fetched.discoverable,
            fields: fetched.fields.clone(),
            also_known_as: fetched.also_known_as.clone(),
            moved_to_uri: fetched.moved_to_uri.clone(),
            profile: fetched.profile.clone(),
            is_group: fetched.is_group,
            updated_at: fetched.updated_at,
        }
    }
}

/// A local account's private signing key, kept apart from the account row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = account_keys)]
pub struct AccountKey {
    pub account_id: AccountId,
    pub private_key_pem: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct User {
    pub account_id: AccountId,
    pub email: String,
    pub password_hash: String,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub default_visibility: Visibility,
    pub default_sensitive: bool,
    pub default_language: Option<String>,
    pub created_at: NaiveDateTime,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub role: Role,
    /// False while a registration waits for a moderator's approval.
    pub approved: bool,
    /// A moderator disabled their sign-in; the account stays visible.
    pub disabled: bool,
    pub sign_up_ip: Option<String>,
    pub last_sign_in_ip: Option<String>,
    pub last_sign_in_at: Option<NaiveDateTime>,
    /// Why they want to join, when registrations need approval.
    pub registration_reason: Option<String>,
    /// Their default for new posts' `local_only`; None follows the instance's.
    pub default_local_only: Option<bool>,
}

/// A sign-in through the OpenID provider under way.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = oidc_logins)]
pub struct OidcLogin {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// The Mastodon authorize request it continues, as its query string.
    pub authorize_request: String,
    pub created_at: NaiveDateTime,
}

/// A local user's entry in the company directory; `disabled_at` while the directory refuses them.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = user_identities)]
pub struct UserIdentity {
    pub account_id: AccountId,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub provider: IdentityProvider,
    pub subject: String,
    pub disabled_at: Option<NaiveDateTime>,
    pub synced_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = oauth_apps)]
pub struct OauthApp {
    pub id: i64,
    pub name: String,
    pub website: Option<String>,
    pub redirect_uris: String,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub scopes: Scopes,
    pub client_id: String,
    pub client_secret_hash: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = oauth_tokens)]
pub struct OauthToken {
    pub id: i64,
    pub token_hash: String,
    pub app_id: i64,
    pub account_id: Option<AccountId>,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub scopes: Scopes,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = oauth_codes)]
pub struct OauthCode {
    pub code_hash: String,
    pub app_id: i64,
    pub account_id: AccountId,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub scopes: Scopes,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub expires_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = statuses)]
pub struct Status {
    pub id: StatusId,
    pub uri: String,
    pub url: String,
    pub account_id: AccountId,
    pub local: bool,
    pub in_reply_to_id: Option<StatusId>,
    pub in_reply_to_account_id: Option<AccountId>,
    pub reblog_of_id: Option<StatusId>,
    pub text: String,
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub visibility: Visibility,
    pub language: Option<String>,
    pub app_id: Option<i64>,
    pub replies_count: i32,
    pub reblogs_count: i32,
    pub favourites_count: i32,
    pub created_at: NaiveDateTime,
    pub edited_at: Option<NaiveDateTime>,
    /// The first status of the chain of replies this one is in (its own id when it starts one).
    pub thread_id: StatusId,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub quote_policy: QuotePolicy,
    /// Division-only: never delivered to a peer nor served to one.
    pub local_only: bool,
    /// A members-only post of this private group: its members read it.
    pub group_id: Option<AccountId>,
}

/// A status quoting another.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = quotes)]
pub struct Quote {
    /// Names the authorization (`/users/:name/quote_authorizations/:id`) when the quoted status is local.
    pub id: i64,
    pub status_id: StatusId,
    /// None once the quoted status is gone.
    pub quoted_status_id: Option<StatusId>,
    pub quoted_uri: String,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub state: QuoteState,
    /// The QuoteAuthorization, once the quoted author's instance agreed.
    pub approval_uri: Option<String>,
    /// The QuoteRequest sent or received, which an Accept or Reject answers.
    pub request_uri: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The editable part of a status, as written by an edit.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = statuses, treat_none_as_null = true)]
pub struct StatusEditForm {
    pub text: String,
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub language: Option<String>,
    pub edited_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = status_edits)]
pub struct StatusEdit {
    pub id: i64,
    pub status_id: StatusId,
    pub text: String,
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub created_at: NaiveDateTime,
    #[diesel(column_name = media_json, serialize_as = String, deserialize_as = String)]
    pub media: Json<Vec<EditedMedia>>,
    /// The poll's options then (None: no poll).
    #[diesel(column_name = poll_options_json, serialize_as = String, deserialize_as = String)]
    pub poll_options: Json<Option<Vec<String>>>,
}

/// An attachment as a status showed it at one edit: enough to show it again later.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EditedMedia {
    pub id: i64,
    pub kind: String,
    pub content_type: String,
    pub file_key: Option<String>,
    pub preview_key: Option<String>,
    pub remote_url: Option<String>,
    pub preview_remote_url: Option<String>,
    pub description: Option<String>,
    pub focus_x: f64,
    pub focus_y: f64,
    pub meta: serde_json::Value,
    pub blurhash: Option<String>,
}

impl EditedMedia {
    pub fn of(row: &MediaAttachment) -> EditedMedia {
        EditedMedia {
            id: row.id,
            kind: row.kind.clone(),
            content_type: row.content_type.clone(),
            file_key: row.file_key.clone(),
            preview_key: row.preview_key.clone(),
            remote_url: row.remote_url.clone(),
            preview_remote_url: row.preview_remote_url.clone(),
            description: row.description.clone(),
            focus_x: row.focus_x,
            focus_y: row.focus_y,
            meta: row.meta.0.clone(),
            blurhash: row.blurhash.clone(),
        }
    }

    /// The attachment row it was, attached to `status`, as the API shows rows.
    pub fn as_row(&self, owner: AccountId, status: StatusId, created_at: NaiveDateTime) -> MediaAttachment {
        MediaAttachment {
            id: self.id,
            account_id: owner,
            status_id: Some(status),
            position: 0,
            kind: self.kind.clone(),
            content_type: self.content_type.clone(),
            state: "ready".into(),
            file_key: self.file_key.clone(),
            preview_key: self.preview_key.clone(),
            file_size: 0,
            remote_url: self.remote_url.clone(),
            preview_remote_url: self.preview_remote_url.clone(),
            description: self.description.clone(),
            focus_x: self.focus_x,
            focus_y: self.focus_y,
            meta: Json(self.meta.clone()),
            blurhash: self.blurhash.clone(),
            created_at,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = mentions)]
pub struct Mention {
    pub status_id: StatusId,
    pub account_id: AccountId,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tags)]
pub struct Tag {
    pub id: i64,
    pub name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = status_tags)]
pub struct StatusTag {
    pub status_id: StatusId,
    pub tag_id: i64,
}

/// A favourite, a bookmark or a pin: an account's mark on a status (same columns in the three tables).
#[derive(Debug, Clone, Queryable)]
pub struct StatusMark {
    pub id: i64,
    pub account_id: AccountId,
    pub status_id: StatusId,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = follows)]
pub struct Follow {
    pub id: i64,
    pub account_id: AccountId,
    pub target_account_id: AccountId,
    pub show_reblogs: bool,
    pub notify: bool,
    pub uri: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = home_timeline_entries)]
pub struct HomeTimelineEntry {
    pub account_id: AccountId,
    pub status_id: StatusId,
    pub author_id: AccountId,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notifications)]
pub struct Notification {
    pub id: i64,
    pub account_id: AccountId,
    pub from_account_id: AccountId,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub kind: NotificationKind,
    pub status_id: Option<StatusId>,
    pub created_at: NaiveDateTime,
    /// Set for the kinds Mastodon groups (favourite, reblog, follow): notifications sharing it form one group.
    pub group_key: Option<String>,
    /// Set aside by the recipient's notification policy, until they accept the sender's request.
    pub filtered: bool,
}

/// What an account does with notifications from strangers (Mastodon 4.3's policy).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = notification_policies)]
pub struct NotificationPolicy {
    pub account_id: AccountId,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub for_not_following: PolicyAction,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub for_not_followers: PolicyAction,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub for_new_accounts: PolicyAction,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub for_private_mentions: PolicyAction,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub for_limited_accounts: PolicyAction,
    pub updated_at: NaiveDateTime,
}

impl NotificationPolicy {
    /// Mastodon's defaults: strangers' private mentions and moderated accounts are filtered.
    pub fn default_for(account_id: AccountId) -> NotificationPolicy {
        NotificationPolicy {
            account_id,
            for_not_following: PolicyAction::Accept,
            for_not_followers: PolicyAction::Accept,
            for_new_accounts: PolicyAction::Accept,
            for_private_mentions: PolicyAction::Filter,
            for_limited_accounts: PolicyAction::Filter,
            updated_at: NaiveDateTime::default(),
        }
    }
}

/// The filtered notifications of one sender to one recipient.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notification_requests)]
pub struct NotificationRequest {
    pub id: i64,
    pub account_id: AccountId,
    pub from_account_id: AccountId,
    pub last_status_id: Option<StatusId>,
    pub notifications_count: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Notification {
    /// The group this notification belongs to, when its kind is grouped.
    pub fn group_key_among<K: AsRef<str>>(&self, grouped_kinds: &[K]) -> String {
        match &self.group_key {
            Some(key) if grouped_kinds.iter().any(|k| k.as_ref() == self.kind.as_str()) => key.clone(),
            _ => format!("ungrouped-{}", self.id),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = markers)]
pub struct Marker {
    pub account_id: AccountId,
    pub timeline: String,
    pub last_read_id: String,
    pub version: i32,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyKey {
    pub account_id: AccountId,
    pub key: String,
    pub status_id: StatusId,
    pub created_at: NaiveDateTime,
}

/// One entry of the audit log: who did what to which target, when, with what text.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub actor_account_id: Option<AccountId>,
    pub actor: String,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub action: AuditAction,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub target_type: AuditTarget,
    pub target_id: i64,
    pub target: String,
    pub text: String,
    pub created_at: NaiveDateTime,
}

/// An instance the admins allow to federate (or allowed once: `allowed` false keeps its history).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = peers)]
pub struct Peer {
    pub id: i64,
    pub host: String,
    pub allowed: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_success_at: Option<NaiveDateTime>,
    pub last_error_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    /// The instance actor named when the peer joined (`hallway peers join`).
    pub actor_uri: Option<String>,
    /// Its key as agreed when joining: signatures by that actor verify with this key only.
    pub pinned_key_pem: Option<String>,
    /// A different key the actor presented since, waiting for an admin (`hallway peers accept-key`).
    pub offered_key_pem: Option<String>,
}

/// A one-time token for another instance to join (`hallway peers invite`).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = peer_invites)]
pub struct PeerInvite {
    pub id: i64,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub used_by: Option<String>,
}

/// An activity a peer delivered, waiting to be applied by an inbox worker.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = inbox_queue)]
pub struct QueuedActivity {
    pub id: i64,
    pub activity_uri: String,
    pub peer_host: String,
    pub signer_account_id: AccountId,
    pub body: String,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub state: InboxState,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub leased_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub received_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

/// One activity to POST to one inbox: the transactional outbox.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = deliveries)]
pub struct Delivery {
    pub id: i64,
    pub activity_uri: String,
    pub peer_host: String,
    pub inbox_url: String,
    /// The local account whose key signs; None for the instance actor.
    pub signer_account_id: Option<AccountId>,
    pub body: String,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub state: DeliveryState,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub leased_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

/// A follow sent to a remote account and not yet accepted.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = follow_requests)]
pub struct FollowRequest {
    pub id: i64,
    pub account_id: AccountId,
    pub target_account_id: AccountId,
    pub show_reblogs: bool,
    pub notify: bool,
    pub uri: String,
    pub created_at: NaiveDateTime,
}

/// The instance actor's key pair (one row, id 1).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = instance_keys)]
pub struct InstanceKeys {
    pub id: i32,
    pub public_key_pem: String,
    pub private_key_pem: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = lists)]
pub struct List {
    pub id: i64,
    pub account_id: AccountId,
    pub title: String,
    pub replies_policy: String,
    pub exclusive: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = mutes)]
pub struct Mute {
    pub id: i64,
    pub account_id: AccountId,
    pub target_account_id: AccountId,
    pub hide_notifications: bool,
    pub expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = blocks)]
pub struct Block {
    pub id: i64,
    pub account_id: AccountId,
    pub target_account_id: AccountId,
    pub uri: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A direct-message thread as one participant sees it: the others, the latest status, read or not.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = conversations)]
pub struct Conversation {
    pub id: i64,
    pub account_id: AccountId,
    /// The other participants' ids, sorted, comma-separated: the conversation's identity for its owner.
    pub participant_ids: String,
    pub last_status_id: StatusId,
    pub unread: bool,
}

impl Conversation {
    pub fn participants(&self) -> Vec<AccountId> {
        self.participant_ids.split(',').filter_map(|id| id.parse().ok()).map(AccountId).collect()
    }
}

/// A report of an account (and some of its statuses) to the moderators of an instance.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = reports)]
pub struct Report {
    pub id: i64,
    pub account_id: AccountId,
    pub target_account_id: AccountId,
    /// Reported status ids, comma-separated.
    pub status_ids: String,
    pub comment: String,
    pub category: String,
    pub forwarded: bool,
    pub uri: Option<String>,
    pub created_at: NaiveDateTime,
    pub action_taken_at: Option<NaiveDateTime>,
    pub action_taken_by_account_id: Option<AccountId>,
    pub assigned_account_id: Option<AccountId>,
    pub updated_at: Option<NaiveDateTime>,
}

impl Report {
    pub fn status_ids(&self) -> Vec<crate::ids::StatusId> {
        self.status_ids.split(',').filter_map(|id| id.parse::<i64>().ok()).map(crate::ids::StatusId).collect()
    }
}

/// An instance refused or limited by this one's moderators, whether or not it is on the allowlist.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = domain_blocks)]
pub struct DomainBlock {
    pub id: i64,
    pub domain: String,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub severity: DomainBlockSeverity,
    pub reject_media: bool,
    pub reject_reports: bool,
    pub private_comment: Option<String>,
    pub public_comment: Option<String>,
    pub obfuscate: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = email_domain_blocks)]
pub struct EmailDomainBlock {
    pub id: i64,
    pub domain: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = canonical_email_blocks)]
pub struct CanonicalEmailBlock {
    pub id: i64,
    pub canonical_email_hash: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = ip_blocks)]
pub struct IpBlock {
    pub id: i64,
    /// An address or a network, as CIDR (`10.1.0.0/16`, `2001:db8::/32`, `192.0.2.7/32`).
    pub ip: String,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub severity: IpBlockSeverity,
    pub comment: String,
    pub expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An announcement by the admins (ours), or one a peer published company-wide.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = announcements, treat_none_as_null = true)]
pub struct Announcement {
    pub id: i64,
    pub text: String,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub all_day: bool,
    pub published_at: Option<NaiveDateTime>,
    pub federated: bool,
    pub uri: String,
    pub origin: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// A peer's announcement as its instance rendered it (sanitised); None for ours, rendered from `text`.
    pub content: Option<String>,
}

/// A user's archive: requested, then built into the media store.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = archives)]
pub struct Archive {
    pub id: i64,
    pub account_id: AccountId,
    pub file_key: Option<String>,
    pub size: i64,
    pub claimed_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

/// An account on legal hold, and why.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = legal_holds)]
pub struct LegalHold {
    pub account_id: AccountId,
    pub reason: String,
    pub created_at: NaiveDateTime,
}

/// A user's CSV import: what it holds, how far the worker is with it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = imports)]
pub struct Import {
    pub id: i64,
    pub account_id: AccountId,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub kind: ImportKind,
    pub overwrite: bool,
    pub total_items: i32,
    pub processed_items: i32,
    pub imported_items: i32,
    pub claimed_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

/// One row of an import's file, with what became of it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = import_rows)]
pub struct ImportRow {
    pub import_id: i64,
    pub position: i32,
    #[diesel(column_name = item_json, serialize_as = String, deserialize_as = String)]
    pub item: Json<ImportItem>,
    pub processed: bool,
    pub error: Option<String>,
}

/// The fields of an import row that its kind uses (Mastodon's names for them).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acct: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_reblogs: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hide_notifications: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_name: Option<String>,
}

/// A status to be posted later; its parameters are kept as JSON until then.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = scheduled_statuses)]
pub struct ScheduledStatus {
    pub id: i64,
    pub account_id: AccountId,
    pub scheduled_at: NaiveDateTime,
    pub params_json: String,
    pub app_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// A Web Push subscription of one token (one device).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = push_subscriptions)]
pub struct PushSubscription {
    pub id: i64,
    pub token_id: i64,
    pub account_id: AccountId,
    pub endpoint: String,
    pub key_p256dh: String,
    pub key_auth: String,
    /// Which notification types the device wants, by Mastodon's alert names.
    #[diesel(column_name = alerts_json, serialize_as = String, deserialize_as = String)]
    pub alerts: Json<BTreeMap<String, bool>>,
    pub policy: String,
    pub standard: bool,
    pub created_at: NaiveDateTime,
}

/// The instance's VAPID key pair for Web Push (one row, id 1).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = vapid_keys)]
pub struct VapidKeys {
    pub id: i32,
    pub public_key: String,
    pub private_key_pkcs8: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = filters)]
#[diesel(treat_none_as_null = true)]
pub struct Filter {
    pub id: i64,
    pub account_id: AccountId,
    pub title: String,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub contexts: FilterContexts,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub action: FilterAction,
    pub expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = filter_keywords)]
pub struct FilterKeyword {
    pub id: i64,
    pub filter_id: i64,
    pub keyword: String,
    pub whole_word: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = filter_statuses)]
pub struct FilterStatus {
    pub id: i64,
    pub filter_id: i64,
    pub status_id: StatusId,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = media_attachments, treat_none_as_null = true)]
pub struct MediaAttachment {
    pub id: i64,
    pub account_id: AccountId,
    pub status_id: Option<StatusId>,
    /// Order among the status's attachments.
    pub position: i32,
    /// Mastodon's type: image, gifv, video, audio or unknown.
    pub kind: String,
    pub content_type: String,
    /// processing, ready or failed.
    pub state: String,
    /// Where the stored files are (local media); None for remote media only referenced.
    pub file_key: Option<String>,
    pub preview_key: Option<String>,
    pub file_size: i64,
    pub remote_url: Option<String>,
    pub preview_remote_url: Option<String>,
    pub description: Option<String>,
    pub focus_x: f64,
    pub focus_y: f64,
    /// Mastodon's `meta`: the original and small sizes (the focal point is in its own columns).
    #[diesel(column_name = meta_json, serialize_as = String, deserialize_as = String)]
    pub meta: Json<serde_json::Value>,
    pub blurhash: Option<String>,
    pub created_at: NaiveDateTime,
}

/// What processing an upload produced.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = media_attachments, treat_none_as_null = true)]
pub struct MediaFiles {
    pub file_key: Option<String>,
    pub preview_key: Option<String>,
    pub blurhash: Option<String>,
    #[diesel(column_name = meta_json, serialize_as = String)]
    pub meta: Json<serde_json::Value>,
    pub state: String,
}

/// What the uploader says of an attachment.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = media_attachments, treat_none_as_null = true)]
pub struct MediaDetailsChange {
    pub description: Option<String>,
    pub focus_x: f64,
    pub focus_y: f64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = polls, treat_none_as_null = true)]
pub struct Poll {
    pub id: i64,
    pub status_id: StatusId,
    pub account_id: AccountId,
    /// The option titles.
    #[diesel(column_name = options_json, serialize_as = String, deserialize_as = String)]
    pub options: Json<Vec<String>>,
    /// Votes per option (a remote poll's as its instance last said); read them with [`Poll::counts`].
    #[diesel(column_name = counts_json, serialize_as = String, deserialize_as = String)]
    pub vote_counts: Json<Vec<i64>>,
    pub multiple: bool,
    pub hide_totals: bool,
    pub voters_count: i64,
    pub expires_at: Option<NaiveDateTime>,
    /// Whether voters and the author were told the poll ended.
    pub ended_notified: bool,
    pub created_at: NaiveDateTime,
}

/// What a remote poll's instance says of it: written without this instance's own columns (the
/// announcement of its end, hidden totals).
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = polls, treat_none_as_null = true)]
pub struct RemotePollChanges {
    #[diesel(column_name = options_json, serialize_as = String)]
    pub options: Json<Vec<String>>,
    #[diesel(column_name = counts_json, serialize_as = String)]
    pub vote_counts: Json<Vec<i64>>,
    pub voters_count: i64,
    pub multiple: bool,
    pub expires_at: Option<NaiveDateTime>,
}

impl Poll {
    /// Votes per option, one for each option.
    pub fn counts(&self) -> Vec<i64> {
        (0..self.options.len()).map(|i| self.vote_counts.get(i).copied().unwrap_or(0)).collect()
    }

    pub fn expired_at(&self, now: NaiveDateTime) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = poll_votes)]
pub struct PollVote {
    pub id: i64,
    pub poll_id: i64,
    pub account_id: AccountId,
    pub choice: i32,
    pub uri: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = custom_emojis, treat_none_as_null = true)]
pub struct CustomEmoji {
    pub id: i64,
    pub shortcode: String,
    /// '' for this instance's emojis.
    pub domain: String,
    /// The stored image of a local emoji.
    pub image_key: Option<String>,
    /// The image of a remote emoji, at its instance.
    pub image_url: Option<String>,
    pub category: Option<String>,
    pub visible_in_picker: bool,
    pub created_at: NaiveDateTime,
}
