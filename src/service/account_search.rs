//! What account search reads of an account beside its names ("who knows Kubernetes"): its bio, profile fields
//! and featured hashtags, as lowercase plain text, kept on every write of them.

use crate::db::models::Account;
use crate::db::queries::{accounts, featured};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::service::markup;

/// How many accounts one transaction of [`fill_missing_batch`] fills.
pub const FILL_BATCH: usize = 500;

/// Keeps the account's searchable text as its profile says now.
pub fn refresh(conn: &mut DbConn, account: &Account) -> AppResult<()> {
    let tags: Vec<String> = if account.is_local() {
        featured::featured_tags_of(conn, account.id)?.into_iter().map(|(_, tag)| tag.name).collect()
    } else {
        account.profile.featured_tags.clone()
    };
    accounts::search_text::set(conn, account.id, &text_of(account, &tags))
}

fn text_of(account: &Account, featured_tags: &[String]) -> String {
    let mut parts = vec![markup::plain_text(&account.note_html)];
    for field in account.fields.iter() {
        parts.push(field.name.clone());
        parts.push(markup::plain_text(&field.value));
    }
    parts.extend(featured_tags.iter().map(|tag| format!("#{tag}")));
    parts.join("\n").to_lowercase()
}

/// Fills the searchable text of a batch of accounts made before it was kept (one transaction each, so that
/// the SQLite writer is never held long); answers how many, fewer than a batch when none are left.
pub fn fill_missing_batch(conn: &mut DbConn) -> AppResult<usize> {
    let missing = accounts::search_text::missing(conn, FILL_BATCH as i64)?;
    for account in accounts::find_many(conn, &missing)? {
        refresh(conn, &account)?;
    }
    Ok(missing.len())
}


#[cfg(test)]
mod tests {
    use super::text_of;
    use crate::db::models::ProfileField;

    #[test]
    fn bio_fields_and_tags_are_plain_lowercase_text() {
        let settings = crate::config::Settings::for_database("sqlite::memory:").unwrap();
        let mut account = crate::service::accounts::new_local_account(&settings, "ann");
        account.note_html = "<p>Runs <b>Kubernetes</b> &amp; Helm</p>".into();
        account.fields = crate::db::json::Json(vec![ProfileField { name: "Team".into(), value: "SRE".into() }]);
        assert_eq!(text_of(&account, &["Platform".into()]), "runs kubernetes & helm\nteam\nsre\n#platform");
    }
}
