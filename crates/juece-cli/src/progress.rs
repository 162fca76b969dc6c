//! The progress line of a long pass (import, audit, verify, export, report, backup), on stderr:
//! shown only when stderr is a terminal that can redraw a line (`TERM` is not `dumb`) and
//! `--quiet` was not given, once the pass has run for more than a second; redrawn in place five
//! times a second with the count and total (`juece_store::progress`), the rate and the time
//! left, or the time spent where the total is not known; erased when the pass ends.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use unicode_width::UnicodeWidthChar;

/// What a pass counts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Cases = 0,
    Events = 1,
}

static UNIT: AtomicU8 = AtomicU8::new(0);

/// Sets the total of the pass about to run (0: not known) and what it counts.
pub fn total(n: u64, unit: Unit) {
    UNIT.store(unit as u8, Ordering::Relaxed);
    juece_store::progress::begin(n);
}

struct Line {
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

static LINE: Mutex<Option<Line>> = Mutex::new(None);

/// Whether a progress line is being drawn (so a total worth computing).
pub fn wanted() -> bool {
    LINE.lock().is_ok_and(|l| l.is_some())
}

/// Whether a progress line may be drawn: stderr is a terminal that understands `\r` and the
/// erase-line sequence.
#[expect(
    clippy::disallowed_methods,
    reason = "the command line reads its own settings from the environment"
)]
fn drawable() -> bool {
    io::stderr().is_terminal() && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

/// How long a pass runs before its line appears, and how often it is redrawn: a second and a
/// fifth of a second; with `JUECE_PROGRESS_AFTER_MS` (a test hook, so that the terminal tests
/// see the line of a short pass) that many milliseconds, and every hundredth of a second.
#[expect(
    clippy::disallowed_methods,
    reason = "the command line reads its own settings from the environment"
)]
fn timing() -> (Duration, Duration) {
    match std::env::var("JUECE_PROGRESS_AFTER_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        Some(ms) => (Duration::from_millis(ms), Duration::from_millis(10)),
        None => (Duration::from_secs(1), Duration::from_millis(200)),
    }
}

/// Starts the progress line of this run, labelled `what` (`正在审计`, `auditing`).
pub fn start(what: String, quiet: bool) {
    if quiet || !drawable() {
        return;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let (after, every) = timing();
    let handle = std::thread::spawn(move || draw(&what, &flag, after, every));
    if let Ok(mut line) = LINE.lock() {
        *line = Some(Line {
            stop,
            handle: Some(handle),
        });
    }
}

/// Ends the progress line, erasing it, before anything else is printed.
pub fn stop() {
    let taken = LINE.lock().ok().and_then(|mut l| l.take());
    drop(taken);
}

impl Drop for Line {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn draw(what: &str, stop: &AtomicBool, after: Duration, every: Duration) {
    let started = Instant::now();
    let mut drawn: Option<Instant> = None;
    while !stop.load(Ordering::Relaxed) {
        let elapsed = started.elapsed();
        if elapsed >= after && drawn.is_none_or(|d| d.elapsed() >= every) {
            let (done, total) = juece_store::progress::snapshot();
            let text = fit(&line(what, done, total, elapsed), width());
            let _ = write!(io::stderr(), "\r\x1b[2K{text}");
            let _ = io::stderr().flush();
            drawn = Some(Instant::now());
        }
        std::thread::sleep(every.min(Duration::from_millis(50)));
    }
    if drawn.is_some() {
        let _ = write!(io::stderr(), "\r\x1b[2K");
        let _ = io::stderr().flush();
    }
}

/// The text of the line: `what done/total unit · rate · time left`, or `what… time` when the
/// total is not known.
fn line(what: &str, done: u64, total: u64, elapsed: Duration) -> String {
    let zh = crate::i18n::zh();
    let secs = elapsed.as_secs_f64();
    if total == 0 {
        return format!("{what}… {}", duration(secs, zh));
    }
    let done = done.min(total);
    let unit = match (UNIT.load(Ordering::Relaxed), zh) {
        (1, true) => "个事件",
        (1, false) => "events",
        (_, true) => "件事项",
        (_, false) if total == 1 => "case",
        (_, false) => "cases",
    };
    let rate = done as f64 / secs.max(0.001);
    let pct = done * 100 / total;
    let left = if rate > 0.0 {
        let remaining = (total - done) as f64 / rate;
        if zh {
            format!("约剩 {}", duration(remaining, zh))
        } else {
            format!("about {} left", duration(remaining, zh))
        }
    } else if zh {
        "估算剩余时间…".to_owned()
    } else {
        "estimating time left…".to_owned()
    };
    if zh {
        format!("{what} {done}/{total} {unit}（{pct}%）· 每秒 {rate:.0} · {left}")
    } else {
        format!("{what} {done}/{total} {unit} ({pct}%) · {rate:.0}/s · {left}")
    }
}

fn duration(secs: f64, zh: bool) -> String {
    let s = secs.round() as u64;
    match (s / 60, zh) {
        (0, true) => format!("{s} 秒"),
        (0, false) => format!("{s} s"),
        (m, true) => format!("{m} 分 {} 秒", s % 60),
        (m, false) => format!("{m} min {} s", s % 60),
    }
}

/// The columns of stderr's terminal (`COLUMNS` wins), at least 20.
#[expect(
    clippy::disallowed_methods,
    reason = "the command line reads its own settings from the environment"
)]
fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|c| *c > 0)
        .or_else(|| terminal_size::terminal_size_of(io::stderr()).map(|(w, _)| usize::from(w.0)))
        .unwrap_or(80)
        .max(20)
}

/// `text` cut to fit one line of `width` columns (a wrapped line could not be redrawn in place).
fn fit(text: &str, width: usize) -> String {
    let mut used = 0;
    let mut out = String::new();
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w >= width {
            break;
        }
        used += w;
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_count_rate_and_time_left() {
        crate::i18n::set_lang(juece_core::Lang::En);
        let l = line("auditing", 500, 2000, Duration::from_secs(2));
        assert_eq!(l, "auditing 500/2000 cases (25%) · 250/s · about 6 s left");
        assert_eq!(
            line("backing up", 0, 0, Duration::from_secs(3)),
            "backing up… 3 s"
        );
        assert_eq!(fit("正在审计 12345", 10), "正在审计 ");
    }
}
