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
    let pairs = if present > 4096 {
        bucket_sort(scores, present)
    } else {
        let mut p: Vec<u128> = scores
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.is_nan())
            .map(|(i, &s)| (u128::from(key(s)) << 64) | i as u128)
            .collect();
        p.sort_unstable();
        p
    };
    let mut out = vec![f64::NAN; scores.len()];
    rank_sorted(&pairs, ties, &mut out);
    out
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

/// Assign ranks from (key, index) pairs sorted by descending score.
fn rank_sorted(pairs: &[u128], ties: Ties, out: &mut [f64]) {
    let n = pairs.len();
    if n == 0 {
        return;
    }
    let score = |p: u128| unkey((p >> 64) as u64);
    // Sorted descending: the largest |score| is at one end.
    let scale = score(pairs[0]).abs().max(score(pairs[n - 1]).abs());
    let tol = TIE_TOLERANCE * scale;
    let mut start = 0;
    let mut dense = 0.0;
    while start < n {
        let mut end = start;
        let mut prev = score(pairs[start]);
        while end + 1 < n {
            let next = score(pairs[end + 1]);
            if prev - next > tol {
                break;
            }
            prev = next;
            end += 1;
        }
        dense += 1.0;
        let r = match ties {
            Ties::Min => (start + 1) as f64,
            Ties::Average => (start + end + 2) as f64 / 2.0,
            Ties::Dense => dense,
        };
        for &p in &pairs[start..=end] {
            out[p as u32 as usize] = r;
        }
        start = end + 1;
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

    #[test]
    fn order_dependent_rounding_still_ties() {
        // (0.1 + 0.2) + 0.3 and 0.1 + (0.2 + 0.3) differ by one ulp.
        let a = (0.1 + 0.2) + 0.3;
        let b = 0.1 + (0.2 + 0.3);
        assert_ne!(a, b);
        assert_eq!(rank(&[a, b, 0.5], Ties::Min), vec![1.0, 1.0, 3.0]);
    }
}
