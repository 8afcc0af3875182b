//! Built-in synthetic demo data: a few patients seen at three trusts and a GP.
//! Every NHS number is from the 999 test range with a valid check digit; no
//! person here is real. Resources are valid FHIR R4 (a strict server accepts them).

use serde_json::{Value, json};

use crate::config::EndpointKind;
use crate::nhs_number::{NHS_NUMBER_SYSTEM, check_digit};

const SNOMED: &str = "http://snomed.info/sct";
const DMD: &str = "https://dmd.nhs.uk";
const V3_ACT: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

/// One simulated organisation and what it holds.
#[derive(Debug, Clone)]
pub struct DemoSource {
    pub name: String,
    pub kind: EndpointKind,
    pub resources: Vec<Value>,
}

#[derive(Debug, Clone)]
pub struct DemoPatient {
    pub nhs: String,
    pub family: &'static str,
    pub given: &'static str,
    pub gender: &'static str,
    pub birth_date: &'static str,
}

/// A valid test-range NHS number from a six-digit serial (999 + serial + check digit).
pub fn test_nhs_number(serial: u32) -> String {
    let mut s = serial;
    loop {
        let nine = format!("999{:06}", s % 1_000_000);
        let mut d = [0u8; 9];
        for (i, b) in nine.bytes().enumerate() {
            d[i] = b - b'0';
        }
        if let Some(c) = check_digit(&d) {
            return format!("{nine}{c}");
        }
        s += 1;
    }
}

pub fn demo_patients() -> Vec<DemoPatient> {
    vec![
        DemoPatient {
            nhs: test_nhs_number(1),
            family: "ASHWORTH",
            given: "Ada",
            gender: "female",
            birth_date: "1948-03-02",
        },
        DemoPatient {
            nhs: test_nhs_number(2),
            family: "OKONKWO",
            given: "Bernard",
            gender: "male",
            birth_date: "1961-11-20",
        },
        DemoPatient {
            nhs: test_nhs_number(3),
            family: "FENWICK",
            given: "Chloe",
            gender: "female",
            birth_date: "1990-06-05",
        },
    ]
}

/// Tiny deterministic generator (splitmix64), so demo data is the same on every machine.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
}

fn cc(system: &str, code: &str, display: &str) -> Value {
    json!({"coding": [{"system": system, "code": code, "display": display}], "text": display})
}

fn day(days_ago: i64) -> chrono::DateTime<chrono::Utc> {
    // Fixed "today" keeps the demo identical on every machine and run.
    let today = chrono::DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z")
        .map(|d| d.with_timezone(&chrono::Utc))
        .unwrap_or_else(|_| chrono::Utc::now());
    today - chrono::Duration::days(days_ago)
}

fn iso(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

const MEDS: &[(&str, &str, &str)] = &[
    (
        "319283006",
        "Amlodipine 5mg tablets",
        "One tablet once a day",
    ),
    (
        "325278007",
        "Metformin 500mg tablets",
        "One tablet twice a day with food",
    ),
    (
        "320030001",
        "Atorvastatin 20mg tablets",
        "One tablet at night",
    ),
    (
        "318859000",
        "Lisinopril 10mg tablets",
        "One tablet once a day",
    ),
    (
        "317291008",
        "Omeprazole 20mg gastro-resistant capsules",
        "One capsule once a day",
    ),
    (
        "318902004",
        "Ramipril 5mg capsules",
        "One capsule once a day",
    ),
];
const ACUTE: &[(&str, &str, &str)] = &[
    (
        "322236009",
        "Paracetamol 500mg tablets",
        "Two tablets up to four times a day",
    ),
    (
        "323510009",
        "Amoxicillin 500mg capsules",
        "One capsule three times a day for 5 days",
    ),
    (
        "324244008",
        "Clarithromycin 500mg tablets",
        "One tablet twice a day for 5 days",
    ),
    (
        "325427002",
        "Prednisolone 5mg tablets",
        "Eight tablets once a day for 5 days",
    ),
];
const REASONS: &[(&str, &str)] = &[
    ("233604007", "Pneumonia"),
    ("128045006", "Cellulitis"),
    ("49436004", "Atrial fibrillation"),
    ("68566005", "Urinary tract infectious disease"),
    ("13645005", "Chronic obstructive lung disease"),
];
const CLINICS: &[(&str, &str)] = &[
    ("Cardiology outpatient clinic", "Cardiology"),
    ("Diabetes outpatient clinic", "Endocrinology"),
    ("Respiratory outpatient clinic", "Respiratory medicine"),
    ("Memory assessment clinic", "Old age psychiatry"),
];

struct Builder<'a> {
    prefix: String,
    patient_id: String,
    org: &'a str,
    out: Vec<Value>,
    n: u32,
}

impl Builder<'_> {
    fn id(&mut self, kind: &str) -> String {
        self.n += 1;
        format!("{}-{kind}-{}", self.prefix, self.n)
    }
    fn subject(&self) -> Value {
        json!({"reference": format!("Patient/{}", self.patient_id)})
    }
    fn org_ref(&self) -> Value {
        json!({"display": self.org})
    }

    fn patient(&mut self, p: &DemoPatient, local_system: &str) {
        self.out.push(json!({
            "resourceType": "Patient", "id": self.patient_id,
            "identifier": [
                {"system": NHS_NUMBER_SYSTEM, "value": p.nhs},
                {"system": local_system, "value": format!("{}{}", &self.prefix[..2].to_uppercase(), &p.nhs[3..])}
            ],
            "name": [{"use": "official", "family": p.family, "given": [p.given]}],
            "gender": p.gender, "birthDate": p.birth_date,
            "address": [{"use": "home", "line": ["1 Example Street"], "city": "Leeds", "postalCode": "LS1 4AP", "country": "GB"}],
            "managingOrganization": {"display": self.org}
        }));
    }

    fn allergy(&mut self, code: (&str, &str), reaction: &str, when: i64, criticality: &str) {
        let id = self.id("alg");
        let subject = self.subject();
        self.out.push(json!({
            "resourceType": "AllergyIntolerance", "id": id,
            "clinicalStatus": cc("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active"),
            "verificationStatus": cc("http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "confirmed", "Confirmed"),
            "type": "allergy", "category": ["medication"], "criticality": criticality,
            "code": cc(SNOMED, code.0, code.1), "patient": subject,
            "recordedDate": iso(day(when)),
            "reaction": [{"manifestation": [{"text": reaction}]}]
        }));
    }

    fn no_known_allergies(&mut self, when: i64) {
        let id = self.id("alg");
        let subject = self.subject();
        self.out.push(json!({
            "resourceType": "AllergyIntolerance", "id": id,
            "clinicalStatus": cc("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active"),
            "verificationStatus": cc("http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "confirmed", "Confirmed"),
            "code": cc(SNOMED, "716186003", "No known allergy"), "patient": subject,
            "recordedDate": iso(day(when))
        }));
    }

    fn statement(&mut self, med: (&str, &str, &str), when: i64, status: &str) {
        let id = self.id("ms");
        let subject = self.subject();
        let org = self.org_ref();
        self.out.push(json!({
            "resourceType": "MedicationStatement", "id": id, "status": status,
            "medicationCodeableConcept": cc(DMD, med.0, med.1),
            "subject": subject, "effectivePeriod": {"start": iso(day(when))},
            "dateAsserted": iso(day(when)), "informationSource": org,
            "dosage": [{"text": med.2}]
        }));
    }

    fn condition(
        &mut self,
        code: (&str, &str),
        when: i64,
        category: &str,
        encounter: Option<&str>,
    ) {
        let id = self.id("cond");
        let mut c = json!({
            "resourceType": "Condition", "id": id,
            "clinicalStatus": cc("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"),
            "verificationStatus": cc("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed"),
            "category": [cc("http://terminology.hl7.org/CodeSystem/condition-category", category,
                            if category == "problem-list-item" { "Problem List Item" } else { "Encounter Diagnosis" })],
            "code": cc(SNOMED, code.0, code.1), "subject": self.subject(),
            "onsetDateTime": iso(day(when)), "recordedDate": iso(day(when))
        });
        if let Some(e) = encounter {
            c["encounter"] = json!({"reference": format!("Encounter/{e}")});
        }
        self.out.push(c);
    }

    /// An inpatient stay with its discharge medicines, summary Composition and DocumentReference.
    /// With `changes`, the discharge stops the first chronic medicine (with a reason),
    /// changes the dose of the second, and starts co-amoxiclav: what the summary must reconcile.
    fn admission(
        &mut self,
        rng: &mut Rng,
        ago: i64,
        chronic: &[(&str, &str, &str)],
        changes: bool,
    ) {
        let reason = *rng.pick(REASONS);
        let los = 1 + rng.below(8) as i64;
        let start = day(ago);
        let end = day(ago - los) + chrono::Duration::hours(3);
        let enc = self.id("enc");
        let subject = self.subject();
        let org = self.org_ref();
        self.out.push(json!({
            "resourceType": "Encounter", "id": enc, "status": "finished",
            "class": {"system": V3_ACT, "code": "IMP", "display": "inpatient encounter"},
            "type": [cc(SNOMED, "183452005", "Emergency hospital admission")],
            "subject": subject, "period": {"start": iso(start), "end": iso(end)},
            "reasonCode": [cc(SNOMED, reason.0, reason.1)],
            "hospitalization": {"dischargeDisposition": cc("https://fhir.hl7.org.uk/CodeSystem/UKCore-DischargeDestination", "19", "Usual place of residence")},
            "serviceProvider": org
        }));
        self.condition(reason, ago, "encounter-diagnosis", Some(&enc));
        let mut meds: Vec<(&str, &str, &str)> = chronic.to_vec();
        let acute = *rng.pick(ACUTE);
        // (medicine, status, reason for the status)
        let mut stopped: Option<(&str, &str, &str)> = None;
        if changes && meds.len() >= 2 {
            stopped = Some(meds.remove(0));
            meds[0] = (
                "320031002",
                "Atorvastatin 40mg tablets",
                "One tablet at night",
            );
            meds.push((
                "323539009",
                "Co-amoxiclav 500mg/125mg tablets",
                "One tablet three times a day for 7 days",
            ));
        } else {
            meds.push(acute);
        }
        let mut mr_ids = Vec::new();
        if let Some(m) = stopped {
            let med_id = format!("{}-med-{}", self.prefix, m.0);
            if !self.out.iter().any(|r| r["id"] == med_id.as_str()) {
                self.out.push(
                    json!({"resourceType": "Medication", "id": med_id, "code": cc(DMD, m.0, m.1)}),
                );
            }
            let id = self.id("mr");
            mr_ids.push(id.clone());
            let subject = self.subject();
            self.out.push(json!({
                "resourceType": "MedicationRequest", "id": id, "status": "stopped", "intent": "order",
                "statusReason": {"text": "Low blood pressure on admission"},
                "category": [cc("http://terminology.hl7.org/CodeSystem/medicationrequest-category", "discharge", "Discharge")],
                "medicationReference": {"reference": format!("Medication/{med_id}")},
                "subject": subject, "encounter": {"reference": format!("Encounter/{enc}")},
                "authoredOn": iso(end - chrono::Duration::hours(2)),
                "note": [{"text": "Do not restart without a blood pressure review"}],
                "dosageInstruction": [{"text": m.2}]
            }));
        }
        for m in &meds {
            let med_id = format!("{}-med-{}", self.prefix, m.0);
            if !self.out.iter().any(|r| r["id"] == med_id.as_str()) {
                self.out.push(
                    json!({"resourceType": "Medication", "id": med_id, "code": cc(DMD, m.0, m.1)}),
                );
            }
            let id = self.id("mr");
            mr_ids.push(id.clone());
            let subject = self.subject();
            self.out.push(json!({
                "resourceType": "MedicationRequest", "id": id,
                "status": if ago > 120 { "completed" } else { "active" }, "intent": "order",
                "category": [cc("http://terminology.hl7.org/CodeSystem/medicationrequest-category", "discharge", "Discharge")],
                "medicationReference": {"reference": format!("Medication/{med_id}")},
                "subject": subject, "encounter": {"reference": format!("Encounter/{enc}")},
                "authoredOn": iso(end - chrono::Duration::hours(2)),
                "dosageInstruction": [{"text": m.2}]
            }));
        }
        let mut list: String = meds
            .iter()
            .map(|m| format!("<li>{}: {}</li>", m.1, m.2))
            .collect();
        if let Some(m) = stopped {
            list.push_str(&format!(
                "</ul><p>Stopped</p><ul><li>{}: stopped (low blood pressure on admission)</li>",
                m.1
            ));
        }
        let comp = self.id("comp");
        let subject = self.subject();
        let org = self.org_ref();
        self.out.push(json!({
            "resourceType": "Composition", "id": comp, "status": "final",
            "type": cc(SNOMED, "373942005", "Discharge summary"),
            "subject": subject, "encounter": {"reference": format!("Encounter/{enc}")},
            "date": iso(end), "author": [org.clone()], "title": "Inpatient discharge summary", "custodian": org,
            "text": {"status": "generated", "div": format!(
                "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Admitted with {} and discharged home after {los} days.</p></div>",
                reason.1.to_lowercase()
            )},
            "section": [
                {"title": "Diagnoses", "code": cc(SNOMED, "1077781000000101", "Diagnoses"),
                 "text": {"status": "generated", "div": format!("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>{}</p></div>", reason.1)}},
                {"title": "Medications and medical devices", "code": cc(SNOMED, "1102421000000108", "Medications and medical devices"),
                 "text": {"status": "generated", "div": format!("<div xmlns=\"http://www.w3.org/1999/xhtml\"><ul>{list}</ul></div>")},
                 "entry": mr_ids.iter().map(|m| json!({"reference": format!("MedicationRequest/{m}")})).collect::<Vec<_>>()},
                {"title": "Plan and requested actions", "code": cc(SNOMED, "1102431000000105", "Plan and requested actions"),
                 "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>GP to review medication in 2 weeks.</p></div>"}}
            ]
        }));
        let doc = self.id("doc");
        let text = format!(
            "Discharge summary. Admitted with {}; length of stay {los} days.",
            reason.1.to_lowercase()
        );
        let subject = self.subject();
        let org = self.org_ref();
        self.out.push(json!({
            "resourceType": "DocumentReference", "id": doc, "status": "current", "docStatus": "final",
            "type": cc(SNOMED, "373942005", "Discharge summary"),
            "subject": subject, "date": iso(end), "author": [org], "description": "Discharge summary",
            "content": [
                {"attachment": {"contentType": "text/plain", "language": "en-GB",
                    "data": base64_encode(text.as_bytes()), "title": "Discharge summary", "creation": iso(end)}},
                {"attachment": {"contentType": "application/pdf", "language": "en-GB",
                    "data": base64_encode(&one_page_pdf(&["Discharge summary (synthetic demo data)", &text])), "title": "Discharge summary (PDF)", "creation": iso(end)}}
            ],
            "context": {"encounter": [{"reference": format!("Encounter/{enc}")}], "period": {"start": iso(start), "end": iso(end)}}
        }));
    }

    /// A clinic letter the source restricted (v3 Confidentiality R, psychiatry):
    /// masked until a person reveals it with a reason.
    fn restricted_letter(&mut self, ago: i64) {
        let doc = self.id("doc");
        let subject = self.subject();
        let org = self.org_ref();
        let letter = "Psychiatry review letter. Mood improved; continue sertraline 50 mg once daily; review in 3 months.";
        self.out.push(json!({
            "resourceType": "DocumentReference", "id": doc, "status": "current",
            "meta": {"security": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R", "display": "restricted"},
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PSY", "display": "psychiatry information sensitivity"}
            ]},
            "type": cc(SNOMED, "823691000000103", "Outpatient letter"),
            "subject": subject, "date": iso(day(ago)), "author": [org],
            "description": "Psychiatry review letter",
            "content": [{"attachment": {"contentType": "text/plain", "data": base64_encode(letter.as_bytes()), "title": "Psychiatry review letter"}}]
        }));
    }

    /// The patient's consent at this source: a deny naming particular resources.
    fn consent_denying(&mut self, refs: &[String], ago: i64) {
        let id = self.id("consent");
        let subject = self.subject();
        let data: Vec<Value> = refs
            .iter()
            .map(|r| json!({"meaning": "instance", "reference": {"reference": r}}))
            .collect();
        self.out.push(json!({
            "resourceType": "Consent", "id": id, "status": "active",
            "scope": cc("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", "Privacy Consent"),
            "category": [cc("http://loinc.org", "59284-0", "Patient Consent")],
            "patient": subject, "dateTime": iso(day(ago)),
            "policyRule": cc("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN", "opt-in"),
            "provision": {"type": "permit", "provision": [{"type": "deny", "data": data}]}
        }));
    }

    /// A clinic attendance and its letter; returns their references.
    fn clinic(&mut self, rng: &mut Rng, ago: i64) -> [String; 2] {
        let (clinic, specialty) = *rng.pick(CLINICS);
        let enc = self.id("enc");
        let subject = self.subject();
        let org = self.org_ref();
        self.out.push(json!({
            "resourceType": "Encounter", "id": enc, "status": "finished",
            "class": {"system": V3_ACT, "code": "AMB", "display": "ambulatory"},
            "type": [{"coding": [{"system": SNOMED, "code": "11429006", "display": "Consultation"}], "text": clinic}],
            "serviceType": {"text": specialty},
            "subject": subject, "period": {"start": iso(day(ago)), "end": iso(day(ago) + chrono::Duration::minutes(40))},
            "serviceProvider": org
        }));
        let doc = self.id("doc");
        let letter =
            format!("{clinic} letter. Plan: continue current medication, review in 6 months.");
        let subject = self.subject();
        let org = self.org_ref();
        self.out.push(json!({
            "resourceType": "DocumentReference", "id": doc, "status": "current",
            "type": cc(SNOMED, "823691000000103", "Outpatient letter"),
            "subject": subject, "date": iso(day(ago) + chrono::Duration::hours(2)), "author": [org],
            "description": format!("{clinic} letter"),
            "content": [{"attachment": {"contentType": "text/plain", "data": base64_encode(letter.as_bytes()), "title": format!("{clinic} letter")}}],
            "context": {"encounter": [{"reference": format!("Encounter/{enc}")}]}
        }));
        [
            format!("Encounter/{enc}"),
            format!("DocumentReference/{doc}"),
        ]
    }

    fn consultation(&mut self, ago: i64, what: &str) {
        let enc = self.id("enc");
        let subject = self.subject();
        let org = self.org_ref();
        self.out.push(json!({
            "resourceType": "Encounter", "id": enc, "status": "finished",
            "class": {"system": V3_ACT, "code": "AMB", "display": "ambulatory"},
            "type": [cc(SNOMED, "185389009", what)],
            "subject": subject, "period": {"start": iso(day(ago)), "end": iso(day(ago) + chrono::Duration::minutes(12))},
            "serviceProvider": org
        }));
    }
}

/// A one-page PDF with lines of Helvetica text, so the demo exercises the in-app PDF viewer.
pub fn one_page_pdf(lines: &[&str]) -> Vec<u8> {
    let escape = |t: &str| {
        t.replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)")
    };
    let mut content = String::from("BT /F1 12 Tf 56 780 Td 16 TL\n");
    for l in lines {
        // Long lines are wrapped at about 90 characters so they stay on the page.
        let mut line = String::new();
        for word in l.split(' ') {
            if line.len() + word.len() > 90 {
                content.push_str(&format!("({}) Tj T*\n", escape(&line)));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        content.push_str(&format!("({}) Tj T*\n", escape(&line)));
    }
    content.push_str("ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
    }
    let xref = pdf.len();
    pdf.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for off in offsets {
        pdf.push_str(&format!("{off:010} 00000 n \n"));
    }
    pdf.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    pdf.into_bytes()
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub const RIVERSIDE: &str = "Riverside University Hospitals";
pub const HILLCREST: &str = "Hillcrest Community Trust";
pub const NORTHGATE: &str = "Northgate Mental Health Trust";
pub const MEADOW_LANE: &str = "Meadow Lane Surgery";

/// Days back for the k-th of n episodes: `step` apart, squeezed into 30 years for big records.
fn spread(k: usize, n: usize, step: i64) -> i64 {
    let span = 365 * 30;
    let step = if n as i64 * step > span {
        (span / n.max(1) as i64).max(0)
    } else {
        step
    };
    if step == 0 {
        (k as i64 * span) / n.max(1) as i64
    } else {
        k as i64 * step
    }
}

fn builder<'a>(org: &'a str, tag: &str, serial: usize) -> Builder<'a> {
    Builder {
        prefix: format!("{tag}{serial}"),
        patient_id: format!("{tag}{serial}-pat"),
        org,
        out: Vec::new(),
        n: 0,
    }
}

/// The demo sources: two acute trusts, a GP and a mental health trust (in that order),
/// each holding its part of the demo patients.
/// `big` adds one more patient with about that many resources (0 for none).
pub fn demo_sources(big: usize) -> Vec<DemoSource> {
    let mut patients = demo_patients();
    if big > 0 {
        patients.push(DemoPatient {
            nhs: test_nhs_number(900),
            family: "BIGGS",
            given: "Morgan",
            gender: "other",
            birth_date: "1939-01-31",
        });
    }
    let mut riverside = Vec::new();
    let mut hillcrest = Vec::new();
    let mut northgate = Vec::new();
    let mut gp = Vec::new();
    for (i, p) in patients.iter().enumerate() {
        let mut rng = Rng(0xC0FFEE + i as u64);
        let is_big = big > 0 && i == patients.len() - 1;
        let chronic: Vec<(&str, &str, &str)> = (0..2 + i % 2)
            .map(|k| MEDS[(i + k * 2) % MEDS.len()])
            .collect();

        let mut a = builder(RIVERSIDE, "rv", i);
        a.patient(p, "https://fhir.riverside.example.nhs.uk/Id/mrn");
        let admissions = if is_big {
            big * 45 / 100 / 9
        } else {
            2 + i % 2
        };
        for k in 0..admissions {
            let ago = 40 + spread(k, admissions, 97) + rng.below(30) as i64;
            // The most recent stay of the first patient carries the changes to reconcile.
            a.admission(&mut rng, ago, &chronic, i == 0 && k == 0 && !is_big);
        }
        riverside.extend(a.out);

        let mut b = builder(HILLCREST, "hc", i);
        if i == 1 {
            // A date of birth that differs from the other sources: shown, never silently picked.
            let mut p = p.clone();
            p.birth_date = "1961-11-21";
            b.patient(&p, "https://fhir.hillcrest.example.nhs.uk/Id/mrn");
        } else {
            b.patient(p, "https://fhir.hillcrest.example.nhs.uk/Id/mrn");
        }
        if i != 2 {
            b.allergy(
                ("91936005", "Allergy to penicillin"),
                "Eruption of skin",
                900,
                "low",
            );
        }
        let clinics = if is_big {
            big * 20 / 100 / 2
        } else {
            1 + i % 3
        };
        let mut first_clinic = None;
        for k in 0..clinics {
            let ago = 20 + spread(k, clinics, 61) + rng.below(20) as i64;
            let refs = b.clinic(&mut rng, ago);
            first_clinic.get_or_insert(refs);
        }
        // The first patient asked Hillcrest not to share one clinic letter and its attendance.
        if i == 0
            && let Some(refs) = first_clinic
        {
            b.consent_denying(&refs, 15);
        }
        hillcrest.extend(b.out);

        // Northgate holds records for the first patient only: a source with nothing for the others.
        if i == 0 || is_big {
            let mut n = builder(NORTHGATE, "ng", i);
            n.patient(p, "https://fhir.northgate.example.nhs.uk/Id/mrn");
            n.clinic(&mut rng, 300);
            if i == 0 {
                n.restricted_letter(120);
            }
            n.condition(
                ("386806002", "Impaired cognition"),
                300,
                "problem-list-item",
                None,
            );
            northgate.extend(n.out);
        }

        let mut g = builder(MEADOW_LANE, "ml", i);
        g.patient(
            p,
            "https://fhir.meadowlane.example.nhs.uk/Id/practice-number",
        );
        match i {
            2 => g.no_known_allergies(2000),
            _ => {
                g.allergy(
                    ("764146007", "Penicillin"),
                    "rash",
                    2500,
                    "unable-to-assess",
                );
                if i == 0 {
                    g.allergy(("300916003", "Latex allergy"), "urticaria", 1200, "low");
                }
            }
        }
        for m in &chronic {
            g.statement(*m, 1500, "active");
        }
        g.statement(
            (
                "317919004",
                "Bendroflumethiazide 2.5mg tablets",
                "One tablet each morning",
            ),
            2200,
            "completed",
        );
        g.condition(
            ("38341003", "Hypertensive disorder"),
            3000,
            "problem-list-item",
            None,
        );
        let consults = if is_big { big * 35 / 100 } else { 3 };
        for k in 0..consults {
            g.consultation(
                5 + spread(k, consults, 11),
                if k % 2 == 0 {
                    "Follow-up visit"
                } else {
                    "Telephone encounter"
                },
            );
        }
        gp.extend(g.out);
    }
    vec![
        DemoSource {
            name: RIVERSIDE.into(),
            kind: EndpointKind::Hospital,
            resources: riverside,
        },
        DemoSource {
            name: HILLCREST.into(),
            kind: EndpointKind::Hospital,
            resources: hillcrest,
        },
        DemoSource {
            name: MEADOW_LANE.into(),
            kind: EndpointKind::Gp,
            resources: gp,
        },
        DemoSource {
            name: NORTHGATE.into(),
            kind: EndpointKind::Hospital,
            resources: northgate,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nhs_number::NhsNumber;

    #[test]
    fn demo_nhs_numbers_are_valid_test_range_numbers() {
        for p in demo_patients() {
            assert!(p.nhs.starts_with("999"));
            assert!(NhsNumber::parse(&p.nhs).is_ok(), "{}", p.nhs);
        }
        assert_eq!(test_nhs_number(1), "9990000018");
    }

    #[test]
    fn demo_is_deterministic_and_ids_are_unique_per_source() {
        let a = demo_sources(500);
        let b = demo_sources(500);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.resources, y.resources);
            let mut ids: Vec<String> = x
                .resources
                .iter()
                .map(|r| format!("{}/{}", r["resourceType"], r["id"]))
                .collect();
            let n = ids.len();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), n, "duplicate ids at {}", x.name);
        }
        let total: usize = a.iter().map(|s| s.resources.len()).sum();
        assert!(total > 500, "{total}");
    }

    /// The demo's medicine and allergy codes are the concepts they say they are
    /// (a demo teaching with a mislabelled code would teach the wrong thing).
    #[test]
    fn every_demo_medicine_and_allergy_code_is_in_the_terminology_table() {
        let t = crate::reconcile::terminology::tables().unwrap();
        let mut checked = 0;
        for src in demo_sources(0) {
            for r in &src.resources {
                let concept = match r["resourceType"].as_str() {
                    Some("Medication") => &r["code"],
                    Some("MedicationStatement") => &r["medicationCodeableConcept"],
                    Some("AllergyIntolerance") => &r["code"],
                    _ => continue,
                };
                for c in concept["coding"].as_array().into_iter().flatten() {
                    let (system, code) =
                        (c["system"].as_str().unwrap(), c["code"].as_str().unwrap());
                    let known =
                        t.target(system, code).is_some() || t.negation_code(system, code).is_some();
                    assert!(
                        known,
                        "{code} {} ({}) is not in the table",
                        c["display"], src.name
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 20, "{checked}");
    }

    #[test]
    fn the_demo_pdf_has_a_correct_cross_reference_table() {
        let pdf = String::from_utf8(one_page_pdf(&["Line (one)", "a\\b"])).unwrap();
        assert!(pdf.starts_with("%PDF-1.4\n") && pdf.ends_with("%%EOF\n"));
        let xref: usize = pdf.lines().rev().nth(1).unwrap().parse().unwrap();
        assert!(pdf[xref..].starts_with("xref\n"));
        let offsets: Vec<usize> = pdf[xref..]
            .lines()
            .skip(3)
            .take(5)
            .map(|l| l[..10].parse().unwrap())
            .collect();
        for (i, off) in offsets.iter().enumerate() {
            assert!(
                pdf[*off..].starts_with(&format!("{} 0 obj", i + 1)),
                "object {} at {off}",
                i + 1
            );
        }
        assert!(pdf.contains("(Line \\(one\\)) Tj"), "parentheses escaped");
    }
}
