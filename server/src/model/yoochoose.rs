//! The YooChoose (RecSys Challenge 2015) click files as session-rec prepares them:
//! tab-separated, header `SessionId ItemId Time`, the time in (fractional) unix seconds.
//! Every row is a click, read as a view.

use std::path::Path;

use super::events::{At, Event, Kind, Sink, MAX_TIME_MS};
use super::table::Table;
use crate::error::CliError;

const COLUMNS: &[&str] = &["SessionId", "ItemId", "Time"];

/// Reads the clicks of `path` into `sink`, in file order; returns the number read.
pub fn read(path: &Path, sink: &mut Sink<'_>) -> Result<u64, CliError> {
    let mut t = Table::open_with(path, COLUMNS, &[], b'\t')?;
    let mut n = 0;
    while let Some(row) = t.next_row()? {
        let at = At { path, line: row.line() };
        let (session, item, time) = (row.text(0), row.text(1), row.text(2));
        if session.is_empty() || item.is_empty() {
            return Err(at.malformed("SessionId and ItemId must not be empty"));
        }
        let secs: f64 = time.parse().map_err(|_| at.bad_time(format!("Time {time:?} is not unix seconds")))?;
        let ms = (secs * 1000.0).round();
        if !(ms.is_finite() && ms >= 0.0 && ms <= MAX_TIME_MS as f64) {
            return Err(at.bad_time(format!("Time {time:?} is not unix seconds after 1970")));
        }
        sink(&Event { session, item, kind: Kind::View, time: ms as u64, value: None, cohort: None }, row.bytes_read())?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_session_rec_files_and_names_bad_rows() {
        let dir = crate::scratch_dir("yc");
        let path = dir.join("clicks.txt");
        std::fs::write(&path, "SessionId\tItemId\tTime\n1\t214536502\t1396860669.277\n1\t214536506\t1396860886.998\n")
            .unwrap();
        let mut got = Vec::new();
        let n = read(&path, &mut |e, _| {
            got.push((e.session.to_owned(), e.item.to_owned(), e.time));
            Ok(())
        })
        .unwrap();
        assert_eq!(n, 2);
        assert_eq!(got[0], ("1".into(), "214536502".into(), 1_396_860_669_277));
        std::fs::write(&path, "SessionId\tItemId\tTime\n1\t2\tnoon\n").unwrap();
        let e = read(&path, &mut |_, _| Ok(())).unwrap_err();
        assert_eq!(e.code(), "E_BAD_TIMESTAMP");
        assert!(e.to_string().contains("clicks.txt:2:"), "{e}");
        std::fs::write(&path, "Session\tItemId\tTime\n").unwrap();
        assert_eq!(read(&path, &mut |_, _| Ok(())).unwrap_err().code(), "E_MISSING_COLUMN");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
