//! What every request handler can reach.

use std::sync::Arc;

use crate::apub::client::FederationClient;
use crate::apub::inbound::RateLimiter;
use crate::apub::wakeup::Wakeup;
use crate::config::Settings;
use crate::db::tx::Committed;
use crate::db::Database;
use crate::directory::Directory;
use crate::storage::MediaStore;
use crate::streaming::Hub;

#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub settings: Arc<Settings>,
    pub federation: FederationClient,
    /// Wakes the delivery worker.
    pub deliveries: Wakeup,
    /// Wakes the inbox workers.
    pub inbox: Wakeup,
    /// Wakes the job worker (imports, archives).
    pub jobs: Wakeup,
    pub inbox_limiter: Arc<RateLimiter>,
    pub hub: Hub,
    pub media: Arc<dyn MediaStore>,
    /// The company directory people sign in with, when one is configured.
    pub directory: Directory,
    /// What outgoing TLS connections trust.
    pub tls: Arc<rustls::ClientConfig>,
    /// The delivery worker's turns, for `/readyz`.
    pub delivery_heartbeat: crate::ops::Heartbeat,
}

impl AppState {
    /// Fails only when the media store cannot be set up (`media.s3` with an unreadable CA file).
    pub fn new(db: Database, settings: Settings) -> Result<AppState, String> {
        let settings = Arc::new(settings);
        let (hub, deliveries) = (Hub::new(), Wakeup::default());
        let db = {
            let (hub, deliveries) = (hub.clone(), deliveries.clone());
            crate::apub::outbox::attach(&db, settings.clone()).with_after_commit(Arc::new(move |committed: Committed| {
                if !committed.events.is_empty() {
                    hub.publish(committed.events);
                }
                if committed.deliveries_queued {
                    deliveries.wake();
                }
            }))
        };
        let tls = crate::tls::client_config(&settings);
        let federation = FederationClient::new(db.clone(), settings.clone(), &tls);
        let inbox_limiter = Arc::new(RateLimiter::new(settings.federation_inbox_per_minute));
        let media = crate::storage::media_store(&settings)?;
        let directory = Directory::new(&settings, &tls);
        Ok(AppState { db, settings, federation, deliveries, inbox: Wakeup::default(), jobs: Wakeup::default(), inbox_limiter, hub, media, directory, tls, delivery_heartbeat: Default::default() })
    }
}
