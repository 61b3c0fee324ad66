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

/// Remote HTML larger than this, or nested deeper than [`MAX_NESTING`], is not given to the HTML parser
/// (whose work grows with both): it is kept as plain text instead, cut to this size.
pub const MAX_HTML_BYTES: usize = 64 * 1024;
/// Deeper than any status or bio a person writes (Mastodon's own HTML nests four levels).
pub const MAX_NESTING: usize = 32;

/// Remote HTML reduced to what Mastodon keeps; in time linear in its length and bounded by
/// [`MAX_HTML_BYTES`], whatever its nesting.
pub fn html(remote: &str) -> String {
    let remote = remote.replace('\0', "");
    if remote.len() > MAX_HTML_BYTES || nesting_exceeds(&remote, MAX_NESTING) {
        return as_plain_paragraphs(&remote);
    }
    cleaner().clean(&remote).to_string()
}

/// Whether elements open inside each other deeper than `limit`, by one pass over the tags (void elements
/// and self-closed tags open nothing).
fn nesting_exceeds(html: &str, limit: usize) -> bool {
    const VOID: [&str; 8] = ["br", "hr", "img", "input", "meta", "link", "wbr", "source"];
    let mut depth = 0usize;
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else { break };
        let tag = &after[..close];
        rest = &after[close + 1..];
        if let Some(closing) = tag.strip_prefix('/') {
            if !closing.is_empty() {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
        if name.is_empty() || tag.ends_with('/') || VOID.contains(&name.as_str()) {
            continue;
        }
        depth += 1;
        if depth > limit {
            return true;
        }
    }
    false
}

/// The text of HTML (tags dropped, entities decoded), cut to [`MAX_HTML_BYTES`], as escaped paragraphs.
fn as_plain_paragraphs(html: &str) -> String {
    let mut text = crate::service::markup::plain_text(html);
    if text.len() > MAX_HTML_BYTES {
        let cut = (0..=MAX_HTML_BYTES).rev().find(|at| text.is_char_boundary(*at)).unwrap_or(0);
        text.truncate(cut);
    }
    text.split("\n\n")
        .filter(|paragraph| !paragraph.trim().is_empty())
        .map(|paragraph| format!("<p>{}</p>", paragraph.lines().map(crate::service::markup::escape).collect::<Vec<_>>().join("<br />")))
        .collect()
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
    fn deep_or_huge_html_becomes_plain_text() {
        let deep = format!("{}words{}", "<div>".repeat(50_000), "</div>".repeat(50_000));
        assert_eq!(html(&deep), "<p>words</p>");
        let huge = format!("<p>{}</p>", "<b>a</b> &amp; ".repeat(20_000));
        let cleaned = html(&huge);
        assert!(cleaned.starts_with("<p>a &amp; a"), "{}", &cleaned[..40]);
        assert!(crate::service::markup::plain_text(&cleaned).len() <= super::MAX_HTML_BYTES);
        let ordinary = r#"<p>Hello <span class="h-card"><a href="https://x.example/@a" class="u-url mention">@<span>a</span></a></span></p><p>line<br>two</p>"#;
        assert!(html(ordinary).contains("u-url mention"), "ordinary HTML is still cleaned, not flattened");
    }

    #[test]
    fn keeps_mentions_and_drops_scripts() {
        let cleaned = html(r#"<p>Hi <span class="h-card"><a href="https://x.example/@a" class="u-url mention" onclick="evil()">@<span>a</span></a></span><script>alert(1)</script><img src=x></p>"#);
        assert!(cleaned.contains(r#"class="u-url mention""#), "{cleaned}");
        assert!(!cleaned.contains("onclick") && !cleaned.contains("script") && !cleaned.contains("<img"), "{cleaned}");
        assert_eq!(html(r#"<a href="javascript:alert(1)">x</a>"#), r#"<a rel="nofollow noopener noreferrer">x</a>"#);
    }
}
