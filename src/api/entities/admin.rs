//! Mastodon's admin entities: accounts and reports as moderators see them, and the instance's blocks.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{timestamp, Account, Role, Status};
use crate::config::Settings;
use crate::db::kinds::{self, DomainBlockSeverity, IpBlockSeverity};
use crate::db::models;
use crate::service::moderation::Managed;
use crate::service::reports::ReportView;

#[derive(Debug, Serialize)]
pub struct AdminAccount {
    pub id: String,
    pub username: String,
    pub domain: Option<String>,
    pub created_at: String,
    pub email: String,
    pub ip: Option<String>,
    pub ips: Vec<AdminIp>,
    pub locale: String,
    pub invite_request: Option<String>,
    pub role: Role,
    pub confirmed: bool,
    pub approved: bool,
    pub disabled: bool,
    pub silenced: bool,
    pub suspended: bool,
    pub sensitized: bool,
    pub account: Account,
    pub created_by_application_id: Option<String>,
    pub invited_by_account_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AdminIp {
    pub ip: String,
    pub used_at: String,
}

impl AdminAccount {
    pub fn from_managed(managed: &Managed, settings: &Settings) -> AdminAccount {
        let account = &managed.account;
        let user = managed.user.as_ref();
        let mut ips = Vec::new();
        if let Some(user) = user {
            if let (Some(ip), Some(at)) = (&user.last_sign_in_ip, user.last_sign_in_at) {
                ips.push(AdminIp { ip: ip.clone(), used_at: timestamp(&at) });
            }
            if let Some(ip) = user.sign_up_ip.as_ref().filter(|ip| user.last_sign_in_ip.as_ref() != Some(*ip)) {
                ips.push(AdminIp { ip: ip.clone(), used_at: timestamp(&user.created_at) });
            }
        }
        AdminAccount {
            id: account.id.to_string(),
            username: account.username.clone(),
            domain: account.domain.clone(),
            created_at: timestamp(&account.created_at),
            email: user.map(|u| u.email.clone()).unwrap_or_default(),
            ip: ips.first().map(|ip| ip.ip.clone()),
            ips,
            locale: user.and_then(|u| u.default_language.clone()).unwrap_or_else(|| "en".into()),
            invite_request: user.and_then(|u| u.registration_reason.clone()),
            role: Role::of(user.map_or(kinds::Role::User, |u| u.role)),
            confirmed: true,
            approved: user.is_none_or(|u| u.approved),
            disabled: user.is_some_and(|u| u.disabled),
            silenced: account.silenced_at.is_some(),
            suspended: account.suspended_at.is_some(),
            sensitized: account.sensitized_at.is_some(),
            account: Account::from_row(account, settings),
            created_by_application_id: None,
            invited_by_account_id: None,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct AdminReport {
    pub id: String,
    pub action_taken: bool,
    pub action_taken_at: Option<String>,
    pub category: String,
    pub comment: String,
    pub forwarded: bool,
    pub created_at: String,
    pub updated_at: String,
    pub account: AdminAccount,
    pub target_account: AdminAccount,
    pub assigned_account: Option<AdminAccount>,
    pub action_taken_by_account: Option<AdminAccount>,
    pub statuses: Vec<Status>,
    pub rules: Vec<serde_json::Value>,
}

impl AdminReport {
    pub fn from_view(view: &ReportView, settings: &Settings) -> AdminReport {
        let report = &view.report;
        let admin_account = |managed: &Managed| AdminAccount::from_managed(managed, settings);
        AdminReport {
            id: report.id.to_string(),
            action_taken: report.action_taken_at.is_some(),
            action_taken_at: report.action_taken_at.as_ref().map(timestamp),
            category: report.category.clone(),
            comment: report.comment.clone(),
            forwarded: report.forwarded,
            created_at: timestamp(&report.created_at),
            updated_at: timestamp(&report.updated_at.unwrap_or(report.created_at)),
            account: admin_account(&view.reporter),
            target_account: admin_account(&view.target),
            assigned_account: view.assigned.as_ref().map(admin_account),
            action_taken_by_account: view.action_taken_by.as_ref().map(admin_account),
            statuses: Status::list(&view.statuses, settings),
            rules: Vec::new(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct AdminDomainBlock {
    pub id: String,
    pub domain: String,
    pub digest: String,
    pub created_at: String,
    pub severity: DomainBlockSeverity,
    pub reject_media: bool,
    pub reject_reports: bool,
    pub private_comment: Option<String>,
    pub public_comment: Option<String>,
    pub obfuscate: bool,
}

impl AdminDomainBlock {
    pub fn from_row(block: &models::DomainBlock) -> AdminDomainBlock {
        AdminDomainBlock {
            id: block.id.to_string(),
            domain: block.domain.clone(),
            digest: Sha256::digest(block.domain.as_bytes()).iter().map(|b| format!("{b:02x}")).collect(),
            created_at: timestamp(&block.created_at),
            severity: block.severity,
            reject_media: block.reject_media,
            reject_reports: block.reject_reports,
            private_comment: block.private_comment.clone(),
            public_comment: block.public_comment.clone(),
            obfuscate: block.obfuscate,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct AdminEmailDomainBlock {
    pub id: String,
    pub domain: String,
    pub created_at: String,
    /// Mastodon's daily sign-up attempts; Hallway keeps none.
    pub history: Vec<serde_json::Value>,
}

impl AdminEmailDomainBlock {
    pub fn from_row(block: &models::EmailDomainBlock) -> AdminEmailDomainBlock {
        AdminEmailDomainBlock { id: block.id.to_string(), domain: block.domain.clone(), created_at: timestamp(&block.created_at), history: Vec::new() }
    }
}

#[derive(Debug, Serialize)]
pub struct AdminCanonicalEmailBlock {
    pub id: String,
    pub canonical_email_hash: String,
}

impl AdminCanonicalEmailBlock {
    pub fn from_row(block: &models::CanonicalEmailBlock) -> AdminCanonicalEmailBlock {
        AdminCanonicalEmailBlock { id: block.id.to_string(), canonical_email_hash: block.canonical_email_hash.clone() }
    }
}

#[derive(Debug, Serialize)]
pub struct AdminIpBlock {
    pub id: String,
    pub ip: String,
    pub severity: IpBlockSeverity,
    pub comment: String,
    pub created_at: String,
    pub expires_at: Option<String>,
}

impl AdminIpBlock {
    pub fn from_row(block: &models::IpBlock) -> AdminIpBlock {
        AdminIpBlock {
            id: block.id.to_string(),
            ip: block.ip.clone(),
            severity: block.severity,
            comment: block.comment.clone(),
            created_at: timestamp(&block.created_at),
            expires_at: block.expires_at.as_ref().map(timestamp),
        }
    }
}
