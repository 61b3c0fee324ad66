//! The write context: one transaction, and what must happen once it commits. Service code notes stream
//! events on it and tells it what other instances must hear ([`Outbound`]); the outbox (ActivityPub's,
//! registered by the layer above) turns each message into delivery rows at once, in the same
//! transaction, so that they commit with the write. After the commit, [`Database`](super::Database)
//! hands the events and the news of queued deliveries to whoever listens (the live streams, the delivery
//! worker).

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::db::events::Event;
use crate::db::models::{Account, Announcement, FollowRequest, Quote, Report, Status};
use crate::db::views::StatusView;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};

/// What a local action tells other instances. The outbox reads what it needs while the rows still
/// exist (a deleted status's audience, say), so each message is handled the moment it is sent.
#[derive(Debug, Clone, Copy)]
pub enum Outbound<'a> {
    FollowRequested { follower: &'a Account, target: &'a Account, request: &'a FollowRequest },
    Unfollowed { follower: &'a Account, target: &'a Account, follow_uri: &'a str },
    FollowAccepted { target: &'a Account, follower: &'a Account, follow_uri: &'a str },
    FollowRejected { target: &'a Account, follower: &'a Account, follow_uri: &'a str },
    Blocked { blocker: &'a Account, target: &'a Account, uri: &'a str },
    Unblocked { blocker: &'a Account, target: &'a Account, uri: &'a str },
    Reported { report: &'a Report, target: &'a Account, status_uris: &'a [String] },
    StatusCreated(&'a StatusView),
    StatusUpdated(&'a StatusView),
    StatusDeleted(&'a StatusView),
    PollVoted { voter: &'a Account, author: &'a Account, question: &'a Status, chosen: &'a [(String, String)] },
    Favourited { actor: &'a Account, status: &'a Status, like_id: i64 },
    Unfavourited { actor: &'a Account, status: &'a Status, like_id: i64 },
    Reblogged(&'a StatusView),
    Unreblogged(&'a StatusView),
    AccountDeleted(&'a Account),
    AccountRestored(&'a Account),
    ProfileUpdated(&'a Account),
    /// A local account moved to `target`: its followers' instances hear of it (Move).
    AccountMoved { account: &'a Account, target: &'a Account },
    /// A company-wide announcement, to every allowed peer.
    AnnouncementPublished(&'a Announcement),
    AnnouncementChanged(&'a Announcement),
    AnnouncementWithdrawn(&'a Announcement),
    /// A local status quotes a remote one: its author's instance is asked (QuoteRequest).
    QuoteRequested { quote: &'a Quote, quoting: &'a StatusView, quoted_author: &'a Account },
    /// A remote account's QuoteRequest for a local status is answered: with the authorization, or refused.
    QuoteAnswered { request: &'a QuoteRequestSeen<'a>, authorization: Option<&'a str> },
    /// A local author took back the authorization of a quote of their status.
    QuoteRevoked { quote: &'a Quote, quoting: &'a Status, quoted_author: &'a Account },
}

impl Outbound<'_> {
    /// Whether the message is about a division-only status: no peer hears of it, whoever it names.
    fn stays_in_division(&self) -> bool {
        match self {
            Outbound::StatusCreated(view)
            | Outbound::StatusUpdated(view)
            | Outbound::StatusDeleted(view)
            | Outbound::Reblogged(view)
            | Outbound::Unreblogged(view) => view.status.local_only,
            Outbound::QuoteRequested { quoting, .. } => quoting.status.local_only,
            Outbound::Favourited { status, .. } | Outbound::Unfavourited { status, .. } => status.local_only,
            Outbound::PollVoted { question, .. } => question.local_only,
            Outbound::QuoteRevoked { quoting, .. } => quoting.local_only,
            _ => false,
        }
    }
}

/// A QuoteRequest as it was received, to be echoed in its answer.
#[derive(Debug, Clone, Copy)]
pub struct QuoteRequestSeen<'a> {
    pub id: &'a str,
    pub requester: &'a Account,
    pub quoted_author: &'a Account,
    pub quoted_uri: &'a str,
    pub quoting_uri: &'a str,
    /// Names the answer (the quote's id when one was made).
    pub answer_key: i64,
}

/// Turns [`Outbound`] messages into delivery rows on the transaction's connection.
pub trait Outbox: Send + Sync {
    fn send(&self, conn: &mut DbConn, message: Outbound<'_>) -> AppResult<()>;
}

/// What a committed transaction leaves to do.
#[derive(Debug, Default)]
pub struct Committed {
    pub events: Vec<Event>,
    /// Deliveries were queued: the delivery worker should look now rather than at its next poll.
    pub deliveries_queued: bool,
}

/// A transaction in progress; it reads and writes as its connection (`Deref`), and collects what must
/// happen after the commit.
pub struct Tx<'c> {
    conn: &'c mut DbConn,
    outbox: Option<Arc<dyn Outbox>>,
    committed: Committed,
}

impl<'c> Tx<'c> {
    pub(crate) fn new(conn: &'c mut DbConn, outbox: Option<Arc<dyn Outbox>>) -> Tx<'c> {
        Tx { conn, outbox, committed: Committed::default() }
    }

    /// Notes an event for the live streams; it leaves only if the transaction commits.
    pub fn emit(&mut self, event: Event) {
        self.committed.events.push(event);
    }

    /// Queues what other instances must hear of this write, in this transaction.
    pub fn federate(&mut self, message: Outbound<'_>) -> AppResult<()> {
        if message.stays_in_division() {
            return Ok(());
        }
        let outbox = self.outbox.clone().ok_or_else(|| AppError::Internal("this database handle has no outbox".into()))?;
        outbox.send(self.conn, message)?;
        self.committed.deliveries_queued = true;
        Ok(())
    }

    /// Runs `work` in a savepoint: if it fails, its writes and what it noted are undone, and the
    /// transaction goes on.
    pub fn savepoint<T>(&mut self, work: impl FnOnce(&mut Tx) -> AppResult<T>) -> AppResult<T> {
        use diesel::Connection;
        let outbox = self.outbox.clone();
        let (value, committed) = self.conn.transaction(|conn| {
            let mut inner = Tx::new(conn, outbox);
            let value = work(&mut inner)?;
            Ok::<_, AppError>((value, inner.committed))
        })?;
        self.committed.events.extend(committed.events);
        self.committed.deliveries_queued |= committed.deliveries_queued;
        Ok(value)
    }

    pub(crate) fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.committed.events)
    }

    pub(crate) fn into_committed(self) -> Committed {
        self.committed
    }
}

impl Deref for Tx<'_> {
    type Target = DbConn;

    fn deref(&self) -> &DbConn {
        self.conn
    }
}

impl DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut DbConn {
        self.conn
    }
}

/// A write context on a bare connection, for unit tests of services: what would be sent to other
/// instances is recorded by name.
#[cfg(test)]
pub mod testing {
    use std::sync::{Arc, Mutex};

    use super::{Outbound, Outbox, Tx};
    use crate::db::DbConn;
    use crate::error::AppResult;

    #[derive(Default)]
    pub struct RecordingOutbox {
        pub sent: Mutex<Vec<String>>,
    }

    impl Outbox for RecordingOutbox {
        fn send(&self, _conn: &mut DbConn, message: Outbound<'_>) -> AppResult<()> {
            let name = format!("{message:?}");
            let name = name.split(|c: char| !c.is_alphanumeric()).next().unwrap_or_default().to_owned();
            self.sent.lock().unwrap().push(name);
            Ok(())
        }
    }

    pub fn tx(conn: &mut DbConn, outbox: Arc<RecordingOutbox>) -> Tx<'_> {
        Tx::new(conn, Some(outbox))
    }

    impl Tx<'_> {
        pub fn events(&self) -> &[crate::db::events::Event] {
            &self.committed.events
        }
    }
}
