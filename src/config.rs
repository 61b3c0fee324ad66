//! Settings: a TOML file, then `HALLWAY_*` environment overrides, validated once at start.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone)]
pub struct Settings {
    /// The public host, with the port when it is not the scheme's default.
    pub domain: String,
    /// `https` or `http`: how peers and clients reach `domain`.
    pub scheme: String,
    pub listen: SocketAddr,
    pub database_url: String,
    pub database_pool_size: u32,
    pub data_dir: PathBuf,
    pub tls: Option<TlsFiles>,
    /// Certificates (PEM) trusted by every outgoing connection beside the operating system's store: the
    /// company's CA.
    pub ca_file: Option<PathBuf>,
    pub title: String,
    pub description: String,
    pub contact_email: String,
    pub password_grant: bool,
    pub max_characters: usize,
    /// `statuses.local_only_default`: new posts stay in the division unless their author says otherwise.
    pub local_only_default: bool,
    /// Whether peers may be reached over plain http (intranets without TLS).
    pub federation_allow_http: bool,
    /// The first retry delay of a failed delivery; each further retry doubles it.
    pub federation_retry_base: std::time::Duration,
    /// How long a delivery worker's claim holds: longer than one send can take (the client's 10 s
    /// timeout) plus recording its outcome; a claim older than this belongs to a worker that died, and its
    /// rows come due again. Not a configuration key (tests shorten it).
    pub federation_lease: std::time::Duration,
    /// How many activities one peer may deliver per minute before it is answered 429.
    pub federation_inbox_per_minute: u32,
    pub media: MediaLimits,
    /// `media.store`: where uploads, previews, avatars, emojis and archives are kept.
    pub media_store: MediaStoreSettings,
    /// Whether notifications are sent to clients' Web Push subscriptions.
    pub push_enabled: bool,
    /// Hosts (`host` or `host:port`) of push gateways inside the company: push endpoints there are accepted
    /// over http or https whatever their address; every other endpoint must be https on a public address.
    pub push_gateways: Vec<String>,
    /// `access.require_login`: content is for signed-in users only (the API, streams).
    pub require_login: bool,
    /// `access.trusted_proxies`: the balancers in front of the instance, whose `X-Forwarded-For` names the
    /// client's address (for IP blocks and what moderators see); nobody else's is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `trends.require_review`: only what a moderator approved trends (what they rejected never does).
    pub trends_require_review: bool,
    /// `[retention]`: how long what the instance holds is kept (None: for ever).
    pub retention: RetentionPolicy,
    /// `log.format = "json"`: one JSON object a line instead of readable text.
    pub log_json: bool,
    /// `metrics.listen`: an address of its own for `/metrics` (inside the company's monitoring network).
    pub metrics_listen: Option<SocketAddr>,
    /// `metrics.token`: `/metrics` is answered to this bearer token (on the main listener too).
    pub metrics_token: Option<String>,
    /// Who may make an account with `POST /api/v1/accounts`.
    pub registrations: Registrations,
    /// Sign-in with the company's LDAP directory, when `auth.ldap.url` is set.
    pub ldap: Option<LdapSettings>,
    /// Sign-in with the company's OpenID provider, when `auth.oidc.issuer` is set.
    pub oidc: Option<OidcSettings>,
    /// `auth.password`: local passwords sign people in (false: single sign-on only, except `?local=1`).
    pub local_passwords: bool,
    /// `[about]`: what the instance tells people about itself.
    pub about: About,
    /// `company.search_budget_ms`: how long a full-text search waits for the peers' answers.
    pub company_search_budget: std::time::Duration,
    /// `company.directory_refresh_minutes`: how often the peers' discoverable accounts are fetched again.
    pub company_directory_refresh: std::time::Duration,
}

/// `[about]`: the texts of clients' "about" screens (plain text; blank lines separate paragraphs), the
/// instance's rules and the languages its people write in.
#[derive(Debug, Clone)]
pub struct About {
    pub extended_description: Option<String>,
    pub privacy_policy: Option<String>,
    pub terms_of_service: Option<String>,
    /// When the terms of service take effect (today when not given).
    pub terms_effective: Option<chrono::NaiveDate>,
    /// When the texts last changed, as clients are told (`about.updated`; else when the settings were read).
    pub updated_at: chrono::NaiveDateTime,
    pub rules: Vec<Rule>,
    /// ISO 639-1 codes, the first being the instance's main language.
    pub languages: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub text: String,
    #[serde(default)]
    pub hint: String,
}

/// `[retention]`, in days: statuses of other instances, local statuses (deleted everywhere, as their authors
/// would), media attached to nothing, notifications. Pinned statuses, those their author bookmarked and
/// accounts on legal hold are kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionPolicy {
    pub remote_statuses_days: Option<u32>,
    pub local_statuses_days: Option<u32>,
    pub media_days: Option<u32>,
    pub notifications_days: Option<u32>,
}

impl RetentionPolicy {
    pub fn is_empty(&self) -> bool {
        *self == RetentionPolicy::default()
    }
}

/// `[auth.oidc]`: the company's OpenID provider, and which claims name people and their groups.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
    pub username_claim: String,
    pub groups_claim: String,
    pub admin_group: Option<String>,
    pub moderator_group: Option<String>,
    pub allowed_group: Option<String>,
    /// The button's words on the sign-in page.
    pub display_name: String,
}

/// `registrations`: closed (accounts come from the CLI or the directory), open, or open with a moderator's
/// approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registrations {
    Closed,
    Approval,
    Open,
}

impl std::str::FromStr for Registrations {
    type Err = ();

    fn from_str(text: &str) -> Result<Registrations, ()> {
        match text {
            "closed" => Ok(Registrations::Closed),
            "approval" => Ok(Registrations::Approval),
            "open" => Ok(Registrations::Open),
            _ => Err(()),
        }
    }
}

/// `[auth.ldap]`: where the directory is, how to find a person in it, and which groups give roles.
#[derive(Debug, Clone)]
pub struct LdapSettings {
    pub url: String,
    pub starttls: bool,
    pub bind_dn: Option<String>,
    pub bind_password: Option<String>,
    pub base_dn: String,
    /// An LDAP filter in which `{login}` stands for what the person typed (escaped).
    pub user_filter: String,
    pub username_attribute: String,
    pub email_attribute: String,
    pub display_name_attribute: String,
    pub admin_group: Option<String>,
    pub moderator_group: Option<String>,
    pub allowed_group: Option<String>,
    /// How often the scheduler runs `directory sync` (none: only from the command line).
    pub sync_interval: Option<std::time::Duration>,
    pub timeout: std::time::Duration,
}

/// `media.store = "local"` (under `data_dir/media`, the default) or `"s3"` with `[media.s3]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaStoreSettings {
    Local,
    S3(S3Settings),
}

/// `[media.s3]`: an S3-compatible object store (AWS, MinIO, Ceph, the company's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Settings {
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Bucket in the path (`endpoint/bucket/key`, MinIO's default) rather than in the host name.
    pub path_style: bool,
}

/// What uploads may be; reported to clients in instance v2 and enforced with a 422.
#[derive(Debug, Clone)]
pub struct MediaLimits {
    pub image_bytes: u64,
    pub video_bytes: u64,
    pub image_pixels: u64,
    /// Uploads larger than this are processed after `POST /api/v2/media` answers 202.
    pub async_over_bytes: u64,
}

#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    domain: Option<String>,
    registrations: Option<String>,
    scheme: Option<String>,
    listen: Option<String>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    title: Option<String>,
    description: Option<String>,
    contact_email: Option<String>,
    #[serde(default)]
    database: DatabaseSection,
    #[serde(default)]
    tls: TlsSection,
    #[serde(default)]
    oauth: OauthSection,
    #[serde(default)]
    statuses: StatusesSection,
    #[serde(default)]
    trends: TrendsSection,
    #[serde(default)]
    retention: RetentionSection,
    #[serde(default)]
    metrics: MetricsSection,
    #[serde(default)]
    log: LogSection,
    #[serde(default)]
    federation: FederationSection,
    #[serde(default)]
    media: MediaSection,
    #[serde(default)]
    push: PushSection,
    #[serde(default)]
    auth: AuthSection,
    #[serde(default)]
    access: AccessSection,
    #[serde(default)]
    about: AboutSection,
    #[serde(default)]
    company: CompanySection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AboutSection {
    extended_description: Option<String>,
    privacy_policy: Option<String>,
    terms_of_service: Option<String>,
    terms_of_service_effective: Option<String>,
    updated: Option<String>,
    languages: Option<Vec<String>>,
    #[serde(default)]
    rules: Vec<Rule>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessSection {
    require_login: Option<bool>,
    trusted_proxies: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthSection {
    password: Option<bool>,
    ldap: Option<LdapSection>,
    oidc: Option<OidcSection>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OidcSection {
    issuer: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scopes: Option<Vec<String>>,
    username_claim: Option<String>,
    groups_claim: Option<String>,
    admin_group: Option<String>,
    moderator_group: Option<String>,
    allowed_group: Option<String>,
    display_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LdapSection {
    url: Option<String>,
    starttls: Option<bool>,
    bind_dn: Option<String>,
    bind_password: Option<String>,
    base_dn: Option<String>,
    user_filter: Option<String>,
    username_attribute: Option<String>,
    email_attribute: Option<String>,
    display_name_attribute: Option<String>,
    admin_group: Option<String>,
    moderator_group: Option<String>,
    allowed_group: Option<String>,
    sync_minutes: Option<u64>,
    timeout_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PushSection {
    enabled: Option<bool>,
    gateways: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MediaSection {
    image_size_limit: Option<u64>,
    video_size_limit: Option<u64>,
    image_matrix_limit: Option<u64>,
    async_over_bytes: Option<u64>,
    store: Option<String>,
    #[serde(default)]
    s3: S3Section,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct S3Section {
    endpoint: Option<String>,
    bucket: Option<String>,
    region: Option<String>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    path_style: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FederationSection {
    allow_http: Option<bool>,
    retry_base_ms: Option<u64>,
    inbox_per_minute: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatabaseSection {
    pool_size: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsSection {
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    ca_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OauthSection {
    password_grant: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusesSection {
    max_characters: Option<usize>,
    local_only_default: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogSection {
    format: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MetricsSection {
    listen: Option<String>,
    token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RetentionSection {
    remote_statuses_days: Option<u32>,
    local_statuses_days: Option<u32>,
    media_days: Option<u32>,
    notifications_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompanySection {
    search_budget_ms: Option<u64>,
    directory_refresh_minutes: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrendsSection {
    require_review: Option<bool>,
}

/// A configuration problem, as one line that names the key.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(pub String);

type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Settings {
    /// Loads `path` when given (it must exist), else `hallway.toml` when present, then the environment.
    pub fn load(path: Option<&Path>) -> Result<Settings, ConfigError> {
        let file = match path {
            Some(path) => Some(read_file(path)?),
            None if Path::new("hallway.toml").exists() => Some(read_file(Path::new("hallway.toml"))?),
            None => None,
        };
        Settings::from_parts(file.as_deref().unwrap_or(""), &|key| std::env::var(key).ok())
    }

    /// Builds settings from TOML text and an environment lookup.
    pub fn from_parts(toml_text: &str, env: Env) -> Result<Settings, ConfigError> {
        let file: FileSettings = toml::from_str(toml_text).map_err(|e| ConfigError(toml_error_line(&e)))?;
        let tls = tls_files(
            env_or("HALLWAY_TLS_CERT", env, file.tls.cert),
            env_or("HALLWAY_TLS_KEY", env, file.tls.key),
        )?;
        let ca_file = env_or("HALLWAY_TLS_CA_FILE", env, file.tls.ca_file);
        if let Some(path) = &ca_file {
            crate::tls::read_certificates(path).map_err(|why| ConfigError(format!("tls.ca_file: {why}")))?;
        }
        let domain = env_or("HALLWAY_DOMAIN", env, file.domain).unwrap_or_else(|| "localhost:8080".into());
        validate_domain(&domain)?;
        let scheme = env_or("HALLWAY_SCHEME", env, file.scheme).unwrap_or_else(|| default_scheme(&domain, tls.is_some()));
        if scheme != "https" && scheme != "http" {
            return Err(ConfigError(format!("scheme: '{scheme}' must be https or http")));
        }
        let listen_text = env_or("HALLWAY_LISTEN", env, file.listen).unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = listen_text
            .parse()
            .map_err(|_| ConfigError(format!("listen: '{listen_text}' is not an address like 127.0.0.1:8080")))?;
        let database_url =
            env_or("HALLWAY_DATABASE_URL", env, file.database_url).unwrap_or_else(|| "sqlite://data/hallway.db".into());
        crate::db::Backend::from_url(&database_url).map_err(|why| ConfigError(format!("database_url: {why}")))?;
        let database_pool_size = parsed("HALLWAY_DATABASE_POOL_SIZE", "database.pool_size", env, file.database.pool_size)?
            .unwrap_or(10);
        if database_pool_size == 0 {
            return Err(ConfigError("database.pool_size: must be at least 1".into()));
        }
        let max_characters = parsed("HALLWAY_MAX_CHARACTERS", "statuses.max_characters", env, file.statuses.max_characters)?
            .unwrap_or(500);
        if max_characters == 0 {
            return Err(ConfigError("statuses.max_characters: must be at least 1".into()));
        }
        Settings {
            domain,
            scheme,
            listen,
            database_url,
            database_pool_size,
            data_dir: env_or("HALLWAY_DATA_DIR", env, file.data_dir).unwrap_or_else(|| PathBuf::from("data")),
            tls,
            ca_file,
            title: env_or("HALLWAY_TITLE", env, file.title).unwrap_or_else(|| "Hallway".into()),
            description: file.description.unwrap_or_default(),
            contact_email: file.contact_email.unwrap_or_default(),
            password_grant: parsed("HALLWAY_OAUTH_PASSWORD_GRANT", "oauth.password_grant", env, file.oauth.password_grant)?
                .unwrap_or(true),
            max_characters,
            local_only_default: parsed("HALLWAY_LOCAL_ONLY_DEFAULT", "statuses.local_only_default", env, file.statuses.local_only_default)?
                .unwrap_or(false),
            federation_allow_http: parsed("HALLWAY_FEDERATION_ALLOW_HTTP", "federation.allow_http", env, file.federation.allow_http)?
                .unwrap_or(false),
            federation_retry_base: std::time::Duration::from_millis(
                parsed("HALLWAY_FEDERATION_RETRY_BASE_MS", "federation.retry_base_ms", env, file.federation.retry_base_ms)?
                    .unwrap_or(30_000)
                    .max(1),
            ),
            federation_lease: std::time::Duration::from_secs(20),
            federation_inbox_per_minute: parsed(
                "HALLWAY_FEDERATION_INBOX_PER_MINUTE",
                "federation.inbox_per_minute",
                env,
                file.federation.inbox_per_minute,
            )?
            .unwrap_or(3_000),
            media: MediaLimits {
                image_bytes: parsed("HALLWAY_MEDIA_IMAGE_SIZE_LIMIT", "media.image_size_limit", env, file.media.image_size_limit)?
                    .unwrap_or(16 << 20),
                video_bytes: parsed("HALLWAY_MEDIA_VIDEO_SIZE_LIMIT", "media.video_size_limit", env, file.media.video_size_limit)?
                    .unwrap_or(99 << 20),
                image_pixels: parsed("HALLWAY_MEDIA_IMAGE_MATRIX_LIMIT", "media.image_matrix_limit", env, file.media.image_matrix_limit)?
                    .unwrap_or(33_177_600),
                async_over_bytes: parsed("HALLWAY_MEDIA_ASYNC_OVER_BYTES", "media.async_over_bytes", env, file.media.async_over_bytes)?
                    .unwrap_or(1 << 20),
            },
            media_store: media_store(env, &file.media)?,
            push_enabled: parsed("HALLWAY_PUSH_ENABLED", "push.enabled", env, file.push.enabled)?.unwrap_or(true),
            push_gateways: host_list("push.gateways", env("HALLWAY_PUSH_GATEWAYS"), file.push.gateways)?,
            registrations: registrations(env, file.registrations)?,
            require_login: parsed("HALLWAY_ACCESS_REQUIRE_LOGIN", "access.require_login", env, file.access.require_login)?.unwrap_or(true),
            log_json: match env_or("HALLWAY_LOG_FORMAT", env, file.log.format).as_deref().map(str::trim) {
                None | Some("text") => false,
                Some("json") => true,
                Some(other) => return Err(ConfigError(format!("log.format: '{other}' is not one of text, json"))),
            },
            metrics_listen: env_or("HALLWAY_METRICS_LISTEN", env, file.metrics.listen)
                .map(|text| text.parse().map_err(|_| ConfigError(format!("metrics.listen: '{text}' is not an address like 127.0.0.1:9464"))))
                .transpose()?,
            metrics_token: env_or("HALLWAY_METRICS_TOKEN", env, file.metrics.token).filter(|t| !t.trim().is_empty()),
            retention: retention_policy(env, &file.retention)?,
            trends_require_review: parsed("HALLWAY_TRENDS_REQUIRE_REVIEW", "trends.require_review", env, file.trends.require_review)?.unwrap_or(false),
            trusted_proxies: networks("access.trusted_proxies", env("HALLWAY_ACCESS_TRUSTED_PROXIES"), file.access.trusted_proxies)?,
            ldap: ldap_settings(env, file.auth.ldap.unwrap_or_default())?,
            oidc: oidc_settings(env, file.auth.oidc.unwrap_or_default())?,
            local_passwords: parsed("HALLWAY_AUTH_PASSWORD", "auth.password", env, file.auth.password)?.unwrap_or(true),
            about: about(file.about)?,
            company_search_budget: std::time::Duration::from_millis(
                parsed("HALLWAY_COMPANY_SEARCH_BUDGET_MS", "company.search_budget_ms", env, file.company.search_budget_ms)?.unwrap_or(500).max(1),
            ),
            company_directory_refresh: std::time::Duration::from_secs(
                60 * parsed("HALLWAY_COMPANY_DIRECTORY_REFRESH_MINUTES", "company.directory_refresh_minutes", env, file.company.directory_refresh_minutes)?
                    .unwrap_or(30)
                    .max(1),
            ),
        }
        .check_sign_in()
    }

    fn check_sign_in(self) -> Result<Settings, ConfigError> {
        if !self.local_passwords && self.ldap.is_none() && self.oidc.is_none() {
            return Err(ConfigError("auth.password: false needs [auth.ldap] or [auth.oidc], or nobody could sign in".into()));
        }
        Ok(self)
    }

    /// `scheme://domain`, the prefix of every public URL of this instance.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.domain)
    }

    /// The default settings of a fresh clone, with the given database (used by tests and benchmarks).
    pub fn for_database(database_url: &str) -> Result<Settings, ConfigError> {
        let url = database_url.to_owned();
        Settings::from_parts("", &move |key| (key == "HALLWAY_DATABASE_URL").then(|| url.clone()))
    }
}

fn read_file(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| ConfigError(format!("--config: cannot read {}: {e}", path.display())))
}

fn toml_error_line(error: &toml::de::Error) -> String {
    error.message().lines().next().unwrap_or("unreadable TOML").to_owned()
}

fn env_or<T: From<String>>(key: &str, env: Env, file_value: Option<T>) -> Option<T> {
    env(key).map(T::from).or(file_value)
}

fn parsed<T: std::str::FromStr>(key: &str, file_key: &str, env: Env, file_value: Option<T>) -> Result<Option<T>, ConfigError> {
    match env(key) {
        Some(text) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| ConfigError(format!("{file_key} (from {key}): '{text}' is not a valid value"))),
        None => Ok(file_value),
    }
}

fn media_store(env: Env, file: &MediaSection) -> Result<MediaStoreSettings, ConfigError> {
    let kind = env_or("HALLWAY_MEDIA_STORE", env, file.store.clone()).unwrap_or_else(|| "local".into());
    match kind.trim() {
        "local" => Ok(MediaStoreSettings::Local),
        "s3" => {
            let s3 = &file.s3;
            let required = |key: &str, value: &Option<String>| {
                env_or(&format!("HALLWAY_MEDIA_S3_{}", key.to_uppercase()), env, value.clone())
                    .filter(|v| !v.trim().is_empty())
                    .ok_or_else(|| ConfigError(format!("media.s3.{key} is needed with media.store = \"s3\"")))
            };
            let endpoint = required("endpoint", &s3.endpoint)?;
            if !matches!(url::Url::parse(&endpoint).map(|u| u.scheme().to_owned()).as_deref(), Ok("http" | "https")) {
                return Err(ConfigError(format!("media.s3.endpoint: '{endpoint}' is not an http(s) URL")));
            }
            Ok(MediaStoreSettings::S3(S3Settings {
                endpoint,
                bucket: required("bucket", &s3.bucket)?,
                region: env_or("HALLWAY_MEDIA_S3_REGION", env, s3.region.clone()).unwrap_or_else(|| "us-east-1".into()),
                access_key_id: required("access_key_id", &s3.access_key_id)?,
                secret_access_key: required("secret_access_key", &s3.secret_access_key)?,
                path_style: parsed("HALLWAY_MEDIA_S3_PATH_STYLE", "media.s3.path_style", env, s3.path_style)?.unwrap_or(true),
            }))
        }
        other => Err(ConfigError(format!("media.store: '{other}' is not local or s3"))),
    }
}

fn about(file: AboutSection) -> Result<About, ConfigError> {
    let date = |key: &str, text: Option<String>| -> Result<Option<chrono::NaiveDate>, ConfigError> {
        text.map(|text| {
            chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| ConfigError(format!("about.{key}: '{text}' is not a date like 2026-12-01")))
        })
        .transpose()
    };
    let languages = file.languages.unwrap_or_else(|| vec!["en".into()]);
    for code in &languages {
        if isolang::Language::from_639_1(code).is_none() {
            return Err(ConfigError(format!("about.languages: '{code}' is not an ISO 639-1 language code like en or de")));
        }
    }
    if let Some(rule) = file.rules.iter().find(|rule| rule.text.trim().is_empty()) {
        return Err(ConfigError(format!("about.rules: a rule has no text (its hint is '{}')", rule.hint)));
    }
    let blank_to_none = |text: Option<String>| text.filter(|t| !t.trim().is_empty());
    Ok(About {
        extended_description: blank_to_none(file.extended_description),
        privacy_policy: blank_to_none(file.privacy_policy),
        terms_of_service: blank_to_none(file.terms_of_service),
        terms_effective: date("terms_of_service_effective", file.terms_of_service_effective)?,
        updated_at: date("updated", file.updated)?.map_or_else(|| chrono::Utc::now().naive_utc(), |day| day.and_time(chrono::NaiveTime::MIN)),
        rules: file.rules,
        languages,
    })
}

fn retention_policy(env: Env, file: &RetentionSection) -> Result<RetentionPolicy, ConfigError> {
    let days = |key: &str, file_value: Option<u32>| -> Result<Option<u32>, ConfigError> {
        let variable = format!("HALLWAY_RETENTION_{}", key.to_uppercase());
        match parsed(&variable, &format!("retention.{key}"), env, file_value)? {
            Some(0) => Err(ConfigError(format!("retention.{key}: 0 days would remove everything; leave it out to keep all"))),
            days => Ok(days),
        }
    };
    Ok(RetentionPolicy {
        remote_statuses_days: days("remote_statuses_days", file.remote_statuses_days)?,
        local_statuses_days: days("local_statuses_days", file.local_statuses_days)?,
        media_days: days("media_days", file.media_days)?,
        notifications_days: days("notifications_days", file.notifications_days)?,
    })
}

/// A list of hosts (`host` or `host:port`), from a comma-separated variable or a TOML array.
fn host_list(file_key: &str, env_value: Option<String>, file_value: Option<Vec<String>>) -> Result<Vec<String>, ConfigError> {
    let hosts: Vec<String> = match env_value {
        Some(text) => text.split(',').map(|host| host.trim().to_ascii_lowercase()).filter(|host| !host.is_empty()).collect(),
        None => file_value.unwrap_or_default().into_iter().map(|host| host.trim().to_ascii_lowercase()).collect(),
    };
    for host in &hosts {
        let valid = !host.contains('/') && url::Url::parse(&format!("https://{host}/")).is_ok_and(|u| u.host().is_some());
        if !valid {
            return Err(ConfigError(format!("{file_key}: '{host}' is not a host name (with an optional :port)")));
        }
    }
    Ok(hosts)
}

/// Addresses or networks (CIDR), from the file's list or the variable's commas.
fn networks(file_key: &str, env_value: Option<String>, file_value: Option<Vec<String>>) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    let texts: Vec<String> = match env_value {
        Some(text) => text.split(',').map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect(),
        None => file_value.unwrap_or_default(),
    };
    texts
        .iter()
        .map(|text| {
            text.parse::<ipnet::IpNet>()
                .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| ConfigError(format!("{file_key}: '{text}' is not an IP address or network (CIDR)")))
        })
        .collect()
}

fn registrations(env: Env, file_value: Option<String>) -> Result<Registrations, ConfigError> {
    match env_or("HALLWAY_REGISTRATIONS", env, file_value) {
        None => Ok(Registrations::Closed),
        Some(text) => text
            .trim()
            .parse()
            .map_err(|()| ConfigError(format!("registrations: '{text}' is not one of closed, approval, open"))),
    }
}

/// A text key of a section, from `PREFIX_NAME` or the file; empty counts as unset.
fn section_text(env: Env, prefix: &str, name: &str, file_value: Option<String>) -> Option<String> {
    env_or(&format!("{prefix}_{}", name.to_uppercase()), env, file_value).filter(|v| !v.is_empty())
}

fn oidc_settings(env: Env, file: OidcSection) -> Result<Option<OidcSettings>, ConfigError> {
    let text = |name: &str, value: Option<String>| section_text(env, "HALLWAY_AUTH_OIDC", name, value);
    let Some(issuer) = text("issuer", file.issuer) else { return Ok(None) };
    if url::Url::parse(&issuer).map_or(true, |u| !matches!(u.scheme(), "https" | "http")) {
        return Err(ConfigError(format!("auth.oidc.issuer: '{issuer}' is not an http(s) URL")));
    }
    let needed = |name: &str, value: Option<String>| {
        text(name, value).ok_or_else(|| ConfigError(format!("auth.oidc.{name}: needed when auth.oidc.issuer is set")))
    };
    let scopes = match env("HALLWAY_AUTH_OIDC_SCOPES") {
        Some(list) => list.split([',', ' ']).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        None => file.scopes.unwrap_or_else(|| ["openid", "profile", "email"].map(String::from).to_vec()),
    };
    Ok(Some(OidcSettings {
        issuer,
        client_id: needed("client_id", file.client_id)?,
        client_secret: needed("client_secret", file.client_secret)?,
        scopes,
        username_claim: text("username_claim", file.username_claim).unwrap_or_else(|| "preferred_username".into()),
        groups_claim: text("groups_claim", file.groups_claim).unwrap_or_else(|| "groups".into()),
        admin_group: text("admin_group", file.admin_group),
        moderator_group: text("moderator_group", file.moderator_group),
        allowed_group: text("allowed_group", file.allowed_group),
        display_name: text("display_name", file.display_name).unwrap_or_else(|| "Sign in with the company account".into()),
    }))
}

fn ldap_settings(env: Env, file: LdapSection) -> Result<Option<LdapSettings>, ConfigError> {
    let text = |name: &str, value: Option<String>| section_text(env, "HALLWAY_AUTH_LDAP", name, value);
    let Some(url) = text("url", file.url) else { return Ok(None) };
    if !(url.starts_with("ldap://") || url.starts_with("ldaps://")) {
        return Err(ConfigError(format!("auth.ldap.url: '{url}' must start with ldap:// or ldaps://")));
    }
    let base_dn = text("base_dn", file.base_dn).ok_or_else(|| ConfigError("auth.ldap.base_dn: needed when auth.ldap.url is set".into()))?;
    let user_filter = text("user_filter", file.user_filter).unwrap_or_else(|| "(|(uid={login})(mail={login}))".into());
    if !user_filter.contains("{login}") || !user_filter.starts_with('(') || !user_filter.ends_with(')') {
        return Err(ConfigError(format!("auth.ldap.user_filter: '{user_filter}' must be a parenthesised LDAP filter naming {{login}}")));
    }
    let sync_minutes: Option<u64> = parsed("HALLWAY_AUTH_LDAP_SYNC_MINUTES", "auth.ldap.sync_minutes", env, file.sync_minutes)?;
    let timeout_seconds: u64 = parsed("HALLWAY_AUTH_LDAP_TIMEOUT_SECONDS", "auth.ldap.timeout_seconds", env, file.timeout_seconds)?.unwrap_or(5);
    Ok(Some(LdapSettings {
        url,
        starttls: parsed("HALLWAY_AUTH_LDAP_STARTTLS", "auth.ldap.starttls", env, file.starttls)?.unwrap_or(false),
        bind_dn: text("bind_dn", file.bind_dn),
        bind_password: text("bind_password", file.bind_password),
        base_dn,
        user_filter,
        username_attribute: text("username_attribute", file.username_attribute).unwrap_or_else(|| "uid".into()),
        email_attribute: text("email_attribute", file.email_attribute).unwrap_or_else(|| "mail".into()),
        display_name_attribute: text("display_name_attribute", file.display_name_attribute).unwrap_or_else(|| "cn".into()),
        admin_group: text("admin_group", file.admin_group),
        moderator_group: text("moderator_group", file.moderator_group),
        allowed_group: text("allowed_group", file.allowed_group),
        sync_interval: sync_minutes.filter(|m| *m > 0).map(|m| std::time::Duration::from_secs(m * 60)),
        timeout: std::time::Duration::from_secs(timeout_seconds.clamp(1, 60)),
    }))
}

fn tls_files(cert: Option<PathBuf>, key: Option<PathBuf>) -> Result<Option<TlsFiles>, ConfigError> {
    match (cert, key) {
        (Some(cert), Some(key)) => Ok(Some(TlsFiles { cert, key })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(ConfigError("tls.key (HALLWAY_TLS_KEY): needed when tls.cert is set".into())),
        (None, Some(_)) => Err(ConfigError("tls.cert (HALLWAY_TLS_CERT): needed when tls.key is set".into())),
    }
}

fn validate_domain(domain: &str) -> Result<(), ConfigError> {
    let valid = !domain.is_empty()
        && !domain.contains("://")
        && url::Url::parse(&format!("https://{domain}/")).is_ok_and(|u| u.path() == "/" && u.username().is_empty());
    if valid {
        Ok(())
    } else {
        Err(ConfigError(format!("domain: '{domain}' is not a host name (with an optional :port)")))
    }
}

/// https unless the instance has no TLS of its own and lives on a loopback name, as a fresh clone does.
fn default_scheme(domain: &str, has_tls: bool) -> String {
    let host = domain.rsplit_once(':').map_or(domain, |(host, _)| host);
    let loopback = host == "localhost" || host.starts_with("127.") || host == "[::1]";
    if has_tls || !loopback { "https".into() } else { "http".into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(toml_text: &str, vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_parts(toml_text, &move |key| vars.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
    }

    #[test]
    fn defaults_run_a_local_instance() {
        let s = settings("", &[]).unwrap();
        assert_eq!(s.base_url(), "http://localhost:8080");
        assert_eq!(s.database_url, "sqlite://data/hallway.db");
        assert!(s.password_grant);
        assert_eq!(s.max_characters, 500);
        assert!(s.require_login, "closed to anonymous readers unless opened");
        assert_eq!(s.registrations, Registrations::Closed);
        assert_eq!(settings("registrations = \"approval\"", &[]).unwrap().registrations, Registrations::Approval);
        assert!(settings("registrations = \"maybe\"", &[]).unwrap_err().to_string().contains("registrations"));
        assert!(!settings("[access]\nrequire_login = false\n", &[]).unwrap().require_login);
        assert!(!settings("", &[("HALLWAY_ACCESS_REQUIRE_LOGIN", "false")]).unwrap().require_login);
    }

    #[test]
    fn environment_overrides_the_file() {
        let s = settings("domain = \"a.example\"\n[oauth]\npassword_grant = false\n", &[("HALLWAY_DOMAIN", "b.example")]).unwrap();
        assert_eq!(s.domain, "b.example");
        assert_eq!(s.scheme, "https");
        assert!(!s.password_grant);
    }

    #[test]
    fn bad_values_name_their_key() {
        let err = settings("", &[("HALLWAY_LISTEN", "nowhere")]).unwrap_err().to_string();
        assert!(err.contains("listen"), "{err}");
        let err = settings("colour = 1", &[]).unwrap_err().to_string();
        assert!(err.contains("colour"), "{err}");
        let err = settings("", &[("HALLWAY_DATABASE_URL", "mysql://x")]).unwrap_err().to_string();
        assert!(err.contains("database_url"), "{err}");
        let err = settings("[push]\ngateways = [\"https://push.corp.example/x\"]", &[]).unwrap_err().to_string();
        assert!(err.contains("push.gateways"), "{err}");
        let err = settings("[statuses]\nmax_characters = \"many\"", &[]).unwrap_err().to_string();
        assert!(err.contains("max_characters") || err.contains("invalid type"), "{err}");
    }
}
