use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::auth::{Auth, UserSession};
use crate::api::entities::timestamp;
use crate::api::pagination::{paged_json, PageParams};
use crate::params::{flex, path_id, Params, Query};
use crate::api::statuses::parse_time;
use crate::db::models::ScheduledStatus;
use crate::error::{AppError, AppResult};
use crate::service::scheduled::{self, ScheduledParams};
use crate::state::AppState;

fn entity(row: &ScheduledStatus) -> Value {
    let params = ScheduledParams::of(row);
    json!({
        "id": row.id.to_string(),
        "scheduled_at": timestamp(&row.scheduled_at),
        "params": {
            "text": params.text,
            "poll": null,
            "media_ids": null,
            "sensitive": params.sensitive,
            "spoiler_text": params.spoiler_text,
            "visibility": params.visibility,
            "in_reply_to_id": params.in_reply_to_id.map(|id| id.to_string()),
            "language": params.language,
            "quoted_status_id": params.quoted_status_id.map(|id| id.to_string()),
            "local_only": params.local_only,
            "application_id": row.app_id,
            "scheduled_at": null,
            "idempotency": null,
            "with_rate_limit": false
        },
        "media_attachments": []
    })
}

/// `POST /api/v1/statuses` with `scheduled_at`.
pub async fn schedule_from(state: web::Data<AppState>, me: UserSession, at: chrono::NaiveDateTime, params: ScheduledParams) -> AppResult<HttpResponse> {
    let app_id = Some(me.app_id);
    let row = state.db.write(move |conn| scheduled::schedule(conn, &me.account, app_id, at, params)).await?;
    Ok(HttpResponse::Ok().json(entity(&row)))
}

pub async fn list(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:statuses"])?;
    let page = page.statuses();
    let rows = state.db.read(move |conn| scheduled::list(conn, &me.account, &page)).await?;
    let paging_ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    Ok(paged_json(&req, &state.settings, &rows.iter().map(entity).collect::<Vec<_>>(), &paging_ids))
}

pub async fn show(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:statuses"])?;
    let id = path_id(&id)?;
    let row = state.db.read(move |conn| scheduled::get(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(entity(&row)))
}

#[derive(Deserialize)]
pub struct RescheduleParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    scheduled_at: Option<String>,
}

pub async fn reschedule(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Params(input): Params<RescheduleParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:statuses"])?;
    let id = path_id(&id)?;
    let at = parse_time(&input.scheduled_at.ok_or_else(|| AppError::validation("Scheduled at can't be blank"))?)?;
    let row = state.db.write(move |conn| scheduled::reschedule(conn, &me.account, id, at)).await?;
    Ok(HttpResponse::Ok().json(entity(&row)))
}

pub async fn cancel(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:statuses"])?;
    let id = path_id(&id)?;
    state.db.write(move |conn| scheduled::cancel(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(json!({})))
}
