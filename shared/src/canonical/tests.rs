//! Tests of `canonical`.

use super::*;
use serde_json::json;

#[track_caller]
fn canon(v: Value, want: &str) {
    let got = String::from_utf8(to_vec(&v).unwrap()).unwrap();
    assert_eq!(got, want);
    assert_eq!(
        check(got.as_bytes()),
        Ok(()),
        "validator refuses writer output {got}"
    );
}

#[track_caller]
fn not_canon(s: &str) {
    assert!(check(s.as_bytes()).is_err(), "validator accepts {s}");
}

#[test]
fn writes_rfc8785_forms() {
    canon(
        json!({"b": 1, "a": [true, false, null]}),
        r#"{"a":[true,false,null],"b":1}"#,
    );
    canon(json!(0.75), "0.75");
    canon(json!(1e21), "1e+21");
    canon(json!(1e20), "100000000000000000000");
    canon(json!(1e-7), "1e-7");
    canon(json!(-0.0), "0");
    canon(json!(1.0), "1");
    canon(json!(4.5), "4.5");
    canon(json!(0.000001), "0.000001");
    canon(json!(333_333_333.333_333_3), "333333333.3333333");
    canon(json!(9007199254740991_u64), "9007199254740991");
    canon(json!(-9007199254740991_i64), "-9007199254740991");
    canon(
        json!("é\u{1F600}\u{7f}\u{2028}/"),
        "\"é\u{1F600}\u{7f}\u{2028}/\"",
    );
    canon(
        json!("\"\\\u{8}\u{c}\n\r\t\u{0}\u{1f}"),
        r#""\"\\\b\f\n\r\t\u0000\u001f""#,
    );
    // RFC 8785 3.2.3: sort by UTF-16 code units, so U+1F600 (D83D) before U+FB33.
    canon(
        json!({"\u{fb33}": 1, "\u{1F600}": 2, "\r": 3, "1": 4, "\u{80}": 5, "ö": 6}),
        "{\"\\r\":3,\"1\":4,\"\u{80}\":5,\"ö\":6,\"\u{1F600}\":2,\"\u{fb33}\":1}",
    );
}

#[test]
fn refuses_integers_it_cannot_carry() {
    let e = to_vec(&json!({"payload": {"n": [9007199254740993_u64]}})).unwrap_err();
    assert_eq!(e.path, "payload.n[0]");
    assert!(to_vec(&json!(-9007199254740993_i64)).is_err());
    assert!(to_vec(&json!(u64::MAX)).is_err());
    // Integers a double holds exactly are written as that double.
    assert_eq!(
        to_vec(&json!(9007199254740992_u64)).unwrap(),
        b"9007199254740992"
    );
    assert_eq!(
        to_vec(&json!(10000000000000000_u64)).unwrap(),
        b"10000000000000000"
    );
    // ECMAScript's shortest form, and that form read back as an integer.
    assert_eq!(to_vec(&json!(1_u64 << 60)).unwrap(), b"1152921504606847000");
    assert_eq!(
        to_vec(&json!(1152921504606847000_u64)).unwrap(),
        b"1152921504606847000"
    );
    assert_eq!(
        to_vec(&json!(-(1_i64 << 62))).unwrap(),
        b"-4611686018427388000"
    );
}

#[test]
fn validator_refuses_everything_else() {
    not_canon("");
    not_canon(" 1");
    not_canon("1 ");
    not_canon("{\"a\": 1}");
    not_canon("{\"b\":1,\"a\":2}");
    not_canon("{\"a\":1,\"a\":2}");
    not_canon("01");
    not_canon("-0");
    not_canon("1.0");
    not_canon("1E+21");
    not_canon("1e21");
    not_canon("0.750");
    not_canon("9007199254740993");
    not_canon("\"\\u0041\"");
    not_canon("\"\\u000a\"");
    not_canon("\"\\u001F\"");
    not_canon("\"\\/\"");
    not_canon("\"a\tb\"");
    not_canon("\"\\x\"");
    not_canon("[1,]");
    not_canon("[1");
    not_canon("{\"a\":1");
    not_canon("tru");
    not_canon("nulll");
    not_canon("[1]\n");
    assert_eq!(
        check(b"\"\xff\""),
        Err(NotCanonical {
            offset: 1,
            what: "invalid UTF-8"
        })
    );
    let deep = "[".repeat(200) + &"]".repeat(200);
    not_canon(&deep);
}

#[test]
fn validator_takes_writer_forms() {
    for s in [
        "1e+21",
        "-1e-7",
        "0",
        "-1",
        "123456789012345",
        "1234567890123456",
        "0.1",
        "{}",
        "[]",
        "\"\"",
        "{\"\\n\":1,\"a\":{\"\":[]}}",
        "18446744073709552000",
    ] {
        assert_eq!(check(s.as_bytes()), Ok(()), "{s}");
    }
}

#[test]
fn skip_plain_stops_at_every_special_byte_in_every_position() {
    for special in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
        for len in 0..20 {
            for at in 0..len {
                let mut b = vec![b'a'; len];
                b[at] = special;
                assert_eq!(skip_plain(&b, 0), at, "{special:#x} at {at} of {len}");
            }
            assert_eq!(skip_plain(&vec![0xe9; len], 0), len);
            assert_eq!(skip_plain(&vec![b' '; len], 0), len);
        }
    }
    for c in 0u8..=255 {
        let b = [b'a', b'a', b'a', b'a', b'a', b'a', b'a', c, b'a'];
        assert_eq!(skip_plain(&b, 0) == 7, !PLAIN[c as usize], "byte {c:#x}");
    }
}

#[test]
fn members_are_listed_with_spans() {
    let line = br#"{"a":1,"hash":"x","z":{"k":[1]}}"#;
    let m = check_object(line).unwrap();
    assert_eq!(m.len(), 3);
    assert_eq!(&line[m[1].name.clone()], b"hash");
    assert_eq!(&line[m[1].span.clone()], br#""hash":"x""#);
    assert_eq!(&line[m[2].value.clone()], br#"{"k":[1]}"#);
    assert!(check_object(b"[1]").is_err());
}
