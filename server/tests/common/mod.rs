//! What the server's integration tests share.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A directory for a test's files, under cargo's `CARGO_TARGET_TMPDIR` rather than /tmp: a
/// run replaces what the last one left instead of adding a directory per process, and
/// `cargo clean` removes it. The first call for `name` in a process empties it; later calls
/// share it. Names are unique across the test binaries.
pub fn scratch(name: &str) -> PathBuf {
    static EMPTIED: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let mut emptied = EMPTIED.lock().unwrap_or_else(|e| e.into_inner());
    if !emptied.iter().any(|n| n == name) {
        let _ = std::fs::remove_dir_all(&dir);
        emptied.push(name.to_owned());
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
