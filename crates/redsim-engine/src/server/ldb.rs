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
use crate::reply::Reply;

/// A debugging session's run, inside the copy it runs on: the client's input and what the
/// debugger wrote.
#[derive(Clone, Debug, Default)]
pub struct LdbIo {
    inputs: Vec<Vec<u8>>,
    next: usize,
    /// The client has gone: once its input is used up, the script runs to its end.
    gone: bool,
    /// What the debugger wrote: the log lines of each write.
    pub(crate) sends: Vec<Vec<Vec<u8>>>,
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
    /// What the client is to get, as bytes (exact) and as replies (for a console to show).
    output: Vec<u8>,
    replies: Vec<Reply>,
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
    Not(Box<Server>, Box<Outcome>),
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
        self.replies.clear();
        std::mem::take(&mut self.output)
    }

    /// The same as replies: an array of simple strings per write of the debugger, then, at the
    /// end, the `EVAL`'s reply.
    pub fn take_replies(&mut self) -> Vec<Reply> {
        self.output.clear();
        std::mem::take(&mut self.replies)
    }

    fn deliver(&mut self, logs: &[Vec<u8>]) {
        self.output.extend_from_slice(&redsim_lua::ldb::encode_logs(logs));
        let lines = logs
            .iter()
            .map(|l| {
                let l: Vec<u8> = l.iter().map(|&c| if c == b'\r' || c == b'\n' { b' ' } else { c }).collect();
                Reply::Status(String::from_utf8_lossy(&l).into_owned())
            })
            .collect();
        self.replies.push(Reply::Array(lines));
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
            self.deliver(send);
        }
        self.delivered = io.sends.len();
        if io.waiting {
            return;
        }
        let mut logs = io.final_logs;
        logs.push(b"<endsession>".to_vec());
        self.deliver(&logs);
        let protocol = server.protocol(self.client);
        if let Some(reply) = outcome.reply {
            reply.encode_into(protocol, &mut self.output);
            self.replies.push(reply);
        }
        self.ended = Some(server);
    }

    fn open(mut self: Box<Self>) -> (Box<Self>, Opened) {
        let (server, outcome, io) = self.replay();
        if !io.started {
            return (self, Opened::Not(server, Box::new(outcome)));
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
            replies: Vec::new(),
            ended: None,
        });
        match session.open() {
            (_, Opened::Not(server, outcome)) => {
                *self = *server;
                *outcome
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Version;

    fn argv(words: &[&str]) -> Vec<Vec<u8>> {
        words.iter().map(|w| w.as_bytes().to_vec()).collect()
    }

    fn request(words: &[&str]) -> Vec<u8> {
        Reply::Array(words.iter().map(|w| Reply::Bulk(w.as_bytes().to_vec())).collect()).encode(crate::Protocol::Resp2)
    }

    fn open(server: &mut Server, mode: &str, script: &str) -> (ClientId, Box<DebugSession>) {
        let c = server.connect(0);
        assert_eq!(server.execute(0, c, &argv(&["SCRIPT", "DEBUG", mode])).reply, Some(Reply::ok()));
        let outcome = server.execute(0, c, &argv(&["EVAL", script, "0"]));
        assert_eq!(outcome.reply, None);
        (c, outcome.debug.expect("a session"))
    }

    #[test]
    fn a_sync_session_steps_and_leaves_its_writes() {
        let mut server = Server::new(Version::V7_0);
        server.set_debugger(true);
        let (c, mut session) = open(&mut server, "SYNC", "local a = 1\nredis.call('set', 'k', a)\nreturn a");
        assert_eq!(
            session.take_output(),
            b"*2\r\n+* Stopped at 1, stop reason = step over\r\n+-> 1   local a = 1\r\n".to_vec()
        );
        session.feed(&request(&["p"]));
        assert_eq!(session.take_output(), b"*1\r\n+No local variables in the current context.\r\n".to_vec());
        session.feed(&request(&["s"]));
        session.feed(&request(&["s"]));
        let replies = session.take_replies();
        assert_eq!(replies.len(), 2);
        assert_eq!(
            replies[1],
            Reply::Array(vec![
                Reply::Status("<redis> set k 1".into()),
                Reply::Status("<reply> \"+OK\"".into()),
                Reply::Status("* Stopped at 3, stop reason = step over".into()),
                Reply::Status("-> 3   return a".into()),
            ])
        );
        // The server waited: nothing is written yet.
        assert_eq!(server.execute(0, c, &argv(&["EXISTS", "k"])).reply, Some(Reply::Integer(0)));
        session.feed(&request(&["c"]));
        assert!(session.is_ended());
        assert_eq!(session.take_output(), b"*1\r\n+<endsession>\r\n:1\r\n".to_vec());
        server.end_debugging(*session);
        let other = server.connect(0);
        assert_eq!(server.execute(0, other, &argv(&["GET", "k"])).reply, Some(Reply::Bulk(b"1".to_vec())));
    }

    #[test]
    fn a_forked_session_drops_its_writes_and_its_client() {
        let mut server = Server::new(Version::V7_0);
        server.set_debugger(true);
        let (c, mut session) = open(&mut server, "YES", "redis.call('set', 'k', 1)");
        assert!(server.client(c).is_none(), "the client left the server");
        session.hang_up();
        assert!(session.is_ended());
        assert!(session.clone().into_server().is_none());
        server.end_debugging(*session);
        let other = server.connect(0);
        assert_eq!(server.execute(0, other, &argv(&["EXISTS", "k"])).reply, Some(Reply::Integer(0)));
    }

    #[test]
    fn without_a_debugger_host_script_debug_is_refused() {
        let mut server = Server::new(Version::V7_0);
        let c = server.connect(0);
        let reply = server.execute(0, c, &argv(&["SCRIPT", "DEBUG", "YES"])).reply;
        assert!(matches!(reply, Some(Reply::Error(e)) if e.contains("not available")));
        assert_eq!(server.execute(0, c, &argv(&["SCRIPT", "DEBUG", "NO"])).reply, Some(Reply::ok()));
    }

    /// Whatever a client sends, a session answers or ends; it never panics, and once the client
    /// hangs up the script runs to its end.
    #[test]
    fn random_input_never_breaks_a_session() {
        let words: &[&[u8]] = &[
            b"s",
            b"n",
            b"c",
            b"l",
            b"w",
            b"p",
            b"t",
            b"b",
            b"e",
            b"r",
            b"m",
            b"h",
            b"a",
            b"step",
            b"print",
            b"0",
            b"-1",
            b"3",
            b"x",
            b"1+1",
            b"set",
            b"k",
            b"((",
            b"\0",
            b"KEYS",
            b"9999999999999",
        ];
        let script = "local t = {1, 'a', {x = 2}}\nfor i = 1, 3 do\n  redis.call('incr', 'n')\nend\nlocal function f(v) return v * 2 end\nwhile t[1] < 3 do t[1] = t[1] + 1 end\nreturn f(t[1])";
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..40 {
            let mut server = Server::new(Version::V7_0);
            server.set_debugger(true);
            let mode = if next(2) == 0 { "SYNC" } else { "YES" };
            let (_, mut session) = open(&mut server, mode, script);
            for _ in 0..12 {
                let bytes = match next(4) {
                    0 => (0..next(20)).map(|_| next(256) as u8).collect(),
                    _ => {
                        let n = 1 + next(3);
                        let picked: Vec<&str> =
                            (0..n).map(|_| std::str::from_utf8(words[next(words.len())]).unwrap_or("s")).collect();
                        request(&picked)
                    }
                };
                session.feed(&bytes);
                let _ = session.take_output();
                if session.is_ended() {
                    break;
                }
            }
            session.hang_up();
            assert!(session.is_ended());
            server.end_debugging(*session);
        }
    }
}
