//! A user's data in files: Mastodon's CSV exports at their paths, and imports of the same files (Hallway's
//! own API; Mastodon imports them through its web settings only).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::entities::Import;
use crate::api::pagination::{paged_json, PageParams};
use crate::db::kinds::ImportKind;
use crate::error::{AppError, AppResult};
use crate::params::{flex, path_id, Query, Upload};
use crate::service::exports::{self, CsvExport};
use crate::service::imports;
use crate::state::AppState;

/// `GET /settings/exports/<name>.csv` with the user's token.
pub async fn export_csv(state: web::Data<AppState>, auth: Auth, name: web::Path<String>) -> AppResult<HttpResponse> {
    let export = CsvExport::from_file_name(&name).ok_or(AppError::NotFound)?;
    let me = auth.user(&[export.scope()])?;
    let settings = state.settings.clone();
    let text = state.db.read(move |conn| exports::csv(conn, &settings, &me.account, export)).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(text))
}

#[derive(Deserialize)]
pub struct ImportParams {
    #[serde(default, rename = "type", deserialize_with = "flex::string_opt")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    mode: Option<String>,
}

/// The scope that changes what an import of `kind` changes.
fn write_scope(kind: ImportKind) -> &'static str {
    match kind {
        ImportKind::Following => "write:follows",
        ImportKind::Blocking | ImportKind::DomainBlocking => "write:blocks",
        ImportKind::Muting => "write:mutes",
        ImportKind::Bookmarks => "write:bookmarks",
        ImportKind::Lists => "write:lists",
    }
}

/// `POST /api/v1/imports` (multipart: `type`, `mode` = merge | overwrite, the file as `data`): 202 with the
/// import, which the worker then carries out.
pub async fn create_import(state: web::Data<AppState>, auth: Auth, mut upload: Upload<ImportParams>) -> AppResult<HttpResponse> {
    let kind = ImportKind::parse_as("Type", upload.params.kind.as_deref().unwrap_or_default())?;
    let me = auth.user(&[write_scope(kind)])?;
    let overwrite = match upload.params.mode.as_deref().unwrap_or("merge") {
        "merge" => false,
        "overwrite" => true,
        other => return Err(AppError::validation(format!("Mode '{other}' is not one of merge, overwrite"))),
    };
    let file = upload.take_file("data").ok_or_else(|| AppError::validation("Data can't be blank: send the file as 'data'"))?;
    let items = imports::parse(kind, &file)?;
    let settings = state.settings.clone();
    let report = state
        .db
        .write(move |tx| {
            let import = imports::create(tx, &settings, &me.account, kind, overwrite, items)?;
            imports::report(tx, &me.account, import.id)
        })
        .await?;
    state.imports.wake();
    Ok(HttpResponse::Accepted().json(Import::from_report(&report)))
}

pub async fn show_import(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read"])?;
    let id = path_id(&id)?;
    let report = state.db.read(move |conn| imports::report(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(Import::from_report(&report)))
}

pub async fn list_imports(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read"])?;
    let page = page.accounts();
    let reports = state.db.read(move |conn| imports::page(conn, &me.account, &page)).await?;
    let paging_ids: Vec<i64> = reports.iter().map(|report| report.import.id).collect();
    let body: Vec<Import> = reports.iter().map(Import::from_report).collect();
    Ok(paged_json(&req, &state.settings, &body, &paging_ids))
}
