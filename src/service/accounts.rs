//! Local users and accounts: creation, profile, lookup, relationships, an account's statuses.

use std::collections::HashSet;

use crate::config::{Registrations, Settings};
use crate::db::Tx;
use crate::db::tx::Outbound;
use crate::db::json::Json;
use crate::db::kinds::{AuditAction, Role};
use crate::db::models::{Account, AccountNote, ProfileChanges, ProfileSettings, Status, User};
use crate::db::queries::{account_notes, accounts, follow_requests, follows, marks, safety, statuses, users};
use crate::db::{DbConn, Page};
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId};
use crate::service::audit::{self, Actor, Target};
use crate::service::auth::{self, Session};
use crate::service::markup;
use crate::service::statuses::Visibility;

pub const MAX_DISPLAY_NAME: usize = 30;
pub const MAX_NOTE: usize = 500;
pub const MAX_FIELDS: usize = 4;
pub const MAX_FIELD_LENGTH: usize = 255;
const MIN_PASSWORD: usize = 8;

pub use crate::db::models::ProfileField;

pub fn profile_fields(account: &Account) -> Vec<ProfileField> {
    account.fields.0.clone()
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub email: Option<&'a str>,
    pub role: Role,
}

pub fn validate_username(username: &str) -> AppResult<()> {
    let valid_chars = username.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if username.is_empty() || username.len() > 30 || !valid_chars {
        return Err(AppError::validation("Username must be 1 to 30 letters, digits or underscores"));
    }
    Ok(())
}

fn validate_password(password: &str) -> AppResult<()> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(AppError::validation(format!("Password is too short (minimum is {MIN_PASSWORD} characters)")));
    }
    Ok(())
}

/// Creates a local user and its account.
pub fn create_user(conn: &mut DbConn, settings: &Settings, input: NewUser) -> AppResult<Account> {
    create_checked(conn, settings, input, true)
}

/// Creates a local user after the checks every new user passes; `approved` false keeps them out until a
/// moderator lets them in.
pub fn create_checked(conn: &mut DbConn, settings: &Settings, input: NewUser, approved: bool) -> AppResult<Account> {
    validate_username(input.username)?;
    validate_password(input.password)?;
    if accounts::find_by_name(conn, input.username, None)?.is_some() {
        return Err(AppError::validation("Username has already been taken"));
    }
    let host = settings.domain.split(':').next().unwrap_or(&settings.domain);
    let email = input.email.map_or_else(|| format!("{}@{host}", input.username), |e| e.trim().to_lowercase());
    if !email.contains('@') {
        return Err(AppError::validation("Email is invalid"));
    }
    if users::find_by_login(conn, &email)?.is_some() {
        return Err(AppError::validation("Email has already been taken"));
    }
    let password_hash = auth::hash_password(input.password)?;
    insert_local_user(conn, settings, LocalUser { username: input.username, email, password_hash, role: input.role, approved })
}

/// What someone who registers gives (`POST /api/v1/accounts`), and from where.
pub struct Registration<'a> {
    pub username: &'a str,
    pub email: Option<&'a str>,
    pub password: &'a str,
    pub agreement: bool,
    /// Why they want to join (Mastodon's `reason`), for the moderators who approve them.
    pub reason: Option<&'a str>,
    pub address: Option<std::net::IpAddr>,
}

/// Registers someone as `registrations` and the instance's blocks allow; the token is for the app they
/// registered with, and is refused (pending approval) until a moderator approves them when registrations (or
/// an IP block on their network) need approval.
pub fn register(conn: &mut DbConn, settings: &Settings, app: &Session, input: Registration) -> AppResult<auth::IssuedToken> {
    let open = match settings.registrations {
        Registrations::Closed => return Err(AppError::Forbidden("Registrations are closed on this instance".into())),
        Registrations::Approval => false,
        Registrations::Open => true,
    };
    if !input.agreement {
        return Err(AppError::validation("Agreement must be accepted"));
    }
    let email = input.email.filter(|e| !e.trim().is_empty()).ok_or_else(|| AppError::validation("Email can't be blank"))?;
    let needs_approval = crate::service::instance_blocks::check_registration(conn, email, input.address)?;
    let user = NewUser { username: input.username, password: input.password, email: Some(email), role: Role::User };
    let account = create_checked(conn, settings, user, open && !needs_approval)?;
    let reason = input.reason.map(str::trim).filter(|r| !r.is_empty());
    users::record_registration(conn, account.id, input.address.map(|a| a.to_string()).as_deref(), reason)?;
    auth::issue_token(conn, app.app.id, Some(account.id), &app.scopes)
}

/// Lets a registration that waits for approval in.
pub fn approve(conn: &mut DbConn, actor: &Actor, username: &str) -> AppResult<()> {
    let account = local_by_username(conn, username)?;
    users::set_approved(conn, account.id)?;
    audit::record(conn, actor, AuditAction::ApproveUser, Target::account(&account), "")
}

/// A local user to write, its names already checked; an empty hash is a password never accepted.
pub struct LocalUser<'a> {
    pub username: &'a str,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub approved: bool,
}

/// Writes a local user and its account.
pub fn insert_local_user(conn: &mut DbConn, settings: &Settings, user: LocalUser) -> AppResult<Account> {
    let account = new_local_account(settings, user.username);
    accounts::insert(conn, &account)?;
    users::insert(
        conn,
        &User {
            account_id: account.id,
            email: user.email,
            password_hash: user.password_hash,
            role: user.role,
            approved: user.approved,
            disabled: false,
            sign_up_ip: None,
            last_sign_in_ip: None,
            last_sign_in_at: None,
            registration_reason: None,
            default_visibility: Visibility::Public,
            default_sensitive: false,
            default_language: None,
            default_local_only: None,
            created_at: account.created_at,
        },
    )?;
    Ok(account)
}

/// The account row of a new local user.
pub fn new_local_account(settings: &Settings, username: &str) -> Account {
    let now = ids::now();
    let base = settings.base_url();
    let uri = format!("{base}/users/{username}");
    Account {
        id: AccountId::next(),
        username: username.to_owned(),
        domain: None,
        display_name: String::new(),
        note_source: String::new(),
        note_html: String::new(),
        url: format!("{base}/@{username}"),
        inbox_url: format!("{uri}/inbox"),
        shared_inbox_url: Some(format!("{base}/inbox")),
        followers_url: format!("{uri}/followers"),
        uri,
        public_key_pem: String::new(),
        avatar_url: None,
        header_url: None,
        locked: false,
        bot: false,
        discoverable: true,
        fields: Json(Vec::new()),
        followers_count: 0,
        following_count: 0,
        statuses_count: 0,
        last_status_at: None,
        created_at: now,
        updated_at: now,
        suspended_at: None,
        silenced_at: None,
        sensitized_at: None,
        also_known_as: Default::default(),
        moved_to_uri: None,
        profile: Default::default(),
        is_group: false,
    }
}

pub fn local_by_username(conn: &mut DbConn, username: &str) -> AppResult<Account> {
    accounts::find_by_name(conn, username, None)?.ok_or(AppError::NotFound)
}

pub fn set_password(conn: &mut DbConn, username: &str, password: &str) -> AppResult<()> {
    validate_password(password)?;
    let account = local_by_username(conn, username)?;
    users::set_password(conn, account.id, &auth::hash_password(password)?)?;
    Ok(())
}

pub fn set_role(conn: &mut DbConn, actor: &Actor, username: &str, role: Role) -> AppResult<()> {
    let account = local_by_username(conn, username)?;
    change_role(conn, actor, &account, role)
}

/// Gives a local user another role, recorded in the audit log (nothing when it is theirs already).
pub fn change_role(conn: &mut DbConn, actor: &Actor, account: &Account, role: Role) -> AppResult<()> {
    let user = users::find(conn, account.id)?.ok_or(AppError::NotFound)?;
    if user.role == role {
        return Ok(());
    }
    users::set_role(conn, account.id, role)?;
    audit::record(conn, actor, AuditAction::ChangeRole, Target::account(account), role.as_str())
}

/// Suspends (and signs out) or unsuspends a local user.
pub fn set_suspended(tx: &mut Tx, actor: &Actor, username: &str, suspended: bool) -> AppResult<()> {
    let account = local_by_username(tx, username)?;
    crate::service::moderation::suspend(tx, &account, suspended)?;
    let action = if suspended { AuditAction::SuspendAccount } else { AuditAction::UnsuspendAccount };
    audit::record(tx, actor, action, Target::account(&account), "")
}

pub fn list_users(conn: &mut DbConn) -> AppResult<Vec<(Account, Option<User>)>> {
    let mut listed = Vec::new();
    for account in accounts::list_local(conn)? {
        let user = users::find(conn, account.id)?;
        listed.push((account, user));
    }
    Ok(listed)
}

/// An account anyone may look at: suspended ones are gone from view.
pub fn get(conn: &mut DbConn, account_id: AccountId) -> AppResult<Account> {
    accounts::find(conn, account_id)?.filter(|a| a.suspended_at.is_none()).ok_or(AppError::NotFound)
}

/// `acct` as clients write it: `name`, `@name`, `name@our.domain` or `name@other.domain`.
pub fn lookup(conn: &mut DbConn, settings: &Settings, acct: &str) -> AppResult<Account> {
    Some(find_by_acct(conn, settings, acct)?).filter(|a| a.suspended_at.is_none()).ok_or(AppError::NotFound)
}

/// An account by its `acct` (`name`, `name@our.domain` or `name@their.domain`), suspended or not.
pub fn find_by_acct(conn: &mut DbConn, settings: &Settings, acct: &str) -> AppResult<Account> {
    let acct = acct.trim().trim_start_matches('@');
    let (name, domain) = match acct.split_once('@') {
        Some((name, domain)) if domain.eq_ignore_ascii_case(&settings.domain) => (name, None),
        Some((name, domain)) => (name, Some(domain)),
        None => (acct, None),
    };
    accounts::find_by_name(conn, name, domain)?.ok_or(AppError::NotFound)
}

/// The account an account moved to, when it did and that account is known here.
pub fn moved_to(conn: &mut DbConn, account: &Account) -> AppResult<Option<Account>> {
    match &account.moved_to_uri {
        Some(uri) => accounts::find_by_uri(conn, uri),
        None => Ok(None),
    }
}

/// Records that a local account is also the account `actor_uri` (on another instance), so that the other
/// may move to it (Move requires the target to name its origin in `alsoKnownAs`).
pub fn add_alias(tx: &mut Tx, account_id: AccountId, actor_uri: &str) -> AppResult<()> {
    let account = accounts::find(tx, account_id)?.filter(Account::is_local).ok_or(AppError::NotFound)?;
    if url::Url::parse(actor_uri).is_err() {
        return Err(AppError::validation(format!("'{actor_uri}' is not an actor's URI")));
    }
    if account.also_known_as.contains(&actor_uri.to_owned()) {
        return Ok(());
    }
    let mut aliases = account.also_known_as.0.clone();
    aliases.push(actor_uri.to_owned());
    accounts::set_aliases(tx, account_id, &aliases)?;
    let updated = accounts::find(tx, account_id)?.ok_or(AppError::NotFound)?;
    tx.federate(Outbound::ProfileUpdated(&updated))
}

#[derive(Debug, Default)]
pub struct ProfileChange {
    pub display_name: Option<String>,
    pub note: Option<String>,
    pub locked: Option<bool>,
    pub bot: Option<bool>,
    pub discoverable: Option<bool>,
    pub fields: Option<Vec<ProfileField>>,
    pub default_visibility: Option<String>,
    pub default_sensitive: Option<bool>,
    pub default_language: Option<Option<String>>,
    pub default_local_only: Option<bool>,
    /// Some(None) goes back to the default image.
    pub avatar_url: Option<Option<String>>,
    pub header_url: Option<Option<String>>,
    pub avatar_description: Option<String>,
    pub header_description: Option<String>,
    pub hide_collections: Option<bool>,
}

/// Whether the person's new posts are division-only unless they say otherwise: their own default, or the
/// instance's.
pub fn posts_local_only(user: &User, settings: &Settings) -> bool {
    user.default_local_only.unwrap_or(settings.local_only_default)
}

pub fn update_profile(tx: &mut Tx, settings: &Settings, account_id: AccountId, change: ProfileChange) -> AppResult<(Account, User)> {
    // Read here, inside the transaction: what others wrote since the request began is kept.
    let account = accounts::find(tx, account_id)?.ok_or(AppError::NotFound)?;
    let user = users::find(tx, account_id)?.ok_or(AppError::NotFound)?;
    let changes = profile_changes(settings, &account, &change)?;
    accounts::update_profile(tx, account_id, &changes)?;
    let updated = accounts::find(tx, account_id)?.ok_or(AppError::NotFound)?;
    crate::service::account_search::refresh(tx, &updated)?;
    tx.federate(Outbound::ProfileUpdated(&updated))?;

    let visibility = match change.default_visibility {
        Some(v) => Visibility::parse(&v)?,
        None => user.default_visibility,
    };
    let sensitive = change.default_sensitive.unwrap_or(user.default_sensitive);
    let language = change.default_language.unwrap_or(user.default_language.clone()).filter(|l| !l.is_empty());
    let local_only = change.default_local_only.or(user.default_local_only);
    users::set_posting_defaults(tx, account_id, users::PostingDefaults { visibility, sensitive, language: language.as_deref(), local_only })?;
    let user = users::find(tx, account_id)?.ok_or(AppError::NotFound)?;
    Ok((updated, user))
}

/// The profile columns after `change`, checked against Mastodon's limits.
fn profile_changes(settings: &Settings, account: &Account, change: &ProfileChange) -> AppResult<ProfileChanges> {
    let mut changes = ProfileChanges {
        display_name: account.display_name.clone(),
        note_source: account.note_source.clone(),
        note_html: account.note_html.clone(),
        avatar_url: change.avatar_url.clone().unwrap_or_else(|| account.avatar_url.clone()),
        header_url: change.header_url.clone().unwrap_or_else(|| account.header_url.clone()),
        locked: change.locked.unwrap_or(account.locked),
        bot: change.bot.unwrap_or(account.bot),
        discoverable: change.discoverable.unwrap_or(account.discoverable),
        fields: account.fields.clone(),
        profile: Json(ProfileSettings {
            avatar_description: change.avatar_description.clone().unwrap_or_else(|| account.profile.avatar_description.clone()),
            header_description: change.header_description.clone().unwrap_or_else(|| account.profile.header_description.clone()),
            hide_collections: change.hide_collections.unwrap_or(account.profile.hide_collections),
            featured_tags: account.profile.featured_tags.clone(),
        }),
        updated_at: ids::now(),
    };
    for description in [&changes.profile.avatar_description, &changes.profile.header_description] {
        if description.chars().count() > crate::service::media::MAX_DESCRIPTION {
            return Err(AppError::validation(format!("Description is too long (maximum is {} characters)", crate::service::media::MAX_DESCRIPTION)));
        }
    }
    if let Some(name) = &change.display_name {
        if name.chars().count() > MAX_DISPLAY_NAME {
            return Err(AppError::validation(format!("Display name is too long (maximum is {MAX_DISPLAY_NAME} characters)")));
        }
        changes.display_name = name.clone();
    }
    if let Some(note) = &change.note {
        if note.chars().count() > MAX_NOTE {
            return Err(AppError::validation(format!("Note is too long (maximum is {MAX_NOTE} characters)")));
        }
        changes.note_html = markup::render(note, &settings.base_url(), &|_| None);
        changes.note_source = note.clone();
    }
    if let Some(fields) = &change.fields {
        let fields: Vec<&ProfileField> = fields.iter().filter(|f| !(f.name.trim().is_empty() && f.value.trim().is_empty())).collect();
        if fields.len() > MAX_FIELDS {
            return Err(AppError::validation(format!("Fields can have at most {MAX_FIELDS} entries")));
        }
        if fields.iter().any(|f| f.name.chars().count() > MAX_FIELD_LENGTH || f.value.chars().count() > MAX_FIELD_LENGTH) {
            return Err(AppError::validation(format!("Fields are too long (maximum is {MAX_FIELD_LENGTH} characters)")));
        }
        changes.fields = Json(fields.into_iter().cloned().collect());
    }
    Ok(changes)
}

#[derive(Debug, Clone, Default)]
pub struct Relationship {
    pub id: AccountId,
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub followed_by: bool,
    pub requested: bool,
    pub requested_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    pub muting_expires_at: Option<chrono::NaiveDateTime>,
    pub domain_blocking: bool,
    pub endorsed: bool,
    /// The viewer's private note on the account.
    pub note: String,
}

pub fn pending_follow_requests(conn: &mut DbConn, account: &Account) -> AppResult<i64> {
    follow_requests::count_to(conn, account.id)
}

pub fn relationships(conn: &mut DbConn, viewer: &Account, ids: &[AccountId]) -> AppResult<Vec<Relationship>> {
    let following = follows::following_among(conn, viewer.id, ids)?;
    let requested: HashSet<AccountId> = follow_requests::requested_among(conn, viewer.id, ids)?.into_iter().collect();
    let requested_by: HashSet<AccountId> = follow_requests::requested_by_among(conn, viewer.id, ids)?.into_iter().collect();
    let mutes = safety::active_mutes(conn, viewer.id, ids::now())?;
    let endorsed: HashSet<AccountId> = crate::db::queries::featured::endorsed_among(conn, viewer.id, ids)?.into_iter().collect();
    let blocked_domains = safety::blocked_domains(conn, viewer.id)?;
    let targets = accounts::find_many(conn, ids)?;
    let notes = account_notes::among(conn, viewer.id, ids)?;
    let mut blocking = HashSet::new();
    let mut blocked_by = HashSet::new();
    for &id in ids {
        if safety::find_block(conn, viewer.id, id)?.is_some() {
            blocking.insert(id);
        }
        if safety::find_block(conn, id, viewer.id)?.is_some() {
            blocked_by.insert(id);
        }
    }
    let mut followed_by: HashSet<AccountId> = HashSet::new();
    for &id in ids {
        if follows::find(conn, id, viewer.id)?.is_some() {
            followed_by.insert(id);
        }
    }
    Ok(ids
        .iter()
        .map(|&id| {
            let follow = following.iter().find(|f| f.target_account_id == id);
            Relationship {
                id,
                following: follow.is_some(),
                showing_reblogs: follow.is_some_and(|f| f.show_reblogs),
                notifying: follow.is_some_and(|f| f.notify),
                followed_by: followed_by.contains(&id),
                requested: requested.contains(&id),
                requested_by: requested_by.contains(&id),
                blocking: blocking.contains(&id),
                blocked_by: blocked_by.contains(&id),
                muting: mutes.iter().any(|m| m.target_account_id == id),
                muting_notifications: mutes.iter().any(|m| m.target_account_id == id && m.hide_notifications),
                muting_expires_at: mutes.iter().find(|m| m.target_account_id == id).and_then(|m| m.expires_at),
                domain_blocking: targets
                    .iter()
                    .find(|a| a.id == id)
                    .and_then(|a| a.domain.as_ref())
                    .is_some_and(|d| blocked_domains.contains(d)),
                endorsed: endorsed.contains(&id),
                note: notes.iter().find(|n| n.target_account_id == id).map(|n| n.comment.clone()).unwrap_or_default(),
            }
        })
        .collect())
}

/// Mastodon's limit on a private note.
pub const MAX_PRIVATE_NOTE: usize = 2000;

/// Sets the viewer's private note on an account (empty removes it).
pub fn set_note(conn: &mut DbConn, viewer: &Account, target_id: AccountId, comment: &str) -> AppResult<Relationship> {
    let target = get(conn, target_id)?;
    if comment.chars().count() > MAX_PRIVATE_NOTE {
        return Err(AppError::validation(format!("Comment is too long (maximum is {MAX_PRIVATE_NOTE} characters)")));
    }
    let note = AccountNote { account_id: viewer.id, target_account_id: target.id, comment: comment.trim().to_owned(), updated_at: ids::now() };
    account_notes::set(conn, &note)?;
    relationships(conn, viewer, &[target.id])?.pop().ok_or(AppError::NotFound)
}

/// How many familiar followers are named per account.
const FAMILIAR_FOLLOWERS_SHOWN: i64 = 40;

/// For each account: the accounts the viewer follows that follow it ("followed by people you know").
pub fn familiar_followers(conn: &mut DbConn, viewer: &Account, ids: &[AccountId]) -> AppResult<Vec<(AccountId, Vec<Account>)>> {
    let mut found = Vec::with_capacity(ids.len());
    for &id in ids {
        // Someone who hides whom they follow is not named as following anyone (as Mastodon leaves them out).
        let hides_followers = accounts::find(conn, id)?.is_some_and(|a| a.profile.hide_collections);
        let shown = if id == viewer.id || hides_followers {
            Vec::new()
        } else {
            follows::familiar_followers(conn, viewer.id, id, FAMILIAR_FOLLOWERS_SHOWN)?.into_iter().filter(|a| !a.profile.hide_collections).collect()
        };
        found.push((id, shown));
    }
    Ok(found)
}

/// The accounts of `ids` anyone may look at, in the order asked (Mastodon's `GET /api/v1/accounts?id[]=`).
pub fn get_many(conn: &mut DbConn, ids: &[AccountId]) -> AppResult<Vec<Account>> {
    let found = accounts::find_many(conn, ids)?;
    Ok(ids.iter().filter_map(|id| found.iter().find(|a| a.id == *id && a.suspended_at.is_none()).cloned()).collect())
}

/// Whether `viewer` may see whom `account` follows and who follows it.
pub fn shows_collections(account: &Account, viewer: Option<&Account>) -> bool {
    !account.profile.hide_collections || viewer.is_some_and(|v| v.id == account.id)
}

#[derive(Default)]
pub struct StatusesQuery {
    pub only_media: bool,
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
    pub exclude_direct: bool,
    pub pinned: bool,
    pub tagged: Option<String>,
}

/// An account's statuses as the viewer may see them.
pub fn statuses_of(conn: &mut DbConn, viewer: Option<&Account>, account_id: AccountId, query: &StatusesQuery, page: &Page) -> AppResult<Vec<Status>> {
    let account = get(conn, account_id)?;
    let viewer_id = viewer.map(|v| v.id);
    let follows_account = match viewer_id {
        Some(v) if v != account.id => follows::find(conn, v, account.id)?.is_some(),
        _ => false,
    };
    let visibilities: &[Visibility] = if viewer_id == Some(account.id) && !query.exclude_direct {
        &[Visibility::Public, Visibility::Unlisted, Visibility::Private, Visibility::Direct]
    } else if viewer_id == Some(account.id) {
        &[Visibility::Public, Visibility::Unlisted, Visibility::Private]
    } else if follows_account {
        &[Visibility::Public, Visibility::Unlisted, Visibility::Private]
    } else {
        &[Visibility::Public, Visibility::Unlisted]
    };
    let tag_id = match &query.tagged {
        Some(name) => match statuses::find_tag(conn, name)? {
            Some(tag) => Some(tag.id),
            None => return Ok(Vec::new()),
        },
        None => None,
    };
    let pinned_ids = if query.pinned { Some(marks::status_pins::status_ids_of(conn, account.id)?) } else { None };
    let filter = statuses::AccountStatusFilter {
        visibilities,
        // Mastodon's exclude_direct leaves out direct statuses whoever they mention.
        mentioned: viewer_id.filter(|_| !query.exclude_direct),
        exclude_replies: query.exclude_replies,
        exclude_reblogs: query.exclude_reblogs,
        tag_id,
        only_ids: pinned_ids.as_deref(),
        only_media: query.only_media,
    };
    statuses::account_page(conn, account.id, &filter, page)
}
