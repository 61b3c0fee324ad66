//! ActivityPub: what crosses between instances (signatures now; actors, objects, activities and delivery next).

pub mod client;
pub mod delivery;
pub mod routes;
pub mod signatures;
