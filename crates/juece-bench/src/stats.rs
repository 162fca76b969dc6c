//! Medians, percentiles and the number formats of the report.

use std::time::Duration;

/// The median of `samples` (the mean of the two middle ones for an even count); zero when empty.
pub fn median(samples: &[Duration]) -> Duration {
    let mut s = samples.to_vec();
    s.sort();
    match s.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2,
    }
}

/// The `p`-th percentile by the nearest-rank method: the smallest sample with at least `p`% of
/// the samples at or below it. With 50 samples, p99 is the largest.
pub fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut s = samples.to_vec();
    s.sort();
    if s.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * s.len() as f64).ceil() as usize;
    s[rank.clamp(1, s.len()) - 1]
}

/// A duration for people: `850 µs`, `12.3 ms`, `4.56 s`.
pub fn time(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1e-3 {
        format!("{:.0} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

/// A count with thousands separators: `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Items per second of `n` items in `d`.
pub fn rate(n: u64, d: Duration) -> f64 {
    let s = d.as_secs_f64();
    if s > 0.0 {
        n as f64 / s
    } else {
        0.0
    }
}

/// A rate for people: `123,456/s`.
pub fn per_second(n: u64, d: Duration) -> String {
    format!("{}/s", count(rate(n, d).round() as u64))
}

/// A duration and the event rate it gives: `1.24 s · 102,560 events/s`.
pub fn time_and_rate(events: u64, d: Duration) -> String {
    format!(
        "{} · {} events/s",
        time(d),
        count(rate(events, d).round() as u64)
    )
}

/// A byte count for people: `512 B`, `3.4 KB`, `12.3 MB` (powers of 1024).
pub fn bytes(n: u64) -> String {
    let n = n as f64;
    if n < 1024.0 {
        format!("{n:.0} B")
    } else if n < 1024.0 * 1024.0 {
        format!("{:.1} KB", n / 1024.0)
    } else if n < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} MB", n / (1024.0 * 1024.0))
    } else {
        format!("{:.2} GB", n / (1024.0 * 1024.0 * 1024.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|&m| Duration::from_millis(m)).collect()
    }

    #[test]
    fn medians_and_nearest_rank_percentiles() {
        assert_eq!(median(&ms(&[3, 1, 2])), Duration::from_millis(2));
        assert_eq!(median(&ms(&[4, 1, 2, 3])), Duration::from_micros(2500));
        let fifty: Vec<u64> = (1..=50).collect();
        assert_eq!(percentile(&ms(&fifty), 99.0), Duration::from_millis(50));
        assert_eq!(percentile(&ms(&fifty), 50.0), Duration::from_millis(25));
        assert_eq!(percentile(&ms(&[7]), 99.0), Duration::from_millis(7));
    }

    #[test]
    fn formats() {
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(999), "999");
        assert_eq!(time(Duration::from_micros(850)), "850 µs");
        assert_eq!(time(Duration::from_millis(1234)), "1.23 s");
        assert_eq!(bytes(3 * 1024 + 512), "3.5 KB");
    }
}
