//! The HTML report: one self-contained file (inline CSS and SVG, no script, nothing
//! fetched), so it opens from disk, attaches to an e-mail and survives offline machines.
//!
//! Per treatment arm, a chart of the cumulative relative uplift by day with two bands:
//! the fixed-horizon 95% interval (valid only on a day planned in advance) and, wider,
//! the always-valid sequential interval (valid on every day, which is why it is wider);
//! then the summary tables the terminal report also gives.

use std::fmt::Write;

use super::analysis::{Analysis, Comparison, Day};
use super::hypothesis::{Interval, Welch};
use super::report::p_value;
use crate::progress::thousands;

/// `&`, `<`, `>`, `"` and `'` as entities.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:960px;color:#222;padding:0 1em}\
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{padding:.25em .7em;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}\
td:first-child,th:first-child{text-align:left}.bad{color:#b00020;font-weight:600}.ok{color:#1b5e20}\
svg text{font:11px system-ui,sans-serif;fill:#444}small{color:#666}";

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{:+.2}%", v * 100.0))
}

fn ci(i: &Interval, scale: f64, unit: &str, decimals: usize) -> String {
    let end =
        |e: Option<f64>, inf: &str| e.map_or_else(|| inf.to_owned(), |v| format!("{:.decimals$}{unit}", v * scale));
    format!("[{}, {}]", end(i[0], "−∞"), end(i[1], "+∞"))
}

/// The whole report.
pub fn render(a: &Analysis) -> String {
    let mut h = String::new();
    let title = format!("A/B report: {}", escape(&a.experiment));
    let _ = write!(h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title><style>{STYLE}</style></head><body>\n<h1>{title}</h1>\n");
    let _ = writeln!(
        h,
        "<p>Metric <b>{}</b> per unit; α = {}; {} units, {} crossovers excluded. Source: <code>{}</code>.</p>",
        escape(&a.metric),
        a.alpha,
        thousands(a.units),
        thousands(a.crossovers),
        escape(&a.source)
    );
    for note in &a.notes {
        let _ = writeln!(h, "<p><small>{}</small></p>", escape(note));
    }
    h.push_str("<h2>Variants</h2>\n<table><tr><th>variant</th><th>units</th><th>conversions</th><th>rate</th><th>revenue / visitor</th></tr>\n");
    for v in &a.variants {
        let _ = writeln!(
            h,
            "<tr><td>{} {}</td><td>{}</td><td>{}</td><td>{:.3}%</td><td>{}</td></tr>",
            v.index,
            escape(&v.name),
            thousands(v.units),
            thousands(v.conversions),
            v.conversion_rate * 100.0,
            v.revenue_per_visitor.map_or_else(|| "–".into(), |r| format!("{r:.2}"))
        );
    }
    h.push_str("</table>\n");
    let s = &a.srm;
    let _ = writeln!(
        h,
        "<p>Sample ratio: χ² = {:.3} (df {}), p = {}: <span class=\"{}\">{}</span></p>",
        s.chi_square,
        s.df,
        p_value(Some(s.p)),
        if s.mismatch { "bad" } else { "ok" },
        if s.mismatch {
            "mismatch: the split is broken, distrust every figure below"
        } else {
            "no mismatch (flagged below p = 0.001)"
        }
    );
    for (i, c) in a.comparisons.iter().enumerate() {
        comparison(&mut h, a, i, c);
    }
    h.push_str("</body></html>\n");
    h
}

fn comparison(h: &mut String, a: &Analysis, i: usize, c: &Comparison) {
    let control = &a.variants[c.control];
    let _ = writeln!(h, "<h2>{} {} vs {} {}</h2>", c.variant, escape(&c.name), control.index, escape(&control.name));
    if a.daily.is_empty() {
        h.push_str("<p><small>This source has no times: no daily view.</small></p>\n");
    } else {
        h.push_str(&chart(&a.daily, i));
    }
    h.push_str("<table><tr><th>test</th><th>difference</th><th>interval</th><th>relative</th><th>interval</th><th>statistic</th><th>p</th></tr>\n");
    let conv = &c.conversion;
    let _ = writeln!(
        h,
        "<tr><td>conversion (z-test)</td><td>{:+.3} pp</td><td>{}</td><td>{}</td><td>{}</td><td>z = {}</td><td>{}</td></tr>",
        conv.difference * 100.0,
        ci(&conv.difference_ci, 100.0, "", 3),
        pct(conv.relative_uplift),
        ci(&conv.relative_ci, 100.0, "%", 2),
        conv.z.map_or_else(|| "n/a".into(), |z| format!("{z:.3}")),
        p_value(conv.p)
    );
    let mut welch_row = |name: &str, w: &Welch| {
        let _ = writeln!(
            h,
            "<tr><td>{name}</td><td>{:+.4}</td><td>{}</td><td>{}</td><td>{}</td><td>t = {}, df {}</td><td>{}</td></tr>",
            w.difference,
            ci(&w.difference_ci, 1.0, "", 4),
            pct(w.relative_uplift),
            ci(&w.relative_ci, 100.0, "%", 2),
            w.t.map_or_else(|| "n/a".into(), |t| format!("{t:.3}")),
            w.df.map_or_else(|| "n/a".into(), |d| format!("{d:.1}")),
            p_value(w.p)
        );
    };
    if let Some(w) = &c.revenue {
        welch_row("revenue / visitor (Welch)", w);
    }
    if let Some(cu) = &c.cuped {
        welch_row("conversion, CUPED", &cu.conversion);
        welch_row("revenue / visitor, CUPED", &cu.revenue);
    }
    let s = &c.sequential;
    let _ = writeln!(
        h,
        "<tr><td>sequential (mSPRT, τ = {})</td><td></td><td></td><td></td><td>{}</td><td>{} look{}</td><td>{}</td></tr>\n</table>",
        s.tau,
        ci(&s.relative_ci, 100.0, "%", 2),
        s.looks,
        if s.looks == 1 { "" } else { "s" },
        p_value(Some(s.p))
    );
}

/// The chart's geometry: plot area inside the SVG, in pixels.
const W: f64 = 900.0;
const H: f64 = 320.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;

/// The smallest of 1, 2, 2.5, 5 × 10ᵏ at or above `raw` (> 0).
fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw * (1.0 - 1e-12))
        .unwrap_or(10.0 * magnitude)
}

/// The cumulative-uplift chart of comparison `i`.
fn chart(days: &[Day], i: usize) -> String {
    let points: Vec<_> = days.iter().map(|d| &d.comparisons[i]).collect();
    // The y range covers the estimates and both intervals, but no more than four final
    // fixed-interval widths around the last estimate: the first days' intervals are
    // huge and would flatten everything after them (what falls outside is clipped).
    let mut values: Vec<f64> = vec![0.0];
    for p in &points {
        values.extend(p.relative_uplift);
        values.extend(p.relative_ci.iter().flatten());
        values.extend(p.sequential_ci.iter().flatten());
    }
    let (mut lo, mut hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
    if let Some(last) = points.iter().rev().find(|p| p.relative_ci.iter().all(Option::is_some)) {
        let (l, h) = (last.relative_ci[0].unwrap_or(0.0), last.relative_ci[1].unwrap_or(0.0));
        let (centre, width) = ((l + h) / 2.0, (h - l).max(1e-9));
        lo = lo.max((centre - 4.0 * width).min(0.0));
        hi = hi.min((centre + 4.0 * width).max(0.0));
    }
    if hi - lo < 1e-9 {
        (lo, hi) = (lo - 0.01, hi + 0.01);
    }
    // Round gridlines: a step of 1, 2, 2.5 or 5 × 10ᵏ giving four to eight of them, and
    // the range widened to whole steps.
    let step = nice_step((hi - lo) / 4.0);
    let (lo, hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    let n = points.len();
    let x = |k: usize| LEFT + if n > 1 { k as f64 / (n - 1) as f64 } else { 0.5 } * (W - LEFT - RIGHT);
    // Clamped a little outside the plot (the clip path hides the rest), so an unbounded
    // early interval does not write ten-digit coordinates.
    let y = |v: f64| (TOP + (hi - v) / (hi - lo) * (H - TOP - BOTTOM)).clamp(TOP - 10.0, H - BOTTOM + 10.0);
    let mut svg = format!(
        "<svg viewBox=\"0 0 {W} {H}\" width=\"100%\" role=\"img\" aria-label=\"cumulative relative uplift by day\">\
         <defs><clipPath id=\"plot{i}\"><rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{}\" height=\"{}\"/></clipPath></defs>\n",
        W - LEFT - RIGHT,
        H - TOP - BOTTOM
    );
    let ticks = ((hi - lo) / step).round() as i64;
    for t in 0..=ticks {
        let v = lo + step * t as f64;
        let decimals = if step * 100.0 >= 1.0 { 0 } else { 1 + (-(step * 100.0).log10()).ceil() as usize };
        let _ = writeln!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#eee\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{:+.decimals$}%</text>",
            W - RIGHT,
            LEFT - 6.0,
            y(v) + 4.0,
            v * 100.0,
            y = y(v)
        );
    }
    let _ = write!(svg, "<g clip-path=\"url(#plot{i})\">");
    let band = |get: &dyn Fn(usize) -> Interval, fill: &str| -> String {
        // One polygon per run of days where both ends exist.
        let mut out = String::new();
        let mut k = 0;
        while k < n {
            let start = k;
            while k < n && get(k).iter().all(Option::is_some) {
                k += 1;
            }
            if k > start {
                let upper = (start..k).map(|j| format!("{:.1},{:.1}", x(j), y(get(j)[1].unwrap_or(0.0))));
                let lower = (start..k).rev().map(|j| format!("{:.1},{:.1}", x(j), y(get(j)[0].unwrap_or(0.0))));
                let all: Vec<String> = upper.chain(lower).collect();
                let _ = write!(out, "<polygon points=\"{}\" fill=\"{fill}\"/>", all.join(" "));
            }
            k += 1;
        }
        out
    };
    svg.push_str(&band(&|k| points[k].sequential_ci, "#d7e3fc"));
    svg.push_str(&band(&|k| points[k].relative_ci, "#8fb3f5"));
    let _ = write!(
        svg,
        "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y0:.1}\" y2=\"{y0:.1}\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>",
        W - RIGHT,
        y0 = y(0.0)
    );
    let line: Vec<String> =
        (0..n).filter_map(|k| points[k].relative_uplift.map(|v| format!("{:.1},{:.1}", x(k), y(v)))).collect();
    let _ =
        write!(svg, "<polyline points=\"{}\" fill=\"none\" stroke=\"#0b3d91\" stroke-width=\"2\"/>", line.join(" "));
    for (k, p) in points.iter().enumerate() {
        if let Some(v) = p.relative_uplift {
            let _ = write!(svg, "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"#0b3d91\"/>", x(k), y(v));
        }
    }
    svg.push_str("</g>\n");
    // Date labels: first, last, and about six between.
    let every = (n / 7).max(1);
    for k in (0..n).filter(|k| k % every == 0 || *k == n - 1) {
        // The end labels align with the plot's edges so they stay inside the picture.
        let anchor = if n > 1 && k == 0 {
            "start"
        } else if n > 1 && k == n - 1 {
            "end"
        } else {
            "middle"
        };
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            x(k),
            H - BOTTOM + 16.0,
            escape(&days[k].day)
        );
    }
    let _ = write!(
        svg,
        "<rect x=\"{LEFT}\" y=\"{}\" width=\"12\" height=\"8\" fill=\"#8fb3f5\"/><text x=\"{}\" y=\"{}\">fixed-horizon 95% interval</text>\
         <rect x=\"{}\" y=\"{}\" width=\"12\" height=\"8\" fill=\"#d7e3fc\"/><text x=\"{}\" y=\"{}\">always-valid interval (mSPRT)</text>\
         <line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#0b3d91\" stroke-width=\"2\"/><text x=\"{}\" y=\"{}\">cumulative relative uplift</text></svg>",
        H - 12.0,
        LEFT + 16.0,
        H - 4.0,
        LEFT + 200.0,
        H - 12.0,
        LEFT + 216.0,
        H - 4.0,
        LEFT + 420.0,
        LEFT + 432.0,
        H - 8.0,
        H - 8.0,
        LEFT + 438.0,
        H - 4.0
    );
    svg.push('\n');
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ab::analysis::DayComparison;

    fn day(label: &str, uplift: Option<f64>, ci: Interval, seq: Interval) -> Day {
        Day {
            day: label.into(),
            units: vec![10, 10],
            conversions: vec![1, 1],
            comparisons: vec![DayComparison {
                relative_uplift: uplift,
                relative_ci: ci,
                p: None,
                sequential_ci: seq,
                sequential_p: 1.0,
            }],
        }
    }

    #[test]
    fn round_steps() {
        assert_eq!(nice_step(0.013), 0.02);
        assert_eq!(nice_step(1.3), 2.0);
        assert_eq!(nice_step(2.2), 2.5);
        assert_eq!(nice_step(0.05), 0.05);
        assert_eq!(nice_step(7.0), 10.0);
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
    }

    #[test]
    fn bands_skip_days_without_an_interval() {
        let days = [
            day("2019-11-24", Some(-1.0), [None, None], [None, None]),
            day("2019-11-25", Some(0.1), [Some(-0.2), Some(0.5)], [None, None]),
            day("2019-11-26", Some(0.05), [Some(-0.1), Some(0.2)], [Some(-0.3), Some(0.4)]),
        ];
        let svg = chart(&days, 0);
        assert_eq!(svg.matches("<polygon").count(), 2, "one fixed band (2 days), one sequential band (1 day)");
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains("2019-11-24") && svg.contains("2019-11-26"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }
}
