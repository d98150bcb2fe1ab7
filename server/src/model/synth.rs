//! Synthetic event histories in the generic CSV format, for the scale benchmark
//! (`vitrine model synth`, `scripts/bench-model.sh`).
//!
//! The shape is a shop's: items fall into clusters of [`CLUSTER`] (a category, a brand
//! line); a visit mostly stays in one cluster, with one event in five anywhere; a few
//! clusters and a few items in each are far more popular than the rest (squared and
//! cubed uniforms, a cheap heavy tail); visits are 1 + geometric(mean 7) events long,
//! 3% of events put an item in the cart and 2% buy it. Thirty-two visits are in flight
//! at once and their events interleave in time order, as in a live log, so the build's
//! sessionizer does real work. Deterministic for a seed.

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::CliError;

/// Items per cluster.
pub const CLUSTER: u64 = 50;
/// Visits in flight at once.
const IN_FLIGHT: usize = 32;
/// 2024-01-01T00:00:00Z: the histories start here.
const START_MS: u64 = 1_704_067_200_000;

/// xorshift64*: fast, and the same numbers on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Visit {
    id: u64,
    cluster: u64,
    left: u32,
    time: u64,
}

/// Writes `events` synthetic events over `items` items to `out` (CSV); returns the
/// number of visits.
pub fn write(out: &Path, events: u64, items: u64, seed: u64) -> Result<u64, CliError> {
    let err = |source| CliError::Write { path: out.to_owned(), source };
    let file = std::fs::File::create(out).map_err(err)?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    w.write_all(b"session,item,type,time\n").map_err(err)?;
    let items = items.max(CLUSTER);
    let clusters = items / CLUSTER;
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut next_id = 0u64;
    let mut clock = START_MS;
    let mut new_visit = |rng: &mut Rng, clock: u64| {
        next_id += 1;
        // 1 + geometric with mean 7: -7 ln(u).
        let left = 1 + (-7.0 * (1.0 - rng.unit()).ln()).min(200.0) as u32;
        let cluster = (rng.unit().powi(2) * clusters as f64) as u64;
        Visit { id: next_id, cluster, left, time: clock }
    };
    let mut flight: Vec<Visit> = (0..IN_FLIGHT).map(|_| new_visit(&mut rng, clock)).collect();
    let mut line = Vec::with_capacity(64);
    for _ in 0..events {
        let k = (rng.next() % IN_FLIGHT as u64) as usize;
        let v = &mut flight[k];
        let item = if rng.next().is_multiple_of(5) {
            (rng.unit().powi(3) * items as f64) as u64
        } else {
            v.cluster * CLUSTER + (rng.unit().powi(2) * CLUSTER as f64) as u64
        };
        let kind = match rng.next() % 100 {
            0..=2 => "cart",
            3..=4 => "purchase",
            _ => "view",
        };
        // Events 5 to 65 s apart within a visit; the log's clock is the latest event.
        v.time += 5_000 + rng.next() % 60_000;
        clock = clock.max(v.time);
        line.clear();
        let _ = writeln!(line, "s{},i{},{kind},{}", v.id, item, v.time);
        w.write_all(&line).map_err(err)?;
        v.left -= 1;
        if v.left == 0 {
            flight[k] = new_visit(&mut rng, clock);
        }
    }
    w.flush().map_err(err)?;
    Ok(next_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_readable_deterministic_events() {
        let dir = crate::scratch_dir("synth");
        let (a, b) = (dir.join("a.csv"), dir.join("b.csv"));
        write(&a, 2000, 500, 7).unwrap();
        write(&b, 2000, 500, 7).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        let mut n = 0;
        let mut kinds = [0; 3];
        crate::model::events::read(&a, &mut |e, _| {
            n += 1;
            kinds[e.kind as usize] += 1;
            assert!(e.item.starts_with('i') && e.time > START_MS);
            Ok(())
        })
        .unwrap();
        assert_eq!(n, 2000);
        assert!(kinds[0] > 1800 && kinds[2] > 10, "{kinds:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
