//! How many requests to or from each peer are in hand at once, so that one peer cannot take every slot
//! of a worker (a slow peer for deliveries, a flooding one for the inbox).

use std::collections::HashMap;
use std::sync::Mutex;

pub struct PeerSlots {
    per_peer: usize,
    in_hand: Mutex<HashMap<String, usize>>,
}

impl PeerSlots {
    pub fn new(per_peer: usize) -> PeerSlots {
        PeerSlots { per_peer, in_hand: Mutex::new(HashMap::new()) }
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        self.in_hand.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes a slot of `host`'s; false when it has all it may have.
    pub fn take(&self, host: &str) -> bool {
        let mut counts = self.counts();
        let count = counts.entry(host.to_owned()).or_default();
        if *count < self.per_peer {
            *count += 1;
            true
        } else {
            false
        }
    }

    pub fn give_back(&self, host: &str) {
        let mut counts = self.counts();
        if let Some(count) = counts.get_mut(host) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(host);
            }
        }
    }

    /// The peers with every slot taken: their work waits for the next round.
    pub fn saturated(&self) -> Vec<String> {
        self.counts().iter().filter(|(_, count)| **count >= self.per_peer).map(|(host, _)| host.clone()).collect()
    }
}
