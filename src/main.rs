use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use hallway::config::Settings;
use hallway::db::kinds::{AuditAction, Role};
use hallway::db::{Database, Page};
use hallway::service::accounts::{self, NewUser};
use hallway::service::audit::{self, Actor, AuditFilter};
use hallway::service::announcements::{self, AnnouncementInput};
use hallway::service::moderation::Staff;
use hallway::service::{emojis, peers, retention};
use hallway::state::AppState;

#[derive(Parser)]
#[command(name = "hallway", version, about = "A federated, Mastodon-compatible micro-blogging server")]
struct Cli {
    /// TOML configuration file (default: hallway.toml when present); HALLWAY_* variables override it.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the instance (applies pending migrations first).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Manage local users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage the allowlist of peer instances.
    #[command(subcommand)]
    Peers(PeersCommand),
    /// Manage groups (communities that span divisions).
    #[command(subcommand)]
    Group(GroupCommand),
    /// Manage the instance's custom emojis.
    #[command(subcommand)]
    Emoji(EmojiCommand),
    /// Work with the company directory ([auth.ldap]).
    #[command(subcommand)]
    Directory(DirectoryCommand),
    /// Write, list, change and remove the announcements every user of the instance sees.
    #[command(subcommand)]
    Announce(AnnounceCommand),
    /// Write a consistent copy of the running instance's SQLite database and its media files to one zip file.
    Backup {
        file: PathBuf,
    },
    /// Put a backup's database and media in place (with the instance stopped), then apply migrations.
    Restore {
        file: PathBuf,
        /// Replace the database that is there.
        #[arg(long)]
        replace: bool,
    },
    /// Write a local account's data (its archive and CSV exports) to FILE, to bring it to another division.
    ExportAccount { name: String, file: PathBuf },
    /// Make a local account from another division's `export-account` file: profile, posts, media, follows,
    /// lists, blocks, mutes, bookmarks; the old account becomes its alias.
    ImportAccount {
        file: PathBuf,
        /// The new account's name (default: the old one).
        #[arg(long)]
        username: Option<String>,
        /// Its e-mail address (the archive carries none), for password sign-in.
        #[arg(long)]
        email: Option<String>,
        /// Complete the account of that name that exists here (e.g. made by the directory at sign-in).
        #[arg(long)]
        into_existing: bool,
    },
    /// Move a local account's followers (here and on every peer) to its new account, e.g. ann@eng.corp.example.
    MoveAccount { name: String, to: String },
    /// Apply the [retention] settings now (the server applies them hourly).
    Retention {
        /// Only count what would be removed.
        #[arg(long)]
        dry_run: bool,
    },
    /// Keep an account's posts, media and notifications from retention and deletion.
    #[command(subcommand)]
    LegalHold(LegalHoldCommand),
    /// Show the audit log (what admins and moderators did), newest first.
    Audit {
        /// Only what this local user did.
        #[arg(long)]
        actor: Option<String>,
        /// Only this action (e.g. change_role, create_domain_allow).
        #[arg(long)]
        action: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

#[derive(Subcommand)]
enum LegalHoldCommand {
    /// Place an account (NAME, or NAME@DOMAIN for another instance's) on legal hold.
    Place {
        account: String,
        #[arg(long)]
        reason: String,
    },
    /// Lift an account's legal hold.
    Lift { account: String },
    /// List the accounts on legal hold.
    List,
}

#[derive(Subcommand)]
enum AnnounceCommand {
    /// Publish an announcement (or keep it a draft).
    Create {
        text: String,
        #[command(flatten)]
        times: AnnouncementTimes,
        /// Keep it unpublished, to publish later with `edit --publish`.
        #[arg(long)]
        draft: bool,
    },
    /// List every announcement, newest first.
    List,
    /// Change an announcement.
    Edit {
        id: i64,
        #[arg(long)]
        text: Option<String>,
        #[command(flatten)]
        times: AnnouncementTimes,
        #[arg(long, conflicts_with = "unpublish")]
        publish: bool,
        #[arg(long)]
        unpublish: bool,
    },
    /// Remove an announcement.
    Remove { id: i64 },
}

/// When an announced event happens: ISO 8601 times or dates (UTC); "" clears one.
#[derive(clap::Args)]
struct AnnouncementTimes {
    #[arg(long)]
    starts_at: Option<String>,
    #[arg(long)]
    ends_at: Option<String>,
    /// The event lasts whole days (give dates).
    #[arg(long)]
    all_day: bool,
    /// Send it to every allowed peer as well (a company-wide announcement).
    #[arg(long)]
    federate: bool,
}

impl AnnouncementTimes {
    fn input(&self, text: Option<String>, published: Option<bool>) -> Result<AnnouncementInput, String> {
        let when = |name: &str, given: &Option<String>| match given.as_deref().map(str::trim) {
            None => Ok(None),
            Some("") => Ok(Some(None)),
            Some(text) => hallway::params::time_or_date(name, text).map(|t| Some(Some(t))).map_err(|e| e.to_string()),
        };
        Ok(AnnouncementInput {
            text,
            starts_at: when("--starts-at", &self.starts_at)?,
            ends_at: when("--ends-at", &self.ends_at)?,
            all_day: self.all_day.then_some(true),
            published,
            federated: self.federate.then_some(true),
        })
    }
}

#[derive(Subcommand)]
enum DirectoryCommand {
    /// Suspend and sign out the accounts the directory no longer allows, restore those it allows again,
    /// and update names, emails and roles.
    Sync,
}

#[derive(Subcommand)]
enum EmojiCommand {
    /// Add (or replace) an emoji from a PNG, GIF or WebP file of at most 256 KB.
    Add {
        shortcode: String,
        file: PathBuf,
        #[arg(long)]
        category: Option<String>,
    },
    /// List the instance's emojis.
    List,
    /// Remove an emoji.
    Remove { shortcode: String },
}

#[derive(Subcommand)]
enum GroupCommand {
    /// Create a group run by a local user (its first admin and member).
    Create {
        name: String,
        /// The local user who runs it.
        #[arg(long)]
        admin: String,
        /// Its name as shown.
        #[arg(long, default_value = "")]
        display_name: String,
        /// What it is about.
        #[arg(long, default_value = "")]
        note: String,
        /// Joining needs the approval of its admins or moderators.
        #[arg(long)]
        private: bool,
    },
}

#[derive(Subcommand)]
enum PeersCommand {
    /// Allow a peer instance (HOST or HOST:PORT) to federate.
    Allow { host: String },
    /// Stop federating with a peer: queued deliveries are cancelled, stored content stays.
    Remove { host: String },
    /// List peers with their delivery health.
    List,
    /// Print a one-time token (valid for a day) with which another instance joins this one.
    Invite,
    /// Join the instance at URL with its invitation TOKEN: each allows the other and pins its instance key.
    Join { url: String, token: String },
    /// Accept the new instance key a joined peer presented (its requests are refused until then).
    AcceptKey { host: String },
    /// Fetch the peers' directories of people now, rather than at the next periodic refresh.
    RefreshDirectory,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user.
    Create {
        name: String,
        #[arg(long)]
        password: String,
        #[arg(long)]
        email: Option<String>,
        /// Make the user an admin (the same as `--role admin`).
        #[arg(long)]
        admin: bool,
        /// user, moderator or admin.
        #[arg(long)]
        role: Option<String>,
    },
    /// List users.
    List,
    /// Set a user's password.
    SetPassword { name: String, password: String },
    /// Suspend a user: they are signed out and cannot sign in.
    Suspend { name: String },
    /// Lift a suspension.
    Unsuspend { name: String },
    /// Let in someone who registered while registrations need approval.
    Approve { name: String },
    /// Set a user's role: user, moderator or admin (a directory's groups set it again at the next sign-in or sync).
    Role { name: String, role: String },
}

/// glibc's allocator raises its mmap threshold after each large block is freed, so argon2's 19 MiB blocks
/// ended up in the heap and stayed there (25 MB fresh, 143 MB after eight sign-ins); a fixed threshold keeps
/// large blocks in their own mappings, given back when freed, and two arenas keep threads from each holding
/// their own heap.
fn return_memory_to_the_system() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only changes glibc's allocator parameters; it is called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

fn main() -> ExitCode {
    return_memory_to_the_system();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("hallway: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let settings = Settings::load(cli.config.as_deref()).map_err(|e| e.to_string())?;
    hallway::telemetry::init_logging(settings.log_json);
    if let Command::Restore { file, replace } = &cli.command {
        let restored = hallway::backup::restore(&settings, file, *replace)?;
        println!("restored {}: {restored}", file.display());
    }
    let db = Database::connect(&settings.database_url, settings.database_pool_size)?;
    // Commands that suspend or restore accounts tell other instances, as the server does.
    let db = hallway::apub::outbox::attach(&db, std::sync::Arc::new(settings.clone()));
    let applied = db.migrate()?;
    if applied > 0 {
        log::info!("applied {applied} migration(s)");
    }
    match cli.command {
        Command::Migrate | Command::Restore { .. } => {
            println!("database is up to date ({applied} migration(s) applied now)");
            Ok(())
        }
        Command::Backup { file } => {
            let written = hallway::backup::backup(&db, &settings, &file)?;
            println!("backup written to {}: {written}", file.display());
            Ok(())
        }
        Command::Serve => serve(db, settings),
        Command::User(command) => user_command(&db, &settings, command),
        Command::Peers(command) => peers_command(db, settings, command),
        Command::Group(GroupCommand::Create { name, admin, display_name, note, private }) => {
            let new_group = hallway::service::groups::NewGroup { username: name, display_name, note, private };
            let group = db.write_blocking(|tx| {
                let admin = hallway::service::accounts::local_by_username(tx, &admin)?;
                hallway::service::groups::create(tx, &settings, &admin, new_group)
            });
            group.map(|group| println!("group {}@{} created", group.username, settings.domain)).map_err(missing_as("no such local user"))
        }
        Command::Emoji(command) => emoji_command(&db, &settings, command),
        Command::Directory(DirectoryCommand::Sync) => directory_sync(db, settings),
        Command::Announce(command) => announce_command(&db, &settings, command),
        Command::ExportAccount { name, file } => {
            let store = hallway::storage::media_store(&settings)?;
            hallway::transfer::export_account(&db, &settings, store.as_ref(), &name, &file)?;
            println!("{name} written to {}", file.display());
            Ok(())
        }
        Command::ImportAccount { file, username, email, into_existing } => {
            let owner = hallway::transfer::NewOwner { username: username.as_deref(), email: email.as_deref(), into_existing };
            import_account(&db, &settings, &file, owner)
        }
        Command::MoveAccount { name, to } => move_account(db, settings, &name, &to),
        Command::Retention { dry_run } => retention_command(&db, &settings, dry_run),
        Command::LegalHold(command) => legal_hold_command(&db, &settings, command),
        Command::Audit { actor, action, limit } => audit_command(&db, actor, action, limit),
    }
}

fn announce_command(db: &Database, settings: &Settings, command: AnnounceCommand) -> Result<(), String> {
    let outcome = match command {
        AnnounceCommand::Create { text, times, draft } => {
            let input = times.input(Some(text), Some(!draft))?;
            db.write_blocking(|tx| announcements::create(tx, settings, &command_line_actor(), input)).map(|created| {
                let state = if created.published_at.is_some() { "published" } else { "kept as a draft" };
                println!("announcement {} {state}", created.id)
            })
        }
        AnnounceCommand::List => db.read_blocking(|conn| announcements::admin_page(conn, settings, &Page { limit: 1_000, ..Page::default() })).map(|listed| {
            println!("{:<20} {:<10} {:<20} {:<20} {}", "ID", "STATE", "STARTS", "ENDS", "TEXT");
            let when = |t: Option<chrono::NaiveDateTime>| t.map_or("-".to_owned(), |t| t.format("%Y-%m-%d %H:%M").to_string());
            for view in listed {
                let a = &view.announcement;
                let state = if a.published_at.is_some() { "published" } else { "draft" };
                println!("{:<20} {:<10} {:<20} {:<20} {}", a.id, state, when(a.starts_at), when(a.ends_at), a.text.replace('\n', " "));
            }
        }),
        AnnounceCommand::Edit { id, text, times, publish, unpublish } => {
            let published = match (publish, unpublish) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            };
            let input = times.input(text, published)?;
            db.write_blocking(|tx| announcements::update(tx, &command_line_actor(), id, input)).map(|_| println!("announcement {id} changed"))
        }
        AnnounceCommand::Remove { id } => db.write_blocking(|tx| announcements::remove(tx, &command_line_actor(), id)).map(|()| println!("announcement {id} removed")),
    };
    outcome.map_err(missing_as("no such announcement"))
}

/// A command's error as one line, a missing record named as `missing` says.
fn missing_as(missing: &'static str) -> impl FnOnce(hallway::error::AppError) -> String {
    move |e| match e {
        hallway::error::AppError::NotFound => missing.to_owned(),
        other => other.to_string(),
    }
}

/// Who runs a command: the operating-system user (the one behind sudo, when there is one).
fn join_peer(db: Database, settings: Settings, url: &str, token: &str) -> Result<(), String> {
    let state = AppState::new(db, settings)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    let peer = runtime.block_on(hallway::apub::peering::join(&state, command_line_actor(), url, token))?;
    println!("joined {}: each instance allows the other, and their instance keys are pinned", peer.host);
    Ok(())
}

fn refresh_company_directory(db: Database, settings: Settings) -> Result<(), String> {
    let state = AppState::new(db, settings)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    let listed = runtime.block_on(hallway::apub::company::refresh_directory(&state));
    println!("{listed} account(s) listed by the peers");
    Ok(())
}

fn command_line_actor() -> Actor {
    let user = std::env::var("SUDO_USER").or_else(|_| std::env::var("USER")).unwrap_or_else(|_| "unknown".into());
    Actor::CommandLine { user }
}

fn import_account(db: &Database, settings: &Settings, file: &std::path::Path, owner: hallway::transfer::NewOwner) -> Result<(), String> {
    let store = hallway::storage::media_store(settings)?;
    let imported = hallway::transfer::import_account(db, settings, store.as_ref(), file, owner)?;
    let made = if imported.created { "made" } else { "completed" };
    println!(
        "{} {made}: {} status(es) brought ({} boost(s) left behind), {} import(s) queued for the running instance",
        imported.username, imported.statuses, imported.skipped_boosts, imported.imports
    );
    println!("now, on the old instance: hallway move-account OLD_NAME {}@{}", imported.username, settings.domain);
    Ok(())
}

fn move_account(db: Database, settings: Settings, name: &str, to: &str) -> Result<(), String> {
    let state = AppState::new(db, settings)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    let followed = runtime.block_on(hallway::transfer::move_account(&state, name, to))?;
    println!("{name} moved to {to}: {followed} local follower(s) follow it now; followers on other instances follow when the Move reaches them");
    Ok(())
}

fn retention_command(db: &Database, settings: &Settings, dry_run: bool) -> Result<(), String> {
    let policy = settings.retention;
    if policy.is_empty() {
        println!("no [retention] settings: everything is kept");
        return Ok(());
    }
    if dry_run {
        let expiring = db.read_blocking(|conn| retention::expiring(conn, &policy, hallway::ids::now())).map_err(|e| e.to_string())?;
        println!("would remove {expiring}");
        return Ok(());
    }
    let store = hallway::storage::media_store(settings)?;
    let removed = retention::apply_policy(db, store.as_ref(), &policy).map_err(|e| e.to_string())?;
    println!("removed {removed}");
    Ok(())
}

fn legal_hold_command(db: &Database, settings: &Settings, command: LegalHoldCommand) -> Result<(), String> {
    let staff = Staff::command_line(command_line_actor());
    let find = |conn: &mut hallway::db::DbConn, acct: &str| accounts::find_by_acct(conn, settings, acct);
    match command {
        LegalHoldCommand::Place { account, reason } => {
            db.write_blocking(|tx| {
                let id = find(tx, &account)?.id;
                retention::place_hold(tx, &staff, id, &reason)
            }).map_err(missing_as("no such account"))?;
            println!("{account} is on legal hold");
        }
        LegalHoldCommand::Lift { account } => {
            db.write_blocking(|tx| {
                let id = find(tx, &account)?.id;
                retention::lift_hold(tx, &staff, id)
            }).map_err(missing_as("no such account"))?;
            println!("{account} is no longer on legal hold");
        }
        LegalHoldCommand::List => {
            for (account, hold) in db.read_blocking(retention::holds).map_err(|e| e.to_string())? {
                println!("{}\t{}\t{}", account.acct(), hold.created_at.format("%Y-%m-%d %H:%M"), hold.reason);
            }
        }
    }
    Ok(())
}

fn audit_command(db: &Database, actor: Option<String>, action: Option<String>, limit: i64) -> Result<(), String> {
    let action = action.map(|text| AuditAction::parse_as("action", &text)).transpose().map_err(|e| e.to_string())?;
    let listed = db.read_blocking(|conn| {
        let actor = actor.as_deref().map(|name| accounts::local_by_username(conn, name).map(|account| account.id)).transpose()?;
        let filter = AuditFilter { actor, action, ..AuditFilter::default() };
        audit::page(conn, &filter, &Page { limit: limit.clamp(1, 10_000), ..Page::default() })
    });
    let listed = listed.map_err(missing_as("no such user"))?;
    println!("{:<20} {:<24} {:<22} {:<32} {}", "WHEN (UTC)", "WHO", "ACTION", "TARGET", "TEXT");
    for entry in listed {
        let target = format!("{} {}", entry.target_type, entry.target);
        println!("{:<20} {:<24} {:<22} {:<32} {}", entry.created_at.format("%Y-%m-%d %H:%M:%S"), entry.actor, entry.action.as_str(), target, entry.text);
    }
    Ok(())
}

fn emoji_command(db: &Database, settings: &Settings, command: EmojiCommand) -> Result<(), String> {
    let store = hallway::storage::media_store(settings)?;
    let outcome = match command {
        EmojiCommand::Add { shortcode, file, category } => {
            let image = std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            db.write_blocking(|conn| emojis::add_local(conn, &command_line_actor(), store.as_ref(), &shortcode, &image, category))
                .map(|emoji| println!("added :{}:", emoji.shortcode))
        }
        EmojiCommand::List => db.read_blocking(emojis::local).map(|listed| {
            for emoji in listed {
                println!(":{}:  {}", emoji.shortcode, emoji.category.unwrap_or_default());
            }
        }),
        EmojiCommand::Remove { shortcode } => {
            db.write_blocking(|conn| emojis::remove_local(conn, &command_line_actor(), store.as_ref(), &shortcode)).map(|()| println!("removed :{shortcode}:"))
        }
    };
    outcome.map_err(|e| e.to_string())
}

fn directory_sync(db: Database, settings: Settings) -> Result<(), String> {
    let settings = std::sync::Arc::new(settings);
    let directory = hallway::directory::Directory::new(&settings, &hallway::tls::client_config(&settings));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    let report = runtime.block_on(directory.sync(&db, &settings)).map_err(|e| e.to_string())?;
    println!("checked {} accounts: {} suspended, {} restored", report.checked, report.suspended, report.restored);
    Ok(())
}

fn serve(db: Database, settings: Settings) -> Result<(), String> {
    let listener = TcpListener::bind(settings.listen).map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
    log::info!("serving {} on {}", settings.base_url(), settings.listen);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let state = AppState::new(db, settings)?;
    actix_web::rt::System::new().block_on(async move {
        let db = state.db.clone();
        let server = hallway::server::start(state, listener, workers).map_err(|e| e.to_string())?;
        let served = server.await.map_err(|e| e.to_string());
        db.stop_watching();
        served
    })
}

fn peers_command(db: Database, settings: Settings, command: PeersCommand) -> Result<(), String> {
    let outcome = match command {
        PeersCommand::Join { url, token } => return join_peer(db, settings, &url, &token),
        PeersCommand::RefreshDirectory => return refresh_company_directory(db, settings),
        PeersCommand::Allow { host } => {
            db.write_blocking(|conn| peers::allow(conn, &command_line_actor(), &host)).map(|peer| println!("allowed {}", peer.host))
        }
        PeersCommand::Remove { host } => db.write_blocking(|conn| peers::remove(conn, &command_line_actor(), &host)).map(|removal| {
            println!(
                "removed {}: {} queued deliveries cancelled; its accounts and posts already stored are kept",
                removal.peer.host, removal.cancelled_deliveries
            )
        }),
        PeersCommand::Invite => db.write_blocking(|conn| peers::invite(conn, &command_line_actor())).map(|invitation| {
            println!("{}", invitation.token);
            eprintln!(
                "valid once, until {} UTC: on the other instance, run hallway peers join {} TOKEN",
                invitation.expires_at.format("%Y-%m-%d %H:%M"),
                settings.base_url()
            );
        }),
        PeersCommand::AcceptKey { host } => db
            .write_blocking(|conn| peers::accept_key(conn, &command_line_actor(), &host))
            .map(|peer| println!("accepted the new instance key of {}", peer.host)),
        PeersCommand::List => db.read_blocking(peers::list).map(|listed| {
            let when = |t: Option<chrono::NaiveDateTime>| t.map_or("-".to_owned(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string());
            println!("{:<32} {:<8} {:<11} {:<20} {:<20} {:>6}  {}", "HOST", "STATE", "KEY", "LAST SUCCESS", "LAST ERROR", "QUEUED", "ERROR");
            for health in listed {
                let peer = &health.peer;
                let state = if peer.allowed { "allowed" } else { "removed" };
                let key = match (&peer.pinned_key_pem, &peer.offered_key_pem) {
                    (Some(_), Some(_)) => "changed",
                    (Some(_), None) => "pinned",
                    (None, _) => "-",
                };
                let error = peer.last_error.as_deref().unwrap_or("");
                println!(
                    "{:<32} {:<8} {:<11} {:<20} {:<20} {:>6}  {}",
                    peer.host, state, key, when(peer.last_success_at), when(peer.last_error_at), health.queued, error
                );
            }
        }),
    };
    outcome.map_err(missing_as("no such peer on the allowlist"))
}

fn user_command(db: &Database, settings: &Settings, command: UserCommand) -> Result<(), String> {
    let outcome = match command {
        UserCommand::Create { name, password, email, admin, role } => db
            .write_blocking(|conn| {
                let role = match role {
                    Some(role) => Role::parse(&role)?,
                    None if admin => Role::Admin,
                    None => Role::User,
                };
                let user = NewUser { username: &name, password: &password, email: email.as_deref(), role };
                accounts::create_user(conn, settings, user)
            })
            .map(|account| println!("created @{}@{} (id {})", account.username, settings.domain, account.id)),
        UserCommand::List => db.read_blocking(accounts::list_users).map(|users| {
            println!("{:<24} {:<32} {:<10} {}", "USERNAME", "EMAIL", "ROLE", "STATE");
            for (account, user) in users {
                let email = user.as_ref().map_or("", |u| u.email.as_str());
                let role = user.as_ref().map_or("", |u| u.role.as_str());
                let state = match (account.suspended_at, user.as_ref().is_some_and(|u| !u.approved)) {
                    (Some(_), _) => "suspended",
                    (None, true) => "pending",
                    (None, false) => "active",
                };
                println!("{:<24} {:<32} {:<10} {}", account.username, email, role, state);
            }
        }),
        UserCommand::SetPassword { name, password } => db
            .write_blocking(|conn| accounts::set_password(conn, &name, &password))
            .map(|()| println!("password of {name} changed")),
        UserCommand::Suspend { name } => db
            .write_blocking(|conn| accounts::set_suspended(conn, &command_line_actor(), &name, true))
            .map(|()| println!("{name} suspended")),
        UserCommand::Unsuspend { name } => db
            .write_blocking(|conn| accounts::set_suspended(conn, &command_line_actor(), &name, false))
            .map(|()| println!("{name} unsuspended")),
        UserCommand::Approve { name } => db.write_blocking(|conn| accounts::approve(conn, &command_line_actor(), &name)).map(|()| println!("{name} approved")),
        UserCommand::Role { name, role } => db
            .write_blocking(|conn| accounts::set_role(conn, &command_line_actor(), &name, Role::parse(&role)?))
            .map(|()| println!("{name} is now {role}")),
    };
    outcome.map_err(missing_as("no such user"))
}
