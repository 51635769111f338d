//! The base line ranges of a conflicting three-way merge, worked out the
//! way git's xdiff does (see the parent module): each side diffed against
//! the base by line, each changed run slid as far down as it goes, and a
//! conflict a run of touching changes of both sides that is not the same
//! change on both.

use similar::{capture_diff_slices, Algorithm, DiffTag};
use std::ops::Range;

/// `text` split into lines as git splits it: each with its `\n`, and a
/// last line without one.
pub(super) fn lines(text: &[u8]) -> Vec<&[u8]> {
    text.split_inclusive(|&b| b == b'\n').collect()
}

/// The base line ranges of a merge git found conflicting: runs of
/// touching changes of both sides that are not the same change.
/// Never empty: when the diffs here align differently from git's and find
/// no such run, one range covering every change of either side.
pub(super) fn conflicts(base: &[u8], ours: &[u8], theirs: &[u8]) -> Vec<[u64; 2]> {
    let (base, ours, theirs) = (lines(base), lines(ours), lines(theirs));
    let sides = [&ours, &theirs];
    let mut all: Vec<(Range<usize>, usize, Range<usize>)> = Vec::new();
    for (side, text) in sides.iter().enumerate() {
        for (old, new) in hunks(&base, text) {
            all.push((old, side, new));
        }
    }
    all.sort_by_key(|(old, side, _)| (old.start, old.end, *side));
    let mut found = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let (start, mut end) = (all[i].0.start, all[i].0.end);
        let mut j = i + 1;
        while j < all.len() && all[j].0.start <= end {
            end = end.max(all[j].0.end);
            j += 1;
        }
        let run = &all[i..j];
        let both = run.iter().any(|h| h.1 == 0) && run.iter().any(|h| h.1 == 1);
        let same = match run {
            [(a, _, x), (b, _, y)] => a == b && ours.get(x.clone()) == theirs.get(y.clone()),
            _ => false,
        };
        if both && !same {
            found.push(range(start, end));
        }
        i = j;
    }
    if found.is_empty() {
        let start = all.iter().map(|h| h.0.start).min().unwrap_or(0);
        let end = all.iter().map(|h| h.0.end).max().unwrap_or(base.len());
        found.push(range(start, end));
    }
    found
}

/// The base lines `start..end` (0-based) as `[first, last]`, 1-based.
pub(super) fn range(start: usize, end: usize) -> [u64; 2] {
    [start as u64 + 1, end as u64]
}

/// The changes from `old` to `new`: pairs of line ranges, the lines of
/// `old` replaced by those of `new`, in order, with at least one unchanged
/// line between two of them.
pub(super) fn hunks(old: &[&[u8]], new: &[&[u8]]) -> Vec<(Range<usize>, Range<usize>)> {
    let mut a = Marked::new(old);
    let mut b = Marked::new(new);
    for op in capture_diff_slices(Algorithm::Myers, old, new) {
        let (tag, o, n) = op.as_tag_tuple();
        if tag != DiffTag::Equal {
            o.for_each(|i| a.changed[i] = true);
            n.for_each(|j| b.changed[j] = true);
        }
    }
    compact(&mut a, &b);
    compact(&mut b, &a);
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < old.len() || j < new.len() {
        if !a.is(i) && !b.is(j) {
            if i >= old.len() || j >= new.len() {
                out.push((i..old.len(), j..new.len()));
                break;
            }
            i += 1;
            j += 1;
            continue;
        }
        let (si, sj) = (i, j);
        while a.is(i) {
            i += 1;
        }
        while b.is(j) {
            j += 1;
        }
        out.push((si..i, sj..j));
    }
    out
}

/// A file's lines, each marked changed or not by a diff.
struct Marked<'a> {
    recs: &'a [&'a [u8]],
    changed: Vec<bool>,
}

/// A run of changed lines `start..end` (maybe empty: between two
/// unchanged lines); the k-th group of one file pairs with the other's.
#[derive(Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
}

impl<'a> Marked<'a> {
    fn new(recs: &'a [&'a [u8]]) -> Self {
        Marked {
            recs,
            changed: vec![false; recs.len()],
        }
    }

    fn is(&self, i: usize) -> bool {
        self.changed.get(i).copied().unwrap_or(false)
    }

    fn first(&self) -> Group {
        let mut end = 0;
        while self.is(end) {
            end += 1;
        }
        Group { start: 0, end }
    }

    fn next(&self, g: &mut Group) -> bool {
        if g.end >= self.recs.len() {
            return false;
        }
        g.start = g.end + 1;
        g.end = g.start;
        while self.is(g.end) {
            g.end += 1;
        }
        true
    }

    fn previous(&self, g: &mut Group) -> bool {
        if g.start == 0 {
            return false;
        }
        g.end = g.start - 1;
        g.start = g.end;
        while g.start > 0 && self.is(g.start - 1) {
            g.start -= 1;
        }
        true
    }

    /// Moves non-empty group `g` up a line, if the line above it equals
    /// its last, joining a group it then touches.
    fn slide_up(&mut self, g: &mut Group) -> bool {
        if g.start == 0 || g.end == 0 || self.recs[g.start - 1] != self.recs[g.end - 1] {
            return false;
        }
        g.start -= 1;
        self.changed[g.start] = true;
        g.end -= 1;
        self.changed[g.end] = false;
        while g.start > 0 && self.is(g.start - 1) {
            g.start -= 1;
        }
        true
    }

    /// Moves non-empty group `g` down a line, if the line below it equals
    /// its first, joining a group it then touches.
    fn slide_down(&mut self, g: &mut Group) -> bool {
        if g.start >= g.end || g.end >= self.recs.len() || self.recs[g.start] != self.recs[g.end] {
            return false;
        }
        self.changed[g.start] = false;
        g.start += 1;
        self.changed[g.end] = true;
        g.end += 1;
        while self.is(g.end) {
            g.end += 1;
        }
        true
    }
}

/// Slides each run of changed lines of `a` as far down as it goes, or
/// back up to the lowest place where it lines up with a change of `o`
/// (xdiff's `xdl_change_compact`, without the indent heuristic, which
/// `git merge-file` does not use). Each step keeps the diff valid; groups
/// out of step (never expected) stop it.
fn compact(a: &mut Marked, o: &Marked) {
    let (mut g, mut go) = (a.first(), o.first());
    loop {
        if g.end > g.start {
            let mut earliest_end;
            let mut lines_up;
            loop {
                let size = g.end - g.start;
                while a.slide_up(&mut g) {
                    if !o.previous(&mut go) {
                        return;
                    }
                }
                earliest_end = g.end;
                lines_up = go.end > go.start;
                while a.slide_down(&mut g) {
                    if !o.next(&mut go) {
                        return;
                    }
                    lines_up |= go.end > go.start;
                }
                if size == g.end - g.start {
                    break;
                }
            }
            if g.end != earliest_end && lines_up {
                while go.end == go.start {
                    if !a.slide_up(&mut g) || !o.previous(&mut go) {
                        return;
                    }
                }
            }
        }
        if !a.next(&mut g) || !o.next(&mut go) {
            return;
        }
    }
}
