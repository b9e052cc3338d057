//! Vector sets against redis.io's examples and the replies and errors of Redis's
//! `modules/vector-sets/vset.c` (the expected texts are what that code answers).

use crate::testing::check;
use crate::{Server, Version};

const V: Version = Version::LATEST;

#[test]
fn redis_io_examples() {
    check(
        V,
        "@0 > VADD vset VALUES 3 1 0 1 bar\n(integer) 1\n\
         @0 > VREM vset bar\n(integer) 1\n\
         @0 > VREM vset bar\n(integer) 0\n\
         @0 > EXISTS vset\n(integer) 0\n",
    );
    check(
        V,
        "@0 > VADD vset VALUES 3 1 0 0 elem1\n(integer) 1\n\
         @0 > VADD vset VALUES 3 0 1 0 elem2\n(integer) 1\n\
         @0 > VADD vset VALUES 3 0 0 1 elem3\n(integer) 1\n\
         @0 > VCARD vset\n(integer) 3\n\
         @0 > VDIM vset\n(integer) 3\n\
         @0 > VRANDMEMBER nonexistent\n(nil)\n\
         @0 > VRANDMEMBER nonexistent 3\n(empty array)\n\
         @0 > VRANDMEMBER vset 0\n(empty array)\n\
         @0 > TYPE vset\nvectorset\n\
         @0 > OBJECT ENCODING vset\n\"raw\"\n\
         @0 > VISMEMBER vset elem2\n(integer) 1\n\
         @0 > VISMEMBER vset nope\n(integer) 0\n\
         @0 > VRANGE vset - +\n1) \"elem1\"\n2) \"elem2\"\n3) \"elem3\"\n\
         @0 > VRANGE vset (elem1 + 1\n1) \"elem2\"\n\
         @0 > VRANGE vset [elem2 (elem3\n1) \"elem2\"\n\
         @0 > VRANGE vset - + -1\n1) \"elem1\"\n2) \"elem2\"\n3) \"elem3\"\n",
    );
}

#[test]
fn similarity_and_attributes() {
    check(
        V,
        "@0 > VADD points VALUES 2 1 1 pt:A NOQUANT\n(integer) 1\n\
         @0 > VADD points VALUES 2 -1 -1 pt:B NOQUANT\n(integer) 1\n\
         @0 > VADD points VALUES 2 -1 1 pt:C NOQUANT\n(integer) 1\n\
         @0 > VADD points VALUES 2 1 -1 pt:D NOQUANT\n(integer) 1\n\
         @0 > VADD points VALUES 2 1 0 pt:E NOQUANT SETATTR \"{\\\"size\\\": \\\"large\\\", \\\"price\\\": 18.99}\"\n(integer) 1\n\
         @0 > VSIM points VALUES 2 0.9 0.1\n1) \"pt:E\"\n2) \"pt:A\"\n3) \"pt:D\"\n4) \"pt:C\"\n5) \"pt:B\"\n\
         @0 > VSIM points ELE pt:A WITHSCORES COUNT 2\n1) \"pt:A\"\n2) \"1\"\n3) \"pt:E\"\n4) \"0.8535534143447876\"\n\
         @0 > VSIM points ELE pt:A COUNT 10 EPSILON 0.5\n1) \"pt:A\"\n2) \"pt:E\"\n3) \"pt:D\"\n4) \"pt:C\"\n\
         @0 > VGETATTR points pt:E\n\"{\\\"size\\\": \\\"large\\\", \\\"price\\\": 18.99}\"\n\
         @0 > VSIM points VALUES 2 0 0 FILTER '.size == \"large\"'\n1) \"pt:E\"\n\
         @0 > VSETATTR points pt:A '{\"size\": \"small\", \"price\": 5}'\n(integer) 1\n\
         @0 > VSIM points ELE pt:A WITHATTRIBS FILTER '.price > 1'\n1) \"pt:A\"\n2) \"{\\\"size\\\": \\\"small\\\", \\\"price\\\": 5}\"\n3) \"pt:E\"\n4) \"{\\\"size\\\": \\\"large\\\", \\\"price\\\": 18.99}\"\n\
         @0 > VSETATTR points pt:A \"\"\n(integer) 1\n\
         @0 > VGETATTR points pt:A\n(nil)\n\
         @0 > VSETATTR points nope x\n(integer) 0\n\
         @0 > VSIM points VALUES 2 0 0 FILTER '.price >'\n(error) ERR syntax error in FILTER expression near: .price >\n\
         @0 > VSIM points VALUES 2 0 0 FILTER '.price == #x'\n(error) ERR syntax error in FILTER expression near: #x\n\
         @0 > VSIM points VALUES 2 0 0 TRUTH COUNT 2\n1) \"pt:A\"\n2) \"pt:B\"\n\
         @0 > VEMB points pt:D\n1) \"0.9999999403953552\"\n2) \"-0.9999999403953552\"\n\
         @0 > VEMB points pt:D RAW\n1) f32\n2) \"\\xf3\\x045?\\xf3\\x045\\xbf\"\n3) \"1.4142135381698608\"\n",
    );
}

#[test]
fn errors_as_vset_c_words_them() {
    check(
        V,
        "@0 > VADD k VALUES 3 1 2 x\n(error) ERR invalid vector specification\n\
         @0 > VADD k VALUES 2 1 2\n(error) ERR wrong number of arguments for 'vadd' command\n\
         @0 > VADD k VALUES 2 1 2 a EF 0\n(error) ERR invalid EF\n\
         @0 > VADD k VALUES 2 1 2 a M 3\n(error) ERR invalid M\n\
         @0 > VADD k VALUES 2 1 2 a EF\n(error) ERR invalid option after element\n\
         @0 > VADD k FP32 abc a\n(error) ERR invalid vector specification\n\
         @0 > VADD k REDUCE 5 VALUES 2 1 2 a\n(error) ERR invalid vector specification\n\
         @0 > VADD k VALUES 2 1 2 a\n(integer) 1\n\
         @0 > VADD k VALUES 3 1 2 3 b\n(error) ERR Vector dimension mismatch - got 3 but set has 2\n\
         @0 > VADD k VALUES 2 1 2 b BIN\n(error) ERR asked quantization mismatch with existing vector set\n\
         @0 > VADD k VALUES 2 1 2 b M 8\n(error) ERR asked M value mismatch with existing vector set\n\
         @0 > VADD k VALUES 2 3 4 a\n(integer) 0\n\
         @0 > VDIM nokey\n(error) ERR key does not exist\n\
         @0 > VCARD nokey\n(integer) 0\n\
         @0 > VSIM nokey VALUES 2 1 2\n(empty array)\n\
         @0 > VSIM k ELE zz\n(error) ERR element not found in set\n\
         @0 > VSIM k VALUES 3 1 2 3\n(error) ERR Vector dimension mismatch - got 3 but set has 2\n\
         @0 > VSIM k FOO 1\n(error) ERR invalid vector specification\n\
         @0 > VSIM k ELE a COUNT 0\n(error) ERR invalid COUNT\n\
         @0 > VSIM k ELE a EPSILON -1\n(error) ERR invalid EPSILON\n\
         @0 > VSIM k ELE a FILTER-EF 0\n(error) ERR invalid FILTER-EF\n\
         @0 > VSIM k ELE a BOGUS\n(error) ERR syntax error in VSIM command\n\
         @0 > VEMB k a BOGUS\n(error) ERR invalid option\n\
         @0 > VEMB k zz\n(nil)\n\
         @0 > VLINKS k a BOGUS\n(error) ERR wrong number of arguments for 'vlinks' command\n\
         @0 > VLINKS k zz\n(nil)\n\
         @0 > VRANDMEMBER k x\n(error) ERR COUNT value is not an integer\n\
         @0 > VRANGE k a +\n(error) ERR invalid start range format\n\
         @0 > VRANGE k - [\n(error) ERR invalid end range format\n\
         @0 > VRANGE k + -\n(error) ERR '-' can only be used as first argument, '+' only as second\n\
         @0 > VRANGE k - + x\n(error) ERR invalid COUNT value\n\
         @0 > VINFO nokey\n(nil)\n\
         @0 > COPY k k2\n(error) ERR not supported for this module key\n\
         @0 > RENAME k k3\nOK\n\
         @0 > VCARD k3\n(integer) 1\n\
         @0 > SET s x\nOK\n\
         @0 > VADD s VALUES 1 1 a\n(error) WRONGTYPE Operation against a key holding the wrong kind of value\n\
         @0 > VCARD s\n(error) WRONGTYPE Operation against a key holding the wrong kind of value\n",
    );
}

#[test]
fn vinfo_and_resp3_replies() {
    check(
        V,
        "@0 > VADD v VALUES 2 1 0 a SETATTR '{\"n\":1}'\n(integer) 1\n\
         @0 > VADD v VALUES 2 0 1 b\n(integer) 1\n\
         @0 > VINFO v\n 1) quant-type\n 2) int8\n 3) hnsw-m\n 4) (integer) 16\n 5) vector-dim\n 6) (integer) 2\n \
         7) projection-input-dim\n 8) (integer) 0\n 9) size\n10) (integer) 2\n11) max-level\n12) (integer) 1\n\
         13) attributes-count\n14) (integer) 1\n15) vset-uid\n16) (integer) 0\n17) hnsw-max-node-uid\n18) (integer) 2\n\
         @0 > VLINKS v a WITHSCORES\n1) 1) \"b\"\n   2) \"0.5\"\n2) 1) \"b\"\n   2) \"0.5\"\n\
         @0 > VSIM v ELE a WITHSCORES WITHATTRIBS\n1) \"a\"\n2) \"1\"\n3) \"{\\\"n\\\":1}\"\n4) \"b\"\n5) \"0.5\"\n6) (nil)\n",
    );
    // RESP3: a map of element to score, or to [score, attributes]; booleans for VADD.
    use crate::reply::Reply;
    let mut server = Server::new(V);
    let c = server.connect(0);
    let mut run = |args: &[&str]| {
        let argv: Vec<Vec<u8>> = args.iter().map(|a| a.as_bytes().to_vec()).collect();
        server.execute(0, c, &argv).reply.expect("a reply")
    };
    run(&["HELLO", "3"]);
    assert_eq!(run(&["VADD", "v", "VALUES", "2", "1", "0", "a", "SETATTR", "{}"]), Reply::Boolean(true));
    assert_eq!(
        run(&["VSIM", "v", "ELE", "a", "WITHSCORES", "WITHATTRIBS"]),
        Reply::Map(vec![(Reply::bulk("a"), Reply::Array(vec![Reply::ShortDouble(1.0), Reply::bulk("{}")]))])
    );
    assert_eq!(
        run(&["VSIM", "v", "ELE", "a", "WITHSCORES"]),
        Reply::Map(vec![(Reply::bulk("a"), Reply::ShortDouble(1.0))])
    );
    assert_eq!(run(&["VSIM", "v", "ELE", "a"]), Reply::Array(vec![Reply::bulk("a")]));
}

/// The graph stays sound through many inserts, updates and removals, in every quantisation;
/// a projected set takes vectors of the input dimension.
#[test]
fn many_elements_and_projection() {
    let mut server = Server::new(V);
    let c = server.connect(0);
    let mut run = |args: &[&str]| {
        let argv: Vec<Vec<u8>> = args.iter().map(|a| a.as_bytes().to_vec()).collect();
        server.execute(0, c, &argv).reply.expect("a reply")
    };
    for (key, quant) in [("q8", "Q8"), ("bin", "BIN"), ("f32", "NOQUANT")] {
        for i in 0..150 {
            let values: Vec<String> = (0..6).map(|k| format!("{}", ((i * 7 + k * 13) % 11) as f64 - 5.0)).collect();
            let mut args = vec!["VADD", key, "VALUES", "6"];
            args.extend(values.iter().map(String::as_str));
            let name = format!("e{i}");
            args.push(&name);
            args.push(quant);
            run(&args);
        }
        for i in (0..150).step_by(4) {
            run(&["VREM", key, &format!("e{i}")]);
        }
        let card = run(&["VCARD", key]);
        assert_eq!(card, crate::reply::Reply::Integer(150 - 38));
        let found = run(&["VSIM", key, "ELE", "e1", "COUNT", "5"]);
        let crate::reply::Reply::Array(items) = found else { panic!("an array") };
        assert_eq!(items.len(), 5);
    }
    assert!(matches!(
        run(&["VADD", "p", "REDUCE", "2", "VALUES", "4", "1", "2", "3", "4", "a"]),
        crate::reply::Reply::Boolean(true)
    ));
    assert_eq!(run(&["VDIM", "p"]), crate::reply::Reply::Integer(2));
    let e = run(&["VADD", "p", "VALUES", "4", "1", "2", "3", "4", "b"]);
    assert_eq!(e, crate::reply::Reply::Error("ERR Vector dimension mismatch - got 4 but set has 2".into()));
    let e = run(&["VSIM", "p", "VALUES", "3", "1", "2", "3"]);
    assert_eq!(
        e,
        crate::reply::Reply::Error(
            "ERR Input dimension mismatch for projection - got 3 but projection expects 4".into()
        )
    );
    assert!(
        matches!(run(&["VSIM", "p", "VALUES", "4", "1", "2", "3", "4"]), crate::reply::Reply::Array(ref a) if a.len() == 1)
    );
}

/// `DUMP` and `RESTORE` carry a vector set whole: names, attributes, vectors and links.
#[test]
fn dump_and_restore() {
    check(
        V,
        "@0 > VADD v VALUES 2 1 0 a SETATTR '{\"n\":1}'\n(integer) 1\n\
         @0 > VADD v VALUES 2 0 1 b\n(integer) 1\n\
         @0 > VADD v VALUES 2 1 1 c BIN\n(error) ERR asked quantization mismatch with existing vector set\n",
    );
    let mut server = Server::new(V);
    let c = server.connect(0);
    let mut run = |args: &[&[u8]]| {
        let argv: Vec<Vec<u8>> = args.iter().map(|a| a.to_vec()).collect();
        server.execute(0, c, &argv).reply.expect("a reply")
    };
    for i in 0..40 {
        let (x, y) = (format!("{}", i % 7), format!("{}", i % 5));
        run(&[
            b"VADD",
            b"v",
            b"VALUES",
            b"2",
            x.as_bytes(),
            y.as_bytes(),
            format!("e{i}").as_bytes(),
            b"SETATTR",
            b"{\"a\":1}",
        ]);
    }
    let crate::reply::Reply::Bulk(payload) = run(&[b"DUMP", b"v"]) else { panic!("a payload") };
    assert_eq!(payload[0], 7, "RDB_TYPE_MODULE_2");
    assert_eq!(run(&[b"RESTORE", b"w", b"0", &payload]), crate::reply::Reply::ok());
    for cmd in [&b"VLINKS"[..], b"VEMB", b"VGETATTR"] {
        assert_eq!(run(&[cmd, b"v", b"e3"]), run(&[cmd, b"w", b"e3"]));
    }
    assert_eq!(run(&[b"VSIM", b"v", b"ELE", b"e9"]), run(&[b"VSIM", b"w", b"ELE", b"e9"]));
    let mut bad = payload.clone();
    bad[20] ^= 0xff;
    assert!(run(&[b"RESTORE", b"x", b"0", &bad]).is_error());
}

#[test]
fn unknown_before_8_0() {
    check(Version::V7_4, "@0 > VADD v VALUES 1 1 a\n(error) ERR unknown command 'VADD', with args beginning with: 'v' 'VALUES' '1' '1' 'a' \n");
}

/// Seeded random sequences of vector set commands, well formed or not, in every quantisation:
/// nothing panics, and the set always answers `VCARD` as the names it holds.
#[test]
fn random_sequences_keep_the_set_sound() {
    use crate::reply::Reply;
    let mut server = Server::new(V);
    let c = server.connect(0);
    let mut state = 0x5eedu64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let quants = ["Q8", "BIN", "NOQUANT"];
    let mut names = std::collections::BTreeSet::new();
    for step in 0..4000u64 {
        let r = next();
        let name = format!("e{}", r % 90);
        let key = format!("k{}", (r >> 8) % 3);
        let quant = quants[((r >> 8) % 3) as usize];
        let v = |n: u64| format!("{}", (n % 21) as f64 / 4.0 - 2.5);
        let argv: Vec<String> = match (r >> 16) % 10 {
            0..=3 => vec![
                "VADD".into(),
                key.clone(),
                "VALUES".into(),
                "3".into(),
                v(r >> 20),
                v(r >> 25),
                v(r >> 30),
                name.clone(),
                quant.into(),
                "M".into(),
                "4".into(),
            ],
            4 | 5 => vec!["VREM".into(), key.clone(), name.clone()],
            6 => vec![
                "VSIM".into(),
                key.clone(),
                "ELE".into(),
                name.clone(),
                "COUNT".into(),
                format!("{}", 1 + (r >> 40) % 20),
                "WITHSCORES".into(),
            ],
            7 => vec![
                "VSIM".into(),
                key.clone(),
                "VALUES".into(),
                "3".into(),
                v(r >> 20),
                v(r >> 24),
                v(r >> 28),
                "FILTER".into(),
                ".n > 3".into(),
                "TRUTH".into(),
            ],
            8 => vec!["VSETATTR".into(), key.clone(), name.clone(), format!("{{\"n\": {}}}", (r >> 33) % 9)],
            _ => vec!["VRANDMEMBER".into(), key.clone(), format!("{}", (r >> 40) as i64 % 30 - 10)],
        };
        let argv: Vec<Vec<u8>> = argv.into_iter().map(String::into_bytes).collect();
        let reply = server.execute(step, c, &argv).reply.expect("a reply");
        if key == "k0" {
            match (&argv[0][..], &reply) {
                (b"VADD", Reply::Boolean(true)) => {
                    names.insert(name.clone());
                }
                (b"VREM", Reply::Boolean(true)) => {
                    names.remove(&name);
                }
                _ => {}
            }
            let card = server.execute(step, c, &[b"VCARD".to_vec(), b"k0".to_vec()]).reply;
            assert_eq!(card, Some(Reply::Integer(names.len() as i64)), "step {step}");
        }
    }
}
