//! NHS Common User Interface conventions for text output.

use chrono::{DateTime, NaiveDate, Utc};

use crate::timeline::date::{FhirDate, age_in_years, format_day};

pub const NOT_KNOWN: &str = "Not known";

/// Text from a server made harmless for a terminal: C0 and C1 control
/// characters (line breaks and escape sequences included), DEL, and bidi
/// overrides are shown as visible symbols (`␛`, `␊`, `<U+202E>`), never obeyed,
/// so a record cannot rewrite the screen or disguise itself.
pub fn terminal_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' => out.push(' '),
            '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}')),
            '\u{7f}' => out.push('\u{2421}'),
            '\u{80}'..='\u{9f}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{061c}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}' => out.push_str(&format!("<U+{:04X}>", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Raw JSON made harmless for a terminal without changing what it means: DEL,
/// C1 controls and bidi overrides (which JSON allows inside strings) become
/// `\uXXXX` escapes. (C0 controls cannot appear unescaped in valid JSON.)
pub fn json_terminal_safe(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '\u{7f}'
            | '\u{80}'..='\u{9f}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{061c}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// Today in the UK (the date clinicians mean).
pub fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
}

/// A source date in NHS form, or `Not known`.
pub fn date_or_not_known(raw: Option<&str>) -> String {
    match raw {
        None => NOT_KNOWN.to_string(),
        Some(r) => FhirDate::parse(r).map_or_else(|| r.to_string(), |d| d.display()),
    }
}

/// `Born 14-Jul-1945 (81y)`.
pub fn born(birth_date: Option<&str>, today: NaiveDate) -> String {
    let Some(raw) = birth_date else {
        return format!("Born {NOT_KNOWN}");
    };
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(d) => match age_in_years(d, today) {
            Some(age) => format!("Born {} ({age}y)", format_day(d)),
            None => format!("Born {}", format_day(d)),
        },
        Err(_) => format!("Born {}", date_or_not_known(Some(raw))),
    }
}

/// How long ago, for freshness: `just now`, `5 min ago`, `3 h ago`, `2 days ago`.
pub fn ago(then: &str, now: DateTime<Utc>) -> String {
    let Ok(t) = DateTime::parse_from_rfc3339(then) else {
        return NOT_KNOWN.to_string();
    };
    let secs = (now - t.with_timezone(&Utc)).num_seconds().max(0);
    match secs {
        0..60 => "just now".into(),
        60..3600 => format!("{} min ago", secs / 60),
        3600..86_400 => format!("{} h ago", secs / 3600),
        _ => format!("{} days ago", secs / 86_400),
    }
}

/// An RFC 3339 instant as `14-Jul-2025 09:30` UK local time.
pub fn instant(raw: &str) -> String {
    date_or_not_known(Some(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn born_shows_date_and_age() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(born(Some("1945-07-14"), today), "Born 14-Jul-1945 (81y)");
        assert_eq!(born(None, today), "Born Not known");
        assert_eq!(born(Some("1967"), today), "Born 1967");
    }

    #[test]
    fn terminal_controls_and_bidi_overrides_are_made_visible() {
        let hostile =
            "Peanut\r\u{1b}[2KNo known allergies\u{1b}]52;c;ZXZpbA==\u{7}\u{9b}\u{202e}lin\u{7f}";
        let s = terminal_safe(hostile);
        assert!(
            s.chars()
                .all(|c| c >= ' ' && c != '\u{7f}' && !('\u{80}'..='\u{9f}').contains(&c)),
            "{s:?}"
        );
        assert!(s.contains("␍␛[2K"), "{s}");
        assert!(
            s.contains("<U+202E>") && s.contains("<U+009B>") && s.contains("␡"),
            "{s}"
        );
        assert_eq!(terminal_safe("ASHWORTH, Ada"), "ASHWORTH, Ada");
    }

    #[test]
    fn json_for_a_terminal_means_the_same_and_shows_no_controls() {
        let raw = "{\"name\":\"Ada\u{202e}nilleciP\u{9b}\u{7f}\"}";
        let safe = json_terminal_safe(raw);
        assert_eq!(safe, "{\"name\":\"Ada\\u202enilleciP\\u009b\\u007f\"}");
        let a: serde_json::Value = serde_json::from_str(raw).unwrap();
        let b: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn freshness_reads_naturally() {
        let now = DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(ago("2026-11-25T11:59:30Z", now), "just now");
        assert_eq!(ago("2026-11-25T11:58:00Z", now), "2 min ago");
        assert_eq!(ago("2026-11-25T09:00:00Z", now), "3 h ago");
        assert_eq!(ago("2026-11-23T09:00:00Z", now), "2 days ago");
        assert_eq!(ago("garbage", now), "Not known");
    }
}
