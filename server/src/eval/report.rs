//! The evaluation's report: a Markdown table per set of predictions (what the README
//! shows), and the same numbers as JSON (`--json`).

use serde::Serialize;

use super::metrics::Summary;
use super::paired::{self, Diff};
use super::Scored;

/// One set of predictions and every recommender's metrics on it.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub title: String,
    /// Show recall (basket completion has several targets per prediction).
    pub recall: bool,
    /// What the intervals resample whole: "sessions", or "users" for basket completion,
    /// whose predictions are grouped by shopper.
    pub resampled: &'static str,
    pub results: Vec<Row>,
    /// The first recommender (vitrine) minus each of the others, on the same predictions.
    pub versus: Vec<Versus>,
}

/// vitrine minus one other recommender: HR@20, MRR@20 and Recall@20 with 95% paired
/// bootstrap intervals ([`paired`]).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Versus {
    pub algorithm: String,
    pub hr20: Diff,
    pub mrr20: Diff,
    /// Shown where the section shows recall (with one target it is `hr20`).
    pub recall20: Diff,
}

/// One recommender's metrics.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub algorithm: String,
    #[serde(flatten)]
    pub metrics: Summary,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub dataset: String,
    pub bundle_version: String,
    pub sections: Vec<Section>,
    /// What was filtered, how the data was split.
    pub notes: Vec<String>,
}

impl Section {
    /// The section of `scored` (the first is the one compared with the others) on
    /// predictions whose sessions are `sessions` ([`super::sessions_of`]).
    pub fn new(title: impl Into<String>, recall: bool, scored: Vec<Scored>, sessions: &[u32]) -> Section {
        let versus = match scored.split_first() {
            Some((first, others)) => others
                .iter()
                .filter_map(|o| {
                    let [hr20, mrr20, recall20] = paired::compare(&first.outcomes, &o.outcomes, sessions)?;
                    Some(Versus { algorithm: o.name.clone(), hr20, mrr20, recall20 })
                })
                .collect(),
            None => Vec::new(),
        };
        Section {
            title: title.into(),
            recall,
            resampled: if recall { "users" } else { "sessions" },
            results: scored.into_iter().map(|s| Row { algorithm: s.name, metrics: s.summary }).collect(),
            versus,
        }
    }

    /// The section as a Markdown table.
    pub fn table(&self) -> Vec<String> {
        let mut head = vec!["algorithm", "HR@5", "MRR@5", "HR@10", "MRR@10", "HR@20", "MRR@20"];
        if self.recall {
            head.extend(["R@10", "R@20"]);
        }
        head.extend(["COV@20", "POP@20"]);
        let mut out =
            vec![format!("{} ({} predictions)", self.title, self.results.first().map_or(0, |r| r.metrics.predictions))];
        out.push(String::new());
        out.push(format!("| {} |", head.join(" | ")));
        out.push(format!(
            "|{}",
            head.iter().enumerate().map(|(i, _)| if i == 0 { "---|" } else { "---:|" }).collect::<String>()
        ));
        for r in &self.results {
            let m = &r.metrics;
            let mut cells = vec![r.algorithm.clone()];
            for k in 0..3 {
                cells.push(format!("{:.4}", m.hr[k]));
                cells.push(format!("{:.4}", m.mrr[k]));
            }
            if self.recall {
                cells.push(format!("{:.4}", m.recall[1]));
                cells.push(format!("{:.4}", m.recall[2]));
            }
            cells.push(format!("{:.4}", m.coverage));
            cells.push(format!("{:.4}", m.popularity));
            out.push(format!("| {} |", cells.join(" | ")));
        }
        if let (Some(first), false) = (self.results.first(), self.versus.is_empty()) {
            out.push(String::new());
            out.push(format!(
                "{} minus each: difference [95% paired bootstrap interval, {} resamples of whole {}]; * where it leaves out 0",
                first.algorithm,
                paired::RESAMPLES,
                self.resampled
            ));
            out.push(String::new());
            let recall = if self.recall { " R@20 |" } else { "" };
            out.push(format!("| {} minus | HR@20 | MRR@20 |{recall}", first.algorithm));
            out.push(format!("|---|---:|---:|{}", if self.recall { "---:|" } else { "" }));
            for v in &self.versus {
                let recall = if self.recall { format!(" {} |", v.recall20.render()) } else { String::new() };
                out.push(format!("| {} | {} | {} |{recall}", v.algorithm, v.hr20.render(), v.mrr20.render()));
            }
        }
        out
    }
}

impl Report {
    /// Every section's table, with the notes.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!("{} (bundle {})", self.dataset, self.bundle_version)];
        for n in &self.notes {
            out.push(format!("  {n}"));
        }
        for s in &self.sections {
            out.push(String::new());
            out.extend(s.table());
        }
        out
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serialises") + "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_row_per_recommender() {
        let m = Summary {
            predictions: 3,
            hr: [0.5, 0.6, 0.7],
            mrr: [0.1, 0.2, 0.3],
            recall: [0.0; 3],
            coverage: 0.25,
            popularity: 0.05,
        };
        let scored = |name: &str, hits: &[f64]| Scored {
            name: name.into(),
            summary: m.clone(),
            outcomes: hits.iter().map(|&h| paired::Outcome { hit: h, rr: h, recall: h / 2.0 }).collect(),
        };
        let s = Section::new(
            "test",
            false,
            vec![scored("vitrine", &[1.0, 1.0, 0.0]), scored("POP", &[0.0, 1.0, 0.0])],
            &[0, 1, 2],
        );
        let t = s.table();
        assert_eq!(t[0], "test (3 predictions)");
        assert_eq!(t[2], "| algorithm | HR@5 | MRR@5 | HR@10 | MRR@10 | HR@20 | MRR@20 | COV@20 | POP@20 |");
        assert_eq!(t[4], "| vitrine | 0.5000 | 0.1000 | 0.6000 | 0.2000 | 0.7000 | 0.3000 | 0.2500 | 0.0500 |");
        assert_eq!(t[7], "vitrine minus each: difference [95% paired bootstrap interval, 2000 resamples of whole sessions]; * where it leaves out 0");
        assert!(t[11].starts_with("| POP | +0.3333 [+0.0000, +1.0000]"), "{}", t[11]);
        assert_eq!(t.len(), 12);
        let r = Report { dataset: "d".into(), bundle_version: "v".into(), sections: vec![s], notes: vec![] };
        let j: serde_json::Value = serde_json::from_str(&r.json()).unwrap();
        assert_eq!(j["sections"][0]["results"][1]["algorithm"], "POP");
        assert_eq!(j["sections"][0]["results"][0]["hr"][2], 0.7);
        assert_eq!(j["sections"][0]["versus"][0]["algorithm"], "POP");
        assert!(j["sections"][0]["versus"][0]["mrr20"]["low"].is_number());
        assert_eq!(j["sections"][0]["resampled"], "sessions");
        // Basket completion shows recall, and its intervals resample shoppers.
        let basket = Section::new("b", true, vec![scored("vitrine", &[1.0]), scored("repeat", &[0.0])], &[0]);
        let t = basket.table();
        assert!(t[7].contains("2000 resamples of whole users]"), "{}", t[7]);
        assert_eq!(t[9], "| vitrine minus | HR@20 | MRR@20 | R@20 |");
        assert_eq!(
            t[11],
            "| repeat | +1.0000 [+1.0000, +1.0000] * | +1.0000 [+1.0000, +1.0000] * | +0.5000 [+0.5000, +0.5000] * |"
        );
    }
}
