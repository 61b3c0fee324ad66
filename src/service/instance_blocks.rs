//! The instance's blocks, kept by admins: domains (refused or limited even when allowed), e-mail domains and
//! addresses nobody registers with, and IP networks refused at sign-in and registration. Each change is audited.

use std::net::IpAddr;

use ipnet::IpNet;
use sha2::{Digest, Sha256};

use crate::db::kinds::{AuditAction, DomainBlockSeverity, IpBlockSeverity};
use crate::db::models::{CanonicalEmailBlock, DomainBlock, EmailDomainBlock, IpBlock};
use crate::db::queries::accounts;
use crate::db::queries::instance_blocks::{canonical_emails, domains, email_domains, ips};
use crate::db::{DbConn, Page};
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::service::audit::{self, Actor, Target};
use crate::service::peers::normalize_host;

const MAX_COMMENT: usize = 1_000;

/// A domain block as an admin gives it (create) or changes it (update: None keeps what is there).
#[derive(Debug, Default)]
pub struct DomainBlockInput {
    pub domain: Option<String>,
    pub severity: Option<DomainBlockSeverity>,
    pub reject_media: Option<bool>,
    pub reject_reports: Option<bool>,
    pub private_comment: Option<String>,
    pub public_comment: Option<String>,
    pub obfuscate: Option<bool>,
}

pub fn domain_block_page(conn: &mut DbConn, page: &Page) -> AppResult<Vec<DomainBlock>> {
    domains::page(conn, page)
}

pub fn domain_block(conn: &mut DbConn, block_id: i64) -> AppResult<DomainBlock> {
    domains::find(conn, block_id)?.ok_or(AppError::NotFound)
}

pub fn create_domain_block(conn: &mut DbConn, actor: &Actor, input: DomainBlockInput) -> AppResult<DomainBlock> {
    let domain = normalize_host(input.domain.as_deref().unwrap_or_default())?;
    if domains::find_by_domain(conn, &domain)?.is_some() {
        return Err(AppError::validation(format!("{domain} is blocked already; change that block instead")));
    }
    let now = ids::now();
    let block = DomainBlock {
        id: ids::next_id(),
        domain,
        severity: input.severity.unwrap_or(DomainBlockSeverity::Silence),
        reject_media: input.reject_media.unwrap_or(false),
        reject_reports: input.reject_reports.unwrap_or(false),
        private_comment: checked_comment(input.private_comment)?,
        public_comment: checked_comment(input.public_comment)?,
        obfuscate: input.obfuscate.unwrap_or(false),
        created_at: now,
        updated_at: now,
    };
    domains::insert(conn, &block)?;
    apply_severity(conn, &block, true)?;
    audit::record(conn, actor, AuditAction::CreateDomainBlock, Target::domain_block(&block), block.severity.as_str())?;
    Ok(block)
}

pub fn update_domain_block(conn: &mut DbConn, actor: &Actor, block_id: i64, input: DomainBlockInput) -> AppResult<DomainBlock> {
    let old = domain_block(conn, block_id)?;
    let block = DomainBlock {
        severity: input.severity.unwrap_or(old.severity),
        reject_media: input.reject_media.unwrap_or(old.reject_media),
        reject_reports: input.reject_reports.unwrap_or(old.reject_reports),
        private_comment: input.private_comment.map_or(Ok(old.private_comment.clone()), |c| checked_comment(Some(c)))?,
        public_comment: input.public_comment.map_or(Ok(old.public_comment.clone()), |c| checked_comment(Some(c)))?,
        obfuscate: input.obfuscate.unwrap_or(old.obfuscate),
        updated_at: ids::now(),
        ..old.clone()
    };
    if block.severity != old.severity {
        apply_severity(conn, &old, false)?;
        apply_severity(conn, &block, true)?;
    }
    domains::update(conn, &block)?;
    audit::record(conn, actor, AuditAction::UpdateDomainBlock, Target::domain_block(&block), block.severity.as_str())?;
    Ok(block)
}

pub fn remove_domain_block(conn: &mut DbConn, actor: &Actor, block_id: i64) -> AppResult<()> {
    let block = domain_block(conn, block_id)?;
    apply_severity(conn, &block, false)?;
    domains::delete(conn, block.id)?;
    audit::record(conn, actor, AuditAction::DestroyDomainBlock, Target::domain_block(&block), "")
}

/// Silences or suspends the accounts the block covers (or lifts what it did); the block's time marks which.
fn apply_severity(conn: &mut DbConn, block: &DomainBlock, on: bool) -> AppResult<()> {
    let at = on.then_some(block.created_at);
    match block.severity {
        DomainBlockSeverity::Silence => accounts::silence_domain(conn, &block.domain, at, block.created_at),
        DomainBlockSeverity::Suspend => {
            if on {
                crate::db::queries::deliveries::cancel_queued_for(conn, &block.domain, ids::now())?;
            }
            accounts::suspend_domain(conn, &block.domain, at, block.created_at)
        }
        DomainBlockSeverity::Noop => Ok(()),
    }
}

/// What a new remote account of a blocked domain starts with: silenced or suspended at the block's time.
pub fn domain_policy(conn: &mut DbConn, authority: &str) -> AppResult<Option<DomainBlock>> {
    Ok(domains::all(conn)?.into_iter().find(|block| domains::covers(&block.domain, authority)))
}

fn checked_comment(comment: Option<String>) -> AppResult<Option<String>> {
    match comment {
        Some(text) if text.chars().count() > MAX_COMMENT => Err(AppError::validation(format!("Comment is too long (maximum is {MAX_COMMENT} characters)"))),
        Some(text) if text.trim().is_empty() => Ok(None),
        other => Ok(other),
    }
}

pub fn email_domain_block_page(conn: &mut DbConn, page: &Page) -> AppResult<Vec<EmailDomainBlock>> {
    email_domains::page(conn, page)
}

pub fn email_domain_block(conn: &mut DbConn, block_id: i64) -> AppResult<EmailDomainBlock> {
    email_domains::find(conn, block_id)?.ok_or(AppError::NotFound)
}

pub fn create_email_domain_block(conn: &mut DbConn, actor: &Actor, domain: &str) -> AppResult<EmailDomainBlock> {
    let domain = normalize_host(domain)?;
    if !email_domains::find_among(conn, std::slice::from_ref(&domain))?.is_empty() {
        return Err(AppError::validation(format!("{domain} is blocked already")));
    }
    let block = EmailDomainBlock { id: ids::next_id(), domain, created_at: ids::now() };
    email_domains::insert(conn, &block)?;
    audit::record(conn, actor, AuditAction::CreateEmailDomainBlock, Target::email_domain_block(&block), "")?;
    Ok(block)
}

pub fn remove_email_domain_block(conn: &mut DbConn, actor: &Actor, block_id: i64) -> AppResult<()> {
    let block = email_domain_block(conn, block_id)?;
    email_domains::delete(conn, block.id)?;
    audit::record(conn, actor, AuditAction::DestroyEmailDomainBlock, Target::email_domain_block(&block), "")
}

/// Mastodon's canonical form of an address: lower case, without dots or a `+tag` in the local part.
pub fn canonical_email(email: &str) -> String {
    let email = email.trim().to_lowercase();
    match email.rsplit_once('@') {
        Some((local, domain)) => {
            let local = local.split('+').next().unwrap_or_default().replace('.', "");
            format!("{local}@{domain}")
        }
        None => email,
    }
}

pub fn canonical_email_hash(email: &str) -> String {
    hex(&Sha256::digest(canonical_email(email).as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn canonical_email_block_page(conn: &mut DbConn, page: &Page) -> AppResult<Vec<CanonicalEmailBlock>> {
    canonical_emails::page(conn, page)
}

pub fn canonical_email_block(conn: &mut DbConn, block_id: i64) -> AppResult<CanonicalEmailBlock> {
    canonical_emails::find(conn, block_id)?.ok_or(AppError::NotFound)
}

/// Blocks an address given as such or as the hash of its canonical form.
pub fn create_canonical_email_block(conn: &mut DbConn, actor: &Actor, email: Option<&str>, hash: Option<&str>) -> AppResult<CanonicalEmailBlock> {
    let hash = match (email.filter(|e| !e.trim().is_empty()), hash.filter(|h| !h.trim().is_empty())) {
        (Some(email), _) if email.contains('@') => canonical_email_hash(email),
        (None, Some(hash)) if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => hash.to_lowercase(),
        _ => return Err(AppError::validation("Give an e-mail address or the SHA-256 of its canonical form (64 hex digits)")),
    };
    if canonical_emails::find_by_hash(conn, &hash)?.is_some() {
        return Err(AppError::validation("This address is blocked already"));
    }
    let block = CanonicalEmailBlock { id: ids::next_id(), canonical_email_hash: hash, created_at: ids::now() };
    canonical_emails::insert(conn, &block)?;
    audit::record(conn, actor, AuditAction::CreateCanonicalEmailBlock, Target::canonical_email_block(&block), "")?;
    Ok(block)
}

pub fn remove_canonical_email_block(conn: &mut DbConn, actor: &Actor, block_id: i64) -> AppResult<()> {
    let block = canonical_email_block(conn, block_id)?;
    canonical_emails::delete(conn, block.id)?;
    audit::record(conn, actor, AuditAction::DestroyCanonicalEmailBlock, Target::canonical_email_block(&block), "")
}

/// The blocks that match an address (Mastodon's `canonical_email_blocks/test`).
pub fn canonical_email_blocks_matching(conn: &mut DbConn, email: &str) -> AppResult<Vec<CanonicalEmailBlock>> {
    Ok(canonical_emails::find_by_hash(conn, &canonical_email_hash(email))?.into_iter().collect())
}

/// An IP block as an admin gives it (create) or changes it (update: None keeps what is there).
#[derive(Debug, Default)]
pub struct IpBlockInput {
    pub ip: Option<String>,
    pub severity: Option<IpBlockSeverity>,
    pub comment: Option<String>,
    /// Seconds from now; Some(None) clears an expiry.
    pub expires_in: Option<Option<i64>>,
}

pub fn ip_block_page(conn: &mut DbConn, page: &Page) -> AppResult<Vec<IpBlock>> {
    ips::page(conn, page)
}

pub fn ip_block(conn: &mut DbConn, block_id: i64) -> AppResult<IpBlock> {
    ips::find(conn, block_id)?.ok_or(AppError::NotFound)
}

/// An address or a network as CIDR; a bare address is a network of one.
fn parse_network(text: &str) -> AppResult<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map(|net| net.trunc())
        .map_err(|_| AppError::validation(format!("'{text}' is not an IP address or network (CIDR)")))
}

fn expiry(seconds: Option<i64>) -> AppResult<Option<chrono::NaiveDateTime>> {
    match seconds {
        None => Ok(None),
        Some(s) if s > 0 && s <= 100 * 365 * 86_400 => Ok(Some(ids::now() + chrono::Duration::seconds(s))),
        Some(_) => Err(AppError::validation("expires_in must be a positive number of seconds")),
    }
}

pub fn create_ip_block(conn: &mut DbConn, actor: &Actor, input: IpBlockInput) -> AppResult<IpBlock> {
    let network = parse_network(input.ip.as_deref().unwrap_or_default())?.to_string();
    let severity = input.severity.ok_or_else(|| AppError::validation("Severity can't be blank"))?;
    if ips::find_by_ip(conn, &network)?.is_some() {
        return Err(AppError::validation(format!("{network} is blocked already")));
    }
    let now = ids::now();
    let block = IpBlock {
        id: ids::next_id(),
        ip: network,
        severity,
        comment: checked_comment(input.comment)?.unwrap_or_default(),
        expires_at: expiry(input.expires_in.flatten())?,
        created_at: now,
        updated_at: now,
    };
    ips::insert(conn, &block)?;
    audit::record(conn, actor, AuditAction::CreateIpBlock, Target::ip_block(&block), block.severity.as_str())?;
    Ok(block)
}

pub fn update_ip_block(conn: &mut DbConn, actor: &Actor, block_id: i64, input: IpBlockInput) -> AppResult<IpBlock> {
    let old = ip_block(conn, block_id)?;
    let ip = match input.ip {
        Some(text) => parse_network(&text)?.to_string(),
        None => old.ip.clone(),
    };
    if ip != old.ip && ips::find_by_ip(conn, &ip)?.is_some() {
        return Err(AppError::validation(format!("{ip} is blocked already")));
    }
    let block = IpBlock {
        ip,
        severity: input.severity.unwrap_or(old.severity),
        comment: match input.comment {
            Some(comment) => checked_comment(Some(comment))?.unwrap_or_default(),
            None => old.comment.clone(),
        },
        expires_at: match input.expires_in {
            Some(seconds) => expiry(seconds)?,
            None => old.expires_at,
        },
        updated_at: ids::now(),
        ..old
    };
    ips::update(conn, &block)?;
    audit::record(conn, actor, AuditAction::UpdateIpBlock, Target::ip_block(&block), block.severity.as_str())?;
    Ok(block)
}

pub fn remove_ip_block(conn: &mut DbConn, actor: &Actor, block_id: i64) -> AppResult<()> {
    let block = ip_block(conn, block_id)?;
    ips::delete(conn, block.id)?;
    audit::record(conn, actor, AuditAction::DestroyIpBlock, Target::ip_block(&block), "")
}

/// The strongest block in force on an address, if any.
fn strongest_on(conn: &mut DbConn, address: IpAddr) -> AppResult<Option<IpBlockSeverity>> {
    let rank = |severity: IpBlockSeverity| match severity {
        IpBlockSeverity::SignUpRequiresApproval => 0,
        IpBlockSeverity::SignUpBlock => 1,
        IpBlockSeverity::NoAccess => 2,
    };
    Ok(ips::in_force(conn, ids::now())?
        .into_iter()
        .filter(|block| block.ip.parse::<IpNet>().is_ok_and(|net| net.contains(&address)))
        .map(|block| block.severity)
        .max_by_key(|severity| rank(*severity)))
}

/// Refuses a sign-in from an address under a `no_access` block.
pub fn check_sign_in(conn: &mut DbConn, address: Option<IpAddr>) -> AppResult<()> {
    let Some(address) = address else { return Ok(()) };
    if strongest_on(conn, address)? == Some(IpBlockSeverity::NoAccess) {
        return Err(AppError::Forbidden("Access from your network is blocked on this instance".into()));
    }
    Ok(())
}

/// Whether a registration may go ahead: refused by an IP block (`sign_up_block`, `no_access`) or a blocked
/// e-mail domain or address; true when an IP block says it needs a moderator's approval.
pub fn check_registration(conn: &mut DbConn, email: &str, address: Option<IpAddr>) -> AppResult<bool> {
    let needs_approval = match address {
        Some(address) => match strongest_on(conn, address)? {
            Some(IpBlockSeverity::SignUpBlock | IpBlockSeverity::NoAccess) => {
                return Err(AppError::Forbidden("Registrations from your network are blocked on this instance".into()))
            }
            Some(IpBlockSeverity::SignUpRequiresApproval) => true,
            None => false,
        },
        None => false,
    };
    let domain = email.rsplit_once('@').map(|(_, domain)| domain.trim().to_lowercase()).unwrap_or_default();
    let parents: Vec<String> = domain.match_indices('.').map(|(at, _)| domain[at + 1..].to_owned()).chain([domain.clone()]).collect();
    if !email_domains::find_among(conn, &parents)?.is_empty() {
        return Err(AppError::validation("Email is on a blocked domain"));
    }
    if canonical_emails::find_by_hash(conn, &canonical_email_hash(email))?.is_some() {
        return Err(AppError::validation("Email is blocked"));
    }
    Ok(needs_approval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_compared_in_canonical_form() {
        assert_eq!(canonical_email(" Ann.Lee+news@Corp.Example "), "annlee@corp.example");
        assert_eq!(canonical_email_hash("annlee@corp.example"), canonical_email_hash("ann.lee+x@CORP.example"));
        assert_eq!(parse_network("10.1.2.3/16").unwrap().to_string(), "10.1.0.0/16");
        assert_eq!(parse_network("192.0.2.7").unwrap().to_string(), "192.0.2.7/32");
        assert!(parse_network("10.1.2").is_err());
    }
}
