//! `redsim-server --cluster 3`: the nodes ping each other over the in-process bus with the
//! engine's rules, so a node that stops (`SHUTDOWN`) is suspected, then failed by the other two
//! (a majority of the primaries), and the cluster answers `CLUSTERDOWN` for its slots.

mod common;
use common::ask;

use std::time::{Duration, Instant};

#[test]
fn a_stopped_node_is_failed_by_the_others() {
    let options = [(b"cluster-node-timeout".to_vec(), b"300".to_vec())];
    let nodes = redsim_server::spawn_cluster(
        "127.0.0.1",
        0,
        3,
        redsim_engine::Version::V7_0,
        &options,
        redsim_server::Clock::Wall,
    )
    .expect("three nodes start");
    let ports: Vec<u16> = nodes.iter().map(|n| n.addr().port()).collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ask(ports[1], "CLUSTER INFO").contains("cluster_known_nodes:3") {
        assert!(Instant::now() < deadline, "the nodes meet");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(ask(ports[1], "CLUSTER INFO").contains("cluster_state:ok"));
    ask(ports[0], "SHUTDOWN NOSAVE");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ask(ports[1], "CLUSTER INFO").contains("cluster_state:fail") {
        assert!(Instant::now() < deadline, "node 2 fails node 1");
        std::thread::sleep(Duration::from_millis(50));
    }
    let nodes_text = ask(ports[2], "CLUSTER NODES");
    assert!(nodes_text.contains("master,fail "), "{nodes_text}");
    // Slot 0 is the stopped node's.
    assert!(ask(ports[1], "GET {06S}").contains("CLUSTERDOWN"), "a key of its slots");
}
