//! Points in time from input files: RFC 3339 date-times with an offset, or
//! bare dates that mean "the end of that day everywhere on Earth".

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};

/// A point in time read from input, remembering whether it was a bare date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    pub at: Timestamp,
    /// Written as a bare date, so `at` is the next day 12:00 UTC.
    pub bare_date: bool,
}

/// The moment day `date` has ended in every time zone: the next day at
/// 12:00 UTC (the last zone, UTC−12, reaches midnight then).
pub fn end_of_day_everywhere(date: Date) -> Timestamp {
    let next = date.checked_add(1.day()).unwrap_or(date);
    next.at(12, 0, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MAX)
}

/// Parses an RFC 3339 date-time with offset, or a bare `YYYY-MM-DD`.
pub fn parse_instant(s: &str) -> Result<Instant, String> {
    let s = s.trim();
    if s.len() == 10 {
        return parse_date(s).map(|date| Instant {
            at: end_of_day_everywhere(date),
            bare_date: true,
        });
    }
    match s.parse::<Timestamp>() {
        Ok(at) => Ok(Instant {
            at,
            bare_date: false,
        }),
        Err(_) if s.parse::<jiff::civil::DateTime>().is_ok() => {
            Err(format!("`{s}` has no time zone offset"))
        }
        Err(_)
            if s.get(..10)
                .is_some_and(|d| looks_like_date(d) && d.parse::<Date>().is_err()) =>
        {
            Err(format!("`{s}` names a day that does not exist"))
        }
        Err(_) => Err(format!(
            "`{s}` is not an RFC 3339 date-time or a YYYY-MM-DD date"
        )),
    }
}

/// `dddd-dd-dd`: shaped like a date, whether or not the day exists.
fn looks_like_date(s: &str) -> bool {
    s.len() == 10
        && s.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// Parses a calendar date `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<Date, String> {
    let s = s.trim();
    if !looks_like_date(s) {
        return Err(format!("`{s}` is not a YYYY-MM-DD date"));
    }
    s.parse::<Date>()
        .map_err(|_| format!("`{s}` names a day that does not exist"))
}

/// The UTC calendar date of `t`.
pub fn utc_date(t: Timestamp) -> Date {
    t.to_zoned(jiff::tz::TimeZone::UTC).date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bare_date_lifts_next_day_at_noon_utc() {
        let i = parse_instant("2026-03-04").unwrap();
        assert!(i.bare_date);
        assert_eq!(i.at.to_string(), "2026-03-05T12:00:00Z");
    }

    #[test]
    fn offsets_are_honoured_and_required() {
        let i = parse_instant("2026-03-04T09:00:00-05:00").unwrap();
        assert_eq!(i.at.to_string(), "2026-03-04T14:00:00Z");
        assert!(
            parse_instant("2026-03-04T09:00:00")
                .unwrap_err()
                .contains("offset")
        );
        assert!(parse_instant("2026-02-30").is_err());
        assert!(parse_instant("yesterday").is_err());
    }

    #[test]
    fn dates_must_exist() {
        assert!(parse_date("2026-02-29").is_err());
        assert!(parse_date("2028-02-29").is_ok());
        assert!(parse_date("2026-1-1").is_err());
    }

    proptest! {
        /// A bare date never lifts while that date is still current in any
        /// time zone from UTC−12 to UTC+14.
        #[test]
        fn bare_date_never_lifts_early(days in 0i64..40_000, offset_h in -12i8..=14) {
            let date = Date::new(1970, 1, 1).unwrap().checked_add(days.days()).unwrap();
            let lift = parse_instant(&date.to_string()).unwrap().at;
            let zone = jiff::tz::TimeZone::fixed(jiff::tz::Offset::from_hours(offset_h).unwrap());
            let local_date_at_lift = lift.to_zoned(zone.clone()).date();
            prop_assert!(local_date_at_lift > date);
            // And one second earlier, in UTC−12, it is still that date's end or later.
            let just_before = lift.checked_sub(1.second()).unwrap();
            let utc_minus_12 = jiff::tz::TimeZone::fixed(jiff::tz::Offset::from_hours(-12).unwrap());
            prop_assert_eq!(just_before.to_zoned(utc_minus_12).date(), date);
        }
    }
}
