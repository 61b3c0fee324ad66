use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::api::auth::Auth;
use crate::api::entities::{timestamp, Account};
use crate::params::{flex, Params};
use crate::ids::{AccountId, StatusId};
use crate::error::{AppError, AppResult};
use crate::service::reports::{self, NewReport};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct ReportParams {
    #[serde(default, deserialize_with = "flex::id_opt")]
    account_id: Option<AccountId>,
    #[serde(default, deserialize_with = "flex::id_list")]
    status_ids: Vec<StatusId>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    comment: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    category: Option<String>,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    forward: bool,
}

pub async fn create(state: web::Data<AppState>, auth: Auth, Params(input): Params<ReportParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:reports"])?;
    let new_report = NewReport {
        target_id: input.account_id.ok_or_else(|| AppError::validation("Account can't be blank"))?,
        status_ids: input.status_ids,
        comment: input.comment.unwrap_or_default(),
        category: input.category.filter(|c| !c.is_empty()),
        forward: input.forward,
    };
    let filed = state.db.write(move |conn| reports::create(conn, &me.account, new_report)).await?;
    let report = &filed.report;
    let status_ids: Vec<&str> = report.status_ids.split(',').filter(|s| !s.is_empty()).collect();
    Ok(HttpResponse::Ok().json(json!({
        "id": report.id.to_string(),
        "action_taken": false,
        "action_taken_at": null,
        "category": report.category,
        "comment": report.comment,
        "forwarded": report.forwarded,
        "created_at": timestamp(&report.created_at),
        "status_ids": status_ids,
        "rule_ids": null,
        "target_account": Account::from_row(&filed.target, &state.settings),
    })))
}
