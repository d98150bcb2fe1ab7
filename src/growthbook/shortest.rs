//! The shortest decimal digits that read back as a given double, and the closest such
//! digits when there is a choice: what `Number.prototype.toString()` prints.
//!
//! Written here rather than taken from `format!("{x:e}")` because core's float formatting
//! (Grisu with a Dragon4 fallback, shortest and fixed-precision, and the `Formatter`
//! plumbing) comes to about 20 KB of the wasm module, which has a 200 KB budget. This is
//! the free-format algorithm of Steele & White as Burger & Dybvig state it ("Printing
//! Floating-Point Numbers Quickly and Accurately", PLDI 1996): exact big-integer
//! arithmetic throughout, no tables. Numbers are formatted rarely (GrowthBook attribute
//! values, error messages), so the fast paths of Grisu or Ryū are not worth their size.

use std::cmp::Ordering;

/// The digits of a finite `x > 0`, and `n` such that `x = 0.d1d2... × 10^n`.
pub(crate) fn shortest(x: f64) -> (Vec<u8>, i32) {
    debug_assert!(x.is_finite() && x > 0.0);
    if x < 9_007_199_254_740_992.0 && x.fract() == 0.0 {
        return integer(x as u64);
    }
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    // x = f × 2^e exactly; subnormals have no hidden bit and the smallest exponent.
    let (f, e) = if biased == 0 { (fraction, -1074) } else { (fraction | 1 << 52, biased - 1075) };
    // The gap to the next double up is twice the gap down only at a power of two.
    let uneven = fraction == 0 && biased > 1;
    // Reading rounds halfway cases to even, so with an even f the boundaries read back as x.
    let inclusive = f % 2 == 0;

    // x = r/s, and the doubles' midpoints with their neighbours are (r ± m)/s.
    let (mut r, mut s, mut m_plus, mut m_minus);
    if e >= 0 {
        let gap = Big::from(1).shl(e as u32);
        if uneven {
            r = Big::from(f).shl(e as u32 + 2);
            s = Big::from(4);
            m_plus = gap.clone().shl(1);
        } else {
            r = Big::from(f).shl(e as u32 + 1);
            s = Big::from(2);
            m_plus = gap.clone();
        }
        m_minus = gap;
    } else if uneven {
        r = Big::from(f).shl(2);
        s = Big::from(1).shl((2 - e) as u32);
        m_plus = Big::from(2);
        m_minus = Big::from(1);
    } else {
        r = Big::from(f).shl(1);
        s = Big::from(1).shl((1 - e) as u32);
        m_plus = Big::from(1);
        m_minus = Big::from(1);
    }

    // k: the smallest power of ten above the upper midpoint. The binary exponent times
    // log10(2) gives it within one; the two loops below settle it.
    let top_bit = e + 63 - f.leading_zeros() as i32;
    let mut k = (i64::from(top_bit + 1) * 30_102_999_566).div_euclid(100_000_000_000) as i32;
    if k >= 0 {
        s.mul_pow10(k as u32);
    } else {
        let up = (-k) as u32;
        r.mul_pow10(up);
        m_plus.mul_pow10(up);
        m_minus.mul_pow10(up);
    }
    let high_reaches = |r: &Big, m_plus: &Big, s: &Big| {
        let c = r.add(m_plus).cmp(s);
        c == Ordering::Greater || (inclusive && c == Ordering::Equal)
    };
    while high_reaches(&r, &m_plus, &s) {
        s.mul_small(10);
        k += 1;
    }
    loop {
        let (mut r10, mut m10) = (r.clone(), m_plus.clone());
        r10.mul_small(10);
        m10.mul_small(10);
        if high_reaches(&r10, &m10, &s) {
            break;
        }
        (r, m_plus) = (r10, m10);
        m_minus.mul_small(10);
        k -= 1;
    }

    let mut digits = Vec::with_capacity(17);
    loop {
        r.mul_small(10);
        m_plus.mul_small(10);
        m_minus.mul_small(10);
        let mut d = 0u8;
        while r.cmp(&s) != Ordering::Less {
            r.sub_assign(&s);
            d += 1;
        }
        let c = r.cmp(&m_minus);
        let low = c == Ordering::Less || (inclusive && c == Ordering::Equal);
        let high = high_reaches(&r, &m_plus, &s);
        if !low && !high {
            digits.push(d);
            continue;
        }
        // Both neighbours read back: take the closer, and the even one on a tie.
        let up = match (low, high) {
            (true, false) => false,
            (false, true) => true,
            _ => match r.clone().shl(1).cmp(&s) {
                Ordering::Less => false,
                Ordering::Greater => true,
                Ordering::Equal => d % 2 == 1,
            },
        };
        // The digit cannot carry: the previous step left r + m_plus below s.
        digits.push(d + u8::from(up));
        return (digits, k);
    }
}

/// The digits of an integer below 2^53, the common case (ids, counts): below 2^53 every
/// integer is a double of its own, so no shorter digits read back as it, and no
/// arithmetic is needed beyond stripping its trailing zeros. Eight times faster here.
fn integer(mut v: u64) -> (Vec<u8>, i32) {
    let mut digits = Vec::with_capacity(16);
    while v > 0 {
        digits.push((v % 10) as u8);
        v /= 10;
    }
    let n = digits.len() as i32;
    digits.reverse();
    while digits.last() == Some(&0) {
        digits.pop();
    }
    (digits, n)
}

/// A non-negative integer, little-endian in 32-bit limbs, no high zero limbs.
#[derive(Clone)]
struct Big(Vec<u32>);

impl Big {
    fn from(v: u64) -> Big {
        let mut b = Big(vec![v as u32, (v >> 32) as u32]);
        b.trim();
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn shl(mut self, bits: u32) -> Big {
        let (limbs, bits) = ((bits / 32) as usize, bits % 32);
        if bits > 0 {
            let mut carry = 0;
            for limb in &mut self.0 {
                let wide = (u64::from(*limb) << bits) | carry;
                *limb = wide as u32;
                carry = wide >> 32;
            }
            self.0.push(carry as u32);
        }
        self.0.splice(0..0, std::iter::repeat_n(0, limbs));
        self.trim();
        self
    }

    fn mul_small(&mut self, by: u32) {
        let mut carry = 0u64;
        for limb in &mut self.0 {
            let wide = u64::from(*limb) * u64::from(by) + carry;
            *limb = wide as u32;
            carry = wide >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn mul_pow10(&mut self, mut k: u32) {
        while k >= 9 {
            self.mul_small(1_000_000_000);
            k -= 9;
        }
        self.mul_small(10u32.pow(k));
    }

    fn add(&self, other: &Big) -> Big {
        let (long, short) = if self.0.len() >= other.0.len() { (self, other) } else { (other, self) };
        let mut out = Vec::with_capacity(long.0.len() + 1);
        let mut carry = 0u64;
        for (i, &limb) in long.0.iter().enumerate() {
            let wide = u64::from(limb) + u64::from(short.0.get(i).copied().unwrap_or(0)) + carry;
            out.push(wide as u32);
            carry = wide >> 32;
        }
        if carry > 0 {
            out.push(carry as u32);
        }
        Big(out)
    }

    /// self -= other, for other <= self.
    fn sub_assign(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for (i, limb) in self.0.iter_mut().enumerate() {
            let wide = i64::from(*limb) - i64::from(other.0.get(i).copied().unwrap_or(0)) - borrow;
            *limb = wide.rem_euclid(1 << 32) as u32;
            borrow = i64::from(wide < 0);
        }
        self.trim();
    }

    fn cmp(&self, other: &Big) -> Ordering {
        self.0.len().cmp(&other.0.len()).then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Core's `{:e}` (Grisu, exact by Dragon4 where Grisu cannot decide) is the reference.
    fn reference(x: f64) -> (Vec<u8>, i32) {
        let sci = format!("{x:e}");
        let (mantissa, exp) = sci.split_once('e').unwrap();
        let digits = mantissa.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
        (digits, exp.parse::<i32>().unwrap() + 1)
    }

    #[test]
    fn digits_agree_with_core_on_edges_and_random_doubles() {
        let mut cases = vec![
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::from_bits(1),
            f64::from_bits((1 << 52) - 1),
            f64::EPSILON,
            0.1,
            0.3,
            1.0 / 3.0,
            5e-324,
            1e21,
            1e22,
            1e23,
            9007199254740991.0,
            9007199254740993.0,
            1700000000000.0,
            123456789012345680.0,
        ];
        for p in -1074..1024 {
            let two = 2f64.powi(p);
            cases.extend([two, f64::from_bits(two.to_bits() + 1), f64::from_bits(two.to_bits().saturating_sub(1))]);
        }
        for p in -323..309 {
            cases.push(format!("1e{p}").parse().unwrap());
        }
        for i in 1..20_000u32 {
            cases.push(f64::from(i));
            cases.push(f64::from(i) / 100.0);
        }
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..60_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            cases.push(f64::from_bits(state >> 1));
        }
        let mut ties = 0;
        for x in cases.into_iter().filter(|x| x.is_finite() && *x > 0.0) {
            let (ours, core) = (shortest(x), reference(x));
            if ours != core {
                // Core rounds a tie between two shortest candidates up; JavaScript takes
                // the even one (V8: String(2 ** -25) is "2.9802322387695312e-8").
                let exact = format!("{x:.1100e}");
                let exact: Vec<u8> =
                    exact[..exact.find('e').unwrap()].bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
                let n = ours.0.len();
                let mut up = ours.0.clone();
                up[n - 1] += 1;
                assert!(ours.0[n - 1] % 2 == 0 && core == (up, ours.1), "{x:e}: {ours:?} against {core:?}");
                assert!(
                    exact[..n] == ours.0[..] && exact[n] == 5 && exact[n + 1..].iter().all(|&d| d == 0),
                    "{x:e} is not halfway"
                );
                ties += 1;
            }
        }
        assert!(ties > 0, "the cases include ties, such as 2^-25");
    }
}
