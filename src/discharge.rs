//! Discharge summaries and other documents as the reader shows them: the
//! Composition's own narrative first, then its sections in order (sanitised
//! HTML and plain text, with `emptyReason`), the linked encounter, the
//! medicines it lists, attachments (inline data only; nothing is fetched from
//! a URL), and whether a newer document replaced it.

use serde::Serialize;
use serde_json::Value;

use crate::fhir::FhirVersion;
use crate::narrative::{sanitize, to_text};
use crate::reconcile::discharge_changes::MedicationChanges;
use crate::sources::Sources;
use crate::store::{CachedResource, Store, StoreError};
use crate::timeline::derive::concept_text;
use crate::timeline::{DerivedEvent, EventKind, EventMark, derive_event};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Section {
    pub title: Option<String>,
    /// Sanitised XHTML (FHIR narrative rules), safe to insert.
    pub html: Option<String>,
    /// The same narrative as plain text.
    pub text: Option<String>,
    /// Why the section is empty, as the source said (`emptyReason`).
    pub empty_reason: Option<String>,
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
    pub marks: Vec<EventMark>,
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

/// What a document is, so that the button that opens it says so.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentKind {
    DischargeSummary,
    Letter,
    Document,
}

/// Another document this one relates to (replaces, or is replaced by).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DocumentLink {
    pub resource_type: String,
    pub resource_id: String,
    pub title: Option<String>,
    /// `replaces`, `transforms`, `appends`, `signs`, or `replaced-by`.
    pub relation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DischargeView {
    pub source: String,
    pub source_id: String,
    pub resource_type: String,
    pub resource_id: String,
    pub kind: DocumentKind,
    pub title: Option<String>,
    pub date: Option<String>,
    pub status: Option<String>,
    pub author: Option<String>,
    /// The Composition's own narrative (`Composition.text`), shown before its sections.
    pub narrative_html: Option<String>,
    pub narrative_text: Option<String>,
    pub sections: Vec<Section>,
    pub encounter: Option<EntrySummary>,
    /// Medicine records the document lists (each with its status: a stopped one says so).
    pub medications: Vec<EntrySummary>,
    pub attachments: Vec<Attachment>,
    /// A newer document that replaces this one.
    pub superseded_by: Option<DocumentLink>,
    /// Documents this one relates to.
    pub relates_to: Vec<DocumentLink>,
    /// For a discharge: its medicines against the GP's list (set by the app).
    pub medication_changes: Option<MedicationChanges>,
}

/// The stay a discharge belongs to.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EncounterInfo {
    pub resource_type: String,
    pub resource_id: String,
    pub title: Option<String>,
    pub status: Option<String>,
    pub admitted: Option<String>,
    pub discharged: Option<String>,
    pub detail: Option<String>,
}

/// One discharge: the stay, its documents, and its medicine changes (`crossview discharge --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DischargeRecord {
    pub source: String,
    pub source_id: String,
    pub encounter: Option<EncounterInfo>,
    /// When the patient was discharged (the stay's end, else the document's date).
    pub date: Option<String>,
    pub documents: Vec<DischargeView>,
    pub medication_changes: MedicationChanges,
}

fn summary(reference: &str, v: Option<&Value>) -> EntrySummary {
    let e: Option<DerivedEvent> = v.and_then(|v| derive_event(v, FhirVersion::R4));
    EntrySummary {
        reference: reference.to_string(),
        title: e.as_ref().and_then(|e| e.title.clone()),
        detail: e.as_ref().and_then(|e| e.detail.clone()),
        status: e.as_ref().and_then(|e| e.status.clone()),
        marks: e.map(|e| e.marks).unwrap_or_default(),
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

/// `(type, id)` of a literal reference (relative, absolute or versioned); `None` for `#contained`.
pub fn local_ref(reference: &str) -> Option<(&str, &str)> {
    if reference.starts_with('#') {
        return None;
    }
    let tail = reference.split("/_history/").next()?;
    let mut it = tail.rsplit('/');
    let id = it.next()?;
    let ty = it.next()?;
    (!id.is_empty() && !ty.is_empty()).then_some((ty, id))
}

/// The encounter(s) a document or order belongs to: R4 `encounter`, STU3
/// Composition `encounter`, DocumentReference `context.encounter` (a list in R4,
/// one in STU3), STU3 medication `context`.
pub fn encounter_refs(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |r: Option<&Value>| {
        if let Some(id) = r
            .and_then(|r| r.get("reference"))
            .and_then(Value::as_str)
            .and_then(local_ref)
            .filter(|(ty, _)| *ty == "Encounter")
            .map(|(_, id)| format!("Encounter/{id}"))
            && !out.contains(&id)
        {
            out.push(id);
        }
    };
    push(v.get("encounter"));
    match v.pointer("/context/encounter") {
        Some(Value::Array(list)) => list.iter().for_each(|e| push(Some(e))),
        Some(e) => push(Some(e)),
        None => {}
    }
    if v.get("resourceType").and_then(Value::as_str) != Some("DocumentReference") {
        push(v.get("context"));
    }
    out
}

/// What a document is: a discharge summary, a letter, or another document.
fn document_kind(v: &Value, event: Option<&DerivedEvent>) -> DocumentKind {
    if event.is_some_and(|e| e.kind == EventKind::Discharge) {
        return DocumentKind::DischargeSummary;
    }
    let texts = [
        concept_text(v.get("type")),
        v.get("title").and_then(Value::as_str).map(String::from),
        v.get("description")
            .and_then(Value::as_str)
            .map(String::from),
    ];
    if texts
        .iter()
        .flatten()
        .any(|t| t.to_lowercase().contains("letter"))
    {
        DocumentKind::Letter
    } else {
        DocumentKind::Document
    }
}

/// Whether a cached resource may be shown, given `(source id, type, id, resource)`:
/// restricted entries not revealed in this session may not, even when a shown
/// document refers to them.
pub type Visible<'a> = &'a dyn Fn(&str, &str, &str, &Value) -> bool;

/// Reads one source's cached resources for one patient.
struct Reader<'a> {
    store: &'a Store,
    nhs: &'a str,
    source: &'a str,
    visible: Visible<'a>,
}

impl Reader<'_> {
    fn resolve(&self, reference: &str) -> Result<Option<Value>, StoreError> {
        let Some((ty, id)) = local_ref(reference) else {
            return Ok(None);
        };
        Ok(self
            .store
            .resource_json(self.nhs, self.source, ty, id)?
            .and_then(|j| serde_json::from_str(&j).ok())
            .filter(|v| (self.visible)(self.source, ty, id, v)))
    }

    fn entry(
        &self,
        r: &str,
        display: Option<&str>,
        meds: &mut Vec<EntrySummary>,
    ) -> Result<EntrySummary, StoreError> {
        let resolved = self.resolve(r)?;
        let mut sum = summary(r, resolved.as_ref());
        if sum.title.is_none() {
            sum.title = display.map(String::from);
        }
        if let Some((ty @ ("MedicationRequest" | "MedicationStatement"), id)) = local_ref(r) {
            // A referenced Medication's name comes from the timeline row, where it was
            // resolved (only for an entry that may be shown).
            if resolved.is_some()
                && let Some(ev) = self.store.timeline_event(self.nhs, self.source, ty, id)?
            {
                sum.title = Some(ev.title);
            }
            meds.push(sum.clone());
        }
        Ok(sum)
    }

    fn section(&self, s: &Value, meds: &mut Vec<EntrySummary>) -> Result<Section, StoreError> {
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
            let display = e.get("display").and_then(Value::as_str);
            // STU3 documents list medicines through a List resource.
            if let Some(("List", _)) = local_ref(r)
                && let Some(list) = self.resolve(r)?
            {
                for item in list
                    .get("entry")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|i| i.pointer("/item/reference").and_then(Value::as_str))
                {
                    entries.push(self.entry(item, None, meds)?);
                }
                continue;
            }
            entries.push(self.entry(r, display, meds)?);
        }
        let mut sections = Vec::new();
        for sub in s
            .get("section")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            sections.push(self.section(sub, meds)?);
        }
        let html = s.pointer("/text/div").and_then(Value::as_str).map(sanitize);
        Ok(Section {
            title: s
                .get("title")
                .and_then(Value::as_str)
                .map(String::from)
                .or_else(|| concept_text(s.get("code"))),
            text: html.as_deref().map(to_text),
            html,
            empty_reason: concept_text(s.get("emptyReason")),
            entries,
            sections,
        })
    }

    /// Links between documents: what this one says it relates to, and a newer one that replaces it.
    fn links(
        &self,
        v: &Value,
        resource_type: &str,
        id: &str,
    ) -> Result<(Vec<DocumentLink>, Option<DocumentLink>), StoreError> {
        let title_of = |v: &Value| {
            v.get("title")
                .or_else(|| v.get("description"))
                .and_then(Value::as_str)
                .map(String::from)
                .or_else(|| concept_text(v.get("type")))
        };
        let mut relates = Vec::new();
        for rel in v
            .get("relatesTo")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let code = rel
                .get("code")
                .and_then(Value::as_str)
                .unwrap_or("relates to");
            let target = rel
                .pointer("/target/reference")
                .or_else(|| rel.pointer("/targetReference/reference"))
                .and_then(Value::as_str);
            if let Some((ty, tid)) = target.and_then(local_ref) {
                let resolved = self.resolve(&format!("{ty}/{tid}"))?;
                relates.push(DocumentLink {
                    resource_type: ty.to_string(),
                    resource_id: tid.to_string(),
                    title: resolved.as_ref().and_then(title_of),
                    relation: code.to_string(),
                });
            }
        }
        // A newer document of the same source that says it replaces this one.
        let mut superseded_by = None;
        for (src, json) in self.store.resources_of_type(self.nhs, resource_type)? {
            if src != self.source {
                continue;
            }
            let Ok(other) = serde_json::from_str::<Value>(&json) else {
                continue;
            };
            let replaces_this = other
                .get("relatesTo")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|rel| {
                    rel.get("code").and_then(Value::as_str) == Some("replaces")
                        && rel
                            .pointer("/target/reference")
                            .or_else(|| rel.pointer("/targetReference/reference"))
                            .and_then(Value::as_str)
                            .and_then(local_ref)
                            == Some((resource_type, id))
                });
            if replaces_this {
                let other_id = other.get("id").and_then(Value::as_str).unwrap_or_default();
                // A restricted replacement is named as existing, never by its title.
                let shown = (self.visible)(self.source, resource_type, other_id, &other);
                superseded_by = Some(DocumentLink {
                    resource_type: resource_type.to_string(),
                    resource_id: other
                        .get("id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    title: if shown { title_of(&other) } else { None },
                    relation: "replaced-by".into(),
                });
            }
        }
        Ok((relates, superseded_by))
    }

    /// The reader's view of a cached Composition or DocumentReference.
    fn view(
        &self,
        sources: &Sources,
        resource_type: &str,
        id: &str,
    ) -> Result<Option<DischargeView>, StoreError> {
        let (nhs, source) = (self.nhs, self.source);
        let Some(json) = self.store.resource_json(nhs, source, resource_type, id)? else {
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
            sections.push(self.section(s, &mut medications)?);
        }
        let encounters = encounter_refs(&v);
        let encounter = match encounters.first() {
            Some(r) => Some(summary(r, self.resolve(r)?.as_ref())),
            None => None,
        };
        let mut attachments = attachments_of(&v);
        if resource_type == "Composition"
            && let Some(wanted) = encounters.first()
        {
            // Documents attached to the same stay (e.g. the PDF of this summary).
            for (src, doc) in self.store.resources_of_type(nhs, "DocumentReference")? {
                if src != source {
                    continue;
                }
                let Ok(doc) = serde_json::from_str::<Value>(&doc) else {
                    continue;
                };
                let doc_id = doc.get("id").and_then(Value::as_str).unwrap_or_default();
                if encounter_refs(&doc).contains(wanted)
                    && (self.visible)(source, "DocumentReference", doc_id, &doc)
                {
                    attachments.extend(attachments_of(&doc));
                }
            }
        }
        let event = derive_event(&v, FhirVersion::R4);
        let (relates_to, mut superseded_by) = self.links(&v, resource_type, id)?;
        if superseded_by.is_none() && v.get("status").and_then(Value::as_str) == Some("superseded")
        {
            superseded_by = Some(DocumentLink {
                resource_type: resource_type.to_string(),
                resource_id: String::new(),
                title: None,
                relation: "replaced-by".into(),
            });
        }
        let narrative_html = (resource_type == "Composition")
            .then(|| v.pointer("/text/div").and_then(Value::as_str).map(sanitize))
            .flatten();
        Ok(Some(DischargeView {
            source: sources.name(source),
            source_id: source.to_string(),
            resource_type: resource_type.to_string(),
            resource_id: id.to_string(),
            kind: document_kind(&v, event.as_ref()),
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
            narrative_text: narrative_html.as_deref().map(to_text),
            narrative_html,
            sections,
            encounter,
            medications,
            attachments,
            superseded_by,
            relates_to,
            medication_changes: None,
        }))
    }
}

/// The reader's view of a cached Composition or DocumentReference from one source.
pub fn discharge_view(
    store: &Store,
    sources: &Sources,
    nhs: &str,
    source_id: &str,
    resource_type: &str,
    id: &str,
    visible: Visible<'_>,
) -> Result<Option<DischargeView>, StoreError> {
    Reader {
        store,
        nhs,
        source: source_id,
        visible,
    }
    .view(sources, resource_type, id)
}

/// A discharge found in the cache, before its medicine changes are worked out.
pub struct FoundDischarge {
    pub record: DischargeRecord,
    /// Medicine records that belong to it: `(source id, type, id)`.
    pub medicine_refs: Vec<(String, String, String)>,
}

fn encounter_info(id: &str, v: &Value) -> EncounterInfo {
    let e = derive_event(v, FhirVersion::R4);
    EncounterInfo {
        resource_type: "Encounter".into(),
        resource_id: id.to_string(),
        title: e.as_ref().and_then(|e| e.title.clone()),
        status: v.get("status").and_then(Value::as_str).map(String::from),
        admitted: v
            .pointer("/period/start")
            .and_then(Value::as_str)
            .map(String::from),
        discharged: v
            .pointer("/period/end")
            .and_then(Value::as_str)
            .map(String::from),
        detail: e.and_then(|e| e.detail),
    }
}

fn is_inpatient_only(v: &Value) -> bool {
    let cats: Vec<String> = match v.get("category") {
        Some(Value::Array(a)) => a
            .iter()
            .flat_map(|c| crate::timeline::derive::codes_of(Some(c)))
            .filter_map(|c| c.code)
            .collect(),
        Some(c) => crate::timeline::derive::codes_of(Some(c))
            .into_iter()
            .filter_map(|c| c.code)
            .collect(),
        None => Vec::new(),
    };
    cats.iter().any(|c| c == "inpatient") && !cats.iter().any(|c| c == "discharge")
}

/// `(source id, type, id)` of each medicine a document lists.
fn medicine_refs<'a>(
    view: &'a DischargeView,
    source_id: &'a str,
) -> impl Iterator<Item = (String, String, String)> + 'a {
    view.medications.iter().filter_map(move |m| {
        local_ref(&m.reference).map(|(t, i)| (source_id.to_string(), t.to_string(), i.to_string()))
    })
}

/// Every discharge of a patient: each finished inpatient stay with its documents,
/// and each discharge document not tied to such a stay; newest first.
pub fn discharges(
    store: &Store,
    sources: &Sources,
    nhs: &str,
    resources: &[CachedResource],
    visible: Visible<'_>,
) -> Result<Vec<FoundDischarge>, StoreError> {
    let parsed: Vec<(&CachedResource, Value)> = resources
        .iter()
        .filter_map(|c| serde_json::from_str(&c.json).ok().map(|v| (c, v)))
        .collect();
    let mut out: Vec<FoundDischarge> = Vec::new();
    let mut used_docs: Vec<(String, String, String)> = Vec::new();
    let stays = parsed.iter().filter(|(c, v)| {
        c.resource_type == "Encounter"
            && derive_event(v, FhirVersion::R4).is_some_and(|e| e.kind == EventKind::Discharge)
    });
    for (c, enc) in stays {
        let key = format!("Encounter/{}", c.id);
        let mut record = DischargeRecord {
            source: sources.name(&c.endpoint_id),
            source_id: c.endpoint_id.clone(),
            date: enc
                .pointer("/period/end")
                .and_then(Value::as_str)
                .map(String::from),
            encounter: Some(encounter_info(&c.id, enc)),
            documents: Vec::new(),
            medication_changes: MedicationChanges::default(),
        };
        let mut meds = Vec::new();
        for (d, v) in &parsed {
            if d.endpoint_id != c.endpoint_id || !encounter_refs(v).contains(&key) {
                continue;
            }
            match d.resource_type.as_str() {
                "Composition" | "DocumentReference" => {
                    if let Some(view) = discharge_view(
                        store,
                        sources,
                        nhs,
                        &d.endpoint_id,
                        &d.resource_type,
                        &d.id,
                        visible,
                    )? {
                        meds.extend(medicine_refs(&view, &d.endpoint_id));
                        record.documents.push(view);
                        used_docs.push((
                            d.endpoint_id.clone(),
                            d.resource_type.clone(),
                            d.id.clone(),
                        ));
                    }
                }
                "MedicationRequest" | "MedicationStatement" if !is_inpatient_only(v) => {
                    meds.push((d.endpoint_id.clone(), d.resource_type.clone(), d.id.clone()));
                }
                _ => {}
            }
        }
        meds.sort();
        meds.dedup();
        out.push(FoundDischarge {
            record,
            medicine_refs: meds,
        });
    }
    // Discharge documents without a stay we hold (e.g. a Transfer of Care document on its own).
    for (d, v) in &parsed {
        if !matches!(
            d.resource_type.as_str(),
            "Composition" | "DocumentReference"
        ) || used_docs.contains(&(d.endpoint_id.clone(), d.resource_type.clone(), d.id.clone()))
            || derive_event(v, FhirVersion::R4).is_none_or(|e| e.kind != EventKind::Discharge)
        {
            continue;
        }
        let Some(view) = discharge_view(
            store,
            sources,
            nhs,
            &d.endpoint_id,
            &d.resource_type,
            &d.id,
            visible,
        )?
        else {
            continue;
        };
        let meds = medicine_refs(&view, &d.endpoint_id).collect();
        out.push(FoundDischarge {
            record: DischargeRecord {
                source: view.source.clone(),
                source_id: view.source_id.clone(),
                date: view.date.clone(),
                encounter: None,
                documents: vec![view],
                medication_changes: MedicationChanges::default(),
            },
            medicine_refs: meds,
        });
    }
    out.sort_by(|a, b| {
        crate::reconcile::latest(b.record.date.as_deref())
            .cmp(&crate::reconcile::latest(a.record.date.as_deref()))
    });
    Ok(out)
}
