//! Protocol-level differences: malformed requests get the same error and the connection closes.

use redsim_engine::Version;
use redsim_tests::{show, Connection, RedisServer};

/// Raw requests that break the protocol; each is sent on a fresh connection to both servers.
const MALFORMED: &[&[u8]] = &[
    b"*x\r\n",
    b"*1\r\n+PING\r\n",
    b"*1\r\n$-5\r\n",
    b"*1\r\n$abc\r\n",
    b"*2\r\n$4\r\nECHO\r\n$99999999999\r\n",
    b"ECHO \"unbalanced\r\n",
    b"ECHO 'a'b\r\n",
];

#[test]
fn malformed_requests_get_redis_protocol_errors() {
    let redis = RedisServer::start().expect("the reference redis-server must start");
    let redsim = redsim_server::spawn("127.0.0.1:0", Version::V7_0).expect("redsim-server must start");
    let mut failures = Vec::new();
    for request in MALFORMED {
        let mut answers = Vec::new();
        for addr in [redis.addr, redsim.addr()] {
            let mut c = Connection::open(addr).expect("connect");
            c.send_raw(request).expect("send");
            answers.push(c.read_to_close().map_err(|e| e.to_string()));
        }
        if answers[0] != answers[1] {
            failures.push(format!("{}: redis {:?} redsim {:?}", show(request), answers[0], answers[1]));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn inline_commands_and_pipelines_match() {
    let redis = RedisServer::start().expect("the reference redis-server must start");
    let redsim = redsim_server::spawn("127.0.0.1:0", Version::V7_0).expect("redsim-server must start");
    let pipeline: &[u8] =
        b"PING\r\nECHO \"a b\"\r\n\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nQUIT\r\n";
    let mut answers = Vec::new();
    for addr in [redis.addr, redsim.addr()] {
        let mut c = Connection::open(addr).expect("connect");
        c.send_raw(pipeline).expect("send");
        answers.push(show(&c.read_to_close().expect("read")));
    }
    assert_eq!(answers[0], answers[1]);
}

/// `SHUTDOWN SAVE` on both servers: the caller's connection closes without a reply, the file is
/// written, and the server is gone.
#[test]
fn shutdown_saves_and_stops_like_redis() {
    let redis = RedisServer::start().expect("the reference redis-server must start");
    let dir = redsim_tests::TempDir::new("redsim-shutdown").expect("a temporary directory");
    let redsim = redsim_server::spawn_configured("127.0.0.1:0", Version::V7_0, &[dir.as_option()])
        .expect("redsim-server must start");
    let mut answers = Vec::new();
    for addr in [redis.addr, redsim.addr()] {
        let mut c = Connection::open(addr).expect("connect");
        c.command(&[b"SET".as_slice(), b"k", b"v"]).expect("SET");
        c.send_raw(b"*2\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n").expect("send");
        answers.push(c.read_to_close().map_err(|e| e.to_string()));
    }
    assert_eq!(answers[0], answers[1], "what the caller reads before the connection closes");
    let addr = redsim.addr();
    redsim.wait();
    assert!(dir.path.join("dump.rdb").exists(), "SHUTDOWN SAVE wrote the file");
    assert!(Connection::open(addr).is_err(), "nothing listens any more");
}

/// `CONFIG SET port` moves the listening socket: to a port in use it fails with Redis's error and
/// every value of the command goes back; to a free one, new clients connect there and the open
/// connection stays.
#[test]
fn config_set_port_listens_there_or_rolls_back() {
    let redis = RedisServer::start().expect("the reference redis-server must start");
    let redsim = redsim_server::spawn("127.0.0.1:0", Version::V7_0).expect("redsim-server must start");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port to hold");
    let taken_port = taken.local_addr().unwrap().port().to_string();
    let mut answers = Vec::new();
    for addr in [redis.addr, redsim.addr()] {
        let mut c = Connection::open(addr).expect("connect");
        let mut seen = Vec::new();
        let set = ["CONFIG", "SET", "maxmemory", "10000001", "port", &taken_port, "client-query-buffer-limit", "10m"];
        seen.push(show(&c.command(&set).unwrap()));
        seen.push(show(&c.command(&["CONFIG", "GET", "maxmemory"]).unwrap()));
        seen.push(show(&c.command(&["CONFIG", "GET", "client-query-buffer-limit"]).unwrap()));
        let port = redsim_tests::free_port().expect("a free port");
        seen.push(show(&c.command(&["CONFIG", "SET", "port", &port.to_string()]).unwrap()));
        let moved = std::net::SocketAddr::new(addr.ip(), port);
        let mut fresh = Connection::open(moved).expect("a client connects on the new port");
        seen.push(show(&fresh.command(&["PING"]).unwrap()));
        seen.push(show(&c.command(&["PING", "still here"]).unwrap()));
        seen.push(format!("old port open: {}", std::net::TcpStream::connect(addr).is_ok()));
        // Back, so the servers stop as they started.
        seen.push(show(&fresh.command(&["CONFIG", "SET", "port", &addr.port().to_string()]).unwrap()));
        answers.push(seen);
    }
    assert_eq!(answers[0], answers[1]);
}
