//! The allowlist of peer instances: nothing federates with a host that is not on it.

use std::collections::HashMap;

use crate::db::kinds::AuditAction;
use crate::db::models::{Peer, PeerInvite};
use crate::db::queries::{deliveries, peers};
use crate::db::{DbConn, Page};
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::service::audit::{self, Actor, Target};

/// A peer with its delivery health.
pub struct PeerHealth {
    pub peer: Peer,
    pub queued: i64,
}

/// What removing a peer did: deliveries stop; what is stored stays.
pub struct Removal {
    pub peer: Peer,
    pub cancelled_deliveries: usize,
}

/// A peer as operators write it (`eng.corp.example`, `10.0.0.5:8443`, even `https://host/`), reduced to the
/// `host[:port]` authority that URLs and signatures are matched against.
pub fn normalize_host(text: &str) -> AppResult<String> {
    let trimmed = text.trim();
    let without_scheme = trimmed.split_once("://").map_or(trimmed, |(_, rest)| rest);
    let authority = without_scheme.split('/').next().unwrap_or_default().to_lowercase();
    let parsed = url::Url::parse(&format!("http://{authority}/")).ok();
    match parsed {
        Some(url) if !authority.is_empty() && !authority.contains('@') && url.host_str().is_some() => {
            // URLs on the scheme's default port carry no port, whichever scheme the peer uses.
            let host = crate::net::authority(&url);
            Ok(host.strip_suffix(":443").map_or(host.clone(), str::to_owned))
        }
        _ => Err(AppError::validation(format!("'{text}' is not a host name or address (with an optional :port)"))),
    }
}

/// Puts a host on the allowlist (again); recorded in the audit log unless it was on it already.
pub fn allow(conn: &mut DbConn, actor: &Actor, host: &str) -> AppResult<Peer> {
    let host = normalize_host(host)?;
    let now = ids::now();
    let peer = match peers::find_by_host(conn, &host)? {
        Some(peer) if peer.allowed => return Ok(peer),
        Some(peer) => {
            peers::set_allowed(conn, peer.id, true, now)?;
            Peer { allowed: true, updated_at: now, ..peer }
        }
        None => {
            let peer = Peer {
                id: ids::next_id(),
                host,
                allowed: true,
                created_at: now,
                updated_at: now,
                last_success_at: None,
                last_error_at: None,
                last_error: None,
                actor_uri: None,
                pinned_key_pem: None,
                offered_key_pem: None,
            };
            peers::insert(conn, &peer)?;
            peer
        }
    };
    audit::record(conn, actor, AuditAction::AllowDomain, Target::domain_allow(&peer), "")?;
    Ok(peer)
}

/// Takes a peer off the allowlist and cancels what was waiting for it; stored posts and accounts stay.
pub fn remove(conn: &mut DbConn, actor: &Actor, host: &str) -> AppResult<Removal> {
    let host = normalize_host(host)?;
    let peer = peers::find_by_host(conn, &host)?.filter(|p| p.allowed).ok_or(AppError::NotFound)?;
    remove_peer(conn, actor, peer)
}

pub fn remove_by_id(conn: &mut DbConn, actor: &Actor, peer_id: i64) -> AppResult<Removal> {
    let peer = peers::find(conn, peer_id)?.filter(|p| p.allowed).ok_or(AppError::NotFound)?;
    remove_peer(conn, actor, peer)
}

fn remove_peer(conn: &mut DbConn, actor: &Actor, peer: Peer) -> AppResult<Removal> {
    let now = ids::now();
    audit::record(conn, actor, AuditAction::RemoveDomainAllow, Target::domain_allow(&peer), "")?;
    peers::set_allowed(conn, peer.id, false, now)?;
    let cancelled_deliveries = deliveries::cancel_queued_for(conn, &peer.host, now)?;
    Ok(Removal { peer: Peer { allowed: false, updated_at: now, ..peer }, cancelled_deliveries })
}

/// How long an invitation to join lasts.
fn invitation_lifetime() -> chrono::Duration {
    chrono::Duration::days(1)
}

/// An invitation for another instance to join: the token (shown once; only its hash is kept) and its end.
pub struct Invitation {
    pub token: String,
    pub expires_at: chrono::NaiveDateTime,
}

/// Makes a one-time invitation (valid for a day) for another instance to join (`hallway peers join`).
pub fn invite(conn: &mut DbConn, actor: &Actor) -> AppResult<Invitation> {
    // Hexadecimal: a token that began with '-' would read as an option on the other side's command line.
    let token: String = rand::random::<[u8; 32]>().iter().map(|byte| format!("{byte:02x}")).collect();
    let now = ids::now();
    let invite = PeerInvite {
        id: ids::next_id(),
        token_hash: crate::service::auth::secret_hash(&token),
        created_at: now,
        expires_at: now + invitation_lifetime(),
        used_at: None,
        used_by: None,
    };
    peers::invites::insert(conn, &invite)?;
    let target = Target::peer_invite(invite.id, &invite.expires_at);
    audit::record(conn, actor, AuditAction::CreatePeerInvite, target, "")?;
    Ok(Invitation { token, expires_at: invite.expires_at })
}

/// The other side of an exchange: its instance actor and that actor's key.
pub struct PeerActor<'a> {
    pub host: &'a str,
    pub actor_uri: &'a str,
    pub public_key_pem: &'a str,
}

/// Whether an invitation can still be used, by `host`: known, unused, unexpired, and for a host that has not
/// joined already (a joined peer's key changes only by `hallway peers accept-key`).
pub fn check_invitation(conn: &mut DbConn, token: &str, host: &str) -> AppResult<()> {
    if !peers::invites::usable(conn, &crate::service::auth::secret_hash(token), ids::now())? {
        return Err(AppError::Forbidden("This invitation is unknown, used or expired; ask for a new one (hallway peers invite)".into()));
    }
    if peers::find_by_host(conn, host)?.is_some_and(|peer| peer.pinned_key_pem.is_some()) {
        return Err(AppError::Conflict(format!("{host} has joined already; an admin removes it first (hallway peers remove) to join again")));
    }
    Ok(())
}

/// Another instance joins with an invitation: the token is used up, the instance allowed, its actor's key
/// pinned. An unknown, used or expired token, or a host that joined already, is refused, and nothing changes.
pub fn accept_joining(conn: &mut DbConn, token: &str, joining: &PeerActor) -> AppResult<Peer> {
    check_invitation(conn, token, joining.host)?;
    if !peers::invites::redeem(conn, &crate::service::auth::secret_hash(token), joining.host, ids::now())? {
        return Err(AppError::Forbidden("This invitation is unknown, used or expired; ask for a new one (hallway peers invite)".into()));
    }
    pin(conn, &Actor::Invitation { host: joining.host.to_owned() }, joining)
}

/// Allows a peer and pins its instance actor's key: what joining does on either side.
pub fn pin(conn: &mut DbConn, actor: &Actor, other: &PeerActor) -> AppResult<Peer> {
    let peer = allow(conn, actor, other.host)?;
    peers::pin(conn, peer.id, other.actor_uri, other.public_key_pem, ids::now())?;
    peers::find(conn, peer.id)?.ok_or(AppError::NotFound)
}

/// Keeps a new key a joined peer's instance actor presented, for an admin to accept.
pub fn offer_key(conn: &mut DbConn, peer: &Peer, key_pem: &str) -> AppResult<()> {
    peers::offer_key(conn, peer.id, key_pem)
}

/// An admin accepts the new key a joined peer's instance actor presented.
pub fn accept_key(conn: &mut DbConn, actor: &Actor, host: &str) -> AppResult<Peer> {
    let host = normalize_host(host)?;
    let peer = peers::find_by_host(conn, &host)?.filter(|p| p.allowed).ok_or(AppError::NotFound)?;
    let (Some(actor_uri), Some(offered)) = (peer.actor_uri.as_deref(), peer.offered_key_pem.as_deref()) else {
        return Err(AppError::Unprocessable(format!("{host} has presented no new key")));
    };
    peers::pin(conn, peer.id, actor_uri, offered, ids::now())?;
    audit::record(conn, actor, AuditAction::AcceptPeerKey, Target::domain_allow(&peer), "")?;
    peers::find(conn, peer.id)?.ok_or(AppError::NotFound)
}

/// The allowed peer on `host` (not suspended by a domain block), with its pinned key if it joined.
pub fn admitted(conn: &mut DbConn, host: &str) -> AppResult<Option<Peer>> {
    if !peers::is_allowed(conn, host)? {
        return Ok(None);
    }
    peers::find_by_host(conn, host)
}

pub fn list(conn: &mut DbConn) -> AppResult<Vec<PeerHealth>> {
    let queued: HashMap<String, i64> = deliveries::queued_by_peer(conn)?.into_iter().collect();
    Ok(peers::list(conn)?
        .into_iter()
        .map(|peer| PeerHealth { queued: queued.get(&peer.host).copied().unwrap_or(0), peer })
        .collect())
}

/// The hosts of the allowed peers (not suspended by a domain block).
pub fn allowed_hosts(conn: &mut DbConn) -> AppResult<Vec<String>> {
    peers::allowed_hosts(conn)
}

pub fn allowed_page(conn: &mut DbConn, page: &Page) -> AppResult<Vec<Peer>> {
    peers::allowed_page(conn, page)
}

pub fn get_allowed(conn: &mut DbConn, peer_id: i64) -> AppResult<Peer> {
    peers::find(conn, peer_id)?.filter(|p| p.allowed).ok_or(AppError::NotFound)
}

pub fn is_allowed(conn: &mut DbConn, host: &str) -> AppResult<bool> {
    peers::is_allowed(conn, host)
}

/// Whether a URL's host is an allowed peer.
pub fn is_allowed_url(conn: &mut DbConn, url: &url::Url) -> AppResult<bool> {
    peers::is_allowed(conn, &crate::net::authority(url))
}

#[cfg(test)]
mod tests {
    use super::normalize_host;

    #[test]
    fn hosts_are_reduced_to_their_authority() {
        assert_eq!(normalize_host("Eng.Corp.Example").unwrap(), "eng.corp.example");
        assert_eq!(normalize_host("https://eng.corp.example/").unwrap(), "eng.corp.example");
        assert_eq!(normalize_host("10.0.0.5:8443").unwrap(), "10.0.0.5:8443");
        assert_eq!(normalize_host("http://127.0.0.2:80").unwrap(), "127.0.0.2");
        assert_eq!(normalize_host("eng.corp.example:443").unwrap(), "eng.corp.example");
        assert!(normalize_host("").is_err());
        assert!(normalize_host("user@host").is_err());
        assert!(normalize_host("bad host").is_err());
    }
}
