//! `/api/v1/admin/measures`, `/dimensions` and `/retention`: the figures of an admin dashboard, as
//! Mastodon answers them (numbers as strings, days as timestamps).

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::staff;
use crate::api::auth::Auth;
use crate::api::entities::timestamp;
use crate::db::queries::measures::FromDomain;
use crate::error::{AppError, AppResult};
use crate::params::{flex, time_or_date, Params};
use crate::service::measures::{self, DimensionKey, Frequency, MeasureKey, Period};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/measures", web::post().to(measures_of))
        .route("/dimensions", web::post().to(dimensions_of))
        .route("/retention", web::post().to(retention_of));
}

#[derive(Deserialize)]
pub struct FigureParams {
    #[serde(default, deserialize_with = "flex::string_list")]
    keys: Vec<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    start_at: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    end_at: Option<String>,
    #[serde(default, deserialize_with = "flex::i64_opt")]
    limit: Option<i64>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    frequency: Option<String>,
    /// Each key's own parameters: `{"tag_uses": {"id": "…"}, "instance_accounts": {"domain": "…"}}`.
    #[serde(flatten)]
    per_key: HashMap<String, Value>,
}

impl FigureParams {
    fn period(&self) -> AppResult<Period> {
        let when = |name: &str, given: &Option<String>| {
            given.as_deref().filter(|t| !t.is_empty()).ok_or_else(|| AppError::validation(format!("{name} can't be blank"))).and_then(|t| time_or_date(name, t))
        };
        Period::new(when("start_at", &self.start_at)?, when("end_at", &self.end_at)?)
    }

    fn param(&self, key: &str, name: &str) -> AppResult<String> {
        let value = self.per_key.get(key).and_then(|params| params.get(name));
        let text = match value {
            Some(Value::String(text)) => Some(text.clone()),
            Some(Value::Number(number)) => Some(number.to_string()),
            _ => None,
        };
        text.filter(|t| !t.is_empty()).ok_or_else(|| AppError::validation(format!("{key} needs {key}[{name}]")))
    }

    fn tag(&self, key: &str) -> AppResult<i64> {
        self.param(key, "id")?.parse().map_err(|_| AppError::validation(format!("{key}[id] is not a tag id")))
    }

    fn measure_key(&self, key: &str) -> AppResult<MeasureKey> {
        let instance = |kind| Ok(MeasureKey::Instance(kind, self.param(key, "domain")?));
        match key {
            "active_users" => Ok(MeasureKey::ActiveUsers),
            "new_users" => Ok(MeasureKey::NewUsers),
            "interactions" => Ok(MeasureKey::Interactions),
            "opened_reports" => Ok(MeasureKey::OpenedReports),
            "resolved_reports" => Ok(MeasureKey::ResolvedReports),
            "tag_accounts" => Ok(MeasureKey::TagAccounts(self.tag(key)?)),
            "tag_uses" => Ok(MeasureKey::TagUses(self.tag(key)?)),
            "tag_servers" => Ok(MeasureKey::TagServers(self.tag(key)?)),
            "instance_accounts" => instance(FromDomain::Accounts),
            "instance_statuses" => instance(FromDomain::Statuses),
            "instance_media_attachments" => instance(FromDomain::Media),
            "instance_reports" => instance(FromDomain::Reports),
            "instance_follows" => instance(FromDomain::Follows),
            "instance_followers" => instance(FromDomain::Followers),
            other => Err(AppError::validation(format!("'{other}' is not a measure"))),
        }
    }

    fn dimension_key(&self, key: &str) -> AppResult<DimensionKey> {
        match key {
            "languages" => Ok(DimensionKey::Languages),
            "sources" => Ok(DimensionKey::Sources),
            "servers" => Ok(DimensionKey::Servers),
            "space_usage" => Ok(DimensionKey::SpaceUsage),
            "software_versions" => Ok(DimensionKey::SoftwareVersions),
            "tag_servers" => Ok(DimensionKey::TagServers(self.tag(key)?)),
            "tag_languages" => Ok(DimensionKey::TagLanguages(self.tag(key)?)),
            "instance_accounts" => Ok(DimensionKey::InstanceAccounts(self.param(key, "domain")?)),
            "instance_languages" => Ok(DimensionKey::InstanceLanguages(self.param(key, "domain")?)),
            other => Err(AppError::validation(format!("'{other}' is not a dimension"))),
        }
    }
}

fn midnight(day: chrono::NaiveDate) -> String {
    timestamp(&day.and_time(chrono::NaiveTime::MIN))
}

pub async fn measures_of(state: web::Data<AppState>, auth: Auth, Params(params): Params<FigureParams>) -> AppResult<HttpResponse> {
    staff(&auth, "admin:read")?;
    let period = params.period()?;
    let keys = params.keys.iter().map(|key| params.measure_key(key)).collect::<AppResult<Vec<_>>>()?;
    let found = state.db.read(move |conn| keys.into_iter().map(|key| measures::measure(conn, key, &period)).collect::<AppResult<Vec<_>>>()).await?;
    let body: Vec<Value> = found
        .iter()
        .map(|m| {
            json!({
                "key": m.key.name(),
                "unit": m.key.unit(),
                "total": m.total.to_string(),
                "previous_total": m.previous_total.to_string(),
                "data": m.data.iter().map(|(day, value)| json!({"date": midnight(*day), "value": value.to_string()})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}

pub async fn dimensions_of(state: web::Data<AppState>, auth: Auth, Params(params): Params<FigureParams>) -> AppResult<HttpResponse> {
    staff(&auth, "admin:read")?;
    let period = params.period()?;
    let limit = params.limit.unwrap_or(10).clamp(1, 100);
    let keys = params.keys.iter().map(|key| params.dimension_key(key)).collect::<AppResult<Vec<_>>>()?;
    let found = state.db.read(move |conn| keys.into_iter().map(|key| measures::dimension(conn, key, &period, limit)).collect::<AppResult<Vec<_>>>()).await?;
    let body: Vec<Value> = found
        .iter()
        .map(|d| {
            let data: Vec<Value> = d
                .data
                .iter()
                .map(|item| {
                    let mut entry = json!({"key": item.key, "human_key": item.human_key, "value": item.text_value.clone().unwrap_or_else(|| item.value.to_string())});
                    if let Some(unit) = item.unit {
                        entry["unit"] = json!(unit);
                        entry["human_value"] = json!(human_bytes(item.value));
                    }
                    entry
                })
                .collect();
            json!({"key": d.key.name(), "data": data})
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}

fn human_bytes(bytes: i64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < units.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", units[unit]) }
}

pub async fn retention_of(state: web::Data<AppState>, auth: Auth, Params(params): Params<FigureParams>) -> AppResult<HttpResponse> {
    staff(&auth, "admin:read")?;
    let period = params.period()?;
    let frequency = match params.frequency.as_deref().unwrap_or("day") {
        "day" => Frequency::Day,
        "month" => Frequency::Month,
        other => return Err(AppError::validation(format!("frequency: '{other}' is not one of day, month"))),
    };
    let cohorts = state.db.read(move |conn| measures::retention(conn, &period, frequency)).await?;
    let body: Vec<Value> = cohorts
        .iter()
        .map(|cohort| {
            let data: Vec<Value> = cohort.data.iter().map(|(day, value, rate)| json!({"date": midnight(*day), "rate": rate, "value": value.to_string()})).collect();
            let frequency = if cohort.frequency == Frequency::Day { "day" } else { "month" };
            json!({"period": midnight(cohort.period), "frequency": frequency, "data": data})
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}
