//! FHIR dates as sources write them: `2004`, `2012-06`, `2012-06-15`,
//! `2012-06-15T09:30:00+01:00`, and non-conformant ones without a time zone.
//!
//! The text is kept exactly as written; a sort key is derived for ordering.
//! Values without a zone are read as UK local time (Europe/London), which is
//! what an English system that omits the zone almost always means.

use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};
use chrono_tz::Europe::London;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    Year = 1,
    Month = 2,
    Day = 3,
    Minute = 4,
    Second = 5,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FhirDate {
    /// Exactly as the source wrote it.
    pub raw: String,
    pub precision: Precision,
    /// Start of the period the value denotes, in UTC.
    pub start: DateTime<Utc>,
    /// False when the source gave a time without a zone (read as UK local time).
    pub zoned: bool,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn london_start(naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    match London.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        // Clocks going back: the earlier of the two readings.
        LocalResult::Ambiguous(a, _) => Some(a.with_timezone(&Utc)),
        // Clocks going forward: the hour does not exist locally; an hour later does.
        LocalResult::None => London
            .from_local_datetime(&(naive + chrono::Duration::hours(1)))
            .earliest()
            .map(|t| t.with_timezone(&Utc)),
    }
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

impl FhirDate {
    /// Parses a FHIR date, dateTime or instant; `None` for text that is not a date.
    pub fn parse(raw: &str) -> Option<FhirDate> {
        let s = raw.trim();
        let (date_part, time_part) = match s.split_once('T') {
            Some((d, t)) => (d, Some(t)),
            None => (s, None),
        };
        let mut it = date_part.split('-');
        let year = digits(it.next()?, 4)? as i32;
        let month = it
            .next()
            .map(|m| digits(m, 2))
            .map_or(Some(None), |m| m.map(Some))?;
        let day = it
            .next()
            .map(|d| digits(d, 2))
            .map_or(Some(None), |d| d.map(Some))?;
        if it.next().is_some() || (day.is_some() && month.is_none()) {
            return None;
        }
        let date = NaiveDate::from_ymd_opt(year, month.unwrap_or(1), day.unwrap_or(1))?;
        let precision_of_date = match (month, day) {
            (None, _) => Precision::Year,
            (Some(_), None) => Precision::Month,
            (Some(_), Some(_)) => Precision::Day,
        };
        let Some(t) = time_part else {
            let start = london_start(date.and_time(NaiveTime::MIN))?;
            return Some(FhirDate {
                raw: raw.to_string(),
                precision: precision_of_date,
                start,
                zoned: false,
            });
        };
        if precision_of_date != Precision::Day {
            return None;
        }
        // Split the zone off: Z, +hh:mm or -hh:mm (a '-' after the date part is a zone).
        let (clock, zone) = if let Some(c) = t.strip_suffix('Z').or_else(|| t.strip_suffix('z')) {
            (c, Some(FixedOffset::east_opt(0)?))
        } else if let Some(i) = t.rfind(['+', '-']) {
            let (c, z) = t.split_at(i);
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let (hh, mm) = z[1..].split_once(':')?;
            let secs = sign * (digits(hh, 2)? as i32 * 3600 + digits(mm, 2)? as i32 * 60);
            (c, Some(FixedOffset::east_opt(secs)?))
        } else {
            (t, None)
        };
        let (hms, _fraction) = clock.split_once('.').unwrap_or((clock, ""));
        let parts: Vec<&str> = hms.split(':').collect();
        let (h, m, sec, precision) = match parts.as_slice() {
            [h, m] => (digits(h, 2)?, digits(m, 2)?, 0, Precision::Minute),
            [h, m, s] => (
                digits(h, 2)?,
                digits(m, 2)?,
                digits(s, 2)?,
                Precision::Second,
            ),
            _ => return None,
        };
        let naive = date.and_time(NaiveTime::from_hms_opt(h, m, sec.min(59))?);
        let (start, zoned) = match zone {
            Some(z) => (
                z.from_local_datetime(&naive).single()?.with_timezone(&Utc),
                true,
            ),
            None => (london_start(naive)?, false),
        };
        Some(FhirDate {
            raw: raw.to_string(),
            precision,
            start,
            zoned,
        })
    }

    /// Orders newest first when compared descending; for the same instant the
    /// more precise value counts as newer, so `2004-01-01` sorts above `2004`.
    pub fn sort_key(&self) -> String {
        format!(
            "{}{}",
            self.start.format("%Y-%m-%dT%H:%M:%SZ"),
            self.precision as u8
        )
    }

    /// NHS display: `14-Jul-2025`, `14-Jul-2025 09:30` (UK local, 24-hour), `Jun-2012`, `2004`.
    pub fn display(&self) -> String {
        let local = self.start.with_timezone(&London);
        let day = self.start_date_as_written();
        match self.precision {
            Precision::Year => format!("{}", day.format("%Y")),
            Precision::Month => format!("{}-{}", MONTHS[day.month0() as usize], day.format("%Y")),
            Precision::Day => format_day(day),
            Precision::Minute | Precision::Second => {
                format!(
                    "{} {}",
                    format_day(local.date_naive()),
                    local.format("%H:%M")
                )
            }
        }
    }

    /// The end (exclusive) of the period the value denotes: `2012-06` ends at the
    /// start of July 2012, a time at the next minute or second.
    pub fn end(&self) -> DateTime<Utc> {
        let day = self.start_date_as_written();
        let next_day = |d: Option<NaiveDate>| {
            d.and_then(|d| london_start(d.and_time(NaiveTime::MIN)))
                .unwrap_or(self.start)
        };
        match self.precision {
            Precision::Year => next_day(NaiveDate::from_ymd_opt(day.year() + 1, 1, 1)),
            Precision::Month => next_day(day.checked_add_months(chrono::Months::new(1))),
            Precision::Day => next_day(day.succ_opt()),
            Precision::Minute => self.start + chrono::Duration::minutes(1),
            Precision::Second => self.start + chrono::Duration::seconds(1),
        }
    }

    fn start_date_as_written(&self) -> NaiveDate {
        // For date-only values the calendar date is what was written, not a converted instant.
        self.start.with_timezone(&London).date_naive()
    }
}

use chrono::Datelike;

/// `14-Jul-1945`.
pub fn format_day(d: NaiveDate) -> String {
    format!(
        "{:02}-{}-{}",
        d.day(),
        MONTHS[d.month0() as usize],
        d.year()
    )
}

/// Whole years between a birth date and `today` (for `Born 14-Jul-1945 (81y)`).
pub fn age_in_years(birth: NaiveDate, today: NaiveDate) -> Option<u32> {
    today.years_since(birth)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> FhirDate {
        FhirDate::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn partial_dates_keep_their_text_and_precision() {
        assert_eq!(p("2004").precision, Precision::Year);
        assert_eq!(p("2004").raw, "2004");
        assert_eq!(p("2012-06").precision, Precision::Month);
        assert_eq!(p("2012-06").display(), "Jun-2012");
        assert_eq!(p("2004").display(), "2004");
        assert_eq!(p("1945-07-14").display(), "14-Jul-1945");
    }

    #[test]
    fn times_are_shown_in_uk_local_24_hour_time() {
        assert_eq!(p("2025-07-14T08:30:00Z").display(), "14-Jul-2025 09:30");
        assert_eq!(
            p("2025-01-14T18:05:00+00:00").display(),
            "14-Jan-2025 18:05"
        );
        assert_eq!(
            p("2025-01-14T23:30:00-02:00").display(),
            "15-Jan-2025 01:30"
        );
    }

    #[test]
    fn times_without_zone_are_read_as_uk_local() {
        let d = p("2018-09-28T10:30:00");
        assert!(!d.zoned);
        assert_eq!(d.start, p("2018-09-28T09:30:00Z").start);
        assert_eq!(d.display(), "28-Sep-2018 10:30");
        // Fractional seconds and minute precision are tolerated.
        assert_eq!(p("2018-09-28T10:30:00.123+01:00").start, d.start);
        assert_eq!(p("2018-09-28T10:30").precision, Precision::Minute);
    }

    #[test]
    fn rejects_text_that_is_not_a_date() {
        for s in [
            "",
            "yesterday",
            "12-05-2020",
            "2020-13-01",
            "2020-02-30",
            "2020-5",
            "2020-05-01T25:00:00Z",
            "20201",
        ] {
            assert!(FhirDate::parse(s).is_none(), "{s}");
        }
    }

    #[test]
    fn partial_dates_sort_at_the_start_of_their_period_below_precise_ones() {
        let mut v = [
            p("2004-03-01"),
            p("2004"),
            p("2003-12-31T23:00:00Z"),
            p("2004-01-01"),
        ];
        v.sort_by_key(|d| std::cmp::Reverse(d.sort_key()));
        let order: Vec<&str> = v.iter().map(|d| d.raw.as_str()).collect();
        assert_eq!(
            order,
            ["2004-03-01", "2004-01-01", "2004", "2003-12-31T23:00:00Z"]
        );
    }

    #[test]
    fn age_counts_whole_years() {
        let b = NaiveDate::from_ymd_opt(1945, 7, 14).unwrap();
        assert_eq!(
            age_in_years(b, NaiveDate::from_ymd_opt(2026, 7, 13).unwrap()),
            Some(80)
        );
        assert_eq!(
            age_in_years(b, NaiveDate::from_ymd_opt(2026, 7, 14).unwrap()),
            Some(81)
        );
    }

    proptest! {
        #[test]
        fn sort_key_order_matches_instant_order(a in 0i64..4_000_000_000, b in 0i64..4_000_000_000, oa in -12i32..14, ob in -12i32..14) {
            let fmt = |secs: i64, off: i32| {
                let z = FixedOffset::east_opt(off * 3600).unwrap();
                DateTime::from_timestamp(secs, 0).unwrap().with_timezone(&z).to_rfc3339()
            };
            let (sa, sb) = (fmt(a, oa), fmt(b, ob));
            let (da, db) = (p(&sa), p(&sb));
            prop_assert_eq!(da.start.timestamp(), a);
            prop_assert_eq!(da.sort_key().cmp(&db.sort_key()), a.cmp(&b));
        }

        #[test]
        fn every_partial_date_parses_and_sorts_no_later_than_its_refinements(y in 1900i32..2100, m in 1u32..13, d in 1u32..29, h in 0u32..24) {
            let year = format!("{y:04}");
            let month = format!("{y:04}-{m:02}");
            let day = format!("{y:04}-{m:02}-{d:02}");
            let time = format!("{y:04}-{m:02}-{d:02}T{h:02}:00:00Z");
            let (dy, dm, dd) = (p(&year), p(&month), p(&day));
            prop_assert!(dy.sort_key() < dm.sort_key());
            prop_assert!(dm.sort_key() < dd.sort_key());
            let _ = p(&time).display();
            prop_assert_eq!(dd.raw, day);
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,40}") {
            if let Some(d) = FhirDate::parse(&s) {
                let _ = d.display();
                let _ = d.sort_key();
            }
        }
    }
}
