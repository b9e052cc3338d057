//! RDB files both ways: what redsim-server saves, redis-server loads, and what redis-server
//! saves, redsim-server loads; afterwards every key's DUMP, TTL and the function libraries
//! agree between the two.

use redsim_engine::Version;
use redsim_tests::{show, Connection, RedisServer, TempDir};

const DATA: &[&str] = &[
    "SET s hello",
    "SET n 12345",
    "SET long aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "SET e v PX 10000000",
    "RPUSH l a b 1 -7 cccccccccccccccccccccccccccccccc",
    "SADD si 1 2 300000",
    "ZADD z 1 a 2.5 b -1e10 c",
    "HSET h f v n 1",
    "XADD x 1-1 f v g w",
    "XADD x 2-0 f v2 g w2",
    "XDEL x 1-1",
    "XGROUP CREATE x grp 0",
    "SELECT 5",
    "SET in5 yes",
    "SELECT 0",
];

fn setup(c: &mut Connection) {
    for line in DATA {
        let argv = redsim_engine::cli::split_args(line.as_bytes()).expect("a command line");
        c.command(&argv).expect("a reply");
    }
    c.command(&["FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('f', function() return 1 end)"])
        .expect("a reply");
    for i in 0..300 {
        c.command(&["RPUSH", "biglist", &format!("element-{i}-of-the-list")]).expect("a reply");
        c.command(&["ZADD", "bigz", &i.to_string(), &format!("m{i}")]).expect("a reply");
    }
}

fn assert_same(ours: &[String], theirs: &[String]) {
    let differing: Vec<String> = ours
        .iter()
        .zip(theirs)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("redsim: {}\n redis: {}", &a[..a.len().min(300)], &b[..b.len().min(300)]))
        .collect();
    assert!(differing.is_empty() && ours.len() == theirs.len(), "{}", differing.join("\n"));
}

/// What both servers must agree on once one has loaded the other's file.
fn snapshot(c: &mut Connection) -> Vec<String> {
    let mut out = Vec::new();
    for db in ["0", "5"] {
        c.command(&["SELECT", db]).expect("select");
        let mut keys: Vec<String> = ["s", "n", "long", "e", "l", "si", "z", "h", "x", "in5", "biglist", "bigz"]
            .iter()
            .map(|k| k.to_string())
            .collect();
        keys.sort();
        for key in keys {
            let dump = show(&c.command(&["DUMP", &key]).expect("dump"));
            let ttl = String::from_utf8_lossy(&c.command(&["TTL", &key]).expect("ttl")).into_owned();
            // A TTL counts down: only whether there is one is compared.
            let ttl = if ttl.starts_with(":-") { ttl } else { ":live".to_string() };
            out.push(format!("db{db} {key} {dump} {ttl}"));
        }
    }
    c.command(&["SELECT", "0"]).expect("select");
    out.push(show(&c.command(&["FUNCTION", "LIST"]).expect("function list")));
    out
}

fn spawn_redsim(dir: &TempDir) -> redsim_server::Handle {
    let options = [(b"save".to_vec(), Vec::new()), (b"appendonly".to_vec(), b"no".to_vec()), dir.as_option()];
    redsim_server::spawn_configured("127.0.0.1:0", Version::V7_0, &options).expect("redsim-server must start")
}

#[test]
fn redis_loads_what_redsim_saves() {
    let dir = TempDir::new("rdb-from-redsim").expect("a directory");
    let redsim = spawn_redsim(&dir);
    let mut ours = Connection::open(redsim.addr()).expect("connect to redsim-server");
    setup(&mut ours);
    assert_eq!(ours.command(&["SAVE"]).expect("save"), b"+OK\r\n");
    let expected = snapshot(&mut ours);
    // redis-server works in a directory of its own: redsim's file is put there before it starts.
    std::fs::create_dir_all(dir.path.join("redis")).expect("a directory");
    std::fs::copy(dir.path.join("dump.rdb"), dir.path.join("redis/dump.rdb")).expect("the saved file");
    let port = redsim_tests::free_port().expect("a port");
    let redis = RedisServer::start_in(dir.path.join("redis"), port)
        .unwrap_or_else(|e| panic!("redis-server must load the file: {e}"));
    let mut theirs = Connection::open(redis.addr).expect("connect to redis-server");
    assert_same(&expected, &snapshot(&mut theirs));
}

#[test]
fn redsim_loads_what_redis_saves() {
    let dir = TempDir::new("rdb-from-redis").expect("a directory");
    let port = redsim_tests::free_port().expect("a port");
    let redis = RedisServer::start_in(dir.path.join("redis"), port).expect("redis-server must start");
    let mut theirs = Connection::open(redis.addr).expect("connect to redis-server");
    setup(&mut theirs);
    assert_eq!(theirs.command(&["SAVE"]).expect("save"), b"+OK\r\n");
    let expected = snapshot(&mut theirs);
    std::fs::copy(dir.path.join("redis/dump.rdb"), dir.path.join("dump.rdb")).expect("the saved file");
    let redsim = spawn_redsim(&dir);
    let mut ours = Connection::open(redsim.addr()).expect("connect to redsim-server");
    assert_same(&snapshot(&mut ours), &expected);
}
