//! What the server's integration tests share.

use std::path::{Path, PathBuf};

/// A directory for a test's files under `CARGO_TARGET_TMPDIR`, emptied on first use in a
/// process ([`vitrine_server::test_scratch`]). Names are unique across the test binaries.
pub fn scratch(name: &str) -> PathBuf {
    vitrine_server::test_scratch(Path::new(env!("CARGO_TARGET_TMPDIR")), name)
}
