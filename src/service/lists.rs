//! Lists: an account's named groups of the accounts it follows, each with its own timeline.

use crate::db::kinds::FilterContext;
use crate::db::models::{Account, List, Status};
use crate::db::queries::{follows, lists};
use crate::db::{DbConn, Page};
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId};
use crate::service::views::{self, StatusView};

pub const REPLIES_POLICIES: &[&str] = &["followed", "list", "none"];
const MAX_TITLE: usize = 100;

#[derive(Debug, Default)]
pub struct ListChange {
    pub title: Option<String>,
    pub replies_policy: Option<String>,
    pub exclusive: Option<bool>,
}

fn apply(list: &mut List, change: ListChange) -> AppResult<()> {
    if let Some(title) = change.title {
        let title = title.trim().to_owned();
        if title.is_empty() {
            return Err(AppError::validation("Title can't be blank"));
        }
        if title.chars().count() > MAX_TITLE {
            return Err(AppError::validation(format!("Title is too long (maximum is {MAX_TITLE} characters)")));
        }
        list.title = title;
    }
    if let Some(policy) = change.replies_policy {
        if !REPLIES_POLICIES.contains(&policy.as_str()) {
            return Err(AppError::validation("Replies policy is not included in the list"));
        }
        list.replies_policy = policy;
    }
    list.exclusive = change.exclusive.unwrap_or(list.exclusive);
    Ok(())
}

pub fn create(conn: &mut DbConn, owner: &Account, change: ListChange) -> AppResult<List> {
    if change.title.is_none() {
        return Err(AppError::validation("Title can't be blank"));
    }
    let mut list = List {
        id: ids::next_id(),
        account_id: owner.id,
        title: String::new(),
        replies_policy: "list".into(),
        exclusive: false,
        created_at: ids::now(),
    };
    apply(&mut list, change)?;
    lists::insert(conn, &list)?;
    Ok(list)
}

pub fn get(conn: &mut DbConn, owner: &Account, list_id: i64) -> AppResult<List> {
    lists::find(conn, owner.id, list_id)?.ok_or(AppError::NotFound)
}

pub fn all(conn: &mut DbConn, owner: &Account) -> AppResult<Vec<List>> {
    lists::of_owner(conn, owner.id)
}

pub fn update(conn: &mut DbConn, owner: &Account, list_id: i64, change: ListChange) -> AppResult<List> {
    let mut list = get(conn, owner, list_id)?;
    apply(&mut list, change)?;
    lists::update(conn, &list)?;
    Ok(list)
}

pub fn delete(conn: &mut DbConn, owner: &Account, list_id: i64) -> AppResult<()> {
    let list = get(conn, owner, list_id)?;
    lists::delete(conn, list.id)
}

/// Adds accounts to a list; as in Mastodon, only accounts the owner follows.
pub fn add_accounts(conn: &mut DbConn, owner: &Account, list_id: i64, account_ids: &[AccountId]) -> AppResult<()> {
    let list = get(conn, owner, list_id)?;
    let followed: Vec<AccountId> = follows::following_among(conn, owner.id, account_ids)?.into_iter().map(|f| f.target_account_id).collect();
    if let Some(stranger) = account_ids.iter().find(|id| !followed.contains(id)) {
        return Err(AppError::validation(format!("Account {stranger} is not followed, so it cannot be added to a list")));
    }
    for id in account_ids {
        lists::add_member(conn, list.id, *id)?;
    }
    Ok(())
}

pub fn remove_accounts(conn: &mut DbConn, owner: &Account, list_id: i64, account_ids: &[AccountId]) -> AppResult<()> {
    let list = get(conn, owner, list_id)?;
    for id in account_ids {
        lists::remove_member(conn, list.id, *id)?;
    }
    Ok(())
}

pub fn members(conn: &mut DbConn, owner: &Account, list_id: i64, page: &Page) -> AppResult<Vec<(i64, Account)>> {
    let list = get(conn, owner, list_id)?;
    lists::members_page(conn, list.id, page)
}

pub fn containing(conn: &mut DbConn, owner: &Account, member: AccountId) -> AppResult<Vec<List>> {
    lists::containing(conn, owner.id, member)
}

/// The lists whose timeline a status joins, among those of the accounts whose home timeline got it:
/// lists holding its author, unless the list's replies policy leaves the reply out.
pub fn receiving(conn: &mut DbConn, status: &Status, home_owners: &[AccountId]) -> AppResult<Vec<i64>> {
    let mut receiving = Vec::new();
    for list in lists::containing_among(conn, home_owners, status.account_id)? {
        let replied_to = status.in_reply_to_account_id.filter(|to| *to != status.account_id);
        let shown = match (replied_to, list.replies_policy.as_str()) {
            (None, _) => true,
            (Some(_), "none") => false,
            (Some(to), "followed") => to == list.account_id || follows::find(conn, list.account_id, to)?.is_some(),
            (Some(to), _) => lists::has_member(conn, list.id, to)?,
        };
        if shown {
            receiving.push(list.id);
        }
    }
    Ok(receiving)
}

pub fn timeline(conn: &mut DbConn, owner: &Account, list_id: i64, page: &Page) -> AppResult<Vec<StatusView>> {
    let list = get(conn, owner, list_id)?;
    let rows = lists::timeline_page(conn, &list, page)?;
    let found = views::hydrate(conn, Some(owner.id), rows)?;
    super::filters::apply(conn, Some(owner.id), FilterContext::Home, found)
}
