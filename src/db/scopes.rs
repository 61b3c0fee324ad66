//! OAuth scopes: Mastodon's closed vocabulary, stored as a space-separated list on apps, codes and tokens
//! and read back as [`Scopes`] (through `String`, like the other closed sets in `db::kinds`).

use crate::db::kinds::UnknownValue;
use crate::error::{AppError, AppResult};

const TOP_SCOPES: &[&str] = &["read", "write", "follow", "push", "profile", "admin:read", "admin:write"];
const READ_SCOPES: &[&str] = &[
    "accounts", "blocks", "bookmarks", "favourites", "filters", "follows", "lists", "mutes", "notifications", "search",
    "statuses",
];
const WRITE_SCOPES: &[&str] = &[
    "accounts", "blocks", "bookmarks", "conversations", "favourites", "filters", "follows", "lists", "media", "mutes",
    "notifications", "reports", "statuses",
];
const ADMIN_SCOPES: &[&str] = &["accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks", "email_domain_blocks", "canonical_email_blocks"];
/// What the legacy `follow` scope grants.
const FOLLOW_IMPLIES: &[&str] =
    &["read:follows", "write:follows", "read:blocks", "write:blocks", "read:mutes", "write:mutes"];

/// A set of OAuth scopes, as granted to an app or a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// Parses a space- (or plus-) separated scope list; unknown scopes are a validation error.
    pub fn parse(text: &str) -> AppResult<Scopes> {
        let mut scopes: Vec<String> = Vec::new();
        for scope in text.split([' ', '+', ',']).filter(|s| !s.is_empty()) {
            if !is_known_scope(scope) {
                return Err(AppError::validation(format!("Scopes: '{scope}' is not a known scope")));
            }
            if !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_owned());
            }
        }
        if scopes.is_empty() {
            scopes.push("read".into());
        }
        Ok(Scopes(scopes))
    }

    pub fn list(&self) -> &[String] {
        &self.0
    }

    pub fn as_string(&self) -> String {
        self.0.join(" ")
    }

    /// Whether these scopes grant `required` (e.g. `read:statuses`).
    pub fn allows(&self, required: &str) -> bool {
        self.0.iter().any(|granted| {
            granted == required
                || required.strip_prefix(granted.as_str()).is_some_and(|rest| rest.starts_with(':'))
                || (granted == "follow" && FOLLOW_IMPLIES.contains(&required))
        })
    }

    /// Whether every scope of `other` is granted by these.
    pub fn covers(&self, other: &Scopes) -> bool {
        other.0.iter().all(|scope| self.allows(scope))
    }
}

/// Every scope this server knows, as advertised in the OAuth metadata.
pub fn supported_scopes() -> Vec<String> {
    let mut all: Vec<String> = TOP_SCOPES.iter().map(|s| s.to_string()).collect();
    all.extend(READ_SCOPES.iter().map(|s| format!("read:{s}")));
    all.extend(WRITE_SCOPES.iter().map(|s| format!("write:{s}")));
    for mode in ["read", "write"] {
        all.extend(ADMIN_SCOPES.iter().map(|s| format!("admin:{mode}:{s}")));
    }
    all
}

fn is_known_scope(scope: &str) -> bool {
    if TOP_SCOPES.contains(&scope) {
        return true;
    }
    match scope.split_once(':') {
        Some(("read", rest)) => READ_SCOPES.contains(&rest),
        Some(("write", rest)) => WRITE_SCOPES.contains(&rest),
        Some(("admin", rest)) => rest
            .split_once(':')
            .is_some_and(|(mode, what)| (mode == "read" || mode == "write") && ADMIN_SCOPES.contains(&what)),
        _ => false,
    }
}

impl TryFrom<String> for Scopes {
    type Error = UnknownValue;

    fn try_from(text: String) -> Result<Scopes, UnknownValue> {
        Scopes::parse(&text).map_err(|_| UnknownValue::new("Scopes", text))
    }
}

impl From<Scopes> for String {
    fn from(scopes: Scopes) -> String {
        scopes.as_string()
    }
}
