//! Consent at a source: `Consent` resources are fetched before the rest of the
//! record, and a `deny` provision that covers this kind of access (its period
//! includes now, its purposes include ours, its actions include reading) and
//! names particular data — resources, classes of them, codes or security
//! labels — is honoured: matching resources are neither shown nor kept. A
//! provision Crossview cannot interpret (one limited to named people, say) is
//! reported as a warning and not applied; it never hides the rest of the record,
//! and nothing is hidden beyond what a consent says.
//!
//! R4: `provision` (nested; a `permit` inside a `deny` is an exception).
//! STU3: `except[]` with `type = deny`, and an opt-out `policyRule` at the root.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

use crate::fhir::FhirVersion;
use crate::timeline::date::FhirDate;

const ACT_REASON_SYSTEMS: &[&str] = &[
    "http://terminology.hl7.org/CodeSystem/v3-ActReason",
    "http://hl7.org/fhir/v3/ActReason",
    "urn:oid:2.16.840.1.113883.5.8",
];
const CONSENT_ACTION_SYSTEMS: &[&str] = &[
    "http://terminology.hl7.org/CodeSystem/consentaction",
    "http://hl7.org/fhir/consentaction",
];
const RESOURCE_TYPE_SYSTEMS: &[&str] = &[
    "http://hl7.org/fhir/resource-types",
    "http://hl7.org/fhir/ValueSet/resource-types",
];
/// Actions that reading a record is: a deny limited to other actions does not cover it.
const READING_ACTIONS: &[&str] = &["access", "use", "disclose"];

/// What one Consent at a source means for this record, as the fronts show it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentNote {
    /// `Consent/{id}`.
    pub consent: String,
    /// True when its restriction was applied; false when it could not be interpreted.
    pub applied: bool,
    /// What it says, in words.
    pub text: String,
    /// Resources withheld under it, by type (none of them was kept).
    pub withheld: BTreeMap<String, u64>,
}

/// One way a provision names data.
#[derive(Debug, Clone, PartialEq)]
enum Matcher {
    /// `Type/id`; `related`: also resources that refer to it.
    Instance { reference: String, related: bool },
    /// Every resource of a type.
    Class(String),
    /// Resources carrying this code (system and code).
    Code(String, String),
    /// Resources carrying this security label (system and code).
    Label(String, String),
    /// Everything at the source (a deny naming no particular data).
    Everything,
}

/// A period: start and end (exclusive), either open.
type Period = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// A deny provision read: the data it names, its exceptions, its data period.
type Deny = (Vec<Matcher>, Vec<Matcher>, Option<Period>);

#[derive(Debug, Clone)]
struct DenyRule {
    note: usize,
    matchers: Vec<Matcher>,
    /// Permits nested inside the deny: exceptions to it.
    except: Vec<Matcher>,
    /// Only data dated in this period (start, end); undated data counts as covered.
    data_period: Option<Period>,
}

/// The restrictions that apply at one source for one access.
#[derive(Debug, Clone, Default)]
pub struct ConsentRules {
    rules: Vec<DenyRule>,
    notes: Vec<ConsentNote>,
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The codings of a Coding, a CodeableConcept, or arrays of either.
fn codings(v: &Value) -> Vec<(&str, &str)> {
    match v {
        Value::Array(items) => items.iter().flat_map(codings).collect(),
        Value::Object(o) => {
            if let Some(c) = o.get("coding") {
                codings(c)
            } else {
                match (text(v, "system"), text(v, "code")) {
                    (Some(s), Some(c)) => vec![(s, c)],
                    _ => Vec::new(),
                }
            }
        }
        _ => Vec::new(),
    }
}

/// `Type/id` at the end of a reference (relative or absolute).
fn type_and_id(reference: &str) -> Option<String> {
    let r = reference.split(['?', '#']).next()?;
    let mut parts = r.rsplit('/');
    let id = parts.next().filter(|s| !s.is_empty())?;
    let ty = parts.next().filter(|s| !s.is_empty())?;
    let ty = if ty == "_history" {
        return None;
    } else {
        ty
    };
    Some(format!("{ty}/{id}"))
}

fn period(v: Option<&Value>) -> Option<Period> {
    let v = v?;
    let start = text(v, "start").and_then(FhirDate::parse).map(|d| d.start);
    let end = text(v, "end").and_then(FhirDate::parse).map(|d| d.end());
    Some((start, end))
}

fn in_period(p: &Period, t: DateTime<Utc>) -> bool {
    p.0.is_none_or(|s| s <= t) && p.1.is_none_or(|e| t < e)
}

/// What an access is, for deciding whether a provision covers it.
#[derive(Debug, Clone, Copy)]
pub struct AccessKind<'a> {
    /// v3 ActReason code: `TREAT` or `ETREAT`.
    pub purpose: &'a str,
    pub now: DateTime<Utc>,
}

/// True when every coding in `v` (Coding, CodeableConcept or arrays of them)
/// has a system and a code: text alone cannot be matched.
fn all_coded(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(items) => items.iter().all(all_coded),
        Value::Object(o) => match o.get("coding") {
            Some(Value::Array(c)) if !c.is_empty() => c.iter().all(all_coded),
            Some(_) => false,
            None => text(v, "system").is_some() && text(v, "code").is_some(),
        },
        _ => false,
    }
}

/// A provision's purposes cover ours when one of them is ours or an ancestor
/// of ours (emergency treatment is a kind of treatment). `Err` when a purpose
/// is written in a way Crossview cannot read (it might be ours).
fn purposes_cover(provision: &Value, key: &str, ours: &str) -> Result<bool, String> {
    let raw = provision.get(key).unwrap_or(&Value::Null);
    let listed: Vec<(&str, &str)> = codings(raw);
    if !all_coded(raw) || listed.iter().any(|(s, _)| !ACT_REASON_SYSTEMS.contains(s)) {
        return Err("its purpose of use is not in a code system Crossview reads".into());
    }
    if listed.is_empty() {
        return Ok(true);
    }
    let covering: &[&str] = match ours {
        "ETREAT" => &["ETREAT", "TREAT", "PurposeOfUse"],
        _ => &["TREAT", "PurposeOfUse"],
    };
    Ok(listed.iter().any(|(_, c)| covering.contains(c)))
}

/// `Err` when an action is written in a way Crossview cannot read (it might be reading).
fn actions_cover(provision: &Value) -> Result<bool, String> {
    let raw = provision.get("action").unwrap_or(&Value::Null);
    let listed = codings(raw);
    if !all_coded(raw)
        || listed
            .iter()
            .any(|(s, _)| !CONSENT_ACTION_SYSTEMS.contains(s))
    {
        return Err("its action is not in a code system Crossview reads".into());
    }
    Ok(listed.is_empty() || listed.iter().any(|(_, c)| READING_ACTIONS.contains(c)))
}

/// The data an exception (a `permit` inside a `deny`) lets through for this
/// access: none when it does not cover it; `Err` when it cannot be read.
fn exception(child: &Value, access: AccessKind) -> Result<Vec<Matcher>, String> {
    if !array(child, "actor").is_empty() {
        return Err("an exception in it applies only to named people or organisations, and Crossview cannot tell whether you are one of them".into());
    }
    if !array(child, "provision").is_empty() || child.get("dataPeriod").is_some() {
        return Err(
            "an exception in it is nested or dated in a way Crossview does not follow".into(),
        );
    }
    if let Some(p) = period(child.get("period"))
        && !in_period(&p, access.now)
    {
        return Ok(Vec::new());
    }
    if !purposes_cover(child, "purpose", access.purpose)? || !actions_cover(child)? {
        return Ok(Vec::new());
    }
    let mut m = matchers(child)?;
    if m.is_empty() {
        // An exception naming no data lets everything through.
        m.push(Matcher::Everything);
    }
    Ok(m)
}

/// The data a provision names; `Err` with why when it names data in a way not interpreted.
fn matchers(provision: &Value) -> Result<Vec<Matcher>, String> {
    let mut out = Vec::new();
    for d in array(provision, "data") {
        let meaning = text(d, "meaning").unwrap_or("instance");
        let Some(reference) = d
            .pointer("/reference/reference")
            .and_then(Value::as_str)
            .and_then(type_and_id)
        else {
            return Err("it names data without a readable reference".into());
        };
        match meaning {
            "instance" => out.push(Matcher::Instance {
                reference,
                related: false,
            }),
            "related" => out.push(Matcher::Instance {
                reference,
                related: true,
            }),
            other => {
                return Err(format!(
                    "it names data by \"{other}\", which Crossview does not follow"
                ));
            }
        }
    }
    for key in ["class", "code", "securityLabel"] {
        if !all_coded(provision.get(key).unwrap_or(&Value::Null)) {
            return Err(format!(
                "it names data by {key} without a code system and code, which Crossview cannot match"
            ));
        }
    }
    for c in codings(provision.get("class").unwrap_or(&Value::Null)) {
        if RESOURCE_TYPE_SYSTEMS.contains(&c.0) {
            out.push(Matcher::Class(c.1.to_string()));
        } else {
            return Err(format!(
                "it names a class of data Crossview cannot match ({} {})",
                c.0, c.1
            ));
        }
    }
    for (s, c) in codings(provision.get("code").unwrap_or(&Value::Null)) {
        out.push(Matcher::Code(s.to_string(), c.to_string()));
    }
    for (s, c) in codings(provision.get("securityLabel").unwrap_or(&Value::Null)) {
        out.push(Matcher::Label(
            crate::restricted::canonical_label_system(s).to_string(),
            c.to_string(),
        ));
    }
    Ok(out)
}

fn describe(matchers: &[Matcher]) -> String {
    if matchers.contains(&Matcher::Everything) {
        return "the whole record at this source".into();
    }
    let parts: Vec<String> = matchers
        .iter()
        .map(|m| match m {
            Matcher::Instance { reference, related } => {
                let ty = reference.split('/').next().unwrap_or("entry");
                if *related {
                    format!("one {ty} and what refers to it")
                } else {
                    format!("one {ty}")
                }
            }
            Matcher::Class(t) => format!("every {t}"),
            Matcher::Code(..) => "entries with a particular code".into(),
            Matcher::Label(..) => "entries with a particular security label".into(),
            Matcher::Everything => String::new(),
        })
        .collect();
    parts.join(", ")
}

impl ConsentRules {
    /// Reads the Consents a source sent for this patient.
    pub fn interpret(consents: &[Value], version: FhirVersion, access: AccessKind) -> ConsentRules {
        let mut rules = ConsentRules::default();
        for c in consents {
            rules.add(c, version, access);
        }
        rules
    }

    pub fn notes(&self) -> &[ConsentNote] {
        &self.notes
    }

    pub fn into_notes(self) -> Vec<ConsentNote> {
        self.notes
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    fn note(&mut self, consent: &str, applied: bool, text: String) -> usize {
        self.notes.push(ConsentNote {
            consent: consent.to_string(),
            applied,
            text,
            withheld: BTreeMap::new(),
        });
        self.notes.len() - 1
    }

    fn add(&mut self, c: &Value, version: FhirVersion, access: AccessKind) {
        let name = format!("Consent/{}", text(c, "id").unwrap_or("(no id)"));
        // Only a consent in force restricts anything.
        if text(c, "status") != Some("active") {
            return;
        }
        // Not about sharing data (consent to treatment, research, an advance directive).
        let scope_codes: Vec<&str> = codings(c.get("scope").unwrap_or(&Value::Null))
            .into_iter()
            .map(|(_, code)| code)
            .collect();
        if !scope_codes.is_empty() && !scope_codes.contains(&"patient-privacy") {
            return;
        }
        let outcome = match version {
            FhirVersion::R4 => c
                .get("provision")
                .map_or(Ok(Vec::new()), |p| self.r4_provision(p, false, access)),
            FhirVersion::STU3 => self.stu3(c, access),
        };
        match outcome {
            Ok(rules) => {
                for (matchers, except, data_period) in rules {
                    let text = format!(
                        "the patient has withheld {} from this kind of access",
                        describe(&matchers)
                    );
                    let note = self.note(&name, true, text);
                    self.rules.push(DenyRule {
                        note,
                        matchers,
                        except,
                        data_period,
                    });
                }
            }
            Err(why) => {
                self.note(
                    &name,
                    false,
                    format!(
                        "a consent restriction here could not be interpreted ({why}); it was not applied and the rest of the record is shown: check with the source before relying on it"
                    ),
                );
            }
        }
    }

    /// Deny rules in an R4 provision tree: `(matchers, exceptions, data period)`.
    fn r4_provision(
        &self,
        p: &Value,
        inside_deny: bool,
        access: AccessKind,
    ) -> Result<Vec<Deny>, String> {
        let mut out = Vec::new();
        if let Some(period) = period(p.get("period"))
            && !in_period(&period, access.now)
        {
            return Ok(out);
        }
        if !purposes_cover(p, "purpose", access.purpose)? || !actions_cover(p)? {
            return Ok(out);
        }
        let is_deny = text(p, "type") == Some("deny");
        if is_deny && !inside_deny {
            if !array(p, "actor").is_empty() {
                return Err("it applies only to named people or organisations, and Crossview cannot tell whether you are one of them".into());
            }
            let mut m = matchers(p)?;
            if m.is_empty() {
                m.push(Matcher::Everything);
            }
            let mut except = Vec::new();
            for child in array(p, "provision") {
                // An exception to a deny is a permit; a deny inside it withholds
                // nothing the outer one does not.
                if text(child, "type") == Some("permit") {
                    except.extend(exception(child, access)?);
                }
            }
            out.push((m, except, period(p.get("dataPeriod"))));
            return Ok(out);
        }
        for child in array(p, "provision") {
            out.extend(self.r4_provision(child, inside_deny || is_deny, access)?);
        }
        Ok(out)
    }

    fn stu3(&self, c: &Value, access: AccessKind) -> Result<Vec<Deny>, String> {
        let mut out = Vec::new();
        if let Some(period) = period(c.get("period"))
            && !in_period(&period, access.now)
        {
            return Ok(out);
        }
        let opt_out = text(c, "policyRule")
            .is_some_and(|r| r.ends_with("/opt-out") || r.ends_with("/opt-out-all"));
        if opt_out && purposes_cover(c, "purpose", access.purpose)? && actions_cover(c)? {
            if !array(c, "actor").is_empty() {
                return Err("it applies only to named people or organisations, and Crossview cannot tell whether you are one of them".into());
            }
            let mut m = matchers(c)?;
            if m.is_empty() {
                m.push(Matcher::Everything);
            }
            out.push((m, Vec::new(), period(c.get("dataPeriod"))));
        }
        for e in array(c, "except") {
            if text(e, "type") != Some("deny") {
                continue;
            }
            if let Some(p) = period(e.get("period"))
                && !in_period(&p, access.now)
            {
                continue;
            }
            if !purposes_cover(e, "purpose", access.purpose)? || !actions_cover(e)? {
                continue;
            }
            if !array(e, "actor").is_empty() {
                return Err("it applies only to named people or organisations, and Crossview cannot tell whether you are one of them".into());
            }
            let mut m = matchers(e)?;
            if m.is_empty() {
                m.push(Matcher::Everything);
            }
            out.push((m, Vec::new(), period(e.get("dataPeriod"))));
        }
        Ok(out)
    }

    /// The note under which `resource` is withheld, if a rule covers it. Records the count.
    pub fn withhold(&mut self, resource: &Value, version: FhirVersion) -> Option<usize> {
        if self.rules.is_empty() {
            return None;
        }
        let ty = text(resource, "resourceType")?;
        // The patient record and consents themselves are never withheld: without
        // them the rest could not be checked or explained.
        if ty == "Patient" || ty == "Consent" {
            return None;
        }
        let facts = Facts::of(resource, version);
        let note = self.rules.iter().find_map(|rule| {
            let named = rule.matchers.iter().any(|m| facts.matches(m));
            let excepted = rule.except.iter().any(|m| facts.matches(m));
            let dated_in = rule
                .data_period
                .as_ref()
                .is_none_or(|p| facts.date.is_none_or(|d| in_period(p, d)));
            (named && !excepted && dated_in).then_some(rule.note)
        })?;
        *self.notes[note].withheld.entry(ty.to_string()).or_default() += 1;
        Some(note)
    }
}

/// What a resource is, for matching: its reference, the references it makes,
/// its codes and labels, and its date.
struct Facts {
    reference: String,
    resource_type: String,
    refers_to: BTreeSet<String>,
    codes: BTreeSet<(String, String)>,
    labels: BTreeSet<(String, String)>,
    date: Option<DateTime<Utc>>,
}

impl Facts {
    fn of(r: &Value, version: FhirVersion) -> Facts {
        let resource_type = text(r, "resourceType").unwrap_or_default().to_string();
        let mut refers_to = BTreeSet::new();
        collect_references(r, &mut refers_to, 0);
        let mut codes = BTreeSet::new();
        for key in [
            "code",
            "type",
            "category",
            "class",
            "medicationCodeableConcept",
            "vaccineCode",
        ] {
            if let Some(v) = r.get(key) {
                for (s, c) in codings(v) {
                    codes.insert((s.to_string(), c.to_string()));
                }
            }
        }
        let labels = crate::restricted::labels_of(r).into_iter().collect();
        let date = crate::timeline::derive_event(r, version)
            .and_then(|e| e.date)
            .and_then(|d| FhirDate::parse(&d))
            .map(|d| d.start);
        Facts {
            reference: format!("{resource_type}/{}", text(r, "id").unwrap_or_default()),
            resource_type,
            refers_to,
            codes,
            labels,
            date,
        }
    }

    fn matches(&self, m: &Matcher) -> bool {
        match m {
            Matcher::Instance { reference, related } => {
                self.reference == *reference || (*related && self.refers_to.contains(reference))
            }
            Matcher::Class(t) => self.resource_type == *t,
            Matcher::Code(s, c) => self.codes.contains(&(s.clone(), c.clone())),
            Matcher::Label(s, c) => self.labels.contains(&(s.clone(), c.clone())),
            Matcher::Everything => true,
        }
    }
}

fn collect_references(v: &Value, out: &mut BTreeSet<String>, depth: usize) {
    if depth > 32 {
        return;
    }
    match v {
        Value::Object(o) => {
            if let Some(r) = o
                .get("reference")
                .and_then(Value::as_str)
                .and_then(type_and_id)
            {
                out.insert(r);
            }
            o.values()
                .for_each(|x| collect_references(x, out, depth + 1));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_references(x, out, depth + 1)),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
