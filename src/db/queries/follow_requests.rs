use diesel::prelude::*;

use crate::db::models::FollowRequest;
use crate::db::schema::follow_requests::dsl::*;
use crate::db::DbConn;
use crate::error::AppResult;

pub fn insert(conn: &mut DbConn, request: &FollowRequest) -> AppResult<()> {
    diesel::insert_into(follow_requests).values(request).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, follower: i64, target: i64) -> AppResult<Option<FollowRequest>> {
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
pub fn requested_among(conn: &mut DbConn, follower: i64, targets: &[i64]) -> AppResult<Vec<i64>> {
    Ok(follow_requests
        .filter(account_id.eq(follower))
        .filter(target_account_id.eq_any(targets))
        .select(target_account_id)
        .load(conn)?)
}
