//! What a host lends the engine while a command runs ([`ServerHost`]): its clock and its other
//! clients, for a script that runs long, and its socket, for `CONFIG SET port`.
//!
//! A script that runs long (Redis's "busy script"): past `busy-reply-threshold` the server serves
//! other clients while it runs, answering most commands `BUSY` and letting `SCRIPT KILL`,
//! `FUNCTION KILL` and `SHUTDOWN NOSAVE` stop it.
//!
//! The engine has no clock and no sockets: a host that can serve clients in the middle of a
//! command (the RESP server) passes a [`ServerHost`] to [`Server::execute_yielding`]. The script asks
//! it for the time every [`redsim_lua::INTERRUPT_EVERY`] steps and, once the threshold has passed,
//! lets it run the other clients' commands through [`Server::execute`] (Redis's
//! `processEventsWhileBlocked`). Without one, a script runs to its end or to its step budget.

use super::*;

/// What a host lends the engine while a command runs, so a long script can let other clients in.
pub trait ServerHost {
    /// The time now, in ms, on the clock the busy threshold is measured by.
    fn now_ms(&mut self) -> u64;
    /// The script of `busy_client` has run past the threshold: read the other clients and run
    /// what they sent with `server.execute` (the engine answers `BUSY` where Redis does), leaving
    /// `busy_client`'s own requests for after its script. Called again and again until the
    /// script ends.
    fn serve(&mut self, server: &mut Server, busy_client: ClientId);
    /// `CONFIG SET port`: listen on `port` instead (0: on no TCP port), keeping the connections
    /// already open. `false` if it cannot; the engine then sets every value back.
    fn listen(&mut self, port: u16) -> bool {
        let _ = port;
        true
    }
}

/// The script running now, as `SCRIPT KILL` and `FUNCTION STATS` see it.
#[derive(Clone, Debug)]
pub(crate) struct BusyScript {
    pub client: ClientId,
    /// `EVAL`/`EVALSHA` (not a function).
    pub eval: bool,
    /// The function's name, or `f_<sha>` for a script (Redis's names for them).
    pub name: String,
    pub argv: Argv,
    pub started_ms: u64,
    /// The last time the host told.
    pub now_ms: u64,
    /// Past the threshold: other clients are being served.
    pub timed_out: bool,
    pub killed: bool,
    /// It has written (then it cannot be killed).
    pub write_dirty: bool,
    /// Its client is the primary's link (it cannot be killed either).
    pub from_master: bool,
}

/// `-BUSY` for a script, and for a function.
pub(crate) const BUSY_EVAL: &str =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
pub(crate) const BUSY_FUNCTION: &str =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";

impl Server {
    /// Whether a script has run past the threshold and other clients are being served.
    pub fn is_busy(&self) -> bool {
        self.busy.as_ref().is_some_and(|b| b.timed_out)
    }

    /// The `BUSY` error the running script's kind gives.
    pub(crate) fn busy_error(&self) -> Option<&'static str> {
        self.busy.as_ref().filter(|b| b.timed_out).map(|b| if b.eval { BUSY_EVAL } else { BUSY_FUNCTION })
    }

    /// `SCRIPT KILL` (`eval`) and `FUNCTION KILL`: Redis's `scriptKill`.
    pub(crate) fn kill_script(&mut self, eval: bool) -> std::result::Result<(), &'static str> {
        let Some(busy) = self.busy.as_mut() else { return Err("NOTBUSY No scripts in execution right now.") };
        if busy.from_master {
            return Err("UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.");
        }
        if busy.write_dirty {
            return Err("UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.");
        }
        if eval && !busy.eval {
            return Err(BUSY_FUNCTION);
        }
        if !eval && busy.eval {
            return Err(BUSY_EVAL);
        }
        busy.killed = true;
        Ok(())
    }

    /// `SHUTDOWN NOSAVE` while a script is busy: it stops whatever it did.
    pub(crate) fn stop_script_for_shutdown(&mut self) {
        if let Some(busy) = self.busy.as_mut() {
            busy.killed = true;
        }
    }

    /// The running script for `FUNCTION STATS`: its name, command line and how long it has run.
    pub(crate) fn running_script(&self) -> Option<(&str, &Argv, u64)> {
        self.busy.as_ref().map(|b| (b.name.as_str(), &b.argv, b.now_ms.saturating_sub(b.started_ms)))
    }

    /// A command from another client while a script is busy: it runs as usual (the `BUSY` rule
    /// is in `process`), with the state of the command in progress set aside and put back.
    pub(crate) fn execute_beside_script(&mut self, now_ms: u64, client: ClientId, argv: &[Vec<u8>]) -> Outcome {
        let in_script = std::mem::replace(&mut self.in_script, false);
        let tracking = self.tracking.current;
        let script_keys = std::mem::take(&mut self.script_keys);
        let script_errors = std::mem::take(&mut self.script_errors);
        let pending = std::mem::take(&mut self.pending_propagation);
        let in_exec = std::mem::replace(&mut self.in_exec, false);
        let out = self.execute_inner(now_ms, client, argv, None);
        self.in_script = in_script;
        self.tracking.current = tracking;
        self.script_keys = script_keys;
        self.script_errors = script_errors;
        self.pending_propagation = pending;
        self.in_exec = in_exec;
        out
    }

    /// A script starts (`EVAL`, `FCALL` and their variants; scripts do not nest).
    pub(crate) fn script_started(&mut self, client: ClientId, eval: bool, started_ms: u64, from_master: bool) {
        self.busy = Some(BusyScript {
            client,
            eval,
            name: String::new(),
            argv: Vec::new(),
            started_ms,
            now_ms: started_ms,
            timed_out: false,
            killed: false,
            write_dirty: false,
            from_master,
        });
    }

    /// The script has returned (or failed, or was killed).
    pub(crate) fn script_ended(&mut self) {
        self.busy = None;
    }

    /// Called by a running script every so many steps: past the threshold the host serves the
    /// other clients. `true` when the script was killed. `argv` is the command that runs it.
    pub(crate) fn script_interrupt(&mut self, host: &mut dyn ServerHost, write_dirty: bool, argv: &[Vec<u8>]) -> bool {
        let now = host.now_ms();
        let threshold = u64::try_from(self.config.settings.number("busy-reply-threshold")).unwrap_or(0);
        let Some(busy) = self.busy.as_mut() else { return false };
        busy.now_ms = now;
        busy.write_dirty |= write_dirty;
        if !busy.timed_out {
            if now.saturating_sub(busy.started_ms) < threshold {
                return false;
            }
            busy.timed_out = true;
            // What `FUNCTION STATS` shows: the function's name, or `f_<sha>` for a script.
            busy.argv = argv.to_vec();
            let first = argv.get(1).map(Vec::as_slice).unwrap_or_default();
            busy.name = if !busy.eval {
                String::from_utf8_lossy(first).into_owned()
            } else if argv[0].len() >= 7 && argv[0][..7].eq_ignore_ascii_case(b"evalsha") {
                format!("f_{}", String::from_utf8_lossy(first).to_ascii_lowercase())
            } else {
                format!("f_{}", redsim_lua::sha1::hex(first))
            };
        }
        let client = busy.client;
        host.serve(self, client);
        self.busy.as_ref().is_some_and(|b| b.killed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A host whose clock moves 1 ms each time it is read, and that runs scripted commands of
    /// other clients the first times it is asked to serve them.
    struct Host {
        now: u64,
        script: Vec<(ClientId, &'static str)>,
        replies: Vec<(String, Reply)>,
        busy_clients: Vec<ClientId>,
    }

    impl ServerHost for Host {
        fn now_ms(&mut self) -> u64 {
            self.now += 1;
            self.now
        }
        fn serve(&mut self, server: &mut Server, busy_client: ClientId) {
            self.busy_clients.push(busy_client);
            if self.script.is_empty() {
                return;
            }
            let (client, line) = self.script.remove(0);
            let argv = crate::cli::split_args(line.as_bytes()).unwrap();
            let out = server.execute(self.now, client, &argv);
            self.replies.push((line.to_string(), out.reply.unwrap_or(Reply::Nil)));
        }
    }

    fn run(s: &mut Server, client: ClientId, line: &str) -> Reply {
        let argv = crate::cli::split_args(line.as_bytes()).unwrap();
        s.execute(0, client, &argv).reply.unwrap_or(Reply::Nil)
    }

    fn busy_run(s: &mut Server, line: &str, script: Vec<(ClientId, &'static str)>) -> (Reply, Vec<(String, Reply)>) {
        let mut host = Host { now: 0, script, replies: Vec::new(), busy_clients: Vec::new() };
        let argv = crate::cli::split_args(line.as_bytes()).unwrap();
        let reply = s.execute_yielding(0, 1, &argv, Some(&mut host)).reply.unwrap();
        assert!(host.busy_clients.iter().all(|&c| c == 1), "the host is told whose script it is");
        (reply, host.replies)
    }

    fn error(r: &Reply) -> &str {
        match r {
            Reply::Error(e) => e,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    fn server() -> Server {
        let mut s = Server::new(crate::Version::V7_0);
        for _ in 0..3 {
            s.connect(0);
        }
        assert_eq!(run(&mut s, 2, "CONFIG SET busy-reply-threshold 10"), Reply::ok());
        s
    }

    #[test]
    fn a_read_only_script_is_killed_with_script_kill() {
        let mut s = server();
        let (reply, others) = busy_run(
            &mut s,
            "EVAL \"while true do end\" 0",
            vec![(2, "PING"), (2, "FUNCTION KILL"), (2, "FUNCTION STATS"), (2, "SCRIPT KILL")],
        );
        assert_eq!(error(&others[0].1), BUSY_EVAL);
        assert_eq!(error(&others[1].1), BUSY_EVAL, "FUNCTION KILL does not kill a script");
        assert_eq!(error(&others[2].1), BUSY_EVAL, "FUNCTION STATS is for functions");
        assert_eq!(others[3].1, Reply::ok());
        assert!(error(&reply).starts_with("ERR Script killed by user with SCRIPT KILL... script: "), "{reply:?}");
        // It was killed between two steps: pcall cannot catch it either.
        let (reply, _) = busy_run(
            &mut s,
            "EVAL \"local f = function() while 1 do redis.call('ping') end end while 1 do pcall(f) end\" 0",
            vec![(2, "PING"), (2, "SCRIPT KILL")],
        );
        assert!(error(&reply).contains("killed by user"), "{reply:?}");
        assert_eq!(run(&mut s, 2, "PING"), Reply::status("PONG"), "served again at once");
        assert_eq!(run(&mut s, 2, "SCRIPT KILL"), Reply::Error("NOTBUSY No scripts in execution right now.".into()));
    }

    #[test]
    fn a_function_is_killed_with_function_kill_and_shows_in_function_stats() {
        let mut s = server();
        let load = "FUNCTION LOAD \"#!lua name=test\nredis.register_function('test', function() local a = 1 while true do a = a + 1 end end)\"";
        assert_eq!(run(&mut s, 2, load), Reply::bulk("test"));
        let (reply, others) = busy_run(
            &mut s,
            "FCALL test 0",
            vec![(2, "PING"), (2, "SCRIPT KILL"), (2, "FUNCTION STATS"), (2, "FUNCTION KILL")],
        );
        assert_eq!(error(&others[0].1), BUSY_FUNCTION);
        assert_eq!(error(&others[1].1), BUSY_FUNCTION, "SCRIPT KILL does not kill a function");
        let Reply::Map(stats) = &others[2].1 else { panic!("FUNCTION STATS: {:?}", others[2].1) };
        let Reply::Map(running) = &stats[0].1 else { panic!("running_script: {:?}", stats[0].1) };
        assert_eq!(running[0].1, Reply::bulk("test"));
        assert_eq!(running[1].1, Reply::Array(vec![Reply::bulk("FCALL"), Reply::bulk("test"), Reply::bulk("0")]));
        assert_eq!(others[3].1, Reply::ok());
        assert!(error(&reply).contains("killed by user"), "{reply:?}");
        let Reply::Map(stats) = run(&mut s, 2, "FUNCTION STATS") else { panic!("a map") };
        assert_eq!(stats[0].1, Reply::Nil, "nothing runs now");
    }

    #[test]
    fn a_script_that_wrote_cannot_be_killed_but_shutdown_nosave_stops_it() {
        let mut s = server();
        let (reply, others) = busy_run(
            &mut s,
            "EVAL \"redis.call('set', KEYS[1], 'y') while true do end\" 1 x",
            vec![(2, "SCRIPT KILL"), (2, "SHUTDOWN"), (2, "SHUTDOWN NOSAVE")],
        );
        assert!(error(&others[0].1).starts_with("UNKILLABLE Sorry the script already executed write commands"));
        assert_eq!(error(&others[1].1), BUSY_EVAL);
        assert!(error(&reply).contains("killed by user"), "{reply:?}");
    }

    #[test]
    fn a_transaction_touched_while_busy_is_discarded() {
        let mut s = server();
        run(&mut s, 3, "SET xx 1");
        assert_eq!(run(&mut s, 3, "MULTI"), Reply::ok());
        assert_eq!(run(&mut s, 3, "INCR xx"), Reply::status("QUEUED"));
        let (_, others) =
            busy_run(&mut s, "EVAL \"while true do end\" 0", vec![(3, "INCR xx"), (3, "EXEC"), (2, "SCRIPT KILL")]);
        assert_eq!(error(&others[0].1), BUSY_EVAL);
        assert_eq!(
            error(&others[1].1),
            "EXECABORT Transaction discarded because of: BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
        );
        assert_eq!(run(&mut s, 3, "GET xx"), Reply::bulk("1"));
        assert_eq!(run(&mut s, 3, "PING asdf"), Reply::bulk("asdf"), "out of MULTI");
    }

    #[test]
    fn a_script_under_the_threshold_is_not_interrupted() {
        let mut s = server();
        assert_eq!(run(&mut s, 2, "CONFIG SET busy-reply-threshold 100000"), Reply::ok());
        let (reply, others) =
            busy_run(&mut s, "EVAL \"for i=1,300000 do redis.call('ping') end return 'ok'\" 0", vec![(2, "PING")]);
        assert_eq!(reply, Reply::bulk("ok"));
        assert!(others.is_empty(), "no one was served meanwhile");
    }
}
