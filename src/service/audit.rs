//! The audit log: every admin and moderator action is recorded in the transaction that makes it, with who
//! acted, on what, and the text given. Nothing edits or removes an entry.

use crate::db::kinds::{AuditAction, AuditTarget, TrendKind};
use crate::db::models::{Account, Announcement, AuditEntry, CanonicalEmailBlock, CustomEmoji, DomainBlock, EmailDomainBlock, IpBlock, Peer, Report};
pub use crate::db::queries::audit_log::AuditFilter;
use crate::db::queries::audit_log;
use crate::db::{DbConn, Page};
use crate::error::AppResult;
use crate::ids::{self, AccountId};

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in admin or moderator.
    Account { id: AccountId, username: String },
    /// `hallway …` on the server, by this operating-system user.
    CommandLine { user: String },
    /// The company directory's sync (roles and suspensions follow the directory).
    Directory,
    /// Another instance joining with an invitation an admin made (`hallway peers invite`).
    Invitation { host: String },
}

impl Actor {
    pub fn of(account: &Account) -> Actor {
        Actor::Account { id: account.id, username: account.username.clone() }
    }

    /// The acting account, None for the command line and the directory sync.
    pub fn account_id(&self) -> Option<AccountId> {
        match self {
            Actor::Account { id, .. } => Some(*id),
            _ => None,
        }
    }

    fn label(&self) -> String {
        match self {
            Actor::Account { username, .. } => format!("@{username}"),
            Actor::CommandLine { user } => format!("command line ({user})"),
            Actor::Directory => "directory".to_owned(),
            Actor::Invitation { host } => format!("invitation used by {host}"),
        }
    }
}

/// What an entry is about, as it reads when the action happens.
pub struct Target {
    kind: AuditTarget,
    id: i64,
    label: String,
}

impl Target {
    pub fn account(account: &Account) -> Target {
        Target { kind: AuditTarget::Account, id: account.id.0, label: format!("@{}", account.acct()) }
    }

    pub fn domain_allow(peer: &Peer) -> Target {
        Target { kind: AuditTarget::DomainAllow, id: peer.id, label: peer.host.clone() }
    }

    pub fn peer_invite(id: i64, expires_at: &chrono::NaiveDateTime) -> Target {
        Target { kind: AuditTarget::PeerInvite, id, label: format!("invitation valid until {}", expires_at.format("%Y-%m-%d %H:%M UTC")) }
    }

    pub fn custom_emoji(emoji: &CustomEmoji) -> Target {
        Target { kind: AuditTarget::CustomEmoji, id: emoji.id, label: format!(":{}:", emoji.shortcode) }
    }

    pub fn report(report: &Report) -> Target {
        Target { kind: AuditTarget::Report, id: report.id, label: format!("report {}", report.id) }
    }

    pub fn domain_block(block: &DomainBlock) -> Target {
        Target { kind: AuditTarget::DomainBlock, id: block.id, label: block.domain.clone() }
    }

    pub fn email_domain_block(block: &EmailDomainBlock) -> Target {
        Target { kind: AuditTarget::EmailDomainBlock, id: block.id, label: block.domain.clone() }
    }

    /// Only the hash is known, and the start of it is enough to tell blocks apart.
    pub fn canonical_email_block(block: &CanonicalEmailBlock) -> Target {
        Target { kind: AuditTarget::CanonicalEmailBlock, id: block.id, label: block.canonical_email_hash.chars().take(12).collect() }
    }

    /// The announcement's first words.
    pub fn announcement(announcement: &Announcement) -> Target {
        let mut label: String = announcement.text.chars().take(40).collect();
        if label.len() < announcement.text.len() {
            label.push('…');
        }
        Target { kind: AuditTarget::Announcement, id: announcement.id, label }
    }

    /// A tag, status or link moderators reviewed, as the admin API names it.
    pub fn trend(kind: TrendKind, id: i64, label: String) -> Target {
        Target { kind: AuditTarget::Trend, id, label: format!("{} {label}", kind.as_str()) }
    }

    pub fn ip_block(block: &IpBlock) -> Target {
        Target { kind: AuditTarget::IpBlock, id: block.id, label: block.ip.clone() }
    }
}

/// Records an action, in the caller's transaction (so it is logged exactly when it happens).
pub fn record(conn: &mut DbConn, actor: &Actor, action: AuditAction, target: Target, text: &str) -> AppResult<()> {
    let entry = AuditEntry {
        id: ids::next_id(),
        actor_account_id: actor.account_id(),
        actor: actor.label(),
        action,
        target_type: target.kind,
        target_id: target.id,
        target: target.label,
        text: text.to_owned(),
        created_at: ids::now(),
    };
    audit_log::insert(conn, entry)
}

pub fn page(conn: &mut DbConn, filter: &AuditFilter, page: &Page) -> AppResult<Vec<AuditEntry>> {
    audit_log::page(conn, filter, page)
}
