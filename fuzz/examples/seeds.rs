//! Writes valid inputs for every target into `<dir>/<target>/` (default `corpus`), so
//! each fuzzing run starts from real snapshots instead of empty input:
//! `cargo run --example seeds -- corpus`.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "corpus".into()));
    let mut n = 0;
    for (k, (target, bytes)) in vitrine_fuzz::seeds().into_iter().enumerate() {
        let d = dir.join(target);
        std::fs::create_dir_all(&d)?;
        std::fs::write(d.join(format!("seed-{k:02}")), bytes)?;
        n += 1;
    }
    println!("wrote {n} seeds under {}", dir.display());
    Ok(())
}
