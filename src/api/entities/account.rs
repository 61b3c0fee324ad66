use serde::Serialize;

use super::timestamp;
use crate::config::Settings;
use crate::db::kinds;
use crate::db::models::{self, User};
use crate::service::accounts::{profile_fields, Relationship as RelationshipView};
use crate::service::markup;

#[derive(Debug, Serialize)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub acct: String,
    pub display_name: String,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub group: bool,
    pub created_at: String,
    pub note: String,
    pub url: String,
    pub uri: String,
    pub avatar: String,
    pub avatar_static: String,
    pub header: String,
    pub header_static: String,
    pub avatar_description: String,
    pub header_description: String,
    pub followers_count: i32,
    pub following_count: i32,
    pub statuses_count: i32,
    pub last_status_at: Option<String>,
    pub hide_collections: bool,
    pub noindex: bool,
    pub emojis: Vec<serde_json::Value>,
    pub roles: Vec<serde_json::Value>,
    pub fields: Vec<Field>,
    /// Silenced by moderators (Mastodon's `limited`, present only when true).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub limited: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub suspended: bool,
    /// The account it moved to (on profiles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved: Option<Box<Account>>,
}

#[derive(Debug, Serialize)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub verified_at: Option<String>,
}

impl Account {
    pub fn from_row(account: &models::Account, settings: &Settings) -> Account {
        let base = settings.base_url();
        let avatar = account.avatar_url.clone().unwrap_or_else(|| format!("{base}/avatars/original/missing.png"));
        let header = account.header_url.clone().unwrap_or_else(|| format!("{base}/headers/original/missing.png"));
        Account {
            id: account.id.to_string(),
            username: account.username.clone(),
            acct: account.acct(),
            display_name: account.display_name.clone(),
            locked: account.locked,
            bot: account.bot,
            discoverable: account.discoverable,
            indexable: account.discoverable,
            group: account.is_group,
            created_at: timestamp(&account.created_at.date().and_hms_opt(0, 0, 0).unwrap_or(account.created_at)),
            note: account.note_html.clone(),
            url: account.url.clone(),
            uri: account.uri.clone(),
            avatar_static: avatar.clone(),
            avatar,
            header_static: header.clone(),
            header,
            avatar_description: account.profile.avatar_description.clone(),
            header_description: account.profile.header_description.clone(),
            followers_count: account.followers_count.max(0),
            following_count: account.following_count.max(0),
            statuses_count: account.statuses_count.max(0),
            last_status_at: account.last_status_at.map(|t| t.format("%Y-%m-%d").to_string()),
            hide_collections: account.profile.hide_collections,
            noindex: false,
            emojis: Vec::new(),
            roles: Vec::new(),
            fields: profile_fields(account)
                .into_iter()
                .map(|f| Field {
                    name: markup::escape(&f.name),
                    value: markup::render_line(&f.value),
                    verified_at: None,
                })
                .collect(),
            limited: account.silenced_at.is_some(),
            suspended: account.suspended_at.is_some(),
            moved: None,
        }
    }

    /// An account's profile: with the account it moved to, when it did.
    pub fn profile(account: &models::Account, moved_to: Option<&models::Account>, settings: &Settings) -> Account {
        Account { moved: moved_to.map(|target| Box::new(Account::from_row(target, settings))), ..Account::from_row(account, settings) }
    }
}

/// The signed-in user's own account, with `source` and `role` (verify/update_credentials).
#[derive(Debug, Serialize)]
pub struct CredentialAccount {
    #[serde(flatten)]
    pub account: Account,
    pub source: Source,
    pub role: Role,
}

#[derive(Debug, Serialize)]
pub struct Source {
    pub privacy: String,
    pub sensitive: bool,
    pub language: Option<String>,
    pub note: String,
    pub fields: Vec<Field>,
    pub follow_requests_count: i32,
    pub hide_collections: bool,
    pub discoverable: bool,
    pub indexable: bool,
    /// Who may quote new statuses unless the client says otherwise (Mastodon's default; not a setting here).
    pub quote_policy: &'static str,
    /// Hallway's own: whether new posts stay in the division unless the client says otherwise.
    pub local_only: bool,
}

#[derive(Debug, Serialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub permissions: String,
    pub color: String,
    pub highlighted: bool,
}

impl Role {
    /// Mastodon's default roles, with their permission flags (`administrator` is bit 0 and implies all).
    pub fn of(role: kinds::Role) -> Role {
        let (id, name, permissions, highlighted) = match role {
            kinds::Role::Admin => ("3", "Admin", ALL_PERMISSIONS, true),
            kinds::Role::Moderator => ("1", "Moderator", MODERATOR_PERMISSIONS, true),
            kinds::Role::User => ("-99", "", INVITE_USERS, false),
        };
        Role { id: id.into(), name: name.into(), permissions: permissions.to_string(), color: String::new(), highlighted }
    }

    /// The role with this id (as `role_ids[]` names them).
    pub fn by_id(id: &str) -> crate::error::AppResult<kinds::Role> {
        kinds::Role::ALL
            .iter()
            .copied()
            .find(|role| Role::of(*role).id == id)
            .ok_or_else(|| crate::error::AppError::validation(format!("role_ids: '{id}' is not a role of this instance")))
    }
}

const INVITE_USERS: u32 = 1 << 16;
const ALL_PERMISSIONS: u32 = (1 << 20) - 1;
/// view_audit_log, view_dashboard, manage_reports, manage_taxonomies and manage_users, as Mastodon's
/// Moderator role, plus invite_users that everyone has.
const MODERATOR_PERMISSIONS: u32 = (1 << 2) | (1 << 3) | (1 << 4) | (1 << 8) | (1 << 10) | INVITE_USERS;

impl CredentialAccount {
    pub fn from_rows(account: &models::Account, user: &User, follow_requests_count: i64, settings: &Settings) -> CredentialAccount {
        CredentialAccount {
            account: Account::from_row(account, settings),
            source: Source {
                privacy: user.default_visibility.to_string(),
                sensitive: user.default_sensitive,
                language: user.default_language.clone(),
                note: account.note_source.clone(),
                fields: profile_fields(account)
                    .into_iter()
                    .map(|f| Field { name: f.name, value: f.value, verified_at: None })
                    .collect(),
                follow_requests_count: follow_requests_count.try_into().unwrap_or(i32::MAX),
                hide_collections: account.profile.hide_collections,
                discoverable: account.discoverable,
                indexable: account.discoverable,
                quote_policy: "public",
                local_only: crate::service::accounts::posts_local_only(user, settings),
            },
            role: Role::of(user.role),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Relationship {
    pub id: String,
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub languages: Option<Vec<String>>,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    pub muting_expires_at: Option<String>,
    pub requested: bool,
    pub requested_by: bool,
    pub domain_blocking: bool,
    pub endorsed: bool,
    pub note: String,
}

impl Relationship {
    pub fn from_view(view: &RelationshipView) -> Relationship {
        Relationship {
            id: view.id.to_string(),
            following: view.following,
            showing_reblogs: view.showing_reblogs,
            notifying: view.notifying,
            languages: None,
            followed_by: view.followed_by,
            blocking: view.blocking,
            blocked_by: view.blocked_by,
            muting: view.muting,
            muting_notifications: view.muting_notifications,
            muting_expires_at: view.muting_expires_at.as_ref().map(super::timestamp),
            requested: view.requested,
            requested_by: view.requested_by,
            domain_blocking: view.domain_blocking,
            endorsed: view.endorsed,
            note: view.note.clone(),
        }
    }
}

/// `GET /api/v1/profile`: the signed-in user's profile as written (sources, not rendered HTML), with
/// every setting an editor needs (Mastodon 4.6).
#[derive(Debug, Serialize)]
pub struct Profile {
    pub id: String,
    pub display_name: String,
    pub note: String,
    pub fields: Vec<models::ProfileField>,
    pub avatar: Option<String>,
    pub avatar_static: Option<String>,
    pub avatar_description: String,
    pub header: Option<String>,
    pub header_static: Option<String>,
    pub header_description: String,
    pub locked: bool,
    pub bot: bool,
    pub hide_collections: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub show_media: bool,
    pub show_media_replies: bool,
    pub show_featured: bool,
    pub attribution_domains: Vec<String>,
}

impl Profile {
    pub fn from_row(account: &models::Account) -> Profile {
        Profile {
            id: account.id.to_string(),
            display_name: account.display_name.clone(),
            note: account.note_source.clone(),
            fields: account.fields.0.clone(),
            avatar: account.avatar_url.clone(),
            avatar_static: account.avatar_url.clone(),
            avatar_description: account.profile.avatar_description.clone(),
            header: account.header_url.clone(),
            header_static: account.header_url.clone(),
            header_description: account.profile.header_description.clone(),
            locked: account.locked,
            bot: account.bot,
            hide_collections: account.profile.hide_collections,
            discoverable: account.discoverable,
            indexable: account.discoverable,
            show_media: true,
            show_media_replies: true,
            show_featured: true,
            attribution_domains: Vec::new(),
        }
    }
}

/// One entry of `GET /api/v1/accounts/familiar_followers`.
#[derive(Debug, Serialize)]
pub struct FamiliarFollowers {
    pub id: String,
    pub accounts: Vec<Account>,
}
