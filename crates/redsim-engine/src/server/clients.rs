//! The server's clients by id: found by a hash of the id (the calling client is looked up some
//! fifteen times per command), listed in id order (`CLIENT LIST`, and every walk over the clients
//! whose order can reach a reply).

use std::collections::{BTreeSet, HashMap};

use super::client::Client;
use super::ClientId;

/// A hash for small counters (client ids, connection tokens): a multiplication spreads them over
/// the word, where SipHash's defence against chosen keys costs a few percent of a pipelined
/// command for nothing. The same on every run (no random seed), though no order it gives is ever
/// shown.
#[derive(Clone, Copy, Debug, Default)]
pub struct IdHash;

impl std::hash::BuildHasher for IdHash {
    type Hasher = IdHasher;
    fn build_hasher(&self) -> IdHasher {
        IdHasher(0)
    }
}

pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

#[derive(Clone, Debug, Default)]
pub struct ClientTable {
    by_id: HashMap<ClientId, Client, IdHash>,
    order: BTreeSet<ClientId>,
}

impl ClientTable {
    pub fn get(&self, id: &ClientId) -> Option<&Client> {
        self.by_id.get(id)
    }

    pub fn get_mut(&mut self, id: &ClientId) -> Option<&mut Client> {
        self.by_id.get_mut(id)
    }

    pub fn contains_key(&self, id: &ClientId) -> bool {
        self.by_id.contains_key(id)
    }

    pub fn insert(&mut self, id: ClientId, client: Client) -> Option<Client> {
        self.order.insert(id);
        self.by_id.insert(id, client)
    }

    pub fn remove(&mut self, id: &ClientId) -> Option<Client> {
        self.order.remove(id);
        self.by_id.remove(id)
    }

    /// The client, made with `make` first if there is none under that id.
    pub fn get_or_insert_with(&mut self, id: ClientId, make: impl FnOnce() -> Client) -> &mut Client {
        self.order.insert(id);
        self.by_id.entry(id).or_insert_with(make)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Ids in increasing order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &ClientId> + '_ {
        self.order.iter()
    }

    /// In id order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&ClientId, &Client)> + '_ {
        self.order.iter().filter_map(move |id| self.by_id.get_key_value(id))
    }

    /// In id order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Client> + '_ {
        self.order.iter().filter_map(move |id| self.by_id.get(id))
    }
}

impl std::ops::Index<&ClientId> for ClientTable {
    type Output = Client;
    fn index(&self, id: &ClientId) -> &Client {
        &self.by_id[id]
    }
}
