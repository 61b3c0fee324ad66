//! ActivityPub: what crosses between instances (signatures now; actors, objects, activities and delivery next).

pub mod activities;
pub mod addressing;
pub mod archive;
pub mod client;
pub mod company;
pub mod delivery;
pub mod inbound;
pub mod inbox;
pub mod inbox_worker;
pub mod objects;
pub mod outbox;
pub mod peer_slots;
pub mod peering;
pub mod proofs;
pub mod resolve;
pub mod rfc9421;
pub mod routes;
pub mod signatures;
pub mod wakeup;
