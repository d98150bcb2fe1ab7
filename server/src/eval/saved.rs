//! Recommendation lists saved by session-rec (its `Saver` metric): one row per
//! prediction, `SessionId;Position;Recommendations;Scores`, the recommendations a comma
//! list best first. Scored by our metrics they prove the evaluator (their published
//! HR@20 and MRR@20 must come out), and they fix the exact predictions vitrine is
//! compared on.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::{Case, Recommender, Vocab};
use crate::error::CliError;
use crate::model::table::{parse_whole, Table};

/// One algorithm's saved lists.
pub struct Saved {
    name: String,
    lists: HashMap<(String, usize), Vec<u32>>,
}

impl Saved {
    /// Reads `path`; ids the vocabulary does not know are dropped from the lists (the
    /// evaluator could never match them).
    pub fn read(path: &Path, name: impl Into<String>, vocab: &Vocab) -> Result<Saved, CliError> {
        let mut t = Table::open_with(path, &["SessionId", "Position", "Recommendations"], &[], b';')?;
        let mut lists = HashMap::new();
        while let Some(row) = t.next_row()? {
            let position = parse_whole(row.text(1))
                .ok_or_else(|| row.error(format!("Position {:?} is not a whole number", row.text(1))))?;
            let list = row.text(2).split(',').filter_map(|id| vocab.get(id.trim())).collect();
            if lists.insert((row.text(0).to_owned(), position as usize), list).is_some() {
                return Err(row.error("a second list for this session and position"));
            }
        }
        Ok(Saved { name: name.into(), lists })
    }

    /// The (session, position) pairs it has lists for.
    pub fn keys(&self) -> HashSet<(String, usize)> {
        self.lists.keys().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.lists.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }
}

impl Recommender for Saved {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn recommend(&mut self, case: &Case, k: usize, out: &mut Vec<u32>) {
        out.clear();
        if let Some(list) = self.lists.get(&(case.session.clone(), case.position)) {
            out.extend(list.iter().take(k));
        }
    }
}

/// The saved lists in `dir`: files `recoms_<anything>_<algorithm>.csv`, named after the
/// algorithm in upper case (`ar` -> AR, `gru4rec` -> GRU4REC), sorted by name.
pub fn read_dir(dir: &Path, vocab: &Vocab) -> Result<Vec<Saved>, CliError> {
    let entries = std::fs::read_dir(dir).map_err(|source| CliError::Read { path: dir.to_owned(), source })?;
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let algorithm = stem.rsplit('_').next().unwrap_or(stem);
        let name = match algorithm {
            "gru4rec" => "GRU4Rec".to_owned(),
            a => a.to_uppercase(),
        };
        out.push(Saved::read(&p, format!("{name} (saved)"), vocab)?);
    }
    if out.is_empty() {
        return Err(CliError::NoData(format!("{} holds no saved lists (*.csv)", dir.display())));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lists_by_session_and_position() {
        let dir = crate::scratch_dir("saved");
        std::fs::write(
            dir.join("recoms_x_vsknn.csv"),
            "SessionId;Position;Recommendations;Scores\n1;0;7,8,99;1,0.5,0.1\n1;1;8;1\n",
        )
        .unwrap();
        let mut vocab = Vocab::default();
        vocab.intern("7");
        vocab.intern("8");
        let mut saved = read_dir(&dir, &vocab).unwrap();
        assert_eq!(saved.len(), 1);
        assert_eq!(saved[0].name(), "VSKNN (saved)");
        let mut out = Vec::new();
        let case = Case { session: "1".into(), position: 0, ..Case::default() };
        saved[0].recommend(&case, 20, &mut out);
        assert_eq!(out, [0, 1], "99 is not in the vocabulary");
        assert_eq!(saved[0].keys().len(), 2);
        std::fs::write(dir.join("recoms_x_vsknn.csv"), "SessionId;Position;Recommendations\n1;x;7\n").unwrap();
        assert_eq!(read_dir(&dir, &vocab).err().unwrap().code(), "E_MALFORMED_INPUT");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
