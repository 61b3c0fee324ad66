use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, mpsc};

use crate::api::entities::{Announcement, Conversation, Notification, Status};
use crate::config::Settings;
use crate::db::kinds::{FilterContext, Visibility};
use crate::db::queries::{notifications as notification_rows, statuses as status_rows, timelines};
use crate::db::{Database, DbConn};
use crate::error::AppResult;
use crate::db::events::Event;
use crate::service::filters::FilterSubject;
use crate::service::views;
use crate::ids::{AccountId, StatusId};

/// How many rendered messages a slow stream may fall behind before it misses some.
const BACKLOG: usize = 1024;

/// The events of Mastodon's streaming API, by their names on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamEvent {
    Update,
    StatusUpdate,
    Delete,
    Notification,
    Conversation,
    FiltersChanged,
    Announcement,
    AnnouncementReaction,
    AnnouncementDelete,
}

impl StreamEvent {
    pub const fn as_str(self) -> &'static str {
        match self {
            StreamEvent::Update => "update",
            StreamEvent::StatusUpdate => "status.update",
            StreamEvent::Delete => "delete",
            StreamEvent::Notification => "notification",
            StreamEvent::Conversation => "conversation",
            StreamEvent::FiltersChanged => "filters_changed",
            StreamEvent::Announcement => "announcement",
            StreamEvent::AnnouncementReaction => "announcement.reaction",
            StreamEvent::AnnouncementDelete => "announcement.delete",
        }
    }
}

/// One rendered event and who may receive it.
#[derive(Debug, Clone)]
pub struct Message {
    pub event: StreamEvent,
    pub payload: String,
    pub audience: Audience,
    /// The status a viewer's filters look at (a notification's status, a reblog's original).
    pub filter_subject: Option<FilterSubject>,
}

#[derive(Debug, Clone, Default)]
pub struct Audience {
    /// Local accounts whose home timeline holds the status.
    pub home: Vec<AccountId>,
    /// Lists whose timeline holds the status.
    pub lists: Vec<i64>,
    pub notify: Option<AccountId>,
    /// The owner of a conversation that changed (the direct stream).
    pub conversation_of: Option<AccountId>,
    pub public: bool,
    pub local: bool,
    /// The status has attachments (the `:media` public streams).
    pub media: bool,
    pub tags: Vec<String>,
    /// Deletions reach every stream, as Mastodon's do.
    pub everyone: bool,
    /// The account whose filters changed (its user streams).
    pub filters_of: Option<AccountId>,
    /// Every signed-in user's `user` stream (announcements).
    pub all_users: bool,
}

/// Whose public statuses a public stream shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Everywhere,
    Local,
    Remote,
}

/// A stream a client subscribed to, in Mastodon's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscription {
    User(AccountId),
    UserNotification(AccountId),
    /// `public`, `public:local`, `public:remote`, each also `:media` (statuses with attachments only).
    Public { origin: Origin, only_media: bool },
    Hashtag(String),
    HashtagLocal(String),
    Direct(AccountId),
    /// A list's timeline; whether the reader owns the list is checked when subscribing.
    List(i64),
}

impl Subscription {
    /// The stream name and optional tag as clients write them; `account` is the signed-in user.
    pub fn parse(name: &str, tag: Option<&str>, list: Option<&str>, account: Option<AccountId>) -> Option<Subscription> {
        let tag = || tag.map(|t| t.trim_start_matches('#').to_lowercase()).filter(|t| !t.is_empty());
        match name {
            "user" => account.map(Subscription::User),
            "user:notification" => account.map(Subscription::UserNotification),
            "public" => Some(Subscription::Public { origin: Origin::Everywhere, only_media: false }),
            "public:media" => Some(Subscription::Public { origin: Origin::Everywhere, only_media: true }),
            "public:local" => Some(Subscription::Public { origin: Origin::Local, only_media: false }),
            "public:local:media" => Some(Subscription::Public { origin: Origin::Local, only_media: true }),
            "public:remote" => Some(Subscription::Public { origin: Origin::Remote, only_media: false }),
            "public:remote:media" => Some(Subscription::Public { origin: Origin::Remote, only_media: true }),
            "hashtag" => tag().map(Subscription::Hashtag),
            "hashtag:local" => tag().map(Subscription::HashtagLocal),
            "direct" => account.map(Subscription::Direct),
            "list" => list.and_then(|id| id.trim().parse().ok()).map(Subscription::List),
            _ => None,
        }
    }

    /// The `stream` array Mastodon puts in WebSocket messages.
    pub fn names(&self) -> Vec<String> {
        match self {
            Subscription::User(_) => vec!["user".into()],
            Subscription::UserNotification(_) => vec!["user:notification".into()],
            Subscription::Public { origin, only_media } => {
                let origin = match origin {
                    Origin::Everywhere => "",
                    Origin::Local => ":local",
                    Origin::Remote => ":remote",
                };
                vec![format!("public{origin}{}", if *only_media { ":media" } else { "" })]
            }
            Subscription::Hashtag(tag) => vec!["hashtag".into(), tag.clone()],
            Subscription::HashtagLocal(tag) => vec!["hashtag:local".into(), tag.clone()],
            Subscription::Direct(_) => vec!["direct".into()],
            Subscription::List(id) => vec!["list".into(), id.to_string()],
        }
    }

    /// The filter context of the statuses this stream shows.
    pub fn filter_context(&self, message: &Message) -> FilterContext {
        match self {
            _ if message.event == StreamEvent::Notification => FilterContext::Notifications,
            Subscription::User(_) | Subscription::List(_) => FilterContext::Home,
            Subscription::Direct(_) => FilterContext::Thread,
            _ => FilterContext::Public,
        }
    }

    pub fn wants(&self, message: &Message) -> bool {
        let audience = &message.audience;
        if message.event == StreamEvent::Conversation {
            return matches!(self, Subscription::Direct(a) if audience.conversation_of == Some(*a));
        }
        if message.event == StreamEvent::FiltersChanged {
            return matches!(self, Subscription::User(a) if audience.filters_of == Some(*a));
        }
        if message.event == StreamEvent::Notification {
            return matches!(self, Subscription::User(a) | Subscription::UserNotification(a) if audience.notify == Some(*a));
        }
        if audience.all_users {
            return matches!(self, Subscription::User(_));
        }
        if audience.everyone {
            return !matches!(self, Subscription::UserNotification(_) | Subscription::Direct(_));
        }
        match self {
            Subscription::User(account) => audience.home.contains(account),
            Subscription::List(list) => audience.lists.contains(list),
            Subscription::UserNotification(_) | Subscription::Direct(_) => false,
            Subscription::Public { origin, only_media } => {
                let from_origin = match origin {
                    Origin::Everywhere => true,
                    Origin::Local => audience.local,
                    Origin::Remote => !audience.local,
                };
                audience.public && from_origin && (audience.media || !only_media)
            }
            Subscription::Hashtag(tag) => audience.public && audience.tags.contains(tag),
            Subscription::HashtagLocal(tag) => audience.public && audience.local && audience.tags.contains(tag),
        }
    }
}

/// The broadcaster every stream listens to.
#[derive(Clone)]
pub struct Hub {
    sender: broadcast::Sender<Arc<Message>>,
    events_in: mpsc::UnboundedSender<Vec<Event>>,
    events: Arc<Mutex<Option<mpsc::UnboundedReceiver<Vec<Event>>>>>,
}

impl Hub {
    /// A hub; it renders what [`Hub::publish`] is given once `start` runs.
    pub fn new() -> Hub {
        let (sender, _) = broadcast::channel(BACKLOG);
        let (events_in, events) = mpsc::unbounded_channel::<Vec<Event>>();
        Hub { sender, events_in, events: Arc::new(Mutex::new(Some(events))) }
    }

    /// Hands the events of a committed write to the streams.
    pub fn publish(&self, events: Vec<Event>) {
        let _ = self.events_in.send(events);
    }

    /// Starts rendering events on the current runtime (once; later calls do nothing).
    pub fn start(&self, db: Database, settings: Arc<Settings>) {
        let taken = self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        let Some(mut events) = taken else { return };
        // PostgreSQL: events come back through LISTEN, from every process that shares the database.
        db.listen_events(self.events_in.clone());
        let renderer = self.clone();
        tokio::spawn(async move {
            while let Some(batch) = events.recv().await {
                let settings = settings.clone();
                let rendered = db.read(move |conn| render_all(conn, &settings, batch)).await;
                match rendered {
                    Ok(messages) => messages.into_iter().for_each(|m| {
                        let _ = renderer.sender.send(Arc::new(m));
                    }),
                    Err(e) => log::warn!("streaming: cannot render events: {}", e.cause()),
                }
            }
        });
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Message>> {
        self.sender.subscribe()
    }
}

fn render_all(conn: &mut DbConn, settings: &Settings, events: Vec<Event>) -> AppResult<Vec<Message>> {
    let mut messages = Vec::new();
    for event in events {
        messages.extend(render(conn, settings, event)?);
    }
    Ok(messages)
}

fn render(conn: &mut DbConn, settings: &Settings, event: Event) -> AppResult<Option<Message>> {
    Ok(match event {
        Event::StatusCreated { status_id, home } => {
            let home = if home.is_empty() { timelines::homes_with(conn, status_id)? } else { home };
            status_message(conn, settings, status_id, StreamEvent::Update, home)?
        }
        Event::StatusEdited { status_id } => {
            let home = timelines::homes_with(conn, status_id)?;
            status_message(conn, settings, status_id, StreamEvent::StatusUpdate, home)?
        }
        Event::StatusDeleted { status_id } => Some(Message {
            event: StreamEvent::Delete,
            payload: status_id.to_string(),
            audience: Audience { everyone: true, ..Audience::default() },
            filter_subject: None,
        }),
        Event::FiltersChanged { account_id } => Some(Message {
            event: StreamEvent::FiltersChanged,
            payload: String::new(),
            audience: Audience { filters_of: Some(account_id), ..Audience::default() },
            filter_subject: None,
        }),
        Event::ConversationUpdated { conversation_id, account_id } => {
            let view = crate::service::conversations::get(conn, account_id, conversation_id)?;
            Some(Message {
                event: StreamEvent::Conversation,
                payload: to_json(&Conversation::from_view(&view, settings)),
                audience: Audience { conversation_of: Some(account_id), ..Audience::default() },
                filter_subject: None,
            })
        }
        Event::AnnouncementPublished { announcement_id } => {
            let Some(view) = crate::service::announcements::shown(conn, settings, announcement_id)? else { return Ok(None) };
            Some(to_all_users(StreamEvent::Announcement, to_json(&Announcement::from_view(&view, settings))))
        }
        Event::AnnouncementReacted { announcement_id, name } => {
            let count = crate::service::announcements::reaction_count(conn, announcement_id, &name)?;
            let payload = serde_json::json!({"name": name, "count": count, "announcement_id": announcement_id.to_string()});
            Some(to_all_users(StreamEvent::AnnouncementReaction, payload.to_string()))
        }
        Event::AnnouncementDeleted { announcement_id } => Some(to_all_users(StreamEvent::AnnouncementDelete, announcement_id.to_string())),
        Event::Notified { notification_id, account_id } => {
            let Some(row) = notification_rows::find(conn, account_id, notification_id)? else { return Ok(None) };
            let Some(view) = views::notifications(conn, account_id, vec![row])?.pop() else { return Ok(None) };
            Some(Message {
                event: StreamEvent::Notification,
                payload: to_json(&Notification::from_view(&view, settings)),
                audience: Audience { notify: Some(account_id), ..Audience::default() },
                filter_subject: view.status.as_ref().map(subject_of),
            })
        }
    })
}

fn to_all_users(event: StreamEvent, payload: String) -> Message {
    Message { event, payload, audience: Audience { all_users: true, ..Audience::default() }, filter_subject: None }
}

/// A status for its home timelines, and for the public and hashtag streams when it belongs there.
fn status_message(conn: &mut DbConn, settings: &Settings, status_id: StatusId, event: StreamEvent, home: Vec<AccountId>) -> AppResult<Option<Message>> {
    let Some(row) = status_rows::find(conn, status_id)? else { return Ok(None) };
    let Some(view) = views::hydrate(conn, None, vec![row])?.pop() else { return Ok(None) };
    let status = &view.status;
    let lists = crate::service::lists::receiving(conn, status, &home)?;
    let reply_to_other = status.in_reply_to_account_id.is_some_and(|to| to != status.account_id);
    let public = status.visibility == Visibility::Public && status.reblog_of_id.is_none() && !reply_to_other;
    Ok(Some(Message {
        event,
        payload: to_json(&Status::from_view(&view, settings)),
        audience: Audience {
            home,
            lists,
            public,
            local: status.local,
            media: !view.media.is_empty(),
            tags: view.tags.iter().map(|t| t.name.to_lowercase()).collect(),
            ..Audience::default()
        },
        filter_subject: Some(subject_of(&view)),
    }))
}

fn subject_of(view: &views::StatusView) -> FilterSubject {
    FilterSubject::of(&view.reblog.as_deref().unwrap_or(view).status)
}

fn to_json(entity: &impl serde::Serialize) -> String {
    serde_json::to_string(entity).unwrap_or_else(|_| "{}".into())
}
