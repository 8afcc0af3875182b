//! A dosage as the source wrote it: its text when it gave one, else the
//! structured dose, timing, route and "as needed" rendered in plain words
//! (R4 `doseAndRate`, STU3 `doseQuantity`/`doseRange` alike). Never invents a
//! dose: what is missing stays missing.

use serde_json::Value;

use super::derive::concept_text;

fn num(v: Option<&Value>) -> Option<String> {
    let v = v?;
    let n = v.as_f64()?;
    // Keep the source's precision without float noise: 0.5, 2, 12.5.
    let s = if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        let t = format!("{n:.4}");
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    Some(s)
}

fn quantity(q: Option<&Value>) -> Option<String> {
    let q = q?;
    let value = num(q.get("value"))?;
    let unit = q
        .get("unit")
        .and_then(Value::as_str)
        .or_else(|| q.get("code").and_then(Value::as_str));
    Some(match unit {
        Some(u) if !u.trim().is_empty() => format!("{value} {}", u.trim()),
        _ => value,
    })
}

fn range(r: Option<&Value>) -> Option<String> {
    let r = r?;
    let low = quantity(r.get("low"));
    let high = quantity(r.get("high"));
    match (low, high) {
        (Some(l), Some(h)) => Some(format!("{l} to {h}")),
        (Some(l), None) => Some(format!("at least {l}")),
        (None, Some(h)) => Some(format!("up to {h}")),
        (None, None) => None,
    }
}

fn ratio(r: Option<&Value>) -> Option<String> {
    let r = r?;
    let n = quantity(r.get("numerator"))?;
    match quantity(r.get("denominator")) {
        Some(d) => Some(format!("{n} per {d}")),
        None => Some(n),
    }
}

/// Dose (and rate) from R4 `doseAndRate` or STU3's flat elements.
fn dose_and_rate(d: &Value) -> Vec<String> {
    let mut parts = Vec::new();
    let mut push = |holder: &Value| {
        if let Some(dose) =
            quantity(holder.get("doseQuantity")).or_else(|| range(holder.get("doseRange")))
        {
            parts.push(dose);
        }
        if let Some(rate) = quantity(holder.get("rateQuantity"))
            .or_else(|| ratio(holder.get("rateRatio")))
            .or_else(|| range(holder.get("rateRange")))
        {
            parts.push(format!("at {rate}"));
        }
    };
    match d.get("doseAndRate").and_then(Value::as_array) {
        Some(list) => list.iter().for_each(&mut push),
        None => push(d),
    }
    parts
}

fn unit_word(code: &str, n: f64) -> Option<&'static str> {
    let one = (n - 1.0).abs() < f64::EPSILON;
    Some(match (code, one) {
        ("s", true) => "second",
        ("s", false) => "seconds",
        ("min", true) => "minute",
        ("min", false) => "minutes",
        ("h", true) => "hour",
        ("h", false) => "hours",
        ("d", true) => "day",
        ("d", false) => "days",
        ("wk", true) => "week",
        ("wk", false) => "weeks",
        ("mo", true) => "month",
        ("mo", false) => "months",
        ("a", true) => "year",
        ("a", false) => "years",
        _ => return None,
    })
}

fn times(f: i64) -> String {
    match f {
        1 => "once".into(),
        2 => "twice".into(),
        3 => "three times".into(),
        4 => "four times".into(),
        n => format!("{n} times"),
    }
}

fn when_words(code: &str) -> Option<&'static str> {
    Some(match code {
        "MORN" | "ACM" => "in the morning",
        "AFT" => "in the afternoon",
        "EVE" | "ACV" | "PCV" => "in the evening",
        "NIGHT" | "HS" => "at night",
        "AC" => "before meals",
        "PC" => "after meals",
        "C" | "CM" | "CD" | "CV" => "with food",
        "WAKE" => "on waking",
        _ => return None,
    })
}

/// `twice a day`, `every 4 hours`, `once a week`, `for 5 days`.
fn timing(t: &Value) -> Vec<String> {
    let mut parts = Vec::new();
    let repeat = t.get("repeat");
    let code_text = t.get("code").and_then(|c| concept_text(Some(c)));
    if let Some(r) = repeat {
        let f = r.get("frequency").and_then(Value::as_i64);
        let fmax = r.get("frequencyMax").and_then(Value::as_i64);
        let p = r.get("period").and_then(Value::as_f64);
        let unit = r.get("periodUnit").and_then(Value::as_str);
        match (f, p, unit) {
            (Some(f), Some(p), Some(u)) => {
                let how_often = match fmax {
                    Some(m) => format!("{f} to {m} times"),
                    None => times(f),
                };
                if (p - 1.0).abs() < f64::EPSILON {
                    if let Some(w) = unit_word(u, 1.0) {
                        parts.push(format!("{how_often} a {w}"));
                    }
                } else if f == 1 && fmax.is_none() {
                    if let Some(w) = unit_word(u, p) {
                        parts.push(format!(
                            "every {} {w}",
                            num(r.get("period")).unwrap_or_default()
                        ));
                    }
                } else if let Some(w) = unit_word(u, p) {
                    parts.push(format!(
                        "{how_often} every {} {w}",
                        num(r.get("period")).unwrap_or_default()
                    ));
                }
            }
            (Some(f), None, None) => parts.push(times(f)),
            _ => {}
        }
        let whens: Vec<&str> = r
            .get("when")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(when_words)
            .collect();
        if !whens.is_empty() {
            parts.push(whens.join(" and "));
        }
        if let Some(tod) = r.get("timeOfDay").and_then(Value::as_array) {
            let t: Vec<&str> = tod
                .iter()
                .filter_map(Value::as_str)
                .map(|s| s.get(..5).unwrap_or(s))
                .collect();
            if !t.is_empty() {
                parts.push(format!("at {}", t.join(", ")));
            }
        }
        if let Some(d) = r.get("boundsDuration")
            && let (Some(v), Some(u)) = (
                d.get("value").and_then(Value::as_f64),
                d.get("code")
                    .and_then(Value::as_str)
                    .or_else(|| d.get("unit").and_then(Value::as_str)),
            )
        {
            let word = unit_word(u, v)
                .map(String::from)
                .unwrap_or_else(|| u.to_string());
            parts.push(format!(
                "for {} {word}",
                num(d.get("value")).unwrap_or_default()
            ));
        }
        if let Some(c) = r.get("count").and_then(Value::as_i64) {
            parts.push(format!("{c} doses in all"));
        }
    }
    if parts.is_empty()
        && let Some(c) = code_text
    {
        parts.push(c);
    }
    parts
}

/// A structured dosage in words, or `None` when it has nothing structured.
fn structured(d: &Value) -> Option<String> {
    let mut parts = dose_and_rate(d);
    if let Some(t) = d.get("timing") {
        parts.extend(timing(t));
    }
    if let Some(route) = d.get("route").and_then(|r| concept_text(Some(r))) {
        parts.push(route.to_lowercase());
    }
    if d.get("asNeededBoolean").and_then(Value::as_bool) == Some(true) {
        parts.push("when needed".into());
    } else if let Some(why) = d
        .get("asNeededCodeableConcept")
        .and_then(|c| concept_text(Some(c)))
    {
        parts.push(format!("when needed for {why}"));
    }
    if let Some(max) = d.get("maxDosePerPeriod").and_then(|m| ratio(Some(m))) {
        parts.push(format!("maximum {max}"));
    }
    let extra: Vec<String> = d
        .get("additionalInstruction")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| concept_text(Some(c)))
        .collect();
    parts.extend(extra);
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// One dosage in words: the source's text when present (with any patient
/// instruction), else its structure rendered.
pub fn render(d: &Value) -> Option<String> {
    let text = d
        .get("text")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from);
    let patient = d
        .get("patientInstruction")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty() && Some(*t) != text.as_deref());
    let main = text.or_else(|| structured(d))?;
    Some(match patient {
        Some(p) => format!("{main} ({p})"),
        None => main,
    })
}

/// Every dosage of a medication resource (`dosageInstruction` or `dosage`), rendered.
pub fn dosages(r: &Value) -> Vec<String> {
    r.get("dosageInstruction")
        .or_else(|| r.get("dosage"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(render)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_sources_text_wins() {
        assert_eq!(
            render(
                &json!({"text": "One tablet once a day", "doseAndRate": [{"doseQuantity": {"value": 2}}]})
            ),
            Some("One tablet once a day".into())
        );
    }

    #[test]
    fn r4_structured_dose_timing_route_and_as_needed() {
        let d = json!({
            "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
            "route": {"coding": [{"system": "http://snomed.info/sct", "code": "26643006", "display": "Oral route"}]},
            "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}],
            "asNeededBoolean": true
        });
        assert_eq!(
            render(&d).unwrap(),
            "1 tablet, twice a day, oral route, when needed"
        );
    }

    #[test]
    fn intervals_courses_ranges_and_rates() {
        let every4h = json!({"timing": {"repeat": {"frequency": 1, "period": 4, "periodUnit": "h"}},
                             "doseAndRate": [{"doseRange": {"low": {"value": 1, "unit": "tablet"}, "high": {"value": 2, "unit": "tablet"}}}]});
        assert_eq!(
            render(&every4h).unwrap(),
            "1 tablet to 2 tablet, every 4 hours"
        );
        let course = json!({"timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d", "boundsDuration": {"value": 5, "code": "d"}}},
                            "doseAndRate": [{"doseQuantity": {"value": 500, "unit": "mg"}}]});
        assert_eq!(
            render(&course).unwrap(),
            "500 mg, three times a day, for 5 days"
        );
        let infusion = json!({"doseAndRate": [{"rateQuantity": {"value": 0, "unit": "mL/h"}}]});
        assert_eq!(render(&infusion).unwrap(), "at 0 mL/h");
        let weekly = json!({"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "wk", "when": ["MORN"]}},
                            "doseAndRate": [{"doseQuantity": {"value": 2.5, "unit": "mg"}}]});
        assert_eq!(
            render(&weekly).unwrap(),
            "2.5 mg, once a week, in the morning"
        );
    }

    #[test]
    fn stu3_flat_dose_and_as_needed_reason() {
        let d = json!({"doseQuantity": {"value": 10, "unit": "mL"},
                       "asNeededCodeableConcept": {"text": "pain"},
                       "timing": {"code": {"text": "QDS"}}});
        assert_eq!(render(&d).unwrap(), "10 mL, QDS, when needed for pain");
    }

    #[test]
    fn nothing_structured_is_nothing_not_an_invented_dose() {
        assert_eq!(render(&json!({})), None);
        assert_eq!(render(&json!({"text": "  "})), None);
        assert!(
            dosages(&json!({"dosageInstruction": [{}, {"text": "As directed"}]}))
                == vec!["As directed".to_string()]
        );
    }
}
