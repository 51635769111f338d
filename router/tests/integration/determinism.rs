//! Same input, same bytes: twice over, with the tasks and their keys in
//! another order, and when route reads its own output.

use crate::{route, route_ok};
use serde_json::Value;

fn fixture() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/cmd/fixtures/tasks.json"
    ))
    .unwrap()
}

fn stdout(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let (code, out, err) = route(args, stdin);
    assert_eq!(code, 0, "{err}");
    out
}

#[test]
fn twice_the_same_bytes() {
    let input = fixture();
    let one = stdout(&[], &input);
    assert_eq!(one, stdout(&[], &input));
    assert_eq!(one, stdout(&["-i", "-"], &input));
    assert!(one.ends_with(b"}\n"));
}

#[test]
fn output_keeps_input_order_and_each_task_routes_alike() {
    let input = fixture();
    let straight = route_ok(&[], &input);
    let mut doc: Value = serde_json::from_slice(&input).unwrap();
    // Reverse the tasks, and write every task's keys in reverse order.
    let tasks = doc["tasks"].as_array_mut().unwrap();
    tasks.reverse();
    for t in tasks.iter_mut() {
        let reversed: serde_json::Map<String, Value> = t
            .as_object()
            .unwrap()
            .iter()
            .rev()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        *t = Value::Object(reversed);
    }
    let shuffled_input = serde_json::to_vec(&doc).unwrap();
    let shuffled = route_ok(&[], &shuffled_input);
    let ids = |v: &Value| -> Vec<String> {
        v["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&shuffled), ["T6", "T5", "T4", "T3", "T2", "T1"]);
    let mut back = shuffled.clone();
    back["tasks"].as_array_mut().unwrap().reverse();
    // Same tasks, same routing, and the same bytes once in the same order.
    assert_eq!(
        serde_json::to_string_pretty(&back).unwrap(),
        serde_json::to_string_pretty(&straight).unwrap()
    );
    let reversed_again = stdout(&[], &shuffled_input);
    assert_eq!(reversed_again, stdout(&[], &shuffled_input));
}

#[test]
fn routing_its_own_output_changes_nothing() {
    let once = stdout(&[], &fixture());
    assert_eq!(stdout(&[], &once), once);
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cmd/fixtures/rules.json");
    let once = stdout(&["--rules", rules], &fixture());
    assert_eq!(stdout(&["--rules", rules], &once), once);
}

#[test]
fn compact_is_the_same_document_on_one_line() {
    let pretty = stdout(&[], &fixture());
    let compact = stdout(&["--compact"], &fixture());
    assert_eq!(compact.iter().filter(|&&b| b == b'\n').count(), 1);
    let a: Value = serde_json::from_slice(&pretty).unwrap();
    let b: Value = serde_json::from_slice(&compact).unwrap();
    assert_eq!(a, b);
}
