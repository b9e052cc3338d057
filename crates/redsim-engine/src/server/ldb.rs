//! Lua debugging sessions (`SCRIPT DEBUG YES|SYNC`, then `EVAL`).
//!
//! Redis runs the script with a line hook that stops and reads the client's socket in place: a
//! forked child for `YES` (the data it changes are thrown away), the server itself for `SYNC`
//! (everything else waits). The engine does no I/O and cannot wait in the middle of a script, so a
//! session here is the `EVAL` run again, from a copy of the server taken just before it, with
//! everything the client has sent so far: the run stops where the client has said nothing yet,
//! and what it wrote past the previous run's end is the answer. Scripts are deterministic in the
//! engine (time is the `EVAL`'s, and the random state is in the copy), so each run repeats the
//! previous one exactly and goes one request further. When a run reaches the script's end, its
//! server is the one the session leaves behind (`SYNC`) or is dropped (`YES`).

use super::{ClientId, Outcome, Server};

/// A debugging session's run, inside the copy it runs on: the client's input and what the
/// debugger wrote.
#[derive(Clone, Debug, Default)]
pub struct LdbIo {
    inputs: Vec<Vec<u8>>,
    next: usize,
    /// The client has gone: once its input is used up, the script runs to its end.
    gone: bool,
    /// What the debugger wrote, one entry per write.
    pub(crate) sends: Vec<Vec<u8>>,
    /// The run stopped for input the client has not sent.
    pub(crate) waiting: bool,
    /// The `EVAL` got as far as opening the session (it was not refused before running).
    pub(crate) started: bool,
    /// Log lines the script left unsent when it ended.
    pub(crate) final_logs: Vec<Vec<u8>>,
}

impl LdbIo {
    /// The client's next bytes, for [`redsim_lua::Host::ldb_read`].
    pub(crate) fn read(&mut self) -> redsim_lua::LdbRead {
        if let Some(input) = self.inputs.get(self.next) {
            self.next += 1;
            return redsim_lua::LdbRead::Data(input.clone());
        }
        if self.gone {
            redsim_lua::LdbRead::Gone
        } else {
            self.waiting = true;
            redsim_lua::LdbRead::Wait
        }
    }
}

/// One client's debugging session; the host feeds it what the client sends and writes what it
/// answers.
#[derive(Clone, Debug)]
pub struct DebugSession {
    /// The server just before the `EVAL`.
    base: Box<Server>,
    now_ms: u64,
    client: ClientId,
    argv: Vec<Vec<u8>>,
    sync: bool,
    inputs: Vec<Vec<u8>>,
    gone: bool,
    /// Writes of the debugger already handed to the host.
    delivered: usize,
    output: Vec<u8>,
    /// The server the script left behind, once it has ended.
    ended: Option<Box<Server>>,
}

impl PartialEq for DebugSession {
    fn eq(&self, other: &DebugSession) -> bool {
        self.client == other.client && self.argv == other.argv && self.inputs == other.inputs
    }
}

/// What the first run of a session found.
enum Opened {
    /// The `EVAL` was answered before any session began (queued in `MULTI`, refused): the server
    /// after it, and its outcome.
    Not(Box<Server>, Outcome),
    Yes,
}

impl DebugSession {
    /// `SYNC` (the server waits for the session, and keeps what the script did) or `YES`.
    pub fn is_sync(&self) -> bool {
        self.sync
    }

    pub fn client(&self) -> ClientId {
        self.client
    }

    /// What to write to the client now.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.output)
    }

    /// The script has ended: the output ends with `<endsession>` and the `EVAL`'s reply, after
    /// which Redis closes the connection.
    pub fn is_ended(&self) -> bool {
        self.ended.is_some()
    }

    /// Bytes the client sent.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.ended.is_some() || bytes.is_empty() {
            return;
        }
        self.inputs.push(bytes.to_vec());
        self.run();
    }

    /// The client closed its connection: the script runs on to its end without stopping.
    pub fn hang_up(&mut self) {
        if self.ended.is_some() {
            return;
        }
        self.gone = true;
        self.run();
    }

    /// After a `SYNC` session has ended: the server as the script left it, which the host puts
    /// in place of its own. `None` for `YES`, whose changes are dropped, or before the end.
    pub fn into_server(self) -> Option<Server> {
        match self.ended {
            Some(server) if self.sync => Some(*server),
            _ => None,
        }
    }

    /// Runs the `EVAL` again from the start with all the input so far.
    fn replay(&self) -> (Box<Server>, Outcome, LdbIo) {
        let mut server = self.base.clone();
        server.ldb_io = Some(Box::new(LdbIo { inputs: self.inputs.clone(), gone: self.gone, ..LdbIo::default() }));
        let outcome = server.execute(self.now_ms, self.client, &self.argv);
        let io = server.ldb_io.take().map(|io| *io).unwrap_or_default();
        (server, outcome, io)
    }

    fn run(&mut self) {
        let (server, outcome, io) = self.replay();
        self.absorb(server, outcome, io);
    }

    /// Takes what a run wrote past what was delivered, and its end if it reached one.
    fn absorb(&mut self, server: Box<Server>, outcome: Outcome, io: LdbIo) {
        for send in io.sends.iter().skip(self.delivered) {
            self.output.extend_from_slice(send);
        }
        self.delivered = io.sends.len();
        if io.waiting {
            return;
        }
        let mut logs = io.final_logs;
        logs.push(b"<endsession>".to_vec());
        self.output.extend_from_slice(&redsim_lua::ldb::encode_logs(&logs));
        let protocol = server.protocol(self.client);
        if let Some(reply) = &outcome.reply {
            reply.encode_into(protocol, &mut self.output);
        }
        self.ended = Some(server);
    }

    fn open(mut self: Box<Self>) -> (Box<Self>, Opened) {
        let (server, outcome, io) = self.replay();
        if !io.started {
            return (self, Opened::Not(server, outcome));
        }
        self.absorb(server, outcome, io);
        (self, Opened::Yes)
    }
}

impl Server {
    /// Lets clients open Lua debugging sessions (a host that can hand a connection's bytes to a
    /// [`DebugSession`]). Without it `SCRIPT DEBUG YES|SYNC` is refused.
    pub fn set_debugger(&mut self, on: bool) {
        self.debugger = on;
    }

    /// Whether `argv` from `client` opens a debugging session: an `EVAL` after `SCRIPT DEBUG
    /// YES|SYNC`.
    pub(crate) fn wants_debugging(&self, client: ClientId, argv: &[Vec<u8>]) -> bool {
        let name = &argv[0];
        (name.eq_ignore_ascii_case(b"eval") || name.eq_ignore_ascii_case(b"eval_ro"))
            && !self.is_busy()
            && self.clients.get(&client).is_some_and(|c| c.ldb.is_some())
    }

    /// Opens a session for `argv`. The `YES` kind runs on a copy: the client leaves this server,
    /// as Redis's parent frees it once the child has it.
    pub(crate) fn start_debugging(&mut self, now_ms: u64, client: ClientId, argv: &[Vec<u8>]) -> Outcome {
        let sync = self.clients.get(&client).and_then(|c| c.ldb) == Some(true);
        let session = Box::new(DebugSession {
            base: Box::new(self.clone()),
            now_ms,
            client,
            argv: argv.to_vec(),
            sync,
            inputs: Vec::new(),
            gone: false,
            delivered: 0,
            output: Vec::new(),
            ended: None,
        });
        match session.open() {
            (_, Opened::Not(server, outcome)) => {
                *self = *server;
                outcome
            }
            (session, Opened::Yes) => {
                if !sync {
                    self.disconnect(client);
                }
                Outcome { debug: Some(session), ..Outcome::default() }
            }
        }
    }

    /// A `SYNC` session has ended: the server becomes the one its script left.
    pub fn end_debugging(&mut self, session: DebugSession) {
        if let Some(server) = session.into_server() {
            let (debugger, observe) = (self.debugger, self.observe);
            *self = server;
            self.debugger = debugger;
            self.observe = observe;
        }
    }

    /// Whether this `EVAL` runs under the debugger (a session's run has reached it).
    pub(crate) fn debugging_eval(&mut self, client: ClientId) -> bool {
        let wanted = self.clients.get(&client).is_some_and(|c| c.ldb.is_some());
        match self.ldb_io.as_mut() {
            Some(io) if wanted => {
                io.started = true;
                true
            }
            _ => false,
        }
    }
}
