//! The JSON the clients see, field by field as Mastodon's entities; built from service views.

mod account;
mod emoji;
mod filters;
mod grouped;
mod instance;
mod media;
mod poll;
mod misc;
mod status;

pub use account::{Account, CredentialAccount, Relationship};
pub use filters::{Filter, FilterKeyword, FilterResult, FilterStatus};
pub use emoji::CustomEmoji;
pub use grouped::GroupedNotifications;
pub use media::MediaAttachment;
pub use poll::Poll;
pub use instance::{version, InstanceV1, InstanceV2};
pub use misc::{Application, Conversation, DomainAllow, FeaturedTag, List, Marker, Notification, Preferences, TagEntity, Token};
pub use status::{Context, Status, StatusEdit, StatusSource};

use chrono::NaiveDateTime;

/// Mastodon's timestamp format: ISO 8601 in UTC with milliseconds.
pub fn timestamp(time: &NaiveDateTime) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}
