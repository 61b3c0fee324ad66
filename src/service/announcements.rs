//! Announcements: the admins' notes to everyone on the instance ("I'll be in town", "the procedure changed"),
//! as Mastodon has them, with each user's dismissals and reactions; every change reaches the users' streams.

use std::collections::HashSet;

use chrono::NaiveDateTime;

use crate::config::Settings;
use crate::db::events::Event;
use crate::db::kinds::AuditAction;
use crate::db::models::{Account, Announcement, CustomEmoji};
use crate::db::queries::announcements;
use crate::db::{DbConn, Page, Tx};
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId};
use crate::service::audit::{self, Actor, Target};
use crate::service::{emojis, statuses};

const MAX_TEXT: usize = 5_000;
/// The longest Unicode emoji sequences (families, flags with tags) stay well under this.
const MAX_EMOJI_CHARS: usize = 16;

/// An announcement as an admin writes it (create) or changes it (update: None keeps what is there; for the
/// times, Some(None) clears one).
#[derive(Debug, Default, Clone)]
pub struct AnnouncementInput {
    pub text: Option<String>,
    pub starts_at: Option<Option<NaiveDateTime>>,
    pub ends_at: Option<Option<NaiveDateTime>>,
    pub all_day: Option<bool>,
    /// False keeps it a draft; true publishes it (now, or again).
    pub published: Option<bool>,
}

/// An announcement as a user sees it.
#[derive(Debug, Clone)]
pub struct AnnouncementView {
    pub announcement: Announcement,
    pub html: String,
    pub mentions: Vec<Account>,
    pub tags: Vec<String>,
    pub emojis: Vec<CustomEmoji>,
    pub reactions: Vec<Reaction>,
    /// The viewer dismissed it.
    pub read: bool,
}

#[derive(Debug, Clone)]
pub struct Reaction {
    pub name: String,
    pub count: i64,
    /// The viewer gave it.
    pub me: bool,
    /// The custom emoji it names, when it is one.
    pub emoji: Option<CustomEmoji>,
}

pub fn create(tx: &mut Tx, settings: &Settings, actor: &Actor, input: AnnouncementInput) -> AppResult<Announcement> {
    let now = ids::now();
    let id = ids::next_id();
    let announcement = Announcement {
        id,
        text: input.text.clone().unwrap_or_default(),
        starts_at: input.starts_at.flatten(),
        ends_at: input.ends_at.flatten(),
        all_day: input.all_day.unwrap_or(false),
        published_at: input.published.unwrap_or(true).then_some(now),
        federated: false,
        uri: format!("{}/announcements/{id}", settings.base_url()),
        origin: None,
        created_at: now,
        updated_at: now,
    };
    validate(&announcement)?;
    announcements::insert(tx, &announcement)?;
    if announcement.published_at.is_some() {
        tx.emit(Event::AnnouncementPublished { announcement_id: id });
    }
    audit::record(tx, actor, AuditAction::CreateAnnouncement, Target::announcement(&announcement), &announcement.text)?;
    Ok(announcement)
}

pub fn update(tx: &mut Tx, actor: &Actor, announcement_id: i64, input: AnnouncementInput) -> AppResult<Announcement> {
    let old = own(tx, announcement_id)?;
    let now = ids::now();
    let published_at = match input.published {
        Some(true) => old.published_at.or(Some(now)),
        Some(false) => None,
        None => old.published_at,
    };
    let announcement = Announcement {
        text: input.text.unwrap_or(old.text.clone()),
        starts_at: input.starts_at.unwrap_or(old.starts_at),
        ends_at: input.ends_at.unwrap_or(old.ends_at),
        all_day: input.all_day.unwrap_or(old.all_day),
        published_at,
        updated_at: now,
        ..old.clone()
    };
    validate(&announcement)?;
    announcements::update(tx, &announcement)?;
    match (old.published_at.is_some(), announcement.published_at.is_some()) {
        (_, true) => tx.emit(Event::AnnouncementPublished { announcement_id }),
        (true, false) => tx.emit(Event::AnnouncementDeleted { announcement_id }),
        (false, false) => {}
    }
    audit::record(tx, actor, AuditAction::UpdateAnnouncement, Target::announcement(&announcement), &announcement.text)?;
    Ok(announcement)
}

pub fn remove(tx: &mut Tx, actor: &Actor, announcement_id: i64) -> AppResult<()> {
    let announcement = own(tx, announcement_id)?;
    announcements::delete(tx, announcement_id)?;
    if announcement.published_at.is_some() {
        tx.emit(Event::AnnouncementDeleted { announcement_id });
    }
    audit::record(tx, actor, AuditAction::DestroyAnnouncement, Target::announcement(&announcement), "")
}

/// One of this instance's announcements (a peer's are changed by the peer only).
fn own(conn: &mut DbConn, announcement_id: i64) -> AppResult<Announcement> {
    announcements::find(conn, announcement_id)?.filter(|a| a.origin.is_none()).ok_or(AppError::NotFound)
}

fn validate(announcement: &Announcement) -> AppResult<()> {
    let length = announcement.text.chars().count();
    if announcement.text.trim().is_empty() {
        return Err(AppError::validation("Text can't be blank"));
    }
    if length > MAX_TEXT {
        return Err(AppError::validation(format!("Text is too long (maximum is {MAX_TEXT} characters)")));
    }
    match (announcement.starts_at, announcement.ends_at) {
        (Some(starts), Some(ends)) if ends < starts => Err(AppError::validation("Ends at must be after starts at")),
        (Some(_), None) | (None, Some(_)) => Err(AppError::validation("Starts at and ends at go together")),
        _ if announcement.all_day && announcement.starts_at.is_none() => Err(AppError::validation("An all-day announcement needs its dates")),
        _ => Ok(()),
    }
}

/// Every announcement, drafts and ended ones too, newest first, for admins.
pub fn admin_page(conn: &mut DbConn, settings: &Settings, page: &Page) -> AppResult<Vec<AnnouncementView>> {
    let found = announcements::page(conn, page)?;
    views(conn, settings, None, found)
}

pub fn admin_get(conn: &mut DbConn, settings: &Settings, announcement_id: i64) -> AppResult<AnnouncementView> {
    let found = announcements::find(conn, announcement_id)?.ok_or(AppError::NotFound)?;
    views(conn, settings, None, vec![found])?.pop().ok_or(AppError::NotFound)
}

/// What a user sees: published announcements that have not ended, without those they dismissed unless asked.
pub fn list(conn: &mut DbConn, settings: &Settings, viewer: AccountId, with_dismissed: bool) -> AppResult<Vec<AnnouncementView>> {
    let found = announcements::active(conn, ids::now())?;
    let shown = views(conn, settings, Some(viewer), found)?;
    Ok(shown.into_iter().filter(|view| with_dismissed || !view.read).collect())
}

/// One announcement as anyone on the instance sees it (the streams' payload): no viewer's marks.
pub fn shown(conn: &mut DbConn, settings: &Settings, announcement_id: i64) -> AppResult<Option<AnnouncementView>> {
    let Some(found) = announcements::find(conn, announcement_id)?.filter(|a| a.published_at.is_some()) else { return Ok(None) };
    Ok(views(conn, settings, None, vec![found])?.pop())
}

fn views(conn: &mut DbConn, settings: &Settings, viewer: Option<AccountId>, found: Vec<Announcement>) -> AppResult<Vec<AnnouncementView>> {
    let ids: Vec<i64> = found.iter().map(|a| a.id).collect();
    let dismissed: HashSet<i64> = match viewer {
        Some(viewer) => announcements::dismissed_among(conn, viewer, &ids)?.into_iter().collect(),
        None => HashSet::new(),
    };
    let reactions = announcements::reactions_of(conn, &ids)?;
    let custom = emojis::local(conn)?;
    let mut shown = Vec::with_capacity(found.len());
    for announcement in found {
        let written = statuses::render_text(conn, settings, &announcement.text)?;
        let mut tallied: Vec<Reaction> = Vec::new();
        for (_, name, account) in reactions.iter().filter(|(id, _, _)| *id == announcement.id) {
            let me = viewer == Some(*account);
            match tallied.iter_mut().find(|r| &r.name == name) {
                Some(reaction) => {
                    reaction.count += 1;
                    reaction.me |= me;
                }
                None => tallied.push(Reaction { name: name.clone(), count: 1, me, emoji: custom.iter().find(|e| &e.shortcode == name).cloned() }),
            }
        }
        shown.push(AnnouncementView {
            emojis: emojis::local_named(conn, &announcement.text)?,
            read: dismissed.contains(&announcement.id),
            html: written.html,
            mentions: written.mentioned,
            tags: written.tags,
            reactions: tallied,
            announcement,
        });
    }
    Ok(shown)
}

/// An announcement a user may dismiss or react to: published and not ended.
fn active(conn: &mut DbConn, announcement_id: i64) -> AppResult<Announcement> {
    announcements::active(conn, ids::now())?.into_iter().find(|a| a.id == announcement_id).ok_or(AppError::NotFound)
}

pub fn dismiss(conn: &mut DbConn, viewer: AccountId, announcement_id: i64) -> AppResult<()> {
    let announcement = active(conn, announcement_id)?;
    announcements::dismiss(conn, announcement.id, viewer)
}

pub fn react(tx: &mut Tx, viewer: AccountId, announcement_id: i64, name: &str) -> AppResult<()> {
    let announcement = active(tx, announcement_id)?;
    let name = reaction_name(tx, name)?;
    if announcements::add_reaction(tx, announcement.id, viewer, &name, ids::now())? {
        tx.emit(Event::AnnouncementReacted { announcement_id, name });
    }
    Ok(())
}

pub fn unreact(tx: &mut Tx, viewer: AccountId, announcement_id: i64, name: &str) -> AppResult<()> {
    let announcement = active(tx, announcement_id)?;
    if announcements::remove_reaction(tx, announcement.id, viewer, name)? {
        tx.emit(Event::AnnouncementReacted { announcement_id, name: name.to_owned() });
    }
    Ok(())
}

/// How many gave a reaction now (the streams' `announcement.reaction` payload).
pub fn reaction_count(conn: &mut DbConn, announcement_id: i64, name: &str) -> AppResult<i64> {
    announcements::reaction_count(conn, announcement_id, name)
}

/// A reaction is a Unicode emoji or one of this instance's custom emojis, by shortcode.
fn reaction_name(conn: &mut DbConn, name: &str) -> AppResult<String> {
    let name = name.trim().trim_matches(':');
    if emojis::is_shortcode(name) && emojis::local(conn)?.iter().any(|e| e.shortcode == name) {
        return Ok(name.to_owned());
    }
    let looks_like_emoji = !name.is_empty()
        && name.chars().count() <= MAX_EMOJI_CHARS
        && name.chars().any(|c| u32::from(c) >= 0xA9)
        && !name.chars().any(|c| c.is_ascii_alphabetic() || c.is_whitespace() || c.is_control());
    if looks_like_emoji {
        Ok(name.to_owned())
    } else {
        Err(AppError::validation("Name is not a recognized emoji"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn announcement(text: &str, starts_at: Option<NaiveDateTime>, ends_at: Option<NaiveDateTime>) -> Announcement {
        let now = ids::now();
        Announcement { id: 1, text: text.into(), starts_at, ends_at, all_day: false, published_at: None, federated: false, uri: String::new(), origin: None, created_at: now, updated_at: now }
    }

    #[test]
    fn an_announcement_has_text_and_times_in_order() {
        let now = ids::now();
        let later = now + chrono::Duration::hours(2);
        assert!(validate(&announcement("In Lyon next week", Some(now), Some(later))).is_ok());
        assert!(validate(&announcement("In Lyon next week", None, None)).is_ok());
        assert!(validate(&announcement("  ", None, None)).is_err());
        assert!(validate(&announcement("Backwards", Some(later), Some(now))).is_err());
        assert!(validate(&announcement("Half", Some(now), None)).is_err());
    }
}
