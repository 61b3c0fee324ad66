//! Mastodon's GroupedNotificationsResults: groups referring to accounts and statuses listed once each.

use std::collections::HashSet;

use serde::Serialize;

use super::{timestamp, Account, Status};
use crate::config::Settings;
use crate::service::notification_groups::GroupView;

#[derive(Debug, Serialize)]
pub struct GroupedNotifications {
    pub accounts: Vec<Account>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial_accounts: Option<Vec<PartialAccount>>,
    pub statuses: Vec<Status>,
    pub notification_groups: Vec<NotificationGroup>,
}

#[derive(Debug, Serialize)]
pub struct NotificationGroup {
    pub group_key: String,
    pub notifications_count: usize,
    #[serde(rename = "type")]
    pub kind: String,
    pub most_recent_notification_id: String,
    pub page_min_id: String,
    pub page_max_id: String,
    pub latest_page_notification_at: String,
    pub sample_account_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_id: Option<String>,
}

/// What `expand_accounts=partial_avatars` gives for accounts beyond each group's newest.
#[derive(Debug, Serialize)]
pub struct PartialAccount {
    pub id: String,
    pub acct: String,
    pub url: String,
    pub avatar: String,
    pub avatar_static: String,
    pub locked: bool,
    pub bot: bool,
}

impl GroupedNotifications {
    /// `partial`: only each group's newest account in full, the others as partial accounts.
    pub fn from_views(groups: &[GroupView], partial: bool, settings: &Settings) -> GroupedNotifications {
        let newest = |g: &GroupView| g.sample_accounts.iter().take(if partial { 1 } else { usize::MAX }).cloned().collect::<Vec<_>>();
        let mut full_ids = HashSet::new();
        let accounts: Vec<Account> = groups
            .iter()
            .flat_map(newest)
            .filter(|a| full_ids.insert(a.id))
            .map(|a| Account::from_row(&a, settings))
            .collect();
        let mut partial_ids = HashSet::new();
        let mut partial_accounts = Vec::new();
        for group in groups.iter().filter(|_| partial) {
            for account in group.sample_accounts.iter().skip(1) {
                if !full_ids.contains(&account.id) && partial_ids.insert(account.id) {
                    let entity = Account::from_row(account, settings);
                    partial_accounts.push(PartialAccount {
                        id: entity.id,
                        acct: entity.acct,
                        url: entity.url,
                        avatar: entity.avatar,
                        avatar_static: entity.avatar_static,
                        locked: entity.locked,
                        bot: entity.bot,
                    });
                }
            }
        }
        let mut status_ids = HashSet::new();
        let statuses = groups
            .iter()
            .filter_map(|g| g.status.as_ref())
            .filter(|s| status_ids.insert(s.status.id))
            .map(|s| Status::from_view(s, settings))
            .collect();
        GroupedNotifications {
            accounts,
            partial_accounts: partial.then_some(partial_accounts),
            statuses,
            notification_groups: groups.iter().map(NotificationGroup::from_view).collect(),
        }
    }
}

impl NotificationGroup {
    fn from_view(group: &GroupView) -> NotificationGroup {
        NotificationGroup {
            group_key: group.key.clone(),
            notifications_count: group.count,
            kind: group.kind.clone(),
            most_recent_notification_id: group.latest.id.to_string(),
            page_min_id: group.page_min_id.to_string(),
            page_max_id: group.page_max_id.to_string(),
            latest_page_notification_at: timestamp(&group.latest.created_at),
            sample_account_ids: group.sample_accounts.iter().map(|a| a.id.to_string()).collect(),
            status_id: group.latest.status_id.map(|id| id.to_string()),
        }
    }
}
