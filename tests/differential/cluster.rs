//! Redis Cluster: three Redis 7.0.15 nodes joined by `redis-cli --cluster create` beside
//! `redsim_server::spawn_cluster(3)`, the same commands sent to each, the replies compared with
//! node IDs and ports named by the node's place (`<node0>`, `<port1>`) and times as `<ms>`.

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use redsim_engine::Version;
use redsim_tests::{show, Connection, RedisServer};

/// One cluster under test: its nodes' addresses in slot order (node 0 serves slot 0).
struct Nodes {
    addrs: Vec<SocketAddr>,
    ids: Vec<String>,
}

impl Nodes {
    fn learn(addrs: Vec<SocketAddr>) -> Nodes {
        let mut ids = Vec::new();
        for addr in &addrs {
            let mut c = Connection::open(*addr).expect("connect");
            let id = c.command(&["CLUSTER", "MYID"]).expect("myid");
            let text = String::from_utf8_lossy(&id).into_owned();
            ids.push(text.lines().nth(1).unwrap_or_default().to_string());
        }
        Nodes { addrs, ids }
    }

    /// A reply with the node IDs and ports named by place, and 13-digit times as `<ms>`.
    fn normalise(&self, reply: &[u8]) -> String {
        self.names(&show(reply))
    }

    /// [`Nodes::normalise`] for text.
    fn names(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (i, id) in self.ids.iter().enumerate() {
            text = text.replace(id, &format!("<node{i}>"));
        }
        let mut out = String::new();
        let mut digits = String::new();
        for ch in text.chars().chain(std::iter::once(' ')) {
            if ch.is_ascii_digit() {
                digits.push(ch);
                continue;
            }
            if digits.len() == 13 {
                out.push_str("<ms>");
            } else {
                out.push_str(&digits);
            }
            digits.clear();
            out.push(ch);
        }
        out.pop();
        for (i, addr) in self.addrs.iter().enumerate() {
            out = out.replace(&(u32::from(addr.port()) + 10_000).to_string(), &format!("<bus{i}>"));
            out = out.replace(&addr.port().to_string(), &format!("<port{i}>"));
        }
        out
    }
}

/// `CLUSTER NODES` as sorted lines, the length header dropped and the time of the last pong
/// (which gossip about a node itself may set, when it happens to) left out.
fn node_lines(shown: &str) -> String {
    let mut lines: Vec<String> = shown
        .split("\\n")
        .filter(|l| l.contains(' '))
        .map(|l| {
            let mut words: Vec<&str> = l.split(' ').collect();
            if words.len() > 5 {
                words[5] = "<pong>";
            }
            words.join(" ")
        })
        .collect();
    lines.sort();
    lines.join("|")
}

fn connect(addr: SocketAddr) -> Connection {
    Connection::open(addr).expect("connect")
}

fn argv(line: &str) -> Vec<Vec<u8>> {
    redsim_engine::cli::split_args(line.as_bytes()).expect("a command line")
}

/// Waits until every node says `cluster_state:ok` and knows all three.
fn wait_ok(addrs: &[SocketAddr]) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let ok = addrs.iter().all(|a| {
            let info = connect(*a).command(&["CLUSTER", "INFO"]).unwrap_or_default();
            let text = String::from_utf8_lossy(&info);
            text.contains("cluster_state:ok") && text.contains("cluster_known_nodes:3")
        });
        if ok {
            return;
        }
        assert!(Instant::now() < deadline, "the cluster did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until `node` answers `line` with something that contains `wanted` (gossip takes a
/// moment on Redis).
fn wait_for(nodes: &Nodes, node: usize, line: &str, wanted: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let reply = connect(nodes.addrs[node]).command(&argv(line)).unwrap_or_default();
        if nodes.normalise(&reply).contains(wanted) {
            return;
        }
        assert!(Instant::now() < deadline, "{line} on node {node} never gave {wanted}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The lines sent to node 0 of each cluster, in order.
const ON_NODE0: &[&str] = &[
    "SET {b}k1 v",
    "SET {b}k0 v EX 100",
    "GET {b}k1",
    "MSET {b}x 1 {b}y 2",
    "MGET {b}x {b}y {b}z",
    "MSET {b}x 1 {a}y 2",
    "DEL {b}x {b}y",
    "CLUSTER COUNTKEYSINSLOT 3300",
    "CLUSTER GETKEYSINSLOT 3300 10",
    "CLUSTER GETKEYSINSLOT 3300 1",
    "MOVE {b}k1 1",
    "COPY {b}k1 {b}k2 DB 1",
    "COPY {b}k1 {b}k2",
    "MULTI",
    "SET {b}t 1",
    "INCR {b}t",
    "EXEC",
    "MULTI",
    "SET {b}t 1",
    "GET {a}t",
    "EXEC",
    "WATCH {b}t",
    "MULTI",
    "GET {b}t",
    "EXEC",
    "EVAL \"return redis.call('get', KEYS[1])\" 1 {b}k1",
    "EVAL \"return redis.call('get', 'foo')\" 0",
    "EVAL \"redis.call('get', '{b}1') return redis.call('get', '{s}1')\" 0",
    "EVAL \"#!lua flags=allow-cross-slot-keys\nredis.call('get', '{b}1') return redis.call('get', '{s}1')\" 0",
    "EVAL \"#!lua flags=no-cluster\nreturn 1\" 0",
    "EVAL \"return redis.call('get', '{s}1')\" 1 {b}k",
    "EVAL \"#!lua\nreturn redis.call('get', '{s}1')\" 1 {b}k",
    "EVAL \"#!lua\nredis.call('get', '{s}1') return redis.call('get', '{b}1')\" 0",
    "READONLY",
    "GET {b}k1",
    "READWRITE",
    "SET {a}k1 v",
    "GET {a}k1",
    "SET foo bar",
    "GET foo",
    "MSET a 1 b 2",
    "MSET {u}a 1 {u}b 2",
    "MGET {u}a {u}b",
    "DEL {u}a {u}b nosuch",
    "EXISTS {u}a",
    "PING",
    "DBSIZE",
    "SELECT 1",
    "SELECT 0",
    "SELECT x",
    "MOVE {a}k1 1",
    "SWAPDB 0 1",
    "COPY {a}k1 {a}k2 DB 1",
    "COPY {a}k1 {a}k2",
    "MULTI",
    "SET {a}x 1",
    "SET foo 1",
    "EXEC",
    "MULTI",
    "SET {a}x 1",
    "EXEC",
    "EVAL \"return redis.call('get', KEYS[1])\" 1 {a}k1",
    "EVAL \"return redis.call('get', KEYS[1])\" 1 foo",
    "EVAL \"return 1\" 2 a b",
    "XADD {s}stream 1-1 f v",
    "XREAD STREAMS {s}stream other 0 0",
    "READONLY",
    "READWRITE",
    "ASKING",
    "CLUSTER",
    "CLUSTER NOSUCH",
    "CLUSTER KEYSLOT",
    "CLUSTER KEYSLOT user:{1001}:profile",
    "CLUSTER COUNTKEYSINSLOT 15495",
    "CLUSTER COUNTKEYSINSLOT 16384",
    "CLUSTER COUNTKEYSINSLOT x",
    "CLUSTER GETKEYSINSLOT 15495 10",
    "CLUSTER GETKEYSINSLOT 15495 -1",
    "CLUSTER GETKEYSINSLOT 99999 1",
    "CLUSTER ADDSLOTS 0",
    "CLUSTER ADDSLOTS 6000",
    "CLUSTER ADDSLOTS x",
    "CLUSTER ADDSLOTS 16384",
    "CLUSTER ADDSLOTSRANGE 5 1",
    "CLUSTER ADDSLOTSRANGE 1 2 3",
    "CLUSTER DELSLOTSRANGE 10 12",
    "CLUSTER DELSLOTS 10",
    "CLUSTER ADDSLOTSRANGE 10 12",
    "CLUSTER ADDSLOTS 10 10",
    "CLUSTER SETSLOT 0",
    "CLUSTER SETSLOT 0 BLAH",
    "CLUSTER SETSLOT 0 MIGRATING nosuch",
    "CLUSTER SETSLOT 6000 MIGRATING nosuch",
    "CLUSTER SETSLOT 0 IMPORTING nosuch",
    "CLUSTER SETSLOT 0 NODE nosuch",
    "CLUSTER SETSLOT 0 STABLE",
    "CLUSTER FORGET nosuch",
    "CLUSTER REPLICATE nosuch",
    "CLUSTER REPLICAS nosuch",
    "CLUSTER COUNT-FAILURE-REPORTS nosuch",
    "CLUSTER FAILOVER",
    "CLUSTER FAILOVER BLAH",
    "CLUSTER SET-CONFIG-EPOCH 5",
    "CLUSTER SET-CONFIG-EPOCH -1",
    "CLUSTER RESET BLAH",
    "CLUSTER RESET",
    "CLUSTER MEET 127.0.0.1 x",
    "CLUSTER MEET nohost 1",
    "CLUSTER FLUSHSLOTS",
    "CLUSTER SAVECONFIG",
    "CLUSTER SLOTS",
    "CLUSTER MYID",
    "CLUSTER HELP",
    "REPLICAOF NO ONE",
    "FAILOVER",
    "WAIT 0 0",
    "ROLE",
];

/// Lines whose replies name other nodes: sent with the nodes' IDs filled in.
fn with_ids(nodes: &Nodes) -> Vec<String> {
    vec![
        format!("CLUSTER FORGET {}", nodes.ids[0]),
        format!("CLUSTER REPLICATE {}", nodes.ids[0]),
        format!("CLUSTER REPLICATE {}", nodes.ids[1]),
        format!("CLUSTER REPLICAS {}", nodes.ids[1]),
        format!("CLUSTER SLAVES {}", nodes.ids[2]),
        format!("CLUSTER COUNT-FAILURE-REPORTS {}", nodes.ids[1]),
        format!("CLUSTER SETSLOT 0 IMPORTING {}", nodes.ids[1]),
        format!("CLUSTER SETSLOT 6000 MIGRATING {}", nodes.ids[1]),
        format!("CLUSTER SETSLOT 6000 IMPORTING {}", nodes.ids[1]),
        "CLUSTER SETSLOT 6000 STABLE".to_string(),
    ]
}

/// Sends the lines and the resharding of `foo`'s slot (12182, node 2's) to node 0, step by step,
/// and returns the normalised transcript.
fn transcript(nodes: &Nodes) -> Vec<String> {
    let mut out = Vec::new();
    let mut c = connect(nodes.addrs[0]);
    let run = |c: &mut Connection, line: &str, out: &mut Vec<String>| {
        let reply = c.command(&argv(line)).expect("a reply");
        out.push(format!("{} -> {}", nodes.names(line), nodes.normalise(&reply)));
    };
    for line in ON_NODE0 {
        run(&mut c, line, &mut out);
    }
    for line in with_ids(nodes) {
        run(&mut c, &line, &mut out);
    }
    // CLUSTER INFO up to the message counters, CLUSTER NODES and SHARDS in a stable order.
    let info = c.command(&["CLUSTER", "INFO"]).expect("info");
    let info = String::from_utf8_lossy(&info).into_owned();
    out.extend(info.lines().skip(1).take_while(|l| !l.starts_with("cluster_stats")).map(String::from));
    let listing = c.command(&["CLUSTER", "NODES"]).expect("nodes");
    out.push(node_lines(&nodes.normalise(&listing)));
    let shards = nodes.normalise(&c.command(&["CLUSTER", "SHARDS"]).expect("shards"));
    let mut shards: Vec<String> = shards.split("*4\\r\\n$5\\r\\nslots").map(String::from).collect();
    shards.sort();
    out.extend(shards);

    // Resharding slot 12182 (foo) from node 2 to node 0, as redis-cli --cluster reshard does.
    let (mut n0, mut n2) = (connect(nodes.addrs[0]), connect(nodes.addrs[2]));
    let (id0, id2) = (nodes.ids[0].clone(), nodes.ids[2].clone());
    let steps: Vec<(usize, String)> = vec![
        (2, "SET foo bar".into()),
        (0, format!("CLUSTER SETSLOT 12182 IMPORTING {id2}")),
        (2, format!("CLUSTER SETSLOT 12182 MIGRATING {id0}")),
        (2, "GET foo".into()),
        (2, "GET {foo}other".into()),
        (2, "MGET foo {foo}other".into()),
        (0, "GET foo".into()),
        (0, "ASKING".into()),
        (0, "GET {foo}other".into()),
        (0, "GET {foo}other".into()),
        (0, "ASKING".into()),
        (0, "SET {foo}other 1".into()),
        (0, "ASKING".into()),
        (0, "MGET {foo}other foo".into()),
        (2, "CLUSTER NODES".into()),
        (0, "CLUSTER NODES".into()),
        (2, format!("CLUSTER SETSLOT 12182 NODE {id0}")),
        (2, "DEL foo".into()),
        (2, format!("CLUSTER SETSLOT 12182 NODE {id0}")),
        (0, format!("CLUSTER SETSLOT 12182 NODE {id0}")),
        (0, "GET {foo}other".into()),
        (2, "GET {foo}other".into()),
        (0, "CLUSTER COUNTKEYSINSLOT 12182".into()),
    ];
    for (node, line) in steps {
        let conn = if node == 0 { &mut n0 } else { &mut n2 };
        let reply = conn.command(&argv(&line)).expect("a reply");
        let mut shown = nodes.normalise(&reply);
        if line == "CLUSTER NODES" {
            shown = node_lines(&shown);
        }
        out.push(format!("node{node}: {} -> {shown}", nodes.names(&line)));
    }
    // Node 1 learns of the move from the others.
    wait_for(nodes, 1, "GET {foo}other", "MOVED 12182 127.0.0.1:<port0>");
    out.push("node1 learnt the slot's new owner".into());
    out
}

#[test]
fn a_cluster_answers_as_redis_cluster_does() {
    let servers: Vec<RedisServer> =
        (0..3).map(|_| RedisServer::start_cluster_node().expect("redis-server --cluster-enabled yes")).collect();
    let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.addr).collect();
    let mut create = Command::new("redis-cli");
    create.arg("--cluster").arg("create");
    for a in &addrs {
        create.arg(a.to_string());
    }
    let status = create.args(["--cluster-yes"]).output().expect("redis-cli --cluster create");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stdout));
    wait_ok(&addrs);
    let theirs = transcript(&Nodes::learn(addrs));

    let ours_nodes = redsim_server::spawn_cluster("127.0.0.1", 0, 3, Version::V7_0, &[], redsim_server::Clock::Wall)
        .expect("redsim-server cluster");
    let addrs: Vec<SocketAddr> = ours_nodes.iter().map(|h| h.addr()).collect();
    wait_ok(&addrs);
    let ours = transcript(&Nodes::learn(addrs));
    if std::env::var_os("SHOW_TRANSCRIPT").is_some() {
        println!("{}", ours.join("\n"));
    }

    let table = redsim_tests::differences(&theirs, &ours);
    assert!(table.is_empty(), "{} differences:\n{}", table.len(), table.join("\n"));
}

/// `MIGRATE` from one server to another, on two Redis 7.0.15 servers and on two redsim-servers:
/// moving keys (and their TTLs), `NOKEY`, the target's errors, `COPY`, `REPLACE`, `KEYS`, `AUTH`,
/// another database, and a target that does not answer.
#[test]
fn migrate_moves_keys_as_redis_does() {
    let (ra, rb) = (RedisServer::start().expect("redis"), RedisServer::start().expect("redis"));
    let sa = redsim_server::spawn("127.0.0.1:0", Version::V7_0).expect("redsim");
    let sb = redsim_server::spawn("127.0.0.1:0", Version::V7_0).expect("redsim");
    let mut transcripts = Vec::new();
    for (a, b) in [(ra.addr, rb.addr), (sa.addr(), sb.addr())] {
        let (mut ca, mut cb) = (connect(a), connect(b));
        let port = b.port().to_string();
        let mut out = Vec::new();
        let lines: Vec<(bool, String)> = vec![
            (true, "SET k v PX 50000".into()),
            (true, "SET k2 v2".into()),
            (true, "RPUSH list a b c".into()),
            (true, format!("MIGRATE 127.0.0.1 {port} k 0 1000")),
            (true, "EXISTS k".into()),
            (false, "GET k".into()),
            (true, format!("MIGRATE 127.0.0.1 {port} nosuch 0 1000")),
            (false, "SET k2 other".into()),
            (true, format!("MIGRATE 127.0.0.1 {port} k2 0 1000")),
            (true, format!("MIGRATE 127.0.0.1 {port} \"\" 0 1000 COPY REPLACE KEYS k2 list nosuch")),
            (true, "GET k2".into()),
            (false, "GET k2".into()),
            (false, "LRANGE list 0 -1".into()),
            (true, format!("MIGRATE 127.0.0.1 {port} list 1 1000 REPLACE")),
            (false, "SELECT 1".into()),
            (false, "LRANGE list 0 -1".into()),
            (true, format!("MIGRATE 127.0.0.1 {port} k2 99 1000")),
            (true, format!("MIGRATE 127.0.0.1 {port} k2 0 1000 AUTH secret")),
            (true, format!("MIGRATE 127.0.0.1 {port} k2 0 1000 AUTH2 someone secret")),
            (true, format!("MIGRATE 127.0.0.1 {port} k2 0 1000 KEYS k2")),
            (true, format!("MIGRATE 127.0.0.1 {port} k2 0 1000 AUTH")),
            (true, format!("MIGRATE 127.0.0.1 {port} k2 x 1000")),
            (true, format!("MIGRATE 127.0.0.1 {port} k2 0 1000 BLAH")),
            (true, "MIGRATE 127.0.0.1 1 k2 0 200".into()),
            (true, "EXISTS k2".into()),
        ];
        for (on_a, line) in lines {
            let conn = if on_a { &mut ca } else { &mut cb };
            let reply = conn.command(&argv(&line)).expect("a reply");
            let shown = show(&reply).replace(&port, "<port>");
            out.push(format!("{} {} -> {shown}", if on_a { "a" } else { "b" }, line.replace(&port, "<port>")));
        }
        let ttl = cb.command(&["SELECT", "0"]).and_then(|_| cb.command(&["PTTL", "k"])).expect("pttl");
        let ttl: i64 = String::from_utf8_lossy(&ttl).trim_start_matches(':').trim().parse().unwrap_or(-9);
        out.push(format!("the TTL went with the key: {}", ttl > 40_000 && ttl <= 50_000));
        transcripts.push(out);
    }
    let (theirs, ours) = (&transcripts[0], &transcripts[1]);
    let diff: Vec<String> =
        theirs.iter().zip(ours).filter(|(t, o)| t != o).map(|(t, o)| format!("redis:  {t}\nredsim: {o}")).collect();
    assert!(diff.is_empty() && theirs.len() == ours.len(), "{}", diff.join("\n"));
}
