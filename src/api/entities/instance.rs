//! `/api/v1/instance` and `/api/v2/instance`, shaped as Mastodon 4.3's.

use serde_json::{json, Value};

use crate::config::{About, MediaLimits, Registrations, Settings};
use crate::service::accounts::{MAX_DISPLAY_NAME, MAX_FIELDS, MAX_FIELD_LENGTH, MAX_NOTE};
use crate::service::instance::Stats;
use crate::service::{images, media};
use crate::service::statuses::MAX_PINNED;

/// The Mastodon API version Hallway answers as.
pub const MASTODON_VERSION: &str = "4.3.0";

/// Mastodon's version format, which clients parse to pick features.
pub fn version() -> String {
    format!("{MASTODON_VERSION} (compatible; Hallway {})", env!("CARGO_PKG_VERSION"))
}

fn streaming_url(settings: &Settings) -> String {
    let scheme = if settings.scheme == "https" { "wss" } else { "ws" };
    format!("{scheme}://{}", settings.domain)
}

fn statuses_configuration(settings: &Settings) -> Value {
    json!({
        "max_characters": settings.max_characters,
        "max_media_attachments": 4,
        "characters_reserved_per_url": 23
    })
}

fn polls_configuration() -> Value {
    json!({ "max_options": 4, "max_characters_per_option": 50, "min_expiration": 300, "max_expiration": 2629746 })
}

fn media_configuration(limits: &MediaLimits) -> Value {
    json!({
        "supported_mime_types": images::SUPPORTED_TYPES,
        "description_limit": media::MAX_DESCRIPTION,
        "image_size_limit": limits.image_bytes,
        "image_matrix_limit": limits.image_pixels,
        "video_size_limit": limits.video_bytes,
        "video_frame_rate_limit": 120,
        "video_matrix_limit": 8_294_400
    })
}

/// The rules, numbered from 1 in the order the settings give them.
pub fn rules(about: &About) -> Value {
    let rules: Vec<Value> = about
        .rules
        .iter()
        .enumerate()
        .map(|(index, rule)| json!({ "id": (index + 1).to_string(), "text": rule.text, "hint": rule.hint, "translations": {} }))
        .collect();
    Value::Array(rules)
}

pub struct InstanceV1;

impl InstanceV1 {
    pub fn build(settings: &Settings, stats: &Stats) -> Value {
        json!({
            "uri": settings.domain,
            "title": settings.title,
            "short_description": settings.description,
            "description": settings.description,
            "email": settings.contact_email,
            "version": version(),
            "urls": { "streaming_api": streaming_url(settings) },
            "stats": {
                "user_count": stats.user_count,
                "status_count": stats.status_count,
                "domain_count": stats.domain_count
            },
            "thumbnail": Value::Null,
            "languages": settings.about.languages,
            "registrations": settings.registrations != Registrations::Closed,
            "approval_required": settings.registrations == Registrations::Approval,
            "invites_enabled": false,
            "configuration": {
                "accounts": { "max_featured_tags": 10 },
                "statuses": statuses_configuration(settings),
                "media_attachments": media_configuration(&settings.media),
                "polls": polls_configuration()
            },
            "contact_account": Value::Null,
            "rules": rules(&settings.about)
        })
    }
}

pub struct InstanceV2;

impl InstanceV2 {
    pub fn build(settings: &Settings, stats: &Stats, vapid_public_key: &str) -> Value {
        let base = settings.base_url();
        json!({
            "domain": settings.domain,
            "title": settings.title,
            "version": version(),
            "source_url": "",
            "description": settings.description,
            "usage": { "users": { "active_month": stats.user_count } },
            "thumbnail": { "url": format!("{base}/avatars/original/missing.png") },
            "icon": [],
            "languages": settings.about.languages,
            "configuration": {
                "urls": {
                    "streaming": streaming_url(settings),
                    "status": Value::Null,
                    "about": format!("{base}/about"),
                    "privacy_policy": format!("{base}/privacy-policy"),
                    "terms_of_service": settings.about.terms_of_service.as_ref().map(|_| format!("{base}/terms-of-service"))
                },
                "vapid": { "public_key": vapid_public_key },
                "accounts": {
                    "max_display_name_length": MAX_DISPLAY_NAME,
                    "max_note_length": MAX_NOTE,
                    "max_featured_tags": 10,
                    "max_pinned_statuses": MAX_PINNED,
                    "max_profile_fields": MAX_FIELDS,
                    "profile_field_name_limit": MAX_FIELD_LENGTH,
                    "profile_field_value_limit": MAX_FIELD_LENGTH
                },
                "statuses": statuses_configuration(settings),
                "media_attachments": media_configuration(&settings.media),
                "polls": polls_configuration(),
                "translation": { "enabled": false },
                "limited_federation": true
            },
            "registrations": {
                "enabled": settings.registrations != Registrations::Closed,
                "approval_required": settings.registrations == Registrations::Approval,
                "reason_required": false, "message": Value::Null, "min_age": Value::Null, "url": Value::Null },
            // 7: Mastodon 4.5's API (quote posts, which Phanpy offers from 7 on; filters' blur from 5).
            "api_versions": { "mastodon": 7 },
            "contact": { "email": settings.contact_email, "account": Value::Null },
            "rules": rules(&settings.about)
        })
    }
}
