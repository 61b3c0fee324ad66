//! Direct-message conversations: each participant here has one per set of other participants.

use std::collections::HashMap;

use crate::db::kinds::Visibility;
use crate::db::Tx;
use crate::db::models::{Account, Conversation, Status};
use crate::db::queries::{accounts, conversations, statuses};
use crate::db::{DbConn, Page};
use crate::error::{AppError, AppResult};
use crate::db::events::Event;
use crate::service::views::{self, StatusView};
use crate::ids::{AccountId, StatusId};

pub struct ConversationView {
    pub conversation: Conversation,
    pub accounts: Vec<Account>,
    pub last_status: Option<StatusView>,
}

/// Files a direct status into the conversations of its local participants (unread but for its author).
pub fn record(tx: &mut Tx, status: &Status, mentioned: &[AccountId]) -> AppResult<()> {
    if status.visibility != Visibility::Direct {
        return Ok(());
    }
    let mut participants: Vec<AccountId> = mentioned.iter().copied().chain([status.account_id]).collect();
    participants.sort_unstable();
    participants.dedup();
    for owner in accounts::find_many(tx, &participants)?.into_iter().filter(|a| a.is_local()) {
        let others: Vec<String> = participants.iter().filter(|p| **p != owner.id).map(AccountId::to_string).collect();
        let conversation_id = conversations::touch(tx, owner.id, &others.join(","), status.id, owner.id != status.account_id)?;
        tx.emit(Event::ConversationUpdated { conversation_id, account_id: owner.id });
    }
    Ok(())
}

fn views_of(conn: &mut DbConn, owner: AccountId, rows: Vec<Conversation>) -> AppResult<Vec<ConversationView>> {
    let status_ids: Vec<StatusId> = rows.iter().map(|c| c.last_status_id).collect();
    let status_rows = statuses::find_many(conn, &status_ids)?;
    let last: HashMap<StatusId, StatusView> =
        views::hydrate(conn, Some(owner), status_rows)?.into_iter().map(|v| (v.status.id, v)).collect();
    let mut listed = Vec::new();
    for conversation in rows {
        let accounts = accounts::find_many(conn, &conversation.participants())?;
        let last_status = last.get(&conversation.last_status_id).cloned();
        listed.push(ConversationView { conversation, accounts, last_status });
    }
    Ok(listed)
}

pub fn list(conn: &mut DbConn, owner: &Account, page: &Page) -> AppResult<Vec<ConversationView>> {
    let rows = conversations::page(conn, owner.id, page)?;
    views_of(conn, owner.id, rows)
}

pub fn get(conn: &mut DbConn, owner_id: AccountId, conversation_id: i64) -> AppResult<ConversationView> {
    let row = conversations::find(conn, owner_id, conversation_id)?.ok_or(AppError::NotFound)?;
    views_of(conn, owner_id, vec![row])?.pop().ok_or(AppError::NotFound)
}

pub fn read(conn: &mut DbConn, owner: &Account, conversation_id: i64) -> AppResult<ConversationView> {
    conversations::mark_read(conn, owner.id, conversation_id)?;
    get(conn, owner.id, conversation_id)
}

pub fn delete(conn: &mut DbConn, owner: &Account, conversation_id: i64) -> AppResult<()> {
    if conversations::delete(conn, owner.id, conversation_id)? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}
