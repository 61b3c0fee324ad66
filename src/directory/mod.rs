//! The company directory: sign-in with the directory's password, accounts made and kept in step from it
//! (`service::directory`), and the sync that suspends those it no longer vouches for.

pub mod ldap;
pub mod oidc;

use std::sync::Arc;

use crate::config::Settings;
use crate::db::kinds::IdentityProvider;
use crate::db::models::Account;
use crate::db::Database;
use crate::error::{AppError, AppResult};
use crate::service::{auth, directory};
use ldap::{LdapDirectory, Standing};
use oidc::OidcDirectory;

#[derive(Clone, Default)]
pub struct Directory {
    ldap: Option<LdapDirectory>,
    pub oidc: Option<OidcDirectory>,
}

/// What a sync did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub checked: usize,
    pub suspended: usize,
    pub restored: usize,
}

impl Directory {
    pub fn new(settings: &Settings, tls: &Arc<rustls::ClientConfig>) -> Directory {
        Directory {
            ldap: settings.ldap.clone().map(|ldap| LdapDirectory::new(ldap, tls.clone())),
            oidc: settings.oidc.clone().map(|oidc| OidcDirectory::new(oidc, &settings.base_url(), tls)),
        }
    }

    /// Checks a login and password wherever a password is asked: against the directory when one is
    /// configured; for logins it does not know (an emergency administrator), or while it is down, against
    /// local passwords. None when the sign-in is refused.
    /// `allow_local` false: local passwords are off (`auth.password`), only the directory signs people in.
    pub async fn check_password(&self, db: &Database, settings: &Arc<Settings>, login: &str, password: &str, allow_local: bool) -> AppResult<Option<Account>> {
        let local = || async { if allow_local { local_password(db, login, password).await } else { Ok(None) } };
        let Some(ldap) = &self.ldap else {
            return local().await;
        };
        match ldap.sign_in(login, password).await {
            Ok(Standing::Allowed(person)) => {
                let settings = settings.clone();
                db.write(move |tx| directory::vouched(tx, &settings, &person)).await
            }
            Ok(Standing::Refused { dn, why }) => {
                log::info!("sign-in of {dn} refused: {why}");
                Ok(None)
            }
            Ok(Standing::WrongPassword) => Ok(None),
            Ok(Standing::Unknown) => local().await,
            Err(unavailable) => {
                log::warn!("sign-in: {unavailable}");
                match local().await? {
                    Some(account) => Ok(Some(account)),
                    None => Err(AppError::DirectoryUnavailable),
                }
            }
        }
    }

    /// Asks the directory about everyone it vouched for: those it no longer knows, disabled or outside the
    /// allowed group are suspended and signed out; those it takes back are restored; the others brought up
    /// to date. Stops at the first time the directory cannot be asked, having changed only what it checked.
    pub async fn sync(&self, db: &Database, settings: &Arc<Settings>) -> AppResult<SyncReport> {
        let Some(ldap) = &self.ldap else {
            return Err(AppError::validation("No directory is configured ([auth.ldap] url)"));
        };
        let mut report = SyncReport::default();
        for identity in db.read(|conn| directory::identities_of(conn, IdentityProvider::Ldap)).await? {
            let standing = ldap.look_up(&identity.subject).await.map_err(|unavailable| {
                log::warn!("directory sync: {unavailable}");
                AppError::DirectoryUnavailable
            })?;
            report.checked += 1;
            match standing {
                Standing::Allowed(person) => {
                    let (settings, was_disabled) = (settings.clone(), identity.disabled_at.is_some());
                    let restored = db.write(move |tx| directory::vouched(tx, &settings, &person)).await?;
                    report.restored += usize::from(was_disabled && restored.is_some());
                }
                Standing::Refused { .. } | Standing::WrongPassword | Standing::Unknown => {
                    report.suspended += usize::from(db.write(move |tx| directory::refused(tx, &identity)).await?);
                }
            }
        }
        Ok(report)
    }
}

async fn local_password(db: &Database, login: &str, password: &str) -> AppResult<Option<Account>> {
    let (login, password) = (login.to_owned(), password.to_owned());
    Ok(db.read(move |conn| auth::check_login(conn, &login, &password)).await?.map(|(_, account)| account))
}
