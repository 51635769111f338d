//! Whether two patterns can take a common path, and the witness path.
//!
//! muster-plan asks this of every pair of write allowlists (DESIGN.md section
//! 4: two tasks conflict when some path could match both). The answer is
//! exact: [`Intersector::witness`] returns a path iff some valid repo path
//! (non-empty, relative, no empty, `.` or `..` segment, no NUL byte) is taken
//! by both patterns, and then the *least* such path: the shortest, ties
//! broken byte by byte in the order of [`RANK`] (`a`-`z`, then `A`-`Z`, then
//! `0`-`9`, then other printable ASCII, then the rest), so witnesses read
//! like `src/a.md` rather than control bytes. Paths inside `.git/` count as
//! valid here: that can only report more conflicts, never fewer.
//!
//! The general way, for any pair: each pattern is one dense DFA
//! (regex-automata, anchored, over bytes, from globset's regex for each of
//! its globs, with globset's settings; cached by pattern text in the
//! [`Intersector`] as a plain table of its live states), and a breadth-first
//! search over the product of the two DFAs and a small automaton for path
//! validity finds the least accepting path. Edges go one byte per class of
//! the joint byte classes, that class's least byte in [`RANK`] order, in that
//! order, so the first accepting state reached is reached by the least path;
//! a DFA matches only after its end-of-input transition.
//!
//! An anchored pattern's automaton is mostly its *lead* and its *shape*:
//! the leading literal directories, as plain bytes, then the automaton of
//! the rest of its globs (`services/pay/**/*.md` is `services/pay/` then
//! `**/*.md`), compiled once per distinct shape. Every path both patterns
//! take starts with the longer of their leads, so the other automaton is
//! run along it and the product searched from there; thousands of scopes
//! share a dozen shapes, so thousands of pattern pairs are a few searches,
//! each done once. A test holds the answers to those of each pattern's own
//! automaton.
//!
//! Quicker ways to the same answer (the tests hold each to the general way):
//!
//! - **Two literal patterns** (no wildcard: `src/auth/`, `Cargo.toml`,
//!   `/apps/web/src/`), whose globs are all of the forms `lit`, `lit/**`,
//!   `**/lit` and `**/lit/**`: byte comparisons, no automaton. A common path
//!   places one literal at some segment offset of the other, so the few
//!   offsets at `/` boundaries are tried and the least path kept.
//! - **An anchored literal pattern and any other**: the other's automaton
//!   is run along the literal, and (for what is below it) searched alone
//!   from there.
//! - **Two anchored patterns whose leading literal segments differ**
//!   (`src/*.rs`, `docs/**`): nothing in common.
//!
//! Sound when the automata are too big: a pattern whose DFA cannot be built
//! within [`SIZE_LIMIT`] is left out of the product, which then
//! over-approximates the intersection. `None` from it is still exact (nothing
//! is taken by the other pattern alone); `Some` is reported as a conflict,
//! with a witness taken by the other pattern (and valid) but perhaps not by
//! the one left out. A search of more than [`MAX_STATES`] product states
//! gives up the same way, reporting a conflict. Neither happens with the
//! patterns of real scopes.
//!
//! The witness is a `String`: when a pattern forces bytes that are not UTF-8
//! (a class such as `[é]` matches one byte of `é`), it goes through
//! `String::from_utf8_lossy`, and the witness printed is then not byte for
//! byte a path the patterns take.

// Lookups only: nothing here is iterated into output, so hash order is harmless.
#![allow(clippy::disallowed_types)]

use super::fast::FnvBuild;
use super::{glob, Pattern};
use regex_automata::dfa::{dense, Automaton, StartKind};
use regex_automata::nfa::thompson;
use regex_automata::util::primitives::StateID;
use regex_automata::util::{start, syntax};
use regex_automata::{Anchored, MatchKind};
use std::collections::{HashMap, HashSet};

/// The most memory, in bytes, one pattern's DFA (and its determinization,
/// and its NFA) may take; a bigger one is left out of the product, soundly.
pub const SIZE_LIMIT: usize = 16 << 20;

/// The most product states one search may visit before it gives up and
/// reports a conflict.
pub const MAX_STATES: usize = 1 << 21;

/// The order in which bytes are tried: `RANK[b]` is `b`'s place. `a`-`z`
/// first, then `A`-`Z`, `0`-`9`, the other printable ASCII characters
/// (`!` to `~`, `/` among them), space, and then every other byte by value.
pub const RANK: [u8; 256] = rank_table();

const fn rank_table() -> [u8; 256] {
    let order = by_rank();
    let mut rank = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        rank[order[i] as usize] = i as u8;
        i += 1;
    }
    rank
}

/// Every byte, in [`RANK`] order.
const BY_RANK: [u8; 256] = by_rank();

const fn by_rank() -> [u8; 256] {
    let mut out = [0u8; 256];
    let mut n = 0;
    let ranges: [(u8, u8); 4] = [(b'a', b'z'), (b'A', b'Z'), (b'0', b'9'), (b'!', b'~')];
    let mut r = 0;
    while r < ranges.len() {
        let (lo, hi) = ranges[r];
        let mut b = lo;
        loop {
            if !(b.is_ascii_alphanumeric() && r == 3) {
                out[n] = b;
                n += 1;
            }
            if b == hi {
                break;
            }
            b += 1;
        }
        r += 1;
    }
    out[n] = b' ';
    n += 1;
    let mut b: usize = 0;
    while b < 256 {
        let c = b as u8;
        if !(c.is_ascii_graphic() || c == b' ') {
            out[n] = c;
            n += 1;
        }
        b += 1;
    }
    out
}

/// Whether `x` comes before `y`: shorter first, then byte by byte in
/// [`RANK`] order.
fn less(x: &[u8], y: &[u8]) -> bool {
    if x.len() != y.len() {
        return x.len() < y.len();
    }
    x.iter()
        .map(|&b| RANK[usize::from(b)])
        .lt(y.iter().map(|&b| RANK[usize::from(b)]))
}

/// Caches compiled automata by pattern text; one per thread.
///
/// ```
/// use muster_shared::glob::{intersect::Intersector, Pattern};
///
/// let mut x = Intersector::new();
/// let p = |s: &str| Pattern::parse(s).unwrap();
/// assert_eq!(x.witness(&p("src/"), &p("src/auth/x.rs")).as_deref(), Some("src/auth/x.rs"));
/// assert_eq!(x.witness(&p("*.md"), &p("docs/")).as_deref(), Some("docs/.md"));
/// assert_eq!(x.witness(&p("*.md"), &p("*.rs")), None);
/// ```
#[derive(Debug)]
pub struct Intersector {
    /// Pattern text to its automaton.
    index: HashMap<String, Auto, FnvBuild>,
    /// The tables of the automata: shapes' and patterns' own; `None` when
    /// a DFA could not be built.
    tables: Vec<Option<Table>>,
    /// The tables of the shapes (the rests of anchored patterns after
    /// their leading literal directories, `**/*.md` of
    /// `services/pay/**/*.md`), by the rests' globs joined with NUL:
    /// thousands of patterns share a few shapes.
    shapes: HashMap<String, usize, FnvBuild>,
    /// What stands in for a pattern left out: takes every path.
    any: Table,
    /// Working space for searches.
    scratch: Scratch,
    /// The least rest of a path from a state of one table (its place in
    /// `tables`, the state) at the start of a segment: many literal
    /// directories reach the same state of `**/*.md`.
    below: HashMap<(usize, u32), Search, FnvBuild>,
    /// The least rest of a path from states of two tables, and the
    /// validity state: once the leads are walked, thousands of pattern
    /// pairs are a few pairs of shapes.
    products: HashMap<Product, Search, FnvBuild>,
    /// Whether the last answer was exact (see [`Intersector::was_exact`]).
    exact: bool,
    /// Whether to use shapes (tests turn it off to compare).
    by_shape: bool,
}

/// A search's start: a table and its state, the other table and its
/// state, the validity state.
type Product = (usize, u32, usize, u32, u8);

/// A pattern's automaton: the literal lead every path it takes starts
/// with (`services/pay/`, its first `lead` bytes of each glob; none for a
/// pattern that is not built from a shape), then a table.
#[derive(Debug, Clone, Copy)]
struct Auto {
    lead: usize,
    table: usize,
}

/// Where a walk along an automaton is: `Lead(i)` after the first `i`
/// bytes of its lead (not all of it), else at a state of its table.
#[derive(Debug, Clone, Copy)]
enum At {
    Lead(usize),
    State(u32),
    Dead,
}

/// The automaton's place after `bytes` from `at`: along the lead (the
/// bytes must be its own), then through the table.
fn walk_from(t: &Table, lead: &[u8], at: At, bytes: &[u8]) -> At {
    match at {
        At::Dead => At::Dead,
        At::State(s) => match t.walk(s, bytes) {
            DEAD => At::Dead,
            s => At::State(s),
        },
        At::Lead(i) => {
            let rest = &lead[i..];
            let n = rest.len().min(bytes.len());
            if bytes[..n] != rest[..n] {
                At::Dead
            } else if bytes.len() < rest.len() {
                At::Lead(i + n)
            } else {
                walk_from(t, lead, At::State(0), &bytes[n..])
            }
        }
    }
}

/// The validity automaton's state after `bytes` from `state`.
fn valid_walk(state: u8, bytes: &[u8]) -> u8 {
    bytes.iter().fold(state, |v, &b| valid_next(v, b))
}

impl Default for Intersector {
    fn default() -> Self {
        Intersector {
            index: HashMap::default(),
            tables: Vec::new(),
            shapes: HashMap::default(),
            any: Table::any(),
            scratch: Scratch::default(),
            below: HashMap::default(),
            products: HashMap::default(),
            exact: true,
            by_shape: true,
        }
    }
}

impl Intersector {
    /// An empty cache.
    pub fn new() -> Intersector {
        Intersector::default()
    }

    /// A valid repo path both patterns take (the least one: shortest, then
    /// in [`RANK`] order), or None when there is none.
    pub fn witness(&mut self, a: &Pattern, b: &Pattern) -> Option<String> {
        self.exact = true;
        let found = self.witness_bytes(a, b)?;
        Some(match String::from_utf8(found) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    /// Whether the last [`Intersector::witness`] was exact: false when an
    /// automaton was too big to build or the search gave up, so the answer
    /// was the sound over-approximation (a conflict whose witness may not
    /// be taken by both patterns).
    pub fn was_exact(&self) -> bool {
        self.exact
    }

    /// The witness as bytes: by the quickest way that gives the exact
    /// answer.
    fn witness_bytes(&mut self, a: &Pattern, b: &Pattern) -> Option<Vec<u8>> {
        if a.globs.is_empty() || b.globs.is_empty() {
            return None;
        }
        // Anchored patterns that differ in a leading literal segment take
        // nothing in common (`src/*.rs`, `docs/**`): the cheapest test, first.
        if a.anchored && b.anchored && a.lead.iter().zip(&b.lead).any(|(x, y)| x != y) {
            return None;
        }
        match (literal_forms(a), literal_forms(b)) {
            (Some(fa), Some(fb)) => literal_witness(&fa, &fb),
            (Some(fa), None) if anchored(&fa) => self.anchored_witness(&fa, b),
            (None, Some(fb)) if anchored(&fb) => self.anchored_witness(&fb, a),
            _ => self.dfa_witness(a, b),
        }
    }

    /// The witness of an anchored literal pattern (forms `lit` and
    /// `lit/**`) and any pattern: the other's automaton run along `lit`,
    /// then searched alone for the least rest of the path below it.
    fn anchored_witness(&mut self, forms: &Forms<'_>, p: &Pattern) -> Option<Vec<u8>> {
        let au = self.auto(p);
        let lead = lead_of(p, au);
        let Intersector {
            tables,
            any,
            scratch,
            below,
            exact,
            ..
        } = self;
        // A pattern left out takes every path (soundly).
        let built = tables[au.table].as_ref();
        *exact &= built.is_some();
        let t = built.unwrap_or(any);
        let start = At::Lead(0);
        let mut best: Option<Vec<u8>> = None;
        let mut keep = |path: Vec<u8>| {
            if best.as_ref().is_none_or(|b| less(&path, b)) {
                best = Some(path);
            }
        };
        for f in forms.iter().flatten().filter(|f| !f.below) {
            if let At::State(s) = walk_from(t, lead, start, f.lit) {
                if t.accepts(s) {
                    keep(f.lit.to_vec());
                }
            }
        }
        for f in forms.iter().flatten().filter(|f| f.below) {
            // Below `lit/`: the rest of the lead, if `lit` is inside it,
            // then the least rest from the table's state.
            let (mid, at) = match walk_from(t, lead, walk_from(t, lead, start, f.lit), b"/") {
                At::Dead => continue,
                At::State(s) => (&[][..], s),
                At::Lead(i) => (&lead[i..], 0),
            };
            if valid_walk(SEG_START, mid) != SEG_START {
                continue;
            }
            let found = below
                .entry((au.table, at))
                .or_insert_with(|| search_from(any, t, (0, at, SEG_START), scratch));
            let rest = match found {
                Search::Found(rest) => &rest[..],
                Search::Empty => continue,
                // Sound: report a conflict.
                Search::TooBig => {
                    *exact = false;
                    b"a"
                }
            };
            let mut path = Vec::with_capacity(f.lit.len() + 1 + mid.len() + rest.len());
            path.extend_from_slice(f.lit);
            path.push(b'/');
            path.extend_from_slice(mid);
            path.extend_from_slice(rest);
            keep(path);
        }
        best
    }

    /// The pattern's automaton, built on first use: its shape's table
    /// after its lead when it has one, else its own.
    fn auto(&mut self, p: &Pattern) -> Auto {
        if let Some(&a) = self.index.get(&p.text) {
            return a;
        }
        let shaped = match split_lead(p).filter(|_| self.by_shape) {
            Some((lead, rest)) => {
                let key = rest.join("\0");
                let k = match self.shapes.get(&key) {
                    Some(&k) => k,
                    None => {
                        self.tables.push(compile_globs(&rest));
                        self.shapes.insert(key, self.tables.len() - 1);
                        self.tables.len() - 1
                    }
                };
                // Far below the size limits, the pattern's own automaton
                // would be too: the same answers.
                self.tables[k]
                    .as_ref()
                    .is_some_and(|t| t.states() <= SHAPE_STATES)
                    .then_some(Auto {
                        lead: lead.len(),
                        table: k,
                    })
            }
            None => None,
        };
        let a = shaped.unwrap_or_else(|| {
            self.tables.push(compile(p));
            Auto {
                lead: 0,
                table: self.tables.len() - 1,
            }
        });
        self.index.insert(p.text.clone(), a);
        a
    }

    /// The witness through the product of the automata (whatever the
    /// patterns). Every path both take starts with the longer lead, so
    /// the other automaton is run along it, and the product searched from
    /// there (cached: the same shapes meet again and again).
    fn dfa_witness(&mut self, a: &Pattern, b: &Pattern) -> Option<Vec<u8>> {
        let (aa, ab) = (self.auto(a), self.auto(b));
        let (la, lb) = (lead_of(a, aa), lead_of(b, ab));
        let ((x, lx), (y, ly)) = if la.len() <= lb.len() {
            ((aa, la), (ab, lb))
        } else {
            ((ab, lb), (aa, la))
        };
        let Intersector {
            tables,
            any,
            scratch,
            products,
            exact,
            ..
        } = self;
        *exact &= tables[x.table].is_some() && tables[y.table].is_some();
        if !ly.starts_with(lx) {
            return None;
        }
        let get = |k: usize| tables[k].as_ref().unwrap_or(any);
        let tx = get(x.table);
        let sx = match tx.walk(0, &ly[lx.len()..]) {
            DEAD => return None,
            s => s,
        };
        let v = valid_walk(SEG_START, ly);
        if v == INVALID {
            return None;
        }
        // The same search either way round: the smaller table first.
        let (first, second) = ((x.table, sx), (y.table, 0));
        let ((ka, sa), (kb, sb)) = if first <= second {
            (first, second)
        } else {
            (second, first)
        };
        let (ta, tb) = (get(ka), get(kb));
        let found = products
            .entry((ka, sa, kb, sb, v))
            .or_insert_with(|| search_from(ta, tb, (sa, sb, v), scratch));
        let rest = match found {
            Search::Found(rest) => rest.clone(),
            Search::Empty => return None,
            // Sound: report a conflict. The witness is the least path of
            // one pattern alone (or "a").
            Search::TooBig => {
                *exact = false;
                match (
                    search_from(ta, any, (sa, 0, v), scratch),
                    search_from(any, tb, (0, sb, v), scratch),
                ) {
                    (Search::Found(w), _) | (_, Search::Found(w)) => w,
                    _ => b"a".to_vec(),
                }
            }
        };
        let mut path = Vec::with_capacity(ly.len() + rest.len());
        path.extend_from_slice(ly);
        path.extend_from_slice(&rest);
        Some(path)
    }
}

/// The lead of pattern `p` whose automaton is `au`.
fn lead_of(p: &Pattern, au: Auto) -> &[u8] {
    p.globs
        .first()
        .map_or(&[][..], |g| &g.as_bytes()[..au.lead])
}

/// A valid repo path both patterns take (see [`Intersector::witness`]),
/// with a fresh [`Intersector`].
pub fn witness(a: &Pattern, b: &Pattern) -> Option<String> {
    Intersector::new().witness(a, b)
}

// ---------------------------------------------------------------------------
// Literal patterns

/// The bytes that make a glob more than a literal.
const SPECIAL: &[u8] = b"*?[]{}\\";

/// A literal glob: `lit`, `lit/**`, `**/lit` or `**/lit/**`.
#[derive(Debug, Clone, Copy)]
struct Form<'a> {
    /// A valid path.
    lit: &'a [u8],
    /// `**/` before it: at any depth.
    floating: bool,
    /// `/**` after it: what is below it (at least one more segment).
    below: bool,
}

/// Whether all the forms are anchored at the root.
fn anchored(forms: &Forms<'_>) -> bool {
    forms.iter().flatten().all(|f| !f.floating)
}

/// The globs of a pattern when they are all literal forms (at most two).
type Forms<'a> = [Option<Form<'a>>; 2];

fn literal_forms(p: &Pattern) -> Option<Forms<'_>> {
    // Whether they are was found when the pattern was parsed: only the
    // cuts are made again.
    if !p.literal {
        return None;
    }
    let mut out: Forms<'_> = [None, None];
    for (slot, g) in out.iter_mut().zip(&p.globs) {
        *slot = Some(cut(g));
    }
    Some(out)
}

/// The literal forms of a pattern's globs, or None when one is not.
fn forms_of(globs: &[String]) -> Option<Forms<'_>> {
    let mut out: Forms<'_> = [None, None];
    if globs.len() > out.len() {
        return None;
    }
    for (slot, g) in out.iter_mut().zip(globs) {
        *slot = Some(form(g)?);
    }
    Some(out)
}

/// Whether a pattern's globs are all literal forms (`lit`, `lit/**`,
/// `**/lit`, `**/lit/**`), the quick cases of [`Intersector::witness`].
pub(super) fn is_literal(globs: &[String]) -> bool {
    forms_of(globs).is_some()
}

fn form(g: &str) -> Option<Form<'_>> {
    let f = cut(g);
    let valid = f
        .lit
        .split(|&c| c == b'/')
        .all(|s| !matches!(s, b"" | b"." | b".."))
        && !f.lit.iter().any(|c| *c == 0 || SPECIAL.contains(c));
    valid.then_some(f)
}

/// A glob as a literal form, unchecked: `**/` and `/**` cut off.
fn cut(g: &str) -> Form<'_> {
    let mut lit = g.as_bytes();
    let floating = match lit.strip_prefix(b"**/") {
        Some(rest) => {
            lit = rest;
            true
        }
        None => false,
    };
    let below = match lit.strip_suffix(b"/**") {
        Some(rest) => {
            lit = rest;
            true
        }
        None => false,
    };
    Form {
        lit,
        floating,
        below,
    }
}

/// The least path taken by both sets of literal forms: the least of what
/// each pair of forms has in common.
fn literal_witness(a: &Forms<'_>, b: &Forms<'_>) -> Option<Vec<u8>> {
    let mut best = None;
    for x in a.iter().flatten() {
        for y in b.iter().flatten() {
            // Either may come first in the path.
            for (f, s) in [(x, y), (y, x)] {
                place(f, s, &mut best);
            }
        }
    }
    best
}

/// Every least path with `f` starting it and `s` starting at the start of a
/// segment of `f` or right after it (the shortest paths with both place them
/// so: anything before both, or between them, could go); keeps the least in
/// `best`.
fn place(f: &Form<'_>, s: &Form<'_>, best: &mut Option<Vec<u8>>) {
    let (fl, sl) = (f.lit, s.lit);
    let starts = std::iter::once(0)
        .chain(
            fl.iter()
                .enumerate()
                .filter(|(_, &c)| c == b'/')
                .map(|(i, _)| i + 1),
        )
        .chain(std::iter::once(fl.len() + 1));
    for at in starts {
        if at > 0 && !s.floating {
            break;
        }
        // Where `s` ends, and whether it agrees with `f` where they overlap.
        let s_end = at + sl.len();
        let agrees = if at > fl.len() {
            true
        } else if s_end <= fl.len() {
            &fl[at..s_end] == sl && (s_end == fl.len() || fl[s_end] == b'/')
        } else {
            let overlap = fl.len() - at;
            fl[at..] == sl[..overlap] && sl[overlap] == b'/'
        };
        if !agrees {
            continue;
        }
        // A form without `/**` ends the path; one with it needs a segment
        // after it.
        let end = fl.len().max(s_end);
        let len = match (f.below, s.below) {
            (false, false) if fl.len() == s_end => end,
            (false, true) if s_end < fl.len() => end,
            (true, false) if fl.len() < s_end => end,
            (true, true) => end + 2,
            _ => continue,
        };
        if best.as_ref().is_some_and(|b: &Vec<u8>| b.len() < len) {
            continue;
        }
        let mut path = Vec::with_capacity(len);
        if at > fl.len() {
            path.extend_from_slice(fl);
            path.push(b'/');
            path.extend_from_slice(sl);
        } else if s_end <= fl.len() {
            path.extend_from_slice(fl);
        } else {
            path.extend_from_slice(&fl[..at]);
            path.extend_from_slice(sl);
        }
        if path.len() < len {
            path.extend_from_slice(b"/a");
        }
        if best.as_ref().is_none_or(|b| less(&path, b)) {
            *best = Some(path);
        }
    }
}

// ---------------------------------------------------------------------------
// Automata

/// A state of a [`Table`] that no path from it is taken by the pattern.
const DEAD: u32 = u32::MAX;

/// A pattern's DFA as a plain table: its states reachable from the start
/// (state 0) from which some path is accepted, numbered from 0.
#[derive(Debug)]
struct Table {
    /// `next[s * class_len + c]`: the state after a byte of class `c` from
    /// state `s`, or [`DEAD`].
    next: Vec<u32>,
    /// Whether the path so far is taken (the DFA matches at its end).
    accept: Vec<bool>,
    /// The byte class of each byte, bytes in [`RANK`] order.
    classes: [u8; 256],
    /// How many byte classes.
    class_len: usize,
}

impl Table {
    /// Takes every path.
    fn any() -> Table {
        Table {
            next: vec![0],
            accept: vec![true],
            classes: [0; 256],
            class_len: 1,
        }
    }

    /// Takes nothing.
    fn nothing() -> Table {
        Table {
            next: vec![DEAD],
            accept: vec![false],
            classes: [0; 256],
            class_len: 1,
        }
    }

    fn states(&self) -> usize {
        self.accept.len()
    }

    /// The state after `bytes` from `state` (or [`DEAD`]).
    fn walk(&self, mut state: u32, bytes: &[u8]) -> u32 {
        for &byte in bytes {
            if state == DEAD {
                break;
            }
            let class = self.classes[usize::from(RANK[usize::from(byte)])];
            state = self.next[state as usize * self.class_len + usize::from(class)];
        }
        state
    }

    /// Whether the path that led to `state` is taken.
    fn accepts(&self, state: u32) -> bool {
        state != DEAD && self.accept[state as usize]
    }
}

/// A shape's automaton is used for a pattern only when it has at most
/// this many states (a dense DFA of 256 classes would take 4 MiB, a
/// quarter of [`SIZE_LIMIT`]), so that the pattern's own automaton, a
/// state per byte of its lead more, would be built too: the same answers.
/// For a bigger one, the pattern's own is built.
const SHAPE_STATES: usize = 4096;

/// An anchored pattern as its leading literal directories (`a/b/`) and the
/// rests of its globs after them, when every glob starts with them as
/// plain text. A path is taken iff it is the lead followed by a path a rest
/// takes, among valid paths (globset's `a/**/b` is `a(/|/.*/)b`, and `a/` +
/// `**/b` is `a/(/?|.*/)b`: they differ only on `a//b`).
fn split_lead(p: &Pattern) -> Option<(&[u8], Vec<&str>)> {
    if !p.anchored || p.lead.is_empty() || p.literal || p.globs.is_empty() {
        return None;
    }
    let first = p.globs[0].as_bytes();
    let mut len = 0;
    for seg in &p.lead {
        len += seg.len() + 1;
    }
    let lead = first.get(..len)?;
    if lead.iter().any(|c| *c == 0 || SPECIAL.contains(c)) || lead.last() != Some(&b'/') {
        return None;
    }
    let mut rest = Vec::with_capacity(p.globs.len());
    for g in &p.globs {
        let r = g.strip_prefix(std::str::from_utf8(lead).ok()?)?;
        if r.is_empty() || r.starts_with('/') {
            return None;
        }
        rest.push(r);
    }
    Some((lead, rest))
}

/// The pattern's automaton: one regex per glob (globset's, with its
/// settings) in one DFA, matched whole from an anchored start. None when it
/// cannot be built within [`SIZE_LIMIT`].
fn compile(p: &Pattern) -> Option<Table> {
    compile_globs(&p.globs)
}

/// The automaton of globs (see [`compile`]).
fn compile_globs<S: AsRef<str>>(globs: &[S]) -> Option<Table> {
    let mut regexes = Vec::with_capacity(globs.len());
    for g in globs {
        let g = g.as_ref();
        regexes.push(glob(g).ok()?.regex().to_string());
    }
    let dfa = dense::Builder::new()
        .syntax(syntax::Config::new().utf8(false).dot_matches_new_line(true))
        .thompson(
            thompson::Config::new()
                .utf8(false)
                .which_captures(thompson::WhichCaptures::None)
                .nfa_size_limit(Some(SIZE_LIMIT)),
        )
        .configure(
            dense::Config::new()
                .match_kind(MatchKind::All)
                .start_kind(StartKind::Anchored)
                .dfa_size_limit(Some(SIZE_LIMIT))
                .determinize_size_limit(Some(SIZE_LIMIT)),
        )
        .build_many(&regexes)
        .ok()?;
    tabulate(&dfa)
}

/// The reachable, live part of a DFA as a [`Table`].
fn tabulate(dfa: &dense::DFA<Vec<u32>>) -> Option<Table> {
    let start = dfa
        .start_state(&start::Config::new().anchored(Anchored::Yes))
        .ok()?;
    let mut classes = [0u8; 256];
    for (c, &b) in classes.iter_mut().zip(BY_RANK.iter()) {
        *c = dfa.byte_classes().get(b);
    }
    let class_len = usize::from(classes.iter().copied().max().unwrap_or(0)) + 1;
    // One byte of each class.
    let mut reps = vec![0u8; class_len];
    for (&c, &b) in classes.iter().zip(BY_RANK.iter()).rev() {
        reps[usize::from(c)] = b;
    }
    if dfa.is_dead_state(start) {
        return Some(Table::nothing());
    }
    // Number the reachable states breadth first.
    let mut number: HashMap<StateID, u32, FnvBuild> = HashMap::default();
    let mut order = vec![start];
    number.insert(start, 0);
    let mut next = Vec::new();
    let mut accept = Vec::new();
    let mut at = 0;
    while let Some(&id) = order.get(at) {
        accept.push(dfa.is_match_state(dfa.next_eoi_state(id)));
        for &b in &reps {
            let t = dfa.next_state(id, b);
            if dfa.is_dead_state(t) {
                next.push(DEAD);
                continue;
            }
            if dfa.is_quit_state(t) {
                // Never with globset's regexes; left out, soundly.
                return None;
            }
            let n = match number.get(&t) {
                Some(&n) => n,
                None => {
                    let n = u32::try_from(order.len()).ok()?;
                    number.insert(t, n);
                    order.push(t);
                    n
                }
            };
            next.push(n);
        }
        at += 1;
    }
    // Keep the states from which some path is accepted.
    let states = order.len();
    let mut into: Vec<Vec<u32>> = vec![Vec::new(); states];
    for (k, &t) in next.iter().enumerate() {
        if let Some(v) = into.get_mut(t as usize) {
            v.push((k / class_len) as u32);
        }
    }
    let mut live = accept.clone();
    let mut todo: Vec<usize> = (0..states).filter(|&s| live[s]).collect();
    while let Some(s) = todo.pop() {
        for &from in &into[s] {
            if !live[from as usize] {
                live[from as usize] = true;
                todo.push(from as usize);
            }
        }
    }
    if !live[0] {
        return Some(Table::nothing());
    }
    for t in &mut next {
        if *t != DEAD && !live[*t as usize] {
            *t = DEAD;
        }
    }
    Some(Table {
        next,
        accept,
        classes,
        class_len,
    })
}

/// The validity automaton's states: at the start of a segment (the path's
/// or after a `/`), in a segment that is so far `.` or `..`, in any other
/// segment, or dead (empty, `.` or `..` segment, or NUL).
const SEG_START: u8 = 0;
const DOT: u8 = 1;
const DOT_DOT: u8 = 2;
const NAME: u8 = 3;
const INVALID: u8 = 4;

/// The validity automaton's byte classes: `/`, `.`, NUL, any other.
fn valid_class(b: u8) -> usize {
    match b {
        b'/' => 0,
        b'.' => 1,
        0 => 2,
        _ => 3,
    }
}

fn valid_next(state: u8, b: u8) -> u8 {
    match (state, b) {
        (_, 0) => INVALID,
        (NAME, b'/') => SEG_START,
        (_, b'/') => INVALID,
        (SEG_START, b'.') => DOT,
        (DOT, b'.') => DOT_DOT,
        (INVALID, _) => INVALID,
        _ => NAME,
    }
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Search {
    /// The least path all the automata accept.
    Found(Vec<u8>),
    /// There is none.
    Empty,
    /// More than [`MAX_STATES`] states.
    TooBig,
}

/// One visited product state: the two automata's states, the validity
/// state, and how it was reached.
#[derive(Debug, Clone, Copy)]
struct Node {
    a: u32,
    b: u32,
    valid: u8,
    byte: u8,
    parent: u32,
}

/// Working space for searches, kept between them.
#[derive(Debug, Default)]
struct Scratch {
    nodes: Vec<Node>,
    /// Visited product states, when there are few enough to index: those
    /// marked with the current `stamp`.
    seen: Vec<u32>,
    /// Joint byte classes met (marked with the current `stamp`).
    joint: Vec<u32>,
    /// One byte per joint class, and its class in each automaton.
    edges: Vec<(u8, usize, usize)>,
    /// This search's mark, so that nothing needs clearing after one.
    stamp: u32,
}

impl Scratch {
    /// A new mark for a new search.
    fn next_stamp(&mut self) -> u32 {
        if self.stamp == u32::MAX {
            self.seen.iter_mut().for_each(|s| *s = 0);
            self.joint.iter_mut().for_each(|s| *s = 0);
            self.stamp = 0;
        }
        self.stamp += 1;
        self.stamp
    }
}

/// The most product states indexed densely; beyond, a hash set.
const DENSE: usize = 1 << 22;

/// Breadth-first search over the product of the two automata and the
/// validity automaton, for the least path all accept.
#[cfg(test)]
fn search(a: &Table, b: &Table, scratch: &mut Scratch) -> Search {
    search_from(a, b, (0, 0, SEG_START), scratch)
}

/// [`search`] from the given states of the two automata and the validity
/// automaton (the path found is what comes after).
fn search_from(a: &Table, b: &Table, from: (u32, u32, u8), scratch: &mut Scratch) -> Search {
    let (ra, rb, rv) = from;
    if ra == DEAD || rb == DEAD || rv == INVALID {
        return Search::Empty;
    }
    let stamp = scratch.next_stamp();
    let Scratch {
        nodes,
        seen,
        joint,
        edges,
        ..
    } = scratch;
    // One byte per class of the joint classes, the least in RANK order, in
    // that order.
    let (la, lb) = (a.class_len, b.class_len);
    joint.resize(joint.len().max(la * lb * 4), 0);
    edges.clear();
    for (i, &byte) in BY_RANK.iter().enumerate() {
        let (ca, cb) = (usize::from(a.classes[i]), usize::from(b.classes[i]));
        if let Some(s) = joint.get_mut((ca * lb + cb) * 4 + valid_class(byte)) {
            if *s != stamp {
                *s = stamp;
                edges.push((byte, ca, cb));
            }
        }
    }

    let nb = b.states();
    let product = a.states().saturating_mul(nb).saturating_mul(4);
    let dense = product <= DENSE;
    if dense {
        seen.resize(seen.len().max(product), 0);
    }
    let mut sparse: HashSet<usize> = HashSet::new();
    let state = |n: &Node| (n.a as usize * nb + n.b as usize) * 4 + usize::from(n.valid);
    let mut visit = |k: usize| match seen.get_mut(k) {
        Some(s) if dense => std::mem::replace(s, stamp) != stamp,
        _ => sparse.insert(k),
    };

    nodes.clear();
    let root = Node {
        a: ra,
        b: rb,
        valid: rv,
        byte: 0,
        parent: 0,
    };
    visit(state(&root));
    nodes.push(root);
    let mut head = 0;
    while let Some(&n) = nodes.get(head) {
        let (na, nb_) = (n.a as usize, n.b as usize);
        if n.valid == NAME && a.accept[na] && b.accept[nb_] {
            return Search::Found(path_to(nodes, head));
        }
        for &(byte, ca, cb) in edges.iter() {
            let valid = valid_next(n.valid, byte);
            if valid == INVALID {
                continue;
            }
            let ta = a.next[na * la + ca];
            let tb = b.next[nb_ * lb + cb];
            if ta == DEAD || tb == DEAD {
                continue;
            }
            let next = Node {
                a: ta,
                b: tb,
                valid,
                byte,
                parent: head as u32,
            };
            if visit(state(&next)) {
                if nodes.len() >= MAX_STATES {
                    return Search::TooBig;
                }
                nodes.push(next);
            }
        }
        head += 1;
    }
    Search::Empty
}

/// The bytes from the root to `nodes[at]`.
fn path_to(nodes: &[Node], mut at: usize) -> Vec<u8> {
    let mut path = Vec::new();
    while let Some(n) = nodes.get(at).filter(|_| at > 0) {
        path.push(n.byte);
        at = n.parent as usize;
    }
    path.reverse();
    path
}

#[cfg(test)]
mod tests;
