//! The instance's timed duties: scheduled statuses and ended polls every few seconds; pruning the federation
//! records and applying `[retention]` at start and then hourly; the directory sync every
//! `auth.ldap.sync_minutes`. However many processes serve an instance, one runs them: the holder of the
//! `scheduler` lease in the database, renewed before each duty; when it stops, another process takes over
//! once the lease has run out.

use std::sync::Arc;
use std::time::Duration;

use crate::db::queries::leases;
use crate::error::AppError;
use crate::service::{polls, retention, scheduled};
use crate::state::AppState;

const LEASE_NAME: &str = "scheduler";
/// Longer than a tick, so that the holder keeps it while it lives; short, so that another process takes
/// over soon after it stops.
const LEASE: chrono::Duration = chrono::Duration::seconds(30);
const TICK: Duration = Duration::from_secs(5);
const HOURLY: Duration = Duration::from_secs(3600);

#[derive(Clone)]
struct Scheduler {
    state: AppState,
    /// This process, as the lease names it.
    holder: Arc<str>,
}

/// This process as the lease names it (its pid, and a random part for processes of other machines): one
/// name for the process's life, so that a server restarted within it leads again at once.
fn this_process() -> Arc<str> {
    static NAME: std::sync::OnceLock<Arc<str>> = std::sync::OnceLock::new();
    NAME.get_or_init(|| format!("{}-{:08x}", std::process::id(), rand::random::<u32>()).into()).clone()
}

pub fn spawn(state: AppState) {
    let scheduler = Scheduler { state, holder: this_process() };
    if let Some(every) = scheduler.state.settings.ldap.as_ref().and_then(|ldap| ldap.sync_interval) {
        scheduler.every(every, false, Scheduler::sync_directory);
    }
    scheduler.every(HOURLY, true, Scheduler::hourly);
    // Not at start: the peers may be starting too (after a join, `hallway peers refresh-directory` is at hand).
    scheduler.every(scheduler.state.settings.company_directory_refresh, false, Scheduler::refresh_company_directory);
    scheduler.every(TICK, true, Scheduler::frequent);
}

impl Scheduler {
    /// Runs `duty` every `period` (first now when `at_start`), in this process only while it leads.
    fn every<F, Fut>(&self, period: Duration, at_start: bool, duty: F)
    where
        F: Fn(Scheduler) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send,
    {
        let scheduler = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            if !at_start {
                tick.tick().await;
            }
            loop {
                tick.tick().await;
                if scheduler.leads().await {
                    duty(scheduler.clone()).await;
                }
            }
        });
    }

    /// Takes or renews the lease; false when another process holds it.
    async fn leads(&self) -> bool {
        let holder = self.holder.clone();
        let now = crate::ids::now();
        let held = self.state.db.write(move |conn| leases::hold(conn, LEASE_NAME, &holder, now, now + LEASE)).await;
        let leads = held.unwrap_or_else(|e| {
            log::warn!("scheduler: the lease cannot be read: {}", e.cause());
            false
        });
        crate::telemetry::scheduler_leader(leads);
        leads
    }

    async fn frequent(self) {
        let state = &self.state;
        let settings = state.settings.clone();
        let published = state.db.write(move |conn| scheduled::publish_due(conn, &settings)).await;
        report("scheduled_statuses", published.map(|_| ()));
        let announced = state.db.write(polls::announce_ended).await;
        report("ended_polls", announced.map(|_| ()));
    }

    async fn hourly(self) {
        self.prune_federation_records().await;
        self.fill_account_search().await;
        if !self.state.settings.retention.is_empty() {
            self.apply_retention().await;
        }
    }

    /// The search text of accounts made before it was kept, a batch per transaction.
    async fn fill_account_search(&self) {
        loop {
            let filled = self.state.db.write(|tx| crate::service::account_search::fill_missing_batch(tx)).await;
            match filled {
                Ok(count) if count == crate::service::account_search::FILL_BATCH => continue,
                outcome => return report("account_search", outcome.map(|_| ())),
            }
        }
    }

    async fn prune_federation_records(&self) {
        loop {
            let pruned = self.state.db.write(|conn| retention::prune_federation_records(conn, crate::ids::now())).await;
            crate::telemetry::job("prune_federation_records", pruned.is_ok());
            match pruned {
                Ok(pruned) if pruned.more_waiting() => log::info!("retention: pruned {pruned:?}, more waiting"),
                Ok(pruned) if pruned != Default::default() => break log::info!("retention: pruned {pruned:?}"),
                Ok(_) => break,
                Err(e) => break log::warn!("retention: {}", e.cause()),
            }
        }
    }

    /// The `[retention]` settings, applied in batches on a blocking thread.
    async fn apply_retention(&self) {
        let (db, media, policy) = (self.state.db.clone(), self.state.media.clone(), self.state.settings.retention);
        let applied = tokio::task::spawn_blocking(move || retention::apply_policy(&db, media.as_ref(), &policy)).await;
        let applied = applied.unwrap_or_else(|e| Err(AppError::Internal(format!("retention: {e}"))));
        crate::telemetry::job("retention", applied.is_ok());
        match applied {
            Ok(expired) if expired.is_empty() => {}
            Ok(expired) => log::info!("retention: removed {expired}"),
            Err(e) => log::warn!("retention: {}", e.cause()),
        }
    }

    async fn refresh_company_directory(self) {
        let listed = crate::apub::company::refresh_directory(&self.state).await;
        crate::telemetry::job("company_directory", true);
        log::debug!("company directory: {listed} account(s) listed by the peers");
    }

    async fn sync_directory(self) {
        let synced = self.state.directory.sync(&self.state.db, &self.state.settings).await;
        crate::telemetry::job("directory_sync", synced.is_ok());
        match synced {
            Ok(report) => log::info!("directory sync: {report:?}"),
            Err(e) => log::warn!("directory sync: {}", e.cause()),
        }
    }
}

fn report(job: &'static str, outcome: Result<(), AppError>) {
    crate::telemetry::job(job, outcome.is_ok());
    if let Err(e) = outcome {
        log::warn!("scheduler: {job}: {}", e.cause());
    }
}
