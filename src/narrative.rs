//! Narrative XHTML from servers, cleaned to FHIR's own rule before display:
//! only the XHTML elements FHIR allows, no scripts, forms, frames, event or
//! style attributes, and no external references (links only within the
//! document, images only inline `data:` images).

use std::collections::HashSet;
use std::sync::LazyLock;

/// Elements FHIR permits in narrative (FHIR R4 §2.4.0 / txt-1), minus nothing that can run code.
const ALLOWED: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "b",
    "big",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "ul",
    "var",
];

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::empty();
    b.tags(ALLOWED.iter().copied().collect::<HashSet<_>>())
        .generic_attributes(["title", "lang"].into_iter().collect())
        .tag_attributes(
            [
                ("a", ["href", "name"].into_iter().collect()),
                (
                    "img",
                    ["src", "alt", "width", "height"].into_iter().collect(),
                ),
                ("td", ["colspan", "rowspan"].into_iter().collect()),
                ("th", ["colspan", "rowspan", "scope"].into_iter().collect()),
            ]
            .into_iter()
            .collect(),
        )
        .url_schemes(["data"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(None)
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            // Links only to an anchor of the same narrative; images only inline. What
            // is removed is marked, so the reader says so instead of showing a dead link.
            ("a", "href") if !is_internal_anchor(value) => Some(REMOVED_LINK.into()),
            ("img", "src") if !is_inline_image(value) => Some(REMOVED_IMAGE.into()),
            _ => Some(value.into()),
        })
        .clean_content_tags(
            [
                "script", "style", "iframe", "object", "embed", "form", "template",
            ]
            .into_iter()
            .collect(),
        );
    b
});

const REMOVED_LINK: &str = "#crossview-removed-link";
const REMOVED_IMAGE: &str = "#crossview-removed-image";

/// `#anchor` within the same narrative: nothing that could name a patient or a page.
fn is_internal_anchor(href: &str) -> bool {
    href.strip_prefix('#').is_some_and(|a| {
        !a.is_empty()
            && a.len() <= 64
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    })
}

fn is_inline_image(src: &str) -> bool {
    let s = src.trim_start().to_ascii_lowercase();
    ["data:image/png;", "data:image/jpeg;", "data:image/gif;"]
        .iter()
        .any(|p| s.starts_with(p))
}

/// Cleaned narrative, safe to place in the page. Links and images that were
/// removed are replaced by a visible "[link removed]" / "[image removed]".
pub fn sanitize(xhtml: &str) -> String {
    let clean = CLEANER.clean(xhtml).to_string();
    mark_removed(&clean)
}

/// Replaces the markers left by the filter with visible words.
fn mark_removed(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(end) = tail.find('>') else {
            out.push_str(tail);
            return out;
        };
        let tag = &tail[..=end];
        let is_a = tag.starts_with("<a>") || tag.starts_with("<a ");
        // An external URL is dropped by the scheme check before our filter sees it:
        // a link left with neither href nor name, or an image without src, lost it.
        let link_removed = is_a
            && (tag.contains(REMOVED_LINK) || (!tag.contains("href=") && !tag.contains("name=")));
        let image_removed =
            tag.starts_with("<img") && (tag.contains(REMOVED_IMAGE) || !tag.contains("src="));
        if image_removed {
            out.push_str("<span class=\"removed\">[image removed]</span>");
        } else if link_removed {
            // Keep the link's text, without the link; say the link was removed after it.
            let body_end = tail[end + 1..].find("</a>").map(|j| end + 1 + j);
            match body_end {
                Some(j) => {
                    out.push_str(&tail[end + 1..j]);
                    out.push_str(" <span class=\"removed\">[link removed]</span>");
                    rest = &tail[j + 4..];
                    continue;
                }
                None => out.push_str("<span class=\"removed\">[link removed]</span>"),
            }
        } else {
            out.push_str(tag);
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Sanitised narrative as plain text: block elements end lines, entities decoded.
pub fn to_text(html: &str) -> String {
    const BLOCK: &[&str] = &[
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "ul",
        "ol",
        "pre",
        "blockquote",
        "dt",
        "dd",
        "caption",
        "hr",
    ];
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        text.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(end) = tail.find('>') else {
            break;
        };
        let name: String = tail[1..end]
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if BLOCK.contains(&name.as_str()) {
            text.push('\n');
        } else if name == "td" || name == "th" {
            text.push(' ');
        }
        rest = &tail[end + 1..];
    }
    text.push_str(rest);
    let decoded = decode_entities(&text);
    decoded
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(end) = tail.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let entity = &tail[1..end];
        let ch = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse::<u32>().ok().and_then(char::from_u32),
            _ => None,
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn keeps_clinical_markup() {
        let s = sanitize(
            r#"<div xmlns="http://www.w3.org/1999/xhtml"><p>Discharged <b>home</b></p><table><tr><td colspan="2">Ramipril</td></tr></table><ul><li>a</li></ul></div>"#,
        );
        assert!(s.contains("<b>home</b>"), "{s}");
        assert!(s.contains(r#"<td colspan="2">Ramipril</td>"#), "{s}");
        assert!(s.contains("<li>a</li>"));
    }

    #[test]
    fn removes_anything_that_runs_or_reaches_out() {
        let hostile = r#"<div><script>alert(1)</script><img src="https://evil.example/track.png" onerror="alert(2)"><a href="https://evil.example">x</a><a href="javascript:alert(3)">y</a><iframe src="https://evil.example"></iframe><form action="https://evil.example"><input name="q"></form><p onclick="alert(4)" style="background:url(https://evil.example)">text</p><svg><script>alert(5)</script></svg><object data="x"></object></div>"#;
        let s = sanitize(hostile);
        for bad in [
            "script",
            "alert",
            "evil.example",
            "onerror",
            "onclick",
            "iframe",
            "form",
            "input",
            "style",
            "svg",
            "object",
            "javascript",
        ] {
            assert!(!s.contains(bad), "{bad} survived: {s}");
        }
        assert!(s.contains("<p>text</p>"), "{s}");
    }

    #[test]
    fn removed_links_and_images_are_said_to_be_removed() {
        let s = sanitize(
            r##"<div><a href="https://evil.example/x">the results</a><img src="https://evil.example/t.png" alt="x"/><a href="#nhs=9990000018">open</a></div>"##,
        );
        assert!(
            s.contains("the results <span class=\"removed\">[link removed]</span>"),
            "{s}"
        );
        assert!(s.contains("[image removed]"), "{s}");
        assert!(!s.contains("evil") && !s.contains("nhs="), "{s}");
        assert!(
            s.contains("open <span class=\"removed\">[link removed]</span>"),
            "{s}"
        );
    }

    #[test]
    fn plain_text_keeps_lines_and_decodes_entities() {
        let html = sanitize(
            "<div><p>Ramipril &amp; amlodipine</p><ul><li>a &lt; b</li><li>caf&#233;</li></ul><table><tr><td>1</td><td>2</td></tr></table></div>",
        );
        assert_eq!(
            super::to_text(&html),
            "Ramipril & amlodipine\na < b\ncafé\n1 2"
        );
    }

    #[test]
    fn keeps_internal_links_and_inline_images() {
        let s = sanitize(
            r##"<div><a href="#s1">See section</a><img src="data:image/png;base64,iVBORw0KGgo=" alt="sig"></div>"##,
        );
        assert!(s.contains(r##"href="#s1""##), "{s}");
        assert!(s.contains("data:image/png;base64"), "{s}");
    }
}
