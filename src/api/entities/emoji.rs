use serde::Serialize;

use crate::config::Settings;
use crate::db::models::CustomEmoji as EmojiRow;

#[derive(Debug, Serialize)]
pub struct CustomEmoji {
    pub shortcode: String,
    pub url: String,
    pub static_url: String,
    pub visible_in_picker: bool,
    pub category: Option<String>,
}

impl CustomEmoji {
    pub fn from_row(row: &EmojiRow, settings: &Settings) -> CustomEmoji {
        let url = match (&row.image_key, &row.image_url) {
            (Some(key), _) => format!("{}/system/{key}", settings.base_url()),
            (None, Some(url)) => url.clone(),
            (None, None) => String::new(),
        };
        CustomEmoji {
            shortcode: row.shortcode.clone(),
            static_url: url.clone(),
            url,
            visible_in_picker: row.visible_in_picker,
            category: row.category.clone(),
        }
    }

    pub fn list(rows: &[EmojiRow], settings: &Settings) -> Vec<CustomEmoji> {
        rows.iter().map(|row| CustomEmoji::from_row(row, settings)).collect()
    }
}
