//! The instance's own blocks, which moderators keep: domains, e-mail domains, e-mail addresses, IP networks.

use diesel::prelude::*;

use crate::db::cache::{note, Stale};
use crate::db::kinds::DomainBlockSeverity;
use crate::db::models::{CanonicalEmailBlock, DomainBlock, EmailDomainBlock, IpBlock};
use crate::db::schema::{canonical_email_blocks, domain_blocks, email_domain_blocks, ip_blocks};
use crate::db::{load_page, DbConn, Page};
use crate::error::AppResult;

pub mod domains {
    use super::*;

    pub fn insert(conn: &mut DbConn, block: &DomainBlock) -> AppResult<()> {
        note(Stale::Everything);
        diesel::insert_into(domain_blocks::table).values(block.clone()).execute(conn)?;
        Ok(())
    }

    pub fn update(conn: &mut DbConn, block: &DomainBlock) -> AppResult<()> {
        note(Stale::Everything);
        diesel::update(domain_blocks::table.find(block.id)).set(block.clone()).execute(conn)?;
        Ok(())
    }

    pub fn delete(conn: &mut DbConn, block_id: i64) -> AppResult<()> {
        note(Stale::Everything);
        diesel::delete(domain_blocks::table.find(block_id)).execute(conn)?;
        Ok(())
    }

    pub fn find(conn: &mut DbConn, block_id: i64) -> AppResult<Option<DomainBlock>> {
        Ok(domain_blocks::table.find(block_id).select(DomainBlock::as_select()).first(conn).optional()?)
    }

    pub fn find_by_domain(conn: &mut DbConn, domain: &str) -> AppResult<Option<DomainBlock>> {
        Ok(domain_blocks::table.filter(domain_blocks::domain.eq(domain)).select(DomainBlock::as_select()).first(conn).optional()?)
    }

    pub fn page(conn: &mut DbConn, page: &Page) -> AppResult<Vec<DomainBlock>> {
        Ok(load_page!(domain_blocks::table.select(DomainBlock::as_select()).into_boxed(), domain_blocks::id, page, conn))
    }

    /// Every block (they are few: one per instance moderators acted on).
    pub fn all(conn: &mut DbConn) -> AppResult<Vec<DomainBlock>> {
        Ok(domain_blocks::table.select(DomainBlock::as_select()).load(conn)?)
    }

    /// Whether a suspending block covers this host (`host[:port]`): nothing federates with it.
    pub fn suspends(conn: &mut DbConn, authority: &str) -> AppResult<bool> {
        let suspended: Vec<String> = domain_blocks::table
            .filter(domain_blocks::severity.eq(DomainBlockSeverity::Suspend.as_str()))
            .select(domain_blocks::domain)
            .load(conn)?;
        Ok(suspended.iter().any(|blocked| covers(blocked, authority)))
    }

    /// A block of `example.com` covers `example.com`, `example.com:8443` and `eng.example.com`; a block of
    /// `10.0.0.5:8443` only that authority.
    pub fn covers(blocked: &str, authority: &str) -> bool {
        let host = host_of(authority);
        authority == blocked || host == blocked || host.strip_suffix(blocked).is_some_and(|rest| rest.ends_with('.'))
    }

    fn host_of(authority: &str) -> &str {
        match authority.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) && (!host.contains(':') || host.ends_with(']')) => host,
            _ => authority,
        }
    }

    /// The accounts' `domain` values a block covers, as SQL LIKE patterns beside the domain itself.
    pub fn account_domain_patterns(blocked: &str) -> [String; 3] {
        let escaped = crate::db::escape_like(blocked);
        [format!("%.{escaped}"), format!("{escaped}:%"), format!("%.{escaped}:%")]
    }

    #[cfg(test)]
    mod tests {
        use super::covers;

        #[test]
        fn a_block_covers_the_domain_its_ports_and_subdomains() {
            assert!(covers("example.com", "example.com"));
            assert!(covers("example.com", "example.com:8443"));
            assert!(covers("example.com", "eng.example.com"));
            assert!(!covers("example.com", "badexample.com"));
            assert!(!covers("example.com", "example.com.evil"));
            assert!(covers("10.0.0.5:8443", "10.0.0.5:8443"));
            assert!(!covers("10.0.0.5:8443", "10.0.0.5:9000"));
            assert!(covers("[::1]", "[::1]:8080"));
        }
    }
}

pub mod email_domains {
    use super::*;

    pub fn insert(conn: &mut DbConn, block: &EmailDomainBlock) -> AppResult<()> {
        diesel::insert_into(email_domain_blocks::table).values(block.clone()).execute(conn)?;
        Ok(())
    }

    pub fn delete(conn: &mut DbConn, block_id: i64) -> AppResult<()> {
        diesel::delete(email_domain_blocks::table.find(block_id)).execute(conn)?;
        Ok(())
    }

    pub fn find(conn: &mut DbConn, block_id: i64) -> AppResult<Option<EmailDomainBlock>> {
        Ok(email_domain_blocks::table.find(block_id).select(EmailDomainBlock::as_select()).first(conn).optional()?)
    }

    /// The blocks of any of these domains.
    pub fn find_among(conn: &mut DbConn, domains: &[String]) -> AppResult<Vec<EmailDomainBlock>> {
        Ok(email_domain_blocks::table.filter(email_domain_blocks::domain.eq_any(domains)).select(EmailDomainBlock::as_select()).load(conn)?)
    }

    pub fn page(conn: &mut DbConn, page: &Page) -> AppResult<Vec<EmailDomainBlock>> {
        Ok(load_page!(email_domain_blocks::table.select(EmailDomainBlock::as_select()).into_boxed(), email_domain_blocks::id, page, conn))
    }
}

pub mod canonical_emails {
    use super::*;

    pub fn insert(conn: &mut DbConn, block: &CanonicalEmailBlock) -> AppResult<()> {
        diesel::insert_into(canonical_email_blocks::table).values(block.clone()).execute(conn)?;
        Ok(())
    }

    pub fn delete(conn: &mut DbConn, block_id: i64) -> AppResult<()> {
        diesel::delete(canonical_email_blocks::table.find(block_id)).execute(conn)?;
        Ok(())
    }

    pub fn find(conn: &mut DbConn, block_id: i64) -> AppResult<Option<CanonicalEmailBlock>> {
        Ok(canonical_email_blocks::table.find(block_id).select(CanonicalEmailBlock::as_select()).first(conn).optional()?)
    }

    pub fn find_by_hash(conn: &mut DbConn, hash: &str) -> AppResult<Option<CanonicalEmailBlock>> {
        Ok(canonical_email_blocks::table
            .filter(canonical_email_blocks::canonical_email_hash.eq(hash))
            .select(CanonicalEmailBlock::as_select())
            .first(conn)
            .optional()?)
    }

    pub fn page(conn: &mut DbConn, page: &Page) -> AppResult<Vec<CanonicalEmailBlock>> {
        Ok(load_page!(canonical_email_blocks::table.select(CanonicalEmailBlock::as_select()).into_boxed(), canonical_email_blocks::id, page, conn))
    }
}

pub mod ips {
    use super::*;

    pub fn insert(conn: &mut DbConn, block: &IpBlock) -> AppResult<()> {
        diesel::insert_into(ip_blocks::table).values(block.clone()).execute(conn)?;
        Ok(())
    }

    pub fn update(conn: &mut DbConn, block: &IpBlock) -> AppResult<()> {
        diesel::update(ip_blocks::table.find(block.id)).set(block.clone()).execute(conn)?;
        Ok(())
    }

    pub fn delete(conn: &mut DbConn, block_id: i64) -> AppResult<()> {
        diesel::delete(ip_blocks::table.find(block_id)).execute(conn)?;
        Ok(())
    }

    pub fn find(conn: &mut DbConn, block_id: i64) -> AppResult<Option<IpBlock>> {
        Ok(ip_blocks::table.find(block_id).select(IpBlock::as_select()).first(conn).optional()?)
    }

    pub fn find_by_ip(conn: &mut DbConn, network: &str) -> AppResult<Option<IpBlock>> {
        Ok(ip_blocks::table.filter(ip_blocks::ip.eq(network)).select(IpBlock::as_select()).first(conn).optional()?)
    }

    pub fn page(conn: &mut DbConn, page: &Page) -> AppResult<Vec<IpBlock>> {
        Ok(load_page!(ip_blocks::table.select(IpBlock::as_select()).into_boxed(), ip_blocks::id, page, conn))
    }

    /// Blocks in force at `now` (not expired).
    pub fn in_force(conn: &mut DbConn, now: chrono::NaiveDateTime) -> AppResult<Vec<IpBlock>> {
        Ok(ip_blocks::table
            .filter(ip_blocks::expires_at.is_null().or(ip_blocks::expires_at.gt(now)))
            .select(IpBlock::as_select())
            .load(conn)?)
    }
}
