use serde::Serialize;
use serde_json::Value;

use crate::config::Settings;
use crate::db::models::MediaAttachment as MediaRow;

#[derive(Debug, Serialize)]
pub struct MediaAttachment {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub url: Option<String>,
    pub preview_url: Option<String>,
    pub remote_url: Option<String>,
    pub preview_remote_url: Option<String>,
    pub text_url: Option<String>,
    pub meta: Value,
    pub description: Option<String>,
    pub blurhash: Option<String>,
}

impl MediaAttachment {
    pub fn from_row(row: &MediaRow, settings: &Settings) -> MediaAttachment {
        let stored = |key: &Option<String>| key.as_ref().map(|k| format!("{}/system/{k}", settings.base_url()));
        let (url, preview_url) = match &row.remote_url {
            Some(remote) => (Some(remote.clone()), row.preview_remote_url.clone().or_else(|| Some(remote.clone()))),
            None => (stored(&row.file_key), stored(&row.preview_key)),
        };
        MediaAttachment {
            id: row.id.to_string(),
            kind: row.kind.clone(),
            url,
            preview_url,
            remote_url: row.remote_url.clone(),
            preview_remote_url: row.preview_remote_url.clone(),
            text_url: None,
            meta: meta_with_focus(row),
            description: row.description.clone(),
            blurhash: row.blurhash.clone(),
        }
    }

    pub fn list(rows: &[MediaRow], settings: &Settings) -> Vec<MediaAttachment> {
        rows.iter().map(|row| MediaAttachment::from_row(row, settings)).collect()
    }
}

/// The stored `meta` (sizes) with the focal point, which is kept in its own columns so that a client's
/// edit and the end of processing never write the same column.
fn meta_with_focus(row: &MediaRow) -> Value {
    let mut meta = row.meta.0.clone();
    if !meta.is_object() {
        meta = Value::Object(Default::default());
    }
    if let Value::Object(fields) = &mut meta {
        fields.insert("focus".into(), serde_json::json!({ "x": row.focus_x, "y": row.focus_y }));
    }
    meta
}
