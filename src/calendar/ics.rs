//! The calendar as an iCalendar file (RFC 5545) a team can subscribe to:
//! one event per step of each coming release, CRLF line ends, lines folded
//! at 75 octets, text escaped, and ids that stay the same from one run to
//! the next.

use std::fmt::Write as _;

use jiff::Timestamp;

use super::{Calendar, when};
use crate::model::Site;
use crate::render::atom::severities_phrase;
use crate::render::paths;

impl Calendar<'_> {
    /// The schedule as an iCalendar file (RFC 5545): one event per step,
    /// with an id that stays the same from one run to the next, stamped
    /// with the clock so the same inputs give the same bytes.
    pub fn ics(&self, site: &Site, confidential: bool) -> String {
        let config = &site.config;
        let project = &config.project.name;
        let host = crate::render::atom::host(config);
        let stamp = |t: Timestamp| t.strftime("%Y%m%dT%H%M%SZ").to_string();
        let mut c = Ics::default();
        c.line("BEGIN", "VCALENDAR");
        c.line("VERSION", "2.0");
        c.line(
            "PRODID",
            &format!("-//disclose//disclose {}//EN", env!("CARGO_PKG_VERSION")),
        );
        c.line("CALSCALE", "GREGORIAN");
        c.line("METHOD", "PUBLISH");
        let name = format!("{}: coming security releases", config.title);
        c.text("NAME", &name);
        c.text("X-WR-CALNAME", &name);
        for r in &self.releases {
            let mut about = format!(
                "The {} fixes {}.",
                r.name(project),
                severities_phrase(&r.severities)
            );
            if confidential {
                about.push_str("\nCONFIDENTIAL, under embargo until the publish time:");
                for line in r.advisory_lines() {
                    about.push_str("\n* ");
                    about.push_str(&line);
                }
            }
            for s in &r.steps {
                c.line("BEGIN", "VEVENT");
                c.line(
                    "UID",
                    &format!(
                        "{}-{}@{host}",
                        serde_json::to_value(s.step)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                        stamp(r.release_at)
                    ),
                );
                c.line("DTSTAMP", &stamp(self.now));
                c.line("DTSTART", &stamp(s.at));
                c.text("SUMMARY", &format!("{}: {}", r.name(project), s.what));
                let mut description = format!("How: {}\n{about}", s.how);
                if let Some(note) = &s.note {
                    let _ = write!(description, "\nStatus at {}: {note}", when(self.now));
                }
                c.text("DESCRIPTION", &description);
                c.line(
                    "URL",
                    &paths::absolute_url(config, paths::ANNOUNCEMENTS_PAGE),
                );
                c.line("TRANSP", "TRANSPARENT");
                c.line("END", "VEVENT");
            }
        }
        if self.releases.iter().all(|r| r.steps.is_empty()) {
            // RFC 5545 wants at least one component in a calendar; with no
            // coming release there is no event, so the calendar carries the
            // one time zone its events would use.
            c.line("BEGIN", "VTIMEZONE");
            c.line("TZID", "UTC");
            c.line("BEGIN", "STANDARD");
            c.line("DTSTART", "19700101T000000");
            c.line("TZOFFSETFROM", "+0000");
            c.line("TZOFFSETTO", "+0000");
            c.line("TZNAME", "UTC");
            c.line("END", "STANDARD");
            c.line("END", "VTIMEZONE");
        }
        c.line("END", "VCALENDAR");
        c.out
    }
}

/// iCalendar content lines: CRLF line ends, folded at 75 octets without
/// splitting a character (RFC 5545 §3.1).
#[derive(Default)]
struct Ics {
    out: String,
}

impl Ics {
    fn line(&mut self, name: &str, value: &str) {
        let line = format!("{name}:{value}");
        let mut octets = 0;
        for ch in line.chars() {
            let n = ch.len_utf8();
            if octets + n > 75 {
                self.out.push_str("\r\n ");
                octets = 1;
            }
            self.out.push(ch);
            octets += n;
        }
        self.out.push_str("\r\n");
    }

    /// A TEXT value, escaped (RFC 5545 §3.3.11).
    fn text(&mut self, name: &str, value: &str) {
        let mut escaped = String::with_capacity(value.len());
        for ch in value.chars() {
            match ch {
                '\\' => escaped.push_str("\\\\"),
                ';' => escaped.push_str("\\;"),
                ',' => escaped.push_str("\\,"),
                '\n' => escaped.push_str("\\n"),
                '\r' => {}
                c if c.is_control() => {}
                c => escaped.push(c),
            }
        }
        self.line(name, &escaped);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fold_at_75_octets_without_splitting_characters() {
        let mut c = Ics::default();
        c.text("DESCRIPTION", &format!("{}; a, b\\c\nd", "é".repeat(60)));
        let text = c.out;
        assert!(text.ends_with("\r\n"));
        for line in text.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let unfolded = text.replace("\r\n ", "");
        assert_eq!(
            unfolded,
            format!("DESCRIPTION:{}\\; a\\, b\\\\c\\nd\r\n", "é".repeat(60))
        );
    }
}
