use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::kinds::TrendKind;
use crate::db::schema::trend_reviews;
use crate::db::DbConn;
use crate::error::AppResult;

/// Records a verdict, replacing an earlier one.
pub fn set(conn: &mut DbConn, kind: TrendKind, target: &str, trendable: bool, at: chrono::NaiveDateTime) -> AppResult<()> {
    diesel::delete(trend_reviews::table.filter(trend_reviews::kind.eq(kind.as_str())).filter(trend_reviews::target.eq(target))).execute(conn)?;
    diesel::insert_into(trend_reviews::table)
        .values((
            trend_reviews::kind.eq(kind.as_str()),
            trend_reviews::target.eq(target),
            trend_reviews::trendable.eq(trendable),
            trend_reviews::reviewed_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The verdicts on one kind: target → trendable.
pub fn of_kind(conn: &mut DbConn, kind: TrendKind) -> AppResult<HashMap<String, bool>> {
    Ok(trend_reviews::table
        .filter(trend_reviews::kind.eq(kind.as_str()))
        .select((trend_reviews::target, trend_reviews::trendable))
        .load::<(String, bool)>(conn)?
        .into_iter()
        .collect())
}
