//! Work on every core: a job cut into contiguous ranges, one thread each,
//! results kept in order. Std's scoped threads only; the jobs here (a
//! million paths, a ledger of a few hundred MB) are too coarse to need a
//! work-stealing pool.

use std::ops::Range;

/// How many threads to use: the cores this process may run on, at most 16.
pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |p| p.get())
        .clamp(1, 16)
}

/// `0..n` cut into `parts` contiguous ranges of near-equal length (fewer when
/// `n` is smaller; none when it is 0), as their bounds: range `i` is
/// `bounds[i]..bounds[i + 1]`.
pub fn bounds(n: usize, parts: usize) -> Vec<usize> {
    let parts = parts.clamp(1, n.max(1));
    let mut out: Vec<usize> = (0..=parts).map(|i| i * n / parts).collect();
    out.dedup();
    out
}

/// Runs `f` on each range `bounds[i]..bounds[i + 1]`, each in its own thread
/// (the first on this one), and returns the results in range order. A panic
/// in `f` is a bug; it is passed on.
pub fn map_ranges<T, F>(bounds: &[usize], f: F) -> Vec<T>
where
    T: Send,
    F: Fn(Range<usize>) -> T + Sync,
{
    let ranges: Vec<Range<usize>> = bounds.windows(2).map(|w| w[0]..w[1]).collect();
    let Some((first, rest)) = ranges.split_first() else {
        return Vec::new();
    };
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = rest
            .iter()
            .map(|r| {
                let r = r.clone();
                s.spawn(move || f(r))
            })
            .collect();
        let mut out = Vec::with_capacity(ranges.len());
        out.push(f(first.clone()));
        for h in handles {
            out.push(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        out
    })
}

/// [`map_ranges`] over `0..n`: on every core when `n` is at least
/// `parallel_from`, else in one call on this thread.
pub fn map_chunks<T, F>(n: usize, parallel_from: usize, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(Range<usize>) -> T + Sync,
{
    let threads = if n < parallel_from { 1 } else { cores() };
    map_ranges(&bounds(n, threads), f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_everything_once_in_order() {
        for n in [0, 1, 2, 7, 100, 1001] {
            for parts in [1, 2, 3, 16] {
                let b = bounds(n, parts);
                let got: Vec<usize> = map_ranges(&b, |r| r.collect::<Vec<_>>())
                    .into_iter()
                    .flatten()
                    .collect();
                assert_eq!(got, (0..n).collect::<Vec<_>>(), "n {n}, parts {parts}");
                assert!(b.windows(2).all(|w| w[0] < w[1]), "no empty range: {b:?}");
            }
        }
        assert!(map_chunks(0, 1, |r| r.len()).is_empty());
        assert_eq!(map_chunks(5, 100, |r| r.len()), [5]);
    }
}
