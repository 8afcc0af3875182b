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
            // Links only to places within the same narrative; images only inline.
            ("a", "href") if !value.starts_with('#') => None,
            ("img", "src") if !value.starts_with("data:image/") => None,
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

/// Cleaned narrative, safe to place in the page.
pub fn sanitize(xhtml: &str) -> String {
    CLEANER.clean(xhtml).to_string()
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
    fn keeps_internal_links_and_inline_images() {
        let s = sanitize(
            r##"<div><a href="#s1">See section</a><img src="data:image/png;base64,iVBORw0KGgo=" alt="sig"></div>"##,
        );
        assert!(s.contains(r##"href="#s1""##), "{s}");
        assert!(s.contains("data:image/png;base64"), "{s}");
    }
}
