//! The company's LDAP directory (OpenLDAP, Active Directory): finds a person by what they typed, checks
//! their password by binding as them, and reads their groups (`memberOf`, or a search of each group).

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use ldap3::{ldap_escape, Ldap, LdapConnAsync, LdapConnSettings, Scope, SearchEntry};

use crate::config::LdapSettings;
use crate::db::kinds::IdentityProvider;
use crate::service::directory::{role_from_groups, DirectoryPerson};

/// LDAP's result code for a wrong password (or a locked account, on some servers).
const INVALID_CREDENTIALS: u32 = 49;
const NO_SUCH_OBJECT: u32 = 32;
/// Active Directory's `userAccountControl` flag of a disabled account.
const AD_ACCOUNT_DISABLE: u64 = 0x2;
/// Longer logins are nobody's: refusing them keeps filters small.
const MAX_LOGIN: usize = 256;

/// What the directory says of someone.
#[derive(Debug)]
pub enum Standing {
    /// Known, enabled and (when `allowed_group` is set) in it.
    Allowed(DirectoryPerson),
    /// Known, but disabled or outside `allowed_group`.
    Refused { dn: String, why: &'static str },
    /// Known, and the password is wrong.
    WrongPassword,
    /// No entry matches (or more than one does).
    Unknown,
}

/// The directory could not be asked (down, unreachable, misconfigured).
#[derive(Debug, thiserror::Error)]
#[error("the LDAP directory at {url} cannot be used: {cause}")]
pub struct Unavailable {
    url: String,
    cause: String,
}

#[derive(Clone)]
pub struct LdapDirectory {
    settings: LdapSettings,
    tls: Arc<rustls::ClientConfig>,
}

impl LdapDirectory {
    pub fn new(settings: LdapSettings, tls: Arc<rustls::ClientConfig>) -> LdapDirectory {
        LdapDirectory { settings, tls }
    }

    /// Checks a login (what the person typed: uid or mail by default) and password.
    pub async fn sign_in(&self, login: &str, password: &str) -> Result<Standing, Unavailable> {
        let login = login.trim();
        // An empty password would be an unauthenticated bind, which LDAP servers accept.
        if password.is_empty() || login.is_empty() || login.len() > MAX_LOGIN || login.chars().any(char::is_control) {
            return Ok(Standing::Unknown);
        }
        let mut ldap = self.connect().await?;
        let filter = self.settings.user_filter.replace("{login}", &ldap_escape(login));
        let found = match self.search(&mut ldap, &self.settings.base_dn, Scope::Subtree, &filter).await {
            Ok(found) => found,
            Err(Lookup::NoSuchEntry) => return Err(self.unavailable(format!("the base DN {} does not exist", self.settings.base_dn))),
            Err(Lookup::Failed(e)) => return Err(e),
        };
        let [entry] = found.as_slice() else {
            if found.len() > 1 {
                log::warn!("LDAP: {} entries match the login {login:?}; refusing it", found.len());
            }
            return Ok(Standing::Unknown);
        };
        let standing = self.standing_of(&mut ldap, entry).await?;
        if !matches!(standing, Standing::Allowed(_)) {
            return Ok(standing);
        }
        let bound = ldap.with_timeout(self.settings.timeout).simple_bind(&entry.dn, password).await.map_err(|e| self.unavailable(e))?;
        let _ = ldap.unbind().await;
        match bound.rc {
            0 => Ok(standing),
            INVALID_CREDENTIALS => Ok(Standing::WrongPassword),
            rc => Err(self.unavailable(format!("binding as {} answered {rc} {}", entry.dn, bound.text))),
        }
    }

    /// What the directory says of the entry `dn` now (for a sync): Unknown when it is gone.
    pub async fn look_up(&self, dn: &str) -> Result<Standing, Unavailable> {
        let mut ldap = self.connect().await?;
        let found = match self.search(&mut ldap, dn, Scope::Base, "(objectClass=*)").await {
            Ok(found) => found,
            Err(Lookup::NoSuchEntry) => return Ok(Standing::Unknown),
            Err(Lookup::Failed(e)) => return Err(e),
        };
        let standing = match found.first() {
            Some(entry) => self.standing_of(&mut ldap, entry).await?,
            None => Standing::Unknown,
        };
        let _ = ldap.unbind().await;
        Ok(standing)
    }

    async fn connect(&self) -> Result<Ldap, Unavailable> {
        let settings = LdapConnSettings::new()
            .set_conn_timeout(self.settings.timeout)
            .set_starttls(self.settings.starttls)
            .set_config(self.tls.clone());
        let (connection, mut ldap) = LdapConnAsync::with_settings(settings, &self.settings.url).await.map_err(|e| self.unavailable(e))?;
        ldap3::drive!(connection);
        if let Some(bind_dn) = &self.settings.bind_dn {
            let password = self.settings.bind_password.as_deref().unwrap_or("");
            let bound = ldap.with_timeout(self.settings.timeout).simple_bind(bind_dn, password).await.map_err(|e| self.unavailable(e))?;
            if bound.rc != 0 {
                return Err(self.unavailable(format!("the search account {bind_dn} cannot bind: {} {}", bound.rc, bound.text)));
            }
        }
        Ok(ldap)
    }

    async fn search(&self, ldap: &mut Ldap, base: &str, scope: Scope, filter: &str) -> Result<Vec<Entry>, Lookup> {
        let settings = &self.settings;
        let attributes = [
            settings.username_attribute.as_str(),
            settings.email_attribute.as_str(),
            settings.display_name_attribute.as_str(),
            "memberOf",
            "pwdAccountLockedTime",
            "userAccountControl",
        ];
        let result = ldap.with_timeout(settings.timeout).search(base, scope, filter, attributes.to_vec()).await.map_err(|e| Lookup::Failed(self.unavailable(e)))?;
        match result.1.rc {
            0 => {}
            NO_SUCH_OBJECT => return Err(Lookup::NoSuchEntry),
            rc => return Err(Lookup::Failed(self.unavailable(format!("searching {base} answered {rc} {}", result.1.text)))),
        }
        Ok(result.0.into_iter().filter_map(|raw| std::panic::catch_unwind(AssertUnwindSafe(|| SearchEntry::construct(raw))).ok()).map(Entry::from).collect())
    }

    async fn standing_of(&self, ldap: &mut Ldap, entry: &Entry) -> Result<Standing, Unavailable> {
        if entry.is_disabled() {
            return Ok(Standing::Refused { dn: entry.dn.clone(), why: "disabled in the directory" });
        }
        let settings = &self.settings;
        if self.membership(ldap, entry, settings.allowed_group.as_deref()).await? == Some(false) {
            return Ok(Standing::Refused { dn: entry.dn.clone(), why: "not in the allowed group" });
        }
        let admin = self.membership(ldap, entry, settings.admin_group.as_deref()).await?;
        let moderator = self.membership(ldap, entry, settings.moderator_group.as_deref()).await?;
        let role = role_from_groups(admin, moderator);
        let Some(username) = entry.first(&settings.username_attribute) else {
            return Ok(Standing::Refused { dn: entry.dn.clone(), why: "the entry has no username attribute" });
        };
        Ok(Standing::Allowed(DirectoryPerson {
            provider: IdentityProvider::Ldap,
            subject: entry.dn.clone(),
            username: username.to_owned(),
            email: entry.first(&settings.email_attribute).map(str::to_owned),
            display_name: entry.first(&settings.display_name_attribute).map(str::to_owned),
            role,
        }))
    }

    /// Whether the entry is in `group`; None when no such group is configured.
    async fn membership(&self, ldap: &mut Ldap, entry: &Entry, group: Option<&str>) -> Result<Option<bool>, Unavailable> {
        match group {
            Some(group) => self.is_member(ldap, entry, group).await.map(Some),
            None => Ok(None),
        }
    }

    /// `memberOf` when the server keeps it (Active Directory, OpenLDAP's memberof overlay); otherwise a
    /// search of the group for the entry as `member`, `uniqueMember` or `memberUid`.
    async fn is_member(&self, ldap: &mut Ldap, entry: &Entry, group: &str) -> Result<bool, Unavailable> {
        if let Some(groups) = entry.all("memberOf") {
            if groups.iter().any(|g| same_dn(g, group)) {
                return Ok(true);
            }
        }
        let uid = entry.first(&self.settings.username_attribute).unwrap_or_default();
        let filter = format!("(|(member={dn})(uniqueMember={dn})(memberUid={uid}))", dn = ldap_escape(&entry.dn), uid = ldap_escape(uid));
        match self.search(ldap, group, Scope::Base, &filter).await {
            Ok(found) => Ok(!found.is_empty()),
            Err(Lookup::NoSuchEntry) => {
                log::warn!("LDAP: the configured group {group} does not exist");
                Ok(false)
            }
            Err(Lookup::Failed(e)) => Err(e),
        }
    }

    fn unavailable(&self, cause: impl std::fmt::Display) -> Unavailable {
        Unavailable { url: self.settings.url.clone(), cause: cause.to_string() }
    }
}

enum Lookup {
    NoSuchEntry,
    Failed(Unavailable),
}

/// An entry with attribute names compared as LDAP does, without case.
struct Entry {
    dn: String,
    attributes: HashMap<String, Vec<String>>,
}

impl From<SearchEntry> for Entry {
    fn from(entry: SearchEntry) -> Entry {
        Entry { dn: entry.dn, attributes: entry.attrs.into_iter().map(|(name, values)| (name.to_ascii_lowercase(), values)).collect() }
    }
}

impl Entry {
    fn all(&self, attribute: &str) -> Option<&Vec<String>> {
        self.attributes.get(&attribute.to_ascii_lowercase())
    }

    fn first(&self, attribute: &str) -> Option<&str> {
        self.all(attribute).and_then(|values| values.first()).map(String::as_str).filter(|v| !v.trim().is_empty())
    }

    /// OpenLDAP's password policy lock, or Active Directory's disabled flag.
    fn is_disabled(&self) -> bool {
        let locked = self.first("pwdAccountLockedTime").is_some();
        let ad_disabled = self.first("userAccountControl").and_then(|v| v.parse::<u64>().ok()).is_some_and(|flags| flags & AD_ACCOUNT_DISABLE != 0);
        locked || ad_disabled
    }
}

/// DNs compared as directories do: without case, and without spaces after the separators.
fn same_dn(a: &str, b: &str) -> bool {
    let normal = |dn: &str| dn.split(',').map(|rdn| rdn.trim().to_lowercase()).collect::<Vec<_>>();
    normal(a) == normal(b)
}

#[cfg(test)]
mod tests {
    use super::same_dn;

    #[test]
    fn group_dns_compare_without_case_or_spaces() {
        assert!(same_dn("CN=Admins, OU=Groups,DC=corp,DC=example", "cn=admins,ou=groups,dc=corp,dc=example"));
        assert!(!same_dn("cn=admins,dc=corp", "cn=admins2,dc=corp"));
    }
}
