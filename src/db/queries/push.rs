use diesel::prelude::*;

use crate::db::models::{PushSubscription, VapidKeys};
use crate::db::schema::{push_subscriptions, vapid_keys};
use crate::db::{insert_if_absent, DbConn};
use crate::error::AppResult;
use crate::ids::AccountId;

pub fn of_token(conn: &mut DbConn, token: i64) -> AppResult<Option<PushSubscription>> {
    Ok(push_subscriptions::table
        .filter(push_subscriptions::token_id.eq(token))
        .select(PushSubscription::as_select())
        .first(conn)
        .optional()?)
}

/// Stores the token's subscription, replacing the one it had.
pub fn put(conn: &mut DbConn, subscription: &PushSubscription) -> AppResult<()> {
    delete_of_token(conn, subscription.token_id)?;
    diesel::insert_into(push_subscriptions::table).values(subscription.clone()).execute(conn)?;
    Ok(())
}

/// A subscription's alerts and policy, as its device changed them.
pub fn set_alerts(conn: &mut DbConn, subscription: &PushSubscription) -> AppResult<()> {
    diesel::update(push_subscriptions::table.find(subscription.id))
        .set((
            push_subscriptions::alerts_json.eq(String::from(subscription.alerts.clone())),
            push_subscriptions::policy.eq(&subscription.policy),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete_of_token(conn: &mut DbConn, token: i64) -> AppResult<()> {
    diesel::delete(push_subscriptions::table.filter(push_subscriptions::token_id.eq(token))).execute(conn)?;
    Ok(())
}

pub fn vapid(conn: &mut DbConn) -> AppResult<Option<VapidKeys>> {
    Ok(vapid_keys::table.find(1).select(VapidKeys::as_select()).first(conn).optional()?)
}

pub fn insert_vapid(conn: &mut DbConn, keys: &VapidKeys) -> AppResult<bool> {
    insert_if_absent(conn, |conn| {
        diesel::insert_into(vapid_keys::table).values(keys).execute(conn)?;
        Ok(())
    })
}

pub fn of_account(conn: &mut DbConn, account: AccountId) -> AppResult<Vec<PushSubscription>> {
    Ok(push_subscriptions::table
        .filter(push_subscriptions::account_id.eq(account))
        .select(PushSubscription::as_select())
        .load(conn)?)
}

pub fn delete(conn: &mut DbConn, subscription_id: i64) -> AppResult<()> {
    diesel::delete(push_subscriptions::table.find(subscription_id)).execute(conn)?;
    Ok(())
}
