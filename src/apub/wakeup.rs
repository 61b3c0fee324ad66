//! Wakes a worker that waits for work in the database (deliveries to send, activities to apply), so that
//! new work starts now rather than at the worker's next poll.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

#[derive(Clone, Default)]
pub struct Wakeup {
    notify: Arc<Notify>,
}

impl Wakeup {
    /// Work was queued (or a slot freed): the worker looks now. A wake-up while it is busy is kept for
    /// its next wait.
    pub fn wake(&self) {
        self.notify.notify_one();
    }

    /// Waits for a wake-up, or `at_most` (the worker then polls anyway).
    pub async fn wait(&self, at_most: Duration) {
        let _ = tokio::time::timeout(at_most, self.notify.notified()).await;
    }
}
