//! The evaluation's report: a Markdown table per set of predictions (what the README
//! shows), and the same numbers as JSON (`--json`).

use serde::Serialize;

use super::metrics::Summary;

/// One set of predictions and every recommender's metrics on it.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub title: String,
    /// Show recall (basket completion has several targets per prediction).
    pub recall: bool,
    pub results: Vec<Row>,
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
    pub fn new(title: impl Into<String>, recall: bool, results: Vec<(String, Summary)>) -> Section {
        Section {
            title: title.into(),
            recall,
            results: results.into_iter().map(|(algorithm, metrics)| Row { algorithm, metrics }).collect(),
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
        let s = Section::new("test", false, vec![("vitrine".into(), m.clone()), ("POP".into(), m)]);
        let t = s.table();
        assert_eq!(t[0], "test (3 predictions)");
        assert_eq!(t[2], "| algorithm | HR@5 | MRR@5 | HR@10 | MRR@10 | HR@20 | MRR@20 | COV@20 | POP@20 |");
        assert_eq!(t[4], "| vitrine | 0.5000 | 0.1000 | 0.6000 | 0.2000 | 0.7000 | 0.3000 | 0.2500 | 0.0500 |");
        assert_eq!(t.len(), 6);
        let r = Report { dataset: "d".into(), bundle_version: "v".into(), sections: vec![s], notes: vec![] };
        let j: serde_json::Value = serde_json::from_str(&r.json()).unwrap();
        assert_eq!(j["sections"][0]["results"][1]["algorithm"], "POP");
        assert_eq!(j["sections"][0]["results"][0]["hr"][2], 0.7);
    }
}
