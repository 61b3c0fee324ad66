//! Federation rules that are not about one kind of activity: who an acct names, where activities go.

use std::collections::BTreeSet;

use crate::db::kinds::DeliveryState;
use crate::config::Settings;
use crate::db::models::{Account, Delivery};
use crate::db::queries::{accounts, deliveries, peers};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId};

/// The local account a WebFinger `acct:` resource names (`user@our.domain`), if any.
pub fn webfinger_account(conn: &mut DbConn, settings: &Settings, resource: &str) -> AppResult<Account> {
    let acct = resource.trim().strip_prefix("acct:").unwrap_or(resource.trim());
    let (name, domain) = acct.trim_start_matches('@').rsplit_once('@').ok_or(AppError::NotFound)?;
    if !domain.eq_ignore_ascii_case(&settings.domain) {
        return Err(AppError::NotFound);
    }
    accounts::find_by_name(conn, name, None)?.filter(|a| a.suspended_at.is_none()).ok_or(AppError::NotFound)
}

/// Queues one activity for every distinct inbox on an allowed peer, in the caller's transaction.
/// Inboxes on hosts that are not allowed get nothing: no request of any kind goes to them.
pub fn enqueue(
    conn: &mut DbConn,
    activity_uri: &str,
    body: &str,
    signer_account_id: Option<AccountId>,
    inboxes: impl IntoIterator<Item = String>,
) -> AppResult<usize> {
    let now = ids::now();
    let mut queued = 0;
    let distinct: BTreeSet<String> = inboxes.into_iter().collect();
    for inbox in distinct {
        let Ok(url) = url::Url::parse(&inbox) else { continue };
        let host = crate::net::authority(&url);
        if !peers::is_allowed(conn, &host)? {
            continue;
        }
        deliveries::insert(
            conn,
            Delivery {
                id: ids::next_id(),
                activity_uri: activity_uri.to_owned(),
                peer_host: host,
                inbox_url: inbox,
                signer_account_id,
                body: body.to_owned(),
                state: DeliveryState::Queued,
                attempts: 0,
                next_attempt_at: now,
                leased_until: None,
                last_error: None,
                created_at: now,
                finished_at: None,
            },
        )?;
        queued += 1;
    }
    Ok(queued)
}

/// The inbox to reach a remote account at: its instance's shared inbox when it has one.
pub fn inbox_of(account: &Account) -> Option<String> {
    if account.is_local() {
        return None;
    }
    account.shared_inbox_url.clone().filter(|s| !s.is_empty()).or_else(|| Some(account.inbox_url.clone()).filter(|s| !s.is_empty()))
}
