//! The JSON the clients see, field by field as Mastodon's entities; built from service views.

mod account;
mod admin;
mod announcement;
mod emoji;
mod filters;
mod grouped;
mod import;
mod instance;
mod media;
mod poll;
mod misc;
pub mod rendered;
mod status;

pub use account::{Account, CredentialAccount, FamiliarFollowers, Profile, Relationship, Role};
pub use announcement::Announcement;
pub use admin::{AdminAccount, AdminCanonicalEmailBlock, AdminDomainBlock, AdminEmailDomainBlock, AdminIpBlock, AdminReport};
pub use filters::{Filter, FilterKeyword, FilterResult, FilterStatus};
pub use emoji::CustomEmoji;
pub use grouped::GroupedNotifications;
pub use import::Import;
pub use media::MediaAttachment;
pub use poll::Poll;
pub use instance::{rules, version, InstanceV1, InstanceV2, MASTODON_VERSION};
pub use misc::{
    Application, AuditEntry, Conversation, DomainAllow, FeaturedTag, List, Marker, Notification, NotificationPolicyV1, NotificationPolicyV2,
    NotificationRequest, Preferences, TagEntity, Token,
};
pub use status::{Context, Status, StatusEdit, StatusSource};

use chrono::{Datelike, NaiveDateTime, Timelike};

/// Mastodon's timestamp format: ISO 8601 in UTC with milliseconds (written field by field: chrono's
/// `format` parses its pattern on every call, a visible cost in a timeline of 20 statuses).
pub fn timestamp(time: &NaiveDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        time.year(),
        time.month(),
        time.day(),
        time.hour(),
        time.minute(),
        time.second(),
        time.nanosecond() / 1_000_000 % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::timestamp;

    #[test]
    fn timestamps_as_mastodon_writes_them() {
        let time = chrono::DateTime::from_timestamp_millis(1_733_472_000_123).unwrap().naive_utc();
        assert_eq!(timestamp(&time), "2024-12-06T08:00:00.123Z");
        assert_eq!(timestamp(&time), time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
        let early = chrono::NaiveDate::from_ymd_opt(987, 1, 2).unwrap().and_hms_micro_opt(3, 4, 5, 6).unwrap();
        assert_eq!(timestamp(&early), "0987-01-02T03:04:05.000Z");
    }
}
