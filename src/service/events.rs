//! What happened, for live streams: service functions note events while they write, and the events
//! leave only when their transaction commits (see `db::Database::write`).

use std::cell::RefCell;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Event {
    /// A status (or reblog) was written; `home` lists the local accounts whose home timeline got it
    /// (empty: look them up).
    StatusCreated { status_id: i64, home: Vec<i64> },
    StatusEdited { status_id: i64 },
    StatusDeleted { status_id: i64 },
    Notified { notification_id: i64, account_id: i64 },
    ConversationUpdated { conversation_id: i64, account_id: i64 },
    FiltersChanged { account_id: i64 },
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

thread_local! {
    static PENDING: RefCell<Vec<Event>> = const { RefCell::new(Vec::new()) };
}

/// Notes an event of the transaction running on this thread.
pub fn emit(event: Event) {
    PENDING.with(|pending| pending.borrow_mut().push(event));
}

/// The events noted since the last call (the transaction's, once it has committed).
pub fn take() -> Vec<Event> {
    PENDING.with(|pending| std::mem::take(&mut *pending.borrow_mut()))
}
