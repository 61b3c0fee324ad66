use serde::Serialize;

use super::timestamp;
use crate::db::models::{FilterKeyword as KeywordRow, FilterStatus as StatusRow};
use crate::service::filters::{FilterHit, FilterView};

#[derive(Debug, Serialize)]
pub struct Filter {
    pub id: String,
    pub title: String,
    pub context: Vec<String>,
    pub expires_at: Option<String>,
    pub filter_action: String,
    /// Present in filter answers, absent inside a FilterResult (as Mastodon's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keywords: Option<Vec<FilterKeyword>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statuses: Option<Vec<FilterStatus>>,
}

impl Filter {
    pub fn from_view(view: &FilterView) -> Filter {
        Filter {
            keywords: Some(view.keywords.iter().map(FilterKeyword::from_row).collect()),
            statuses: Some(view.statuses.iter().map(FilterStatus::from_row).collect()),
            ..Filter::bare(&view.filter)
        }
    }

    fn bare(filter: &crate::db::models::Filter) -> Filter {
        Filter {
            id: filter.id.to_string(),
            title: filter.title.clone(),
            context: filter.contexts.iter().map(String::from).collect(),
            expires_at: filter.expires_at.as_ref().map(timestamp),
            filter_action: filter.action.to_string(),
            keywords: None,
            statuses: None,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct FilterKeyword {
    pub id: String,
    pub keyword: String,
    pub whole_word: bool,
}

impl FilterKeyword {
    pub fn from_row(row: &KeywordRow) -> FilterKeyword {
        FilterKeyword { id: row.id.to_string(), keyword: row.keyword.clone(), whole_word: row.whole_word }
    }
}

#[derive(Debug, Serialize)]
pub struct FilterStatus {
    pub id: String,
    pub status_id: String,
}

impl FilterStatus {
    pub fn from_row(row: &StatusRow) -> FilterStatus {
        FilterStatus { id: row.id.to_string(), status_id: row.status_id.to_string() }
    }
}

#[derive(Debug, Serialize)]
pub struct FilterResult {
    pub filter: Filter,
    pub keyword_matches: Option<Vec<String>>,
    pub status_matches: Option<Vec<String>>,
}

impl FilterResult {
    pub fn from_hit(hit: &FilterHit) -> FilterResult {
        FilterResult {
            filter: Filter::bare(&hit.filter),
            keyword_matches: hit.keyword_matches.clone(),
            status_matches: hit.status_matches.clone(),
        }
    }
}
