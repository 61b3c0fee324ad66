use serde::Serialize;

use super::{timestamp, CustomEmoji};
use crate::config::Settings;
use crate::service::announcements::AnnouncementView;

/// Mastodon's Announcement.
#[derive(Debug, Serialize)]
pub struct Announcement {
    pub id: String,
    pub content: String,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub all_day: bool,
    pub published: bool,
    pub published_at: String,
    pub updated_at: String,
    pub read: bool,
    pub mentions: Vec<AnnouncementMention>,
    pub statuses: Vec<serde_json::Value>,
    pub tags: Vec<AnnouncementTag>,
    pub emojis: Vec<CustomEmoji>,
    pub reactions: Vec<AnnouncementReaction>,
}

#[derive(Debug, Serialize)]
pub struct AnnouncementMention {
    pub id: String,
    pub username: String,
    pub url: String,
    pub acct: String,
}

#[derive(Debug, Serialize)]
pub struct AnnouncementTag {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Serialize)]
pub struct AnnouncementReaction {
    pub name: String,
    pub count: i64,
    pub me: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub static_url: Option<String>,
}

impl Announcement {
    pub fn from_view(view: &AnnouncementView, settings: &Settings) -> Announcement {
        let announcement = &view.announcement;
        let base = settings.base_url();
        Announcement {
            id: announcement.id.to_string(),
            content: view.html.clone(),
            starts_at: announcement.starts_at.as_ref().map(timestamp),
            ends_at: announcement.ends_at.as_ref().map(timestamp),
            all_day: announcement.all_day,
            published: announcement.published_at.is_some(),
            published_at: timestamp(&announcement.published_at.unwrap_or(announcement.created_at)),
            updated_at: timestamp(&announcement.updated_at),
            read: view.read,
            mentions: view
                .mentions
                .iter()
                .map(|a| AnnouncementMention { id: a.id.to_string(), username: a.username.clone(), url: a.url.clone(), acct: a.acct() })
                .collect(),
            statuses: Vec::new(),
            tags: view.tags.iter().map(|name| AnnouncementTag { name: name.to_lowercase(), url: format!("{base}/tags/{}", name.to_lowercase()) }).collect(),
            emojis: view.emojis.iter().map(|e| CustomEmoji::from_row(e, settings)).collect(),
            reactions: view
                .reactions
                .iter()
                .map(|r| {
                    let emoji = r.emoji.as_ref().map(|e| CustomEmoji::from_row(e, settings));
                    AnnouncementReaction {
                        name: r.name.clone(),
                        count: r.count,
                        me: r.me,
                        url: emoji.as_ref().map(|e| e.url.clone()),
                        static_url: emoji.map(|e| e.static_url),
                    }
                })
                .collect(),
        }
    }
}
