use diesel::prelude::*;

use crate::db::models::Conversation;
use crate::db::schema::conversations::dsl::*;
use crate::db::{insert_if_absent, load_page, DbConn, Page};
use crate::error::AppResult;
use crate::ids::{AccountId, StatusId};

/// Records `status` as the latest of the owner's conversation with `participants`; answers its id.
pub fn touch(conn: &mut DbConn, owner: AccountId, participants: &str, status: StatusId, is_unread: bool) -> AppResult<i64> {
    let existing: Option<Conversation> = conversations
        .filter(account_id.eq(owner))
        .filter(participant_ids.eq(participants))
        .select(Conversation::as_select())
        .first(conn)
        .optional()?;
    if let Some(existing) = existing {
        diesel::update(conversations.find(existing.id)).set((last_status_id.eq(status), unread.eq(is_unread))).execute(conn)?;
        return Ok(existing.id);
    }
    let created = Conversation { id: crate::ids::next_id(), account_id: owner, participant_ids: participants.to_owned(), last_status_id: status, unread: is_unread };
    if insert_if_absent(conn, |conn| {
        diesel::insert_into(conversations).values(&created).execute(conn)?;
        Ok(())
    })? {
        Ok(created.id)
    } else {
        touch(conn, owner, participants, status, is_unread)
    }
}

pub fn find(conn: &mut DbConn, owner: AccountId, conversation_id: i64) -> AppResult<Option<Conversation>> {
    Ok(conversations
        .filter(account_id.eq(owner))
        .filter(id.eq(conversation_id))
        .select(Conversation::as_select())
        .first(conn)
        .optional()?)
}

pub fn page(conn: &mut DbConn, owner: AccountId, page: &Page) -> AppResult<Vec<Conversation>> {
    let query = conversations.filter(account_id.eq(owner)).select(Conversation::as_select()).into_boxed();
    Ok(load_page!(query, last_status_id, page, conn))
}

pub fn mark_read(conn: &mut DbConn, owner: AccountId, conversation_id: i64) -> AppResult<()> {
    diesel::update(conversations.filter(account_id.eq(owner)).filter(id.eq(conversation_id))).set(unread.eq(false)).execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, owner: AccountId, conversation_id: i64) -> AppResult<bool> {
    Ok(diesel::delete(conversations.filter(account_id.eq(owner)).filter(id.eq(conversation_id))).execute(conn)? > 0)
}
