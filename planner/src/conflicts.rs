//! Which tasks may not run at the same time because their write allowlists
//! overlap: some path could match a pattern of each (DESIGN.md section 4).
//!
//! The work is done on distinct patterns, not on tasks: a hundred tasks
//! touching `services/pay/CHANGELOG.md` are one pattern. Not every pair of
//! patterns is compared. A pattern anchored at the root only takes paths
//! that start with its literal leading segments (`services/pay/src/*.rs`:
//! `services/pay/src`), so two anchored patterns can share a path only when
//! one's leading segments begin the other's. Patterns are sorted by their
//! leading segments; each is compared with those whose leading segments its
//! own begin (a contiguous run in that order) and with every floating
//! pattern (`*.md`, `build/`), which may take a path anywhere. Each
//! candidate pair is then decided exactly, with a witness path, by
//! `muster_shared::glob::intersect`.
//!
//! Two tasks conflict when a pattern of one overlaps a pattern of the other.
//! The waves are placed from the overlapping pattern pairs ([`Conflicts::uses`],
//! [`Conflicts::near`]); the plan's list is written from them after, either
//! every conflicting pair of tasks ([`Conflicts::every_pair`]) or the pairs
//! that order them all ([`Conflicts::ordering_pairs`]).

use crate::flat::Flat;
use crate::graph::Graph;
use muster_shared::glob::intersect::Intersector;
use muster_shared::hash::IntMap;
use muster_shared::schema::{Conflict, Task};
use std::sync::Arc;

/// Below this many candidate pairs one thread decides them all.
const PARALLEL_FROM: usize = 4096;

/// One use of a pattern: the task, and where in its touches.
#[derive(Debug, Clone, Copy)]
struct Slot {
    task: usize,
    at: usize,
}

/// The overlapping patterns of a graph's tasks.
#[derive(Debug, Clone, Default)]
pub struct Conflicts {
    /// Per distinct pattern, its users: ascending by task, one per task (its
    /// first use in that task's touches).
    users: Vec<Vec<Slot>>,
    /// Per task, the distinct patterns it uses, each once.
    uses: Vec<Vec<usize>>,
    /// The overlapping pairs of distinct patterns `(p, q)`, `p <= q`,
    /// sorted, each with a path both take (None: too complex to intersect
    /// exactly, so taken to overlap). A pattern is paired with itself when
    /// two tasks use it and it takes any path.
    found: Vec<(usize, usize, Option<String>)>,
    /// Per pattern, the patterns it overlaps (itself included), ascending.
    near: Vec<Vec<usize>>,
}

/// A pair of tasks to list: `a < b` (task indexes), where each uses the
/// overlapping patterns (indexes into its touches), and the pattern pair
/// (index into `found`). Sorted, the first of a task pair names the first
/// patterns in touches order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Hit {
    a: u32,
    b: u32,
    at_a: u32,
    at_b: u32,
    k: u32,
}

impl Hit {
    /// The hit for tasks `(x, at x)` and `(y, at y)`, in either order.
    fn new(x: (u32, u32), y: (u32, u32), k: usize) -> Hit {
        let (x, y) = if x.0 < y.0 { (x, y) } else { (y, x) };
        Hit {
            a: x.0,
            b: y.0,
            at_a: x.1,
            at_b: y.1,
            k: k as u32,
        }
    }
}

/// A use of a pattern in its chain: the task's wave, the task, where in
/// its touches. Ordered so, a chain is in wave order, and a task using both
/// patterns of a pair meets itself next to itself when two chains merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Link {
    wave: u32,
    task: u32,
    at: u32,
}

/// Lists, for pattern pair `k` with chains `x` and `y` (`y` empty when the
/// pair is a pattern with itself), each task with the one before it in the
/// merged chain, unless both use the same one of the two patterns: those
/// are neighbours in that pattern's own chain, listed with it. A task
/// using both counts once, by its first use in touches.
fn link_chains(x: &[Link], y: &[Link], k: u32, same: bool, hits: &mut Vec<Hit>) {
    // Which patterns a member uses: 1 the first, 2 the second.
    let (mut i, mut j) = (0, 0);
    let mut before: Option<(Link, u8)> = None;
    while i < x.len() || j < y.len() {
        let take_x = j == y.len() || (i < x.len() && x[i] <= y[j]);
        let (m, mut uses) = if take_x {
            i += 1;
            (x[i - 1], 1)
        } else {
            j += 1;
            (y[j - 1], 2)
        };
        // The same task next in the other chain (one use per task in each).
        if take_x && j < y.len() && y[j].task == m.task {
            j += 1;
            uses = 3;
        } else if !take_x && i < x.len() && x[i].task == m.task {
            i += 1;
            uses = 3;
        }
        if let Some((a, was)) = before {
            if same || was & uses == 0 {
                hits.push(Hit::new((a.task, a.at), (m.task, m.at), k as usize));
            }
        }
        before = Some((m, uses));
    }
}

/// Below this many pattern pairs (or listed pairs) one thread does them.
const LIST_PARALLEL_FROM: usize = 4096;

/// Finds the overlapping patterns of `g`'s tasks.
pub fn find(g: &Graph) -> Conflicts {
    // The tasks using each distinct pattern (numbered by the graph).
    let mut users: Vec<Vec<Slot>> = vec![Vec::new(); g.patterns.len()];
    let mut uses: Vec<Vec<usize>> = Vec::with_capacity(g.len());
    for (task, touches) in g.touches.iter().enumerate() {
        let mut mine: Vec<usize> = Vec::with_capacity(touches.len());
        for (at, &id) in touches.iter().enumerate() {
            if !mine.contains(&id) {
                mine.push(id);
                users[id].push(Slot { task, at });
            }
        }
        uses.push(mine);
    }
    let pattern = |id: usize| &g.patterns[id];

    // Anchored patterns by leading segments, as `a/b/` (a prefix test on
    // these strings is a prefix test on whole segments).
    let mut anchored: Vec<(String, usize)> = Vec::new();
    let mut floating: Vec<usize> = Vec::new();
    for id in 0..users.len() {
        match pattern(id).anchored_lead() {
            Some(lead) => {
                let mut key = String::new();
                for s in lead {
                    key.push_str(s);
                    key.push('/');
                }
                anchored.push((key, id));
            }
            None => floating.push(id),
        }
    }
    anchored.sort();

    // Candidate pairs of distinct patterns (a pattern with itself too: two
    // tasks may both touch it).
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (i, (key, a)) in anchored.iter().enumerate() {
        pairs.push((*a, *a));
        for (other, b) in &anchored[i + 1..] {
            if !other.starts_with(key.as_str()) {
                break;
            }
            pairs.push((*a, *b));
        }
    }
    for (i, &f) in floating.iter().enumerate() {
        for (_, other) in &anchored {
            pairs.push((f, *other));
        }
        for &other in &floating[i..] {
            pairs.push((f, other));
        }
    }
    // A pattern with itself matters only when two tasks use it.
    pairs.retain(|&(a, b)| a != b || users[a].len() > 1);

    // Each candidate decided exactly, on every core.
    let decided = muster_shared::par::map_chunks(pairs.len(), PARALLEL_FROM, |range| {
        let mut x = Intersector::new();
        let mut found = Vec::new();
        for &(a, b) in &pairs[range] {
            if let Some(w) = x.witness(pattern(a), pattern(b)) {
                // Too complex to intersect exactly: an overlap, to be safe,
                // with no witness (the one found may not match both).
                found.push((a.min(b), a.max(b), x.was_exact().then_some(w)));
            }
        }
        found
    });
    let mut found: Vec<(usize, usize, Option<String>)> = decided.into_iter().flatten().collect();
    found.sort_unstable();

    // A pattern that overlaps another takes some path, so the tasks using
    // it overlap each other too. The intersector finds that itself, unless
    // the pattern was too complex for it; then the pair is added with the
    // other pair's (absent) witness, so the tasks of any overlapping pair
    // of patterns always conflict pairwise.
    let mut paired = vec![false; users.len()];
    let mut with_self = vec![false; users.len()];
    for &(p, q, _) in &found {
        paired[p] = true;
        paired[q] = true;
        if p == q {
            with_self[p] = true;
        }
    }
    let mut extra = Vec::new();
    for (p, _) in users
        .iter()
        .enumerate()
        .filter(|(p, u)| u.len() > 1 && paired[*p] && !with_self[*p])
    {
        let w = found
            .iter()
            .find(|f| f.0 == p || f.1 == p)
            .and_then(|f| f.2.clone());
        extra.push((p, p, w));
    }
    if !extra.is_empty() {
        found.extend(extra);
        found.sort_unstable();
    }

    let mut near = vec![Vec::new(); users.len()];
    for &(p, q, _) in &found {
        near[p].push(q);
        if p != q {
            near[q].push(p);
        }
    }
    for n in &mut near {
        n.sort_unstable();
    }
    Conflicts {
        users,
        uses,
        found,
        near,
    }
}

/// The hits in order, from `parts`, for `tasks` tasks: put in buckets by
/// their first task (a counting sort: hundreds of thousands of hits, a
/// few per task), each bucket then sorted.
fn sorted(parts: Vec<Vec<Hit>>, tasks: usize) -> Vec<Hit> {
    let mut start = vec![0usize; tasks + 1];
    for h in parts.iter().flatten() {
        start[h.a as usize + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut next = start.clone();
    let mut out = vec![Hit::default(); start[tasks]];
    for h in parts.into_iter().flatten() {
        let at = &mut next[h.a as usize];
        out[*at] = h;
        *at += 1;
    }
    // The buckets sorted, half of them on another thread.
    let half = start.partition_point(|&s| s < out.len() / 2).min(tasks);
    let (low, high) = out.split_at_mut(start[half]);
    let sort_buckets = |items: &mut [Hit], bounds: &[usize]| {
        let base = bounds[0];
        for w in bounds.windows(2) {
            items[w[0] - base..w[1] - base].sort_unstable();
        }
    };
    std::thread::scope(|s| {
        s.spawn(|| sort_buckets(high, &start[half..]));
        sort_buckets(low, &start[..=half]);
    });
    out
}

impl Conflicts {
    /// The distinct patterns task `task` uses.
    pub fn uses(&self, task: usize) -> &[usize] {
        &self.uses[task]
    }

    /// The patterns pattern `p` overlaps (itself included when another task
    /// uses it too): a task using `p` conflicts with every task using one
    /// of these.
    pub fn near(&self, p: usize) -> &[usize] {
        &self.near[p]
    }

    /// How many distinct patterns there are.
    pub fn patterns(&self) -> usize {
        self.users.len()
    }

    /// Every conflicting pair of tasks, each with the first pair of their
    /// patterns (in touches order) that overlap. Quadratic in the tasks
    /// sharing an area; for small plans and for looking one pair up.
    pub fn every_pair(self, g: &Graph) -> Listed {
        let mut hits: Vec<Hit> = Vec::new();
        for (k, &(p, q, _)) in self.found.iter().enumerate() {
            for a in &self.users[p] {
                for b in &self.users[q] {
                    if a.task != b.task {
                        hits.push(Hit::new(
                            (a.task as u32, a.at as u32),
                            (b.task as u32, b.at as u32),
                            k,
                        ));
                    }
                }
            }
        }
        let hits = sorted(vec![hits], g.len());
        self.listed(g, hits)
    }

    /// Enough pairs to order every conflicting pair: for each overlapping
    /// pair of patterns, the tasks using either one conflict pairwise, so
    /// they sit in distinct waves; in wave order, each is paired with the
    /// one before it. Any two conflicting tasks are then ordered through a
    /// chain of listed pairs (or by their dependencies). Linear in the
    /// tasks per pattern pair.
    pub fn ordering_pairs(self, g: &Graph, wave: &[usize]) -> Listed {
        // Each pattern's users in wave order.
        let uses = self.users.iter().map(Vec::len).sum();
        let mut chains = Flat::with_capacity(self.users.len(), uses);
        for u in &self.users {
            chains
                .push(u.iter().map(|s| Link {
                    wave: wave[s.task] as u32,
                    task: s.task as u32,
                    at: s.at as u32,
                }))
                .sort_unstable();
        }
        let parts = muster_shared::par::map_chunks(self.found.len(), LIST_PARALLEL_FROM, |range| {
            let mut hits = Vec::new();
            for k in range {
                let (p, q, _) = self.found[k];
                let y = if q == p { &[][..] } else { chains.get(q) };
                link_chains(chains.get(p), y, k as u32, q == p, &mut hits);
            }
            hits
        });
        let hits = sorted(parts, g.len());
        self.listed(g, hits)
    }

    /// The listed pairs from sorted hits: each task pair once, with its
    /// first hit, as the patterns that overlap.
    fn listed(self, g: &Graph, mut hits: Vec<Hit>) -> Listed {
        hits.dedup_by_key(|h| (h.a, h.b));
        // The witnesses the pairs name, in order of first use: neighbours
        // in the list mostly share theirs.
        let mut found = self.found;
        let mut slot = vec![u32::MAX; found.len()];
        let mut witnesses = Vec::new();
        let pairs = hits
            .iter()
            .map(|h| {
                let k = &mut slot[h.k as usize];
                if *k == u32::MAX {
                    *k = witnesses.len() as u32;
                    witnesses.push(found[h.k as usize].2.take());
                }
                Pair {
                    a: h.a,
                    b: h.b,
                    pa: g.touches[h.a as usize][h.at_a as usize] as u32,
                    pb: g.touches[h.b as usize][h.at_b as usize] as u32,
                    k: *k,
                }
            })
            .collect();
        Listed {
            pairs,
            patterns: g.patterns.iter().map(|p| p.text.clone()).collect(),
            witnesses,
        }
    }
}

/// The pairs a plan lists, as indexes: made into [`Conflict`] records
/// ([`Listed::records`]) for a library caller, or written straight to JSON
/// ([`Listed::json`]) by the CLI, the same bytes without the records.
#[derive(Debug, Clone, Default)]
pub struct Listed {
    /// Sorted by tasks, each task pair once.
    pairs: Vec<Pair>,
    /// The graph's pattern texts, by number.
    patterns: Vec<String>,
    /// The pairs' witnesses (None: too complex to intersect exactly), in
    /// order of first use.
    witnesses: Vec<Option<String>>,
}

/// A listed pair: tasks `a < b` (indexes in id order), the overlapping
/// patterns `pa` (of `a`) and `pb` (of `b`), and `k` their witness.
#[derive(Debug, Clone, Copy)]
struct Pair {
    a: u32,
    b: u32,
    pa: u32,
    pb: u32,
    k: u32,
}

/// Reasons made so far, by (pattern, pattern, exact).
type Reasons = IntMap<(u32, u32, bool), Arc<str>>;

/// What a reason says after the patterns, when the overlap is not exact.
const MAYBE: &str = "may overlap: too complex to intersect exactly, so kept apart to be safe";

impl Listed {
    /// How many pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The pairs as records, for `tasks` (the graph's, in id order). Ids,
    /// reasons and witnesses are made once and shared.
    pub fn records(&self, tasks: &[Task]) -> Vec<Conflict> {
        let ids: Vec<Arc<str>> = tasks.iter().map(|t| Arc::from(t.id.as_str())).collect();
        let witnesses: Vec<Option<Arc<str>>> = self
            .witnesses
            .iter()
            .map(|w| w.as_deref().map(Arc::from))
            .collect();
        muster_shared::par::map_chunks(self.pairs.len(), LIST_PARALLEL_FROM, |range| {
            let mut reasons = Reasons::default();
            self.pairs[range]
                .iter()
                .map(|h| {
                    let witness = witnesses[h.k as usize].clone();
                    let reason = reasons
                        .entry((h.pa, h.pb, witness.is_some()))
                        .or_insert_with(|| self.reason(h.pa, h.pb, witness.is_some()))
                        .clone();
                    Conflict {
                        a: ids[h.a as usize].clone(),
                        b: ids[h.b as usize].clone(),
                        reason,
                        witness,
                    }
                })
                .collect::<Vec<_>>()
        })
        .into_iter()
        .flatten()
        .collect()
    }

    /// Why two tasks conflict: their patterns `pa` and `pb` overlap, for
    /// sure (`exact`) or maybe.
    fn reason(&self, pa: u32, pb: u32, exact: bool) -> Arc<str> {
        let (pa, pb) = (&self.patterns[pa as usize], &self.patterns[pb as usize]);
        let how = if exact { "overlap" } else { MAYBE };
        format!("touches '{pa}' and '{pb}' {how}").into()
    }

    /// A writer of the pairs as JSON array items, for `tasks` (the graph's,
    /// in id order): each item the bytes serde writes for its record.
    pub fn json<'a>(&'a self, tasks: &'a [Task], compact: bool) -> ListedJson<'a> {
        // The texts escaped once, each table in one buffer: looked up at
        // random, a string per heap block would miss the cache each time.
        let (ids, (patterns, witnesses)) = std::thread::scope(|s| {
            let w =
                s.spawn(|| Escaped::new(self.witnesses.iter().map(|w| w.as_deref().unwrap_or(""))));
            let ids = Escaped::new(tasks.iter().map(|t| t.id.as_str()));
            let patterns = Escaped::new(self.patterns.iter().map(String::as_str));
            (
                ids,
                (
                    patterns,
                    w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
                ),
            )
        });
        ListedJson {
            listed: self,
            compact,
            ids,
            patterns,
            witnesses,
        }
    }
}

/// Strings escaped as inside a JSON string, in one buffer.
#[derive(Debug)]
struct Escaped {
    bytes: Vec<u8>,
    /// String `i` is `bytes[starts[i]..starts[i + 1]]`.
    starts: Vec<usize>,
}

impl Escaped {
    fn new<'a>(texts: impl ExactSizeIterator<Item = &'a str>) -> Escaped {
        let mut starts = Vec::with_capacity(texts.len() + 1);
        let mut bytes = Vec::new();
        starts.push(0);
        for t in texts {
            push_escaped(&mut bytes, t);
            starts.push(bytes.len());
        }
        Escaped { bytes, starts }
    }

    fn get(&self, i: usize) -> &[u8] {
        &self.bytes[self.starts[i]..self.starts[i + 1]]
    }
}

/// Writes [`Listed`] pairs as JSON.
#[derive(Debug)]
pub struct ListedJson<'a> {
    listed: &'a Listed,
    compact: bool,
    ids: Escaped,
    patterns: Escaped,
    witnesses: Escaped,
}

impl ListedJson<'_> {
    /// Appends pair `i` as serde writes its record: compact, or pretty as an
    /// item of a top-level field's array (its lines indented two levels).
    pub fn write(&self, out: &mut Vec<u8>, i: usize) {
        let h = self.listed.pairs[i];
        let exact = self.listed.witnesses[h.k as usize].is_some();
        let sep: [&[u8]; 5] = if self.compact {
            [
                b"{\"a\":\"",
                b"\",\"b\":\"",
                b"\",\"reason\":\"touches '",
                b",\"witness\":",
                b"}",
            ]
        } else {
            [
                b"{\n      \"a\": \"",
                b"\",\n      \"b\": \"",
                b"\",\n      \"reason\": \"touches '",
                b",\n      \"witness\": ",
                b"\n    }",
            ]
        };
        out.extend_from_slice(sep[0]);
        out.extend_from_slice(self.ids.get(h.a as usize));
        out.extend_from_slice(sep[1]);
        out.extend_from_slice(self.ids.get(h.b as usize));
        out.extend_from_slice(sep[2]);
        out.extend_from_slice(self.patterns.get(h.pa as usize));
        out.extend_from_slice(b"' and '");
        out.extend_from_slice(self.patterns.get(h.pb as usize));
        if exact {
            out.extend_from_slice(b"' overlap\"");
        } else {
            out.extend_from_slice(b"' ");
            out.extend_from_slice(MAYBE.as_bytes());
            out.push(b'"');
        }
        out.extend_from_slice(sep[3]);
        if exact {
            out.push(b'"');
            out.extend_from_slice(self.witnesses.get(h.k as usize));
            out.push(b'"');
        } else {
            out.extend_from_slice(b"null");
        }
        out.extend_from_slice(sep[4]);
    }
}

/// Appends `s` as serde writes it inside a JSON string (escaped, without
/// the quotes).
fn push_escaped(out: &mut Vec<u8>, s: &str) {
    // No early exit: the common case, nothing to escape, runs vectorized.
    let plain = s
        .bytes()
        .fold(true, |ok, c| ok & (c >= 0x20) & (c != b'"') & (c != b'\\'));
    if plain {
        out.extend_from_slice(s.as_bytes());
    } else {
        let quoted = serde_json::to_string(s).unwrap_or_default();
        out.extend_from_slice(&quoted.as_bytes()[1..quoted.len() - 1]);
    }
}
