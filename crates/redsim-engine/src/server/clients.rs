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

/// The clients in slots, found by id through a hash map, with the last one found remembered: a
/// command looks up its own client some fifteen times, and all but the first are then an index.
#[derive(Clone, Debug)]
pub struct ClientTable {
    slots: Vec<Option<Client>>,
    free: Vec<usize>,
    index: HashMap<ClientId, usize, IdHash>,
    order: BTreeSet<ClientId>,
    /// The id and slot of the client found last (`NONE` for none).
    last: std::cell::Cell<(ClientId, usize)>,
}

const NONE: (ClientId, usize) = (ClientId::MAX, 0);

impl Default for ClientTable {
    fn default() -> ClientTable {
        ClientTable {
            slots: Vec::new(),
            free: Vec::new(),
            index: HashMap::default(),
            order: BTreeSet::new(),
            last: std::cell::Cell::new(NONE),
        }
    }
}

impl ClientTable {
    fn slot(&self, id: &ClientId) -> Option<usize> {
        let (last_id, last_slot) = self.last.get();
        if last_id == *id {
            return Some(last_slot);
        }
        let slot = *self.index.get(id)?;
        self.last.set((*id, slot));
        Some(slot)
    }

    pub fn get(&self, id: &ClientId) -> Option<&Client> {
        let slot = self.slot(id)?;
        self.slots.get(slot)?.as_ref()
    }

    pub fn get_mut(&mut self, id: &ClientId) -> Option<&mut Client> {
        let slot = self.slot(id)?;
        self.slots.get_mut(slot)?.as_mut()
    }

    pub fn contains_key(&self, id: &ClientId) -> bool {
        self.index.contains_key(id)
    }

    pub fn insert(&mut self, id: ClientId, client: Client) -> Option<Client> {
        if let Some(slot) = self.slot(&id) {
            return self.slots[slot].replace(client);
        }
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = Some(client);
                slot
            }
            None => {
                self.slots.push(Some(client));
                self.slots.len() - 1
            }
        };
        self.index.insert(id, slot);
        self.order.insert(id);
        None
    }

    pub fn remove(&mut self, id: &ClientId) -> Option<Client> {
        let slot = self.index.remove(id)?;
        self.order.remove(id);
        if self.last.get().0 == *id {
            self.last.set(NONE);
        }
        self.free.push(slot);
        self.slots[slot].take()
    }

    /// The client, made with `make` first if there is none under that id.
    pub fn get_or_insert_with(&mut self, id: ClientId, make: impl FnOnce() -> Client) -> &mut Client {
        let slot = match self.slot(&id) {
            Some(slot) => slot,
            None => {
                self.insert(id, make());
                self.slot(&id).unwrap_or_default()
            }
        };
        match &mut self.slots[slot] {
            Some(client) => client,
            None => unreachable!("a slot in the index holds its client"),
        }
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Ids in increasing order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &ClientId> + '_ {
        self.order.iter()
    }

    /// In id order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&ClientId, &Client)> + '_ {
        self.order.iter().filter_map(move |id| self.get(id).map(|c| (id, c)))
    }

    /// In id order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Client> + '_ {
        self.order.iter().filter_map(move |id| self.get(id))
    }
}

impl std::ops::Index<&ClientId> for ClientTable {
    type Output = Client;
    fn index(&self, id: &ClientId) -> &Client {
        match self.get(id) {
            Some(client) => client,
            None => panic!("no client {id}"),
        }
    }
}
