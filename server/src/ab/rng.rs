//! A small, seedable random number generator for the calibration's simulations:
//! xoshiro256** (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
//! 2021), seeded through SplitMix64 as its authors recommend.
//!
//! Written here rather than taken from `rand` so a published figure stays reproducible
//! from its seed for as long as this file does: `rand`'s generators and distributions
//! may change their streams between major versions.

/// SplitMix64's output function, the core's hasher finaliser: turns (seed, run) into
/// well-separated states.
pub use vitrine::hash::mix64;

/// SplitMix64 (Steele, Lea & Flood 2014).
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix64(self.0)
    }
}

/// xoshiro256**.
#[derive(Debug, Clone)]
pub struct Xoshiro256([u64; 4]);

impl Xoshiro256 {
    /// The generator for stream `stream` of `seed`: each (seed, stream) pair gets its own
    /// state, so runs can be simulated on any thread in any order and give the same result.
    pub fn stream(seed: u64, stream: u64) -> Self {
        let mut sm = SplitMix64(seed ^ mix64(stream.wrapping_add(0x5851_f42d_4c95_7f2d)));
        Xoshiro256([sm.next_u64(), sm.next_u64(), sm.next_u64(), sm.next_u64()])
    }

    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1), 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal, by the Box–Muller transform (one of the pair; the calibration
    /// draws few enough normals that the second is not worth keeping).
    pub fn normal(&mut self) -> f64 {
        // 1 − u is in (0, 1], so the logarithm is finite.
        let r = (-2.0 * (1.0 - self.uniform()).ln()).sqrt();
        r * (std::f64::consts::TAU * self.uniform()).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_streams() {
        // SplitMix64 from 0 and xoshiro256** from {1, 2, 3, 4}: the authors' reference outputs.
        let mut sm = SplitMix64(0);
        assert_eq!((sm.next_u64(), sm.next_u64()), (0xe220_a839_7b1d_cdaf, 0x6e78_9e6a_a1b9_65f4));
        let mut x = Xoshiro256([1, 2, 3, 4]);
        let got: Vec<u64> = (0..4).map(|_| x.next_u64()).collect();
        assert_eq!(got, [11_520, 0, 1_509_978_240, 1_215_971_899_390_074_240]);
    }

    #[test]
    fn streams_differ_and_repeat() {
        let a: Vec<u64> = (0..3)
            .map({
                let mut r = Xoshiro256::stream(7, 0);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..3)
            .map({
                let mut r = Xoshiro256::stream(7, 0);
                move |_| r.next_u64()
            })
            .collect();
        let c: Vec<u64> = (0..3)
            .map({
                let mut r = Xoshiro256::stream(7, 1);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn normals_have_mean_zero_and_variance_one() {
        let mut r = Xoshiro256::stream(1, 2);
        let n = 200_000;
        let draws: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n as f64;
        // Standard errors: 1/√n = 0.0022 for the mean, √(2/n) = 0.0032 for the variance.
        assert!(mean.abs() < 0.01 && (var - 1.0).abs() < 0.015, "mean {mean}, variance {var}");
        let u: f64 = (0..n).map(|_| r.uniform()).sum::<f64>() / n as f64;
        assert!((u - 0.5).abs() < 0.003, "{u}");
    }
}
