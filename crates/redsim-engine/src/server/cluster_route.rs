//! Redis Cluster's checks before a command runs (Redis's `getNodeByQuery` and
//! `clusterRedirectClient`): every key in one slot, the slot served here, or the error that
//! sends the client to the node that serves it.

use super::*;
use crate::cluster::key_slot;

/// A command line with its table entry (and its container's).
type Resolved<'a> = (Option<&'static CommandSpec>, &'static CommandSpec, &'a [Vec<u8>]);

impl Server {
    /// The redirection or refusal for a command on this cluster node, if it is not served here.
    pub(super) fn cluster_redirect(
        &self,
        now_ms: u64,
        client: ClientId,
        parent: Option<&'static CommandSpec>,
        spec: &'static CommandSpec,
        argv: &[Vec<u8>],
    ) -> Option<String> {
        let cluster = self.cluster.as_deref()?;
        if self.obeys(client) {
            return None;
        }
        let c = self.clients.get(&client);
        let is_exec = parent.is_none() && spec.name == "exec";
        // EXEC is weighed by what it queued; every other command by itself.
        let mut commands: Vec<Resolved> = Vec::new();
        if is_exec {
            let tx = c.and_then(|c| c.multi.as_ref())?;
            for queued in &tx.queued {
                if let Ok((p, s)) = resolve(queued, self.version()) {
                    commands.push((p, s, queued));
                }
            }
        } else {
            commands.push((parent, spec, argv));
        }
        let shard_pubsub = parent.is_none() && matches!(spec.name, "ssubscribe" | "sunsubscribe" | "spublish");
        let db = &self.dbs[0];
        let mut first: Option<(Vec<u8>, u16)> = None;
        let (mut owner, mut multiple_keys) = (None, false);
        let (mut migrating, mut importing, mut missing, mut existing) = (false, false, 0, 0);
        let mut write = false;
        for (p, s, line) in commands {
            write |= self.weigh(p, s, line).write;
            for key in command_key_names(p, s, line) {
                let slot = key_slot(&key);
                match &first {
                    None => {
                        let Some(n) = cluster.owner_index(slot) else {
                            return Some("CLUSTERDOWN Hash slot not served".into());
                        };
                        owner = Some(n);
                        if n == 0 && cluster.migrating.contains_key(&slot) {
                            migrating = true;
                        } else if cluster.importing.contains_key(&slot) {
                            importing = true;
                        }
                        first = Some((key.clone(), slot));
                    }
                    Some((first_key, first_slot)) => {
                        if *first_key != key {
                            if *first_slot != slot {
                                return Some("CROSSSLOT Keys in request don't hash to the same slot".into());
                            }
                            multiple_keys = true;
                        }
                    }
                }
                if (migrating || importing) && !shard_pubsub {
                    if db.get(&key).is_some() && !db.is_expired(&key, now_ms) {
                        existing += 1;
                    } else {
                        missing += 1;
                    }
                }
            }
        }
        let (owner, (_, slot)) = (owner?, first?);
        if !cluster.is_ok() {
            let reads = self.config.settings.flag("cluster-allow-reads-when-down");
            if !reads {
                return Some("CLUSTERDOWN The cluster is down".into());
            }
            if write {
                return Some("CLUSTERDOWN The cluster is down and only accepts read commands".into());
            }
        }
        let at = |n: usize| format!("{}:{}", cluster.nodes[n].ip, cluster.nodes[n].port);
        if (migrating || importing) && parent.is_none() && spec.name == "migrate" {
            return None;
        }
        if migrating && missing > 0 {
            if existing > 0 {
                return Some("TRYAGAIN Multiple keys request during rehashing of slot".into());
            }
            let to = cluster.migrating.get(&slot).and_then(|id| cluster.index_of(id.as_bytes()))?;
            return Some(format!("ASK {slot} {}", at(to)));
        }
        let asking = c.is_some_and(|c| c.asking) || (parent.is_none() && spec.name == "restore-asking");
        if importing && asking {
            if multiple_keys && missing > 0 {
                return Some("TRYAGAIN Multiple keys request during rehashing of slot".into());
            }
            return None;
        }
        let me = cluster.myself();
        let readonly = c.is_some_and(|c| c.cluster_readonly) || shard_pubsub;
        if readonly && !write && me.replica_of.as_ref() == Some(&cluster.nodes[owner].id) {
            return None;
        }
        (owner != 0).then(|| format!("MOVED {slot} {}", at(owner)))
    }

    /// The keys a command line names (Redis's `getKeysFromCommand`), none if it is unknown.
    pub fn keys_of(&self, argv: &[Vec<u8>]) -> Vec<Vec<u8>> {
        match resolve(argv, self.version()) {
            Ok((parent, spec)) => command_key_names(parent, spec, argv),
            Err(_) => Vec::new(),
        }
    }

    /// Makes this server a cluster node with an id drawn from `seed`, at `ip:port`, knowing
    /// only itself (what `cluster-enabled yes` starts).
    pub fn enable_cluster(&mut self, seed: u64, ip: &str, port: u16) {
        // SplitMix64 first, so neighbouring seeds (ports) give unrelated-looking ids.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        let id = replid_from(z ^ (z >> 31));
        self.cluster = Some(Box::new(crate::cluster::Cluster::new(id, ip.to_string(), port)));
    }

    /// What this node says of itself on the cluster bus, if it is a cluster node; the host
    /// carries it to the others.
    pub fn cluster_announce(&mut self) -> Option<crate::cluster::Announce> {
        let offset = self.stats.repl_offset;
        let cluster = self.cluster.as_deref_mut()?;
        cluster.changed = false;
        cluster.messages_sent += 1;
        let mut announce = cluster.announce();
        announce.node.repl_offset = offset;
        Some(announce)
    }

    /// Takes in what another node said of itself; a primary that lost its every slot to it
    /// becomes its replica (the host then links them).
    pub fn cluster_hear(&mut self, from: &crate::cluster::Announce, now_ms: u64) {
        let Some(cluster) = self.cluster.as_deref_mut() else { return };
        if cluster.hear(from, now_ms) {
            self.master = Some(MasterLink::new(from.node.ip.clone().into_bytes(), from.node.port));
        }
    }
}
