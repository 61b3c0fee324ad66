//! Hallway's company-wide announcements between Hallway instances: an object of type `Announcement` that the
//! instance actor creates, updates and deletes. Other servers do not know the type and leave it alone.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnnouncementObject {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Url,
    pub attributed_to: Url,
    /// HTML, as the origin renders it.
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub all_day: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
}

pub const ANNOUNCEMENT_TYPE: &str = "Announcement";
