//! Fuzzing with proptest (the machine's toolchain is stable, so `cargo fuzz`,
//! which needs nightly, is not available): generated hostile input for the
//! parsers a server reaches — pages, dates, NHS numbers — the patient-identity
//! check and the narrative sanitiser. Each property names what must never happen.

use proptest::prelude::*;
use serde_json::{Value, json};

use crossview::fhir::bundle::parse_page;
use crossview::fhir::reference::{Belongs, PatientIdentity};
use crossview::narrative::sanitize;
use crossview::nhs_number::{NHS_NUMBER_SYSTEM, NhsNumber};
use crossview::timeline::date::FhirDate;

const CASES: u32 = 256;

/// JSON-ish text: fragments of Bundles, broken and nested, with odd characters.
fn json_ish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(",".to_string()),
        Just(":".to_string()),
        Just("\"resourceType\"".to_string()),
        Just("\"Bundle\"".to_string()),
        Just("\"entry\"".to_string()),
        Just("\"resource\"".to_string()),
        Just("\"link\"".to_string()),
        Just("\"relation\":\"next\"".to_string()),
        Just("\"url\":\"http://x/y?_cursor=1\"".to_string()),
        Just("\"search\":{\"mode\":\"include\"}".to_string()),
        Just("null".to_string()),
        Just("1e99999".to_string()),
        Just("-0".to_string()),
        Just("\"\\u0000\\ud800\"".to_string()),
        "\\PC{0,8}".prop_map(|s| format!("{s:?}")),
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// Any answer body is a page or a clear error; never a panic.
    #[test]
    fn a_page_parser_never_panics(body in json_ish()) {
        let _ = parse_page(&body, "http://x/y");
    }

    /// A well-formed page with random entries keeps each resource byte for byte.
    #[test]
    fn a_page_keeps_every_resource_it_was_given(ids in proptest::collection::vec("[A-Za-z0-9.-]{1,20}", 0..20)) {
        let entries: Vec<Value> = ids.iter().map(|i| json!({"resource": {"resourceType": "Condition", "id": i}})).collect();
        let body = json!({"resourceType": "Bundle", "entry": entries}).to_string();
        let page = parse_page(&body, "u").unwrap();
        prop_assert_eq!(page.entries.len(), ids.len());
        for (e, id) in page.entries.iter().zip(&ids) {
            let v: Value = serde_json::from_str(&e.raw).unwrap();
            prop_assert_eq!(v["id"].as_str().unwrap(), id.as_str());
        }
    }

    /// Any text is a date or not; never a panic. A calendar date sorts no earlier than its year.
    #[test]
    fn a_date_parser_never_panics(s in "\\PC{0,40}", y in 1u32..9999, rest in "(-[0-9]{2}){0,2}", time in "(T[0-9:.+Z-]{0,20})?") {
        let _ = FhirDate::parse(&s);
        let _ = FhirDate::parse(&format!("{y:04}{rest}{time}"));
        let year = format!("{y:04}");
        let text = format!("{year}{rest}");
        if let (Some(d), Some(start)) = (FhirDate::parse(&text), FhirDate::parse(&year)) {
            prop_assert!(d.sort_key() >= start.sort_key(), "{} sorts before {}", text, year);
        }
    }

    /// Any text is an NHS number or a clear error; a number that parses has a valid check digit.
    #[test]
    fn an_nhs_number_parser_never_panics(s in "\\PC{0,30}") {
        if let Ok(n) = NhsNumber::parse(&s) {
            let d: Vec<u32> = n.as_str().bytes().map(|b| u32::from(b - b'0')).collect();
            let sum: u32 = d[..9].iter().zip((2..=10u32).rev()).map(|(a, w)| a * w).sum();
            let check = (11 - sum % 11) % 11;
            prop_assert!(check != 10 && check == d[9]);
        }
    }
}

/// References and identifiers that may or may not name the patient.
fn patient_ref() -> impl Strategy<Value = Value> {
    let reference = prop_oneof![
        Just("Patient/p1".to_string()),
        Just("Patient/p2".to_string()),
        Just("Patient/p1/_history/3".to_string()),
        Just("http://h:1/fhir/Patient/p1".to_string()),
        Just("http://evil:1/fhir/Patient/p1".to_string()),
        Just("http://h:1/fhirx/Patient/p1".to_string()),
        Just("Group/p1".to_string()),
        Just("Patient/".to_string()),
        Just("Patient/p1/x".to_string()),
        "\\PC{0,12}",
    ];
    let identifier = prop_oneof![
        Just(json!({"system": NHS_NUMBER_SYSTEM, "value": "9990040109"})),
        Just(json!({"system": NHS_NUMBER_SYSTEM, "value": "999 004 0109"})),
        Just(json!({"system": NHS_NUMBER_SYSTEM, "value": "9434765919"})),
        Just(json!({"system": "urn:local", "value": "9990040109"})),
        Just(json!({"value": "9990040109"})),
    ];
    (
        proptest::option::of(reference),
        proptest::option::of(identifier),
        any::<bool>(),
    )
        .prop_map(|(r, i, display)| {
            let mut v = json!({});
            if let Some(r) = r {
                v["reference"] = json!(r);
            }
            if let Some(i) = i {
                v["identifier"] = i;
            }
            if display {
                v["display"] = json!("Ada ASHWORTH");
            }
            v
        })
}

/// Does this Reference, on its own, name our patient (p1 at h:1/fhir, NHS 9990040109)?
fn names_only_us(r: &Value) -> bool {
    let reference_ok = match r.get("reference").and_then(Value::as_str) {
        None => true,
        Some(s) => matches!(
            s,
            "Patient/p1" | "Patient/p1/_history/3" | "http://h:1/fhir/Patient/p1"
        ),
    };
    let ident_ok = match r.get("identifier") {
        None => true,
        Some(i) => {
            i.get("system").and_then(Value::as_str) == Some(NHS_NUMBER_SYSTEM)
                && NhsNumber::parse(i["value"].as_str().unwrap_or_default())
                    .is_ok_and(|n| n.as_str() == "9990040109")
        }
    };
    reference_ok && ident_ok
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES * 4))]

    /// The identity check never accepts a resource that names anyone else, in
    /// any of its patient elements, by reference or by identifier.
    #[test]
    fn the_identity_check_never_accepts_anyone_else(patient in proptest::option::of(patient_ref()), subject in proptest::option::of(patient_ref())) {
        let who = PatientIdentity {
            nhs: NhsNumber::parse("9990040109").unwrap(),
            ids: vec!["p1".into()],
            base: "http://h:1/fhir".into(),
        };
        let mut r = json!({"resourceType": "Condition"});
        if let Some(p) = &patient {
            r["patient"] = p.clone();
        }
        if let Some(s) = &subject {
            r["subject"] = s.clone();
        }
        if who.check(&r) == Belongs::Yes {
            for e in [&patient, &subject].into_iter().flatten() {
                prop_assert!(names_only_us(e), "accepted {r}");
            }
            prop_assert!(
                [&patient, &subject].into_iter().flatten().any(|e| e.get("reference").is_some() || e.get("identifier").is_some()),
                "accepted a resource naming nobody: {r}"
            );
        }
    }
}

/// Narrative built from the pieces attackers use.
fn hostile_html() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<script>alert(1)</script>".to_string()),
        Just("<SCRIPT SRC=//evil.example/x.js></SCRIPT>".to_string()),
        Just("<img src=x onerror=alert(1)>".to_string()),
        Just("<img src=\"data:image/svg+xml;base64,PHN2Zz4=\">".to_string()),
        Just("<img src=\"data:image/png;base64,iVBORw0KGgo=\">".to_string()),
        Just("<a href=\"javascript:alert(1)\">x</a>".to_string()),
        Just("<a href=\"#nhs=9434765919\">open</a>".to_string()),
        Just("<a href=\"#s1\">ok</a>".to_string()),
        Just("<a href=\"https://evil.example\">x</a>".to_string()),
        Just("<a href=\"//evil.example\">x</a>".to_string()),
        Just("<iframe src=https://evil.example></iframe>".to_string()),
        Just("<svg><a xlink:href=javascript:alert(1)>x</a></svg>".to_string()),
        Just("<p style=\"background:url(https://evil.example)\">s</p>".to_string()),
        Just("<form action=https://evil.example><input name=q></form>".to_string()),
        Just("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>".to_string()),
        Just("<base href=https://evil.example/>".to_string()),
        Just("<meta http-equiv=refresh content=\"0;url=https://evil.example\">".to_string()),
        Just("<object data=x></object><embed src=x>".to_string()),
        Just("<p onclick=\"alert(1)\" ONMOUSEOVER=alert(2)>t</p>".to_string()),
        Just("<div><table><tr><td>".to_string()),
        Just("</td></tr></table></div>".to_string()),
        Just("&lt;script&gt;".to_string()),
        Just("<!-- <script> -->".to_string()),
        Just("<a href=\"java&#x09;script:alert(1)\">x</a>".to_string()),
        "[a-z <>/=\"']{0,12}",
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|v| format!("<div>{}</div>", v.concat()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES * 2))]

    /// Whatever the narrative, the cleaned HTML has no executable markup, no
    /// link but to an anchor of the same narrative, and nothing that fetches.
    #[test]
    fn the_sanitiser_leaves_nothing_that_runs_links_out_or_fetches(html in hostile_html()) {
        let out = sanitize(&html);
        let lower = out.to_lowercase();
        for bad in ["<script", "<iframe", "<object", "<embed", "<form", "<input", "<svg", "<math", "<style", "<base", "<meta", "javascript:", "style=", "xlink"] {
            prop_assert!(!lower.contains(bad), "{bad} in {out}");
        }
        // No event handler attribute survives: " on…=" inside a tag.
        let mut rest = lower.as_str();
        while let Some(i) = rest.find('<') {
            let tag_end = rest[i..].find('>').map_or(rest.len(), |e| i + e);
            let tag = &rest[i..tag_end];
            prop_assert!(!tag.split_whitespace().skip(1).any(|a| a.starts_with("on")), "handler in {tag}");
            for (attr, ok) in [("href=\"", "#"), ("src=\"", "data:image/")] {
                if let Some(p) = tag.find(attr) {
                    let value = &tag[p + attr.len()..];
                    prop_assert!(value.starts_with(ok), "{attr}{value} in {out}");
                    if attr.starts_with("href") {
                        let anchor: String = value[1..].chars().take_while(|c| *c != '"').collect();
                        prop_assert!(anchor.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)), "href #{anchor}");
                        prop_assert!(!anchor.contains('='), "a fragment that carries data: #{anchor}");
                    }
                    if attr.starts_with("src") {
                        prop_assert!(!value.starts_with("data:image/svg"), "svg image: {value}");
                    }
                }
            }
            rest = &rest[tag_end.min(rest.len())..];
            if rest.is_empty() {
                break;
            }
            rest = &rest[1.min(rest.len())..];
        }
    }
}
