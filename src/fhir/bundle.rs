//! A searchset page: each entry's resource is kept as the exact JSON text the
//! server sent (the source of truth); only the links and search modes are read.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::FhirError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBundle<'a> {
    resource_type: String,
    #[serde(default)]
    link: Vec<RawLink>,
    #[serde(default, borrow)]
    entry: Vec<RawEntry<'a>>,
}

#[derive(Deserialize)]
struct RawLink {
    relation: Option<String>,
    url: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEntry<'a> {
    #[serde(default)]
    full_url: Option<String>,
    #[serde(default, borrow)]
    resource: Option<&'a RawValue>,
    #[serde(default)]
    search: Option<RawSearch>,
}

#[derive(Deserialize)]
struct RawSearch {
    mode: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchMode {
    Match,
    Include,
    Outcome,
}

#[derive(Debug, Clone)]
pub struct PageEntry {
    pub full_url: Option<String>,
    pub mode: SearchMode,
    /// The resource exactly as received.
    pub raw: String,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub entries: Vec<PageEntry>,
    pub next: Option<String>,
    pub bytes: usize,
}

/// Largest single resource accepted (a discharge letter with an inline PDF fits easily).
pub const MAX_RESOURCE_BYTES: usize = 16 * 1024 * 1024;

/// Parses one response body that must be a Bundle. Errors name the JSON path.
pub fn parse_page(body: &str, url: &str) -> Result<Page, FhirError> {
    let de = &mut serde_json::Deserializer::from_str(body);
    let bundle: RawBundle =
        serde_path_to_error::deserialize(de).map_err(|e| FhirError::Malformed {
            url: url.to_string(),
            path: e.path().to_string(),
            message: e.inner().to_string(),
        })?;
    if bundle.resource_type != "Bundle" {
        return Err(FhirError::UnexpectedResource {
            url: url.to_string(),
            found: bundle.resource_type,
            expected: "Bundle",
        });
    }
    let next = bundle
        .link
        .into_iter()
        .find(|l| l.relation.as_deref() == Some("next"))
        .and_then(|l| l.url)
        .filter(|u| !u.trim().is_empty());
    let entries = bundle
        .entry
        .into_iter()
        .filter_map(|e| {
            let raw = e.resource?.get();
            if raw.len() > MAX_RESOURCE_BYTES {
                // Reported below as an error: never silently dropped.
                return Some(Err(FhirError::ResourceTooLarge {
                    what: format!("{} bytes in {url}", raw.len()),
                    limit_mib: (MAX_RESOURCE_BYTES / (1024 * 1024)) as u64,
                }));
            }
            let raw = raw.to_string();
            let mode = match e.search.and_then(|s| s.mode).as_deref() {
                Some("include") => SearchMode::Include,
                Some("outcome") => SearchMode::Outcome,
                _ => SearchMode::Match,
            };
            Some(Ok(PageEntry {
                full_url: e.full_url,
                mode,
                raw,
            }))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page {
        entries,
        next,
        bytes: body.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_each_resource_byte_for_byte_and_reads_next_link() {
        let body = r#"{"resourceType":"Bundle","type":"searchset",
          "link":[{"relation":"self","url":"http://x/A"},{"relation":"next","url":"http://x/A?_cursor=2"}],
          "entry":[{"fullUrl":"http://x/AllergyIntolerance/1","resource":{"resourceType":"AllergyIntolerance","id":"1","note":[{"text":"caf\u00e9  spaced"}],"_unknown":{"kept":1.50}},"search":{"mode":"match"}},
                   {"resource":{"resourceType":"Medication","id":"m"},"search":{"mode":"include"}}]}"#;
        let p = parse_page(body, "http://x/A").unwrap();
        assert_eq!(p.next.as_deref(), Some("http://x/A?_cursor=2"));
        assert_eq!(p.entries.len(), 2);
        assert_eq!(
            p.entries[0].raw,
            r#"{"resourceType":"AllergyIntolerance","id":"1","note":[{"text":"caf\u00e9  spaced"}],"_unknown":{"kept":1.50}}"#
        );
        assert_eq!(p.entries[1].mode, SearchMode::Include);
    }

    #[test]
    fn malformed_json_names_the_path() {
        let e = parse_page(
            r#"{"resourceType":"Bundle","entry":[{"resource":{"id":"1",}}]}"#,
            "http://x/A",
        )
        .unwrap_err();
        match e {
            FhirError::Malformed { path, .. } => assert!(path.starts_with("entry[0]"), "{path}"),
            other => panic!("{other:?}"),
        }
        let e = parse_page(
            r#"{"resourceType":"Bundle","entry":[{"resource":{"id":"1"}}"#,
            "u",
        )
        .unwrap_err();
        assert!(matches!(e, FhirError::Malformed { .. }));
    }

    #[test]
    fn an_operation_outcome_is_not_a_page() {
        let e = parse_page(r#"{"resourceType":"OperationOutcome","issue":[]}"#, "u").unwrap_err();
        assert!(
            matches!(e, FhirError::UnexpectedResource { ref found, .. } if found == "OperationOutcome")
        );
    }
}
