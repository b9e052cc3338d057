use super::*;
use crate::START_MS;

#[test]
fn templates_put_the_message_number_at_each_mark() {
    let fill = |template: &str, n: u64| {
        let mut out = b"old".to_vec();
        out.clear();
        fill_template(&mut out, template.as_bytes(), n);
        String::from_utf8(out).unwrap()
    };
    assert_eq!(fill("job-{i}:{i}", 1207), "job-1207:1207");
    assert_eq!(fill("{i}", 0), "0");
    assert_eq!(fill("plain", 5), "plain");
    assert_eq!(fill("{i", u64::MAX), "{i");
}

fn argv(line: &str) -> Argv {
    redsim_engine::cli::split_args(line.as_bytes()).expect("a valid line")
}

fn producer(stream: &str, every_ms: u64, count: Option<u64>) -> ActorKind {
    ActorKind::Producer {
        stream: stream.as_bytes().to_vec(),
        fields: vec![(b"n".to_vec(), b"{i}".to_vec())],
        every_ms,
        remaining: count,
        maxlen: None,
        batch: 1,
        produced: 0,
    }
}

fn ids_in(c: &Deployment, node: NodeId, key: &str) -> Vec<String> {
    let client_node = node;
    let mut c = c.clone();
    let client = c.add_client("check", client_node);
    match c.command(client, &argv(&format!("XRANGE {key} - +"))).0 {
        Some(Reply::Array(entries)) => {
            entries_of(entries).into_iter().map(|e| String::from_utf8(e.id).unwrap()).collect()
        }
        other => panic!("XRANGE answered {other:?}"),
    }
}

/// A primary, two replicas 40 ms away, Sentinel watching, a producer writing every 10 ms.
fn replicated() -> Deployment {
    let mut c = Deployment::new(Version::V7_0, START_MS, 1);
    let p = c.add_primary("primary");
    c.add_replica("replica-1", p, 40);
    c.add_replica("replica-2", p, 40);
    c.set_sentinel(p, 1000, 2, 3);
    c.add_actor("producer", p, producer("orders", 10, None));
    c
}

#[test]
fn replicas_follow_their_primary() {
    let mut c = replicated();
    c.advance_to(START_MS + 1000);
    let primary_ids = ids_in(&c, NodeId::new(0), "orders");
    assert_eq!(primary_ids.len(), 101);
    // 40 ms behind: the last four writes are still on their way.
    assert_eq!(ids_in(&c, NodeId::new(1), "orders"), primary_ids[..97].to_vec());
    assert!(c.nodes[1].offset < c.nodes[0].offset);
    c.actors[0].alive = false;
    c.advance_to(START_MS + 2000);
    assert_eq!(ids_in(&c, NodeId::new(1), "orders"), ids_in(&c, NodeId::new(0), "orders"));
    assert_eq!(c.nodes[1].offset, c.nodes[0].offset);
}

#[test]
fn a_failover_loses_exactly_the_writes_the_replica_never_received() {
    let mut c = replicated();
    c.advance_to(START_MS + 500);
    let acknowledged = ids_in(&c, NodeId::new(0), "orders");
    c.crash(NodeId::new(0));
    let events = c.advance_to(START_MS + 5000);
    assert!(events.iter().any(|e| e.kind == EventKind::Failover && e.text.contains("promoted")), "{events:#?}");
    // The other replica shares the promoted one's history: it continues, it does not copy.
    assert!(
        events.iter().any(|e| e.text.contains("continues from offset") && e.text.contains("partial resynchronisation")),
        "{events:#?}"
    );
    let new_primary = c.primary().unwrap();
    let other = NodeId::new(3 - new_primary.index());
    c.actors[0].alive = false;
    let mut settled = c.clone();
    settled.advance_to(START_MS + 5500);
    assert_eq!(ids_in(&settled, other, "orders"), ids_in(&settled, new_primary, "orders"));
    assert_ne!(new_primary, NodeId::new(0));
    let kept = ids_in(&c, new_primary, "orders");
    let lost: Vec<String> = c.lost.iter().map(|l| l.label.clone()).collect();
    assert!(!lost.is_empty());
    // Every acknowledged write is either on the new primary or named as lost, never both.
    for id in &acknowledged {
        assert!(kept.contains(id) != lost.contains(id), "{id}");
    }
    // The producer goes on writing to the new primary.
    assert!(kept.len() > acknowledged.len() - lost.len());
    // The old primary comes back as a replica and drops what nobody else had.
    c.restart(NodeId::new(0));
    c.advance_to(START_MS + 6000);
    assert_eq!(c.nodes[0].role, Role::Replica { of: new_primary });
    let old = ids_in(&c, NodeId::new(0), "orders");
    assert!(lost.iter().all(|id| !old.contains(id)));
}

#[test]
fn info_replication_describes_each_side() {
    let mut c = Deployment::new(Version::V7_0, START_MS, 1);
    let p = c.add_primary("primary");
    c.add_replica("replica-1", p, 40);
    let a = c.add_client("a", p);
    let b = c.add_client("b", NodeId::new(1));
    c.command(a, &argv("SET k v"));
    let Some(Reply::Verbatim(_, text)) = c.command(a, &argv("INFO replication")).0 else { panic!() };
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains("role:master\r\nconnected_slaves:1\r\nslave0:ip=replica-1,port=6379,state=online,offset=0,lag=0"),
        "{text}"
    );
    c.advance_to(START_MS + 100);
    let Some(Reply::Verbatim(_, text)) = c.command(b, &argv("INFO replication")).0 else { panic!() };
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("role:slave\r\nmaster_host:primary") && text.contains("master_link_status:up"), "{text}");
    assert!(text.contains(&format!("slave_repl_offset:{}", c.nodes[0].offset)), "{text}");
}

#[test]
fn wait_is_answered_when_replicas_have_the_write() {
    let mut c = Deployment::new(Version::V7_0, START_MS, 1);
    let p = c.add_primary("primary");
    c.add_replica("replica-1", p, 40);
    let app = c.add_client("app", p);
    c.command(app, &argv("SET k v"));
    assert_eq!(c.command(app, &argv("WAIT 1 0")).0, None);
    let events = c.advance_to(START_MS + 100);
    let answer = events.iter().find(|e| e.text.contains("app received: (integer) 1")).expect("answered");
    // Answered when the write arrived, after the link's latency.
    assert_eq!(answer.at_ms, START_MS + 40);
    assert_eq!(c.command(app, &argv("WAIT 1 0")).0, Some(Reply::Integer(1)));
    // Asking for more replicas than there are: the timeout answers how many had it.
    assert_eq!(c.command(app, &argv("WAIT 2 100")).0, None);
    let events = c.advance_to(START_MS + 300);
    let answer = events.iter().find(|e| e.text.contains("app received: (integer) 1")).expect("timed out");
    assert_eq!(answer.at_ms, START_MS + 200);
    // A write the replica has not got yet, and a timeout before it arrives.
    c.command(app, &argv("SET k w"));
    assert_eq!(c.command(app, &argv("WAIT 1 10")).0, None);
    let events = c.advance_to(START_MS + 400);
    assert!(events.iter().any(|e| e.text.contains("app received: (integer) 0")), "{events:#?}");
    // Inside MULTI, WAIT answers at once.
    c.command(app, &argv("MULTI"));
    c.command(app, &argv("WAIT 5 0"));
    assert_eq!(c.command(app, &argv("EXEC")).0, Some(Reply::Array(vec![Reply::Integer(1)])));
    let r = c.add_client("reader", NodeId::new(1));
    assert_eq!(c.command(r, &argv("GET k")).0, Some(Reply::bulk("w")));
    assert!(matches!(c.command(r, &argv("SET k x")).0, Some(Reply::Error(e)) if e.starts_with("READONLY")));
    assert!(
        matches!(c.command(r, &argv("WAIT 1 0")).0, Some(Reply::Error(e)) if e.starts_with("ERR WAIT cannot be used with replica"))
    );
}

/// The ways a replica used to accept writes when only the top-level command was checked.
#[test]
fn a_replica_refuses_every_kind_of_write() {
    let mut c = Deployment::new(Version::V7_0, START_MS, 1);
    let p = c.add_primary("primary");
    let r = c.add_replica("replica-1", p, 10);
    let app = c.add_client("app", p);
    c.command(app, &argv("XADD s 1-1 f v"));
    c.advance_to(START_MS + 50);
    let reader = c.add_client("reader", r);
    let readonly = |reply: Option<Reply>| matches!(reply, Some(Reply::Error(e)) if e.starts_with("READONLY"));
    // A subcommand's flags, not its container's.
    assert!(readonly(c.command(reader, &argv("XGROUP CREATE s g 0")).0));
    assert_eq!(c.command(reader, &argv("XINFO GROUPS s")).0, Some(Reply::Array(vec![])));
    // A script's write.
    let script = vec![b"EVAL".to_vec(), b"return redis.call('SET', 'k', 'v')".to_vec(), b"0".to_vec()];
    assert!(readonly(c.command(reader, &script).0));
    // A transaction's write: refused when queued, so EXEC aborts.
    c.command(reader, &argv("MULTI"));
    assert!(readonly(c.command(reader, &argv("SET k v")).0));
    assert!(matches!(c.command(reader, &argv("EXEC")).0, Some(Reply::Error(e)) if e.starts_with("EXECABORT")));
    assert_eq!(c.command(reader, &argv("EXISTS k")).0, Some(Reply::Integer(0)));
    // ROLE is queued like any command, and INFO agrees with INFO replication.
    c.command(reader, &argv("MULTI"));
    assert_eq!(c.command(reader, &argv("ROLE")).0, Some(Reply::status("QUEUED")));
    let Some(Reply::Array(replies)) = c.command(reader, &argv("EXEC")).0 else { panic!() };
    let Reply::Array(role) = &replies[0] else { panic!() };
    assert_eq!(role[0], Reply::bulk("slave"));
    assert_eq!(role[3], Reply::bulk("connected"));
    let info = |c: &mut Deployment, line: &str| match c.command(reader, &argv(line)).0 {
        Some(Reply::Verbatim(_, text) | Reply::Bulk(text)) => String::from_utf8(text).unwrap(),
        other => panic!("{other:?}"),
    };
    assert!(info(&mut c, "INFO").contains("role:slave\r\n"));
    assert!(info(&mut c, "INFO replication").contains("role:slave\r\n"));
    // The replica still applies what its primary sends.
    c.command(app, &argv("XGROUP CREATE s g 0"));
    c.advance_to(START_MS + 100);
    let Some(Reply::Array(groups)) = c.command(reader, &argv("XINFO GROUPS s")).0 else { panic!() };
    assert_eq!(groups.len(), 1);
}

#[test]
fn replicaof_typed_by_a_client_changes_the_world() {
    let mut c = Deployment::new(Version::V7_0, START_MS, 1);
    let p = c.add_primary("primary");
    let r = c.add_replica("replica-1", p, 10);
    let admin = c.add_client("admin", r);
    let app = c.add_client("app", p);
    c.command(app, &argv("SET k v"));
    c.advance_to(START_MS + 50);
    // The replica becomes a primary: it writes, and keeps its history as the second ID.
    let (reply, events) = c.command(admin, &argv("REPLICAOF NO ONE"));
    assert_eq!(reply, Some(Reply::ok()));
    assert!(events.iter().any(|e| e.text.contains("replica-1 stops replicating primary")), "{events:#?}");
    assert!(c.nodes[r].is_primary() && c.nodes[p].is_primary());
    assert_eq!(c.command(admin, &argv("SET k2 v")).0, Some(Reply::ok()));
    let Some(Reply::Verbatim(_, text)) = c.command(admin, &argv("INFO replication")).0 else { panic!() };
    let text = String::from_utf8(text).unwrap();
    let field = |name: &str| text.lines().find_map(|l| l.strip_prefix(name)).unwrap().to_string();
    assert!(text.contains("role:master\r\nconnected_slaves:0\r\n"), "{text}");
    let Some(Reply::Verbatim(_, before)) = c.command(app, &argv("INFO replication")).0 else { panic!() };
    let before = String::from_utf8(before).unwrap();
    assert!(before.contains(&format!("master_replid:{}", field("master_replid2:"))), "{before}\n{text}");
    assert_eq!(field("second_repl_offset:"), "51");
    // Told to replicate a host that is not in the world: its link never comes up.
    assert_eq!(c.command(admin, &argv("REPLICAOF elsewhere 6380")).0, Some(Reply::ok()));
    assert!(!c.nodes[r].is_primary());
    let Some(Reply::Array(role)) = c.command(admin, &argv("ROLE")).0 else { panic!() };
    assert_eq!(
        role,
        vec![
            Reply::bulk("slave"),
            Reply::bulk("elsewhere"),
            Reply::Integer(6380),
            Reply::bulk("connect"),
            Reply::Integer(-1)
        ]
    );
    assert!(matches!(c.command(admin, &argv("SET k3 v")).0, Some(Reply::Error(e)) if e.starts_with("READONLY")));
    // Back to the primary it had: a replica again, in sync.
    assert_eq!(c.command(admin, &argv("REPLICAOF primary 6379")).0, Some(Reply::ok()));
    c.advance_to(START_MS + 200);
    assert_eq!(c.nodes[r].role, Role::Replica { of: p });
    assert_eq!(c.command(admin, &argv("EXISTS k2")).0, Some(Reply::Integer(0)));
    let Some(Reply::Array(role)) = c.command(app, &argv("ROLE")).0 else { panic!() };
    assert_eq!(role[0], Reply::bulk("master"));
    let Reply::Array(replicas) = &role[2] else { panic!() };
    assert_eq!(replicas.len(), 1);
}

fn with_aof(policy: Fsync) -> Deployment {
    let mut c = Deployment::new(Version::V7_0, START_MS, 1);
    let p = c.add_primary("primary");
    c.nodes[p].persistence.aof = Some(policy);
    c.add_actor("producer", p, producer("events", 10, None));
    c
}

#[test]
fn a_restart_under_everysec_loses_at_most_the_last_second() {
    let mut c = with_aof(Fsync::EverySec);
    c.advance_to(START_MS + 2500);
    let before = ids_in(&c, NodeId::new(0), "events");
    c.crash(NodeId::new(0));
    c.actors[0].alive = false;
    c.restart(NodeId::new(0));
    let after = ids_in(&c, NodeId::new(0), "events");
    assert!(after.len() < before.len());
    assert_eq!(after, before[..after.len()].to_vec());
    let crash_at = START_MS + 2500;
    for lost in &c.lost {
        assert!(lost.at_ms + 1000 >= crash_at, "{lost:?} is older than a second");
    }
    assert_eq!(c.lost.len(), before.len() - after.len());
}

#[test]
fn a_restart_under_always_loses_nothing_and_without_persistence_everything() {
    let mut c = with_aof(Fsync::Always);
    c.advance_to(START_MS + 2500);
    let before = ids_in(&c, NodeId::new(0), "events");
    c.crash(NodeId::new(0));
    c.restart(NodeId::new(0));
    assert_eq!(ids_in(&c, NodeId::new(0), "events"), before);
    assert!(c.lost.is_empty());

    let mut c = Deployment::new(Version::V7_0, START_MS, 1);
    let p = c.add_primary("primary");
    c.add_actor("producer", p, producer("events", 10, Some(5)));
    c.advance_to(START_MS + 100);
    c.crash(NodeId::new(0));
    c.restart(NodeId::new(0));
    assert_eq!(c.lost.len(), 5);
}

#[test]
fn idempotent_producer_records_survive_a_restart_from_the_aof_from_8_8() {
    // Redis 8.8 writes XIDMPRECORD after an XADD with IDMP, so the reloaded node still
    // answers the producer's retry with the entry it added; 8.6 forgets the record.
    for (version, entries_after_retry) in [(Version::V8_8, 1), (Version::V8_6, 2)] {
        let mut c = Deployment::new(version, START_MS, 1);
        let p = c.add_primary("primary");
        c.nodes[p].persistence.aof = Some(Fsync::Always);
        let app = c.add_client("app", p);
        let Some(Reply::Bulk(first)) = c.command(app, &argv("XADD s IDMP producer-1 order-7 * item book")).0 else {
            panic!("XADD answers an ID")
        };
        c.crash(p);
        c.restart(p);
        let app = c.add_client("app-again", p);
        let Some(Reply::Bulk(again)) = c.command(app, &argv("XADD s IDMP producer-1 order-7 * item book")).0 else {
            panic!("XADD answers an ID")
        };
        assert_eq!(first == again, entries_after_retry == 1, "{version}");
        assert_eq!(c.command(app, &argv("XLEN s")).0, Some(Reply::Integer(entries_after_retry)), "{version}");
    }
}

#[test]
fn xautoclaim_after_a_crash_recovers_every_pending_entry() {
    let mut c = Deployment::new(Version::V7_0, START_MS, 1);
    let p = c.add_primary("primary");
    let admin = c.add_client("admin", p);
    c.command(admin, &argv("XGROUP CREATE jobs workers $ MKSTREAM"));
    c.add_actor("producer", p, producer("jobs", 20, Some(30)));
    let mut slow = Consumer::new(b"jobs", b"workers");
    slow.process_ms = 100;
    slow.count = 5;
    let worker = c.add_actor("worker-1", p, ActorKind::Consumer(slow));
    c.advance_to(START_MS + 300);
    c.kill_actor(worker);
    let pending = match c.command(admin, &argv("XPENDING jobs workers")).0 {
        Some(Reply::Array(summary)) => summary[0].clone(),
        other => panic!("{other:?}"),
    };
    assert!(matches!(pending, Reply::Integer(n) if n > 0), "{pending:?}");
    let mut rescuer = Consumer::new(b"jobs", b"workers");
    rescuer.claim_min_idle_ms = Some(1000);
    c.add_actor("worker-2", p, ActorKind::Consumer(rescuer));
    c.advance_to(START_MS + 5000);
    assert_eq!(
        c.command(admin, &argv("XPENDING jobs workers")).0.unwrap(),
        Reply::Array(vec![Reply::Integer(0), Reply::Nil, Reply::Nil, Reply::NilArray])
    );
    let done: u64 = c.actors.iter().filter(|a| a.name.starts_with("worker")).map(|a| a.done).sum();
    assert_eq!(done, 30);
}

#[test]
fn poison_messages_go_to_the_dead_letter_stream() {
    let mut c = Deployment::new(Version::V7_0, START_MS, 1);
    let p = c.add_primary("primary");
    let admin = c.add_client("admin", p);
    c.command(admin, &argv("XGROUP CREATE jobs workers $ MKSTREAM"));
    c.command(admin, &argv("XADD jobs * task ok-1"));
    c.command(admin, &argv("XADD jobs * task poison"));
    c.command(admin, &argv("XADD jobs * task ok-2"));
    let mut w = Consumer::new(b"jobs", b"workers");
    w.poison = Some(b"poison".to_vec());
    w.claim_min_idle_ms = Some(500);
    w.dead_letter = Some((b"jobs:dead".to_vec(), 3));
    w.block_ms = 200;
    c.add_actor("worker", p, ActorKind::Consumer(w));
    c.advance_to(START_MS + 10_000);
    assert_eq!(c.command(admin, &argv("XLEN jobs:dead")).0, Some(Reply::Integer(1)));
    assert_eq!(c.actors[0].done, 2);
    assert!(c.actors[0].failed >= 3);
}

#[test]
fn failed_entries_come_back_after_a_growing_backoff() {
    let mut c = Deployment::new(Version::V7_0, START_MS, 1);
    let p = c.add_primary("primary");
    let admin = c.add_client("admin", p);
    c.command(admin, &argv("XGROUP CREATE jobs workers $ MKSTREAM"));
    c.command(admin, &argv("XADD jobs * task flaky"));
    let mut w = Consumer::new(b"jobs", b"workers");
    w.poison = Some(b"flaky".to_vec());
    w.retry = Some((b"jobs:retry".to_vec(), 100));
    w.dead_letter = Some((b"jobs:dead".to_vec(), 4));
    w.block_ms = 50;
    c.add_actor("worker", p, ActorKind::Consumer(w));
    let events = c.advance_to(START_MS + 3000);
    let retries: Vec<&str> = events.iter().filter(|e| e.text.contains("due in")).map(|e| e.text.as_str()).collect();
    assert_eq!(retries.len(), 3, "{retries:#?}");
    assert!(
        retries[0].ends_with("retry #1 due in 100 ms") && retries[2].ends_with("retry #3 due in 400 ms"),
        "{retries:#?}"
    );
    assert_eq!(c.command(admin, &argv("XLEN jobs:dead")).0, Some(Reply::Integer(1)));
    assert_eq!(c.command(admin, &argv("ZCARD jobs:retry")).0, Some(Reply::Integer(0)));
    assert_eq!(
        c.command(admin, &argv("XPENDING jobs workers")).0.unwrap(),
        Reply::Array(vec![Reply::Integer(0), Reply::Nil, Reply::Nil, Reply::NilArray])
    );
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let run = |seed| {
        let mut c = Deployment::new(Version::V7_0, START_MS, seed);
        let p = c.add_primary("primary");
        c.add_replica("replica-1", p, 25);
        let admin = c.add_client("admin", p);
        c.command(admin, &argv("XGROUP CREATE s g $ MKSTREAM"));
        c.add_actor("producer", p, producer("s", 7, None));
        let mut w = Consumer::new(b"s", b"g");
        w.fail_percent = 30;
        w.claim_min_idle_ms = Some(300);
        c.add_actor("worker", p, ActorKind::Consumer(w));
        let mut events = c.advance_to(START_MS + 2000);
        events.extend(c.crash(NodeId::new(0)));
        events.extend(c.advance_to(START_MS + 3000));
        events
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8));
}

/// A replica gets its primary's function libraries with the data, on a full copy and as the
/// stream brings `FUNCTION LOAD`; `FCALL_RO` runs there, `FCALL` of a writing function does not.
#[test]
fn a_replica_has_its_primarys_functions() {
    let mut c = Deployment::new(Version::V7_0, START_MS, 1);
    let p = c.add_primary("primary");
    let app = c.add_client("app", p);
    let lib = |name: &str| {
        let body = format!(
            "#!lua name={name}\nredis.register_function{{function_name='{name}_get', callback=function(k) return redis.call('GET', k[1]) end, flags={{'no-writes'}}}}\nredis.register_function('{name}_set', function(k, a) return redis.call('SET', k[1], a[1]) end)"
        );
        vec![b"FUNCTION".to_vec(), b"LOAD".to_vec(), body.into_bytes()]
    };
    assert_eq!(c.command(app, &lib("first")).0, Some(Reply::bulk("first")));
    c.command(app, &argv("SET k v"));
    let r = c.add_replica("replica-1", p, 10);
    assert_eq!(c.command(app, &lib("second")).0, Some(Reply::bulk("second")));
    c.advance_to(START_MS + 50);
    let reader = c.add_client("reader", r);
    assert_eq!(c.command(reader, &argv("FCALL_RO first_get 1 k")).0, Some(Reply::bulk("v")));
    assert_eq!(c.command(reader, &argv("FCALL_RO second_get 1 k")).0, Some(Reply::bulk("v")));
    assert!(
        matches!(c.command(reader, &argv("FCALL first_set 1 k w")).0, Some(Reply::Error(e)) if e.starts_with("READONLY"))
    );
}

/// Three primaries as a Redis Cluster: a plain client sees `MOVED`, a cluster-aware one follows
/// it; a slot moves key by key, with `ASK` while it moves and `MOVED` once it has.
#[test]
fn a_cluster_redirects_and_reshards() {
    let mut c = Deployment::new(Version::V7_0, START_MS, 1);
    let nodes: Vec<NodeId> = ["n1", "n2", "n3"].iter().map(|n| c.add_primary(n)).collect();
    c.make_cluster(&nodes);
    let plain = c.add_client("cli", nodes[0]);
    let app = c.add_client("app", nodes[0]);
    c.make_cluster_aware(app);
    assert_eq!(c.command(plain, &argv("SET foo bar")).0, Some(Reply::Error("MOVED 12182 n3:6379".into())));
    assert_eq!(c.command(app, &argv("SET foo bar")).0, Some(Reply::ok()));
    assert_eq!(c.clients[app].node, nodes[2], "sent where its map says");
    assert!(matches!(c.command(app, &argv("MSET a 1 b 2")).0, Some(Reply::Error(e)) if e.starts_with("CROSSSLOT")));
    for i in 0..4 {
        c.command(app, &argv(&format!("SET {{foo}}:{i} v{i}")));
    }
    let Some(Reply::Verbatim(_, info)) = c.command(plain, &argv("CLUSTER INFO")).0 else { panic!() };
    assert!(String::from_utf8(info).unwrap().starts_with("cluster_state:ok"));
    // Move foo's slot to n1, one key every 100 ms.
    c.reshard(12182, nodes[2], nodes[0], 100);
    let events = c.advance_to(START_MS + 250);
    assert!(events.iter().any(|e| e.text.starts_with("MIGRATE n3 → n1: 1 key(s) sent")), "{events:#?}");
    // Halfway: a key already moved is asked for on n3, which sends the client there with ASK.
    let moved = (0..4).find(|i| c.nodes[0].server.dbs()[0].get(format!("{{foo}}:{i}").as_bytes()).is_some());
    let moved = moved.expect("a key moved");
    let (reply, events) = c.command(app, &argv(&format!("GET {{foo}}:{moved}")));
    assert_eq!(reply, Some(Reply::bulk(format!("v{moved}"))));
    assert!(events.iter().any(|e| e.text.contains("follows ASK")), "{events:#?}");
    let events = c.advance_to(START_MS + 1000);
    assert!(events.iter().any(|e| e.text.contains("slot 12182 now belongs to n1")), "{events:#?}");
    // The others learnt it; the aware client's map is stale, so MOVED once, then straight there.
    assert_eq!(c.command(plain, &argv("GET foo")).0, Some(Reply::bulk("bar")), "n1 serves it now");
    let (reply, events) = c.command(app, &argv("GET foo"));
    assert_eq!(reply, Some(Reply::bulk("bar")));
    assert!(events.iter().any(|e| e.text.contains("follows MOVED: slot 12182 is on n1")), "{events:#?}");
    let (_, events) = c.command(app, &argv("GET foo"));
    assert!(!events.iter().any(|e| e.text.contains("follows")), "{events:#?}");
    let n2 = c.add_client("n2-cli", nodes[1]);
    assert_eq!(c.command(n2, &argv("GET foo")).0, Some(Reply::Error("MOVED 12182 n1:6379".into())));
}

/// A cluster primary that crashes is failed after the node timeout (the cluster is down for its
/// slots), its replica takes over with a new epoch, and the old primary comes back as a replica.
#[test]
fn a_cluster_replica_takes_over_its_failed_primary() {
    let mut c = Deployment::new(Version::V7_0, START_MS, 1);
    let p: Vec<NodeId> = ["n1", "n2", "n3"].iter().map(|n| c.add_primary(n)).collect();
    let r = c.add_replica("n1r", p[0], 10);
    c.node_timeout_ms = 2000;
    c.make_cluster(&p);
    let app = c.add_client("app", p[1]);
    c.make_cluster_aware(app);
    let plain = c.add_client("cli", p[1]);
    let Some(Reply::Array(replicas)) = c.command(plain, &argv(&format!("CLUSTER REPLICAS {}", node_id(&c, p[0])))).0
    else {
        panic!()
    };
    assert_eq!(replicas.len(), 1);
    assert_eq!(c.command(app, &argv("SET bar 1")).0, Some(Reply::ok()), "slot 5061 is n1's");
    c.advance_to(START_MS + 100);
    c.crash(p[0]);
    // n1 is pinged within half the node timeout, suspected when the whole of it has passed
    // without an answer, and failed once the other primaries' reports make a majority.
    let events = c.advance_to(START_MS + 3300);
    assert!(events.iter().any(|e| e.text.starts_with("the cluster fails n1")), "{events:#?}");
    assert_eq!(c.command(plain, &argv("GET foo")).0, Some(Reply::Error("CLUSTERDOWN The cluster is down".into())));
    let events = c.advance_to(START_MS + 5000);
    assert!(events.iter().any(|e| e.text.starts_with("n1r wins the election")), "{events:#?}");
    assert_eq!(c.command(app, &argv("GET bar")).0, Some(Reply::bulk("1")), "the replica had it");
    assert_eq!(c.clients[app].node, r);
    let Some(Reply::Verbatim(_, info)) = c.command(plain, &argv("CLUSTER INFO")).0 else { panic!() };
    assert!(String::from_utf8(info).unwrap().starts_with("cluster_state:ok"));
    // The old primary restarts and follows the new one.
    c.restart(p[0]);
    c.advance_to(START_MS + 6000);
    let view = c.nodes[p[0]].server.cluster().unwrap();
    assert_eq!(view.myself().replica_of.as_deref(), Some(node_id(&c, r).as_str()));
    assert_eq!(c.nodes[p[0]].role, Role::Replica { of: r });
    let old = c.add_client("old", p[0]);
    assert_eq!(c.command(old, &argv("GET bar")).0, Some(Reply::Error("MOVED 5061 n1r:6379".into())));
}

fn node_id(c: &Deployment, n: NodeId) -> String {
    c.nodes[n].server.cluster().unwrap().myself().id.clone()
}

/// `MIGRATE` typed by a client between two primaries of the world: the key moves (its TTL
/// with it), a key the target already has is refused unless `REPLACE`, `COPY` keeps it here,
/// and a target that is not there is an I/O error.
#[test]
fn migrate_moves_keys_between_nodes() {
    let mut c = Deployment::new(Version::V7_0, START_MS, 1);
    let a = c.add_primary("a");
    let b = c.add_primary("b");
    let ca = c.add_client("ca", a);
    let cb = c.add_client("cb", b);
    c.command(ca, &argv("SET k v PX 5000"));
    c.command(ca, &argv("SET k2 v2"));
    assert_eq!(c.command(ca, &argv("MIGRATE b 6379 k 0 1000")).0, Some(Reply::ok()));
    assert_eq!(c.command(ca, &argv("EXISTS k")).0, Some(Reply::Integer(0)));
    assert_eq!(c.command(cb, &argv("GET k")).0, Some(Reply::bulk("v")));
    assert!(matches!(c.command(cb, &argv("PTTL k")).0, Some(Reply::Integer(ms)) if ms > 4000 && ms <= 5000));
    assert_eq!(c.command(ca, &argv("MIGRATE b 6379 nosuch 0 1000")).0, Some(Reply::status("NOKEY")));
    c.command(cb, &argv("SET k2 other"));
    assert_eq!(
        c.command(ca, &argv("MIGRATE b 6379 k2 0 1000")).0,
        Some(Reply::Error("ERR Target instance replied with error: BUSYKEY Target key name already exists.".into()))
    );
    assert_eq!(c.command(ca, &argv("MIGRATE b 6379 \"\" 0 1000 COPY REPLACE KEYS k2")).0, Some(Reply::ok()));
    assert_eq!(c.command(ca, &argv("GET k2")).0, Some(Reply::bulk("v2")), "COPY keeps it");
    assert_eq!(c.command(cb, &argv("GET k2")).0, Some(Reply::bulk("v2")));
    assert_eq!(
        c.command(ca, &argv("MIGRATE nowhere 6379 k2 0 1000")).0,
        Some(Reply::Error("IOERR error or timeout connecting to the client".into()))
    );
    assert_eq!(
        c.command(ca, &argv("MIGRATE b 6379 k2 0 1000 KEYS k2")).0,
        Some(Reply::Error(
            "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string".into()
        ))
    );
}

fn info_field(c: &mut Deployment, client: SimClientId, field: &str) -> String {
    let Some(Reply::Verbatim(_, text)) = c.command(client, &argv("INFO replication")).0 else { panic!("INFO") };
    let text = String::from_utf8(text).unwrap();
    let at = text.find(&format!("{field}:")).unwrap_or_else(|| panic!("{field} in {text}"));
    text[at + field.len() + 1..].lines().next().unwrap().to_string()
}

/// `FAILOVER` typed by a client: writes wait while the replica catches up, then the roles swap
/// with nothing lost; the write that waited is refused by the node that is now a replica, and a
/// client of the new primary writes there.
#[test]
fn failover_hands_the_role_to_a_replica_that_caught_up() {
    let mut c = Deployment::new(Version::V7_0, START_MS, 1);
    let p = c.add_primary("primary");
    let r = c.add_replica("replica-1", p, 40);
    let admin = c.add_client("admin", p);
    let app = c.add_client("app", p);
    let other = c.add_client("other", r);
    for i in 0..20 {
        c.command(app, &argv(&format!("XADD orders * n {i}")));
    }
    assert_eq!(
        c.command(admin, &argv("FAILOVER TO nowhere 6379")).0,
        Some(Reply::Error("ERR FAILOVER target HOST and PORT is not a replica.".into()))
    );
    assert_eq!(c.command(admin, &argv("FAILOVER TO replica-1 6379")).0, Some(Reply::ok()));
    assert_eq!(info_field(&mut c, admin, "master_failover_state"), "waiting-for-sync");
    assert_eq!(c.command(admin, &argv("FAILOVER")).0, Some(Reply::Error("ERR FAILOVER already in progress.".into())));
    // Writes wait (paused), reads do not.
    assert_eq!(c.command(app, &argv("SET late 1")).0, None, "the write waits");
    assert_eq!(c.command(admin, &argv("XLEN orders")).0, Some(Reply::Integer(20)));
    let before = ids_in(&c, p, "orders");
    let events = c.advance_to(START_MS + 1000);
    let texts: Vec<&str> = events.iter().map(|e| e.text.as_str()).collect();
    assert!(texts.iter().any(|t| t.contains("hands its role to replica-1")), "{texts:#?}");
    assert!(
        texts.iter().any(|t| t.starts_with("app received: (error) READONLY")),
        "the waiting write is refused: {texts:#?}"
    );
    assert!(c.lost.is_empty(), "nothing lost: {:?}", c.lost);
    assert_eq!(c.nodes[r].role, Role::Primary);
    assert_eq!(c.nodes[p].role, Role::Replica { of: r });
    assert_eq!(info_field(&mut c, admin, "master_failover_state"), "no-failover");
    assert_eq!(info_field(&mut c, admin, "role"), "slave");
    assert_eq!(c.command(other, &argv("SET late 2")).0, Some(Reply::ok()));
    c.advance_to(START_MS + 2000);
    assert_eq!(ids_in(&c, r, "orders"), before);
    assert_eq!(ids_in(&c, p, "orders"), before);
    assert_eq!(c.command(admin, &argv("GET late")).0, Some(Reply::bulk("2")), "the old primary follows");
}

/// A failover whose replica cannot catch up in time is given up (writes resume); `FORCE` goes
/// ahead anyway, and `FAILOVER ABORT` stops one that waits.
#[test]
fn failover_times_out_aborts_or_forces() {
    let mut c = Deployment::new(Version::V7_0, START_MS, 1);
    let p = c.add_primary("primary");
    // Far away: what it is sent takes 5 s to arrive.
    let r = c.add_replica("replica-1", p, 5000);
    let admin = c.add_client("admin", p);
    c.command(admin, &argv("SET k 1"));
    assert_eq!(c.command(admin, &argv("FAILOVER TIMEOUT 300")).0, Some(Reply::ok()));
    c.advance_to(START_MS + 500);
    assert_eq!(info_field(&mut c, admin, "master_failover_state"), "no-failover");
    assert_eq!(c.command(admin, &argv("SET k 2")).0, Some(Reply::ok()), "writes resume");
    assert_eq!(c.command(admin, &argv("FAILOVER")).0, Some(Reply::ok()));
    assert_eq!(c.command(admin, &argv("FAILOVER ABORT")).0, Some(Reply::ok()));
    assert_eq!(c.command(admin, &argv("FAILOVER ABORT")).0, Some(Reply::Error("ERR No failover in progress.".into())));
    assert_eq!(c.command(admin, &argv("FAILOVER TO replica-1 6379 TIMEOUT 200 FORCE")).0, Some(Reply::ok()));
    c.advance_to(START_MS + 1000);
    assert_eq!(c.nodes[r].role, Role::Primary, "forced");
    assert_eq!(c.nodes[p].role, Role::Replica { of: r });
}

/// Expiry on a replica, as Redis 7.0 has it: the replica deletes nothing itself (an expired key
/// reads as missing but is still counted) until its primary's `DEL` arrives, and the `DEL` moves
/// the offsets as any write does.
#[test]
fn replicas_wait_for_their_primary_to_expire_keys() {
    let mut c = Deployment::new(Version::V7_0, START_MS, 1);
    let p = c.add_primary("primary");
    let r = c.add_replica("replica-1", p, 40);
    let writer = c.add_client("writer", p);
    let reader = c.add_client("reader", r);
    c.command(writer, &argv("SET k v PX 100"));
    c.advance_to(START_MS + 60);
    assert_eq!(c.command(reader, &argv("GET k")).0, Some(Reply::bulk("v")), "replicated");
    let offset = c.nodes[p].offset;
    c.advance_to(START_MS + 1000);
    assert_eq!(c.command(writer, &argv("DBSIZE")).0, Some(Reply::Integer(0)), "the primary's cycle expired it");
    assert!(c.nodes[p].offset > offset, "the DEL is in the stream");
    assert_eq!(c.command(reader, &argv("GET k")).0, Some(Reply::Nil), "expired for the replica's readers");
    assert_eq!(c.command(reader, &argv("DBSIZE")).0, Some(Reply::Integer(1)), "but not deleted by the replica");
    c.advance_to(START_MS + 1100);
    assert_eq!(c.command(reader, &argv("DBSIZE")).0, Some(Reply::Integer(0)), "the primary's DEL arrived");
    assert_eq!(c.nodes[r].offset, c.nodes[p].offset);
}

/// The cluster bus as Redis's rules: two of three primaries down leave the third in a minority. It
/// suspects both (`fail?`) but cannot fail them without a majority's reports, no replica is
/// elected, and its own state is `fail`, as a node in a minority partition says.
#[test]
fn a_minority_suspects_but_cannot_fail() {
    let mut c = Deployment::new(Version::V7_0, START_MS, 1);
    let p: Vec<NodeId> = ["n1", "n2", "n3"].iter().map(|n| c.add_primary(n)).collect();
    c.add_replica("n1r", p[0], 10);
    c.node_timeout_ms = 1000;
    c.make_cluster(&p);
    let cli = c.add_client("cli", p[2]);
    c.advance_to(START_MS + 100);
    c.crash(p[0]);
    c.crash(p[1]);
    let events = c.advance_to(START_MS + 10_000);
    assert!(
        !events.iter().any(|e| e.text.contains("the cluster fails") || e.text.contains("wins the election")),
        "{events:#?}"
    );
    let Some(Reply::Verbatim(_, info)) = c.command(cli, &argv("CLUSTER INFO")).0 else { panic!() };
    let info = String::from_utf8(info).unwrap();
    assert!(info.starts_with("cluster_state:fail\r\n"), "{info}");
    assert!(info.contains("cluster_slots_pfail:10923\r\n"), "{info}");
    let Some(Reply::Verbatim(_, nodes)) = c.command(cli, &argv("CLUSTER NODES")).0 else { panic!() };
    let nodes = String::from_utf8(nodes).unwrap();
    assert_eq!(nodes.matches("master,fail?").count(), 2, "{nodes}");
    // A replica that suspects a node reports nothing: only primaries' reports count.
    let id = node_id(&c, p[0]);
    assert_eq!(c.command(cli, &argv(&format!("CLUSTER COUNT-FAILURE-REPORTS {id}"))).0, Some(Reply::Integer(0)));
}

/// The slot map's last request: a cluster client's command with its slot and every node it went
/// to, a redirection drawn on the request that got it.
#[test]
fn the_last_cluster_request_keeps_its_slot_and_redirections() {
    let mut c = Deployment::new(Version::V7_0, START_MS, 1);
    let nodes: Vec<NodeId> = ["n1", "n2", "n3"].iter().map(|n| c.add_primary(n)).collect();
    c.make_cluster(&nodes);
    let plain = c.add_client("cli", nodes[0]);
    c.command(plain, &argv("SET foo bar"));
    let request = c.last_request.clone().expect("a request");
    assert_eq!((request.slot, &*request.client), (12182, "cli"));
    assert_eq!(request.hops, vec![(nodes[0], Hop::Redirected { ask: false, to: "n3".into() })]);
    let app = c.add_client("app", nodes[0]);
    c.make_cluster_aware(app);
    c.clients[app].slot_map = Some(vec![0; 16384]);
    c.command(app, &argv("GET foo"));
    let request = c.last_request.clone().expect("a request");
    assert_eq!(
        request.hops,
        vec![(nodes[0], Hop::Redirected { ask: false, to: "n3".into() }), (nodes[2], Hop::Served)],
        "MOVED, then served where it was sent"
    );
    c.command(app, &argv("CLUSTER INFO"));
    assert_eq!(c.last_request.as_ref().map(|r| r.slot), Some(12182), "a command without a key changes nothing");
}
