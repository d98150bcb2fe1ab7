//! A progress line on stderr for long runs (a model build reading its events, a
//! simulation working through its shoppers), the rate every build reports, and numbers
//! with thousands separators as every report prints them.
//!
//! Hand-rolled rather than a crate: one line redrawn with `\r`, at most five times a
//! second, only when stderr is a terminal (in CI logs and pipes it would be noise). The
//! per-step cost is one counter increment; the clock is read every [`Progress::every`]
//! steps (16k events by default: a step of a build is one event).

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Events between two looks at the clock.
const CHECK_EVERY: u64 = 1 << 14;
/// Least time between two redraws.
const REDRAW: Duration = Duration::from_millis(200);

/// See the module documentation.
pub struct Progress {
    label: String,
    /// What a step is, plural ("events", "shoppers").
    unit: &'static str,
    /// Steps between two looks at the clock.
    check_every: u64,
    total_bytes: Option<u64>,
    bytes: u64,
    events: u64,
    started: Instant,
    last_draw: Instant,
    draw: bool,
}

impl Progress {
    /// A progress line for reading `total_bytes` (if known) labelled `label`; drawn only
    /// when `draw` and stderr is a terminal.
    pub fn new(label: impl Into<String>, total_bytes: Option<u64>, draw: bool) -> Progress {
        let now = Instant::now();
        Progress {
            label: label.into(),
            unit: "events",
            check_every: CHECK_EVERY,
            total_bytes,
            bytes: 0,
            events: 0,
            started: now,
            last_draw: now,
            draw: draw && std::io::stderr().is_terminal(),
        }
    }

    /// Counts steps of `unit` (plural), looking at the clock every `check_every` of them:
    /// for steps that take long enough that every one may redraw.
    pub fn counting(mut self, unit: &'static str, check_every: u64) -> Progress {
        self.unit = unit;
        self.check_every = check_every.max(1);
        self
    }

    /// One more step; `bytes` is how far into the input the reader is (if it knows),
    /// against the total given to [`Progress::new`].
    #[inline]
    pub fn tick(&mut self, bytes: u64) {
        self.events += 1;
        self.bytes = bytes;
        if self.draw && self.events.is_multiple_of(self.check_every) {
            let now = Instant::now();
            if now - self.last_draw >= REDRAW {
                self.last_draw = now;
                self.redraw(now);
            }
        }
    }

    fn redraw(&self, now: Instant) {
        let secs = (now - self.started).as_secs_f64().max(1e-9);
        let rate = self.events as f64 / secs;
        let bar = match self.total_bytes {
            Some(total) if total > 0 => {
                let share = (self.bytes as f64 / total as f64).clamp(0.0, 1.0);
                let filled = (share * 30.0).round() as usize;
                format!("[{}{}] {:>3.0}% ", "#".repeat(filled), " ".repeat(30 - filled), share * 100.0)
            }
            _ => String::new(),
        };
        let mut err = std::io::stderr().lock();
        // Slow steps (a tuning run's configurations) would all read 0/s.
        let r = if rate < 10.0 { format!("{rate:.1}") } else { thousands(rate as u64) };
        let n = thousands(self.events);
        let _ = write!(err, "\r{} {bar}{n} {unit}, {r}/s   ", self.label, unit = self.unit);
        let _ = err.flush();
    }

    /// Steps so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Clears the line; returns "N events in S s (R events/s)" (in its unit).
    pub fn finish(&mut self) -> String {
        if self.draw {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{}\r", " ".repeat(100));
            let _ = err.flush();
        }
        let secs = self.started.elapsed().as_secs_f64();
        format!(
            "{} {unit} in {secs:.2} s ({} {unit}/s)",
            thousands(self.events),
            thousands((self.events as f64 / secs.max(1e-9)) as u64),
            unit = self.unit
        )
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_reports() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(10_000_000), "10,000,000");
        let mut p = Progress::new("x", Some(10), false);
        for b in 0..5 {
            p.tick(b);
        }
        assert_eq!(p.events(), 5);
        assert!(p.finish().starts_with("5 events in "));
        let mut s = Progress::new("y", Some(3), false).counting("shoppers", 1);
        s.tick(1);
        assert!(s.finish().starts_with("1 shoppers in "));
    }
}
