//! Mastodon's paging: `max_id`, `since_id`, `min_id`, `limit`, and the `Link` header.

use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::api::entities::Account;
use crate::params::flex;
use crate::config::Settings;
use crate::db::models::Account as AccountRow;
use crate::db::Page;

#[derive(Debug, Default, Deserialize)]
pub struct PageParams {
    #[serde(default, deserialize_with = "flex::i64_opt")]
    pub max_id: Option<i64>,
    #[serde(default, deserialize_with = "flex::i64_opt")]
    pub since_id: Option<i64>,
    #[serde(default, deserialize_with = "flex::i64_opt")]
    pub min_id: Option<i64>,
    #[serde(default, deserialize_with = "flex::i64_opt")]
    pub limit: Option<i64>,
}

impl PageParams {
    /// The page, with `limit` clamped to 1..=max (default as given).
    pub fn page(&self, default: i64, max: i64) -> Page {
        Page {
            max_id: self.max_id,
            since_id: self.since_id,
            min_id: self.min_id,
            limit: self.limit.unwrap_or(default).clamp(1, max),
        }
    }

    /// Timelines: 20 by default, 40 at most.
    pub fn statuses(&self) -> Page {
        self.page(20, 40)
    }

    /// Account lists: 40 by default, 80 at most.
    pub fn accounts(&self) -> Page {
        self.page(40, 80)
    }
}

/// A JSON list answer with a `Link` header pointing past its oldest and newest item's paging ids.
pub fn paged_json<T: serde::Serialize>(req: &HttpRequest, settings: &Settings, items: &T, paging_ids: &[i64]) -> HttpResponse {
    linked_json(req, settings, items, paging_ids, true)
}

/// A page of accounts listed by another record's id (a follow, a block, a favourite…). As in Mastodon,
/// `next` is given only when the page is full: a shorter one is the last.
pub fn account_page(req: &HttpRequest, settings: &Settings, listed: &[(i64, AccountRow)], limit: i64) -> HttpResponse {
    let paging_ids: Vec<i64> = listed.iter().map(|(paging_id, _)| *paging_id).collect();
    let body: Vec<Account> = listed.iter().map(|(_, account)| Account::from_row(account, settings)).collect();
    linked_json(req, settings, &body, &paging_ids, listed.len() as i64 >= limit)
}

/// [`paged_json`] for a body already written as JSON.
pub fn paged_raw_json(req: &HttpRequest, settings: &Settings, body: String, paging_ids: &[i64]) -> HttpResponse {
    linked(req, settings, paging_ids, true).content_type(actix_web::http::header::ContentType::json()).body(body)
}

fn linked_json<T: serde::Serialize>(req: &HttpRequest, settings: &Settings, items: &T, paging_ids: &[i64], more: bool) -> HttpResponse {
    linked(req, settings, paging_ids, more).json(items)
}

fn linked(req: &HttpRequest, settings: &Settings, paging_ids: &[i64], more: bool) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    if let (Some(newest), Some(oldest)) = (paging_ids.first(), paging_ids.last()) {
        response.insert_header(("Link", link_header(req, settings, more.then_some(*oldest), *newest)));
    }
    response
}

fn link_header(req: &HttpRequest, settings: &Settings, oldest: Option<i64>, newest: i64) -> String {
    let kept: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(key, _)| !matches!(key.as_ref(), "max_id" | "min_id" | "since_id" | "access_token"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let url_with = |key: &str, id: i64| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &kept {
            query.append_pair(k, v);
        }
        query.append_pair(key, &id.to_string());
        format!("{}{}?{}", settings.base_url(), req.path(), query.finish())
    };
    let prev = format!("<{}>; rel=\"prev\"", url_with("min_id", newest));
    match oldest {
        Some(oldest) => format!("<{}>; rel=\"next\", {prev}", url_with("max_id", oldest)),
        None => prev,
    }
}
