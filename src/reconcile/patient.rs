//! Who the patient is, as the sources say: headline demographics from their
//! agreement (or the GP where they disagree, never from the order of source
//! names), every differing value listed, and NHS numbers a source has not
//! verified or marks as old.

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

use super::EntryRef;
use super::flags::{Flag, FlagKind, Severity};
use crate::config::EndpointKind;
use crate::nhs_number::{NHS_NUMBER_SYSTEM, NhsNumber};
use crate::sources::Sources;

/// One source's value of a demographic field.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceValue {
    pub source: String,
    pub value: String,
    /// `dd-Mmm-yyyy` for dates; the value otherwise.
    pub display: String,
}

/// A field the sources disagree on, with every value.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// `date of birth`, `family name`, `given name`, `gender`.
    pub field: String,
    pub values: Vec<SourceValue>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientSummary {
    pub nhs_number: String,
    /// FAMILY name, in capitals.
    pub family: Option<String>,
    pub given: Option<String>,
    /// Title, e.g. `Mrs`, where a source gives one.
    pub title: Option<String>,
    pub birth_date: Option<String>,
    pub gender: Option<String>,
    pub differences: Vec<Difference>,
    /// NHS number not verified, or marked old, at a source.
    pub identity_warnings: Vec<String>,
    /// Patient records the headline was read from.
    pub records: Vec<EntryRef>,
}

struct Record {
    source: String,
    source_id: String,
    kind: EndpointKind,
    id: String,
    updated: Option<String>,
    family: Option<String>,
    given: Option<String>,
    title: Option<String>,
    birth_date: Option<String>,
    gender: Option<String>,
}

fn official_name(p: &Value) -> Option<&Value> {
    let names = p.get("name").and_then(Value::as_array)?;
    names
        .iter()
        .find(|n| n.get("use").and_then(Value::as_str) == Some("official"))
        .or_else(|| {
            names
                .iter()
                .find(|n| n.get("use").and_then(Value::as_str) != Some("old"))
        })
        .or_else(|| names.first())
}

fn joined(v: Option<&Value>) -> Option<String> {
    let parts: Vec<&str> = v?.as_array()?.iter().filter_map(Value::as_str).collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn record(p: &Value, id: &str, source_id: &str, sources: &Sources) -> Record {
    let name = official_name(p);
    // Identity fields show invisible and direction-changing characters, so a name
    // cannot display as another.
    let visible = |s: String| crate::display::terminal_safe(&s);
    Record {
        source: sources.name(source_id),
        source_id: source_id.to_string(),
        kind: sources
            .get(source_id)
            .map_or(EndpointKind::Other, |s| s.source_kind),
        id: id.to_string(),
        updated: p
            .pointer("/meta/lastUpdated")
            .and_then(Value::as_str)
            .map(String::from),
        family: name
            .and_then(|n| n.get("family"))
            .and_then(Value::as_str)
            .map(|f| visible(f.trim().to_uppercase())),
        given: name.and_then(|n| joined(n.get("given"))).map(visible),
        title: name.and_then(|n| joined(n.get("prefix"))).map(visible),
        birth_date: p
            .get("birthDate")
            .and_then(Value::as_str)
            .map(|s| visible(s.to_string())),
        gender: p
            .get("gender")
            .and_then(Value::as_str)
            .map(|s| visible(s.to_string())),
    }
}

/// The agreed value: all agree; else the GP's; else the most common; a tie goes
/// to the most recently updated record.
fn headline(records: &[Record], get: impl Fn(&Record) -> Option<String>) -> Option<String> {
    let mut counts: BTreeMap<String, (usize, Option<String>, bool)> = BTreeMap::new();
    for r in records {
        if let Some(v) = get(r) {
            let key = v.to_lowercase();
            let e = counts.entry(key).or_insert((0, None, false));
            e.0 += 1;
            if r.updated > e.1 {
                e.1 = r.updated.clone();
            }
            e.2 |= r.kind == EndpointKind::Gp;
        }
    }
    if counts.len() > 1
        && let Some(gp) = records
            .iter()
            .filter(|r| r.kind == EndpointKind::Gp)
            .find_map(&get)
    {
        return Some(gp);
    }
    let best = counts
        .iter()
        .max_by(|a, b| (a.1.0, &a.1.1).cmp(&(b.1.0, &b.1.1)))
        .map(|(k, _)| k.clone())?;
    records
        .iter()
        .filter_map(&get)
        .find(|v| v.to_lowercase() == best)
}

fn differences(
    records: &[Record],
    field: &str,
    get: impl Fn(&Record) -> Option<String>,
    show: impl Fn(&str) -> String,
) -> Option<Difference> {
    let values: Vec<SourceValue> = records
        .iter()
        .filter_map(|r| {
            get(r).map(|v| SourceValue {
                source: r.source.clone(),
                display: show(&v),
                value: v,
            })
        })
        .collect();
    let distinct: std::collections::BTreeSet<String> =
        values.iter().map(|v| v.value.to_lowercase()).collect();
    (distinct.len() > 1).then(|| Difference {
        field: field.to_string(),
        values,
    })
}

/// Identity warnings for one Patient: an NHS number the source has not verified, or marks old.
fn identity_warnings(p: &Value, nhs: &str, source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for ident in p
        .get("identifier")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if ident.get("system").and_then(Value::as_str) != Some(NHS_NUMBER_SYSTEM) {
            continue;
        }
        let value = ident
            .get("value")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if NhsNumber::parse(value)
            .map(|n| n.as_str() != nhs)
            .unwrap_or(true)
        {
            continue;
        }
        if ident.get("use").and_then(Value::as_str) == Some("old") {
            out.push(format!("{source} marks this NHS number as old"));
        }
        for ext in ident
            .get("extension")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let url = ext.get("url").and_then(Value::as_str).unwrap_or_default();
            if !url.contains("NHSNumberVerificationStatus") {
                continue;
            }
            let coding = ext
                .pointer("/valueCodeableConcept/coding/0")
                .cloned()
                .unwrap_or(Value::Null);
            let code = coding
                .get("code")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if code != "01" {
                let display = coding
                    .get("display")
                    .and_then(Value::as_str)
                    .unwrap_or("status not given");
                out.push(format!(
                    "NHS number not verified at {source} ({display}, code {})",
                    if code.is_empty() { "none" } else { code }
                ));
            }
        }
    }
    out
}

/// The patient as the sources say, and a `demographics-differ` flag when they disagree.
pub(super) fn summary(
    nhs: &str,
    patients: &[(String, String, Value)],
    sources: &Sources,
) -> (PatientSummary, Option<Flag>) {
    let records: Vec<Record> = patients
        .iter()
        .map(|(source_id, id, p)| record(p, id, source_id, sources))
        .collect();
    let date = |d: &str| crate::display::date_or_not_known(Some(d));
    let same = |v: &str| v.to_string();
    let diffs: Vec<Difference> = [
        differences(&records, "date of birth", |r| r.birth_date.clone(), date),
        differences(&records, "family name", |r| r.family.clone(), same),
        differences(&records, "given name", |r| r.given.clone(), same),
        differences(&records, "gender", |r| r.gender.clone(), same),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut warnings: Vec<String> = patients
        .iter()
        .flat_map(|(source_id, _, p)| identity_warnings(p, nhs, &sources.name(source_id)))
        .collect();
    warnings.dedup();
    let refs: Vec<EntryRef> = records
        .iter()
        .map(|r| EntryRef {
            source: r.source.clone(),
            source_id: r.source_id.clone(),
            resource_type: "Patient".into(),
            resource_id: r.id.clone(),
        })
        .collect();
    let flag = (!diffs.is_empty()).then(|| Flag {
        kind: FlagKind::DemographicsDiffer,
        severity: Severity::Warning,
        message: diffs
            .iter()
            .map(|d| {
                format!(
                    "{} differs: {}",
                    capitalise(&d.field),
                    d.values
                        .iter()
                        .map(|v| format!("{} at {}", v.display, v.source))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            })
            .collect::<Vec<_>>()
            .join(". "),
        refs: refs.clone(),
    });
    (
        PatientSummary {
            nhs_number: nhs.to_string(),
            family: headline(&records, |r| r.family.clone()),
            given: headline(&records, |r| r.given.clone()),
            title: headline(&records, |r| r.title.clone()),
            birth_date: headline(&records, |r| r.birth_date.clone()),
            gender: headline(&records, |r| r.gender.clone()),
            differences: diffs,
            identity_warnings: warnings,
            records: refs,
        },
        flag,
    )
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}
