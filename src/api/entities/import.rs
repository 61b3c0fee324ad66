//! Hallway's import entity: a CSV import and what became of its rows.

use serde::Serialize;

use super::timestamp;
use crate::db::models::{ImportItem, ImportRow};
use crate::service::imports::ImportReport;

#[derive(Debug, Serialize)]
pub struct Import {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub mode: &'static str,
    pub state: &'static str,
    pub total_items: i32,
    pub processed_items: i32,
    pub imported_items: i32,
    pub failed_items: i64,
    /// The first failed rows (a hundred at most), in file order.
    pub failures: Vec<ImportFailure>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ImportFailure {
    /// The row's place among the file's rows, from 1 (a header line not counted).
    pub row: i32,
    /// What the row named, as the file wrote it.
    pub value: String,
    pub error: String,
}

impl Import {
    pub fn from_report(report: &ImportReport) -> Import {
        let import = &report.import;
        Import {
            id: import.id.to_string(),
            kind: import.kind.as_str(),
            mode: if import.overwrite { "overwrite" } else { "merge" },
            state: if import.finished_at.is_some() { "finished" } else { "in_progress" },
            total_items: import.total_items,
            processed_items: import.processed_items,
            imported_items: import.imported_items,
            failed_items: report.failed_items,
            failures: report.failures.iter().map(ImportFailure::from_row).collect(),
            created_at: timestamp(&import.created_at),
            finished_at: import.finished_at.as_ref().map(timestamp),
        }
    }
}

impl ImportFailure {
    fn from_row(row: &ImportRow) -> ImportFailure {
        ImportFailure { row: row.position, value: named(&row.item), error: row.error.clone().unwrap_or_default() }
    }
}

fn named(item: &ImportItem) -> String {
    let named = [item.list_name.as_deref(), item.acct.as_deref(), item.domain.as_deref(), item.uri.as_deref()];
    named.into_iter().flatten().collect::<Vec<_>>().join(", ")
}
