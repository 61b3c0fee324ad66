use diesel::prelude::*;

use crate::db::models::FollowRequest;
use crate::db::schema::follow_requests::dsl::*;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::AccountId;

pub fn insert(conn: &mut DbConn, request: &FollowRequest) -> AppResult<()> {
    diesel::insert_into(follow_requests).values(request).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, follower: AccountId, target: AccountId) -> AppResult<Option<FollowRequest>> {
    Ok(follow_requests
        .filter(account_id.eq(follower))
        .filter(target_account_id.eq(target))
        .select(FollowRequest::as_select())
        .first(conn)
        .optional()?)
}

pub fn delete(conn: &mut DbConn, request_id: i64) -> AppResult<()> {
    diesel::delete(follow_requests.find(request_id)).execute(conn)?;
    Ok(())
}

/// Which of `targets` the account has asked to follow.
pub fn requested_among(conn: &mut DbConn, follower: AccountId, targets: &[AccountId]) -> AppResult<Vec<AccountId>> {
    Ok(follow_requests
        .filter(account_id.eq(follower))
        .filter(target_account_id.eq_any(targets))
        .select(target_account_id)
        .load(conn)?)
}

/// (request id, requester) of requests to follow `target`, paginated by request id.
pub fn requests_to(conn: &mut DbConn, target: AccountId, page: &crate::db::Page) -> AppResult<Vec<(i64, crate::db::models::Account)>> {
    use crate::db::models::Account;
    use crate::db::schema::accounts;
    let query = follow_requests
        .inner_join(accounts::table.on(accounts::id.eq(account_id)))
        .filter(target_account_id.eq(target))
        .select((id, Account::as_select()))
        .into_boxed();
    Ok(crate::db::load_page!(query, id, page, conn))
}

pub fn count_to(conn: &mut DbConn, target: AccountId) -> AppResult<i64> {
    Ok(follow_requests.filter(target_account_id.eq(target)).count().get_result(conn)?)
}

/// Which of `requesters` asked to follow `target`.
pub fn requested_by_among(conn: &mut DbConn, target: AccountId, requesters: &[AccountId]) -> AppResult<Vec<AccountId>> {
    Ok(follow_requests
        .filter(target_account_id.eq(target))
        .filter(account_id.eq_any(requesters))
        .select(account_id)
        .load(conn)?)
}
