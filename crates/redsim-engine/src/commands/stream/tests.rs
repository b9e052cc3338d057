//! What differs between version profiles (each case names its source), blocking in virtual time,
//! and the effects the pictures rely on. Replies that Redis 7.0.15 can check live in
//! `tests/differential/scripts/` instead.

use crate::effect::{Effect, StreamEffect};
use crate::stream::StreamId;
use crate::testing::check;
use crate::{Server, Version};

#[test]
fn xinfo_consumers_reports_inactive_since_7_2() {
    // Source: ../shared/REDIS-VERSIONS.md (7.2), redis.io XINFO CONSUMERS "inactive".
    let script = |inactive: &str| {
        format!(
            "@0 > XGROUP CREATE s g $ MKSTREAM\nOK\n@10 > XGROUP CREATECONSUMER s g c\n(integer) 1\n\
             @20 > XADD s 1-0 f v\n\"1-0\"\n@30 > XREADGROUP GROUP g c STREAMS s >\n1) 1) \"s\"\n2) 1) 1) \"1-0\"\n2) 1) \"f\"\n2) \"v\"\n\
             @100 > XINFO CONSUMERS s g\n1) 1) \"name\"\n2) \"c\"\n3) \"pending\"\n4) (integer) 1\n5) \"idle\"\n6) (integer) 70\n{inactive}"
        )
    };
    check(Version::V7_0, &script(""));
    check(Version::V7_2, &script("7) \"inactive\"\n8) (integer) 70\n"));
}

#[test]
fn exhausted_sequence_error_changed_in_7_2() {
    // Source: ../shared/REDIS-VERSIONS.md (7.2); the 7.0 text is checked against Redis 7.0.15.
    let script = |error: &str| {
        format!("@0 > XADD s 5-18446744073709551615 f v\n\"5-18446744073709551615\"\n@0 > XADD s 5-* f v\n(error) ERR {error}\n")
    };
    check(Version::V7_0, &script("Elements are too large to be stored"));
    check(Version::V7_2, &script("The ID specified in XADD is equal or smaller than the target stream top item"));
}

#[test]
fn xsetid_refuses_ids_below_max_deleted_since_7_2() {
    // Source: ../shared/REDIS-VERSIONS.md (7.2).
    let setup = "@0 > XADD s 1-0 f v\n\"1-0\"\n@0 > XADD s 2-0 f v\n\"2-0\"\n@0 > XDEL s 2-0\n(integer) 1\n";
    check(Version::V7_0, &format!("{setup}@0 > XSETID s 1-5\nOK\n"));
    check(Version::V7_2, &format!("{setup}@0 > XSETID s 1-5\n(error) ERR The ID specified in XSETID is smaller than current max_deleted_entry_id\n"));
}

#[test]
fn consumers_are_created_by_every_read_and_claim_since_7_4() {
    // Source: ../shared/REDIS-VERSIONS.md ("by 7.4": when a consumer comes into being).
    let script = |consumers: i64| {
        format!(
            "@0 > XGROUP CREATE s g $ MKSTREAM\nOK\n@0 > XREADGROUP GROUP g reader STREAMS s >\n(nil)\n\
             @0 > XCLAIM s g claimer 0 1-0\n(empty array)\n@0 > XAUTOCLAIM s g auto 0 0\n1) \"0-0\"\n2) (empty array)\n3) (empty array)\n\
             @0 > XINFO GROUPS s\n1) 1) \"name\"\n2) \"g\"\n3) \"consumers\"\n4) (integer) {consumers}\n5) \"pending\"\n6) (integer) 0\n\
             7) \"last-delivered-id\"\n8) \"0-0\"\n9) \"entries-read\"\n10) (nil)\n11) \"lag\"\n12) (integer) 0\n"
        )
    };
    check(Version::V7_0, &script(0));
    check(Version::V7_4, &script(3));
}

#[test]
fn xread_plus_reads_the_last_entry_since_7_4() {
    // Source: redis/redis#13117 and redis.io XREAD ("+" for the last entry).
    let setup = "@0 > XADD s 1-0 a 1\n\"1-0\"\n@0 > XADD s 2-0 b 2\n\"2-0\"\n";
    check(
        Version::V7_0,
        &format!("{setup}@0 > XREAD STREAMS s +\n(error) ERR Invalid stream ID specified as stream command argument\n"),
    );
    check(
        Version::V7_4,
        &format!("{setup}@0 > XREAD STREAMS s +\n1) 1) \"s\"\n2) 1) 1) \"2-0\"\n2) 1) \"b\"\n2) \"2\"\n"),
    );
    // A deleted last entry is not replaced by the one before it.
    check(Version::V7_4, &format!("{setup}@0 > XDEL s 2-0\n(integer) 1\n@0 > XREAD STREAMS s +\n(nil)\n"));
    check(
        Version::V7_4,
        &format!("{setup}@0 > XGROUP CREATE s g 0\nOK\n@0 > XREADGROUP GROUP g c STREAMS s +\n(error) ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.\n"),
    );
}

#[test]
fn unbalanced_streams_error_names_the_command_since_8_0() {
    // Source: ../shared/REDIS-VERSIONS.md (8.0).
    check(Version::V8_0, "@0 > XREAD STREAMS a b c\n(error) ERR Unbalanced 'xread' list of streams: for each stream key an ID, '+', or '$' must be specified.\n");
    check(
        Version::V8_0,
        "@0 > XREADGROUP GROUP g c STREAMS a b c\n(error) ERR Unbalanced 'xreadgroup' list of streams: for each stream key an ID or '>' must be specified.\n",
    );
}

#[test]
fn blocked_readers_wake_on_write_and_time_out_in_virtual_time() {
    check(
        Version::LATEST,
        "@0 > XADD s 1-0 f v\n\"1-0\"\n\
         @0 r1> XREAD BLOCK 100 STREAMS s $\n(blocked)\n\
         @0 r2> XREAD BLOCK 0 STREAMS s $\n(blocked)\n\
         @50 w> XADD s 2-0 g w\n\"2-0\"\n\
         r1: 1) 1) \"s\"\n2) 1) 1) \"2-0\"\n2) 1) \"g\"\n2) \"w\"\n\
         r2: 1) 1) \"s\"\n2) 1) 1) \"2-0\"\n2) 1) \"g\"\n2) \"w\"\n\
         @60 r1> XREAD BLOCK 100 STREAMS s $\n(blocked)\n\
         @159 w> PING\nPONG\n\
         @160 w> PING\nPONG\nr1: (nil)\n",
    );
}

#[test]
fn a_deleted_key_wakes_xreadgroup_with_the_version_s_error() {
    // Source: ../shared/REDIS-VERSIONS.md (7.2: the command runs again and gets NOGROUP).
    let script = |error: &str| {
        format!(
            "@0 > XGROUP CREATE s g $ MKSTREAM\nOK\n@0 c> XREADGROUP GROUP g alice BLOCK 0 STREAMS s >\n(blocked)\n\
             @1 > DEL s\n(integer) 1\nc: (error) {error}\n"
        )
    };
    check(Version::V7_0, &script("UNBLOCKED the stream key no longer exists"));
    check(Version::V7_2, &script("NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option"));
}

#[test]
fn effects_describe_nodes_deliveries_and_acks() {
    let mut server = Server::new(Version::LATEST);
    let c = server.connect(0);
    let run = |server: &mut Server, line: &str| {
        let argv = crate::cli::split_args(line.as_bytes()).unwrap();
        server.execute(7, c, &argv).effects
    };
    run(&mut server, "CONFIG SET stream-node-max-entries 2");
    let streams = |effects: Vec<Effect>| -> Vec<StreamEffect> {
        effects
            .into_iter()
            .filter_map(|e| if let Effect::Stream { change, .. } = e { Some(change) } else { None })
            .collect()
    };
    let id = |ms| StreamId::new(ms, 0);
    assert_eq!(
        streams(run(&mut server, "XADD s 1-0 f v")),
        [StreamEffect::Added { id: id(1), node: id(1), new_node: true }]
    );
    run(&mut server, "XADD s 2-0 f v");
    assert_eq!(
        streams(run(&mut server, "XADD s 3-0 f v")),
        [StreamEffect::Added { id: id(3), node: id(3), new_node: true }]
    );
    run(&mut server, "XGROUP CREATE s g 0");
    let delivered = streams(run(&mut server, "XREADGROUP GROUP g alice COUNT 2 STREAMS s >"));
    assert!(delivered.contains(&StreamEffect::ConsumerCreated { group: b"g".to_vec(), consumer: b"alice".to_vec() }));
    assert!(delivered.contains(&StreamEffect::Delivered {
        group: b"g".to_vec(),
        consumer: b"alice".to_vec(),
        id: id(2),
        delivery_count: 1,
        noack: false
    }));
    let claimed = streams(run(&mut server, "XCLAIM s g bob 0 1-0"));
    assert!(claimed.contains(&StreamEffect::Claimed {
        group: b"g".to_vec(),
        from: Some(b"alice".to_vec()),
        to: b"bob".to_vec(),
        id: id(1),
        delivery_count: 2
    }));
    assert_eq!(
        streams(run(&mut server, "XACK s g 1-0")),
        [StreamEffect::Acked { group: b"g".to_vec(), consumer: b"bob".to_vec(), id: id(1) }]
    );
    assert_eq!(
        streams(run(&mut server, "XTRIM s MAXLEN ~ 1")),
        [StreamEffect::Trimmed { ids: vec![id(1), id(2)], nodes_removed: vec![id(1)] }]
    );
}

/// Runs `lines` on a fresh server with the newest profile and returns the replies as redis-cli
/// prints them, one string per command.
fn replies(version: Version, lines: &[&str]) -> Vec<String> {
    let mut server = Server::new(version);
    let c = server.connect(0);
    lines
        .iter()
        .map(|line| {
            let argv = crate::cli::split_args(line.as_bytes()).unwrap();
            let reply = server.execute(0, c, &argv).reply.unwrap();
            crate::cli::format_reply(&reply).trim_end().replace('\n', " | ")
        })
        .collect()
}

#[test]
fn xdelex_and_xackdel_exist_since_8_2() {
    // Source: redis.io XDELEX and XACKDEL ("Available since 8.2.0").
    let old = replies(Version::V8_0, &["XDELEX s IDS 1 1-0"]);
    assert!(old[0].starts_with("(error) ERR unknown command 'XDELEX'"), "{old:?}");
    let new = replies(Version::LATEST, &["XDELEX s IDS 2 1-0 2-0", "XACKDEL s g IDS 1 1-0"]);
    assert_eq!(new, ["1) (integer) -1 | 2) (integer) -1", "1) (integer) -1"]);
}

#[test]
fn xackdel_argument_errors() {
    // Source: redis/redis tests/unit/type/stream-cgroups.tcl, "XACKDEL ... parameter validation".
    let out = replies(
        Version::LATEST,
        &[
            "XACKDEL s g",
            "XADD s 1-0 f v",
            "XGROUP CREATE s g 0",
            "XACKDEL s g IDS abc 1-1",
            "XACKDEL s g IDS 0 1-1",
            "XACKDEL s g IDS -5 1-1",
            "XACKDEL s g IDS 3 1-1 2-2",
            "XACKDEL s g IDS 1 1-1 2-2",
            "XACKDEL s g KEEPREF DELREF IDS 1 1-1",
            "XACKDEL s g DELREF ACKED IDS 1 1-1",
            "XACKDEL s g IDS 1 1-1 ACKED",
            "XACKDEL s g IDS 1 foo",
        ],
    );
    assert_eq!(out[0], "(error) ERR wrong number of arguments for 'xackdel' command");
    assert_eq!(&out[3..6], ["(error) ERR Number of IDs must be a positive integer"; 3]);
    assert_eq!(out[6], "(error) ERR The `numids` parameter must match the number of arguments");
    assert_eq!(&out[7..10], ["(error) ERR syntax error"; 3]);
    assert_eq!(out[10], "1) (integer) -1");
    assert_eq!(out[11], "(error) ERR Invalid stream ID specified as stream command argument");
}

#[test]
fn xackdel_policies_across_two_groups() {
    // Source: redis/redis tests/unit/type/stream-cgroups.tcl ("XACKDEL with DELREF/ACKED/KEEPREF").
    let setup = [
        "XADD s 1-0 f v",
        "XADD s 2-0 f v",
        "XGROUP CREATE s g1 0",
        "XGROUP CREATE s g2 0",
        "XREADGROUP GROUP g1 c1 STREAMS s >",
        "XREADGROUP GROUP g2 c2 STREAMS s >",
    ];
    let run = |more: &[&str]| {
        let lines: Vec<&str> = setup.iter().chain(more).copied().collect();
        replies(Version::LATEST, &lines)[setup.len()..].to_vec()
    };
    let empty = "1) (integer) 0 | 2) (nil) | 3) (nil) | 4) (nil)";
    let both = "1) (integer) 2 | 2) \"1-0\" | 3) \"2-0\" | 4) 1) 1) \"c2\" |       2) \"2\"";
    assert_eq!(
        run(&[
            "XACKDEL s g1 DELREF IDS 2 1-0 2-0",
            "XLEN s",
            "XPENDING s g1",
            "XPENDING s g2",
            "XACKDEL s g2 DELREF IDS 2 1-0 2-0"
        ]),
        ["1) (integer) 1 | 2) (integer) 1", "(integer) 0", empty, empty, "1) (integer) -1 | 2) (integer) -1"]
    );
    assert_eq!(
        run(&[
            "XACKDEL s g1 ACKED IDS 2 1-0 2-0",
            "XLEN s",
            "XPENDING s g2",
            "XACKDEL s g2 ACKED IDS 2 1-0 2-0",
            "XLEN s"
        ]),
        ["1) (integer) 2 | 2) (integer) 2", "(integer) 2", both, "1) (integer) 1 | 2) (integer) 1", "(integer) 0"]
    );
    assert_eq!(
        run(&[
            "XACKDEL s g1 KEEPREF IDS 2 1-0 2-0",
            "XLEN s",
            "XPENDING s g2",
            "XACKDEL s g2 KEEPREF IDS 2 1-0 2-0",
            "XPENDING s g2"
        ]),
        ["1) (integer) 1 | 2) (integer) 1", "(integer) 0", both, "1) (integer) 1 | 2) (integer) 1", empty]
    );
}

#[test]
fn xdelex_acked_waits_for_every_group() {
    // Source: redis/redis tests/unit/type/stream-cgroups.tcl ("XGROUP DESTROY removes all consumer
    // group references", "XGROUP DESTROY correctly manage min_cgroup_last_id cache").
    let mut lines = vec!["XADD s 1-0 f v", "XADD s 2-0 f v", "XADD s 3-0 f v", "XADD s 4-0 f v", "XADD s 5-0 f v"];
    lines.extend([
        "XGROUP CREATE s group1 1-0",
        "XGROUP CREATE s group2 3-0",
        "XDELEX s ACKED IDS 1 1-0",
        "XDELEX s ACKED IDS 1 2-0",
        "XGROUP DESTROY s group1",
        "XDELEX s ACKED IDS 1 2-0",
        "XDELEX s DELREF IDS 2 3-0 9-0",
        "XLEN s",
    ]);
    let out = replies(Version::LATEST, &lines);
    assert_eq!(
        &out[7..],
        [
            "1) (integer) 1",
            "1) (integer) 2",
            "(integer) 1",
            "1) (integer) 1",
            "1) (integer) 1 | 2) (integer) -1",
            "(integer) 2"
        ]
    );
}

#[test]
fn trimming_with_acked_keeps_what_groups_need() {
    // Source: redis/redis#14623 (tests/unit/type/stream.tcl "XTRIM with approx and ACKED"): the
    // first node's entries are acknowledged and go, the second node's are pending and stay.
    let out = replies(
        Version::LATEST,
        &[
            "CONFIG SET stream-node-max-entries 2",
            "XADD s 1-0 f v",
            "XADD s 2-0 f v",
            "XADD s 3-0 f v",
            "XADD s 4-0 f v",
            "XGROUP CREATE s g 0",
            "XREADGROUP GROUP g c STREAMS s >",
            "XACK s g 1-0 2-0",
            "XTRIM s MINID ~ 5-0 ACKED",
            "XLEN s",
            "XTRIM s MAXLEN 0 DELREF",
            "XPENDING s g",
            "XADD s MAXLEN 0 KEEPREF KEEPREF * f v",
        ],
    );
    assert_eq!(&out[8..11], ["(integer) 2", "(integer) 2", "(integer) 2"]);
    assert_eq!(out[11], "1) (integer) 0 | 2) (nil) | 3) (nil) | 4) (nil)");
    assert_eq!(out[12], "(error) ERR syntax error");
    let old = replies(Version::V8_0, &["XADD s 1-0 f v", "XTRIM s MAXLEN 0 ACKED"]);
    assert_eq!(old[1], "(error) ERR syntax error");
}

/// Runs `lines` on a primary at the given times, replays everything it propagated on a replica,
/// and returns (what was propagated, the primary, the replica).
fn replicate(lines: &[(u64, &str)]) -> (Vec<String>, Server, Server) {
    replicate_as(Version::V7_0, lines)
}

fn replicate_as(version: Version, lines: &[(u64, &str)]) -> (Vec<String>, Server, Server) {
    let mut primary = Server::new(version);
    let mut replica = Server::new(version);
    let (p, r) = (primary.connect(0), replica.connect(0));
    let mut shown = Vec::new();
    for (at, line) in lines {
        let argv = crate::cli::split_args(line.as_bytes()).unwrap();
        for cmd in primary.execute(*at, p, &argv).propagate {
            // The stream's framing (`SELECT`, `MULTI`/`EXEC`) is checked elsewhere.
            let framing = ["SELECT", "MULTI", "EXEC"].iter().any(|f| cmd[0].eq_ignore_ascii_case(f.as_bytes()));
            let reply = replica.execute(*at, r, &cmd).reply.unwrap();
            assert!(!reply.is_error(), "the replica refused {cmd:?}: {reply:?}");
            if framing {
                continue;
            }
            shown.push(cmd.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>().join(" "));
        }
    }
    (shown, primary, replica)
}

fn state(server: &mut Server, lines: &[&str]) -> Vec<String> {
    let c = server.connect(0);
    lines
        .iter()
        .map(|l| {
            let argv = crate::cli::split_args(l.as_bytes()).unwrap();
            crate::cli::format_reply(&server.execute(5_000, c, &argv).reply.unwrap())
        })
        .collect()
}

const GROUP_WORK: [(u64, &str); 10] = [
    (1_000, "XADD s 1-0 f v"),
    (1_000, "XADD s 2-0 f v"),
    (1_000, "XADD s 3-0 f v"),
    (1_000, "XGROUP CREATE s g 0"),
    (1_100, "XREADGROUP GROUP g alice COUNT 2 STREAMS s >"),
    (1_200, "XREADGROUP GROUP g alice STREAMS s 0"),
    (1_300, "XREADGROUP GROUP g bob NOACK STREAMS s >"),
    (1_400, "XDEL s 2-0"),
    (2_000, "XCLAIM s g carol 0 1-0 2-0"),
    (2_100, "XAUTOCLAIM s g dave 0 0"),
];

#[test]
fn group_reads_reach_7_0_replicas_as_xclaims_and_noack_reads_as_position() {
    // Redis 7.0.15's streamReplyWithRange and xreadCommand (the differential replication test
    // checks the same against redis-server): each delivered entry travels as XCLAIM, which
    // carries the group's position; a new consumer and the position travel on their own only
    // for a NOACK read.
    let (shown, _, _) = replicate(&GROUP_WORK);
    assert_eq!(shown[4], "XCLAIM s g alice 0 1-0 TIME 1100 RETRYCOUNT 1 FORCE JUSTID LASTID 1-0");
    assert_eq!(shown[5], "XCLAIM s g alice 0 2-0 TIME 1100 RETRYCOUNT 1 FORCE JUSTID LASTID 2-0");
    assert_eq!(shown[6], "XGROUP CREATECONSUMER s g bob");
    assert_eq!(shown[7], "XGROUP SETID s g 3-0 ENTRIESREAD 3");
}

#[test]
fn group_reads_and_claims_reach_replicas_as_redis_propagates_them() {
    // Source: ../shared/REDIS-VERSIONS.md ("a group read travels as XCLAIM ... plus XGROUP SETID").
    // From 7.4 the group's position always travels too.
    let (shown, mut primary, mut replica) = replicate_as(
        Version::V7_4,
        &[
            (1_000, "XADD s 1-0 f v"),
            (1_000, "XADD s 2-0 f v"),
            (1_000, "XADD s 3-0 f v"),
            (1_000, "XGROUP CREATE s g 0"),
            (1_100, "XREADGROUP GROUP g alice COUNT 2 STREAMS s >"),
            (1_200, "XREADGROUP GROUP g alice STREAMS s 0"),
            (1_300, "XREADGROUP GROUP g bob NOACK STREAMS s >"),
            (1_400, "XDEL s 2-0"),
            (2_000, "XCLAIM s g carol 0 1-0 2-0"),
            (2_100, "XAUTOCLAIM s g dave 0 0"),
        ],
    );
    assert_eq!(shown[4], "XCLAIM s g alice 0 1-0 TIME 1100 RETRYCOUNT 1 FORCE JUSTID LASTID 1-0");
    assert_eq!(shown[5], "XCLAIM s g alice 0 2-0 TIME 1100 RETRYCOUNT 1 FORCE JUSTID LASTID 2-0");
    assert_eq!(shown[6], "XGROUP SETID s g 2-0 ENTRIESREAD 2");
    // A read of the consumer's own history is not propagated; a NOACK read moves the group only.
    assert_eq!(shown[7], "XGROUP CREATECONSUMER s g bob");
    assert_eq!(shown[8], "XGROUP SETID s g 3-0 ENTRIESREAD 3");
    let checks = ["XPENDING s g - + 10", "XINFO GROUPS s", "XLEN s"];
    let on_primary = state(&mut primary, &checks);
    let on_replica = state(&mut replica, &checks);
    // Same pending entries, owners, delivery times and counts; same group positions and lag.
    assert_eq!(on_primary, on_replica, "{shown:#?}");
    assert!(on_primary[0].contains("dave") || on_primary[0].contains("carol"), "{}", on_primary[0]);
}

#[test]
fn client_list_describes_each_connection_and_kill_closes_one() {
    let mut server = Server::new(Version::V7_0);
    let (a, b) = (server.connect(1_000), server.connect(1_000));
    let run = |server: &mut Server, c, line: &str| {
        let argv = crate::cli::split_args(line.as_bytes()).unwrap();
        server.execute(5_000, c, &argv)
    };
    run(&mut server, a, "CLIENT SETNAME worker");
    run(&mut server, b, "SUBSCRIBE news");
    let Some(crate::Reply::Verbatim(_, list)) = run(&mut server, a, "CLIENT LIST").reply else {
        panic!("a verbatim reply")
    };
    let list = String::from_utf8(list).unwrap();
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with(&format!("id={a} addr=127.0.0.1:")), "{}", lines[0]);
    assert!(lines[0].contains(" name=worker age=4 idle=0 flags=N db=0 sub=0 "), "{}", lines[0]);
    assert!(lines[0].contains(" cmd=client|list "), "{}", lines[0]);
    assert!(lines[1].contains(" flags=P db=0 sub=1 psub=0 "), "{}", lines[1]);
    let killed = run(&mut server, a, &format!("CLIENT KILL ID {b}"));
    assert_eq!(killed.reply, Some(crate::Reply::Integer(1)));
    assert_eq!(killed.killed, vec![b]);
    assert!(server.client(b).is_none());
    // A killed simulated client that runs a command again comes back as a fresh connection.
    assert_eq!(run(&mut server, b, "PING").reply, Some(crate::Reply::status("PONG")));
}

#[test]
fn info_counters_move_with_the_simulation() {
    let mut server = Server::new(Version::LATEST);
    let c = server.connect(0);
    let mut run = |line: &str| {
        let argv = crate::cli::split_args(line.as_bytes()).unwrap();
        server.execute(1_000, c, &argv).reply.unwrap()
    };
    run("SET a 1");
    run("GET a");
    run("GET missing");
    run("XADD s 1-0 f v");
    let crate::Reply::Verbatim(_, info) = run("INFO") else { panic!("INFO is verbatim text") };
    let info = String::from_utf8(info).unwrap();
    for line in ["keyspace_hits:1", "keyspace_misses:1", "rdb_changes_since_last_save:2", "role:master", "# Memory"] {
        assert!(info.contains(line), "{line} missing in\n{info}");
    }
    // SELECT 0, SET a 1 and XADD s 1-0 f v as RESP: 23 + 27 + 44 bytes.
    assert!(info.contains("master_repl_offset:94"), "{info}");
    run("CONFIG RESETSTAT");
    let crate::Reply::Verbatim(_, info) = run("INFO stats") else { panic!("INFO is verbatim text") };
    assert!(String::from_utf8(info).unwrap().contains("keyspace_hits:0"));
}

#[test]
fn the_expiry_cycle_publishes_expired_events_in_virtual_time() {
    let mut server = Server::new(Version::LATEST);
    let (a, b) = (server.connect(0), server.connect(0));
    let run = |server: &mut Server, c, at, line: &str| {
        let argv = crate::cli::split_args(line.as_bytes()).unwrap();
        server.execute(at, c, &argv)
    };
    run(&mut server, a, 0, "CONFIG SET notify-keyspace-events Ex");
    run(&mut server, b, 0, "SUBSCRIBE __keyevent@0__:expired");
    run(&mut server, a, 0, "SET session x PX 250");
    server.tick(100);
    assert!(server.tick(200).woken.is_empty(), "not yet");
    let woken = server.tick(400).woken;
    let expected = crate::Reply::Push(vec![
        crate::Reply::bulk("message"),
        crate::Reply::bulk("__keyevent@0__:expired"),
        crate::Reply::bulk("session"),
    ]);
    assert_eq!(woken, vec![(b, expected)]);
}

/// Runs `(at_ms, line)` pairs on one client and returns the replies as redis-cli prints them.
fn timed_replies(version: Version, lines: &[(u64, &str)]) -> Vec<String> {
    let mut server = Server::new(version);
    let c = server.connect(0);
    lines
        .iter()
        .map(|(at, line)| {
            let argv = crate::cli::split_args(line.as_bytes()).unwrap();
            let reply = server.execute(*at, c, &argv).reply.unwrap();
            crate::cli::format_reply(&reply).trim_end().replace('\n', " | ")
        })
        .collect()
}

// XREADGROUP ... CLAIM (Redis 8.4). Sources: redis.io's XREADGROUP page ("The CLAIM option"),
// redis/redis#14524 (idle time and delivery count are integers), and the behaviour fakeredis's
// test_xreadgroup_claim.py checks against real Redis 8.4: claimed entries come first, longest idle
// first, with the idle time and the delivery count before this delivery; new entries carry 0 and 0;
// COUNT limits both together; an explicit ID ignores CLAIM; NOACK applies to new entries only.
#[test]
fn xreadgroup_claim_serves_idle_pending_entries_before_new_ones() {
    let setup = [
        (1, "XADD s 1-0 k v1"),
        (1, "XADD s 2-0 k v2"),
        (1, "XGROUP CREATE s g 0"),
        (10, "XREADGROUP GROUP g alice STREAMS s >"),
        (200, "XADD s 3-0 k v3"),
        (200, "XADD s 4-0 k v4"),
    ];
    let mut lines = setup.to_vec();
    lines.push((250, "XREADGROUP GROUP g bob CLAIM 100 STREAMS s >"));
    lines.push((250, "XPENDING s g - + 10"));
    let out = timed_replies(Version::LATEST, &lines);
    assert_eq!(
        out[6],
        "1) 1) \"s\" |    2) 1) 1) \"1-0\" |          2) 1) \"k\" |             2) \"v1\" |          3) (integer) 240 |          4) (integer) 1 |       2) 1) \"2-0\" |          2) 1) \"k\" |             2) \"v2\" |          3) (integer) 240 |          4) (integer) 1 |       3) 1) \"3-0\" |          2) 1) \"k\" |             2) \"v3\" |          3) (integer) 0 |          4) (integer) 0 |       4) 1) \"4-0\" |          2) 1) \"k\" |             2) \"v4\" |          3) (integer) 0 |          4) (integer) 0"
    );
    // Ownership moved to bob, and the claimed entries were delivered a second time.
    assert!(out[7].starts_with("1) 1) \"1-0\" |    2) \"bob\" |    3) (integer) 0 |    4) (integer) 2"), "{}", out[7]);

    // COUNT limits claimed and new entries together; claimed ones take priority.
    let mut lines = setup.to_vec();
    lines.push((250, "XREADGROUP GROUP g alice COUNT 3 CLAIM 100 STREAMS s >"));
    let out = timed_replies(Version::LATEST, &lines);
    assert!(out[6].contains("\"2-0\"") && out[6].contains("\"3-0\"") && !out[6].contains("\"4-0\""), "{}", out[6]);

    // Not idle long enough: only the new entries, still with the two extra fields.
    let mut lines = setup.to_vec();
    lines.push((250, "XREADGROUP GROUP g alice CLAIM 60000 STREAMS s >"));
    let out = timed_replies(Version::LATEST, &lines);
    assert!(out[6].starts_with("1) 1) \"s\" |    2) 1) 1) \"3-0\""), "{}", out[6]);
    assert!(out[6].contains("3) (integer) 0 |          4) (integer) 0"), "{}", out[6]);

    // An explicit ID reads the consumer's history and ignores CLAIM.
    let mut lines = setup.to_vec();
    lines.push((250, "XREADGROUP GROUP g alice CLAIM 100 STREAMS s 0"));
    let out = timed_replies(Version::LATEST, &lines);
    assert!(!out[6].contains("(integer)"), "{}", out[6]);

    // NOACK leaves the claimed entries in the PEL and does not add the new ones.
    let mut lines = setup.to_vec();
    lines.push((250, "XREADGROUP GROUP g alice NOACK CLAIM 100 STREAMS s >"));
    lines.push((250, "XPENDING s g"));
    let out = timed_replies(Version::LATEST, &lines);
    assert!(out[7].starts_with("1) (integer) 2 | 2) \"1-0\" | 3) \"2-0\""), "{}", out[7]);
}

#[test]
fn xreadgroup_claim_errors_and_versions() {
    let out = replies(
        Version::LATEST,
        &["XADD s 1-0 k v", "XGROUP CREATE s g 0", "XREADGROUP GROUP g c CLAIM -1 STREAMS s >"],
    );
    assert_eq!(out[2], "(error) ERR min-idle-time must be a positive integer");
    // Before 8.4 CLAIM is not an option.
    let out =
        replies(Version::V8_2, &["XADD s 1-0 k v", "XGROUP CREATE s g 0", "XREADGROUP GROUP g c CLAIM 1 STREAMS s >"]);
    assert_eq!(out[2], "(error) ERR syntax error");
    // Nothing idle and nothing new: the reader blocks (or gets a null array without BLOCK).
    let out = replies(
        Version::LATEST,
        &["XADD s 1-0 k v", "XGROUP CREATE s g $", "XREADGROUP GROUP g c CLAIM 10 STREAMS s >"],
    );
    assert_eq!(out[2], "(nil)");
}

#[test]
fn xreadgroup_claim_propagates_as_xclaim() {
    let mut server = Server::new(Version::LATEST);
    let c = server.connect(0);
    for (at, line) in [(1, "XADD s 1-0 k v"), (1, "XGROUP CREATE s g 0"), (5, "XREADGROUP GROUP g a STREAMS s >")] {
        server.execute(at, c, &crate::cli::split_args(line.as_bytes()).unwrap());
    }
    let out = server.execute(500, c, &crate::cli::split_args(b"XREADGROUP GROUP g b CLAIM 100 STREAMS s >").unwrap());
    let shown: Vec<String> =
        out.propagate.iter().map(|argv| String::from_utf8_lossy(&argv.join(&b' ')).into_owned()).collect();
    assert!(
        shown.iter().any(|l| l.starts_with("XCLAIM s g b 0 1-0 TIME 500 RETRYCOUNT 2 FORCE JUSTID LASTID")),
        "{shown:?}"
    );
}

// Idempotent producers (Redis 8.6). Sources: redis.io's "Idempotent message processing" and
// XCFGSET pages, and the cases of Redis 8.6's tests/unit/type/stream.tcl ("XADD IDMP ...",
// "XCFGSET ...", "XINFO STREAM ... iids-*"), whose replies these follow.
#[test]
fn xadd_idmp_answers_a_retry_with_the_first_entry() {
    let out = timed_replies(
        Version::LATEST,
        &[
            (1_000, "XADD s IDMP p1 payment-abc * amount 100"),
            (1_001, "XADD s IDMP p1 payment-abc * amount 200"),
            (1_002, "XADD s IDMP p2 payment-abc * amount 300"),
            (1_003, "XLEN s"),
            (1_004, "XRANGE s - +"),
            (1_005, "XADD s IDMPAUTO p3 * a 1 b 2"),
            (1_006, "XADD s IDMPAUTO p3 * b 2 a 1"),
            (1_007, "XADD s IDMPAUTO p3 * b 2 a 9"),
            (1_008, "XADD s NOMKSTREAM MAXLEN ~ 100 IDMP p1 x * f v"),
            (1_009, "XADD missing NOMKSTREAM IDMP p1 x * f v"),
        ],
    );
    assert_eq!(out[0], "\"1000-0\"");
    assert_eq!(out[1], "\"1000-0\"", "a retry gets the entry it already added");
    assert_eq!(out[2], "\"1002-0\"", "producers are separate");
    assert_eq!(out[3], "(integer) 2");
    assert!(out[4].contains("\"100\"") && !out[4].contains("\"200\""), "{}", out[4]);
    assert_eq!(out[5], "\"1005-0\"");
    assert_eq!(out[6], "\"1005-0\"", "IDMPAUTO ignores field order");
    assert_eq!(out[7], "\"1007-0\"");
    assert_eq!(out[8], "\"1008-0\"", "options in any order");
    assert_eq!(out[9], "(nil)");
}

#[test]
fn xadd_idmp_errors() {
    let out = replies(
        Version::LATEST,
        &[
            "XADD s IDMP p1 * f v",
            "XADD s IDMP p1 iid1 1-1 f v",
            "XADD s IDMP p1 iid1 IDMP p2 iid2 * f v",
            "XADD s IDMPAUTO p1 IDMP p2 iid2 * f v",
            "XADD s IDMP \"\" iid1 * f v",
            "XADD s IDMP p1 \"\" * f v",
            "XADD s IDMPAUTO \"\" * f v",
            "XADD s IDMPAUTO p1 1-1 f v",
            "EXISTS s",
        ],
    );
    assert_eq!(
        out,
        [
            "(error) ERR Invalid stream ID specified as stream command argument",
            "(error) ERR IDMP/IDMPAUTO can be used only with auto-generated IDs",
            "(error) ERR IDMP/IDMPAUTO specified multiple times",
            "(error) ERR IDMP/IDMPAUTO specified multiple times",
            "(error) ERR IDMP requires a non-empty producer ID",
            "(error) ERR IDMP requires a non-empty idempotent ID",
            "(error) ERR IDMPAUTO requires a non-empty producer ID",
            "(error) ERR IDMP/IDMPAUTO can be used only with auto-generated IDs",
            "(integer) 0",
        ]
    );
    // Before 8.6 IDMP is read where the ID goes.
    let out = replies(Version::V8_4, &["XADD s IDMP p1 iid1 * f v", "XCFGSET s IDMP-DURATION 5"]);
    assert_eq!(out[0], "(error) ERR Invalid stream ID specified as stream command argument");
    assert!(out[1].starts_with("(error) ERR unknown command 'XCFGSET'"), "{}", out[1]);
}

#[test]
fn idmp_maxsize_duration_and_xcfgset() {
    let mut lines: Vec<(u64, String)> =
        vec![(0, "XADD s IDMP p1 init * f init".into()), (0, "XCFGSET s IDMP-MAXSIZE 3 IDMP-DURATION 60".into())];
    for i in 1..=4 {
        lines.push((i, format!("XADD s IDMP p1 req-{i} * f v{i}")));
    }
    lines.push((10, "XADD s IDMP p1 req-1 * f again".into()));
    lines.push((11, "XADD s IDMP p1 req-4 * f again".into()));
    lines.push((12, "XINFO STREAM s".into()));
    lines.push((61_000, "XADD s IDMP p1 req-4 * f later".into()));
    let lines: Vec<(u64, &str)> = lines.iter().map(|(t, l)| (*t, l.as_str())).collect();
    let out = timed_replies(Version::LATEST, &lines);
    assert_eq!(out[1], "OK");
    assert_eq!(out[6], "\"10-0\"", "req-1 was evicted by the fourth iid");
    assert_eq!(out[7], "\"4-0\"", "req-4 is remembered");
    let info = &out[8];
    for expected in [
        "7# \"recorded-first-entry-id\" => \"0-1\" |  8# \"idmp-duration\" => (integer) 60",
        "9# \"idmp-maxsize\" => (integer) 3",
        "10# \"pids-tracked\" => (integer) 1",
        "11# \"iids-tracked\" => (integer) 3",
        "12# \"iids-added\" => (integer) 6",
        "13# \"iids-duplicates\" => (integer) 1 | 14# \"groups\"",
    ] {
        assert!(info.contains(expected), "{expected} in {info}");
    }
    assert_eq!(out[9], "\"61000-0\"", "a minute later req-4 is forgotten");

    let out = replies(
        Version::LATEST,
        &[
            "XCFGSET s IDMP-DURATION 5",
            "XADD s IDMP p1 a * f v",
            "XCFGSET s",
            "XCFGSET s IDMP-DURATION",
            "XCFGSET s IDMP-DURATION 000",
            "XCFGSET s IDMP-DURATION 86401",
            "XCFGSET s IDMP-MAXSIZE 0",
            "XCFGSET s INVALID",
            "XCFGSET s IDMP-MAXSIZE INVALID IDMP-DURATION",
            "XCFGSET s IDMP-DURATION 100",
            "XADD s IDMP p1 a * f v",
            "XCFGSET s IDMP-DURATION 50",
            "XADD s IDMP p1 a * f v",
            "SET str x",
            "XCFGSET str IDMP-DURATION 5",
            "CONFIG GET stream-idmp-*",
            "CONFIG SET stream-idmp-duration 86401",
            "CONFIG SET stream-idmp-maxsize 7",
            "XADD t * f v",
            "XINFO STREAM t",
        ],
    );
    assert_eq!(out[0], "(error) ERR no such key");
    assert_eq!(out[2], "(error) ERR At least one parameter (IDMP-DURATION or IDMP-MAXSIZE) is required");
    assert_eq!(out[3], "(error) ERR syntax error");
    assert_eq!(out[4], "(error) ERR value is not an integer or out of range");
    assert_eq!(out[5], "(error) ERR IDMP-DURATION must be between 1 and 86400");
    assert_eq!(out[6], "(error) ERR IDMP-MAXSIZE must be between 1 and 10000");
    assert_eq!(out[7], "(error) ERR syntax error");
    assert_eq!(out[8], "(error) ERR value is not an integer or out of range");
    assert_eq!(out[9], "OK");
    assert_eq!(out[10], out[1], "the same value keeps the iids");
    assert_ne!(out[12], out[1], "a new value forgets them");
    assert_eq!(out[14], "(error) WRONGTYPE Operation against a key holding the wrong kind of value");
    assert_eq!(out[15], "1# \"stream-idmp-duration\" => \"100\" | 2# \"stream-idmp-maxsize\" => \"100\"");
    assert!(out[16].contains("argument must be between 1 and 86400 inclusive"), "{}", out[16]);
    assert!(out[19].contains("\"idmp-maxsize\" => (integer) 7"), "new streams take the default: {}", out[19]);
    // 8.4 has none of it.
    let out = replies(Version::V8_4, &["XADD t * f v", "XINFO STREAM t", "CONFIG GET stream-idmp-*"]);
    assert!(!out[1].contains("idmp"), "{}", out[1]);
    assert_eq!(out[2], "(empty hash)");
}

#[test]
fn idmp_retries_are_not_propagated_and_adds_lose_their_idmp_words() {
    let sent = |version| {
        let mut server = Server::new(version);
        let c = server.connect(0);
        let mut sent = Vec::new();
        for line in ["XADD s IDMP p1 a MAXLEN ~ 10 * f v", "XADD s IDMP p1 a * f v", "XADD s IDMPAUTO p2 * f v"] {
            let argv = crate::cli::split_args(line.as_bytes()).unwrap();
            for cmd in server.execute(5, c, &argv).propagate.into_iter().filter(|c| c[0] != b"SELECT") {
                sent.push(cmd.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>().join(" "));
            }
        }
        sent
    };
    assert_eq!(sent(Version::V8_6), ["XADD s MAXLEN = 1 5-0 f v", "XADD s 5-1 f v"]);
    // From 8.8 the producer's record follows each entry, the two wrapped as one.
    let auto_iid = "39c786fb48a81b8cef4fb6bd0e17816fc4c785e4";
    assert_eq!(
        sent(Version::LATEST),
        [
            "MULTI".to_string(),
            "XADD s MAXLEN = 1 5-0 f v".into(),
            "XIDMPRECORD s p1 a 5-0".into(),
            "EXEC".into(),
            "MULTI".into(),
            "XADD s 5-1 f v".into(),
            format!("XIDMPRECORD s p2 {auto_iid} 5-1"),
            "EXEC".into()
        ]
    );
}

// XNACK (Redis 8.8). Source: redis.io's XNACK page: SILENT takes one off the delivery count,
// FAIL keeps it, FATAL sets it to the highest count, RETRYCOUNT sets it outright, FORCE makes an
// entry pending that was not, the reply counts the entries released, and released entries can be
// taken at once by another consumer without waiting for an idle time.
#[test]
fn xnack_hands_entries_back_for_anyone_to_claim() {
    let setup = [
        (0, "XADD s 1-0 k v1"),
        (0, "XADD s 2-0 k v2"),
        (0, "XADD s 3-0 k v3"),
        (0, "XADD s 4-0 k v4"),
        (0, "XGROUP CREATE s g 0"),
        (10, "XREADGROUP GROUP g alice COUNT 3 STREAMS s >"),
    ];
    let mut lines = setup.to_vec();
    lines.extend([
        (20, "XNACK s g SILENT IDS 1 1-0"),
        (20, "XNACK s g FAIL IDS 2 2-0 9-0"),
        (20, "XNACK s g FATAL IDS 1 3-0"),
        (30, "XPENDING s g - + 10"),
        (30, "XPENDING s g"),
        (30, "XINFO CONSUMERS s g"),
        (40, "XCLAIM s g bob 60000 1-0 2-0 JUSTID"),
        (40, "XAUTOCLAIM s g carol 60000 0 COUNT 1 JUSTID"),
        (50, "XNACK s g FAIL IDS 1 4-0 RETRYCOUNT 5"),
        (50, "XNACK s g SILENT IDS 1 4-0 RETRYCOUNT 7 FORCE"),
        (50, "XPENDING s g - + 10"),
    ]);
    let out = timed_replies(Version::LATEST, &lines);
    assert_eq!(&out[6..9], ["(integer) 1", "(integer) 1", "(integer) 1"]);
    assert_eq!(
        out[9],
        "1) 1) \"1-0\" |    2) \"\" |    3) (integer) -1 |    4) (integer) 0 | \
         2) 1) \"2-0\" |    2) \"\" |    3) (integer) -1 |    4) (integer) 1 | \
         3) 1) \"3-0\" |    2) \"\" |    3) (integer) -1 |    4) (integer) 9223372036854775807"
    );
    assert_eq!(out[10], "1) (integer) 3 | 2) \"1-0\" | 3) \"3-0\" | 4) (empty array)");
    assert!(out[11].contains("\"pending\" => (integer) 0"), "{}", out[11]);
    assert_eq!(out[12], "1) \"1-0\" | 2) \"2-0\"", "claimed at once despite a minute's min-idle");
    assert_eq!(out[13], "1) \"0-0\" | 2) 1) \"3-0\" | 3) (empty array)");
    assert_eq!(out[14], "(integer) 0", "4-0 was never delivered");
    assert_eq!(out[15], "(integer) 1", "FORCE makes it pending");
    assert!(out[16].ends_with("4) 1) \"4-0\" |    2) \"\" |    3) (integer) -1 |    4) (integer) 7"), "{}", out[16]);

    // XREADGROUP ... CLAIM takes released entries first.
    let mut lines = setup.to_vec();
    lines.extend([(20, "XNACK s g FAIL IDS 1 3-0"), (25, "XREADGROUP GROUP g bob COUNT 1 CLAIM 1000 STREAMS s >")]);
    let out = timed_replies(Version::LATEST, &lines);
    assert!(out[7].contains("\"3-0\""), "{}", out[7]);
}

#[test]
fn xnack_errors_and_versions() {
    let out = replies(
        Version::LATEST,
        &[
            "XNACK s g FAIL IDS 1 1-0",
            "XADD s 1-0 k v",
            "XNACK s g FAIL IDS 1 1-0",
            "XGROUP CREATE s g 0",
            "XNACK s g MAYBE IDS 1 1-0",
            "XNACK s g FAIL ID 1 1-0",
            "XNACK s g FAIL IDS 0 1-0",
            "XNACK s g FAIL IDS 3 1-0 2-0",
            "XNACK s g FAIL IDS 1 nope",
            "XNACK s g FAIL IDS 1 1-0 RETRYCOUNT x",
            "XNACK s g FAIL IDS 1 1-0 LATER",
            "XNACK s g FAIL IDS 1",
            "SET str x",
            "XNACK str g FAIL IDS 1 1-0",
        ],
    );
    assert_eq!(out[0], "(error) NOGROUP No such key 's' or consumer group 'g'");
    assert_eq!(out[2], "(error) NOGROUP No such key 's' or consumer group 'g'");
    assert_eq!(out[4], "(error) ERR syntax error");
    assert_eq!(out[5], "(error) ERR syntax error");
    assert_eq!(out[6], "(error) ERR Number of IDs must be a positive integer");
    assert_eq!(out[7], "(error) ERR The `numids` parameter must match the number of arguments");
    assert_eq!(out[8], "(error) ERR Invalid stream ID specified as stream command argument");
    assert_eq!(out[9], "(error) ERR value is not an integer or out of range");
    assert_eq!(out[10], "(error) ERR syntax error");
    assert_eq!(out[11], "(error) ERR wrong number of arguments for 'xnack' command");
    assert_eq!(out[13], "(error) WRONGTYPE Operation against a key holding the wrong kind of value");
    let out = replies(Version::V8_6, &["XNACK s g FAIL IDS 1 1-0"]);
    assert!(out[0].starts_with("(error) ERR unknown command 'XNACK'"), "{}", out[0]);
}

// MAXCOUNT and MAXSIZE (Redis 8.10). Sources: redis/redis#15282 and redis.io's XREAD page ("The
// MAXCOUNT and MAXSIZE options"): caps on the whole reply across the streams, served in the
// caller's order; once full, the remaining streams are not read; MAXSIZE is a soft cap on the
// reply's bytes that still lets a first, oversized entry through; MAXCOUNT may not be below COUNT.
#[test]
fn maxcount_and_maxsize_cap_the_whole_reply() {
    let mut lines = vec![];
    for s in ["s1", "s2", "s3"] {
        for i in 1..=3 {
            lines.push(format!("XADD {s} {i}-0 f {}", "v".repeat(i * 10)));
        }
    }
    lines.extend([
        "XREAD COUNT 2 MAXCOUNT 3 STREAMS s1 s2 s3 0 0 0".to_string(),
        "XREAD MAXSIZE 1 STREAMS s1 s2 0 0".to_string(),
        "XREAD MAXSIZE 100 STREAMS s1 s2 0 0".to_string(),
        "XREAD COUNT 3 MAXCOUNT 2 STREAMS s1 0".to_string(),
        "XREAD MAXCOUNT 0 STREAMS s1 0".to_string(),
        "XREAD MAXSIZE -1 STREAMS s1 0".to_string(),
        "XGROUP CREATE s1 g 0".to_string(),
        "XREADGROUP GROUP g c MAXCOUNT 2 STREAMS s1 >".to_string(),
        "XREADGROUP GROUP g c STREAMS s1 >".to_string(),
        "XREADGROUP GROUP g c MAXCOUNT 1 STREAMS s1 0".to_string(),
    ]);
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let out = replies(Version::LATEST, &lines);
    let ids = |reply: &str| {
        reply.matches("\"1-0\"").count() + reply.matches("\"2-0\"").count() + reply.matches("\"3-0\"").count()
    };
    let first = &out[9];
    assert_eq!(ids(first), 3, "{first}");
    assert!(first.contains("\"s1\"") && first.contains("\"s2\"") && !first.contains("\"s3\""), "{first}");
    assert_eq!(ids(&out[10]), 1, "one oversized first entry still goes: {}", out[10]);
    assert!(!out[10].contains("\"s2\""), "{}", out[10]);
    assert!(ids(&out[11]) >= 2 && ids(&out[11]) < 6, "{}", out[11]);
    assert_eq!(out[12], "(error) ERR MAXCOUNT must be greater than or equal to COUNT");
    assert_eq!(out[13], "(error) ERR MAXCOUNT must be a positive integer");
    assert_eq!(out[14], "(error) ERR MAXSIZE must be a positive integer");
    assert_eq!(ids(&out[16]), 2, "{}", out[16]);
    assert_eq!(ids(&out[17]), 1, "the entry MAXCOUNT held back is still new: {}", out[17]);
    assert_eq!(ids(&out[18]), 1, "history reads are capped too: {}", out[18]);
    // Before 8.10 the words are syntax errors.
    let out = replies(Version::V8_8, &["XADD s 1-0 f v", "XREAD MAXCOUNT 1 STREAMS s 0"]);
    assert_eq!(out[1], "(error) ERR syntax error");
}

#[test]
fn xinfo_stream_full_counts_nacked_entries_from_8_8() {
    // Source: redis.io's XINFO STREAM page (8.8: nacked-count in each group of FULL).
    let script = |tail: &str| {
        format!(
            "@0 > XADD s 1-0 f v\n\"1-0\"\n@0 > XGROUP CREATE s g 0\nOK\n\
             @0 > XREADGROUP GROUP g c STREAMS s >\n1) 1) \"s\"\n2) 1) 1) \"1-0\"\n2) 1) \"f\"\n2) \"v\"\n\
             {tail}"
        )
    };
    check(
        Version::V8_8,
        &script(
            "@0 > XNACK s g SILENT IDS 1 1-0\n(integer) 1\n\
             @0 > EVAL \"local i = redis.call('XINFO', 'STREAM', 's', 'FULL') local g = i[#i][1] return {g[#g - 1], g[#g]}\" 0\n\
             1) \"nacked-count\"\n2) (integer) 1\n",
        ),
    );
    check(
        Version::V8_6,
        &script(
            "@0 > EVAL \"local i = redis.call('XINFO', 'STREAM', 's', 'FULL') local g = i[#i][1] return g[#g - 1]\" 0\n\
             \"consumers\"\n",
        ),
    );
}

#[test]
fn idempotent_records_reach_8_8_replicas_as_xidmprecord() {
    // 8.6 drops IDMP from what it propagates (the entry travels with its ID); from 8.8 the
    // producer's record follows it, so a replica answers a retry with the same entry.
    let lines = [(1_000, "XADD s IDMP p1 i1 * f v"), (1_001, "XADD s IDMP p1 i1 * f v")];
    let (shown, _, mut replica) = replicate_as(Version::V8_8, &lines);
    assert_eq!(shown, ["XADD s 1000-0 f v", "XIDMPRECORD s p1 i1 1000-0"]);
    assert_eq!(state(&mut replica, &["XADD s IDMP p1 i1 * f v", "XLEN s"]), ["\"1000-0\"\n", "(integer) 1\n"]);
    let (shown, _, mut replica) = replicate_as(Version::V8_6, &lines);
    assert_eq!(shown, ["XADD s 1000-0 f v"]);
    assert_eq!(state(&mut replica, &["XLEN s", "XADD s IDMP p1 i1 * f v", "XLEN s"])[2], "(integer) 2\n");
}

#[test]
fn xidmprecord_checks_the_entry_and_the_pair() {
    crate::testing::check(
        Version::V8_8,
        "@0 > XIDMPRECORD nokey p i 1-0\n(error) ERR no such key\n\
         @0 > XADD s 1-0 f v\n\"1-0\"\n\
         @0 > XADD s 2-0 f v\n\"2-0\"\n\
         @0 > XIDMPRECORD s p i 3-0\n(error) ERR The specified stream ID was deleted or doesn't exist\n\
         @0 > XIDMPRECORD s p i nope\n(error) ERR Invalid stream ID specified as stream command argument\n\
         @0 > XIDMPRECORD s \"\" i 1-0\n(error) ERR IDMP producer-id and idempotent-id must not be empty\n\
         @0 > XIDMPRECORD s p i 1-0\nOK\n\
         @0 > XIDMPRECORD s p i 1-0\nOK\n\
         @0 > XIDMPRECORD s p i 2-0\n(error) ERR The specified IDMP producer-id/idempotent-id pair maps to a different stream ID\n\
         @0 > XADD s IDMP p i * f v\n\"1-0\"\n\
         @0 > SET str x\nOK\n\
         @0 > XIDMPRECORD str p i 1-0\n(error) WRONGTYPE Operation against a key holding the wrong kind of value\n",
    );
    crate::testing::check(
        Version::V8_6,
        "@0 > XIDMPRECORD s p i 1-0\n(error) ERR unknown command 'XIDMPRECORD', with args beginning with: 's' 'p' 'i' '1-0' \n",
    );
}
