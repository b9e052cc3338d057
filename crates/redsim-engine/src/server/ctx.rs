//! `Ctx`: what a command handler sees (the server, the calling client, the time) and the
//! operations every handler shares: lookups with lazy expiry, stores, deletes, transactions.

use super::*;

/// What a command handler sees: the server, who is calling, and when.
pub struct Ctx<'a> {
    pub server: &'a mut Server,
    pub client: ClientId,
    pub now_ms: u64,
    pub out: &'a mut Outcome,
    /// How many changes the command made (Redis's `server.dirty` delta): a write command that
    /// changed nothing is not propagated.
    pub dirty: u64,
    /// The whole command line, name included, as the client sent it.
    pub argv: &'a [Vec<u8>],
    /// Blocking commands must answer at once (inside `EXEC`).
    pub deny_blocking: bool,
    /// What to send to replicas and the AOF instead of `argv`, when they must not redo the
    /// command's choices (a generated ID, an approximate trim).
    pub propagate_as: Option<Argv>,
    /// Lookups count as keyspace hits and misses (read-only commands, as Redis's read lookups).
    pub counts_hits: bool,
    /// Commands propagated besides (Redis's `alsoPropagate`), in order.
    pub also_propagate: Vec<Argv>,
    /// The command itself is not propagated (Redis's `preventCommandPropagation`): what it did
    /// travels as `also_propagate`.
    pub prevent_propagation: bool,
    /// The host's way to serve other clients while this command's script runs long.
    pub host: Option<&'a mut dyn ServerHost>,
}

impl Ctx<'_> {
    pub fn version(&self) -> Version {
        self.server.config.version
    }

    /// The calling client (`execute` registers one it does not know; were it missing, it reads as
    /// a fresh connection).
    pub fn client(&self) -> &Client {
        static FRESH: std::sync::LazyLock<Client> = std::sync::LazyLock::new(|| Client::new(0, 0));
        self.server.clients.get(&self.client).unwrap_or(&FRESH)
    }

    pub fn client_mut(&mut self) -> &mut Client {
        let (id, now_ms) = (self.client, self.now_ms);
        self.server.clients.get_or_insert_with(id, || Client::new(id, now_ms))
    }

    pub fn db_index(&self) -> usize {
        self.client().db
    }

    pub fn db(&mut self) -> &mut Db {
        let index = self.db_index();
        &mut self.server.dbs[index]
    }

    /// Records an effect for the pictures; `make` runs only when someone looks (a RESP server
    /// records none, and builds none).
    pub fn effect(&mut self, make: impl FnOnce() -> Effect) {
        if self.server.observe {
            self.out.effects.push(make());
        }
    }

    /// Removes `key` if its time to live has run out, as Redis's `expireIfNeeded` does on every
    /// access: the removal is an effect, and replicas receive it as a `DEL`. True when the key
    /// has expired for this client (then it reads as missing). A replica deletes nothing itself:
    /// its primary's `DEL` does, and the link that brings it sees every key. While clients are
    /// paused nothing is deleted either (the `DEL` would be a write).
    pub fn expire_if_needed(&mut self, key: &[u8]) -> bool {
        let db = self.db_index();
        if !self.server.dbs[db].is_expired(key, self.now_ms) {
            return false;
        }
        if self.server.master.is_some() {
            return !self.server.obeys(self.client);
        }
        if self.server.pause.is_some_and(|p| self.now_ms < p.end_ms) {
            return true;
        }
        {
            self.server.touch_watched(db, key, true);
            self.server.dbs[db].remove(key);
            self.server.stats.expired_keys += 1;
            self.out.effects.push(Effect::KeyExpired { db, key: key.to_vec(), lazily: true });
            crate::notify::notify(self.server, self.out, crate::notify::EXPIRED, "expired", key, db);
            self.server.propagate_deletion(db, key, "lazyfree-lazy-expire");
        }
        true
    }

    /// The live value of `key`, after lazy expiry.
    pub fn lookup(&mut self, key: &[u8]) -> Option<&mut Value> {
        let expired = self.expire_if_needed(key);
        let now = self.now_ms;
        let index = self.db_index();
        let server = &mut *self.server;
        let value = if expired { None } else { server.dbs[index].get_touch(key, now) };
        if self.counts_hits {
            if value.is_some() {
                server.stats.keyspace_hits += 1;
            } else {
                server.stats.keyspace_misses += 1;
            }
        }
        value
    }

    /// The value at `key` again, right after [`Ctx::lookup`] found it there: no second expiry
    /// check, access-time and LFU touch or hit count, as Redis looks a key up once per command.
    pub fn found_again(&mut self, key: &[u8]) -> Option<&mut Value> {
        let db = self.db_index();
        self.server.dbs[db].get_mut(key)
    }

    /// `lookup` that leaves the key's access time and LFU counter alone (Redis's
    /// `LOOKUP_NOTOUCH`: `EXISTS`, `TYPE`, `TTL` and kin, `OBJECT`).
    pub fn lookup_no_touch(&mut self, key: &[u8]) -> Option<&mut Value> {
        let expired = self.expire_if_needed(key);
        let index = self.db_index();
        let server = &mut *self.server;
        let found = !expired && server.dbs[index].get(key).is_some();
        if self.counts_hits {
            if found {
                server.stats.keyspace_hits += 1;
            } else {
                server.stats.keyspace_misses += 1;
            }
        }
        if expired {
            return None;
        }
        server.dbs[index].get_mut(key)
    }

    /// Marks `key` as written, so clients blocked on it are served after this command.
    pub fn signal_ready(&mut self, key: &[u8]) {
        let db = self.db_index();
        self.server.touch_watched(db, key, false);
        let ready = &mut self.server.ready_keys;
        // Only a key some client waits on becomes ready (Redis looks in `db->blocking_keys`).
        let awaited = || self.server.blocked.values().any(|b| b.db == db && b.keys.iter().any(|k| k == key));
        if !self.server.blocked.is_empty() && !ready.iter().any(|(d, k)| *d == db && k == key) && awaited() {
            ready.push((db, key.to_vec()));
        }
    }

    /// Marks every key that blocked clients wait on in `db` (all databases if `None`) as ready,
    /// after a flush.
    pub fn signal_flushed(&mut self, db: Option<usize>) {
        let keys: Vec<(usize, Vec<u8>)> = self
            .server
            .blocked
            .values()
            .filter(|b| db.is_none_or(|d| d == b.db))
            .flat_map(|b| b.keys.iter().map(move |k| (b.db, k.clone())))
            .collect();
        self.server.ready_keys.extend(keys);
    }

    /// Stores `value` at `key`, records the write, and counts it as a change.
    pub fn store(&mut self, key: &[u8], value: Value, keep_ttl: bool) {
        self.store_mut(key, value, keep_ttl);
    }

    /// `store`, handing back the value where it now is: a command that creates a key goes on
    /// working on it without looking it up again.
    pub fn store_mut(&mut self, key: &[u8], value: Value, keep_ttl: bool) -> &mut Value {
        let db = self.db_index();
        self.signal_ready(key);
        self.dirty += 1;
        self.effect(|| Effect::KeyWritten { db, key: key.to_vec() });
        self.server.dbs[db].insert_at(key, value, keep_ttl, self.now_ms)
    }

    /// Closes another client's connection (`CLIENT KILL`); the caller's own is closed after the reply.
    pub fn kill_client(&mut self, id: ClientId) {
        if id == self.client {
            self.out.close = true;
            return;
        }
        self.server.disconnect(id);
        self.out.killed.push(id);
    }

    /// Records an in-place change to the value at `key` (Redis's `signalModifiedKey` plus
    /// `server.dirty++`).
    pub fn modified(&mut self, key: &[u8]) {
        let db = self.db_index();
        self.signal_ready(key);
        self.dirty += 1;
        self.effect(|| Effect::KeyWritten { db, key: key.to_vec() });
    }

    /// Sets or clears the expiry of a key that exists, with its effect.
    pub fn set_expiry(&mut self, key: &[u8], at_ms: Option<u64>) {
        let db = self.db_index();
        self.server.touch_watched(db, key, false);
        match at_ms {
            Some(at) => self.server.dbs[db].set_expire(key, at),
            None => {
                self.server.dbs[db].persist(key);
            }
        }
        self.effect(|| Effect::ExpireSet { db, key: key.to_vec(), at_ms });
    }

    /// Publishes a keyspace event about `key` in the client's database.
    pub fn notify(&mut self, class: crate::notify::Flags, event: &str, key: &[u8]) {
        let db = self.db_index();
        crate::notify::notify(self.server, self.out, class, event, key, db);
    }

    /// Whether the calling user may read every key with the running command (Redis's
    /// `ACLUserCheckCmdWithUnrestrictedKeyAccess`; `SORT`'s `BY` and `GET` need it).
    pub fn user_has_full_key_access(&self) -> bool {
        let Some(user) = self.server.users.get(&self.client().user) else { return true };
        let Ok((parent, spec)) = crate::server::resolve(self.argv, self.server.config.version) else { return true };
        crate::acl::id_of(parent, spec).is_none_or(|id| user.unrestricted_key_access(id, self.argv))
    }

    /// `delete` without the `del` event (Redis's `dbDelete` where the command sends its own
    /// events, as `RENAME` does).
    pub fn delete_quietly(&mut self, key: &[u8]) -> bool {
        let flags = std::mem::replace(&mut self.server.config.notify, 0);
        let removed = self.delete(key);
        self.server.config.notify = flags;
        removed
    }

    /// Deletes `key` if it is live; true when something was deleted.
    pub fn delete(&mut self, key: &[u8]) -> bool {
        if self.expire_if_needed(key) {
            return false;
        }
        let db = self.db_index();
        let removed = self.server.dbs[db].remove(key).is_some();
        if removed {
            self.signal_ready(key);
            self.dirty += 1;
            self.effect(|| Effect::KeyDeleted { db, key: key.to_vec() });
            crate::notify::notify(self.server, self.out, crate::notify::GENERIC, "del", key, db);
        }
        removed
    }

    /// Enters `MULTI`.
    pub fn begin_transaction(&mut self) -> Result<()> {
        let client = self.client_mut();
        if client.multi.is_some() {
            return Err(Error::NestedMulti);
        }
        client.multi = Some(Transaction::default());
        Ok(())
    }

    /// Leaves `MULTI`, returning what was queued, or `EXECABORT` when queueing failed.
    /// `Ok(None)` when a watched key was touched: `EXEC` then answers a null array.
    pub fn take_transaction(&mut self) -> Result<Option<Vec<Argv>>> {
        let tx = self.client_mut().multi.take().ok_or(Error::ExecWithoutMulti)?;
        // A watched key whose time ran out counts as touched (Redis's `isWatchedKeyExpired`).
        let now = self.now_ms;
        let expired = self.client().watched.iter().any(|(db, key, _)| self.server.dbs[*db].is_expired(key, now));
        let dirty = self.client().dirty_cas || expired;
        let client = self.client;
        self.server.unwatch_all(client);
        if tx.aborted {
            return Err(Error::ExecAbort);
        }
        Ok((!dirty).then_some(tx.queued))
    }

    pub fn discard_transaction(&mut self) -> Result<()> {
        self.client_mut().multi.take().ok_or(Error::DiscardWithoutMulti)?;
        let client = self.client;
        self.server.unwatch_all(client);
        Ok(())
    }

    /// `WATCH key`: remembers the key for this client.
    pub fn watch(&mut self, key: &[u8]) {
        let db = self.db_index();
        let client = self.client;
        if self.client().watched.iter().any(|(d, k, _)| *d == db && k == key) {
            return;
        }
        let expired = self.server.dbs[db].is_expired(key, self.now_ms);
        self.client_mut().watched.push((db, key.to_vec(), expired));
        self.server.watchers.entry((db, key.to_vec())).or_default().push(client);
    }

    /// Runs a command for a script's `redis.call` (Redis's `scriptCall`): the checks a script's
    /// command passes, then the command as if inside `EXEC` (blocking commands answer at once).
    /// The error is the error reply the script sees.
    pub fn call_from_script(
        &mut self,
        argv: &[Vec<u8>],
        script: &mut ScriptRun,
        denied: fn(Option<&CommandSpec>, &CommandSpec) -> bool,
    ) -> std::result::Result<Reply, String> {
        let refused = match self.script_call(argv, script, denied) {
            Ok(reply) => return Ok(reply),
            Err(text) => text,
        };
        // Redis's `scriptCall` error path: the error counts in errorstats, as a rejected call of
        // the command when there is one, and not again when the script fails with it.
        let name = resolve(argv, self.server.version()).ok().map(|(p, s)| crate::command::full_name(p, s));
        self.server.count_rejection(name, &refused);
        self.server.script_errors.push(refused.clone());
        Err(refused)
    }

    fn script_call(
        &mut self,
        argv: &[Vec<u8>],
        script: &mut ScriptRun,
        denied: fn(Option<&CommandSpec>, &CommandSpec) -> bool,
    ) -> std::result::Result<Reply, String> {
        let (parent, spec) = match resolve(argv, self.server.version()) {
            Ok(found) => found,
            Err(Error::WrongArity { .. }) => {
                return Err("ERR Wrong number of args calling Redis command from script".into())
            }
            Err(_) => return Err("ERR Unknown Redis command called from script".into()),
        };
        if denied(parent, spec) {
            return Err("ERR This Redis command is not allowed from script".into());
        }
        let weighed = self.server.weigh(parent, spec, argv);
        // Redis's `scriptVerifyWriteCommandAllow`: a read-only script may neither write nor
        // run what may replicate.
        if script.read_only && (weighed.write || weighed.may_replicate) {
            return Err("ERR Write commands are not allowed from read-only scripts.".into());
        }
        if let Some(denied) = self.acl_refusal(parent, spec, argv) {
            return Err(match denied {
                crate::acl::Denied::Command => "ERR The user executing the script can't run this command or subcommand",
                crate::acl::Denied::Key(_) => {
                    "ERR The user executing the script can't access at least one of the keys mentioned in the command"
                }
                crate::acl::Denied::Channel(_) => {
                    "ERR The user executing the script can't publish to the channel mentioned in the command"
                }
            }
            .into());
        }
        // The state of the server may refuse a script's first write; after one, the script
        // cannot stop halfway.
        if weighed.write && !script.write_dirty {
            if self.server.master.is_some()
                && self.server.config.settings.flag("replica-read-only")
                && !self.server.obeys(self.client)
            {
                return Err("READONLY You can't write against a read only replica.".into());
            }
            if !self.server.enough_good_replicas(self.now_ms) {
                return Err("NOREPLICAS Not enough good replicas to write.".into());
            }
        }
        // Redis's `scriptVerifyOOM`: over the memory limit when the script started, its first
        // write that may add data is refused.
        if self.server.config.maxmemory > 0
            && !script.allow_oom
            && !script.write_dirty
            && self.server.pre_command_oom
            && weighed.deny_oom
        {
            return Err("OOM command not allowed when used memory > 'maxmemory'.".into());
        }
        script.write_dirty |= weighed.write;
        // Redis's `scriptVerifyClusterState`: a cluster node's script touches only keys of one
        // slot that it serves (unless it allows cross-slot keys).
        if self.server.cluster.is_some() && !self.server.obeys(self.client) {
            if let Some(refused) = self.server.cluster_redirect(self.now_ms, self.client, parent, spec, argv) {
                return Err(if refused.starts_with("CLUSTERDOWN The cluster is down and only") {
                    "ERR Script attempted to execute a write command while the cluster is down and readonly"
                } else if refused.starts_with("CLUSTERDOWN The cluster is down") {
                    "ERR Script attempted to execute a command while the cluster is down"
                } else {
                    "ERR Script attempted to access a non local key in a cluster node"
                }
                .into());
            }
            let slot = super::command_key_names(parent, spec, argv).first().map(|k| crate::cluster::key_slot(k));
            if let (Some(slot), false) = (slot, script.cross_slot) {
                match script.slot {
                    None => script.slot = Some(slot),
                    Some(first) if first != slot => {
                        return Err("ERR Script attempted to access keys that do not hash to the same slot".into())
                    }
                    Some(_) => {}
                }
            }
        }
        let (was_in_exec, was_in_script) = (self.server.in_exec, self.server.in_script);
        self.server.in_exec = true;
        self.server.in_script = true;
        let reply = self.server.call(self.now_ms, self.client, (parent, spec), argv, self.out, None);
        self.server.in_exec = was_in_exec;
        self.server.in_script = was_in_script;
        Ok(reply.unwrap_or(Reply::NilArray))
    }

    /// What the calling client's user may not do with this command, if anything.
    pub(crate) fn acl_refusal(
        &self,
        parent: Option<&'static CommandSpec>,
        spec: &'static CommandSpec,
        argv: &[Vec<u8>],
    ) -> Option<crate::acl::Denied> {
        let user = self.server.clients.get(&self.client).and_then(|c| self.server.users.get(&c.user))?;
        user.check(crate::acl::id_of(parent, spec)?, argv).err()
    }

    /// Runs a queued command inside `EXEC`, with the same effects and propagation as a direct
    /// call; blocking commands answer at once as if they timed out.
    pub fn run_queued(&mut self, argv: &[Vec<u8>]) -> Reply {
        match resolve(argv, self.server.version()) {
            Ok((parent, spec)) => {
                // The rules may have changed since the command was queued.
                if let Some(denied) = self.acl_refusal(parent, spec, argv) {
                    let reason = match denied {
                        crate::acl::Denied::Command => "no permission to execute the command or subcommand",
                        crate::acl::Denied::Key(_) => "no permission to touch the specified keys",
                        crate::acl::Denied::Channel(_) => {
                            "no permission to access one of the channels used as arguments"
                        }
                    };
                    return Reply::Error(format!(
                        "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: {reason}"
                    ));
                }
                self.server.in_exec = true;
                let reply = self.server.call(self.now_ms, self.client, (parent, spec), argv, self.out, None);
                self.server.in_exec = false;
                reply.unwrap_or(Reply::NilArray)
            }
            Err(e) => Reply::Error(e.to_string()),
        }
    }
}
