//! Announcements: the admins' notes to everyone on the instance ("I'll be in town", "the procedure changed"),
//! as Mastodon has them, with each user's dismissals and reactions; every change reaches the users' streams.

use std::collections::HashSet;

use chrono::NaiveDateTime;

use crate::config::Settings;
use crate::db::events::Event;
use crate::db::kinds::AuditAction;
use crate::db::models::{Account, Announcement, CustomEmoji};
use crate::db::queries::announcements;
use crate::db::tx::Outbound;
use crate::db::{DbConn, Page, Tx};
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId};
use crate::service::audit::{self, Actor, Target};
use crate::service::{emojis, statuses};

const MAX_TEXT: usize = 5_000;
/// The longest Unicode emoji sequences (families, flags with tags) stay well under this.
const MAX_EMOJI_CHARS: usize = 16;
/// Mastodon's limit of different reactions on one announcement.
const MAX_REACTIONS: usize = 8;

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
    /// Sent to every allowed peer too (a company-wide announcement).
    pub federated: Option<bool>,
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
        federated: input.federated.unwrap_or(false),
        uri: format!("{}/announcements/{id}", settings.base_url()),
        origin: None,
        created_at: now,
        updated_at: now,
        content: None,
    };
    validate(&announcement)?;
    announcements::insert(tx, &announcement)?;
    tell_peers(tx, None, Some(&announcement))?;
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
        federated: input.federated.unwrap_or(old.federated),
        updated_at: now,
        ..old.clone()
    };
    validate(&announcement)?;
    announcements::update(tx, &announcement)?;
    tell_peers(tx, Some(&old), Some(&announcement))?;
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
    tell_peers(tx, Some(&announcement), None)?;
    if announcement.published_at.is_some() {
        tx.emit(Event::AnnouncementDeleted { announcement_id });
    }
    audit::record(tx, actor, AuditAction::DestroyAnnouncement, Target::announcement(&announcement), "")
}

/// What peers hear of a change: a company-wide announcement is sent when it is published, sent again when it
/// changes, and withdrawn when it is removed, unpublished or no longer company-wide.
fn tell_peers(tx: &mut Tx, before: Option<&Announcement>, after: Option<&Announcement>) -> AppResult<()> {
    fn sent(announcement: Option<&Announcement>) -> Option<&Announcement> {
        announcement.filter(|a| a.federated && a.published_at.is_some())
    }
    match (sent(before), sent(after)) {
        (None, Some(now)) => tx.federate(Outbound::AnnouncementPublished(now)),
        (Some(_), Some(now)) => tx.federate(Outbound::AnnouncementChanged(now)),
        (Some(then), None) => tx.federate(Outbound::AnnouncementWithdrawn(then)),
        (None, None) => Ok(()),
    }
}

/// A company-wide announcement as a peer's instance actor sends it.
pub struct RemoteAnnouncement {
    pub uri: String,
    /// HTML as the peer rendered it (sanitised here).
    pub content: String,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub all_day: bool,
}

/// Only a peer's instance actor speaks for the whole instance, and only of its own announcements.
fn speaks_for_its_instance(signer: &Account, uri: &str) -> bool {
    let actor = url::Url::parse(&signer.uri).ok();
    let object = url::Url::parse(uri).ok();
    match (actor, object) {
        (Some(actor), Some(object)) => actor.path() == "/actor" && crate::net::authority(&actor) == crate::net::authority(&object),
        _ => false,
    }
}

/// Stores (or updates) a peer's company-wide announcement; every local user sees it like one of ours.
pub fn receive(tx: &mut Tx, signer: &Account, remote: RemoteAnnouncement) -> AppResult<()> {
    if !speaks_for_its_instance(signer, &remote.uri) {
        log::info!("announcements: {} is not its instance's actor; its announcement {} is ignored", signer.uri, remote.uri);
        return Ok(());
    }
    let now = ids::now();
    let content = crate::service::sanitize::html(&remote.content);
    let existing = announcements::find_by_uri(tx, &remote.uri)?;
    let announcement = Announcement {
        id: existing.as_ref().map_or_else(ids::next_id, |a| a.id),
        text: crate::service::markup::plain_text(&content),
        starts_at: remote.starts_at,
        ends_at: remote.ends_at,
        all_day: remote.all_day,
        published_at: Some(existing.as_ref().and_then(|a| a.published_at).unwrap_or(now)),
        federated: false,
        uri: remote.uri,
        origin: signer.domain.clone(),
        created_at: existing.as_ref().map_or(now, |a| a.created_at),
        updated_at: now,
        content: Some(content),
    };
    if existing.is_some() {
        announcements::update(tx, &announcement)?;
    } else {
        announcements::insert(tx, &announcement)?;
    }
    tx.emit(Event::AnnouncementPublished { announcement_id: announcement.id });
    Ok(())
}

/// A peer withdraws its announcement (Delete of its id); false when no such announcement of that peer is here.
pub fn withdraw_remote(tx: &mut Tx, signer: &Account, uri: &str) -> AppResult<bool> {
    if !speaks_for_its_instance(signer, uri) {
        return Ok(false);
    }
    let Some(found) = announcements::find_by_uri(tx, uri)?.filter(|a| a.origin.is_some() && a.origin == signer.domain) else { return Ok(false) };
    announcements::delete(tx, found.id)?;
    tx.emit(Event::AnnouncementDeleted { announcement_id: found.id });
    Ok(true)
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
        let written = match &announcement.content {
            Some(html) => statuses::Written { html: html.clone(), mentioned: Vec::new(), tags: Vec::new() },
            None => statuses::render_text(conn, settings, &announcement.text)?,
        };
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
        // The instance's emojis are loaded once above; a peer's announcement names its own, not ours.
        let named_emojis: Vec<CustomEmoji> = if announcement.origin.is_none() {
            emojis::shortcodes_in(&announcement.text).iter().filter_map(|code| custom.iter().find(|e| &e.shortcode == code).cloned()).collect()
        } else {
            Vec::new()
        };
        shown.push(AnnouncementView {
            emojis: named_emojis,
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
    let names: HashSet<String> = announcements::reactions_of(tx, &[announcement.id])?.into_iter().map(|(_, name, _)| name).collect();
    if !names.contains(&name) && names.len() >= MAX_REACTIONS {
        return Err(AppError::validation(format!("An announcement has at most {MAX_REACTIONS} different reactions")));
    }
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
    if is_emoji_sequence(name) {
        Ok(name.to_owned())
    } else {
        Err(AppError::validation("Name is not a recognized emoji"))
    }
}

/// A Unicode emoji: pictographs, with what joins and modifies them (ZWJ, variation selectors, skin tones, keycaps,
/// regional-indicator flags, tag sequences); nothing else.
fn is_emoji_sequence(name: &str) -> bool {
    let pictograph = |c: u32| matches!(c, 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2300..=0x23FF | 0x2B00..=0x2BFF | 0x2190..=0x21FF | 0xA9 | 0xAE | 0x203C | 0x2049 | 0x2122 | 0x2139 | 0x3030 | 0x303D | 0x3297 | 0x3299);
    let joiner = |c: u32| matches!(c, 0x200D | 0xFE0E | 0xFE0F | 0x20E3 | 0xE0020..=0xE007F);
    let keycap = name.contains('\u{20E3}');
    let keycap_base = |c: char| keycap && (c.is_ascii_digit() || c == '#' || c == '*');
    let count = name.chars().count();
    count > 0
        && count <= MAX_EMOJI_CHARS
        && name.chars().any(|c| pictograph(u32::from(c)) || keycap_base(c))
        && name.chars().all(|c| pictograph(u32::from(c)) || joiner(u32::from(c)) || keycap_base(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn announcement(text: &str, starts_at: Option<NaiveDateTime>, ends_at: Option<NaiveDateTime>) -> Announcement {
        let now = ids::now();
        Announcement { id: 1, text: text.into(), starts_at, ends_at, all_day: false, published_at: None, federated: false, uri: String::new(), origin: None, created_at: now, updated_at: now, content: None }
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

    #[test]
    fn reactions_are_emoji() {
        for emoji in ["👍", "🍕", "👩‍💻", "🇫🇷", "❤️", "1️⃣", "👋🏽"] {
            assert!(is_emoji_sequence(emoji), "{emoji}");
        }
        for not_emoji in ["hello", "©1", "", "é", "👍 x", "<b>"] {
            assert!(!is_emoji_sequence(not_emoji), "{not_emoji}");
        }
    }
}
