//! A user's data in files: Mastodon's CSV exports at their paths, imports of the same files, and archives
//! (Hallway's own API for these two; Mastodon offers them through its web settings only).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::entities::{timestamp, Import};
use crate::db::models::Archive;
use crate::api::pagination::{paged_json, PageParams};
use crate::db::kinds::ImportKind;
use crate::error::{AppError, AppResult};
use crate::params::{flex, path_id, Query, Upload};
use crate::service::exports::{self, CsvExport};
use crate::service::{archives, imports};
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
    if kind == ImportKind::Lists {
        // A list holds followed accounts: its import follows those it names.
        auth.user(&["write:follows"])?;
    }
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
    state.jobs.wake();
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

/// Hallway's archive entity.
fn archive_json(archive: &Archive, settings: &crate::config::Settings) -> serde_json::Value {
    let ready = archive.file_key.is_some();
    let state = match (ready, archive.finished_at.is_some()) {
        (true, _) => "ready",
        (false, true) => "failed",
        (false, false) => "in_progress",
    };
    serde_json::json!({
        "id": archive.id.to_string(),
        "state": state,
        "size": archive.size,
        "created_at": timestamp(&archive.created_at),
        "finished_at": archive.finished_at.as_ref().map(timestamp),
        "url": ready.then(|| format!("{}/api/v1/archives/{}/download", settings.base_url(), archive.id)),
    })
}

/// `POST /api/v1/archives`: 202 with the archive, which the job worker then makes.
pub async fn request_archive(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    let me = auth.user(&["read"])?;
    let archive = state.db.write(move |conn| archives::request(conn, &me.account)).await?;
    state.jobs.wake();
    Ok(HttpResponse::Accepted().json(archive_json(&archive, &state.settings)))
}

pub async fn list_archives(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    let me = auth.user(&["read"])?;
    let found = state.db.read(move |conn| archives::list(conn, &me.account)).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(|archive| archive_json(archive, &state.settings)).collect::<Vec<_>>()))
}

pub async fn show_archive(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read"])?;
    let id = path_id(&id)?;
    let archive = state.db.read(move |conn| archives::get(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(archive_json(&archive, &state.settings)))
}

/// `GET /api/v1/archives/:id/download`: the zip, to its owner.
pub async fn download_archive(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read"])?;
    let id = path_id(&id)?;
    let username = me.account.username.clone();
    let archive = state.db.read(move |conn| archives::get(conn, &me.account, id)).await?;
    let key = archive.file_key.clone().ok_or_else(|| AppError::validation("The archive is not ready yet"))?;
    let store = state.media.clone();
    let bytes = web::block(move || store.get(&key)).await.map_err(|e| AppError::Internal(e.to_string()))?.map_err(|_| AppError::NotFound)?;
    let name = format!("hallway-{username}-{}.zip", archive.created_at.format("%Y%m%d%H%M%S"));
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes))
}
