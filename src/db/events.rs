//! What happened, for live streams: service functions note events on their transaction ([`super::Tx`]),
//! and the events leave only when it commits (see `db::Database::write`).

use crate::ids::{AccountId, StatusId};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Event {
    /// A status (or reblog) was written; `home` lists the local accounts whose home timeline got it
    /// (empty: look them up).
    StatusCreated { status_id: StatusId, home: Vec<AccountId> },
    StatusEdited { status_id: StatusId },
    StatusDeleted { status_id: StatusId },
    Notified { notification_id: i64, account_id: AccountId },
    ConversationUpdated { conversation_id: i64, account_id: AccountId },
    FiltersChanged { account_id: AccountId },
    /// An announcement was published or changed: every local user's stream shows it.
    AnnouncementPublished { announcement_id: i64 },
    AnnouncementReacted { announcement_id: i64, name: String },
    AnnouncementDeleted { announcement_id: i64 },
}

impl Event {
    /// The event as sent between processes: small enough for a NOTIFY (homes are looked up again).
    pub fn for_notify(self) -> Event {
        match self {
            Event::StatusCreated { status_id, .. } => Event::StatusCreated { status_id, home: Vec::new() },
            other => other,
        }
    }
}
