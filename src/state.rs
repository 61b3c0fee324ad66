//! What every request handler can reach.

use crate::config::Settings;
use crate::db::Database;

#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub settings: std::sync::Arc<Settings>,
}

impl AppState {
    pub fn new(db: Database, settings: Settings) -> AppState {
        AppState { db, settings: std::sync::Arc::new(settings) }
    }
}
