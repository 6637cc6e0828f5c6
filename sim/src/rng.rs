//! A small seeded pseudo-random generator, so the demo fleet is reproducible byte for byte.
//!
//! Why not `rand`: its algorithms and distribution implementations may change between major
//! versions, and "same seed → same fleet" is a promise the tests and the demo make. SplitMix64
//! is tiny, fast, well-distributed for this purpose, and frozen here.

/// SplitMix64 generator with the helpers the fleet generator needs.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

const BASE62: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng {
            state: seed ^ 0x5DEE_CE66_D1CE_4E5B,
        }
    }

    /// An independent stream derived from this seed and a label (e.g. an Actor's index), so
    /// adding one consumer does not shift every other one.
    pub fn derive(seed: u64, label: u64) -> Rng {
        let mut r = Rng::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ label);
        r.next_u64();
        Rng::new(r.next_u64() ^ label.rotate_left(17))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[lo, hi)`.
    pub fn range_f64(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    /// Uniform integer in `[lo, hi]` (inclusive).
    pub fn range_u64(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next_u64() % (hi - lo + 1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.f64().max(1e-12);
        let u2 = self.f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Log-normal with the given median and shape `sigma`.
    pub fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.pick_index(items.len())]
    }

    /// The index [`Rng::pick`] would pick among `len` items (the same draw).
    pub fn pick_index(&mut self, len: usize) -> usize {
        (self.next_u64() % len as u64) as usize
    }

    pub fn pick_copy<T: Copy>(&mut self, items: &[T]) -> T {
        *self.pick(items)
    }

    pub fn weighted_copy<T: Copy>(&mut self, items: &[(T, f64)]) -> T {
        *self.weighted(items)
    }

    /// Picks by weight; weights need not sum to 1.
    pub fn weighted<'a, T>(&mut self, items: &'a [(T, f64)]) -> &'a T {
        let total: f64 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.f64() * total;
        for (item, w) in items {
            if x < *w {
                return item;
            }
            x -= w;
        }
        &items[items.len() - 1].0
    }

    /// An Apify-style object id: 17 ASCII letters and digits.
    pub fn apify_id(&mut self) -> String {
        self.alnum(17)
    }

    pub fn alnum(&mut self, len: usize) -> String {
        let mut out = String::with_capacity(len);
        let mut bits = self.next_u64();
        let mut left = 10; // 10 × 6 bits from one u64
        while out.len() < len {
            if left == 0 {
                bits = self.next_u64();
                left = 10;
            }
            let v = (bits & 63) as usize;
            bits >>= 6;
            left -= 1;
            if v < 62 {
                out.push(BASE62[v] as char);
            }
        }
        out
    }
}

/// FNV-1a, for deriving per-object random streams from ids.
pub fn hash_str(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_ids_have_apify_shape() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        let id = a.apify_id();
        assert_eq!(id.len(), 17);
        assert!(id.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(Rng::derive(1, 2).next_u64(), Rng::derive(1, 3).next_u64());
    }

    #[test]
    fn distributions_are_sane() {
        let mut r = Rng::new(1);
        let n = 20_000;
        let mean: f64 = (0..n).map(|_| r.f64()).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
        let mut v: Vec<f64> = (0..n).map(|_| r.lognormal(100.0, 0.5)).collect();
        v.sort_by(f64::total_cmp);
        let median = v[n / 2];
        assert!((90.0..110.0).contains(&median), "{median}");
        let hits = (0..n).filter(|_| r.chance(0.2)).count() as f64 / n as f64;
        assert!((hits - 0.2).abs() < 0.02);
    }
}
