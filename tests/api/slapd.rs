//! A real OpenLDAP `slapd` (Debian's package) on a free 127.0.0.1 port, with a throwaway configuration and
//! database, filled with a small company through the LDAP protocol (so that the memberof overlay keeps
//! `memberOf`, as Active Directory does).

use std::collections::HashSet;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use hallway::config::LdapSettings;
use ldap3::{LdapConnAsync, Mod};

const SLAPD: &str = "/usr/sbin/slapd";
pub const SUFFIX: &str = "dc=corp,dc=example";
pub const ADMIN_DN: &str = "cn=admin,dc=corp,dc=example";
const ADMIN_PASSWORD: &str = "directory-admin";
pub const USERS_GROUP: &str = "cn=hallway-users,ou=groups,dc=corp,dc=example";
pub const ADMINS_GROUP: &str = "cn=hallway-admins,ou=groups,dc=corp,dc=example";
/// groupOfNames needs a member: the directory's admin stays in each, so that the people can all leave.
/// A groupOfUniqueNames, which the memberof overlay does not follow: membership is found by a group search.
pub const MODERATORS_GROUP: &str = "cn=hallway-moderators,ou=groups,dc=corp,dc=example";

pub struct Slapd {
    pub url: String,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

/// The people of the test directory: (uid, display name, password).
pub const PEOPLE: &[(&str, &str, &str)] = &[
    ("ann", "Ann Lee", "ann-secret"),
    ("bob", "Bob Moderator", "bob-secret"),
    ("cat", "Cat Admin", "cat-secret"),
    ("dan", "Dan Outsider", "dan-secret"),
    ("eve", "Eve Disabled", "eve-secret"),
];

pub fn person_dn(uid: &str) -> String {
    format!("uid={uid},ou=people,{SUFFIX}")
}

impl Slapd {
    /// Starts slapd, or None when it is not installed outside CI (the run says so); in CI it must be.
    pub async fn start() -> Option<Slapd> {
        if !Path::new(SLAPD).exists() {
            assert!(std::env::var_os("CI").is_none(), "slapd is not installed (Debian: apt-get install slapd); .ci/run installs it");
            eprintln!("skipped: {SLAPD} is not installed (apt-get install slapd)");
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("db")).expect("db dir");
        let config = dir.path().join("slapd.conf");
        std::fs::write(&config, slapd_conf(dir.path())).expect("slapd.conf");
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let url = format!("ldap://127.0.0.1:{port}");
        let child = Command::new(SLAPD)
            .args(["-f", config.to_str().unwrap(), "-h", &format!("{url}/"), "-d", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start slapd");
        let slapd = Slapd { url, child: Some(child), _dir: dir };
        slapd.wait_until_it_answers().await;
        slapd.fill().await;
        Some(slapd)
    }

    /// Settings for an instance that signs people in here; only the users group may sign in.
    pub fn settings(&self) -> LdapSettings {
        LdapSettings {
            url: self.url.clone(),
            starttls: false,
            bind_dn: Some(ADMIN_DN.into()),
            bind_password: Some(ADMIN_PASSWORD.into()),
            base_dn: format!("ou=people,{SUFFIX}"),
            user_filter: "(|(uid={login})(mail={login}))".into(),
            username_attribute: "uid".into(),
            email_attribute: "mail".into(),
            display_name_attribute: "cn".into(),
            admin_group: Some(ADMINS_GROUP.into()),
            moderator_group: Some(MODERATORS_GROUP.into()),
            allowed_group: Some(USERS_GROUP.into()),
            sync_interval: None,
            timeout: Duration::from_secs(3),
        }
    }

    /// Stops the directory, as when its server goes down.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub async fn remove_from_group(&self, uid: &str, group: &str) {
        let mut ldap = self.admin().await;
        ldap.modify(group, vec![Mod::Delete("member", HashSet::from([person_dn(uid).as_str()]))]).await.unwrap().success().unwrap();
    }

    pub async fn add_to_group(&self, uid: &str, group: &str) {
        let mut ldap = self.admin().await;
        ldap.modify(group, vec![Mod::Add("member", HashSet::from([person_dn(uid).as_str()]))]).await.unwrap().success().unwrap();
    }

    pub async fn delete_person(&self, uid: &str) {
        self.remove_from_group(uid, USERS_GROUP).await;
        let mut ldap = self.admin().await;
        ldap.delete(&person_dn(uid)).await.unwrap().success().unwrap();
    }

    async fn admin(&self) -> ldap3::Ldap {
        let (connection, mut ldap) = LdapConnAsync::new(&self.url).await.expect("connect to slapd");
        ldap3::drive!(connection);
        ldap.simple_bind(ADMIN_DN, ADMIN_PASSWORD).await.unwrap().success().expect("bind as the directory admin");
        ldap
    }

    async fn wait_until_it_answers(&self) {
        for _ in 0..100 {
            if let Ok((connection, mut ldap)) = LdapConnAsync::new(&self.url).await {
                ldap3::drive!(connection);
                if ldap.simple_bind(ADMIN_DN, ADMIN_PASSWORD).await.is_ok_and(|r| r.rc == 0) {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("slapd did not start at {}", self.url);
    }

    async fn fill(&self) {
        let mut ldap = self.admin().await;
        let add = |dn: String, attrs: Vec<(&'static str, Vec<String>)>| (dn, attrs);
        let mut entries = vec![
            add(SUFFIX.into(), vec![("objectClass", vec!["dcObject".into(), "organization".into()]), ("dc", vec!["corp".into()]), ("o", vec!["Corp".into()])]),
            add(format!("ou=people,{SUFFIX}"), vec![("objectClass", vec!["organizationalUnit".into()]), ("ou", vec!["people".into()])]),
            add(format!("ou=groups,{SUFFIX}"), vec![("objectClass", vec!["organizationalUnit".into()]), ("ou", vec!["groups".into()])]),
        ];
        for (uid, name, password) in PEOPLE {
            let surname = name.split(' ').next_back().unwrap().to_owned();
            let mut attrs = vec![
                ("objectClass", vec!["inetOrgPerson".into()]),
                ("uid", vec![uid.to_string()]),
                ("cn", vec![name.to_string()]),
                ("sn", vec![surname]),
                ("mail", vec![format!("{uid}@corp.example")]),
                ("userPassword", vec![password.to_string()]),
            ];
            if *uid == "eve" {
                attrs.push(("pwdAccountLockedTime", vec!["000001010000Z".into()]));
            }
            entries.push(add(person_dn(uid), attrs));
        }
        let members = |uids: &[&str]| uids.iter().map(|uid| person_dn(uid)).collect::<Vec<_>>();
        entries.push(add(USERS_GROUP.into(), vec![("objectClass", vec!["groupOfNames".into()]), ("cn", vec!["hallway-users".into()]), ("member", members(&["ann", "bob", "cat", "eve"]))]));
        entries.push(add(ADMINS_GROUP.into(), vec![("objectClass", vec!["groupOfNames".into()]), ("cn", vec!["hallway-admins".into()]), ("member", [members(&["cat"]), vec![ADMIN_DN.to_owned()]].concat())]));
        entries.push(add(
            MODERATORS_GROUP.into(),
            vec![("objectClass", vec!["groupOfUniqueNames".into()]), ("cn", vec!["hallway-moderators".into()]), ("uniqueMember", members(&["bob"]))],
        ));
        for (dn, attrs) in entries {
            let attrs: Vec<(&str, HashSet<&str>)> = attrs.iter().map(|(name, values)| (*name, values.iter().map(String::as_str).collect())).collect();
            ldap.add(&dn, attrs).await.unwrap().success().unwrap_or_else(|e| panic!("add {dn}: {e}"));
        }
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.stop();
    }
}

fn slapd_conf(dir: &Path) -> String {
    let dir = dir.display();
    format!(
        r#"include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
moduleload ppolicy
pidfile {dir}/slapd.pid
argsfile {dir}/slapd.args
database mdb
maxsize 10485760
suffix "{SUFFIX}"
rootdn "{ADMIN_DN}"
rootpw {ADMIN_PASSWORD}
directory {dir}/db
overlay memberof
overlay ppolicy
access to attrs=userPassword by anonymous auth by * none
access to * by * read
"#
    )
}
