//! Visibility as `to` and `cc`, by Mastodon's rules, both ways.

use crate::service::statuses::Visibility;

pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// Who an object is addressed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audience {
    pub to: Vec<String>,
    pub cc: Vec<String>,
}

/// The audience of a status of `visibility` by the owner of `followers_url`, mentioning `mentioned`.
pub fn audience(visibility: Visibility, followers_url: &str, mentioned: &[String]) -> Audience {
    let public = || PUBLIC.to_owned();
    let followers = || followers_url.to_owned();
    let with_mentioned = |first: String| std::iter::once(first).chain(mentioned.iter().cloned()).collect();
    match visibility {
        Visibility::Public => Audience { to: vec![public()], cc: with_mentioned(followers()) },
        Visibility::Unlisted => Audience { to: vec![followers()], cc: with_mentioned(public()) },
        Visibility::Private => Audience { to: vec![followers()], cc: mentioned.to_vec() },
        Visibility::Direct => Audience { to: mentioned.to_vec(), cc: Vec::new() },
    }
}

/// The visibility of an object addressed `to` and `cc` by the owner of `followers_url`.
pub fn visibility(to: &[String], cc: &[String], followers_url: &str) -> Visibility {
    let addressed = |address: &str| to.iter().chain(cc).any(|a| a == address);
    if to.iter().any(|a| is_public(a)) {
        Visibility::Public
    } else if cc.iter().any(|a| is_public(a)) {
        Visibility::Unlisted
    } else if !followers_url.is_empty() && addressed(followers_url) {
        Visibility::Private
    } else {
        Visibility::Direct
    }
}

/// Whether an address is the public collection, in any of the spellings JSON-LD compaction allows.
pub fn is_public(address: &str) -> bool {
    matches!(address, PUBLIC | "as:Public" | "Public")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FOLLOWERS: &str = "https://hallway.corp.example/users/alice/followers";
    const CAROL: &str = "https://gts.corp.example/users/carol";

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn each_visibility_is_addressed_as_mastodon_does() {
        let mentioned = strings(&[CAROL]);
        let expected = [
            (Visibility::Public, strings(&[PUBLIC]), strings(&[FOLLOWERS, CAROL])),
            (Visibility::Unlisted, strings(&[FOLLOWERS]), strings(&[PUBLIC, CAROL])),
            (Visibility::Private, strings(&[FOLLOWERS]), strings(&[CAROL])),
            (Visibility::Direct, strings(&[CAROL]), Vec::new()),
        ];
        for (visibility, to, cc) in expected {
            let audience = audience(visibility, FOLLOWERS, &mentioned);
            assert_eq!(audience, Audience { to, cc }, "{visibility:?}");
            assert_eq!(super::visibility(&audience.to, &audience.cc, FOLLOWERS), visibility, "read back");
        }
    }

    #[test]
    fn public_reads_in_every_spelling() {
        for public in [PUBLIC, "as:Public", "Public"] {
            assert_eq!(visibility(&strings(&[public]), &[], FOLLOWERS), Visibility::Public, "{public}");
            assert_eq!(visibility(&strings(&[FOLLOWERS]), &strings(&[public]), FOLLOWERS), Visibility::Unlisted);
        }
    }

    #[test]
    fn followers_anywhere_make_it_private_and_nothing_else_direct() {
        assert_eq!(visibility(&strings(&[CAROL]), &strings(&[FOLLOWERS]), FOLLOWERS), Visibility::Private);
        assert_eq!(visibility(&strings(&[CAROL]), &[], FOLLOWERS), Visibility::Direct);
        assert_eq!(visibility(&[], &[], FOLLOWERS), Visibility::Direct);
        assert_eq!(visibility(&strings(&[""]), &[], ""), Visibility::Direct, "an actor without followers collection");
        assert_eq!(
            visibility(&strings(&["https://elsewhere.example/users/bob/followers"]), &[], FOLLOWERS),
            Visibility::Direct,
            "someone else's followers are not the author's"
        );
    }
}
