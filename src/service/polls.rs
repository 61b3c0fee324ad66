//! Polls: created with a status, voted on by anyone who can see it (votes on another instance's poll
//! travel to it), counted, and announced to voters when they end.

use std::collections::HashSet;

use chrono::{Duration, NaiveDateTime};

use crate::db::kinds::NotificationKind;
use crate::db::json::Json;
use crate::db::models::{Account, Poll, PollVote, RemotePollChanges, Status};
use crate::db::queries::{accounts, polls, statuses};
use crate::db::{DbConn, Tx};
use crate::db::tx::Outbound;
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId, StatusId};
pub use crate::db::views::PollView;
use crate::service::views;

pub const MAX_OPTIONS: usize = 4;
pub const MAX_OPTION_CHARS: usize = 50;
pub const MIN_EXPIRATION: i64 = 300;
pub const MAX_EXPIRATION: i64 = 2_629_746;

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct NewPoll {
    pub options: Vec<String>,
    pub expires_in: i64,
    pub multiple: bool,
    pub hide_totals: bool,
}


pub fn validate(new: &NewPoll) -> AppResult<()> {
    if new.options.len() < 2 {
        return Err(AppError::validation("Poll must have at least 2 options"));
    }
    if new.options.len() > MAX_OPTIONS {
        return Err(AppError::validation(format!("Poll must not have more than {MAX_OPTIONS} options")));
    }
    if new.options.iter().any(|o| o.trim().is_empty()) {
        return Err(AppError::validation("Poll options must not be blank"));
    }
    if new.options.iter().any(|o| o.chars().count() > MAX_OPTION_CHARS) {
        return Err(AppError::validation(format!("Poll options must not be longer than {MAX_OPTION_CHARS} characters")));
    }
    let distinct: HashSet<&str> = new.options.iter().map(|o| o.trim()).collect();
    if distinct.len() != new.options.len() {
        return Err(AppError::validation("Poll options must be different"));
    }
    if !(MIN_EXPIRATION..=MAX_EXPIRATION).contains(&new.expires_in) {
        return Err(AppError::validation(format!(
            "Poll expires in must be between {MIN_EXPIRATION} and {MAX_EXPIRATION} seconds"
        )));
    }
    Ok(())
}

pub fn create(conn: &mut DbConn, author: &Account, status_id: StatusId, new: NewPoll) -> AppResult<Poll> {
    validate(&new)?;
    let now = ids::now();
    let options: Vec<String> = new.options.iter().map(|o| o.trim().to_owned()).collect();
    let poll = Poll {
        id: ids::next_id(),
        status_id,
        account_id: author.id,
        vote_counts: Json(vec![0; options.len()]),
        options: Json(options),
        multiple: new.multiple,
        hide_totals: new.hide_totals,
        voters_count: 0,
        expires_at: now.checked_add_signed(Duration::seconds(new.expires_in)),
        ended_notified: false,
        created_at: now,
    };
    polls::insert(conn, &poll)?;
    Ok(poll)
}

/// A poll the viewer may see (that of a status they may see).
pub fn get(conn: &mut DbConn, viewer: Option<&Account>, poll_id: i64) -> AppResult<PollView> {
    let poll = polls::find(conn, poll_id)?.ok_or(AppError::NotFound)?;
    views::status_for(conn, viewer.map(|v| v.id), poll.status_id)?.ok_or(AppError::NotFound)?;
    view_of(conn, viewer.map(|v| v.id), poll)
}

pub fn view_of(conn: &mut DbConn, viewer: Option<AccountId>, poll: Poll) -> AppResult<PollView> {
    let own_votes = match viewer {
        Some(viewer) => Some(polls::choices_among(conn, viewer, &[poll.id])?.into_iter().map(|(_, c)| c).collect()),
        None => None,
    };
    Ok(PollView { viewer_is_author: viewer == Some(poll.account_id), own_votes, poll })
}

/// A local account votes. On a local poll the counts change here (and go to the instances that show
/// it); on a remote poll each choice travels to the poll's instance, and is counted here meanwhile.
pub fn vote(tx: &mut Tx, voter: &Account, poll_id: i64, choices: &[i32]) -> AppResult<PollView> {
    let poll = polls::find_for_update(tx, poll_id)?.ok_or(AppError::NotFound)?;
    let status = views::status_for(tx, Some(voter.id), poll.status_id)?.ok_or(AppError::NotFound)?.status;
    if poll.expired_at(ids::now()) {
        return Err(AppError::validation("The poll has already ended"));
    }
    if !polls::choices_among(tx, voter.id, &[poll.id])?.is_empty() {
        return Err(AppError::validation("You have already voted on this poll"));
    }
    let options = poll.options.0.clone();
    let distinct: HashSet<i32> = choices.iter().copied().collect();
    if choices.is_empty() || distinct.len() != choices.len() || choices.iter().any(|c| *c < 0 || *c as usize >= options.len()) {
        return Err(AppError::validation("Choices must name options of the poll, each once"));
    }
    if !poll.multiple && choices.len() > 1 {
        return Err(AppError::validation("This poll allows one choice only"));
    }
    let mut votes = Vec::new();
    for choice in choices {
        let id = ids::next_id();
        let vote = PollVote {
            id,
            poll_id: poll.id,
            account_id: voter.id,
            choice: *choice,
            uri: Some(format!("{}#votes/{id}", voter.uri)),
            created_at: ids::now(),
        };
        polls::insert_vote(tx, &vote)?;
        votes.push(vote);
    }
    let author = accounts::find(tx, poll.account_id)?.ok_or(AppError::NotFound)?;
    let poll = if author.is_local() {
        let counted = recount(tx, poll)?;
        poll_changed(tx, &status)?;
        counted
    } else {
        let counted = add_remote_choices(tx, poll, choices)?;
        let chosen: Vec<(String, String)> =
            votes.iter().map(|v| (v.uri.clone().unwrap_or_default(), options[v.choice as usize].clone())).collect();
        tx.federate(Outbound::PollVoted { voter, author: &author, question: &status, chosen: &chosen })?;
        counted
    };
    view_of(tx, Some(voter.id), poll)
}

/// Counts a local poll's votes afresh.
fn recount(conn: &mut DbConn, mut poll: Poll) -> AppResult<Poll> {
    let votes = polls::votes_of(conn, poll.id)?;
    let mut counts = vec![0i64; poll.options.len()];
    for vote in &votes {
        if let Some(count) = counts.get_mut(vote.choice as usize) {
            *count += 1;
        }
    }
    let voters: HashSet<AccountId> = votes.iter().map(|v| v.account_id).collect();
    poll.voters_count = voters.len() as i64;
    polls::set_counts(conn, poll.id, &counts, poll.voters_count)?;
    poll.vote_counts = Json(counts);
    Ok(poll)
}

/// A local vote on a remote poll, counted until the poll's instance sends its own counts.
fn add_remote_choices(conn: &mut DbConn, mut poll: Poll, choices: &[i32]) -> AppResult<Poll> {
    let mut counts = poll.counts();
    for choice in choices {
        if let Some(count) = counts.get_mut(*choice as usize) {
            *count += 1;
        }
    }
    poll.voters_count += 1;
    polls::set_counts(conn, poll.id, &counts, poll.voters_count)?;
    poll.vote_counts = Json(counts);
    Ok(poll)
}

/// The instances that show a local poll hear its new counts.
fn poll_changed(tx: &mut Tx, status: &Status) -> AppResult<()> {
    let view = views::status_for(tx, Some(status.account_id), status.id)?.ok_or(AppError::NotFound)?;
    tx.federate(Outbound::StatusUpdated(&view))
}

/// A remote account's vote on a local poll, by option title; ignored when the poll ended or the
/// option is unknown, and once per choice.
pub fn receive_vote(tx: &mut Tx, voter: &Account, status: &Status, title: &str, uri: &str) -> AppResult<()> {
    let Some(poll) = polls::of_status(tx, status.id)? else { return Ok(()) };
    if poll.expired_at(ids::now()) || !views::can_see(tx, Some(voter.id), status)? {
        return Ok(());
    }
    let Some(choice) = poll.options.iter().position(|o| o == title) else { return Ok(()) };
    if !poll.multiple && !polls::choices_among(tx, voter.id, &[poll.id])?.is_empty() {
        return Ok(());
    }
    let vote = PollVote {
        id: ids::next_id(),
        poll_id: poll.id,
        account_id: voter.id,
        choice: choice as i32,
        uri: Some(uri.to_owned()),
        created_at: ids::now(),
    };
    if polls::insert_vote(tx, &vote)? {
        recount(tx, poll)?;
        poll_changed(tx, status)?;
    }
    Ok(())
}

/// A poll as another instance describes it.
#[derive(Debug, Clone, Default)]
pub struct RemotePoll {
    pub options: Vec<(String, i64)>,
    pub multiple: bool,
    pub expires_at: Option<NaiveDateTime>,
    pub voters_count: Option<i64>,
}

/// Stores or refreshes a remote status's poll with the counts its instance reports.
pub fn upsert_remote(conn: &mut DbConn, author: &Account, status_id: StatusId, remote: &RemotePoll) -> AppResult<()> {
    let options: Vec<String> = remote.options.iter().take(MAX_OPTIONS * 4).map(|(title, _)| title.clone()).collect();
    let counts: Vec<i64> = remote.options.iter().take(options.len()).map(|(_, count)| (*count).max(0)).collect();
    let voters = remote.voters_count.unwrap_or_else(|| if remote.multiple { 0 } else { counts.iter().sum() });
    match polls::of_status(conn, status_id)? {
        Some(poll) => polls::refresh_remote(
            conn,
            poll.id,
            RemotePollChanges {
                options: Json(options),
                vote_counts: Json(counts),
                voters_count: voters.max(0),
                multiple: remote.multiple,
                expires_at: remote.expires_at,
            },
        ),
        None => polls::insert(
            conn,
            &Poll {
                id: ids::next_id(),
                status_id,
                account_id: author.id,
                options: Json(options),
                vote_counts: Json(counts),
                multiple: remote.multiple,
                hide_totals: false,
                voters_count: voters.max(0),
                expires_at: remote.expires_at,
                ended_notified: false,
                created_at: ids::now(),
            },
        ),
    }
}

/// Tells the local voters of ended polls, and a local author, that the poll ended (`poll` notifications).
pub fn announce_ended(tx: &mut Tx) -> AppResult<usize> {
    let ended = polls::ended_unannounced(tx, ids::now(), 50)?;
    for poll in &ended {
        let voters: HashSet<AccountId> = polls::votes_of(tx, poll.id)?.into_iter().map(|v| v.account_id).collect();
        if statuses::find(tx, poll.status_id)?.is_some() {
            for voter in voters.iter().filter(|v| **v != poll.account_id) {
                super::notifications::notify(tx, *voter, poll.account_id, NotificationKind::Poll, Some(poll.status_id))?;
            }
            super::notifications::notify_own(tx, poll.account_id, NotificationKind::Poll, Some(poll.status_id))?;
        }
        polls::mark_ended_notified(tx, poll.id)?;
    }
    Ok(ended.len())
}
