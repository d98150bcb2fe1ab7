//! How long printing a number takes: the core's shortest-digits code (what GrowthBook's
//! string coercions and error messages use, `src/growthbook/shortest.rs`) beside core's
//! own `{:e}`, which it replaced to keep 20 KB out of the wasm module. Median of 15
//! rounds of 20,000 calls per number, both measured in the same round.
//!
//!     cargo bench --bench numbers

use std::fmt::Write;
use std::hint::black_box;
use std::time::Instant;

use vitrine::growthbook::number::number_to_string;

fn per_call_ns(mut f: impl FnMut()) -> f64 {
    const CALLS: u32 = 20_000;
    let t = Instant::now();
    for _ in 0..CALLS {
        f();
    }
    t.elapsed().as_secs_f64() * 1e9 / f64::from(CALLS)
}

fn main() {
    println!("| number | shortest digits (ns) | core `{{:e}}` (ns) |");
    println!("|---:|---:|---:|");
    for x in [7.0, 123_456.0, 1_700_000_000_000.0, 0.25, 19.99, 1.0 / 3.0, 2f64.powi(-25), 1e-300] {
        let mut text = String::new();
        let (mut ours, mut core) = (Vec::new(), Vec::new());
        for _ in 0..15 {
            ours.push(per_call_ns(|| {
                text.clear();
                number_to_string(black_box(x), &mut text);
                black_box(&text);
            }));
            core.push(per_call_ns(|| {
                text.clear();
                let _ = write!(text, "{:e}", black_box(x));
                black_box(&text);
            }));
        }
        ours.sort_by(f64::total_cmp);
        core.sort_by(f64::total_cmp);
        text.clear();
        number_to_string(x, &mut text);
        println!("| {text} | {:.0} | {:.0} |", ours[7], core[7]);
    }
}
