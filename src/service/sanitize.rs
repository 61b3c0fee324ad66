//! Remote HTML reduced to what Mastodon keeps: text formatting, links, mentions and hashtags.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let mut builder = ammonia::Builder::empty();
        builder
            .add_tags(["p", "br", "span", "a", "del", "pre", "code", "em", "strong", "b", "i", "u", "ul", "ol", "li", "blockquote"])
            .add_tag_attributes("a", ["href", "translate"])
            .add_tag_attributes("span", ["translate"])
            .url_schemes(HashSet::from(["http", "https", "mailto"]))
            .url_relative(ammonia::UrlRelative::Deny)
            .link_rel(Some("nofollow noopener noreferrer"))
            .allowed_classes(HashMap::from([
                ("a", HashSet::from(["u-url", "mention", "hashtag", "status-link"])),
                ("span", HashSet::from(["h-card", "invisible", "ellipsis"])),
            ]));
        builder
    })
}

pub fn html(remote: &str) -> String {
    cleaner().clean(&remote.replace('\0', "")).to_string()
}

/// Plain text from another instance (names, spoiler text): without NUL bytes, at most `max` characters.
pub fn text(remote: &str, max: usize) -> String {
    remote.replace('\0', "").chars().take(max).collect()
}

/// A link from another instance, kept only when it is http(s).
pub fn link(remote: &str) -> Option<String> {
    url::Url::parse(remote).ok().filter(|u| u.scheme() == "http" || u.scheme() == "https").map(|u| u.to_string())
}

#[cfg(test)]
mod tests {
    use super::html;

    #[test]
    fn keeps_mentions_and_drops_scripts() {
        let cleaned = html(r#"<p>Hi <span class="h-card"><a href="https://x.example/@a" class="u-url mention" onclick="evil()">@<span>a</span></a></span><script>alert(1)</script><img src=x></p>"#);
        assert!(cleaned.contains(r#"class="u-url mention""#), "{cleaned}");
        assert!(!cleaned.contains("onclick") && !cleaned.contains("script") && !cleaned.contains("<img"), "{cleaned}");
        assert_eq!(html(r#"<a href="javascript:alert(1)">x</a>"#), r#"<a rel="nofollow noopener noreferrer">x</a>"#);
    }
}
