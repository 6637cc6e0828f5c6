//! One page of an offset-paginated list whose items sit in a few sorted lists, without looking at
//! the items before the page.
//!
//! The account-wide lists hold up to a million items (runs, their default datasets), and a
//! client pages through them a thousand at a time. Collecting and filtering everything for each
//! page made paging quadratic; instead each list is kept sorted by the key Apify orders it by
//! (`startedAt` of a run, `createdAt` of a storage), a filter becomes a choice of sorted slices
//! (one per run status, the part of a list inside a `startedAfter`/`startedBefore` window…),
//! and [`page`] finds the `offset`-th item of their merge by discarding whole runs of items at a
//! time (`O(m² log offset)` for `m` lists), then merges only the page.
//!
//! Items are `u32` handles (positions of runs, or storage indices with a tag bit); `key` orders them
//! and must be a total order consistent with each list's order. The lists must be disjoint.

/// What [`page`] answers: every item's count and the page's items, in the asked order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub total: usize,
    pub items: Vec<u32>,
}

/// Items `offset .. offset + limit` of the merge of `lists` (each sorted ascending by `key`),
/// counted from the largest key when `desc`.
pub fn page<K: Ord>(
    lists: &[&[u32]],
    key: impl Fn(u32) -> K,
    offset: usize,
    limit: usize,
    desc: bool,
) -> Page {
    let total: usize = lists.iter().map(|l| l.len()).sum();
    let (start, end) = if desc {
        let end = total.saturating_sub(offset);
        (end.saturating_sub(limit), end)
    } else {
        let start = offset.min(total);
        (start, start.saturating_add(limit).min(total))
    };
    let mut cursors = seek(lists, &key, start);
    let mut items = Vec::with_capacity(end - start);
    while items.len() < end - start {
        // The smallest head among the lists (few lists: a linear pick beats a heap).
        let mut best: Option<(usize, K)> = None;
        for (i, l) in lists.iter().enumerate() {
            if let Some(&h) = l.get(cursors[i]) {
                let k = key(h);
                if best.as_ref().is_none_or(|(_, bk)| k < *bk) {
                    best = Some((i, k));
                }
            }
        }
        let Some((i, _)) = best else { break };
        items.push(lists[i][cursors[i]]);
        cursors[i] += 1;
    }
    if desc {
        items.reverse();
    }
    Page { total, items }
}

/// Cursors into `lists` just after the `k` smallest items of their merge.
///
/// Each round gives every list with items left a probe `step = k / lists-left` items ahead and
/// drops the items up to the smallest probe: at most `step` items of each list are smaller than
/// or equal to it, so it is among the `k` smallest and so is everything before it in its list.
fn seek<K: Ord>(lists: &[&[u32]], key: &impl Fn(u32) -> K, mut k: usize) -> Vec<usize> {
    let mut pos = vec![0usize; lists.len()];
    while k > 0 {
        let left = lists
            .iter()
            .zip(&pos)
            .filter(|(l, p)| **p < l.len())
            .count();
        if left == 0 {
            break;
        }
        let step = (k / left).max(1);
        let mut best: Option<(usize, usize, K)> = None;
        for (i, l) in lists.iter().enumerate() {
            let rest = l.len() - pos[i];
            if rest == 0 {
                continue;
            }
            let take = step.min(rest);
            let probe = key(l[pos[i] + take - 1]);
            if best.as_ref().is_none_or(|(_, _, b)| probe < *b) {
                best = Some((i, take, probe));
            }
        }
        let Some((i, take, _)) = best else { break };
        pos[i] += take;
        k -= take;
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn naive(lists: &[&[u32]], offset: usize, limit: usize, desc: bool) -> Page {
        let mut all: Vec<u32> = lists.iter().flat_map(|l| l.iter().copied()).collect();
        all.sort_unstable();
        if desc {
            all.reverse();
        }
        Page {
            total: all.len(),
            items: all.into_iter().skip(offset).take(limit).collect(),
        }
    }

    #[test]
    fn pages_of_merged_lists_match_sorting_everything() {
        let mut r = Rng::new(11);
        for round in 0..300 {
            let m = 1 + round % 6;
            let mut lists: Vec<Vec<u32>> = vec![Vec::new(); m];
            let n = r.range_u64(0, 400) as u32;
            // Skewed: some lists get most items, some none.
            for x in 0..n {
                let i = (r.f64().powi(3) * m as f64) as usize;
                lists[i.min(m - 1)].push(x * 3 + 1);
            }
            let refs: Vec<&[u32]> = lists.iter().map(Vec::as_slice).collect();
            for _ in 0..8 {
                let offset = r.range_u64(0, n as u64 + 5) as usize;
                let limit = r.range_u64(0, 120) as usize;
                for desc in [false, true] {
                    assert_eq!(
                        page(&refs, |x| x, offset, limit, desc),
                        naive(&refs, offset, limit, desc),
                        "lists {lists:?} offset {offset} limit {limit} desc {desc}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_single_list_is_sliced() {
        let l: Vec<u32> = (0..10).collect();
        let p = page(&[&l], |x| x, 3, 4, false);
        assert_eq!((p.total, p.items), (10, vec![3, 4, 5, 6]));
        let p = page(&[&l], |x| x, 0, 3, true);
        assert_eq!(p.items, vec![9, 8, 7]);
        let p = page(&[&l], |x| x, 20, 3, true);
        assert_eq!((p.total, p.items), (10, vec![]));
        let p = page(&[], |x: u32| x, 0, 3, false);
        assert_eq!((p.total, p.items), (0, vec![]));
    }
}
