use super::*;
use crate::{Server, Version};

fn format() -> Format {
    Format {
        version: Version::V7_0,
        compress: true,
        encodings: crate::server::Config::new(Version::V7_0).encodings,
        array_limits: Default::default(),
    }
}

fn run(server: &mut Server, c: u64, line: &str) -> crate::Reply {
    server.execute(1_000, c, &crate::cli::split_args(line.as_bytes()).unwrap()).reply.unwrap()
}

#[test]
fn every_type_comes_back_as_it_went() {
    let mut server = Server::new(Version::V7_0);
    let c = server.connect(0);
    for line in [
        "SET s1 12",
        "SET s2 hello",
        "SET s3 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "SET s4 12345678901234",
        "RPUSH l a b 3 -7 cccccccccccccccccccccccccccccccccccccc",
        "SADD si 1 5 -3",
        "SADD st a b c",
        "ZADD zp 1 a 2.5 b -3 c",
        "HSET hp f v n 7",
        "XADD x 1-1 f v g w",
        "XADD x 2-0 f v2 g w2",
        "XADD x 3-0 other 1",
        "XDEL x 2-0",
        "XGROUP CREATE x grp 0",
        "XREADGROUP GROUP grp alice COUNT 1 STREAMS x >",
    ] {
        assert!(!run(&mut server, c, line).is_error(), "{line}");
    }
    for i in 0..300 {
        run(&mut server, c, &format!("ZADD zs {i} member{i}"));
        run(&mut server, c, &format!("HSET ht field{i} {i}"));
        run(&mut server, c, &format!("RPUSH lbig item-number-{i}"));
        run(&mut server, c, &format!("SADD sbig x{i}"));
    }
    let keys: Vec<Vec<u8>> = server.dbs[0].keys().map(|(k, _)| k.clone()).collect();
    for key in keys {
        let mut value = server.dbs[0].get(&key).unwrap().clone();
        // Redis 7.0 keeps no consumer active-time, so its payloads carry none.
        if let Value::Stream(s) = &mut value {
            s.groups.values_mut().flat_map(|g| g.consumers.values_mut()).for_each(|c| c.active_time = None);
        }
        let payload = dump(&value, &format());
        let back = restore(&payload, &format()).unwrap_or_else(|e| panic!("{}: {e:?}", String::from_utf8_lossy(&key)));
        assert_eq!(back, value, "{}", String::from_utf8_lossy(&key));
        // Any change to the payload is noticed.
        let mut bad = payload.clone();
        let at = bad.len() / 2;
        bad[at] ^= 1;
        assert_eq!(restore(&bad, &format()), Err(RestoreError::VersionOrChecksum));
    }
}

#[test]
fn payloads_match_redis_bytes() {
    // DUMP of "hello" and of 12 on Redis 7.0.15.
    let f = format();
    assert_eq!(dump(&Value::String(b"hello".to_vec()), &f), b"\x00\x05hello\n\x00cr\xdfve4 \n".to_vec());
    assert_eq!(dump(&Value::String(b"12".to_vec()), &f)[..3], [0x00, 0xc0, 12]);
}

#[test]
fn truncated_and_corrupt_payloads_are_refused() {
    let f = format();
    for len in 0..12 {
        let payload = vec![0u8; len];
        assert!(restore(&payload, &f).is_err());
    }
    // A valid footer over garbage.
    for body in [&b"\x00\xff"[..], b"\x0e\x05", b"\x10\x03abc", b"\x13\x01\x10", b"\x63"] {
        let mut payload = body.to_vec();
        payload.extend_from_slice(&10u16.to_le_bytes());
        let crc = crc64::crc64(0, &payload);
        payload.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(restore(&payload, &f), Err(RestoreError::BadData), "{body:?}");
    }
}

#[test]
fn mutated_payloads_never_panic() {
    // Valid payloads of every kind, with bytes changed, dropped and added, and the checksum
    // made right again so that the reader itself is what meets the damage.
    let mut server = Server::new(Version::V7_0);
    let c = server.connect(0);
    for line in [
        "RPUSH l a b 3 cccccccccccccccccccccccccccccc",
        "SADD si 1 5 -3",
        "ZADD zp 1 a 2.5 b",
        "HSET hp f v n 7",
        "XADD x 1-1 f v g w",
        "XADD x 3-0 other 1",
        "XGROUP CREATE x grp 0",
        "XREADGROUP GROUP grp alice STREAMS x >",
        "SET s aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ] {
        run(&mut server, c, line);
    }
    let f = format();
    let payloads: Vec<Vec<u8>> = server.dbs[0].keys().map(|(_, v)| dump(v, &f)).collect();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..20_000 {
        let base = &payloads[(next() % payloads.len() as u64) as usize];
        let mut body = base[..base.len() - 10].to_vec();
        for _ in 0..=(next() % 4) {
            let at = (next() % body.len().max(1) as u64) as usize;
            match next() % 3 {
                0 if !body.is_empty() => body[at] = next() as u8,
                1 if !body.is_empty() => {
                    body.remove(at);
                }
                _ => body.insert(at.min(body.len()), next() as u8),
            }
        }
        body.extend_from_slice(&10u16.to_le_bytes());
        let crc = crc64::crc64(0, &body);
        body.extend_from_slice(&crc.to_le_bytes());
        let _ = restore(&body, &f);
    }
}

#[test]
fn arrays_come_back_with_their_cursor_and_only_from_8_8() {
    let v88 = Format {
        version: Version::V8_8,
        compress: true,
        encodings: crate::server::Config::new(Version::V8_8).encodings,
        array_limits: Default::default(),
    };
    let mut server = Server::new(Version::V8_8);
    let c = server.connect(0);
    for line in ["ARMSET a 0 x 5 yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy 18446744073709551614 z", "ARSEEK a 3"] {
        assert!(!run(&mut server, c, line).is_error(), "{line}");
    }
    let value = server.dbs[0].get(b"a").unwrap().clone();
    let payload = dump(&value, &v88);
    assert_eq!(restore(&payload, &v88), Ok(value.clone()));
    let v74 = Format { version: Version::V7_4, ..v88 };
    assert!(restore(&payload, &v74).is_err());
    // An exhausted cursor survives too.
    assert!(!run(&mut server, c, "ARSEEK a 18446744073709551614").is_error());
    assert!(!run(&mut server, c, "ARINSERT a last").is_error());
    let value = server.dbs[0].get(b"a").unwrap().clone();
    assert_eq!(restore(&dump(&value, &v88), &v88), Ok(value));
    // Every one-byte change with a fixed checksum is refused or read, never a panic.
    for at in 0..payload.len() - 10 {
        for bit in 0..8 {
            let mut bad = payload[..payload.len() - 8].to_vec();
            bad[at] ^= 1 << bit;
            let crc = crc64::crc64(0, &bad);
            bad.extend_from_slice(&crc.to_le_bytes());
            let _ = restore(&bad, &v88);
        }
    }
}
