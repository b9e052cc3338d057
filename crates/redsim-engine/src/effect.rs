//! Typed facts about what a command changed. Views animate from these; they never diff states to
//! guess what happened.

use crate::server::ClientId;

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// A key was created or its value replaced or modified.
    KeyWritten { db: usize, key: Vec<u8> },
    /// A key was removed by a command (`DEL`, `UNLINK`, `GETDEL`, ...).
    KeyDeleted { db: usize, key: Vec<u8> },
    /// A key's time to live ran out. `lazily` is true when an access found it expired.
    KeyExpired { db: usize, key: Vec<u8>, lazily: bool },
    /// A key's expiry was set (`at_ms`) or removed (`None`).
    ExpireSet { db: usize, key: Vec<u8>, at_ms: Option<u64> },
    /// Every key of one database (`Some(db)`) or of all of them was removed.
    Flushed { db: Option<usize> },
    /// A client switched database, protocol or name.
    ClientChanged { client: ClientId },
}
