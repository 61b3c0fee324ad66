//! The delivery worker: takes due rows of the outbox, signs and POSTs them, records the outcome.
//! A row is done only after a 2xx; other failures retry with exponential backoff for three days
//! (a 4xx other than 408/429 is final). Rows are leased, so a crashed process's work comes due again.

use tracing::Instrument;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use rand::Rng;
use tokio::sync::Semaphore;
use url::Url;

use crate::apub::client::{FederationClient, FederationError};
use crate::apub::peer_slots::PeerSlots;
use crate::apub::wakeup::Wakeup;
use crate::config::Settings;
use crate::db::models::Delivery;
use crate::db::queries::{deliveries, peers};
use crate::db::Database;
use crate::error::AppResult;
use crate::ids::{self, AccountId};
use crate::service::keys::{self, SigningKey};

/// How many sends to one peer may be in flight, so that a slow peer cannot hold every sending slot.
const PER_PEER_IN_FLIGHT: usize = 4;
const IDLE_POLL: Duration = Duration::from_millis(500);
const CONCURRENT_SENDS: usize = 16;
/// How long a delivery keeps being retried before it is given up.
const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::hours(72);

pub struct Worker {
    client: FederationClient,
    db: Database,
    queue: Wakeup,
    retry_base: Duration,
    lease: Duration,
    sends: Arc<Semaphore>,
    in_flight: PeerSlots,
    heartbeat: crate::ops::Heartbeat,
}

/// Runs the delivery loop forever on the current runtime.
pub fn spawn(client: FederationClient, db: Database, queue: Wakeup, settings: &Settings, heartbeat: crate::ops::Heartbeat) {
    let worker = Arc::new(Worker {
        client,
        db,
        queue,
        retry_base: settings.federation_retry_base,
        lease: settings.federation_lease,
        sends: Arc::new(Semaphore::new(CONCURRENT_SENDS)),
        in_flight: PeerSlots::new(PER_PEER_IN_FLIGHT),
        heartbeat,
    });
    tokio::spawn(async move { worker.run().await });
}

impl Worker {
    async fn run(self: Arc<Self>) {
        loop {
            self.heartbeat.beat();
            // Claim only what can be sent at once, so that a row's lease runs while it is sent, not queued.
            let free = self.sends.available_permits();
            if free == 0 {
                drop(self.sends.acquire().await.expect("the semaphore is never closed"));
                continue;
            }
            let claimed = self.claim(free as i64).await.unwrap_or_else(|e| {
                log::warn!("delivery: cannot claim work: {}", e.cause());
                Vec::new()
            });
            let idle = claimed.len() < free;
            let (to_send, to_release) = self.within_peer_limits(claimed);
            if !to_release.is_empty() {
                if let Err(e) = self.db.write(move |conn| deliveries::release(conn, &to_release)).await {
                    log::warn!("delivery: cannot release claims: {}", e.cause());
                }
            }
            for delivery in to_send {
                let permit = self.sends.clone().acquire_owned().await.expect("the semaphore is never closed");
                let worker = self.clone();
                tokio::spawn(async move {
                    let host = delivery.peer_host.clone();
                    let span = tracing::info_span!("delivery", id = delivery.id, peer = %host, inbox = %delivery.inbox_url);
                    worker.attempt(delivery).instrument(span).await;
                    worker.in_flight.give_back(&host);
                    drop(permit);
                    // The peer's next rows may have waited for this slot.
                    worker.queue.wake();
                });
            }
            if idle {
                self.queue.wait(IDLE_POLL).await;
            }
        }
    }

    /// Splits claimed rows into those to send now (counted in flight) and those over their peer's limit.
    fn within_peer_limits(&self, claimed: Vec<Delivery>) -> (Vec<Delivery>, Vec<i64>) {
        let (to_send, over): (Vec<Delivery>, Vec<Delivery>) = claimed.into_iter().partition(|d| self.in_flight.take(&d.peer_host));
        (to_send, over.into_iter().map(|d| d.id).collect())
    }

    async fn claim(&self, limit: i64) -> AppResult<Vec<Delivery>> {
        let (saturated, lease) = (self.in_flight.saturated(), self.lease);
        self.db
            .write(move |conn| {
                let now = ids::now();
                let lease_until = now + chrono::Duration::from_std(lease).unwrap_or_default();
                deliveries::claim_due(conn, now, lease_until, limit, &saturated)
            })
            .await
    }

    async fn attempt(&self, delivery: Delivery) {
        let started = std::time::Instant::now();
        let outcome = self.send(&delivery).await;
        let took = started.elapsed();
        let now = ids::now();
        let host = delivery.peer_host.clone();
        let record = match outcome {
            Ok(status) if (200..300).contains(&status) => Outcome::Delivered,
            Ok(status) if (400..500).contains(&status) && status != 408 && status != 429 => {
                Outcome::Failed(format!("refused with {status}"))
            }
            Ok(status) => Outcome::Retry(format!("answered {status}")),
            Err(FederationError::NotAllowed(host)) => Outcome::Failed(format!("{host} is no longer an allowed peer")),
            Err(e @ (FederationError::BadUrl(_) | FederationError::Signing(_))) => Outcome::Failed(e.to_string()),
            Err(e) => Outcome::Retry(e.to_string()),
        };
        if let Outcome::Failed(error) | Outcome::Retry(error) = &record {
            log::warn!("delivery {} to {} failed: {error}", delivery.id, delivery.inbox_url);
        }
        let outcome_name = match record {
            Outcome::Delivered => "delivered",
            Outcome::Failed(_) => "failed",
            Outcome::Retry(_) => "retry",
        };
        crate::telemetry::delivery(&host, outcome_name, took);
        let next_attempt = self.next_attempt(&delivery, now);
        let Some(lease) = delivery.leased_until else { return };
        let id = delivery.id;
        let result = self
            .db
            .write(move |conn| {
                let (recorded, error) = match record {
                    Outcome::Delivered => (deliveries::mark_delivered(conn, id, lease, now)?, None),
                    Outcome::Failed(error) => (deliveries::mark_failed(conn, id, lease, now, &error)?, Some(error)),
                    Outcome::Retry(error) => match next_attempt {
                        Some(at) => (deliveries::schedule_retry(conn, id, lease, at, &error)?, Some(error)),
                        None => (deliveries::mark_failed(conn, id, lease, now, &format!("gave up: {error}"))?, Some(error)),
                    },
                };
                if !recorded {
                    return Ok(false);
                }
                match error {
                    None => peers::record_success(conn, &host, now)?,
                    Some(error) => peers::record_error(conn, &host, now, &error)?,
                }
                Ok(true)
            })
            .await;
        match result {
            Ok(true) => {}
            Ok(false) => log::info!("delivery: {id} was claimed again after its lease ran out; this attempt's outcome is not recorded"),
            Err(e) => log::warn!("delivery: cannot record an outcome: {}", e.cause()),
        }
    }

    async fn send(&self, delivery: &Delivery) -> Result<u16, FederationError> {
        let inbox = Url::parse(&delivery.inbox_url).map_err(|_| FederationError::BadUrl(delivery.inbox_url.clone()))?;
        let key = self.signing_key(delivery.signer_account_id).await?;
        self.client.deliver(&inbox, delivery.body.as_bytes(), &key).await
    }

    async fn signing_key(&self, signer: Option<AccountId>) -> Result<SigningKey, FederationError> {
        let instance_actor = self.client.instance_actor_uri();
        self.db
            .write(move |conn| match signer {
                Some(account_id) => keys::account_signing_key(conn, account_id),
                None => keys::instance_signing_key(conn, &instance_actor),
            })
            .await
            .map_err(|e| FederationError::Database(e.to_string()))
    }

    /// Exponential backoff from the retry base, with jitter; None once the delivery is too old.
    fn next_attempt(&self, delivery: &Delivery, now: NaiveDateTime) -> Option<NaiveDateTime> {
        if now - delivery.created_at > GIVE_UP_AFTER {
            return None;
        }
        let exponent = delivery.attempts.clamp(0, 16) as u32;
        let delay = self.retry_base.saturating_mul(2u32.saturating_pow(exponent)).min(Duration::from_secs(6 * 3600));
        let jitter = rand::thread_rng().gen_range(0.8..1.2);
        Some(now + chrono::Duration::from_std(delay.mul_f64(jitter)).unwrap_or_default())
    }
}

enum Outcome {
    Delivered,
    Failed(String),
    Retry(String),
}
