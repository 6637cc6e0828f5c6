//! Ids of runs and of their default storages, derived from the seed and the run's number instead
//! of stored.
//!
//! A 1,000-Actor account holds about a million runs, and each run has four ids (the run, its
//! dataset, key-value store and request queue). Stored as strings they were most of the
//! account's memory, and finding one meant scanning every run. Here an id is a keyed,
//! invertible scramble of `(kind, run number)`, written as 17 base62 characters like Apify's
//! own ids: [`derived`] makes one, [`parse`] turns one back into its kind and number in
//! constant time, so a run or storage is found without any index. The characters carry 37 check
//! bits besides the 64-bit scramble, so an arbitrary 17-character id (a client's typo, an id from
//! another seed, an id of a storage created through the API) is all but never taken for a run's.
//!
//! Other ids (the user, Actors, builds, named storages, what requests create) come from the
//! seeded generator (`crate::rng::Rng::apify_id`) as before: there are few of them.

use crate::rng::Rng;

/// What a derived id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Run = 1,
    Dataset = 2,
    KeyValueStore = 3,
    RequestQueue = 4,
}

impl IdKind {
    fn from_tag(tag: u64) -> Option<IdKind> {
        Some(match tag {
            1 => IdKind::Run,
            2 => IdKind::Dataset,
            3 => IdKind::KeyValueStore,
            4 => IdKind::RequestQueue,
            _ => return None,
        })
    }
}

const BASE62: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Characters in an Apify id.
pub const ID_LEN: usize = 17;
/// Check bits above the 64-bit scramble: 64 + 37 = 101 bits < log2(62^17) ≈ 101.2.
const CHECK_BITS: u32 = 37;

const M1: u64 = 0xBF58_476D_1CE4_E5B9;
const M2: u64 = 0x94D0_49BB_1331_11EB;

/// The inverse of an odd number modulo 2^64 (Newton's iteration doubles the correct bits).
const fn inverse(m: u64) -> u64 {
    let mut x = m; // correct to 3 bits for any odd m
    let mut i = 0;
    while i < 5 {
        x = x.wrapping_mul(2u64.wrapping_sub(m.wrapping_mul(x)));
        i += 1;
    }
    x
}
const M1_INV: u64 = inverse(M1);
const M2_INV: u64 = inverse(M2);

/// SplitMix64's finaliser: a bijection on `u64` that mixes every bit into every other.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(M1);
    z = (z ^ (z >> 27)).wrapping_mul(M2);
    z ^ (z >> 31)
}

/// Undoes `y = x ^ (x >> s)`.
fn unshift(y: u64, s: u32) -> u64 {
    let mut x = y;
    for _ in 0..64 / s {
        x = y ^ (x >> s);
    }
    x
}

fn unmix(mut z: u64) -> u64 {
    z = unshift(z, 31);
    z = unshift(z.wrapping_mul(M2_INV), 27);
    unshift(z.wrapping_mul(M1_INV), 30)
}

/// The account's keys, from its seed.
fn keys(seed: u64) -> [u64; 3] {
    let mut r = Rng::derive(seed, 0x1D5_D3217);
    [r.next_u64(), r.next_u64(), r.next_u64()]
}

fn check(k: &[u64; 3], v: u64) -> u64 {
    mix(v ^ k[2]) >> (64 - CHECK_BITS)
}

/// A derived id: 17 ASCII characters, held inline (a page of a thousand runs renders four
/// thousand of them).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Id([u8; ID_LEN]);

impl Id {
    pub fn as_str(&self) -> &str {
        // Only ever filled from `BASE62`.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Id({})", self.as_str())
    }
}

impl serde::Serialize for Id {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// 62^10, the most base-62 digits a `u64` division step can take at once.
const P10: u64 = 839_299_365_868_340_224;

/// The id of `kind` for run number `n` of the account generated from `seed`.
pub fn derived(seed: u64, kind: IdKind, n: u32) -> Id {
    let k = keys(seed);
    let v = mix((((kind as u64) << 32) | n as u64).wrapping_add(k[0])) ^ k[1];
    let w = ((check(&k, v) as u128) << 64) | v as u128;
    // The top 7 digits and the low 10, each by `u64` arithmetic.
    let (mut hi, mut lo) = ((w / P10 as u128) as u64, (w % P10 as u128) as u64);
    let mut out = [0u8; ID_LEN];
    for (i, c) in out.iter_mut().rev().enumerate() {
        let digit = if i < 10 {
            let d = lo % 62;
            lo /= 62;
            d
        } else {
            let d = hi % 62;
            hi /= 62;
            d
        };
        *c = BASE62[digit as usize];
    }
    Id(out)
}

/// The kind and run number a [`derived`] id stands for; `None` for any other string.
pub fn parse(seed: u64, id: &str) -> Option<(IdKind, u32)> {
    if id.len() != ID_LEN {
        return None;
    }
    let mut w: u128 = 0;
    for b in id.bytes() {
        let d = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            _ => return None,
        };
        w = w * 62 + d as u128;
    }
    let (hi, v) = ((w >> 64) as u64, w as u64);
    let k = keys(seed);
    if hi >> CHECK_BITS != 0 || hi != check(&k, v) {
        return None;
    }
    let x = unmix(v ^ k[1]).wrapping_sub(k[0]);
    Some((IdKind::from_tag(x >> 32)?, x as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_looks_like_an_apify_id() {
        for kind in [
            IdKind::Run,
            IdKind::Dataset,
            IdKind::KeyValueStore,
            IdKind::RequestQueue,
        ] {
            for n in [0, 1, 2, 999, 123_456, u32::MAX] {
                let id = derived(7, kind, n).to_string();
                assert_eq!(id.len(), 17);
                assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
                assert_eq!(parse(7, &id), Some((kind, n)), "{id}");
                // Another account's ids are not this one's.
                assert_eq!(parse(8, &id), None);
            }
        }
        assert_ne!(derived(1, IdKind::Run, 0), derived(1, IdKind::Dataset, 0));
        assert_ne!(derived(1, IdKind::Run, 0), derived(1, IdKind::Run, 1));
    }

    #[test]
    fn other_strings_are_not_taken_for_derived_ids() {
        let mut r = Rng::new(3);
        for _ in 0..20_000 {
            assert_eq!(parse(1, &r.apify_id()), None);
        }
        for s in [
            "",
            "short",
            "nOsUcHtHiNg123456",
            "~forge-trends",
            "abcdefghijklmnop!",
        ] {
            assert_eq!(parse(1, s), None, "{s}");
        }
        let id = derived(1, IdKind::Run, 5).to_string();
        let mut typo = id.clone().into_bytes();
        typo[3] = if typo[3] == b'A' { b'B' } else { b'A' };
        assert_eq!(parse(1, std::str::from_utf8(&typo).unwrap()), None);
    }

    #[test]
    fn digits_are_those_of_plain_base62() {
        let k = keys(9);
        for n in [0, 77, 4_000_000] {
            let v = mix(((1u64 << 32) | n as u64).wrapping_add(k[0])) ^ k[1];
            let mut w = ((check(&k, v) as u128) << 64) | v as u128;
            let mut plain = [0u8; ID_LEN];
            for c in plain.iter_mut().rev() {
                *c = BASE62[(w % 62) as usize];
                w /= 62;
            }
            assert_eq!(derived(9, IdKind::Run, n).as_str().as_bytes(), plain);
        }
        assert_eq!(P10, 62u64.pow(10));
    }

    #[test]
    fn the_scramble_is_a_bijection() {
        for x in [0, 1, 0xFFFF_FFFF_FFFF_FFFF, 0x1234_5678_9ABC_DEF0] {
            assert_eq!(unmix(mix(x)), x);
        }
        assert_eq!(M1.wrapping_mul(M1_INV), 1);
        assert_eq!(M2.wrapping_mul(M2_INV), 1);
    }
}
