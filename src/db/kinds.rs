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
    /// Who may read a status.
    Visibility { Public => "public", Unlisted => "unlisted", Private => "private", Direct => "direct" }
}

impl Visibility {
    /// A client's choice, refused with Mastodon's message when it is none of the four.
    pub fn parse(text: &str) -> AppResult<Visibility> {
        Visibility::from_text(text)
            .ok_or_else(|| AppError::validation(format!("Visibility '{text}' is not one of public, unlisted, private, direct")))
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
    }
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
    }
}
