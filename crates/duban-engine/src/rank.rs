//! Ranking with a stated tie rule.
//!
//! Scores that are mathematically equal must tie. Floating-point sums of the same terms in a
//! different order (mirrored indicators, another SIMD width or thread count) can differ in the
//! last bits, so two scores tie when they differ by at most [`TIE_TOLERANCE`] × max|score|
//! (chained over neighbours in sorted order). Why this is safe: an m-term weighted sum of
//! normalised values carries a rounding error below m·ε·max|score| ≈ 2e-15 for m = 8 (pairwise
//! sums over units add O(ε log n)), far under 1e-12; and no published indicator has 12
//! significant digits, so a real difference is never that small.

use crate::spec::Ties;

pub const TIE_TOLERANCE: f64 = 1e-12;

/// Order-preserving integer key for *descending* score (−0.0 folded into +0.0).
#[inline]
fn key(s: f64) -> u64 {
    let b = (s + 0.0).to_bits();
    let asc = if b >> 63 == 1 { !b } else { b | (1 << 63) };
    !asc
}

#[inline]
fn unkey(k: u64) -> f64 {
    let asc = !k;
    f64::from_bits(if asc >> 63 == 1 {
        asc & !(1 << 63)
    } else {
        !asc
    })
}

/// Ranks (1 = best = highest score). Missing (NaN) scores get a NaN rank.
///
/// Units are sorted on (key, index) packed in a u128: unique, so there is one total order
/// whatever the algorithm or thread count.
pub fn rank(scores: &[f64], ties: Ties) -> Vec<f64> {
    let present = scores.iter().filter(|s| !s.is_nan()).count();
    let mut out = vec![f64::NAN; scores.len()];
    if present > 4096 && bucket_rank_packed(scores, present, ties, &mut out) {
        return out;
    }
    let pairs = if present > 4096 {
        bucket_sort(scores, present)
    } else {
        sorted_pairs(scores)
    };
    rank_pairs(&pairs, ties, &mut out);
    out
}

/// (key, index) pairs of the present scores, sorted by comparison.
fn sorted_pairs(scores: &[f64]) -> Vec<u128> {
    let mut p: Vec<u128> = scores
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.is_nan())
        .map(|(i, &s)| (u128::from(key(s)) << 64) | i as u128)
        .collect();
    p.sort_unstable();
    p
}

fn rank_pairs(pairs: &[u128], ties: Ties, out: &mut [f64]) {
    let score = |p: u128| unkey((p >> 64) as u64);
    let (Some(&first), Some(&last)) = (pairs.first(), pairs.last()) else {
        return;
    };
    let scale = score(first).abs().max(score(last).abs());
    rank_sorted(
        pairs.iter().map(|&p| (score(p), p as u32 as usize)),
        scale,
        ties,
        out,
    );
}

/// The bucket sort of [`bucket_sort`] on 8-byte items, when they fit: after the scatter on the
/// keys' 16 bits below their common prefix, a bucket's items differ only in the key's `shift`
/// low bits, so (low key bits, index) packed in a u64 sorts exactly like (key, index) — half
/// the memory traffic of u128 pairs and a cheaper sort. The score is read back from `scores`
/// (`s + 0.0` is what the key round-trips to). Returns false when the packing does not fit.
fn bucket_rank_packed(scores: &[f64], present: usize, ties: Ties, out: &mut [f64]) -> bool {
    use rayon::prelude::*;
    let (mn, mx) = scores
        .par_chunks(1 << 16)
        .map(|c| {
            c.iter()
                .filter(|s| !s.is_nan())
                .fold((u64::MAX, 0u64), |(a, b), &s| {
                    (a.min(key(s)), b.max(key(s)))
                })
        })
        .reduce(|| (u64::MAX, 0), |(a, b), (c, d)| (a.min(c), b.max(d)));
    let free = 64 - (mn ^ mx).leading_zeros();
    let bits = free.min(16);
    let shift = free - bits;
    let idx_bits = usize::BITS - (scores.len() - 1).leading_zeros();
    if shift + idx_bits > 64 {
        return false;
    }
    let mask = if bits == 0 { 0 } else { (1u64 << bits) - 1 };
    let low = |k: u64| {
        if shift == 0 {
            0
        } else {
            k & (u64::MAX >> (64 - shift))
        }
    };
    let bucket = |k: u64| ((k >> shift) & mask) as usize;
    // Counting sort in parallel: each part of the units (contiguous) has its own histogram;
    // part p's items of bucket b go after parts 0..p's. The order inside a bucket is then
    // fixed by the sort on (low key bits, index), which are unique, so the result does not
    // depend on the number of parts (= threads).
    let nb = 1usize << bits;
    let part_len = scores
        .len()
        .div_ceil(rayon::current_num_threads().max(1))
        .max(1 << 14);
    let mut offsets: Vec<Vec<u32>> = scores
        .par_chunks(part_len)
        .map(|part| {
            let mut h = vec![0u32; nb];
            for &s in part {
                if !s.is_nan() {
                    h[bucket(key(s))] += 1;
                }
            }
            h
        })
        .collect();
    let mut start = vec![0u32; nb + 1];
    let mut run = 0u32;
    for b in 0..nb {
        start[b] = run;
        for h in offsets.iter_mut() {
            let c = h[b];
            h[b] = run;
            run += c;
        }
    }
    start[nb] = run;
    let mut items = vec![0u64; present];
    let dst = SharedSlice(items.as_mut_ptr());
    scores
        .par_chunks(part_len)
        .zip(offsets.par_iter_mut())
        .enumerate()
        .for_each(|(p, (part, pos))| {
            let dst = &dst;
            for (i, &s) in part.iter().enumerate() {
                if !s.is_nan() {
                    let k = key(s);
                    let b = bucket(k);
                    let at = pos[b] as usize;
                    debug_assert!(at < present);
                    // SAFETY: `at` < `present` = items.len(), and every (part, bucket) owns the
                    // disjoint range of positions computed above, so no two writes alias.
                    unsafe {
                        dst.0
                            .add(at)
                            .write((low(k) << idx_bits) | (p * part_len + i) as u64)
                    };
                    pos[b] += 1;
                }
            }
        });
    let mut slices = Vec::new();
    let mut rest: &mut [u64] = &mut items;
    for b in 0..(1usize << bits) {
        let (head, tail) = rest.split_at_mut((start[b + 1] - start[b]) as usize);
        if head.len() > 1 {
            slices.push(head);
        }
        rest = tail;
    }
    slices
        .par_iter_mut()
        .with_min_len(64)
        .for_each(|s| s.sort_unstable());
    let imask = if idx_bits == 0 {
        0
    } else {
        u64::MAX >> (64 - idx_bits)
    };
    // The full key is the common prefix, the bucket and the packed low bits: the scores are
    // read back in sorted order without a random access to `scores`.
    let base = if free == 64 { 0 } else { mn >> free << free };
    let start = &start;
    let sorted = (0..(1usize << bits)).flat_map(|b| {
        items[start[b] as usize..start[b + 1] as usize]
            .iter()
            .map(move |&p| {
                let k = base | ((b as u64) << shift) | (p >> idx_bits);
                (unkey(k), (p & imask) as usize)
            })
    });
    // Sorted descending: the largest |score| is at one end (mn is the best score's key).
    let scale = unkey(mn).abs().max(unkey(mx).abs());
    rank_sorted(sorted, scale, ties, out);
    true
}

/// One scatter into up to 2¹⁶ buckets on the 16 bits after the keys' common prefix, then the
/// buckets sorted in parallel.
fn bucket_sort(scores: &[f64], present: usize) -> Vec<u128> {
    use rayon::prelude::*;
    let (mut mn, mut mx) = (u64::MAX, 0u64);
    for &s in scores {
        if !s.is_nan() {
            let k = key(s);
            mn = mn.min(k);
            mx = mx.max(k);
        }
    }
    let free = 64 - (mn ^ mx).leading_zeros();
    let bits = free.min(16);
    let shift = free - bits;
    let mask = if bits == 0 { 0 } else { (1u64 << bits) - 1 };
    let bucket = |k: u64| ((k >> shift) & mask) as usize;
    let mut start = vec![0usize; (1 << bits) + 1];
    for &s in scores {
        if !s.is_nan() {
            start[bucket(key(s)) + 1] += 1;
        }
    }
    for b in 1..start.len() {
        start[b] += start[b - 1];
    }
    let mut pos = start.clone();
    let mut pairs = vec![0u128; present];
    for (i, &s) in scores.iter().enumerate() {
        if !s.is_nan() {
            let k = key(s);
            let b = bucket(k);
            pairs[pos[b]] = (u128::from(k) << 64) | i as u128;
            pos[b] += 1;
        }
    }
    let mut slices = Vec::new();
    let mut rest: &mut [u128] = &mut pairs;
    for b in 0..(1usize << bits) {
        let (head, tail) = rest.split_at_mut(start[b + 1] - start[b]);
        if head.len() > 1 {
            slices.push(head);
        }
        rest = tail;
    }
    slices
        .par_iter_mut()
        .with_min_len(64)
        .for_each(|s| s.sort_unstable());
    pairs
}

/// A raw pointer shared by the scatter's threads (each writes its own disjoint positions).
struct SharedSlice(*mut u64);
// SAFETY: used only by the scatter above, whose writes are disjoint.
unsafe impl Sync for SharedSlice {}

/// Assign ranks from the units sorted by descending score (then index), given as (score,
/// index); `scale` is the largest |score|. Neighbours within the tolerance chain into one tie.
fn rank_sorted(
    sorted: impl Iterator<Item = (f64, usize)>,
    scale: f64,
    ties: Ties,
    out: &mut [f64],
) {
    let tol = TIE_TOLERANCE * scale;
    let mut group: Vec<usize> = Vec::new();
    let (mut start, mut dense, mut prev) = (0usize, 0.0, f64::NAN);
    let mut assign = |group: &[usize], start: usize, dense: f64| {
        let end = start + group.len() - 1;
        let r = match ties {
            Ties::Min => (start + 1) as f64,
            Ties::Average => (start + end + 2) as f64 / 2.0,
            Ties::Dense => dense,
        };
        for &i in group {
            out[i] = r;
        }
    };
    for (s, i) in sorted {
        if !group.is_empty() && prev - s > tol {
            dense += 1.0;
            assign(&group, start, dense);
            start += group.len();
            group.clear();
        }
        group.push(i);
        prev = s;
    }
    if !group.is_empty() {
        assign(&group, start, dense + 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tie_rules() {
        let s = [0.9, 0.5, 0.9, 0.1, f64::NAN];
        assert_eq!(&rank(&s, Ties::Min)[..4], &[1.0, 3.0, 1.0, 4.0]);
        assert_eq!(&rank(&s, Ties::Average)[..4], &[1.5, 3.0, 1.5, 4.0]);
        assert_eq!(&rank(&s, Ties::Dense)[..4], &[1.0, 2.0, 1.0, 3.0]);
        assert!(rank(&s, Ties::Min)[4].is_nan());
    }

    #[test]
    fn radix_path_matches_comparison_sort() {
        // 10,000 scores with repeats, negatives and −0.0: the radix path against a plain sort.
        let s: Vec<f64> = (0..10_000)
            .map(|i| ((i * 7919) % 1013) as f64 / 97.0 - 5.0)
            .chain([-0.0, 0.0])
            .collect();
        let r = rank(&s, Ties::Min);
        let mut sorted = s.clone();
        sorted.sort_by(|a, b| b.total_cmp(a));
        for (i, &v) in s.iter().enumerate() {
            let want = sorted.iter().position(|&x| x == v).unwrap() + 1;
            assert_eq!(r[i], want as f64, "score {v}");
        }
    }

    /// Ranks through the plain comparison sort, whatever the size.
    fn rank_by_comparison(s: &[f64], ties: Ties) -> Vec<f64> {
        let mut out = vec![f64::NAN; s.len()];
        rank_pairs(&sorted_pairs(s), ties, &mut out);
        out
    }

    fn same(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
    }

    #[test]
    fn packed_bucket_path_matches_comparison_sort() {
        // Narrow range (the packed u64 path), with repeats, near-ties, −0.0 and NaN.
        let s: Vec<f64> = (0..100_000u64)
            .map(|i| match i % 1000 {
                7 => f64::NAN,
                8 => -0.0,
                9 => 0.0,
                _ => 0.25 + ((i * 2_654_435_761) % 65_521) as f64 * 1e-6,
            })
            .collect();
        for ties in [Ties::Min, Ties::Average, Ties::Dense] {
            assert!(same(&rank(&s, ties), &rank_by_comparison(&s, ties)));
        }
    }

    #[test]
    fn bucket_rank_is_independent_of_thread_count() {
        // The parallel scatter splits the units by thread count; the ranks must not change.
        let s: Vec<f64> = (0..200_000u64)
            .map(|i| 0.5 + ((i * 2_654_435_761) % 9_973) as f64 * 1e-5)
            .collect();
        let with = |t: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap();
            pool.install(|| rank(&s, Ties::Average))
        };
        let one = with(1);
        assert!(same(&one, &with(3)) && same(&one, &with(8)));
        assert!(same(&one, &rank_by_comparison(&s, Ties::Average)));
    }

    #[test]
    fn wide_range_falls_back_to_u128_buckets() {
        // Mixed signs and magnitudes over > 2¹⁶ units: 64 free key bits, so the packing does
        // not fit and the u128 path runs.
        let s: Vec<f64> = (0..70_000u64)
            .map(|i| {
                let m = ((i * 2_654_435_761) % 1_000_003) as f64;
                if i % 2 == 0 { m * 1e200 } else { -m * 1e-200 }
            })
            .collect();
        let mut out = vec![f64::NAN; s.len()];
        assert!(!bucket_rank_packed(&s, s.len(), Ties::Min, &mut out));
        for ties in [Ties::Min, Ties::Average, Ties::Dense] {
            assert!(same(&rank(&s, ties), &rank_by_comparison(&s, ties)));
        }
    }

    #[test]
    fn order_dependent_rounding_still_ties() {
        // (0.1 + 0.2) + 0.3 and 0.1 + (0.2 + 0.3) differ by one ulp.
        let a = (0.1 + 0.2) + 0.3;
        let b = 0.1 + (0.2 + 0.3);
        assert_ne!(a, b);
        assert_eq!(rank(&[a, b, 0.5], Ties::Min), vec![1.0, 1.0, 3.0]);
    }
}
