//! Mastodon's CSV exports of whom a user follows, lists, blocks and mutes, and what they bookmarked: the
//! same files, columns and headers, so that they import into Mastodon, GoToSocial or another Hallway.

use crate::config::Settings;
use crate::db::models::Account;
use crate::db::queries::{follows, lists, marks, safety};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};

/// The files Mastodon offers at `/settings/exports/<name>.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvExport {
    Follows,
    Lists,
    Blocks,
    Mutes,
    DomainBlocks,
    Bookmarks,
}

impl CsvExport {
    pub fn from_file_name(name: &str) -> Option<CsvExport> {
        Some(match name {
            "follows.csv" => CsvExport::Follows,
            "lists.csv" => CsvExport::Lists,
            "blocks.csv" => CsvExport::Blocks,
            "mutes.csv" => CsvExport::Mutes,
            "domain_blocks.csv" => CsvExport::DomainBlocks,
            "bookmarks.csv" => CsvExport::Bookmarks,
            _ => return None,
        })
    }

    /// The OAuth scope that reads what the file holds.
    pub fn scope(self) -> &'static str {
        match self {
            CsvExport::Follows => "read:follows",
            CsvExport::Lists => "read:lists",
            CsvExport::Blocks | CsvExport::DomainBlocks => "read:blocks",
            CsvExport::Mutes => "read:mutes",
            CsvExport::Bookmarks => "read:bookmarks",
        }
    }
}

/// An account's address as the files name it: always with its domain, ours too (the file leaves this
/// instance).
pub fn address(account: &Account, settings: &Settings) -> String {
    spreadsheet_safe(format!("{}@{}", account.username, account.domain.as_deref().unwrap_or(&settings.domain)))
}

/// A cell a spreadsheet would read as a formula (another instance's odd username) is quoted with `'`, which
/// imports strip again.
fn spreadsheet_safe(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// The file's text.
pub fn csv(conn: &mut DbConn, settings: &Settings, owner: &Account, export: CsvExport) -> AppResult<String> {
    let mut out = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    let mut write = |record: &[String]| out.write_record(record).map_err(|e| AppError::Internal(format!("CSV export: {e}")));
    match export {
        CsvExport::Follows => {
            write(&["Account address", "Show boosts", "Notify on new posts", "Languages"].map(String::from))?;
            for (follow, account) in follows::following_with_options(conn, owner.id)? {
                write(&[address(&account, settings), follow.show_reblogs.to_string(), follow.notify.to_string(), String::new()])?;
            }
        }
        CsvExport::Lists => {
            for (title, account) in lists::members_by_title(conn, owner.id)? {
                write(&[title, address(&account, settings)])?;
            }
        }
        CsvExport::Blocks => {
            for account in safety::blocked_accounts(conn, owner.id)? {
                write(&[address(&account, settings)])?;
            }
        }
        CsvExport::Mutes => {
            write(&["Account address", "Hide notifications"].map(String::from))?;
            for (mute, account) in safety::mutes_with_accounts(conn, owner.id, crate::ids::now())? {
                write(&[address(&account, settings), mute.hide_notifications.to_string()])?;
            }
        }
        CsvExport::DomainBlocks => {
            for domain in safety::blocked_domains(conn, owner.id)? {
                write(&[domain])?;
            }
        }
        CsvExport::Bookmarks => {
            for (_, uri) in marks::bookmarks::status_uris_of(conn, owner.id)? {
                write(&[uri])?;
            }
        }
    }
    let bytes = out.into_inner().map_err(|e| AppError::Internal(format!("CSV export: {e}")))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(format!("CSV export: {e}")))
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_safe;

    #[test]
    fn cells_a_spreadsheet_would_run_are_quoted() {
        assert_eq!(spreadsheet_safe("ann@sales.corp.example".into()), "ann@sales.corp.example");
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")@evil.example".into()), "'=HYPERLINK(\"x\")@evil.example");
        assert_eq!(spreadsheet_safe("-1+2@evil.example".into()), "'-1+2@evil.example");
    }
}
