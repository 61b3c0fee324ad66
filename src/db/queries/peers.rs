use diesel::prelude::*;

use crate::db::models::Peer;
use crate::db::schema::peers::dsl::*;
use crate::db::{load_page, DbConn, Page};
use crate::error::AppResult;

pub fn insert(conn: &mut DbConn, peer: &Peer) -> AppResult<()> {
    diesel::insert_into(peers).values(peer).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, peer_id: i64) -> AppResult<Option<Peer>> {
    Ok(peers.find(peer_id).select(Peer::as_select()).first(conn).optional()?)
}

pub fn find_by_host(conn: &mut DbConn, authority: &str) -> AppResult<Option<Peer>> {
    Ok(peers.filter(host.eq(authority)).select(Peer::as_select()).first(conn).optional()?)
}

/// Whether a host may federate: on the allowlist and not suspended by a domain block.
pub fn is_allowed(conn: &mut DbConn, authority: &str) -> AppResult<bool> {
    let found: i64 = peers.filter(host.eq(authority)).filter(allowed.eq(true)).count().get_result(conn)?;
    Ok(found > 0 && !super::instance_blocks::domains::suspends(conn, authority)?)
}

pub fn set_allowed(conn: &mut DbConn, peer_id: i64, is_allowed: bool, at: chrono::NaiveDateTime) -> AppResult<()> {
    diesel::update(peers.find(peer_id)).set((allowed.eq(is_allowed), updated_at.eq(at))).execute(conn)?;
    Ok(())
}

/// The hosts on the allowlist, without those a domain block suspends.
pub fn allowed_hosts(conn: &mut DbConn) -> AppResult<Vec<String>> {
    let listed: Vec<String> = peers.filter(allowed.eq(true)).order(host.asc()).select(host).load(conn)?;
    let mut admitted = Vec::new();
    for candidate in listed {
        if !super::instance_blocks::domains::suspends(conn, &candidate)? {
            admitted.push(candidate);
        }
    }
    Ok(admitted)
}

pub fn list(conn: &mut DbConn) -> AppResult<Vec<Peer>> {
    Ok(peers.order(host.asc()).select(Peer::as_select()).load(conn)?)
}

pub fn allowed_page(conn: &mut DbConn, page: &Page) -> AppResult<Vec<Peer>> {
    let query = peers.filter(allowed.eq(true)).select(Peer::as_select()).into_boxed();
    Ok(load_page!(query, id, page, conn))
}

pub fn record_success(conn: &mut DbConn, authority: &str, at: chrono::NaiveDateTime) -> AppResult<()> {
    diesel::update(peers.filter(host.eq(authority))).set(last_success_at.eq(at)).execute(conn)?;
    Ok(())
}

pub fn record_error(conn: &mut DbConn, authority: &str, at: chrono::NaiveDateTime, error: &str) -> AppResult<()> {
    diesel::update(peers.filter(host.eq(authority)))
        .set((last_error_at.eq(at), last_error.eq(error)))
        .execute(conn)?;
    Ok(())
}

/// The instance actor a joined peer named, and its agreed key.
pub fn pin(conn: &mut DbConn, peer_id: i64, actor: &str, key_pem: &str, at: chrono::NaiveDateTime) -> AppResult<()> {
    diesel::update(peers.find(peer_id))
        .set((actor_uri.eq(actor), pinned_key_pem.eq(key_pem), offered_key_pem.eq(None::<String>), updated_at.eq(at)))
        .execute(conn)?;
    Ok(())
}

/// Keeps a key the peer's instance actor presented that differs from the pinned one, for an admin to accept.
pub fn offer_key(conn: &mut DbConn, peer_id: i64, key_pem: &str) -> AppResult<()> {
    diesel::update(peers.find(peer_id)).set(offered_key_pem.eq(key_pem)).execute(conn)?;
    Ok(())
}

pub fn find_by_actor(conn: &mut DbConn, actor: &str) -> AppResult<Option<Peer>> {
    Ok(peers.filter(actor_uri.eq(actor)).select(Peer::as_select()).first(conn).optional()?)
}

pub mod invites {
    use diesel::prelude::*;

    use crate::db::models::PeerInvite;
    use crate::db::schema::peer_invites::dsl::*;
    use crate::db::DbConn;
    use crate::error::AppResult;

    pub fn insert(conn: &mut DbConn, invite: &PeerInvite) -> AppResult<()> {
        diesel::insert_into(peer_invites).values(invite).execute(conn)?;
        Ok(())
    }

    /// Whether the invitation with this hash is unused and unexpired.
    pub fn usable(conn: &mut DbConn, hash: &str, at: chrono::NaiveDateTime) -> AppResult<bool> {
        let found: i64 = peer_invites.filter(token_hash.eq(hash)).filter(used_at.is_null()).filter(expires_at.gt(at)).count().get_result(conn)?;
        Ok(found > 0)
    }

    /// Marks the invitation with this hash used by `host`, if it is unused and unexpired; false otherwise. One
    /// conditional update, so that two instances racing with one token cannot both join.
    pub fn redeem(conn: &mut DbConn, hash: &str, host: &str, at: chrono::NaiveDateTime) -> AppResult<bool> {
        let redeemed = diesel::update(peer_invites.filter(token_hash.eq(hash)).filter(used_at.is_null()).filter(expires_at.gt(at)))
            .set((used_at.eq(at), used_by.eq(host)))
            .execute(conn)?;
        Ok(redeemed == 1)
    }
}
