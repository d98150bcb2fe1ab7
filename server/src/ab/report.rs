//! The analysis as a terminal table or as JSON, and the one way reports reach disk.
//!
//! The JSON is [`Analysis`] serialized as is (camelCase keys; `null` where a figure does
//! not exist, such as a z without conversions), so what the table shows and what a script
//! reads cannot drift apart. Files are written to a temporary name beside the target and
//! renamed over it: a reader never sees half a report, and a failed run leaves the old
//! one as it was.

use crate::progress::thousands;

use super::analysis::{Analysis, Comparison};
use super::hypothesis::{Interval, Welch, SRM_ALPHA};

/// A p-value with three significant digits (`0.0744`, `0.00155`), or in exponent form
/// below 1e-4.
pub fn p_value(p: Option<f64>) -> String {
    match p {
        None => "n/a".into(),
        Some(0.0) => "0".into(),
        Some(p) if p < 1e-4 => format!("{p:.2e}"),
        Some(p) => {
            let decimals = (2 - p.log10().floor() as i32).max(3) as usize;
            format!("{p:.decimals$}")
        }
    }
}

/// `v` with `decimals`, or `n/a`.
fn num(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.decimals$}"))
}

/// An interval as `[lo, hi]` after scaling, unbounded ends as `-inf`/`+inf`.
fn interval(ci: &Interval, scale: f64, decimals: usize, unit: &str) -> String {
    let end =
        |e: Option<f64>, inf: &str| e.map_or_else(|| inf.to_owned(), |v| format!("{:.decimals$}{unit}", v * scale));
    format!("[{}, {}]", end(ci[0], "-inf"), end(ci[1], "+inf"))
}

fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{:+.2}%", v * 100.0))
}

fn verdict(p: Option<f64>, alpha: f64) -> &'static str {
    if p.is_some_and(|p| p <= alpha) {
        "significant"
    } else {
        "not significant"
    }
}

/// The terminal table.
pub fn table(a: &Analysis) -> Vec<String> {
    let mut lines = vec![
        format!(
            "experiment {}: {} per unit, alpha {}, {} units, {} crossovers excluded",
            a.experiment,
            a.metric,
            a.alpha,
            thousands(a.units),
            thousands(a.crossovers)
        ),
        format!("source {}", a.source),
    ];
    lines.extend(a.notes.iter().cloned());
    lines.push(String::new());
    let width = a.variants.iter().map(|v| v.name.len()).max().unwrap_or(0).max(7);
    lines.push(format!(
        "  {:<width$}  {:>12}  {:>12}  {:>9}  {:>16}",
        "variant", "units", "conversions", "rate", "revenue/visitor"
    ));
    for v in &a.variants {
        lines.push(format!(
            "{} {:<width$}  {:>12}  {:>12}  {:>8.3}%  {:>16}",
            v.index,
            v.name,
            thousands(v.units),
            thousands(v.conversions),
            v.conversion_rate * 100.0,
            num(v.revenue_per_visitor, 2)
        ));
    }
    let s = &a.srm;
    let split = s.expected.iter().map(|e| format!("{:.1}%", e * 100.0)).collect::<Vec<_>>().join(" / ");
    lines.push(String::new());
    lines.push(format!(
        "sample ratio: chi-square {:.3} (df {}), p {} against {split}: {}",
        s.chi_square,
        s.df,
        p_value(Some(s.p)),
        if s.mismatch {
            format!("MISMATCH (p < {SRM_ALPHA}): the split is broken, distrust every figure below")
        } else {
            format!("ok (flagged below p {SRM_ALPHA})")
        }
    ));
    for c in &a.comparisons {
        lines.push(String::new());
        lines.extend(comparison(a, c));
    }
    if let Some(fit) = &a.cuped {
        lines.push(String::new());
        lines.push(format!(
            "CUPED on {}: theta {:.6} (conversion, variance -{:.1}%), {:.6} (revenue, variance -{:.1}%)",
            fit.covariate,
            fit.conversion.theta,
            fit.conversion.variance_reduction * 100.0,
            fit.revenue.theta,
            fit.revenue.variance_reduction * 100.0
        ));
    }
    lines
}

fn comparison(a: &Analysis, c: &Comparison) -> Vec<String> {
    let control = &a.variants[c.control];
    let conv = &c.conversion;
    let mut lines = vec![
        format!("{} {} vs {} {}", c.variant, c.name, control.index, control.name),
        format!(
            "  {:<17} {:+.3} pp {}  relative {} {}  z {}  p {}  {}",
            "conversion",
            conv.difference * 100.0,
            interval(&conv.difference_ci, 100.0, 3, ""),
            percent(conv.relative_uplift),
            interval(&conv.relative_ci, 100.0, 2, "%"),
            num(conv.z, 3),
            p_value(conv.p),
            verdict(conv.p, a.alpha)
        ),
    ];
    if let Some(w) = &c.revenue {
        lines.push(welch_line("revenue/visitor", w, a.alpha));
    }
    let s = &c.sequential;
    lines.push(format!(
        "  {:<17} always-valid p {} after {} look{}, relative {}  {}  (mSPRT, tau {})",
        "sequential",
        p_value(Some(s.p)),
        s.looks,
        if s.looks == 1 { "" } else { "s" },
        interval(&s.relative_ci, 100.0, 2, "%"),
        verdict(Some(s.p), a.alpha),
        s.tau
    ));
    if let Some(cu) = &c.cuped {
        lines.push(welch_line("CUPED conversion", &cu.conversion, a.alpha));
        lines.push(welch_line("CUPED revenue", &cu.revenue, a.alpha));
    }
    lines
}

fn welch_line(name: &str, w: &Welch, alpha: f64) -> String {
    format!(
        "  {:<17} {:+.4} {}  relative {} {}  t {}  df {}  p {}  {}",
        name,
        w.difference,
        interval(&w.difference_ci, 1.0, 4, ""),
        percent(w.relative_uplift),
        interval(&w.relative_ci, 100.0, 2, "%"),
        num(w.t, 3),
        num(w.df, 1),
        p_value(w.p),
        verdict(w.p, alpha)
    )
}

/// The JSON report.
pub fn json(a: &Analysis) -> String {
    // Serializing plain structs of numbers and strings cannot fail.
    serde_json::to_string_pretty(a).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(44_700), "44,700");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(p_value(Some(0.074_41)), "0.0744");
        assert_eq!(p_value(Some(0.001_554)), "0.00155");
        assert_eq!(p_value(Some(0.5)), "0.500");
        assert_eq!(p_value(Some(1.0)), "1.000");
        assert_eq!(p_value(Some(3.2e-7)), "3.20e-7");
        assert_eq!(p_value(None), "n/a");
        assert_eq!(interval(&[Some(-0.013_28), None], 100.0, 2, "%"), "[-1.33%, +inf]");
    }
}
