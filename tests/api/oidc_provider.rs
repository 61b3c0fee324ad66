//! A real OpenID provider (npm `oidc-provider`, `tests/oidc/provider.mjs`) on a free 127.0.0.1 port, and a
//! person signing in on its development login page, driven over HTTP as a browser would.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use hallway::config::OidcSettings;

pub struct OidcProvider {
    pub issuer: String,
    child: Option<Child>,
}

fn provider_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

/// `npm ci` once per test run when the provider's packages are not installed (a fresh clone).
fn installed() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        let dir = provider_dir();
        if dir.join("node_modules/oidc-provider").exists() {
            return true;
        }
        Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]).current_dir(&dir).status().is_ok_and(|s| s.success())
    })
}

impl OidcProvider {
    /// Starts the provider for a Hallway whose callback is `callback`; None when node is missing outside CI.
    /// With `tamper`, its token endpoint hands out a bad ID token: `signature` (changed after signing) or
    /// `expired` (signed, but expired an hour ago).
    pub fn start(callback: &str, tamper: Option<&str>) -> Option<OidcProvider> {
        let node = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
        if !node || !installed() {
            assert!(std::env::var_os("CI").is_none(), "node and npm are needed for the OpenID provider (tests/oidc)");
            eprintln!("skipped: node or the oidc-provider package is not available");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new("node")
            .args(["provider.mjs", &port.to_string(), callback])
            .args(tamper)
            .current_dir(provider_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the OpenID provider");
        let mut output = BufReader::new(child.stdout.take().unwrap());
        let mut first_line = String::new();
        output.read_line(&mut first_line).expect("the provider's first line");
        assert_eq!(first_line.trim(), "listening", "the OpenID provider did not start");
        // Its later notices must find the pipe open, or node ends on EPIPE.
        std::thread::spawn(move || std::io::copy(&mut output, &mut std::io::sink()));
        Some(OidcProvider { issuer: format!("http://127.0.0.1:{port}"), child: Some(child) })
    }

    /// Settings for an instance that signs people in here: members of hallway-users only, admins by group.
    pub fn settings(&self) -> OidcSettings {
        OidcSettings {
            issuer: self.issuer.clone(),
            client_id: "hallway".into(),
            client_secret: "hallway-secret".into(),
            scopes: ["openid", "profile", "email", "groups"].map(String::from).to_vec(),
            username_claim: "preferred_username".into(),
            groups_claim: "groups".into(),
            admin_group: Some("hallway-admins".into()),
            moderator_group: None,
            allowed_group: Some("hallway-users".into()),
            display_name: "Sign in with Corp".into(),
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Signs in as `login` on the provider's development pages, starting from the URL Hallway sent the browser
/// to; answers the URL the provider finally sends the browser back to (Hallway's callback).
pub async fn sign_in_at_provider(start: &str, login: &str) -> String {
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).cookie_store(true).build().unwrap();
    let origin = {
        let url = url::Url::parse(start).unwrap();
        format!("{}://{}", url.scheme(), hallway::net::authority(&url))
    };
    let absolute = |location: &str| if location.starts_with('/') { format!("{origin}{location}") } else { location.to_owned() };
    let mut next = browser.get(start).send().await.unwrap();
    for _ in 0..20 {
        if next.status().is_redirection() {
            let location = absolute(next.headers()["location"].to_str().unwrap());
            if !location.starts_with(&origin) {
                return location;
            }
            next = browser.get(&location).send().await.unwrap();
            continue;
        }
        let page = next.text().await.unwrap();
        let action = page.split("action=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_else(|| panic!("no form on the provider's page: {page}"));
        let mut form = hidden_inputs(&page);
        if page.contains("name=\"password\"") {
            form.extend([("login".to_owned(), login.to_owned()), ("password".to_owned(), "any password".to_owned())]);
        }
        next = browser.post(absolute(action)).form(&form).send().await.unwrap();
    }
    panic!("the provider never sent the browser back");
}

/// The hidden fields of a page's form, as a browser would send them.
fn hidden_inputs(page: &str) -> Vec<(String, String)> {
    let attribute = |tag: &str, name: &str| tag.split(&format!("{name}=\"")).nth(1).and_then(|rest| rest.split('"').next()).map(str::to_owned);
    page.split("<input")
        .skip(1)
        .filter_map(|rest| rest.split('>').next())
        .filter(|tag| tag.contains("type=\"hidden\""))
        .filter_map(|tag| Some((attribute(tag, "name")?, attribute(tag, "value").unwrap_or_default())))
        .collect()
}
