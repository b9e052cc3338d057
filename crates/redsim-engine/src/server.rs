//! The server: databases, clients and the one path every command takes.
//!
//! `Server::execute(now_ms, client, argv)` is the whole interface. It does what Redis's
//! `processCommand` does in the same order (look up, check arity, queue inside `MULTI`, run) and
//! returns the reply together with the effects and the commands a primary would propagate.

use std::collections::BTreeMap;

use crate::args::Args;
use crate::command::{self, CommandSpec, Flag};
use crate::db::Db;
use crate::effect::Effect;
use crate::error::{Error, Result};
use crate::reply::{Protocol, Reply};
use crate::value::Value;
use crate::version::Version;

/// Redis's `CLIENT ID`: unique, increasing, never reused.
pub type ClientId = u64;

/// One command line as the server receives it.
pub type Argv = Vec<Vec<u8>>;

pub const DB_COUNT: usize = 16;

/// What running one command produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// The reply to the calling client; `None` when it gets none now (an empty request).
    pub reply: Option<Reply>,
    pub effects: Vec<Effect>,
    /// What a primary would send to its replicas and its AOF, in order.
    pub propagate: Vec<Argv>,
    /// The client asked to close its connection (`QUIT`) once the reply is written.
    pub close: bool,
}

#[derive(Clone, Debug)]
pub struct Client {
    pub id: ClientId,
    pub name: Option<Vec<u8>>,
    pub db: usize,
    pub protocol: Protocol,
    pub created_ms: u64,
    pub last_command_ms: u64,
    /// `Some` between `MULTI` and `EXEC`/`DISCARD`.
    multi: Option<Transaction>,
}

impl Client {
    fn new(id: ClientId, now_ms: u64) -> Client {
        Client {
            id,
            name: None,
            db: 0,
            protocol: Protocol::Resp2,
            created_ms: now_ms,
            last_command_ms: now_ms,
            multi: None,
        }
    }

    pub fn in_transaction(&self) -> bool {
        self.multi.is_some()
    }
}

#[derive(Clone, Debug, Default)]
struct Transaction {
    queued: Vec<Argv>,
    /// A command was rejected while queueing: `EXEC` must answer `EXECABORT`.
    aborted: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub commands_processed: u64,
    pub expired_keys: u64,
    pub connections_received: u64,
}

/// Settings a user can read and change with `CONFIG`.
#[derive(Clone, Debug)]
pub struct Config {
    pub version: Version,
}

#[derive(Clone, Debug)]
pub struct Server {
    pub config: Config,
    pub dbs: Vec<Db>,
    pub clients: BTreeMap<ClientId, Client>,
    pub stats: Stats,
    next_client_id: ClientId,
}

impl Server {
    pub fn new(version: Version) -> Server {
        Server {
            config: Config { version },
            dbs: vec![Db::default(); DB_COUNT],
            clients: BTreeMap::new(),
            stats: Stats::default(),
            next_client_id: 1,
        }
    }

    pub fn version(&self) -> Version {
        self.config.version
    }

    /// Registers a new connection and returns its id.
    pub fn connect(&mut self, now_ms: u64) -> ClientId {
        let id = self.next_client_id;
        self.next_client_id += 1;
        self.stats.connections_received += 1;
        self.clients.insert(id, Client::new(id, now_ms));
        id
    }

    pub fn disconnect(&mut self, client: ClientId) {
        self.clients.remove(&client);
    }

    pub fn client(&self, client: ClientId) -> Option<&Client> {
        self.clients.get(&client)
    }

    /// The protocol `client` speaks, for encoding its replies.
    pub fn protocol(&self, client: ClientId) -> Protocol {
        self.clients.get(&client).map(|c| c.protocol).unwrap_or_default()
    }

    /// Runs one command for `client` at virtual time `now_ms`.
    pub fn execute(&mut self, now_ms: u64, client: ClientId, argv: &[Vec<u8>]) -> Outcome {
        let mut out = Outcome::default();
        if argv.is_empty() {
            return out;
        }
        if !self.clients.contains_key(&client) {
            // An id the server never handed out: treat it as a fresh connection under that id.
            self.next_client_id = self.next_client_id.max(client + 1);
            self.stats.connections_received += 1;
            self.clients.insert(client, Client::new(client, now_ms));
        }
        if let Some(c) = self.clients.get_mut(&client) {
            c.last_command_ms = now_ms;
        }
        let reply = self.process(now_ms, client, argv, &mut out);
        out.reply = Some(reply);
        out
    }

    fn process(&mut self, now_ms: u64, client: ClientId, argv: &[Vec<u8>], out: &mut Outcome) -> Reply {
        let (parent, spec) = match resolve(argv) {
            Ok(found) => found,
            Err(e) => {
                self.abort_transaction(client);
                return Reply::Error(e.to_string());
            }
        };
        let in_multi = self.clients.get(&client).is_some_and(|c| c.multi.is_some());
        if in_multi && !runs_inside_multi(parent.unwrap_or(spec)) {
            if let Some(tx) = self.clients.get_mut(&client).and_then(|c| c.multi.as_mut()) {
                tx.queued.push(argv.to_vec());
            }
            return Reply::status("QUEUED");
        }
        self.call(now_ms, client, parent, spec, argv, out)
    }

    /// Runs a command that has been looked up and checked: the part Redis calls `call()`.
    fn call(
        &mut self,
        now_ms: u64,
        client: ClientId,
        parent: Option<&'static CommandSpec>,
        spec: &'static CommandSpec,
        argv: &[Vec<u8>],
        out: &mut Outcome,
    ) -> Reply {
        self.stats.commands_processed += 1;
        let run = spec.run.expect("resolve() only returns runnable commands");
        let skip = if parent.is_some() { 2 } else { 1 };
        let mut ctx = Ctx { server: self, client, now_ms, out, dirty: 0 };
        let result = run(&mut ctx, Args::new(&argv[skip..]));
        let dirty = ctx.dirty;
        if dirty > 0 && spec.has(Flag::Write) {
            out.propagate.push(argv.to_vec());
        }
        match result {
            Ok(reply) => reply,
            Err(e) => Reply::Error(e.to_string()),
        }
    }

    fn abort_transaction(&mut self, client: ClientId) {
        if let Some(tx) = self.clients.get_mut(&client).and_then(|c| c.multi.as_mut()) {
            tx.aborted = true;
        }
    }
}

/// Finds the command (and its container, for a subcommand) the way Redis's `lookupCommand` does,
/// and checks the arity.
fn resolve(argv: &[Vec<u8>]) -> Result<(Option<&'static CommandSpec>, &'static CommandSpec)> {
    let unknown = || Error::UnknownCommand { name: argv[0].clone(), args: argv[1..].to_vec() };
    let top = command::lookup(&argv[0]).ok_or_else(unknown)?;
    let (parent, spec) = if top.subcommands.is_empty() || argv.len() == 1 {
        (None, top)
    } else {
        let sub = top.subcommand(&argv[1]).ok_or_else(|| Error::UnknownSubcommand {
            sub: argv[1].clone(),
            container: String::from_utf8_lossy(&argv[0]).to_uppercase(),
        })?;
        (Some(top), sub)
    };
    if !spec.arity_ok(argv.len()) || spec.run.is_none() {
        return Err(Error::WrongArity { name: command::full_name(parent, spec) });
    }
    Ok((parent, spec))
}

/// Commands that act at once inside `MULTI` instead of being queued.
fn runs_inside_multi(spec: &CommandSpec) -> bool {
    matches!(spec.name, "exec" | "discard" | "multi" | "watch" | "quit" | "reset")
}

/// What a command handler sees: the server, who is calling, and when.
pub struct Ctx<'a> {
    pub server: &'a mut Server,
    pub client: ClientId,
    pub now_ms: u64,
    pub out: &'a mut Outcome,
    /// How many changes the command made (Redis's `server.dirty` delta): a write command that
    /// changed nothing is not propagated.
    pub dirty: u64,
}

impl Ctx<'_> {
    pub fn version(&self) -> Version {
        self.server.config.version
    }

    pub fn client(&self) -> &Client {
        self.server.clients.get(&self.client).expect("execute() registers the client")
    }

    pub fn client_mut(&mut self) -> &mut Client {
        self.server.clients.get_mut(&self.client).expect("execute() registers the client")
    }

    pub fn db_index(&self) -> usize {
        self.client().db
    }

    pub fn db(&mut self) -> &mut Db {
        let index = self.db_index();
        &mut self.server.dbs[index]
    }

    pub fn effect(&mut self, effect: Effect) {
        self.out.effects.push(effect);
    }

    /// Removes `key` if its time to live has run out, as Redis's `expireIfNeeded` does on every
    /// access: the removal is an effect, and replicas receive it as a `DEL`.
    pub fn expire_if_needed(&mut self, key: &[u8]) {
        let db = self.db_index();
        if self.server.dbs[db].is_expired(key, self.now_ms) {
            self.server.dbs[db].remove(key);
            self.server.stats.expired_keys += 1;
            self.out.effects.push(Effect::KeyExpired { db, key: key.to_vec(), lazily: true });
            self.out.propagate.push(vec![b"DEL".to_vec(), key.to_vec()]);
        }
    }

    /// The live value of `key`, after lazy expiry.
    pub fn lookup(&mut self, key: &[u8]) -> Option<&mut Value> {
        self.expire_if_needed(key);
        self.db().get_mut(key)
    }

    /// Stores `value` at `key`, records the write, and counts it as a change.
    pub fn store(&mut self, key: &[u8], value: Value, keep_ttl: bool) {
        let db = self.db_index();
        self.server.dbs[db].set(key, value, keep_ttl);
        self.dirty += 1;
        self.effect(Effect::KeyWritten { db, key: key.to_vec() });
    }

    /// Deletes `key` if it is live; true when something was deleted.
    pub fn delete(&mut self, key: &[u8]) -> bool {
        self.expire_if_needed(key);
        let db = self.db_index();
        let removed = self.server.dbs[db].remove(key).is_some();
        if removed {
            self.dirty += 1;
            self.effect(Effect::KeyDeleted { db, key: key.to_vec() });
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
    pub fn take_transaction(&mut self) -> Result<Vec<Argv>> {
        let tx = self.client_mut().multi.take().ok_or(Error::ExecWithoutMulti)?;
        if tx.aborted {
            return Err(Error::ExecAbort);
        }
        Ok(tx.queued)
    }

    pub fn discard_transaction(&mut self) -> Result<()> {
        self.client_mut().multi.take().map(|_| ()).ok_or(Error::DiscardWithoutMulti)
    }

    /// Runs a queued command inside `EXEC`, with the same effects and propagation as a direct call.
    pub fn run_queued(&mut self, argv: &[Vec<u8>]) -> Reply {
        match resolve(argv) {
            Ok((parent, spec)) => self.server.call(self.now_ms, self.client, parent, spec, argv, self.out),
            Err(e) => Reply::Error(e.to_string()),
        }
    }
}
