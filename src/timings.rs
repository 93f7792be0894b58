//! Where a build's time goes, for `build --timings`: the wall time of each
//! stage, and the time spent in work that runs inside other stages on many
//! threads at once (the leak scan, writing, hashing), summed over threads.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Work done inside other stages, on every thread: the time is summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Work {
    /// Scanning outputs for withheld tokens.
    LeakScan,
    /// Writing outputs into the staging directory.
    Write,
    /// Reading the history-bearing outputs back and comparing each with the
    /// previous site's record.
    HistoryFacts,
    /// SHA-256 and SHA-512 of CSAF documents.
    Hashing,
    /// OpenPGP signatures.
    Signing,
}

impl Work {
    const ALL: [Work; 5] = [
        Work::LeakScan,
        Work::Write,
        Work::HistoryFacts,
        Work::Hashing,
        Work::Signing,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Work::LeakScan => "leak scan",
            Work::Write => "write",
            Work::HistoryFacts => "history facts",
            Work::Hashing => "hashing",
            Work::Signing => "signing",
        }
    }
}

/// One stage and its wall time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub name: String,
    pub took: Duration,
    /// Nested under another stage (a target under rendering).
    pub depth: usize,
}

/// The stages of one build, in the order they ended.
#[derive(Debug, Default)]
pub struct Timings {
    stages: Mutex<Vec<Stage>>,
    work: [AtomicU64; 5],
}

impl Timings {
    pub fn new() -> Timings {
        Timings::default()
    }

    /// Runs `f` as the stage `name` and records its wall time.
    pub fn time<T>(&self, name: impl Into<String>, f: impl FnOnce() -> T) -> T {
        self.time_at(0, name, f)
    }

    /// [`Timings::time`] for a stage nested `depth` levels deep.
    pub fn time_at<T>(&self, depth: usize, name: impl Into<String>, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let value = f();
        self.record(depth, name.into(), start.elapsed());
        value
    }

    fn record(&self, depth: usize, name: String, took: Duration) {
        if let Ok(mut stages) = self.stages.lock() {
            stages.push(Stage { name, took, depth });
        }
    }

    /// Runs `f` as part of `work`, adding its time to that work's sum.
    pub fn work<T>(&self, work: Work, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let value = f();
        let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.work[work as usize].fetch_add(nanos, Ordering::Relaxed);
        value
    }

    /// The stages recorded so far.
    pub fn stages(&self) -> Vec<Stage> {
        self.stages.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The summed time of each kind of work that took any.
    pub fn work_done(&self) -> Vec<(Work, Duration)> {
        Work::ALL
            .iter()
            .map(|w| {
                (
                    *w,
                    Duration::from_nanos(self.work[*w as usize].load(Ordering::Relaxed)),
                )
            })
            .filter(|(_, d)| !d.is_zero())
            .collect()
    }

    /// The profile as people read it.
    pub fn render(&self, total: Duration) -> String {
        use std::fmt::Write as _;
        let mut out = String::from("timings (wall time per stage):\n");
        for s in self.stages() {
            let indent = "  ".repeat(s.depth + 1);
            let width = 22usize.saturating_sub(indent.len());
            let _ = writeln!(
                out,
                "{indent}{:<width$} {:>8.3} s",
                s.name,
                s.took.as_secs_f64()
            );
        }
        let _ = writeln!(out, "  {:<20} {:>8.3} s", "total", total.as_secs_f64());
        let work = self.work_done();
        if !work.is_empty() {
            out.push_str("inside the stages (summed over threads):\n");
            for (w, d) in work {
                let _ = writeln!(out, "  {:<20} {:>8.3} s", w.label(), d.as_secs_f64());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_and_work_are_recorded_and_shown() {
        let t = Timings::new();
        let v = t.time("load", || 7);
        assert_eq!(v, 7);
        t.time_at(1, "html", || ());
        t.work(Work::Write, || std::thread::sleep(Duration::from_millis(2)));
        let names: Vec<(String, usize)> =
            t.stages().into_iter().map(|s| (s.name, s.depth)).collect();
        assert_eq!(names, [("load".to_string(), 0), ("html".to_string(), 1)]);
        let work = t.work_done();
        assert_eq!(work.len(), 1);
        assert!(work[0].1 >= Duration::from_millis(2));
        let text = t.render(Duration::from_secs(1));
        assert!(text.contains("  load "), "{text}");
        assert!(text.contains("    html "), "{text}");
        assert!(text.contains("write"), "{text}");
        assert!(text.contains("total"), "{text}");
    }
}
