//! Client-side caching (`CLIENT TRACKING`), as Redis's `tracking.c`: in the default mode the
//! server remembers which keys each tracking client read and, when one of them changes, sends
//! that client (or the client it redirects to) an invalidation message and forgets it; in
//! broadcast mode every change to a key under one of the client's prefixes is sent, the keys of
//! one turn of the event loop together. RESP3 clients get `>invalidate` pushes; a RESP2 client
//! gets them as messages on `__redis__:invalidate` when it redirects to a subscribed connection.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

/// A client's tracking mode (Redis's `CLIENT_TRACKING*` flags).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tracking {
    /// Where invalidations go instead of this connection (0: here).
    pub redirect: ClientId,
    pub bcast: bool,
    pub optin: bool,
    pub optout: bool,
    pub noloop: bool,
    /// The redirect target went away.
    pub broken_redirect: bool,
    /// Broadcast prefixes ("" for all keys).
    pub prefixes: Vec<Vec<u8>>,
}

/// The broadcast state of one prefix: who listens, and the keys changed this turn with the
/// client that changed them (for `NOLOOP`).
#[derive(Clone, Debug, Default)]
pub struct Bcast {
    pub clients: BTreeSet<ClientId>,
    pub keys: BTreeMap<Vec<u8>, Option<ClientId>>,
}

/// The server's side of tracking.
#[derive(Clone, Debug, Default)]
pub struct TrackingTables {
    /// Key name (in any database) -> the clients that read it.
    pub keys: BTreeMap<Vec<u8>, BTreeSet<ClientId>>,
    pub items: usize,
    pub prefixes: BTreeMap<Vec<u8>, Bcast>,
    /// Keys changed during the running command, with who changed them.
    pub(super) pending: Vec<(Vec<u8>, Option<ClientId>)>,
    /// A flush happened: every tracking client is told its whole cache is stale.
    flushed: bool,
    /// The client whose command is running.
    pub current: Option<ClientId>,
}

/// What an invalidation message carries.
enum Payload {
    Keys(Vec<Vec<u8>>),
    /// Everything (after a flush).
    All,
}

const CHANNEL: &[u8] = b"__redis__:invalidate";

impl Server {
    /// How many clients have tracking on.
    pub fn tracking_clients(&self) -> usize {
        self.clients.values().filter(|c| c.tracking.is_some()).count()
    }

    /// Keys tracked, (key, client) pairs tracked and broadcast prefixes, as INFO counts them.
    pub fn tracking_totals(&self) -> (usize, usize, usize) {
        (self.tracking.keys.len(), self.tracking.items, self.tracking.prefixes.len())
    }

    /// A key changed: remembered until the command is over (Redis's `trackingInvalidateKey`).
    pub(crate) fn tracking_touch(&mut self, key: &[u8]) {
        if self.tracking.keys.contains_key(key) || !self.tracking.prefixes.is_empty() {
            let by = self.tracking.current;
            self.tracking.pending.push((key.to_vec(), by));
        }
    }

    /// Every database was emptied (`FLUSHALL`/`FLUSHDB`).
    pub(crate) fn tracking_flush(&mut self) {
        if self.clients.values().any(|c| c.tracking.is_some()) {
            self.tracking.flushed = true;
        }
        self.tracking.keys.clear();
        self.tracking.items = 0;
    }

    /// After a read-only command: the keys it read are remembered for the client (or, inside a
    /// script, for the client that runs the script), unless OPTIN/OPTOUT says otherwise.
    pub(crate) fn tracking_remember(&mut self, client: ClientId, keys: Vec<Vec<u8>>) {
        let Some(c) = self.clients.get(&client) else { return };
        let Some(t) = &c.tracking else { return };
        if t.bcast || (t.optin && !c.caching_given) || (t.optout && c.caching_given) {
            return;
        }
        for key in keys {
            if self.tracking.keys.entry(key).or_default().insert(client) {
                self.tracking.items += 1;
            }
        }
    }

    /// Sends what the command changed to the clients that track it (after its reply), the
    /// broadcasts of this turn, and keeps the table within `tracking-table-max-keys`.
    pub(crate) fn tracking_deliver(&mut self, out: &mut Outcome) {
        // Nobody tracks anything (the common case): nothing to send, no table to trim.
        let t = &self.tracking;
        if !t.flushed && t.pending.is_empty() && t.prefixes.is_empty() && t.keys.is_empty() {
            return;
        }
        if self.tracking.flushed {
            self.tracking.flushed = false;
            let tracking: Vec<ClientId> =
                self.clients.values().filter(|c| c.tracking.is_some()).map(|c| c.id).collect();
            for id in tracking {
                self.send_invalidation(id, Payload::All, out);
            }
        }
        let pending = std::mem::take(&mut self.tracking.pending);
        for (key, by) in pending {
            for bcast in self.tracking.prefixes.iter_mut().filter(|(p, _)| key.starts_with(p)).map(|(_, b)| b) {
                bcast.keys.insert(key.clone(), by);
            }
            let Some(ids) = self.tracking.keys.remove(&key) else { continue };
            self.tracking.items = self.tracking.items.saturating_sub(ids.len());
            for id in ids {
                let Some(t) = self.clients.get(&id).and_then(|c| c.tracking.as_ref()) else { continue };
                if t.bcast || (t.noloop && by == Some(id)) {
                    continue;
                }
                self.send_invalidation(id, Payload::Keys(vec![key.clone()]), out);
            }
        }
        let prefixes: Vec<Vec<u8>> = self.tracking.prefixes.keys().cloned().collect();
        for prefix in prefixes {
            let Some(bcast) = self.tracking.prefixes.get_mut(&prefix) else { continue };
            if bcast.keys.is_empty() {
                continue;
            }
            let keys = std::mem::take(&mut bcast.keys);
            let clients: Vec<ClientId> = bcast.clients.iter().copied().collect();
            for id in clients {
                let noloop = self.clients.get(&id).and_then(|c| c.tracking.as_ref()).is_some_and(|t| t.noloop);
                let mine: Vec<Vec<u8>> =
                    keys.iter().filter(|(_, by)| !(noloop && **by == Some(id))).map(|(k, _)| k.clone()).collect();
                if !mine.is_empty() {
                    self.send_invalidation(id, Payload::Keys(mine), out);
                }
            }
        }
        // Redis's `trackingLimitUsedSlots`: too many keys tracked, some are invalidated now.
        let max = usize::try_from(self.config.tracking_table_max_keys).unwrap_or(usize::MAX);
        while max > 0 && self.tracking.keys.len() > max {
            let Some(key) = self.tracking.keys.keys().next().cloned() else { break };
            let ids = self.tracking.keys.remove(&key).unwrap_or_default();
            self.tracking.items = self.tracking.items.saturating_sub(ids.len());
            for id in ids {
                if self.clients.get(&id).and_then(|c| c.tracking.as_ref()).is_some_and(|t| !t.bcast) {
                    self.send_invalidation(id, Payload::Keys(vec![key.clone()]), out);
                }
            }
        }
    }

    /// Redis's `sendTrackingMessage`.
    fn send_invalidation(&mut self, client: ClientId, payload: Payload, out: &mut Outcome) {
        let Some(c) = self.clients.get(&client) else { return };
        let Some(t) = &c.tracking else { return };
        let own_protocol = c.protocol;
        let (target, redirected) = if t.redirect != 0 {
            if !self.clients.contains_key(&t.redirect) {
                let redirect = t.redirect;
                let first = !t.broken_redirect;
                if let Some(t) = self.clients.get_mut(&client).and_then(|c| c.tracking.as_mut()) {
                    t.broken_redirect = true;
                }
                if first && own_protocol == Protocol::Resp3 {
                    out.woken.push((
                        client,
                        Reply::Push(vec![Reply::bulk("tracking-redir-broken"), Reply::Integer(redirect as i64)]),
                    ));
                }
                return;
            }
            (t.redirect, true)
        } else {
            (client, false)
        };
        let Some(to) = self.clients.get(&target) else { return };
        let value = match payload {
            Payload::Keys(keys) => Reply::Array(keys.into_iter().map(Reply::Bulk).collect()),
            Payload::All => Reply::Nil,
        };
        let message = if to.protocol == Protocol::Resp3 {
            Reply::Push(vec![Reply::bulk("invalidate"), value])
        } else if redirected && to.in_pubsub_mode() {
            Reply::Push(vec![Reply::bulk("message"), Reply::bulk(CHANNEL), value])
        } else {
            return;
        };
        out.woken.push((target, message));
    }

    /// Turns tracking on for a client (Redis's `enableTracking`).
    pub(crate) fn tracking_enable(&mut self, client: ClientId, mut mode: Tracking) {
        if mode.bcast {
            if mode.prefixes.is_empty() {
                mode.prefixes.push(Vec::new());
            }
            for p in &mode.prefixes {
                self.tracking.prefixes.entry(p.clone()).or_default().clients.insert(client);
            }
            if let Some(old) = self.clients.get(&client).and_then(|c| c.tracking.as_ref()) {
                for p in &old.prefixes {
                    if !mode.prefixes.contains(p) {
                        mode.prefixes.push(p.clone());
                    }
                }
            }
        }
        if let Some(c) = self.clients.get_mut(&client) {
            c.tracking = Some(mode);
        }
    }

    /// Turns it off (Redis's `disableTracking`).
    pub(crate) fn tracking_disable(&mut self, client: ClientId) {
        let Some(c) = self.clients.get_mut(&client) else { return };
        c.caching_given = false;
        let Some(mode) = c.tracking.take() else { return };
        for p in mode.prefixes {
            if let Some(b) = self.tracking.prefixes.get_mut(&p) {
                b.clients.remove(&client);
                if b.clients.is_empty() {
                    self.tracking.prefixes.remove(&p);
                }
            }
        }
    }
}
