//! The admin dashboard's figures, as Mastodon's admin API has them: measures (a number per day and the total
//! for a period, beside the previous period's), dimensions (what the activity is made of) and retention
//! (how many of each cohort of new users still post).

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime};

use crate::db::queries::measures::{self, FromDomain, Sample};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};

/// The longest period asked for at once.
const MAX_DAYS: i64 = 400;

/// Whole days, from the first's midnight to the last's end (UTC).
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Period {
    pub fn new(start_at: NaiveDateTime, end_at: NaiveDateTime) -> AppResult<Period> {
        let (first, last) = (start_at.date(), end_at.date());
        if [first, last].iter().any(|day| !(1970..=9999).contains(&day.year())) {
            return Err(AppError::validation("Dates must lie between the years 1970 and 9999"));
        }
        if last < first {
            return Err(AppError::validation("end_at must not be before start_at"));
        }
        if (last - first).num_days() >= MAX_DAYS {
            return Err(AppError::validation(format!("A period is at most {MAX_DAYS} days")));
        }
        Ok(Period { first, last })
    }

    fn from(&self) -> NaiveDateTime {
        self.first.and_time(chrono::NaiveTime::MIN)
    }

    fn to(&self) -> NaiveDateTime {
        (self.last + chrono::Days::new(1)).and_time(chrono::NaiveTime::MIN)
    }

    fn days(self) -> impl Iterator<Item = NaiveDate> {
        self.first.iter_days().take_while(move |day| *day <= self.last)
    }

    /// The period of the same length just before.
    fn previous(&self) -> Period {
        let length = self.last - self.first + chrono::Duration::days(1);
        Period { first: self.first - length, last: self.first - chrono::Duration::days(1) }
    }
}

/// A measure Mastodon names, with what it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeasureKey {
    ActiveUsers,
    NewUsers,
    Interactions,
    OpenedReports,
    ResolvedReports,
    TagAccounts(i64),
    TagUses(i64),
    TagServers(i64),
    Instance(FromDomain, String),
}

impl MeasureKey {
    pub fn name(&self) -> &'static str {
        match self {
            MeasureKey::ActiveUsers => "active_users",
            MeasureKey::NewUsers => "new_users",
            MeasureKey::Interactions => "interactions",
            MeasureKey::OpenedReports => "opened_reports",
            MeasureKey::ResolvedReports => "resolved_reports",
            MeasureKey::TagAccounts(_) => "tag_accounts",
            MeasureKey::TagUses(_) => "tag_uses",
            MeasureKey::TagServers(_) => "tag_servers",
            MeasureKey::Instance(kind, _) => match kind {
                FromDomain::Accounts => "instance_accounts",
                FromDomain::Statuses => "instance_statuses",
                FromDomain::Media => "instance_media_attachments",
                FromDomain::Reports => "instance_reports",
                FromDomain::Follows => "instance_follows",
                FromDomain::Followers => "instance_followers",
            },
        }
    }

    pub fn unit(&self) -> Option<&'static str> {
        matches!(self, MeasureKey::Instance(FromDomain::Media, _)).then_some("bytes")
    }
}

pub struct Measure {
    pub key: MeasureKey,
    pub total: i64,
    pub previous_total: i64,
    pub data: Vec<(NaiveDate, i64)>,
}

/// What a measure counts in a period: things (summed by weight), or distinct accounts or domains.
enum Counted {
    Weighted(Vec<(NaiveDateTime, i64)>),
    Distinct(Vec<Sample>),
}

fn counted(conn: &mut DbConn, key: &MeasureKey, period: &Period) -> AppResult<Counted> {
    let (from, to) = (period.from(), period.to());
    let weighted = |samples: Vec<Sample>| Counted::Weighted(samples.into_iter().map(|(at, _)| (at, 1)).collect());
    Ok(match key {
        MeasureKey::ActiveUsers => {
            let mut active = measures::local_statuses(conn, from, to)?;
            active.extend(measures::local_activity(conn, from, to)?);
            Counted::Distinct(active)
        }
        MeasureKey::NewUsers => weighted(measures::new_users(conn, from, to)?),
        MeasureKey::Interactions => weighted(measures::interactions(conn, from, to)?),
        MeasureKey::OpenedReports => weighted(measures::opened_reports(conn, from, to)?),
        MeasureKey::ResolvedReports => weighted(measures::resolved_reports(conn, from, to)?),
        MeasureKey::TagAccounts(tag) => Counted::Distinct(measures::tag_uses(conn, *tag, from, to)?.into_iter().map(|used| (used.at, used.account.to_string())).collect()),
        MeasureKey::TagUses(tag) => Counted::Weighted(measures::tag_uses(conn, *tag, from, to)?.into_iter().map(|used| (used.at, 1)).collect()),
        MeasureKey::TagServers(tag) => {
            let remote = measures::tag_uses(conn, *tag, from, to)?.into_iter().filter_map(|used| Some((used.at, used.domain?)));
            Counted::Distinct(remote.collect())
        }
        MeasureKey::Instance(kind, domain) => Counted::Weighted(measures::from_domain(conn, *kind, domain, from, to)?),
    })
}

/// The total and the per-day values of what was counted.
fn tally(counted: Counted, period: &Period) -> (i64, Vec<(NaiveDate, i64)>) {
    let mut by_day: BTreeMap<NaiveDate, i64> = period.days().map(|day| (day, 0)).collect();
    let total = match counted {
        Counted::Weighted(samples) => {
            for (at, weight) in &samples {
                *by_day.entry(at.date()).or_default() += weight;
            }
            samples.iter().map(|(_, weight)| weight).sum()
        }
        Counted::Distinct(samples) => {
            let mut seen: BTreeMap<NaiveDate, HashSet<&str>> = BTreeMap::new();
            for (at, key) in &samples {
                seen.entry(at.date()).or_default().insert(key);
            }
            for (day, keys) in seen {
                by_day.insert(day, keys.len() as i64);
            }
            samples.iter().map(|(_, key)| key.as_str()).collect::<HashSet<_>>().len() as i64
        }
    };
    (total, by_day.into_iter().filter(|(day, _)| *day >= period.first && *day <= period.last).collect())
}

pub fn measure(conn: &mut DbConn, key: MeasureKey, period: &Period) -> AppResult<Measure> {
    let (total, data) = tally(counted(conn, &key, period)?, period);
    let previous = period.previous();
    let (previous_total, _) = tally(counted(conn, &key, &previous)?, &previous);
    Ok(Measure { key, total, previous_total, data })
}

/// The database engine's name and version (for `/readyz` and the software versions).
pub fn database_version(conn: &mut DbConn) -> AppResult<(&'static str, String)> {
    measures::database_version(conn)
}

/// A dimension Mastodon names, with what it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DimensionKey {
    Languages,
    Sources,
    Servers,
    SpaceUsage,
    SoftwareVersions,
    TagServers(i64),
    TagLanguages(i64),
    InstanceAccounts(String),
    InstanceLanguages(String),
}

impl DimensionKey {
    pub fn name(&self) -> &'static str {
        match self {
            DimensionKey::Languages => "languages",
            DimensionKey::Sources => "sources",
            DimensionKey::Servers => "servers",
            DimensionKey::SpaceUsage => "space_usage",
            DimensionKey::SoftwareVersions => "software_versions",
            DimensionKey::TagServers(_) => "tag_servers",
            DimensionKey::TagLanguages(_) => "tag_languages",
            DimensionKey::InstanceAccounts(_) => "instance_accounts",
            DimensionKey::InstanceLanguages(_) => "instance_languages",
        }
    }
}

/// One part of a dimension: its key, how it reads, its value (and the value's unit).
pub struct DimensionItem {
    pub key: String,
    pub human_key: String,
    pub value: i64,
    pub text_value: Option<String>,
    pub unit: Option<&'static str>,
}

impl DimensionItem {
    fn count(key: impl Into<String>, value: i64) -> DimensionItem {
        let key = key.into();
        DimensionItem { human_key: key.clone(), key, value, text_value: None, unit: None }
    }
}

pub struct Dimension {
    pub key: DimensionKey,
    pub data: Vec<DimensionItem>,
}

pub fn dimension(conn: &mut DbConn, key: DimensionKey, period: &Period, limit: i64) -> AppResult<Dimension> {
    let (from, to) = (period.from(), period.to());
    let named = |rows: Vec<(Option<String>, i64)>, unknown: &str| -> Vec<DimensionItem> {
        rows.into_iter().map(|(key, value)| DimensionItem::count(key.unwrap_or_else(|| unknown.to_owned()), value)).collect()
    };
    let data = match &key {
        DimensionKey::Languages => named(measures::languages(conn, None, from, to, limit)?, "und"),
        DimensionKey::InstanceLanguages(domain) => named(measures::languages(conn, Some(domain), from, to, limit)?, "und"),
        DimensionKey::Sources => named(measures::sources(conn, from, to, limit)?, "unknown"),
        DimensionKey::Servers => named(measures::servers(conn, from, to, limit)?, "unknown"),
        DimensionKey::TagServers(tag) | DimensionKey::TagLanguages(tag) => {
            let uses = measures::tag_uses(conn, *tag, from, to)?;
            let by_server = matches!(key, DimensionKey::TagServers(_));
            let named = uses.into_iter().filter_map(|used| if by_server { used.domain } else { Some(used.language.unwrap_or_else(|| "und".into())) });
            most_common(named, limit)
        }
        DimensionKey::InstanceAccounts(domain) => measures::most_followed_of(conn, domain, limit)?.into_iter().map(|(name, followers)| DimensionItem::count(name, followers)).collect(),
        DimensionKey::SoftwareVersions => {
            let (engine, version) = measures::database_version(conn)?;
            vec![
                DimensionItem { key: "hallway".into(), human_key: "Hallway".into(), value: 0, text_value: Some(env!("CARGO_PKG_VERSION").into()), unit: None },
                DimensionItem { key: engine.to_lowercase(), human_key: engine.into(), value: 0, text_value: Some(version), unit: None },
            ]
        }
        DimensionKey::SpaceUsage => {
            let (engine, _) = measures::database_version(conn)?;
            let sized = |key: &str, human_key: &str, bytes: i64| DimensionItem { key: key.into(), human_key: human_key.into(), value: bytes, text_value: None, unit: Some("bytes") };
            vec![sized(&engine.to_lowercase(), engine, measures::database_bytes(conn)?), sized("media", "Media files", measures::media_bytes(conn)?)]
        }
    };
    Ok(Dimension { key, data })
}

/// How often each name comes, most common first.
fn most_common(names: impl Iterator<Item = String>, limit: i64) -> Vec<DimensionItem> {
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for name in names {
        *counts.entry(name).or_default() += 1;
    }
    let mut items: Vec<DimensionItem> = counts.into_iter().map(|(name, count)| DimensionItem::count(name, count)).collect();
    items.sort_by_key(|item| std::cmp::Reverse(item.value));
    items.truncate(usize::try_from(limit).unwrap_or(0));
    items
}

/// Retention cohorts: those who joined in a day (or month), and which share of them posted in each day (or
/// month) after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    Day,
    Month,
}

pub struct Cohort {
    pub period: NaiveDate,
    pub frequency: Frequency,
    /// (period, how many of the cohort posted in it, the share of the cohort that is).
    pub data: Vec<(NaiveDate, i64, f64)>,
}

fn bucket(at: NaiveDate, frequency: Frequency) -> NaiveDate {
    match frequency {
        Frequency::Day => at,
        Frequency::Month => at.with_day(1).unwrap_or(at),
    }
}

fn next(at: NaiveDate, frequency: Frequency) -> NaiveDate {
    match frequency {
        Frequency::Day => at + chrono::Days::new(1),
        Frequency::Month => at.checked_add_months(Months::new(1)).unwrap_or(at),
    }
}

pub fn retention(conn: &mut DbConn, period: &Period, frequency: Frequency) -> AppResult<Vec<Cohort>> {
    let (joined, posted) = measures::cohort_activity(conn, period.from(), period.to())?;
    let mut cohorts: BTreeMap<NaiveDate, HashSet<i64>> = BTreeMap::new();
    for (account, at) in &joined {
        cohorts.entry(bucket(at.date(), frequency)).or_default().insert(*account);
    }
    let last = bucket(period.last, frequency);
    Ok(cohorts
        .into_iter()
        .map(|(start, members)| {
            let mut data = Vec::new();
            let mut at = start;
            while at <= last {
                let active: HashSet<i64> = posted
                    .iter()
                    .filter(|(account, when)| members.contains(account) && bucket(when.date(), frequency) == at)
                    .map(|(account, _)| *account)
                    .collect();
                // The cohort's own period counts them all: they joined in it (as Mastodon shows it).
                let value = if at == start { members.len() as i64 } else { active.len() as i64 };
                data.push((at, value, value as f64 / members.len() as f64));
                at = next(at, frequency);
            }
            Cohort { period: start, frequency, data }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_are_whole_days_and_know_the_one_before() {
        let period = Period::new(day("2026-12-01").and_hms_opt(15, 0, 0).unwrap(), day("2026-12-03").and_hms_opt(1, 0, 0).unwrap()).unwrap();
        assert_eq!(period.days().count(), 3);
        let previous = period.previous();
        assert_eq!((previous.first, previous.last), (day("2026-11-28"), day("2026-11-30")));
        assert!(Period::new(day("2026-12-03").and_hms_opt(0, 0, 0).unwrap(), day("2026-12-01").and_hms_opt(0, 0, 0).unwrap()).is_err());
    }

    #[test]
    fn distinct_measures_count_each_key_once() {
        let period = Period { first: day("2026-12-01"), last: day("2026-12-02") };
        let at = |d: &str| day(d).and_hms_opt(12, 0, 0).unwrap();
        let samples = vec![(at("2026-12-01"), "1".to_owned()), (at("2026-12-01"), "1".to_owned()), (at("2026-12-02"), "1".to_owned()), (at("2026-12-02"), "2".to_owned())];
        let (total, data) = tally(Counted::Distinct(samples), &period);
        assert_eq!(total, 2);
        assert_eq!(data, vec![(day("2026-12-01"), 1), (day("2026-12-02"), 2)]);
    }
}
