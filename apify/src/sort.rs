//! Stable sorting with one copy of the sort algorithm in the app's wasm.
//!
//! `slice::sort_by` is generic over the element and the comparator, so every call site compiles
//! a driftsort of its own: 3–5 KB of wasm each, 83 KB for the app's thirty sorts (6 % of the
//! download). In the wasm, [`sort_by`] instead sorts a permutation of `u32` indices through a
//! `dyn` comparator — one instance of the standard sort for the whole app — and then moves the
//! elements into place by following the permutation's cycles. Natively (relay, benches, tests)
//! it is `slice::sort_by`: code size does not matter there and the direct sort is faster.
//! Both are stable, so the two targets order equal elements alike.

use std::cmp::Ordering;

/// Sorts `v` by `cmp`, keeping equal elements in their order (as `slice::sort_by`).
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    #[cfg(target_arch = "wasm32")]
    by_permutation(v, &mut cmp);
    #[cfg(not(target_arch = "wasm32"))]
    v.sort_by(&mut cmp);
}

/// Sorts `v` by the key `key` gives, stably (as `slice::sort_by_key`).
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `v` in ascending order, stably (as `slice::sort`).
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// The wasm's sort: the order of `v`'s indices, then the elements moved along it. Public so
/// that native tests check it against the standard sort.
pub fn by_permutation<T>(v: &mut [T], cmp: &mut dyn FnMut(&T, &T) -> Ordering) {
    let order = {
        let items: &[T] = v;
        sorted_indices(items.len(), &mut |i, j| cmp(&items[i], &items[j]))
    };
    permute(v, order);
}

/// `0..n` sorted by `cmp` over indices: the one generic sort instance, for `u32`.
fn sorted_indices(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<u32> {
    let n = u32::try_from(n).expect("a slice of fewer than 2^32 elements");
    let mut order: Vec<u32> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a as usize, b as usize));
    order
}

/// Rearranges `v` so that position `k` holds what was at `order[k]`, with one swap per element
/// out of place (each cycle of the permutation is walked once; visited positions are marked by
/// pointing at themselves).
fn permute<T>(v: &mut [T], mut order: Vec<u32>) {
    for start in 0..v.len() {
        let mut at = start;
        loop {
            let from = order[at] as usize;
            order[at] = at as u32;
            if from == start || from == at {
                break;
            }
            v.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator, so the cases need no dependency.
    fn pseudo_random(seed: u64, n: usize, range: u64) -> Vec<u64> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x % range
            })
            .collect()
    }

    #[test]
    fn the_wasm_sort_orders_as_the_standard_stable_sort() {
        for (seed, n, range) in [(1, 0, 1), (2, 1, 5), (3, 2, 2), (4, 17, 4), (5, 500, 30)] {
            // (key, original position): equal keys must keep their order.
            let items: Vec<(u64, usize)> = pseudo_random(seed, n, range)
                .into_iter()
                .enumerate()
                .map(|(i, k)| (k, i))
                .collect();
            let mut expected = items.clone();
            expected.sort_by_key(|a| a.0);
            let mut got = items.clone();
            by_permutation(&mut got, &mut |a, b| a.0.cmp(&b.0));
            assert_eq!(got, expected, "seed {seed}, {n} items");
            let mut descending = items;
            by_permutation(&mut descending, &mut |a, b| b.0.cmp(&a.0));
            expected.sort_by_key(|b| std::cmp::Reverse(b.0));
            assert_eq!(descending, expected, "seed {seed}, descending");
        }
    }

    #[test]
    fn elements_that_are_not_copy_are_moved_not_cloned() {
        let mut names: Vec<String> = ["delta", "alpha", "charlie", "bravo", "alpha"]
            .map(String::from)
            .to_vec();
        by_permutation(&mut names, &mut |a, b| a.cmp(b));
        assert_eq!(names, ["alpha", "alpha", "bravo", "charlie", "delta"]);
        sort_by_key(&mut names, |s| std::cmp::Reverse(s.len()));
        assert_eq!(names, ["charlie", "alpha", "alpha", "bravo", "delta"]);
    }
}
