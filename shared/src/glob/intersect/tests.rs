use super::*;

fn pat(s: &str) -> Pattern {
    Pattern::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

fn valid(p: &[u8]) -> bool {
    !p.is_empty()
        && !p.contains(&0)
        && p.split(|&c| c == b'/')
            .all(|s| !matches!(s, b"" | b"." | b".."))
}

/// The witness in both orders, checked: the same both ways and twice, and
/// when there is one, valid and taken by both.
fn checked(x: &mut Intersector, a: &Pattern, b: &Pattern) -> Option<String> {
    let w = x.witness(a, b);
    assert_eq!(
        w,
        x.witness(b, a),
        "{:?} {:?}: not symmetric",
        a.text,
        b.text
    );
    assert_eq!(
        w,
        x.witness(a, b),
        "{:?} {:?}: not deterministic",
        a.text,
        b.text
    );
    if let Some(w) = &w {
        let p = w.as_bytes();
        assert!(valid(p), "{:?} {:?}: invalid witness {w:?}", a.text, b.text);
        assert!(
            a.is_match(p) && b.is_match(p),
            "{:?} {:?}: witness {w:?} not taken by both",
            a.text,
            b.text
        );
    }
    w
}

#[test]
fn disjoint_pairs_have_no_witness() {
    let mut x = Intersector::new();
    for (a, b) in [
        ("*.md", "*.rs"),
        ("/a/", "/b/"),
        ("src/*.rs", "src/x/*.rs"),
        ("docs/*.md", "src/**"),
        ("src/auth/", "src/authz/"),
        ("/Cargo.toml", "/Cargo.lock"),
        ("x/y/", "y/z/"),
        ("src/auth", "lib/src/auth"),
        ("*.md", "notes.md/*.sh"),
        ("src/*", "src/a/b.rs"),
        ("**/node_modules", "/node_modules/*.js"),
        ("a/**/b", "a/x?"),
        ("[/]", "**"),
        ("/?", "/ab"),
    ] {
        assert_eq!(checked(&mut x, &pat(a), &pat(b)), None, "{a} {b}");
        assert_eq!(witness(&pat(a), &pat(b)), None, "{a} {b}");
    }
}

#[test]
fn overlapping_pairs_have_the_least_witness() {
    let mut x = Intersector::new();
    for (a, b, w) in [
        ("a/", "b/", "a/b/a"),
        (
            "backend/core/",
            "backend/core/__init__.py",
            "backend/core/__init__.py",
        ),
        ("src/", "src/auth/x.rs", "src/auth/x.rs"),
        ("*.md", "docs/", "docs/.md"),
        ("**", "src/auth/x.rs", "src/auth/x.rs"),
        ("**", "*.md", ".md"),
        ("**", "**", "a"),
        ("src/*.rs", "src/main.rs", "src/main.rs"),
        ("src/auth", "src/auth", "src/auth"),
        ("src/auth/", "src/auth/", "src/auth/a"),
        ("src/auth", "src/auth/", "src/auth/a"),
        ("a/", "a/", "a/a"),
        ("Cargo.toml", "/Cargo.toml", "Cargo.toml"),
        ("Cargo.toml", "crates/x/", "crates/x/Cargo.toml"),
        ("/apps/web/src/", "web/", "apps/web/src/a"),
        ("/apps/web/src/", "apps/", "apps/web/src/a"),
        ("/Cargo.toml", "Cargo.lock", "Cargo.toml/Cargo.lock"),
        ("y/", "z/", "y/z/a"),
        ("x/y/", "y/", "x/y/a"),
        ("x/y/", "z/", "x/y/z/a"),
        ("?", "*", "a"),
        ("[!a-z]", "?", "A"),
        ("[0-9]", "*", "0"),
        ("a/**/b", "**/x/b", "a/x/b"),
        ("src/*/", "*.rs", "src/a/.rs"),
    ] {
        assert_eq!(
            checked(&mut x, &pat(a), &pat(b)).as_deref(),
            Some(w),
            "{a} {b}"
        );
    }
}

#[test]
fn the_order_of_bytes() {
    assert_eq!(RANK[usize::from(b'a')], 0);
    assert_eq!(RANK[usize::from(b'z')], 25);
    assert_eq!(RANK[usize::from(b'A')], 26);
    assert_eq!(RANK[usize::from(b'0')], 52);
    assert!(RANK[usize::from(b'9')] < RANK[usize::from(b'!')]);
    assert!(RANK[usize::from(b'~')] < RANK[usize::from(b' ')]);
    assert!(RANK[usize::from(b' ')] < RANK[0]);
    let mut all: Vec<u8> = RANK.to_vec();
    all.sort_unstable();
    assert!(all.iter().enumerate().all(|(i, &r)| usize::from(r) == i));
    assert!(less(b"zz", b"aaa"));
    assert!(less(b"ab", b"aB"));
    assert!(!less(b"ab", b"ab"));
}

#[test]
fn non_utf8_witnesses_are_lossy() {
    // `[é]` is one byte of `é`: the least is 0xA9 (RANK: the lower byte).
    let w = witness(&pat("[é]"), &pat("*")).unwrap();
    assert_eq!(w, "\u{fffd}");
}

#[test]
fn a_pattern_left_out_of_the_product_over_approximates() {
    // A missing DFA accepts everything: the least valid path.
    let (any, mut scratch) = (Table::any(), Scratch::default());
    assert_eq!(
        search(&any, &any, &mut scratch),
        Search::Found(b"a".to_vec())
    );
    let md = compile(&pat("*.md")).unwrap();
    assert_eq!(
        search(&md, &any, &mut scratch),
        Search::Found(b".md".to_vec())
    );
    let nothing = Table::nothing();
    assert_eq!(search(&nothing, &any, &mut scratch), Search::Empty);
    assert_eq!(search(&md, &nothing, &mut scratch), Search::Empty);
    // The scratch space is reused: the same search again, same answer, also
    // when the stamps wrap around.
    let md_alone = Search::Found(b".md".to_vec());
    assert_eq!(search(&md, &any, &mut scratch), md_alone);
    scratch.stamp = u32::MAX - 1;
    for _ in 0..3 {
        assert_eq!(search(&md, &any, &mut scratch), md_alone);
    }
    assert_eq!(scratch.stamp, 2);
}

/// A deterministic xorshift generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const NAMES: &[&str] = &["a", "b", "ab", "x.md", "src", "ba", ".md", "a.rs"];
const WILD: &[&str] = &["*", "**", "?", "[ab]", "*.md", "a*", "?b", "[!a]*", "*.*"];

fn random_pattern(rng: &mut Rng, literal: bool) -> Option<Pattern> {
    let depth = 1 + rng.below(3);
    let mut segs = Vec::new();
    for _ in 0..depth {
        let wild = !literal && rng.below(3) == 0;
        segs.push(rng.pick(if wild { WILD } else { NAMES }));
    }
    let mut text = segs.join("/");
    if rng.below(3) == 0 {
        text.insert(0, '/');
    }
    if rng.below(3) == 0 {
        text.push('/');
    }
    Pattern::parse(&text).ok()
}

fn universe() -> Vec<Vec<u8>> {
    let mut all: Vec<Vec<u8>> = NAMES.iter().map(|n| n.as_bytes().to_vec()).collect();
    let mut layer = all.clone();
    for _ in 1..4 {
        let mut next = Vec::new();
        for p in &layer {
            for n in NAMES {
                let mut q = p.clone();
                q.push(b'/');
                q.extend_from_slice(n.as_bytes());
                next.push(q);
            }
        }
        all.extend(next.iter().cloned());
        layer = next;
    }
    all
}

#[test]
fn random_pairs_are_sound_exact_and_least() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut patterns: Vec<Pattern> = Vec::new();
    while patterns.len() < 240 {
        let literal = patterns.len().is_multiple_of(3);
        if let Some(p) = random_pattern(&mut rng, literal) {
            patterns.push(p);
        }
    }
    let paths = universe();
    assert!(paths.len() > 4000);
    let taken: Vec<Vec<bool>> = patterns
        .iter()
        .map(|p| paths.iter().map(|q| p.is_match(q)).collect())
        .collect();
    let mut x = Intersector::new();
    let (mut some, mut none, mut literal_pairs, mut anchored_pairs) = (0, 0, 0, 0);
    for i in 0..patterns.len() {
        for j in i..patterns.len() {
            let (a, b) = (&patterns[i], &patterns[j]);
            let w = checked(&mut x, a, b);
            let common = paths
                .iter()
                .zip(taken[i].iter().zip(&taken[j]))
                .filter(|(_, (&ta, &tb))| ta && tb)
                .map(|(p, _)| p);
            match &w {
                Some(w) => {
                    some += 1;
                    for p in common {
                        assert!(
                            !less(p, w.as_bytes()),
                            "{:?} {:?}: {:?} is less than the witness {w:?}",
                            a.text,
                            b.text,
                            String::from_utf8_lossy(p)
                        );
                    }
                }
                None => {
                    none += 1;
                    if let Some(p) = common.into_iter().next() {
                        panic!(
                            "{:?} {:?}: no witness, but both take {:?}",
                            a.text,
                            b.text,
                            String::from_utf8_lossy(p)
                        );
                    }
                }
            }
            // Every quicker way agrees with the product of the automata.
            let by_product = x.dfa_witness(a, b);
            assert_eq!(
                x.witness_bytes(a, b),
                by_product,
                "{:?} {:?}",
                a.text,
                b.text
            );
            if let (Some(fa), Some(fb)) = (literal_forms(a), literal_forms(b)) {
                literal_pairs += 1;
                assert_eq!(
                    literal_witness(&fa, &fb),
                    by_product,
                    "{:?} {:?}",
                    a.text,
                    b.text
                );
            }
            for (p, q) in [(a, b), (b, a)] {
                if let Some(fp) = literal_forms(p).filter(anchored) {
                    anchored_pairs += 1;
                    assert_eq!(
                        x.anchored_witness(&fp, q),
                        by_product,
                        "{:?} {:?}",
                        p.text,
                        q.text
                    );
                }
            }
        }
    }
    // The generator makes both kinds, and enough literal pairs.
    assert!(some > 1000 && none > 1000, "{some} {none}");
    assert!(literal_pairs > 1000, "{literal_pairs}");
    assert!(anchored_pairs > 1000, "{anchored_pairs}");
}

#[test]
fn literal_fast_path_agrees_with_the_automata() {
    let texts = [
        "src/auth",
        "src/auth/",
        "/src/auth",
        "src/auth/x.rs",
        "src/",
        "/src/",
        "src",
        "auth",
        "auth/",
        "auth/x.rs",
        "x.rs",
        "Cargo.toml",
        "/Cargo.toml",
        "crates/x/Cargo.toml",
        "crates/",
        "x/",
        "/x/",
        "a/b/c",
        "b/c/",
        "c/d",
        "a/b/",
        "b/",
        "/a/b/c/d/",
        "c/",
        "a.b",
        "lib/src/auth/",
        "src/auth/src/auth",
    ];
    let patterns: Vec<Pattern> = texts.iter().map(|t| pat(t)).collect();
    let mut x = Intersector::new();
    let mut compared = 0;
    for a in &patterns {
        for b in &patterns {
            let (Some(fa), Some(fb)) = (literal_forms(a), literal_forms(b)) else {
                panic!("{:?} {:?} are literal", a.text, b.text);
            };
            let fast = literal_witness(&fa, &fb);
            assert_eq!(fast, x.dfa_witness(a, b), "{:?} {:?}", a.text, b.text);
            checked(&mut x, a, b);
            compared += 1;
        }
    }
    assert_eq!(compared, texts.len() * texts.len());
    // Escaped literals are not literal forms; they go through the automata.
    assert!(literal_forms(&pat("a\\*b")).is_none());
    assert!(literal_forms(&pat("*.md")).is_none());
}

/// Not a check: how long a witness takes (`cargo test -p muster-shared --lib
/// --release timing -- --nocapture`).
#[test]
fn timing() {
    let kinds: [(&str, &[&str], &[&str]); 3] = [
        (
            "literal/literal",
            &[
                "services/payments/",
                "/apps/web/src/",
                "Cargo.toml",
                "src/auth",
            ],
            &[
                "services/billing/",
                "/apps/web/src/x.ts",
                "docs/",
                "src/auth/login.py",
            ],
        ),
        (
            "literal/wildcard",
            &[
                "services/payments/",
                "/apps/web/src/",
                "Cargo.toml",
                "src/auth",
            ],
            &["*.md", "src/**/*.rs", "/apps/*/src/", "docs/*.md"],
        ),
        (
            "wildcard/wildcard",
            &["*.md", "src/**/*.rs", "/apps/*/src/", "docs/*.md"],
            &["**/*.test.ts", "src/*/mod.rs", "apps/web/**", "[a-z]*.md"],
        ),
    ];
    let mut x = Intersector::new();
    for (name, left, right) in kinds {
        let left: Vec<Pattern> = left.iter().map(|t| pat(t)).collect();
        let right: Vec<Pattern> = right.iter().map(|t| pat(t)).collect();
        let rounds = if cfg!(debug_assertions) { 100 } else { 20_000 };
        let start = std::time::Instant::now();
        let mut found = 0;
        for _ in 0..rounds {
            for (a, b) in left.iter().zip(&right) {
                found += usize::from(x.witness(a, b).is_some());
            }
        }
        let per = start.elapsed() / (rounds * left.len() as u32);
        println!("{name}: {per:?} per witness ({found} found)");
    }
}

/// A pattern whose DFA is too big to build (a star, then a run of `?`, the
/// classic blow-up) gives the sound answer, a conflict, and says it was not
/// exact; an ordinary pair is exact. (Found by the `intersect` fuzz target.)
#[test]
fn too_big_automata_are_sound_and_say_so() {
    let p = |s: &str| Pattern::parse(s).unwrap();
    let mut x = Intersector::new();
    // The fuzzer's input: invalid bytes (read as U+FFFD), then the blow-up.
    let raw = b"\xff\xff\xff\xff\xff\xff\xff\xff\xbf*[:alpha:]???????????????\xff\xff\xff\xff\xff\x08\xff";
    let big = p(&String::from_utf8_lossy(raw));
    assert!(x.witness(&big, &p("Z")).is_some());
    assert!(!x.was_exact());
    assert_eq!(x.witness(&p("*.md"), &p("*.rs")), None);
    assert!(x.was_exact());
}

/// An anchored pattern's automaton built from its shape (its leading
/// literal directories before the shape's automaton) gives the answers of
/// the pattern's own automaton.
#[test]
fn automata_from_shapes_agree_with_the_patterns_own() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut patterns: Vec<Pattern> = [
        "a/**/*.md",
        "a/b/**",
        "a/b/**/",
        "a/b/*/",
        "a/b/**/c/**",
        "a/b/*.rs",
        "a/b/?b",
        "a/[ab]/c",
        "a/b/\\*c/*.md",
        "/a/b/**/x.md",
        "a/x.md/**/*",
        "src/a*/**",
        // Literal ones, some inside the others' leads (`a/` of `a/b/`).
        "a",
        "a/",
        "/a/b",
        "a/b/",
        "a/b/c/",
        "a/b/x.md",
        "a/b/c/d.rs",
    ]
    .iter()
    .map(|t| pat(t))
    .collect();
    while patterns.len() < 200 {
        if let Some(p) = random_pattern(&mut rng, false) {
            // Half of them under a literal directory or two.
            let under = ["", "a/", "a/b/"][rng.below(3)];
            patterns.push(pat(&format!("{under}{}", p.text.trim_start_matches('/'))));
        }
    }
    let shaped = patterns.iter().filter(|p| split_lead(p).is_some()).count();
    assert!(shaped > 40, "{shaped}");
    let mut x = Intersector::new();
    let mut y = Intersector::new();
    y.by_shape = false;
    for a in &patterns {
        for b in &patterns {
            let by_product = y.dfa_witness(a, b);
            let exact = y.was_exact();
            // The product from after the leads, the quicker ways, and the
            // whole answer: each the plain product of the patterns' own
            // automata searched from their starts.
            let shaped = x.dfa_witness(a, b);
            assert_eq!(x.was_exact(), exact, "{:?} {:?}", a.text, b.text);
            let quick = x.witness_bytes(a, b);
            let whole = x.witness(a, b).map(String::into_bytes);
            for got in [shaped, quick, whole] {
                assert_eq!(got, by_product, "{:?} {:?}", a.text, b.text);
            }
        }
    }
}
