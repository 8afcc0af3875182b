//! The discharge summary reader's view: Composition sections in order with
//! sanitised narrative, the linked encounter, medications on discharge and any
//! attached documents (inline data only; nothing is fetched from a URL).

use serde::Serialize;
use serde_json::Value;

use crate::fhir::FhirVersion;
use crate::narrative::sanitize;
use crate::store::{Store, StoreError};
use crate::timeline::derive::concept_text;
use crate::timeline::{DerivedEvent, derive_event};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Section {
    pub title: Option<String>,
    /// Sanitised XHTML (FHIR narrative rules), safe to insert.
    pub html: Option<String>,
    /// References the section lists, with what Crossview could resolve from the same source.
    pub entries: Vec<EntrySummary>,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EntrySummary {
    pub reference: String,
    pub title: Option<String>,
    pub detail: Option<String>,
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Attachment {
    pub title: Option<String>,
    pub content_type: Option<String>,
    /// Base64 content when the source sent it inline.
    pub data: Option<String>,
    /// A URL the source gave instead of data; shown, never fetched by the viewer.
    pub url: Option<String>,
    pub size: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DischargeView {
    pub source: String,
    pub resource_type: String,
    pub resource_id: String,
    pub title: Option<String>,
    pub date: Option<String>,
    pub status: Option<String>,
    pub author: Option<String>,
    pub sections: Vec<Section>,
    pub encounter: Option<EntrySummary>,
    pub medications: Vec<EntrySummary>,
    pub attachments: Vec<Attachment>,
}

fn summary(reference: &str, v: Option<&Value>) -> EntrySummary {
    let e: Option<DerivedEvent> = v.and_then(|v| derive_event(v, FhirVersion::R4));
    EntrySummary {
        reference: reference.to_string(),
        title: e.as_ref().and_then(|e| e.title.clone()),
        detail: e.as_ref().and_then(|e| e.detail.clone()),
        status: e.and_then(|e| e.status),
    }
}

fn attachments_of(doc: &Value) -> Vec<Attachment> {
    doc.get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("attachment"))
        .map(|a| {
            let s = |k: &str| a.get(k).and_then(Value::as_str).map(String::from);
            Attachment {
                title: s("title"),
                content_type: s("contentType"),
                data: s("data"),
                url: s("url"),
                size: a.get("size").and_then(Value::as_u64),
            }
        })
        .collect()
}

fn local_ref(reference: &str) -> Option<(&str, &str)> {
    let tail = reference.split("/_history/").next()?;
    let mut it = tail.rsplit('/');
    let id = it.next()?;
    let ty = it.next()?;
    Some((ty, id))
}

impl Store {
    fn resolve(
        &self,
        nhs: &str,
        source: &str,
        reference: &str,
    ) -> Result<Option<Value>, StoreError> {
        let Some((ty, id)) = local_ref(reference) else {
            return Ok(None);
        };
        Ok(self
            .resource_json(nhs, source, ty, id)?
            .and_then(|j| serde_json::from_str(&j).ok()))
    }

    fn section(
        &self,
        nhs: &str,
        source: &str,
        s: &Value,
        meds: &mut Vec<EntrySummary>,
    ) -> Result<Section, StoreError> {
        let mut entries = Vec::new();
        for e in s
            .get("entry")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(r) = e.get("reference").and_then(Value::as_str) else {
                continue;
            };
            let resolved = self.resolve(nhs, source, r)?;
            let mut sum = summary(r, resolved.as_ref());
            if sum.title.is_none() {
                sum.title = e.get("display").and_then(Value::as_str).map(String::from);
            }
            if r.contains("MedicationRequest/") || r.contains("MedicationStatement/") {
                // A referenced Medication's name comes from the timeline row, where it was resolved.
                if let Some((ty, id)) = local_ref(r)
                    && let Some(ev) = self.timeline_event(nhs, source, ty, id)?
                {
                    sum.title = Some(ev.title);
                }
                meds.push(sum.clone());
            }
            entries.push(sum);
        }
        let mut sections = Vec::new();
        for sub in s
            .get("section")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            sections.push(self.section(nhs, source, sub, meds)?);
        }
        Ok(Section {
            title: s
                .get("title")
                .and_then(Value::as_str)
                .map(String::from)
                .or_else(|| concept_text(s.get("code"))),
            html: s.pointer("/text/div").and_then(Value::as_str).map(sanitize),
            entries,
            sections,
        })
    }

    /// The reader's view of a cached Composition or DocumentReference.
    pub fn discharge_view(
        &self,
        nhs: &str,
        source: &str,
        resource_type: &str,
        id: &str,
    ) -> Result<Option<DischargeView>, StoreError> {
        let Some(json) = self.resource_json(nhs, source, resource_type, id)? else {
            return Ok(None);
        };
        let v: Value = serde_json::from_str(&json)?;
        let mut medications = Vec::new();
        let mut sections = Vec::new();
        for s in v
            .get("section")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            sections.push(self.section(nhs, source, s, &mut medications)?);
        }
        let encounter_ref = v
            .pointer("/encounter/reference")
            .or_else(|| v.pointer("/context/encounter/0/reference"))
            .or_else(|| v.pointer("/context/encounter/reference"))
            .and_then(Value::as_str)
            .map(String::from);
        let encounter = match &encounter_ref {
            Some(r) => Some(summary(r, self.resolve(nhs, source, r)?.as_ref())),
            None => None,
        };
        let mut attachments = attachments_of(&v);
        if resource_type == "Composition"
            && let Some(r) = &encounter_ref
        {
            let wanted = local_ref(r).map(|(_, id)| id.to_string());
            for (src, doc) in self.resources_of_type(nhs, "DocumentReference")? {
                if src != source {
                    continue;
                }
                let Ok(doc) = serde_json::from_str::<Value>(&doc) else {
                    continue;
                };
                let doc_enc = doc
                    .pointer("/context/encounter/0/reference")
                    .and_then(Value::as_str)
                    .and_then(local_ref)
                    .map(|(_, id)| id.to_string());
                if doc_enc.is_some() && doc_enc == wanted {
                    attachments.extend(attachments_of(&doc));
                }
            }
        }
        let event = derive_event(&v, FhirVersion::R4);
        Ok(Some(DischargeView {
            source: source.to_string(),
            resource_type: resource_type.to_string(),
            resource_id: id.to_string(),
            title: event.as_ref().and_then(|e| e.title.clone()),
            date: event.as_ref().and_then(|e| e.date.clone()),
            status: event.and_then(|e| e.status),
            author: v
                .get("author")
                .and_then(Value::as_array)
                .and_then(|a| {
                    a.iter()
                        .find_map(|a| a.get("display").and_then(Value::as_str))
                })
                .map(String::from),
            sections,
            encounter,
            medications,
            attachments,
        }))
    }
}
