//! The inbox workers: take the activities peers delivered from the durable inbox and apply them
//! (`inbox::process`). At least once: a row leaves the queue in the transaction that applies it, a crashed
//! process's claims come due again when their lease runs out, and applying twice changes nothing (the
//! activity id is recorded). One row at a time per peer, oldest first: a peer's activities are applied in
//! the order they came (a Delete never overtakes its Create), and one peer's burst waits behind itself,
//! not in front of other peers.

use tracing::Instrument;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::apub::inbox;
use crate::apub::peer_slots::PeerSlots;
use crate::db::models::QueuedActivity;
use crate::db::queries::inbox_queue;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::state::AppState;

/// Longer than applying one activity can take (its fetches time out after 10 s each).
const LEASE: Duration = Duration::from_secs(300);
const CONCURRENT: usize = 4;
const PER_PEER: usize = 1;
const IDLE_POLL: Duration = Duration::from_millis(500);
/// Failures that may pass (the database busy or away) are retried this often, with backoff from 1 s.
const MAX_ATTEMPTS: i32 = 8;

struct Worker {
    state: AppState,
    slots: Arc<Semaphore>,
    per_peer: PeerSlots,
}

pub fn spawn(state: AppState) {
    let worker = Arc::new(Worker { state, slots: Arc::new(Semaphore::new(CONCURRENT)), per_peer: PeerSlots::new(PER_PEER) });
    tokio::spawn(async move { worker.run().await });
}

impl Worker {
    async fn run(self: Arc<Self>) {
        loop {
            let free = self.slots.available_permits();
            if free == 0 {
                drop(self.slots.acquire().await.expect("the semaphore is never closed"));
                continue;
            }
            let claimed = self.claim(free).await.unwrap_or_else(|e| {
                log::warn!("inbox: cannot claim work: {}", e.cause());
                Vec::new()
            });
            let idle = claimed.len() < free;
            for activity in claimed {
                // A claim holds one activity of each peer not in hand, so this peer's slot is free.
                self.per_peer.take(&activity.peer_host);
                let permit = self.slots.clone().acquire_owned().await.expect("the semaphore is never closed");
                let worker = self.clone();
                tokio::spawn(async move {
                    let host = activity.peer_host.clone();
                    let span = tracing::info_span!("inbox", activity = %activity.activity_uri, peer = %host);
                    worker.handle(activity).instrument(span).await;
                    worker.per_peer.give_back(&host);
                    drop(permit);
                    // The peer's next activity may have waited for this slot.
                    worker.state.inbox.wake();
                });
            }
            if idle {
                self.state.inbox.wait(IDLE_POLL).await;
            }
        }
    }

    async fn claim(&self, limit: usize) -> AppResult<Vec<QueuedActivity>> {
        let saturated = self.per_peer.saturated();
        self.state
            .db
            .write(move |conn| {
                let now = ids::now();
                let lease_until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
                inbox_queue::claim_due(conn, now, lease_until, limit, &saturated)
            })
            .await
    }

    async fn handle(&self, activity: QueuedActivity) {
        let outcome = inbox::process(&self.state, &activity).await;
        let (id, lease, now) = (activity.id, activity.leased_until.unwrap_or_default(), ids::now());
        let recorded = match outcome {
            Ok(true) => return,
            Ok(false) => Ok(false),
            Err(e) if may_pass(&e) && activity.attempts + 1 < MAX_ATTEMPTS => {
                let delay = chrono::Duration::seconds(1 << activity.attempts.clamp(0, 10));
                let error = e.to_string();
                self.state.db.write(move |conn| inbox_queue::schedule_retry(conn, id, lease, now + delay, &error)).await
            }
            Err(e) => {
                log::info!("inbox: {} from {} not applied: {e}", activity.activity_uri, activity.peer_host);
                let error = e.to_string();
                self.state.db.write(move |conn| inbox_queue::mark_failed(conn, id, lease, now, &error)).await
            }
        };
        match recorded {
            Ok(true) => {}
            Ok(false) => log::info!("inbox: {} was claimed again after its lease ran out", activity.activity_uri),
            Err(e) => log::warn!("inbox: cannot record an outcome: {}", e.cause()),
        }
    }
}

/// Whether a failure may pass by itself (the database), rather than being the activity's own fault.
fn may_pass(error: &AppError) -> bool {
    matches!(error, AppError::Database(_) | AppError::Unavailable(_) | AppError::Internal(_))
}
