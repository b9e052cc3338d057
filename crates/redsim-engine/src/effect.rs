//! Typed facts about what a command changed. Views animate from these; they never diff states to
//! guess what happened.

use crate::server::ClientId;
use crate::stream::StreamId;

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// A key was created or its value replaced or modified.
    KeyWritten { db: usize, key: Vec<u8> },
    /// A key was removed by a command (`DEL`, `UNLINK`, `GETDEL`, ...).
    KeyDeleted { db: usize, key: Vec<u8> },
    /// A key's time to live ran out. `lazily` is true when an access found it expired.
    KeyExpired { db: usize, key: Vec<u8>, lazily: bool },
    /// A key was removed to keep memory under `maxmemory`, by this `maxmemory-policy`.
    KeyEvicted { db: usize, key: Vec<u8>, policy: &'static str },
    /// A key's expiry was set (`at_ms`) or removed (`None`).
    ExpireSet { db: usize, key: Vec<u8>, at_ms: Option<u64> },
    /// Every key of one database (`Some(db)`) or of all of them was removed.
    Flushed { db: Option<usize> },
    /// A client switched database, protocol or name.
    ClientChanged { client: ClientId },
    /// A client is parked by a blocking command until a key is written or `deadline_ms` (0:
    /// never) passes.
    ClientBlocked { client: ClientId, db: usize, keys: Vec<Vec<u8>>, deadline_ms: u64 },
    /// A parked client got its reply (`timed_out` when the deadline passed).
    ClientUnblocked { client: ClientId, timed_out: bool },
    /// A message was published to `channel` and reached `receivers` subscriptions.
    Published { channel: Vec<u8>, receivers: usize },
    /// Something changed inside the stream at `key`.
    Stream { db: usize, key: Vec<u8>, change: StreamEffect },
    /// `VSIM` searched the vector set at `key`: the elements it compared with the query (in the
    /// order it reached them, each once) and those it answered, nearest first.
    VectorSearch { db: usize, key: Vec<u8>, visited: Vec<Vec<u8>>, found: Vec<Vec<u8>> },
}

/// What stream commands change. Keys and names are raw bytes; IDs are the engine's own.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamEffect {
    /// An entry went into node `node` (its first ID); `new_node` when the node was created for it.
    Added {
        id: StreamId,
        node: StreamId,
        new_node: bool,
    },
    /// `XDEL` flagged an entry; `node_freed` when it was its node's last live entry.
    Deleted {
        id: StreamId,
        node_freed: bool,
    },
    /// A trim removed these entries; whole nodes in `nodes_removed`, the rest flagged in place.
    Trimmed {
        ids: Vec<StreamId>,
        nodes_removed: Vec<StreamId>,
    },
    /// `XSETID` moved the stream's last ID (and maybe its counters).
    IdSet {
        last_id: StreamId,
    },
    GroupCreated {
        group: Vec<u8>,
        last_delivered_id: StreamId,
    },
    /// The group's position moved (`XGROUP SETID`, a read, or `XCLAIM ... LASTID`).
    GroupMoved {
        group: Vec<u8>,
        last_delivered_id: StreamId,
        entries_read: i64,
    },
    GroupDestroyed {
        group: Vec<u8>,
    },
    ConsumerCreated {
        group: Vec<u8>,
        consumer: Vec<u8>,
    },
    /// The consumer was removed with its `pending` entries.
    ConsumerDeleted {
        group: Vec<u8>,
        consumer: Vec<u8>,
        pending: usize,
    },
    /// An entry was delivered to a consumer (its `delivery_count`-th delivery). `noack` reads
    /// deliver without adding to the PEL.
    Delivered {
        group: Vec<u8>,
        consumer: Vec<u8>,
        id: StreamId,
        delivery_count: u64,
        noack: bool,
    },
    Acked {
        group: Vec<u8>,
        consumer: Vec<u8>,
        id: StreamId,
    },
    /// A pending entry changed hands (`from` is `None` when `XCLAIM ... FORCE` created it).
    Claimed {
        group: Vec<u8>,
        from: Option<Vec<u8>>,
        to: Vec<u8>,
        id: StreamId,
        delivery_count: u64,
    },
    /// A pending entry whose stream entry no longer exists was dropped by a claim.
    PendingDropped {
        group: Vec<u8>,
        id: StreamId,
    },
    /// `XNACK` (Redis 8.8) handed a pending entry back to the group: it stays pending, owned by
    /// nobody (`from` is empty when no consumer had it), with this delivery count.
    Released {
        group: Vec<u8>,
        from: Vec<u8>,
        id: StreamId,
        delivery_count: u64,
    },
}
