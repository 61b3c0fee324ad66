//! Service rules on an in-memory SQLite database: who may read a status, where a post fans out, and that
//! a status delivered twice is stored once. Services are synchronous and take a transaction, so these need
//! no server; what would go to other instances is recorded by the test outbox.

use std::sync::Arc;

use crate::config::Settings;
use crate::db::events::Event;
use crate::db::kinds::Role;
use crate::db::models::{Account, User};
use crate::db::pool::in_memory;
use crate::db::queries::{accounts as account_rows, notifications, statuses as status_rows, timelines, users};
use crate::db::tx::testing::{tx, RecordingOutbox};
use crate::db::DbConn;
use crate::service::accounts::{self, NewUser};
use crate::service::follows::{self, FollowOptions};
use crate::service::statuses::{self, NewStatus, RemoteStatus, Visibility};
use crate::service::views;
use crate::ids::StatusId;

fn settings() -> Settings {
    let mut settings = Settings::for_database("sqlite::memory:").expect("settings");
    settings.domain = "sales.corp.example".into();
    settings
}

fn local(conn: &mut DbConn, settings: &Settings, name: &str) -> (Account, User) {
    let email = format!("{name}@corp.example");
    let input = NewUser { username: name, password: "correct horse battery", email: Some(&email), role: Role::User };
    let account = accounts::create_user(conn, settings, input).expect("user");
    let user = users::find(conn, account.id).expect("user row").expect("user");
    (account, user)
}

fn remote(conn: &mut DbConn, settings: &Settings, name: &str) -> Account {
    let base = format!("https://eng.corp.example/users/{name}");
    let account = Account {
        domain: Some("eng.corp.example".into()),
        uri: base.clone(),
        url: base.clone(),
        inbox_url: format!("{base}/inbox"),
        shared_inbox_url: None,
        followers_url: format!("{base}/followers"),
        ..accounts::new_local_account(settings, name)
    };
    account_rows::insert(conn, &account).expect("remote account");
    account
}

/// `follower` follows `target`; a remote target's Accept is taken as come.
fn follow(conn: &mut DbConn, follower: &Account, target: &Account) {
    let mut tx = tx(conn, Arc::new(RecordingOutbox::default()));
    follows::follow(&mut tx, follower, target.id, FollowOptions { reblogs: None, notify: None }).expect("follow");
    if !target.is_local() {
        follows::request_accepted(&mut tx, follower, target).expect("accepted");
    }
}

fn post(conn: &mut DbConn, settings: &Settings, (author, user): &(Account, User), text: &str, visibility: Visibility) -> StatusId {
    let outbox = Arc::new(RecordingOutbox::default());
    let input = NewStatus { text: text.into(), visibility: Some(visibility), ..NewStatus::default() };
    statuses::create(&mut tx(conn, outbox), settings, author, user, input).expect("post").status.id
}

fn readers(conn: &mut DbConn, status_id: StatusId, viewers: &[(&str, Option<&Account>)]) -> Vec<String> {
    let status = status_rows::find(conn, status_id).unwrap().unwrap();
    viewers
        .iter()
        .filter(|(_, viewer)| views::can_see(conn, viewer.map(|v| v.id), &status).unwrap())
        .map(|(name, _)| name.to_string())
        .collect()
}

#[test]
fn each_visibility_reaches_whom_mastodon_says() {
    let (conn, settings) = (&mut in_memory(), settings());
    let ann = local(conn, &settings, "ann");
    let (bob, _) = local(conn, &settings, "bob");
    let (cat, _) = local(conn, &settings, "cat");
    let (dan, _) = local(conn, &settings, "dan");
    follow(conn, &bob, &ann.0);
    let everyone = [("anonymous", None), ("ann", Some(&ann.0)), ("bob", Some(&bob)), ("cat", Some(&cat)), ("dan", Some(&dan))];

    let public = post(conn, &settings, &ann, "Lunch at noon", Visibility::Public);
    let unlisted = post(conn, &settings, &ann, "Lunch at noon, quietly", Visibility::Unlisted);
    let private = post(conn, &settings, &ann, "Team only, and @cat", Visibility::Private);
    let direct = post(conn, &settings, &ann, "@cat the offer is ready", Visibility::Direct);

    assert_eq!(readers(conn, public, &everyone), ["anonymous", "ann", "bob", "cat", "dan"]);
    assert_eq!(readers(conn, unlisted, &everyone), ["anonymous", "ann", "bob", "cat", "dan"]);
    assert_eq!(readers(conn, private, &everyone), ["ann", "bob", "cat"], "followers and the mentioned");
    assert_eq!(readers(conn, direct, &everyone), ["ann", "cat"], "the mentioned only");
}

#[test]
fn a_post_fans_out_to_followers_homes_and_tells_other_instances_once() {
    let (conn, settings) = (&mut in_memory(), settings());
    let ann = local(conn, &settings, "ann");
    let (bob, _) = local(conn, &settings, "bob");
    let (dan, _) = local(conn, &settings, "dan");
    let eve = remote(conn, &settings, "eve");
    follow(conn, &bob, &ann.0);
    {
        let mut tx = tx(conn, Arc::new(RecordingOutbox::default()));
        follows::followed_from_remote(&mut tx, &eve, &ann.0, "https://eng.corp.example/follows/1").unwrap();
    }

    let outbox = Arc::new(RecordingOutbox::default());
    let mut writing = tx(conn, outbox.clone());
    let input = NewStatus { text: "Quarterly numbers are out".into(), ..NewStatus::default() };
    let status_id = statuses::create(&mut writing, &settings, &ann.0, &ann.1, input).unwrap().status.id;
    let created: Vec<&Event> = writing.events().iter().filter(|e| matches!(e, Event::StatusCreated { .. })).collect();
    assert_eq!(created.len(), 1);
    let Event::StatusCreated { home, .. } = created[0] else { unreachable!() };
    let mut home = home.clone();
    home.sort();
    assert_eq!(home, [ann.0.id, bob.id], "the author's and the local follower's homes, nobody else's");
    drop(writing);
    assert_eq!(*outbox.sent.lock().unwrap(), ["StatusCreated"], "one message for the remote followers' instances");

    assert_eq!(timelines::homes_with(conn, status_id).unwrap().len(), 2);
    assert!(!views::in_home(conn, dan.id, status_id).unwrap());
    assert!(!views::in_home(conn, eve.id, status_id).unwrap(), "remote followers have no home here");
}

fn remote_note(author: &Account, number: u32, mentioned: &Account) -> RemoteStatus {
    RemoteStatus {
        uri: format!("{}/statuses/{number}", author.uri),
        url: format!("{}/statuses/{number}", author.uri),
        content: "<p>Who owns the build farm?</p>".into(),
        spoiler_text: String::new(),
        sensitive: false,
        visibility: Visibility::Public,
        language: None,
        in_reply_to_uri: None,
        mentioned_uris: vec![mentioned.uri.clone()],
        tags: vec!["buildfarm".into()],
        published: None,
        media: Vec::new(),
        poll: None,
        emojis: Vec::new(),
        quote_policy: crate::db::kinds::QuotePolicy::Public,
        quoted_uri: None,
        quote_authorization: None,
        quote_verified: false,
        group_id: None,
        signed_object: None,
        backfill: false,
    }
}

#[test]
fn a_remote_status_delivered_twice_is_stored_and_counted_once() {
    let (conn, settings) = (&mut in_memory(), settings());
    let (ann, _) = local(conn, &settings, "ann");
    let (bob, _) = local(conn, &settings, "bob");
    let eve = remote(conn, &settings, "eve");
    follow(conn, &bob, &eve);

    let outbox = Arc::new(RecordingOutbox::default());
    let first = statuses::create_remote(&mut tx(conn, outbox.clone()), &eve, remote_note(&eve, 1, &ann)).unwrap();
    let again = statuses::create_remote(&mut tx(conn, outbox.clone()), &eve, remote_note(&eve, 1, &ann)).unwrap();
    let status_id = first.expect("stored the first time");
    assert_eq!(again, None, "known already");

    assert_eq!(account_rows::find(conn, eve.id).unwrap().unwrap().statuses_count, 1);
    assert_eq!(timelines::homes_with(conn, status_id).unwrap(), [bob.id]);
    assert!(notifications::exists_for_status(conn, ann.id, crate::db::kinds::NotificationKind::Mention, status_id).unwrap());
    let page = crate::db::Page { limit: 40, ..Default::default() };
    let everything = notifications::Shown { kinds: &[], excluded: &[], from: None, hidden_senders: &[], include_filtered: false };
    let mentions = notifications::page(conn, ann.id, &everything, &page).unwrap();
    assert_eq!(mentions.len(), 1, "one mention notification");
    assert!(outbox.sent.lock().unwrap().is_empty(), "a remote status is not sent on");
}

/// A status of `author`'s with this visibility (mentioning `reader`), and the author's own public status quoting
/// it; answers the quoting one.
fn own_quote(conn: &mut DbConn, author: &Account, reader: &Account, visibility: Visibility) -> StatusId {
    let outbox = Arc::new(RecordingOutbox::default());
    let quoted = RemoteStatus { visibility, ..remote_note(author, 1, reader) };
    let quoted_uri = quoted.uri.clone();
    statuses::create_remote(&mut tx(conn, outbox.clone()), author, quoted).unwrap().expect("stored");
    let quoting = RemoteStatus { quoted_uri: Some(quoted_uri), ..remote_note(author, 2, reader) };
    statuses::create_remote(&mut tx(conn, outbox), author, quoting).unwrap().expect("stored")
}

/// Another server may let an author quote their own direct status in a public one; the direct status is never
/// shown through the quote, to anyone.
#[test]
fn a_quoted_direct_status_is_never_shown_through_its_quote() {
    let (conn, settings) = (&mut in_memory(), settings());
    let (ann, _) = local(conn, &settings, "ann");
    let eve = remote(conn, &settings, "eve");
    let quoting_id = own_quote(conn, &eve, &ann, Visibility::Direct);
    for viewer in [None, Some(ann.id)] {
        let view = views::status_for(conn, viewer, quoting_id).unwrap().expect("the quoting status is public");
        let quote = view.quote.expect("it quotes");
        assert_eq!(quote.state.as_str(), "unauthorized", "{viewer:?}");
        assert!(quote.quoted.is_none());
    }
}

/// A remote account's followers-only status, quoted by its own author in public: shown through the quote to
/// those who may read it (a local follower), to nobody else.
#[test]
fn a_quoted_private_status_is_shown_only_to_its_readers() {
    let (conn, settings) = (&mut in_memory(), settings());
    let (ann, _) = local(conn, &settings, "ann");
    let (bob, _) = local(conn, &settings, "bob");
    let eve = remote(conn, &settings, "eve");
    follow(conn, &bob, &eve);
    let quoting_id = own_quote(conn, &eve, &bob, Visibility::Private);
    let state_for = |conn: &mut DbConn, viewer: Option<&Account>| {
        let view = views::status_for(conn, viewer.map(|v| v.id), quoting_id).unwrap().expect("public");
        let quote = view.quote.expect("it quotes");
        (quote.state.as_str(), quote.quoted.is_some())
    };
    assert_eq!(state_for(conn, Some(&bob)), ("accepted", true), "a follower reads it");
    assert_eq!(state_for(conn, Some(&ann)), ("unauthorized", false));
    assert_eq!(state_for(conn, None), ("unauthorized", false));
}

/// What was agreed for one quote is not carried to another: an edit that quotes something else replaces the
/// quote, and a quote the quoted author took back is not given again on a new request.
#[test]
fn quotes_are_not_carried_over_or_given_back() {
    use crate::db::queries::quotes as quote_rows;
    let (conn, settings) = (&mut in_memory(), settings());
    let ann = local(conn, &settings, "ann");
    let eve = remote(conn, &settings, "eve");
    let annes = post(conn, &settings, &ann, "Quote me if you must", Visibility::Public);
    let annes_uri = status_rows::find(conn, annes).unwrap().unwrap().uri;
    let outbox = Arc::new(RecordingOutbox::default());
    let own = statuses::create_remote(&mut tx(conn, outbox.clone()), &eve, remote_note(&eve, 1, &ann.0)).unwrap().expect("stored");
    let own_uri = status_rows::find(conn, own).unwrap().unwrap().uri;
    let quoting = RemoteStatus { quoted_uri: Some(annes_uri.clone()), ..remote_note(&eve, 2, &ann.0) };
    let quoting_uri = quoting.uri.clone();
    let quoting_id = statuses::create_remote(&mut tx(conn, outbox.clone()), &eve, quoting.clone()).unwrap().expect("stored");
    assert_eq!(quote_rows::of_status(conn, quoting_id).unwrap().unwrap().state.as_str(), "pending");

    // The edit quotes eve's own status (accepted at once): ann's status is no longer quoted at all.
    let edited = RemoteStatus { quoted_uri: Some(own_uri), content: "<p>changed</p>".into(), ..quoting.clone() };
    statuses::edit_remote(&mut tx(conn, outbox.clone()), &eve, edited).unwrap();
    let quote = quote_rows::of_status(conn, quoting_id).unwrap().unwrap();
    assert_eq!((quote.quoted_status_id, quote.state.as_str()), (Some(own), "accepted"));
    assert!(quote_rows::accepted_counts(conn, &[annes]).unwrap().is_empty(), "ann's status counts no quote");

    // Back to quoting ann, asked and accepted; revoked; asked again: refused.
    let back = RemoteStatus { content: "<p>back</p>".into(), ..quoting };
    statuses::edit_remote(&mut tx(conn, outbox.clone()), &eve, back).unwrap();
    let request = "https://eng.corp.example/users/eve/quote_requests/1";
    let given = crate::service::quotes::requested(&mut tx(conn, outbox.clone()), &eve, &annes_uri, &quoting_uri, request).unwrap();
    assert!(given.is_some(), "a public status anyone may quote");
    crate::service::quotes::revoke(&mut tx(conn, outbox.clone()), &ann.0, annes, quoting_id).unwrap();
    let again = crate::service::quotes::requested(&mut tx(conn, outbox), &eve, &annes_uri, &quoting_uri, request).unwrap();
    assert!(again.is_none(), "a revoked quote stays revoked");
    assert_eq!(quote_rows::of_status(conn, quoting_id).unwrap().unwrap().state.as_str(), "revoked");
}
