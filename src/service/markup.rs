//! Plain text to Mastodon's HTML: escaped, paragraphs and line breaks, links, mentions and hashtags.

/// A mention as written: `@user` (domain None) or `@user@domain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenMention {
    pub username: String,
    pub domain: Option<String>,
}

/// What the text refers to, found before rendering so the caller can resolve mentions.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub mentions: Vec<WrittenMention>,
    pub tags: Vec<String>,
}

enum Token<'a> {
    Text(&'a str),
    Url(&'a str),
    Mention(&'a str, WrittenMention),
    Hashtag(&'a str),
}

/// How a resolved mention renders: the account's profile URL and the name shown after `@`.
pub struct MentionLink {
    pub url: String,
    pub display: String,
}

pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    for token in tokenize(text) {
        match token {
            Token::Mention(_, mention) if !parsed.mentions.contains(&mention) => parsed.mentions.push(mention),
            Token::Hashtag(tag) if !parsed.tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) => {
                parsed.tags.push(tag.to_owned())
            }
            _ => {}
        }
    }
    parsed
}

/// Renders text; `resolve` gives the link of a mention, or None to leave it as text.
pub fn render(text: &str, base_url: &str, resolve: &dyn Fn(&WrittenMention) -> Option<MentionLink>) -> String {
    let text = text.replace("\r\n", "\n");
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|p| p.trim_matches('\n'))
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", render_inline(p, base_url, resolve).replace('\n', "<br />")))
        .collect();
    paragraphs.concat()
}

/// A document an operator wrote (the instance's description, policies): paragraphs with links, nothing else.
pub fn render_document(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let paragraphs = text.split("\n\n").filter(|p| !p.trim().is_empty());
    paragraphs.map(|p| format!("<p>{}</p>", p.trim_matches('\n').split('\n').map(render_line).collect::<Vec<_>>().join("<br />"))).collect()
}

/// One line of text (a profile field) with links, escaped, without paragraphs.
pub fn render_line(text: &str) -> String {
    tokenize(text)
        .map(|token| match token {
            Token::Url(url) => link_html(url),
            Token::Text(t) | Token::Mention(t, _) => escape(t),
            Token::Hashtag(tag) => format!("#{}", escape(tag)),
        })
        .collect()
}

/// The length Mastodon counts: a URL is 23 characters, a remote mention counts only its username.
pub fn counted_length(text: &str) -> usize {
    tokenize(text)
        .map(|token| match token {
            Token::Text(t) => t.chars().count(),
            Token::Url(_) => 23,
            Token::Mention(_, m) => m.username.chars().count() + 1,
            Token::Hashtag(t) => t.chars().count() + 1,
        })
        .sum()
}

fn render_inline(text: &str, base_url: &str, resolve: &dyn Fn(&WrittenMention) -> Option<MentionLink>) -> String {
    let mut html = String::with_capacity(text.len() + 32);
    for token in tokenize(text) {
        match token {
            Token::Text(t) => html.push_str(&escape(t)),
            Token::Url(url) => html.push_str(&link_html(url)),
            Token::Mention(written, mention) => match resolve(&mention) {
                Some(link) => html.push_str(&format!(
                    "<span class=\"h-card\" translate=\"no\"><a href=\"{}\" class=\"u-url mention\">@<span>{}</span></a></span>",
                    escape(&link.url),
                    escape(&link.display)
                )),
                None => html.push_str(&escape(written)),
            },
            Token::Hashtag(tag) => html.push_str(&format!(
                "<a href=\"{}/tags/{}\" class=\"mention hashtag\" rel=\"tag\">#<span>{}</span></a>",
                base_url,
                escape(&tag.to_lowercase()),
                escape(tag)
            )),
        }
    }
    html
}

fn link_html(url: &str) -> String {
    let (prefix, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    let rest = rest.strip_prefix("www.").map_or(rest, |r| r);
    let www = if url[prefix.len()..].starts_with("www.") { "www." } else { "" };
    let (shown, hidden, class) = if rest.chars().count() > 30 {
        let cut = rest.char_indices().nth(30).map_or(rest.len(), |(i, _)| i);
        (&rest[..cut], &rest[cut..], "ellipsis")
    } else {
        (rest, "", "")
    };
    format!(
        "<a href=\"{}\" target=\"_blank\" rel=\"nofollow noopener\" translate=\"no\"><span class=\"invisible\">{}{}</span><span class=\"{}\">{}</span><span class=\"invisible\">{}</span></a>",
        escape(url),
        escape(prefix),
        www,
        class,
        escape(shown),
        escape(hidden)
    )
}

/// The web links of status HTML: the `href`s of its anchors, leaving out mentions and hashtags.
pub fn links_in(html: &str) -> Vec<String> {
    let mut links = Vec::new();
    for anchor in html.split("<a ").skip(1) {
        let Some(tag) = anchor.split('>').next() else { continue };
        if tag.contains("mention") || tag.contains("hashtag") {
            continue;
        }
        let Some(href) = tag.split("href=\"").nth(1).and_then(|rest| rest.split('"').next()) else { continue };
        let href = decode_entities(href);
        if (href.starts_with("https://") || href.starts_with("http://")) && !links.contains(&href) {
            links.push(href);
        }
    }
    links
}

/// The text a reader sees in status HTML: tags dropped, paragraphs and line breaks as newlines, entities decoded.
pub fn plain_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            rest = &rest[open..];
            break;
        };
        let tag = rest[open + 1..open + close].trim_start_matches('/').to_ascii_lowercase();
        if tag.starts_with("br") || tag.starts_with("p") && !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        rest = &rest[open + close + 1..];
    }
    text.push_str(rest);
    decode_entities(text.trim())
}

fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let entity_end = rest[amp..].find(';').filter(|end| *end <= 10);
        let decoded = entity_end.and_then(|end| match &rest[amp + 1..amp + end] {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" | "#39" => Some('\''),
            "nbsp" => Some(' '),
            numeric => numeric
                .strip_prefix("#x")
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| numeric.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        });
        match (decoded, entity_end) {
            (Some(c), Some(end)) => {
                out.push(c);
                rest = &rest[amp + end + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[amp + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn tokenize(text: &str) -> impl Iterator<Item = Token<'_>> {
    let mut tokens = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    while i < text.len() {
        let at_boundary = i == 0 || text[..i].chars().next_back().is_some_and(|c| c.is_whitespace() || "([{\"'".contains(c));
        let found = if at_boundary { special_at(&text[i..]) } else { None };
        match found {
            Some((len, token)) => {
                if text_start < i {
                    tokens.push(Token::Text(&text[text_start..i]));
                }
                tokens.push(token);
                i += len;
                text_start = i;
            }
            None => i += text[i..].chars().next().map_or(1, char::len_utf8),
        }
    }
    if text_start < text.len() {
        tokens.push(Token::Text(&text[text_start..]));
    }
    tokens.into_iter()
}

/// A URL, mention or hashtag starting at the beginning of `rest`, with its length in bytes.
fn special_at(rest: &str) -> Option<(usize, Token<'_>)> {
    if rest.starts_with("https://") || rest.starts_with("http://") {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let url = rest[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '"', '\'']);
        return (url.len() > url.find("://")? + 3).then_some((url.len(), Token::Url(url)));
    }
    if let Some(after) = rest.strip_prefix('@') {
        let user_len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
        if user_len == 0 {
            return None;
        }
        let username = &after[..user_len];
        let mut len = 1 + user_len;
        let mut domain = None;
        if let Some(domain_part) = after[user_len..].strip_prefix('@') {
            let domain_len = domain_part
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':'))
                .unwrap_or(domain_part.len());
            let candidate = domain_part[..domain_len].trim_end_matches(['.', ':', '-']);
            if !candidate.is_empty() {
                domain = Some(candidate.to_lowercase());
                len += 1 + candidate.len();
            }
        }
        let mention = WrittenMention { username: username.to_owned(), domain };
        return Some((len, Token::Mention(&rest[..len], mention)));
    }
    if let Some(after) = rest.strip_prefix('#') {
        let tag_len = after.find(|c: char| !is_hashtag_word_char(c)).unwrap_or(after.len());
        let tag = &after[..tag_len];
        return is_hashtag_name(tag).then_some((1 + tag_len, Token::Hashtag(tag)));
    }
    None
}

/// The longest hashtag name kept.
pub const MAX_HASHTAG_CHARS: usize = 100;

/// Whether `name` (without its `#`) is a hashtag in Mastodon's grammar: letters, digits, marks and
/// underscores, with middle dots and zero-width non-joiners inside (as in Catalan and Persian), and
/// not only digits. Hashtags from other instances are held to it too; anything else is no hashtag.
pub fn is_hashtag_name(name: &str) -> bool {
    static GRAMMAR: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let grammar = GRAMMAR.get_or_init(|| {
        regex::Regex::new(r"^[\p{L}\p{N}\p{M}_](?:[\p{L}\p{N}\p{M}_·\x{200c}]*[\p{L}\p{N}\p{M}_])?$").expect("the hashtag grammar")
    });
    name.chars().count() <= MAX_HASHTAG_CHARS
        && grammar.is_match(name)
        && name.chars().any(|c| !c.is_numeric() && c != '·' && c != '\u{200c}')
}

/// A letter, digit, mark or underscore: what a hashtag written in a local status is made of.
fn is_hashtag_word_char(c: char) -> bool {
    static MARK: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    c.is_alphanumeric() || c == '_' || (!c.is_ascii() && MARK.get_or_init(|| regex::Regex::new(r"^\p{M}$").expect("marks")).is_match(c.encode_utf8(&mut [0; 4])))
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashtags_follow_mastodons_grammar() {
        for good in ["lrnchat", "café", "l·lengua", "رسم\u{200c}ها", "year2026", "_x", "हिन्दी"] {
            assert!(super::is_hashtag_name(good), "{good}");
        }
        for bad in ["", "2026", "<a href=\"javascript:alert(1)\">j</a>", "a b", "·a", "a·", "tag-name", "x\u{0}"] {
            assert!(!super::is_hashtag_name(bad), "{bad}");
        }
        assert!(!super::is_hashtag_name(&"a".repeat(101)));
    }

    #[test]
    fn links_leave_out_mentions_and_hashtags() {
        let html = r#"<p><span class="h-card"><a href="https://x.example/@a" class="u-url mention">@a</a></span> see <a href="https://wiki.corp.example/vpn?a=1&amp;b=2" rel="nofollow">wiki</a> <a href="https://x.example/tags/vpn" class="mention hashtag">#vpn</a></p>"#;
        assert_eq!(super::links_in(html), ["https://wiki.corp.example/vpn?a=1&b=2"]);
    }

    #[test]
    fn plain_text_of_status_html() {
        let html = r#"<p>Tea &amp; <a href="https://x.example/tags/cake" class="hashtag">#<span>cake</span></a></p><p>at 5<br />&lt;sharp&gt; &#39;ok&#x27;</p>"#;
        assert_eq!(super::plain_text(html), "Tea & #cake\nat 5\n<sharp> 'ok'");
    }

    use super::*;

    fn no_mentions(_: &WrittenMention) -> Option<MentionLink> {
        None
    }

    #[test]
    fn escapes_and_makes_paragraphs() {
        let html = render("a <b> & c\nline\n\nnext", "https://h.example", &no_mentions);
        assert_eq!(html, "<p>a &lt;b&gt; &amp; c<br />line</p><p>next</p>");
    }

    #[test]
    fn finds_mentions_and_tags() {
        let parsed = parse("hi @alice and @bob@eng.corp.example: #Rust #rust #123 mail@x.example");
        assert_eq!(parsed.mentions.len(), 2);
        assert_eq!(parsed.mentions[1].domain.as_deref(), Some("eng.corp.example"));
        assert_eq!(parsed.tags, vec!["Rust".to_string()]);
    }

    #[test]
    fn links_urls_and_tags() {
        let html = render("see https://example.com/a. #lrnchat", "https://h.example", &no_mentions);
        assert!(html.contains("<a href=\"https://example.com/a\""), "{html}");
        assert!(html.contains("</a>. <a href=\"https://h.example/tags/lrnchat\" class=\"mention hashtag\""), "{html}");
    }

    #[test]
    fn renders_resolved_mentions() {
        let html = render("@alice hi", "https://h.example", &|m| {
            Some(MentionLink { url: format!("https://h.example/@{}", m.username), display: m.username.clone() })
        });
        assert!(html.starts_with("<p><span class=\"h-card\" translate=\"no\"><a href=\"https://h.example/@alice\" class=\"u-url mention\">@<span>alice</span></a></span> hi"));
    }

    #[test]
    fn counts_urls_as_23() {
        assert_eq!(counted_length("https://example.com/a/very/long/path/that/goes/on/and/on"), 23);
        assert_eq!(counted_length("@bob@eng.corp.example hi"), 7);
    }
}
