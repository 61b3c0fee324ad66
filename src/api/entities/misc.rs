use serde::Serialize;

use super::{timestamp, Account, Status};
use crate::config::Settings;
use crate::db::kinds::{AuditAction, AuditTarget, PolicyAction};
use crate::db::models::{self, Marker as MarkerRow, NotificationPolicy as NotificationPolicyRow, OauthApp, Peer, User};
use crate::service::auth::{self, IssuedToken};
use crate::service::notification_groups::GROUPABLE;
use crate::service::views::NotificationView;

#[derive(Debug, Serialize)]
pub struct Application {
    pub id: String,
    pub name: String,
    pub website: Option<String>,
    pub scopes: Vec<String>,
    pub redirect_uris: Vec<String>,
    pub redirect_uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret_expires_at: Option<i64>,
}

impl Application {
    /// The app as its creator sees it once, with the client secret.
    pub fn created(app: &OauthApp, client_secret: String) -> Application {
        Application {
            client_id: Some(app.client_id.clone()),
            client_secret: Some(client_secret),
            client_secret_expires_at: Some(0),
            ..Application::public(app)
        }
    }

    pub fn public(app: &OauthApp) -> Application {
        let redirect_uris = auth::redirect_uris(app);
        Application {
            id: app.id.to_string(),
            name: app.name.clone(),
            website: app.website.clone(),
            scopes: app.scopes.list().to_vec(),
            redirect_uri: redirect_uris.join("\n"),
            redirect_uris,
            client_id: None,
            client_secret: None,
            client_secret_expires_at: None,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Token {
    pub access_token: String,
    pub token_type: &'static str,
    pub scope: String,
    pub created_at: i64,
}

impl Token {
    pub fn from_issued(issued: IssuedToken) -> Token {
        Token {
            access_token: issued.secret,
            token_type: "Bearer",
            scope: issued.record.scopes.as_string(),
            created_at: issued.record.created_at.and_utc().timestamp(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Notification {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created_at: String,
    pub group_key: String,
    pub account: Account,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

impl Notification {
    pub fn from_view(view: &NotificationView, settings: &Settings) -> Notification {
        let n = &view.notification;
        Notification {
            id: n.id.to_string(),
            kind: n.kind.to_string(),
            created_at: timestamp(&n.created_at),
            group_key: n.group_key_among(GROUPABLE),
            account: Account::from_row(&view.account, settings),
            status: view.status.as_ref().map(|s| Status::from_view(s, settings)),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Marker {
    pub last_read_id: String,
    pub version: i32,
    pub updated_at: String,
}

impl Marker {
    pub fn from_row(marker: &MarkerRow) -> Marker {
        Marker { last_read_id: marker.last_read_id.clone(), version: marker.version, updated_at: timestamp(&marker.updated_at) }
    }
}

#[derive(Debug, Serialize)]
pub struct Preferences {
    #[serde(rename = "posting:default:visibility")]
    pub visibility: String,
    #[serde(rename = "posting:default:sensitive")]
    pub sensitive: bool,
    #[serde(rename = "posting:default:language")]
    pub language: Option<String>,
    #[serde(rename = "posting:default:quote_policy")]
    pub quote_policy: &'static str,
    /// Hallway's own, as `source.local_only`.
    #[serde(rename = "posting:default:local_only")]
    pub local_only: bool,
    #[serde(rename = "reading:expand:media")]
    pub expand_media: &'static str,
    #[serde(rename = "reading:expand:spoilers")]
    pub expand_spoilers: bool,
    #[serde(rename = "reading:autoplay:gifs")]
    pub autoplay_gifs: bool,
}

impl Preferences {
    pub fn from_user(user: &User, settings: &crate::config::Settings) -> Preferences {
        Preferences {
            visibility: user.default_visibility.to_string(),
            sensitive: user.default_sensitive,
            language: user.default_language.clone(),
            quote_policy: "public",
            local_only: crate::service::accounts::posts_local_only(user, settings),
            expand_media: "default",
            expand_spoilers: false,
            autoplay_gifs: false,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct DomainAllow {
    pub id: String,
    pub domain: String,
    pub created_at: String,
}

impl DomainAllow {
    pub fn from_row(peer: &Peer) -> DomainAllow {
        DomainAllow { id: peer.id.to_string(), domain: peer.host.clone(), created_at: timestamp(&peer.created_at) }
    }
}

/// An entry of Hallway's audit log (`GET /api/v1/admin/audit_log`; Mastodon has no API for its action log).
#[derive(Debug, Serialize)]
pub struct AuditEntry {
    pub id: String,
    /// The local account that acted, or null for the command line and the directory sync.
    pub account_id: Option<String>,
    /// Who acted, as it read then: `@ann`, `command line (root)`, `directory`.
    pub actor: String,
    pub action: AuditAction,
    pub target_type: AuditTarget,
    pub target_id: String,
    /// The target as it read then: `@bob`, `peer.corp.example`.
    pub target: String,
    pub text: String,
    pub created_at: String,
}

impl AuditEntry {
    pub fn from_row(entry: &models::AuditEntry) -> AuditEntry {
        AuditEntry {
            id: entry.id.to_string(),
            account_id: entry.actor_account_id.map(|id| id.to_string()),
            actor: entry.actor.clone(),
            action: entry.action,
            target_type: entry.target_type,
            target_id: entry.target_id.to_string(),
            target: entry.target.clone(),
            text: entry.text.clone(),
            created_at: timestamp(&entry.created_at),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct List {
    pub id: String,
    pub title: String,
    pub replies_policy: String,
    pub exclusive: bool,
}

impl List {
    pub fn from_row(list: &crate::db::models::List) -> List {
        List { id: list.id.to_string(), title: list.title.clone(), replies_policy: list.replies_policy.clone(), exclusive: list.exclusive }
    }
}

/// A hashtag with its use over the last week, as `/api/v1/tags/:name` answers it.
#[derive(Debug, Serialize)]
pub struct TagEntity {
    pub id: String,
    pub name: String,
    pub url: String,
    pub history: Vec<TagDay>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub following: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub featuring: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct TagDay {
    pub day: String,
    pub uses: String,
    pub accounts: String,
}

impl TagEntity {
    pub fn from_view(view: &crate::service::tags::TagView, settings: &Settings) -> TagEntity {
        let name = view.tag.name.to_lowercase();
        TagEntity {
            id: view.tag.id.to_string(),
            url: format!("{}/tags/{name}", settings.base_url()),
            name,
            history: view
                .history
                .iter()
                .map(|d| TagDay { day: d.day.to_string(), uses: d.uses.to_string(), accounts: d.accounts.to_string() })
                .collect(),
            following: view.following,
            featuring: view.featuring,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Conversation {
    pub id: String,
    pub unread: bool,
    pub accounts: Vec<Account>,
    pub last_status: Option<Status>,
}

impl Conversation {
    pub fn from_view(view: &crate::service::conversations::ConversationView, settings: &Settings) -> Conversation {
        Conversation {
            id: view.conversation.id.to_string(),
            unread: view.conversation.unread,
            accounts: view.accounts.iter().map(|a| Account::from_row(a, settings)).collect(),
            last_status: view.last_status.as_ref().map(|s| Status::from_view(s, settings)),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct FeaturedTag {
    pub id: String,
    pub name: String,
    pub url: String,
    pub statuses_count: usize,
    pub last_status_at: Option<String>,
}

impl FeaturedTag {
    pub fn from_view(view: &crate::service::featured::FeaturedTag, owner_url: &str) -> FeaturedTag {
        FeaturedTag {
            id: view.id.to_string(),
            url: format!("{owner_url}/tagged/{}", view.tag.name.to_lowercase()),
            name: view.tag.name.clone(),
            statuses_count: view.statuses_count,
            last_status_at: view.last_status_at.map(|t| t.format("%Y-%m-%d").to_string()),
        }
    }
}

/// `/api/v2/notifications/policy` (Mastodon 4.3).
#[derive(Debug, Serialize)]
pub struct NotificationPolicyV2 {
    pub for_not_following: PolicyAction,
    pub for_not_followers: PolicyAction,
    pub for_new_accounts: PolicyAction,
    pub for_private_mentions: PolicyAction,
    pub for_limited_accounts: PolicyAction,
    pub summary: PendingSummary,
}

#[derive(Debug, Serialize)]
pub struct PendingSummary {
    pub pending_requests_count: i64,
    pub pending_notifications_count: i64,
}

impl NotificationPolicyV2 {
    pub fn from_row(policy: &NotificationPolicyRow, (requests, notifications): (i64, i64)) -> NotificationPolicyV2 {
        NotificationPolicyV2 {
            for_not_following: policy.for_not_following,
            for_not_followers: policy.for_not_followers,
            for_new_accounts: policy.for_new_accounts,
            for_private_mentions: policy.for_private_mentions,
            for_limited_accounts: policy.for_limited_accounts,
            summary: PendingSummary { pending_requests_count: requests, pending_notifications_count: notifications },
        }
    }
}

/// `/api/v1/notifications/policy` (Mastodon 4.2): the same policy as booleans (filter or not), counts as strings.
#[derive(Debug, Serialize)]
pub struct NotificationPolicyV1 {
    pub filter_not_following: bool,
    pub filter_not_followers: bool,
    pub filter_new_accounts: bool,
    pub filter_private_mentions: bool,
    pub summary: PendingSummaryV1,
}

#[derive(Debug, Serialize)]
pub struct PendingSummaryV1 {
    pub pending_requests_count: String,
    pub pending_notifications_count: String,
}

impl NotificationPolicyV1 {
    pub fn from_row(policy: &NotificationPolicyRow, (requests, notifications): (i64, i64)) -> NotificationPolicyV1 {
        let filters = |action: PolicyAction| action != PolicyAction::Accept;
        NotificationPolicyV1 {
            filter_not_following: filters(policy.for_not_following),
            filter_not_followers: filters(policy.for_not_followers),
            filter_new_accounts: filters(policy.for_new_accounts),
            filter_private_mentions: filters(policy.for_private_mentions),
            summary: PendingSummaryV1 { pending_requests_count: requests.to_string(), pending_notifications_count: notifications.to_string() },
        }
    }
}

#[derive(Debug, Serialize)]
pub struct NotificationRequest {
    pub id: String,
    pub created_at: String,
    pub updated_at: String,
    pub notifications_count: String,
    pub account: Account,
    pub last_status: Option<Status>,
}

impl NotificationRequest {
    pub fn from_view(view: &crate::service::notification_requests::RequestView, settings: &Settings) -> NotificationRequest {
        let request = &view.request;
        NotificationRequest {
            id: request.id.to_string(),
            created_at: timestamp(&request.created_at),
            updated_at: timestamp(&request.updated_at),
            notifications_count: request.notifications_count.to_string(),
            account: Account::from_row(&view.account, settings),
            last_status: view.last_status.as_ref().map(|s| Status::from_view(s, settings)),
        }
    }
}
