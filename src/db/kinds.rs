//! Closed sets stored as text columns: each is an enum at the row boundary (models read and write them
//! through `String` with diesel's `deserialize_as`/`serialize_as`, on both backends), and its text is
//! Mastodon's word for it, so the API and the database agree.

use crate::error::{AppError, AppResult};

/// A stored word that is not one of its set's (a row written by a newer version, or by hand).
#[derive(Debug)]
pub struct UnknownValue {
    set: &'static str,
    text: String,
}

impl std::fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} is not a known {}", self.text, self.set)
    }
}

impl std::error::Error for UnknownValue {}

impl UnknownValue {
    pub fn new(set: &'static str, text: String) -> UnknownValue {
        UnknownValue { set, text }
    }
}

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn from_text(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// A client's word for one of the set, refused as "`what` 'text' is not one of …" otherwise.
            pub fn parse_as(what: &str, text: &str) -> AppResult<$name> {
                $name::from_text(text).ok_or_else(|| {
                    let known: Vec<&str> = $name::ALL.iter().map(|value| value.as_str()).collect();
                    AppError::validation(format!("{what} '{text}' is not one of {}", known.join(", ")))
                })
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.as_str().to_owned()
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownValue;

            fn try_from(text: String) -> Result<$name, UnknownValue> {
                $name::from_text(&text).ok_or(UnknownValue { set: stringify!($name), text })
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

text_enum! {
    /// Who runs a local group besides its members: admins name moderators and admins; moderators remove posts
    /// and members.
    GroupRole { Admin => "admin", Moderator => "moderator" }
}

text_enum! {
    /// Who may read a status.
    Visibility { Public => "public", Unlisted => "unlisted", Private => "private", Direct => "direct" }
}

impl Visibility {
    /// A client's choice, refused with Mastodon's message when it is none of the four.
    pub fn parse(text: &str) -> AppResult<Visibility> {
        Visibility::parse_as("Visibility", text)
    }

    /// Public and unlisted statuses are open to anyone who has their address.
    pub fn is_open(self) -> bool {
        matches!(self, Visibility::Public | Visibility::Unlisted)
    }
}

text_enum! {
    /// What a notification tells of, by Mastodon's type names.
    NotificationKind {
        Mention => "mention",
        Status => "status",
        Reblog => "reblog",
        Follow => "follow",
        FollowRequest => "follow_request",
        Favourite => "favourite",
        Poll => "poll",
        Update => "update",
        Quote => "quote",
        QuotedUpdate => "quoted_update",
    }
}

text_enum! {
    /// Who may quote a status without asking (Mastodon 4.5); `unsupported` is a peer's policy Hallway cannot read.
    QuotePolicy { Public => "public", Followers => "followers", Nobody => "nobody", Unsupported => "unsupported" }
}

text_enum! {
    /// Where a quote stands with the quoted author: asked, agreed, refused, or taken back.
    QuoteState { Pending => "pending", Accepted => "accepted", Rejected => "rejected", Revoked => "revoked" }
}

text_enum! {
    /// What a notification policy does with the notifications of one kind of sender.
    PolicyAction { Accept => "accept", Filter => "filter", Drop => "drop" }
}

text_enum! {
    /// Where a delivery (one activity to one inbox) stands; `cancelled` when its peer was removed.
    DeliveryState { Queued => "queued", Delivered => "delivered", Failed => "failed", Cancelled => "cancelled" }
}

text_enum! {
    /// Where a received activity in the inbox queue stands (applied ones leave the queue).
    InboxState { Queued => "queued", Failed => "failed" }
}

text_enum! {
    /// What a filter does to the statuses it matches.
    FilterAction { Warn => "warn", Hide => "hide", Blur => "blur" }
}

impl FilterAction {
    pub fn parse(text: &str) -> AppResult<FilterAction> {
        FilterAction::from_text(text).ok_or_else(|| AppError::validation("Filter action is not included in the list"))
    }
}

text_enum! {
    /// Where a filter applies: the places a client shows statuses.
    FilterContext { Home => "home", Notifications => "notifications", Public => "public", Thread => "thread", Account => "account" }
}

impl FilterContext {
    pub fn parse(text: &str) -> AppResult<FilterContext> {
        FilterContext::parse_as("Context", text)
    }
}

/// A filter's contexts: each once, in the set's order; stored as their words joined by commas.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterContexts(Vec<FilterContext>);

impl FilterContexts {
    pub fn new(given: impl IntoIterator<Item = FilterContext>) -> FilterContexts {
        let given: Vec<FilterContext> = given.into_iter().collect();
        FilterContexts(FilterContext::ALL.iter().copied().filter(|c| given.contains(c)).collect())
    }

    pub fn contains(&self, context: FilterContext) -> bool {
        self.0.contains(&context)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = FilterContext> + '_ {
        self.0.iter().copied()
    }
}

impl From<FilterContexts> for String {
    fn from(contexts: FilterContexts) -> String {
        contexts.0.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")
    }
}

impl TryFrom<String> for FilterContexts {
    type Error = UnknownValue;

    fn try_from(text: String) -> Result<FilterContexts, UnknownValue> {
        let contexts = text.split(',').filter(|word| !word.is_empty()).map(|word| {
            FilterContext::from_text(word).ok_or_else(|| UnknownValue::new("FilterContext", word.to_owned()))
        });
        Ok(FilterContexts::new(contexts.collect::<Result<Vec<_>, _>>()?))
    }
}

text_enum! {
    /// What a local user may do beyond their own account: moderators act on accounts and reports,
    /// admins on everything (Mastodon's default roles).
    Role { User => "user", Moderator => "moderator", Admin => "admin" }
}

impl Role {
    pub fn parse(text: &str) -> AppResult<Role> {
        Role::parse_as("Role", text)
    }
}

text_enum! {
    /// What an admin or moderator did, as the audit log names it (Mastodon's action log names, where it has one).
    AuditAction {
        AllowDomain => "create_domain_allow",
        RemoveDomainAllow => "destroy_domain_allow",
        ChangeRole => "change_role",
        SuspendAccount => "suspend_account",
        UnsuspendAccount => "unsuspend_account",
        ApproveUser => "approve_user",
        CreateCustomEmoji => "create_custom_emoji",
        DestroyCustomEmoji => "destroy_custom_emoji",
        WarnAccount => "warn_account",
        SilenceAccount => "silence_account",
        UnsilenceAccount => "unsilence_account",
        SensitiveAccount => "sensitive_account",
        UnsensitiveAccount => "unsensitive_account",
        DisableUser => "disable_user",
        EnableUser => "enable_user",
        RejectUser => "reject_user",
        DestroyAccount => "destroy_account",
        AssignReport => "assigned_to_self_report",
        UnassignReport => "unassigned_report",
        ResolveReport => "resolve_report",
        ReopenReport => "reopen_report",
        CreateDomainBlock => "create_domain_block",
        UpdateDomainBlock => "update_domain_block",
        DestroyDomainBlock => "destroy_domain_block",
        CreateEmailDomainBlock => "create_email_domain_block",
        DestroyEmailDomainBlock => "destroy_email_domain_block",
        CreateCanonicalEmailBlock => "create_canonical_email_block",
        DestroyCanonicalEmailBlock => "destroy_canonical_email_block",
        CreateIpBlock => "create_ip_block",
        UpdateIpBlock => "update_ip_block",
        DestroyIpBlock => "destroy_ip_block",
        CreateAnnouncement => "create_announcement",
        UpdateAnnouncement => "update_announcement",
        DestroyAnnouncement => "destroy_announcement",
        ApproveTrend => "approve_trend",
        RejectTrend => "reject_trend",
        PlaceLegalHold => "place_legal_hold",
        LiftLegalHold => "lift_legal_hold",
        CreatePeerInvite => "create_peer_invite",
        AcceptPeerKey => "accept_peer_key",
    }
}

text_enum! {
    /// What an audit log entry is about.
    AuditTarget {
        Account => "Account",
        DomainAllow => "DomainAllow",
        CustomEmoji => "CustomEmoji",
        Report => "Report",
        DomainBlock => "DomainBlock",
        EmailDomainBlock => "EmailDomainBlock",
        CanonicalEmailBlock => "CanonicalEmailBlock",
        IpBlock => "IpBlock",
        Announcement => "Announcement",
        Trend => "Trend",
        PeerInvite => "PeerInvite",
    }
}

text_enum! {
    /// What a moderator does to an account (`POST /api/v1/admin/accounts/:id/action`); `none` is a warning.
    AccountAction { Warn => "none", Sensitive => "sensitive", Disable => "disable", Silence => "silence", Suspend => "suspend" }
}

text_enum! {
    /// What can trend, and be approved or rejected by moderators.
    TrendKind { Tag => "tag", Status => "status", Link => "link" }
}

text_enum! {
    /// What a domain block does to an instance: `suspend` refuses it both ways and hides its accounts,
    /// `silence` limits its accounts as a silenced account is, `noop` only rejects media or reports if asked.
    DomainBlockSeverity { Silence => "silence", Suspend => "suspend", Noop => "noop" }
}

text_enum! {
    /// What an IP block does to the addresses it covers.
    IpBlockSeverity {
        SignUpRequiresApproval => "sign_up_requires_approval",
        SignUpBlock => "sign_up_block",
        NoAccess => "no_access",
    }
}

text_enum! {
    /// Where a local user's identity comes from besides their password.
    IdentityProvider { Ldap => "ldap", Oidc => "oidc" }
}

text_enum! {
    /// What a CSV import holds: Mastodon's words for its import types.
    ImportKind {
        Following => "following",
        Blocking => "blocking",
        Muting => "muting",
        DomainBlocking => "domain_blocking",
        Bookmarks => "bookmarks",
        Lists => "lists",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_reads_back_as_itself() {
        for visibility in Visibility::ALL {
            assert_eq!(Visibility::try_from(String::from(*visibility)).unwrap(), *visibility);
        }
        for kind in NotificationKind::ALL {
            assert_eq!(NotificationKind::from_text(kind.as_str()), Some(*kind));
        }
        assert!(DeliveryState::try_from("lost".to_owned()).unwrap_err().to_string().contains("DeliveryState"));
        assert!(Visibility::parse("everyone").is_err());
        let contexts = FilterContexts::new([FilterContext::Thread, FilterContext::Home, FilterContext::Thread]);
        assert_eq!(String::from(contexts.clone()), "home,thread");
        assert_eq!(FilterContexts::try_from("home,thread".to_owned()).unwrap(), contexts);
        assert!(FilterContexts::try_from("home,nowhere".to_owned()).is_err());
    }
}
