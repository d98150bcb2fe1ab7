//! vitrine's native side: the command-line tools (and, later, the snapshot server).
//!
//! `vitrine model build` learns a catalogue bundle from event history ([`model`]);
//! `vitrine eval` replays held-out sessions through the engine against baselines
//! ([`eval`]); `vitrine tune` searches the configuration on validation data ([`tune`]);
//! `vitrine ab simulate`, `analyze` and `calibrate` run, analyse and calibrate A/B tests
//! from exposure and conversion events ([`events`], [`ab`]); `vitrine demo` writes the
//! README demo's bundle, stock and sample shoppers ([`demo`]).
//! The binary (`src/main.rs`) only prints what [`cli::run`] returns.

pub mod ab;
pub mod cli;
pub mod demo;
pub mod error;
pub mod eval;
pub mod events;
pub mod model;
pub mod progress;
pub mod tune;

/// Command-line arguments from string literals, for the commands' unit tests.
#[cfg(test)]
pub(crate) fn test_args(list: &[&str]) -> Vec<std::ffi::OsString> {
    list.iter().map(std::ffi::OsString::from).collect()
}

/// The message of the usage error `run` gives for `list`; panics on anything else.
#[cfg(test)]
pub(crate) fn usage_error_of(
    run: fn(&[std::ffi::OsString]) -> Result<Vec<String>, error::CliError>,
    list: &[&str],
) -> String {
    match run(&test_args(list)) {
        Err(e @ error::CliError::Usage(_)) => e.to_string(),
        other => panic!("expected a usage error for {list:?}, got {other:?}"),
    }
}

/// A plain product of `category` at 1.00, for tests that build bundles.
#[cfg(test)]
pub(crate) fn test_product(id: &str, category: &str) -> vitrine::bundle::Product {
    use vitrine::codec::Id;
    vitrine::bundle::Product {
        id: Id(id.into()),
        name: id.into(),
        category: Id(category.into()),
        brand: None,
        price: 100,
        flags: vec![],
        margin: None,
        url: None,
        image: None,
    }
}

/// A directory `root/name` for tests' files, emptied the first time a process asks for it
/// and shared by later calls. Tests keep their files under the target directory (integration
/// tests: `CARGO_TARGET_TMPDIR`) rather than /tmp, so a run replaces what the last one left
/// instead of adding a directory per process, and `cargo clean` removes it.
#[doc(hidden)]
pub fn test_scratch(root: &std::path::Path, name: &str) -> std::path::PathBuf {
    static EMPTIED: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());
    let dir = root.join(name);
    let mut emptied = EMPTIED.lock().unwrap_or_else(|e| e.into_inner());
    if !emptied.contains(&dir) {
        let _ = std::fs::remove_dir_all(&dir);
        emptied.push(dir.clone());
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// [`test_scratch`] for unit tests.
#[cfg(test)]
pub(crate) fn scratch_dir(name: &str) -> std::path::PathBuf {
    test_scratch(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tmp/server-unit"), name)
}
