//! A stream's view of its reader's filters: statuses a filter hides are not sent, those it warns about
//! carry `filtered`, as in the REST answers. Reloaded when the reader's filters change.

use serde_json::Value;

use super::{Message, StreamEvent, Subscription};
use crate::api::entities::FilterResult;
use crate::db::Database;
use crate::service::filters::ActiveFilters;
use crate::ids::AccountId;

pub struct StreamFilters {
    account: Option<AccountId>,
    active: ActiveFilters,
}

impl StreamFilters {
    pub async fn load(db: &Database, account: Option<AccountId>) -> StreamFilters {
        let mut filters = StreamFilters { account, active: ActiveFilters::default() };
        filters.reload(db).await;
        filters
    }

    async fn reload(&mut self, db: &Database) {
        let Some(account) = self.account else { return };
        match db.read(move |conn| ActiveFilters::load(conn, account)).await {
            Ok(active) => self.active = active,
            Err(e) => log::warn!("streaming: cannot load the filters of {account}: {}", e.cause()),
        }
    }

    /// Takes note of a message before it is sent anywhere: the reader's own filter changes reload them.
    pub async fn observe(&mut self, db: &Database, message: &Message) {
        if message.event == StreamEvent::FiltersChanged && message.audience.filters_of.is_some() && message.audience.filters_of == self.account {
            self.reload(db).await;
        }
    }

    /// The payload to send on `subscribed`, or None when a filter hides it.
    pub fn payload(&self, subscribed: &Subscription, message: &Message) -> Option<String> {
        let Some(subject) = &message.filter_subject else { return Some(message.payload.clone()) };
        let hits = self.active.hits(subscribed.filter_context(message), subject);
        if hits.is_empty() {
            return Some(message.payload.clone());
        }
        if hits.iter().any(|h| h.hides()) {
            return None;
        }
        let results: Vec<FilterResult> = hits.iter().map(FilterResult::from_hit).collect();
        let mut payload: Value = serde_json::from_str(&message.payload).ok()?;
        let status = if message.event == StreamEvent::Notification { payload.get_mut("status")? } else { &mut payload };
        let target = match status.get("reblog") {
            Some(Value::Object(_)) => status.get_mut("reblog")?,
            _ => status,
        };
        target["filtered"] = serde_json::to_value(results).ok()?;
        Some(payload.to_string())
    }
}
