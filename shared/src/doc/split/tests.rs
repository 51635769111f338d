#![allow(clippy::unwrap_used)]

use super::*;
use crate::doc::parse;
use crate::schema::Tasks;

/// A small random number generator (xorshift), fixed seeds: the same cases
/// every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Tasks whose strings and labels hold what a cut could be fooled by:
/// `},{` inside strings, escaped quotes and backslashes, arrays of objects
/// inside an item, a `"tasks": [` inside a string.
fn tricky(n: usize, pretty: bool) -> String {
    tasks_doc(n, pretty, true)
}

/// `n` tasks; `nested`: some with arrays of objects in their labels, and
/// `},{` inside a string.
fn tasks_doc(n: usize, pretty: bool, nested: bool) -> String {
    let mut tasks = Vec::new();
    for i in 0..n {
        let goal = match i % 5 {
            0 => "plain".to_string(),
            1 if nested => "a },{ b }, { c".to_string(),
            1 => "a }, b , { c".to_string(),
            2 => "quote \" and backslash \\ and }\\\",{".to_string(),
            3 => "\"tasks\": [ {\"id\": \"x\"} ]".to_string(),
            _ => "ünïcödé \u{1F600}".to_string(),
        };
        let mut t = serde_json::json!({
            "id": format!("T{i}"),
            "goal": goal,
            "touches": [format!("src/m{i}/")],
            "deps": if i > 0 { vec![format!("T{}", i - 1)] } else { vec![] },
        });
        if nested && i % 3 == 0 {
            t["labels"] = serde_json::json!({"runs": [{"a": 1}, {"b": [{"c": "},{"}]}]});
        }
        tasks.push(t);
    }
    let doc = serde_json::json!({"schema": "muster.tasks/v1", "tasks": tasks});
    if pretty {
        serde_json::to_string_pretty(&doc).unwrap()
    } else {
        serde_json::to_string(&doc).unwrap()
    }
}

/// What the strict reader says: the document, or that it refused it.
fn strict(text: &[u8]) -> Option<Tasks> {
    parse::<Tasks>(text, "t").ok()
}

/// Whether the split reader read `text`; when it did, the strict reader
/// must have read the same.
#[track_caller]
fn agrees(text: &[u8], parts: usize) -> bool {
    let Some(fast) = read::<Tasks>(text, parts) else {
        return false;
    };
    {
        let slow = strict(text);
        assert_eq!(
            Some(&fast),
            slow.as_ref(),
            "the split reader read what the strict one did not ({parts} parts): {}",
            String::from_utf8_lossy(text)
        );
    }
    true
}

#[test]
fn reads_what_the_strict_reader_reads() {
    // Items with no arrays of objects inside: every cut is between items,
    // so the split reader reads them all.
    for pretty in [false, true] {
        for n in [0, 1, 2, 3, 7, 40] {
            let text = tasks_doc(n, pretty, false);
            for parts in 1..=6 {
                let fast = read::<Tasks>(text.as_bytes(), parts);
                assert!(fast.is_some(), "n {n}, parts {parts}");
                assert_eq!(fast, strict(text.as_bytes()), "n {n}, parts {parts}");
            }
        }
    }
    // With them, a cut may fall inside an item: then it gives up.
    for pretty in [false, true] {
        for parts in 1..=6 {
            agrees(tricky(40, pretty).as_bytes(), parts);
        }
    }
}

#[test]
fn cuts_fall_between_items_of_a_long_array() {
    let text = tricky(40, true);
    let b = text.as_bytes();
    let open = find_array(b, "tasks").unwrap();
    let close = b.iter().rposition(|&c| c == b']').unwrap();
    let cuts = cuts(b, open, close, 4);
    assert_eq!(cuts.len(), 3, "{cuts:?}");
    assert!(cuts.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn never_reads_what_the_strict_reader_refuses() {
    // Every document one edit away from a good one: a byte dropped, doubled,
    // or changed to one of the bytes JSON's structure is made of.
    let base = tricky(6, false);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let bytes = base.as_bytes();
    let mut read = 0;
    for _ in 0..4000 {
        let mut text = bytes.to_vec();
        let at = rng.below(text.len());
        match rng.below(3) {
            0 => {
                text.remove(at);
            }
            1 => text.insert(at, text[at]),
            _ => text[at] = b"{}[],:\"\\ 0a"[rng.below(11)],
        }
        for parts in [2, 3, 5] {
            read += usize::from(agrees(&text, parts));
        }
    }
    // Many edits leave a good document (a letter in a string): the split
    // reader must have read those, or this test proves nothing.
    assert!(read > 500, "read {read}");
}

#[test]
fn the_rest_of_the_document_is_checked() {
    let good = tricky(4, false);
    let bad = [
        // the array twice
        good.replacen("{\"schema\"", "{\"tasks\":[],\"schema\"", 1),
        // an unknown field after it
        good.replacen("]}", "],\"x\":1}", 1),
        // another kind of document
        good.replacen("muster.tasks/v1", "muster.plan/v1", 1),
        // trailing characters
        format!("{good} x"),
        // the array not last, a `]` in a string after it
        good.replacen("]}", "],\"schema2\":\"]\"}", 1),
        // an escaped key
        good.replacen("\"tasks\"", "\"\\u0074asks\"", 1),
    ];
    for text in &bad {
        for parts in [2, 3] {
            agrees(text.as_bytes(), parts);
        }
    }
    // The field before the schema reads the same.
    let reordered = format!(
        "{{\"tasks\": {}, \"schema\": \"muster.tasks/v1\"}}",
        serde_json::to_string(&strict(good.as_bytes()).unwrap().tasks).unwrap()
    );
    agrees(reordered.as_bytes(), 2);
}

#[test]
fn nesting_limit_falls_on_the_same_item() {
    // serde_json refuses nesting deeper than 128; an item's labels nested
    // right at the limit must be refused (or read) by both readers alike.
    for depth in 120..=128 {
        let deep = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let text = format!(
            "{{\"schema\":\"muster.tasks/v1\",\"tasks\":[{{\"id\":\"a\",\"goal\":\"g\",\"touches\":[\"a/\"]}},{{\"id\":\"b\",\"goal\":\"g\",\"touches\":[\"b/\"],\"labels\":{{\"x\":{deep}}}}}]}}"
        );
        for parts in [2, 3] {
            let fast = read::<Tasks>(text.as_bytes(), parts);
            let slow = strict(text.as_bytes());
            assert_eq!(fast.is_some(), slow.is_some(), "depth {depth}");
            assert_eq!(fast, slow, "depth {depth}");
        }
    }
}

#[test]
fn odd_documents_fall_back() {
    for text in [
        "",
        "[]",
        "{",
        "{\"tasks\": 3}",
        "{\"schema\": \"muster.tasks/v1\"}",
        "\"x\"",
    ] {
        assert!(read::<Tasks>(text.as_bytes(), 2).is_none(), "{text:?}");
    }
}
