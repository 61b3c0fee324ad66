//! Statuses brought with their author from another instance (`hallway import-account`): written as this
//! instance's own with their original time, in the author's home timeline and the search index, and neither
//! delivered nor notified (they were, once, where they were written).

use chrono::NaiveDateTime;

use crate::config::Settings;
use crate::db::kinds::Visibility;
use crate::db::models::{Account, HomeTimelineEntry, Status};
use crate::db::queries::{accounts, statuses, timelines};
use crate::db::Tx;
use crate::error::AppResult;
use crate::ids::{self, StatusId};
use crate::service::{markup, media, sanitize};

use super::{find_or_create_tag, new_local_row};

pub struct TransferredStatus {
    /// As the other instance rendered it (sanitised again here).
    pub content_html: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub visibility: Visibility,
    pub language: Option<String>,
    pub published: NaiveDateTime,
    /// The status it answered, linked when it is known here.
    pub in_reply_to_uri: Option<String>,
    /// Attachments already made for it (`service::media`).
    pub media_ids: Vec<i64>,
    pub tags: Vec<String>,
}

pub fn transfer_in(tx: &mut Tx, settings: &Settings, author: &Account, input: TransferredStatus) -> AppResult<StatusId> {
    let parent = match &input.in_reply_to_uri {
        Some(uri) => statuses::find_by_uri_or_url(tx, uri)?,
        None => None,
    };
    let id = StatusId(ids::id_at(input.published));
    let content = sanitize::html(&input.content_html);
    let status = Status {
        text: markup::plain_text(&content),
        content,
        spoiler_text: input.spoiler_text,
        sensitive: input.sensitive,
        visibility: input.visibility,
        language: input.language,
        ..new_local_row(settings, author, id, parent.as_ref(), input.published)
    };
    statuses::insert(tx, &status)?;
    media::attach(tx, author, id, &input.media_ids)?;
    let mut tag_ids = Vec::new();
    for name in input.tags.iter().filter(|name| markup::is_hashtag_name(name)) {
        tag_ids.push(find_or_create_tag(tx, name)?.id);
    }
    statuses::set_status_tags(tx, id, &tag_ids)?;
    accounts::add_statuses(tx, author.id, 1, Some(input.published))?;
    if let Some(parent) = &parent {
        statuses::add_replies(tx, parent.id, 1)?;
    }
    timelines::insert_home(tx, &[HomeTimelineEntry { account_id: author.id, status_id: id, author_id: author.id }])?;
    crate::service::search::index_status(tx, id)?;
    Ok(id)
}
