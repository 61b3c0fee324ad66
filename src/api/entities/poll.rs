use serde::Serialize;

use super::timestamp;
use crate::service::polls::PollView;

#[derive(Debug, Serialize)]
pub struct Poll {
    pub id: String,
    pub expires_at: Option<String>,
    pub expired: bool,
    pub multiple: bool,
    pub votes_count: i64,
    pub voters_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own_votes: Option<Vec<i32>>,
    pub options: Vec<PollOption>,
    pub emojis: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct PollOption {
    pub title: String,
    /// Hidden (null) until the poll ends when its author chose so; the author always sees them.
    pub votes_count: Option<i64>,
}

impl Poll {
    pub fn from_view(view: &PollView) -> Poll {
        let poll = &view.poll;
        let expired = poll.expired_at(crate::ids::now());
        let totals_shown = !poll.hide_totals || expired || view.viewer_is_author;
        let counts = poll.counts();
        Poll {
            id: poll.id.to_string(),
            expires_at: poll.expires_at.as_ref().map(timestamp),
            expired,
            multiple: poll.multiple,
            votes_count: counts.iter().sum(),
            voters_count: Some(poll.voters_count),
            voted: view.own_votes.as_ref().map(|votes| !votes.is_empty() || view.viewer_is_author),
            own_votes: view.own_votes.clone(),
            options: poll
                .options
                .iter()
                .cloned()
                .zip(counts)
                .map(|(title, count)| PollOption { title, votes_count: totals_shown.then_some(count) })
                .collect(),
            emojis: Vec::new(),
        }
    }
}
