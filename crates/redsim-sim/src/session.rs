//! A session: what a learner does in the console, as a list of actions replayed on the engine.

use std::rc::Rc;

use redsim_engine::server::ldb::DebugSession;
use redsim_engine::{Argv, ClientId, Effect, Reply, Server, Version};

use crate::timeline::Timeline;

/// Where virtual time starts: 2025-01-01T00:00:00Z, so `TIME` and absolute expiry times look real
/// and every session starts at the same instant.
pub const START_MS: u64 = 1_735_689_600_000;

/// One thing that happens in a session.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Client number `client` (an index into `Session::clients`) sends a command.
    Command { client: usize, argv: Argv },
    /// The virtual clock moves forward.
    Advance { ms: u64 },
}

/// An action and what came of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Virtual time when the step ran.
    pub at_ms: u64,
    pub action: Action,
    /// `None` when the command blocked the client (or for a clock move).
    pub reply: Option<Reply>,
    pub effects: Vec<Effect>,
    /// Replies that reached other, blocked clients: `(client index, reply)`.
    pub woken: Vec<(usize, Reply)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientInfo {
    pub name: String,
    pub id: ClientId,
}

/// The world at one moment: the engine, the clock and the connected clients.
#[derive(Clone, Debug)]
pub struct World {
    pub server: Server,
    pub now_ms: u64,
    pub clients: Vec<ClientInfo>,
    /// A Lua debugging session (`SCRIPT DEBUG`, then `EVAL`): the client's index and the session,
    /// which gets what that client types until the script ends.
    debug: Option<(usize, Box<DebugSession>)>,
    /// Commands of other clients waiting for a `SYNC` session to end (Redis serves nobody
    /// meanwhile).
    held: Vec<(usize, Argv)>,
}

impl World {
    fn new(version: Version, client_names: &[&str], start_ms: u64) -> World {
        let mut server = Server::new(version);
        server.set_debugger(true);
        let clients = client_names
            .iter()
            .map(|name| ClientInfo { name: name.to_string(), id: server.connect(start_ms) })
            .collect();
        World { server, now_ms: start_ms, clients, debug: None, held: Vec::new() }
    }

    /// Whether client number `client` is in a Lua debugging session (its prompt is the
    /// debugger's).
    pub fn debugging(&self, client: usize) -> bool {
        self.debug.as_ref().is_some_and(|(c, _)| *c == client)
    }

    /// Several replies for one line are shown one after the other.
    fn one_reply(mut replies: Vec<Reply>) -> Option<Reply> {
        match replies.len() {
            0 => None,
            1 => replies.pop(),
            _ => Some(Reply::Many(replies)),
        }
    }

    /// A line typed in a debugging session goes to the session as a request; when the script
    /// ends, its server takes over (`SYNC`), the client reconnects (Redis closes the
    /// connection, redis-cli opens a new one) and the commands held meanwhile run.
    fn debug_step(&mut self, argv: Option<&Argv>) -> (Option<Reply>, Vec<(ClientId, Reply)>) {
        let Some((client, session)) = self.debug.as_mut() else { return (None, Vec::new()) };
        if let Some(argv) = argv {
            let request = Reply::Array(argv.iter().map(|a| Reply::Bulk(a.clone())).collect());
            session.feed(&request.encode(redsim_engine::Protocol::Resp2));
        }
        let reply = World::one_reply(session.take_replies());
        if !session.is_ended() {
            return (reply, Vec::new());
        }
        let client = *client;
        let Some((_, session)) = self.debug.take() else { return (reply, Vec::new()) };
        self.server.end_debugging(*session);
        if let Some(info) = self.clients.get_mut(client) {
            self.server.disconnect(info.id);
            info.id = self.server.connect(self.now_ms);
        }
        let mut woken = Vec::new();
        for (other, argv) in std::mem::take(&mut self.held) {
            let id = self.clients.get(other).map_or(0, |c| c.id);
            let outcome = self.server.execute(self.now_ms, id, &argv);
            woken.extend(outcome.reply.map(|r| (id, r)));
            woken.extend(outcome.woken);
        }
        (reply, woken)
    }

    /// Applies one action; the only place the world changes.
    fn apply(&mut self, action: &Action) -> Step {
        let at_ms = self.now_ms;
        if let Action::Command { client, argv } = action {
            if let Some((debugging, session)) = &self.debug {
                if debugging == client {
                    let (reply, woken) = self.debug_step(Some(argv));
                    return self.step_of(action, at_ms, redsim_engine::Outcome { reply, woken, ..Default::default() });
                }
                if session.is_sync() {
                    self.held.push((*client, argv.clone()));
                    return Step { at_ms, action: action.clone(), reply: None, effects: Vec::new(), woken: Vec::new() };
                }
            }
        }
        let outcome = match action {
            Action::Command { client, argv } => {
                let id = self.clients.get(*client).map_or(0, |c| c.id);
                let mut outcome = self.server.execute(self.now_ms, id, argv);
                // A lone server has no other to MIGRATE to: the connection fails, as to a host
                // that does not answer.
                if let Some(migrate) = outcome.migrate.take() {
                    let failed = redsim_engine::server::MigrateFailure::Connecting;
                    let done = self.server.migrate_done(self.now_ms, id, &migrate, Err(failed));
                    outcome.reply = done.reply;
                }
                if let Some(mut session) = outcome.debug.take() {
                    outcome.reply = World::one_reply(session.take_replies());
                    self.debug = Some((*client, session));
                    let (_, woken) = self.debug_step(None);
                    outcome.woken.extend(woken);
                }
                outcome
            }
            Action::Advance { ms } => {
                // Moving the clock is what makes blocked clients time out; a server held by a
                // debugging session runs no timers.
                self.now_ms = self.now_ms.saturating_add(*ms);
                if self.debug.as_ref().is_some_and(|(_, s)| s.is_sync()) {
                    redsim_engine::Outcome::default()
                } else {
                    self.server.tick(self.now_ms)
                }
            }
        };
        self.step_of(action, at_ms, outcome)
    }

    /// The step an action made, from its outcome.
    fn step_of(&self, action: &Action, at_ms: u64, outcome: redsim_engine::Outcome) -> Step {
        let caller = match action {
            Action::Command { client, .. } => self.clients.get(*client).map(|c| c.id),
            Action::Advance { .. } => None,
        };
        let preface = outcome.preface.into_iter().filter_map(|r| caller.map(|id| (id, r)));
        let woken = preface
            .chain(outcome.woken)
            .filter_map(|(id, reply)| self.clients.iter().position(|c| c.id == id).map(|i| (i, reply)))
            .collect();
        Step { at_ms, action: action.clone(), reply: outcome.reply, effects: outcome.effects, woken }
    }

    /// Whether client number `client` waits in a blocking command, or for a `SYNC` debugging
    /// session to end.
    pub fn is_blocked(&self, client: usize) -> bool {
        self.held.iter().any(|(c, _)| *c == client)
            || self.clients.get(client).is_some_and(|c| self.server.is_blocked(c.id))
    }

    /// When a blocked client's wait times out (absolute virtual ms); `None` when it is not
    /// blocked or waits with no timeout.
    pub fn block_deadline_ms(&self, client: usize) -> Option<u64> {
        let id = self.clients.get(client)?.id;
        self.server.blocked(id).map(|b| b.deadline_ms).filter(|&at| at != 0)
    }
}

/// A learner's session: a world, and the timeline of every step taken in it.
#[derive(Clone, Debug)]
pub struct Session {
    initial: World,
    world: World,
    timeline: Timeline<World>,
    /// Shared, so that copying a session (the app does on every action) stays cheap.
    steps: Vec<Rc<Step>>,
}

impl Session {
    /// A session with the given clients connected, emulating `version`.
    pub fn new(version: Version, client_names: &[&str]) -> Session {
        Session::starting_at(version, client_names, START_MS)
    }

    /// A session whose virtual clock starts at `start_ms` instead of `START_MS` (a documentation
    /// page's transcript replayed at the times its IDs show).
    pub fn starting_at(version: Version, client_names: &[&str], start_ms: u64) -> Session {
        let world = World::new(version, client_names, start_ms);
        Session { initial: world.clone(), timeline: Timeline::new(), world, steps: Vec::new() }
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn steps(&self) -> &[Rc<Step>] {
        &self.steps
    }

    pub fn now_ms(&self) -> u64 {
        self.world.now_ms
    }

    /// Where the session's virtual clock started.
    pub fn start_ms(&self) -> u64 {
        self.initial.now_ms
    }

    pub fn clients(&self) -> &[ClientInfo] {
        &self.world.clients
    }

    /// Runs an action at the end of the timeline and returns its step.
    pub fn act(&mut self, action: Action) -> &Step {
        let step = self.world.apply(&action);
        self.steps.push(Rc::new(step));
        self.timeline.record(self.steps.len(), 0, &self.world);
        self.steps.last().expect("just pushed")
    }

    /// Sends a command from client number `client`.
    pub fn command(&mut self, client: usize, argv: Argv) -> &Step {
        self.act(Action::Command { client, argv })
    }

    /// Moves the virtual clock forward.
    pub fn advance(&mut self, ms: u64) -> &Step {
        self.act(Action::Advance { ms })
    }

    /// What redis-cli alone does with a blocking command: wait. If client number `client` is
    /// blocked with a timeout, the clock moves on to it (nobody else writes, so nothing else can
    /// wake it) and the step of that clock move is returned, with the client's reply in its
    /// `woken`; `None` when it is not blocked or waits with no timeout.
    pub fn wait_out(&mut self, client: usize) -> Option<&Step> {
        let deadline = self.world.block_deadline_ms(client)?;
        Some(self.advance(deadline.saturating_sub(self.world.now_ms)))
    }

    /// The world as it was after the first `count` steps (0 = before any), rebuilt from the
    /// nearest snapshot by replaying actions: the engine is deterministic, so this is exact.
    pub fn world_after(&self, count: usize) -> World {
        let count = count.min(self.steps.len());
        let (mut done, mut world) =
            self.timeline.nearest(count).map_or((0, self.initial.clone()), |(at, w)| (at, w.clone()));
        while done < count {
            world.apply(&self.steps[done].action);
            done += 1;
        }
        world
    }

    /// Forgets every step after the first `count`: typing after stepping back starts a new branch.
    pub fn truncate(&mut self, count: usize) {
        if count < self.steps.len() {
            self.world = self.world_after(count);
            self.steps.truncate(count);
            self.timeline.forget_after(count);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(line: &str) -> Argv {
        redsim_engine::cli::split_args(line.as_bytes()).expect("balanced quotes")
    }

    #[test]
    fn migrate_from_a_lone_server_cannot_connect() {
        let mut s = Session::new(Version::V7_0, &["a"]);
        s.command(0, argv("SET k v"));
        let step = s.command(0, argv("MIGRATE 127.0.0.1 6380 k 0 100"));
        assert_eq!(step.reply, Some(Reply::Error("IOERR error or timeout connecting to the client".into())));
        assert_eq!(s.command(0, argv("EXISTS k")).reply, Some(Reply::Integer(1)));
    }

    #[test]
    fn steps_can_be_replayed_exactly() {
        let mut session = Session::new(Version::LATEST, &["alice", "bob"]);
        for i in 0..300 {
            session.command(i % 2, argv(&format!("SET k{} {}", i % 7, i)));
            if i % 50 == 0 {
                session.advance(1000);
            }
        }
        session.command(0, argv("SET temp x PX 500"));
        // Moving the clock runs the active expiry cycle, which finds the key past its time.
        let advanced = session.advance(600);
        assert!(matches!(advanced.effects[..], [Effect::KeyExpired { lazily: false, .. }]));
        let t = session.command(1, argv("GET temp"));
        assert_eq!(t.reply, Some(Reply::Nil));

        let after_100 = session.world_after(100);
        let mut replayed = Session::new(Version::LATEST, &["alice", "bob"]);
        for step in &session.steps()[..100] {
            replayed.act(step.action.clone());
        }
        assert_eq!(after_100.now_ms, replayed.now_ms());
        let get = |w: &World| {
            let mut server = w.server.clone();
            server.execute(w.now_ms, w.clients[0].id, &argv("GET k3")).reply
        };
        assert_eq!(get(&after_100), get(replayed.world()));
    }

    #[test]
    fn blocked_clients_are_woken_by_writes_and_by_the_clock() {
        let mut session = Session::new(Version::LATEST, &["reader", "writer"]);
        assert_eq!(session.command(0, argv("XREAD BLOCK 0 STREAMS s $")).reply, None);
        assert!(session.world().is_blocked(0));
        let step = session.command(1, argv("XADD s 1-0 f v")).clone();
        assert_eq!(step.woken.len(), 1);
        assert_eq!(step.woken[0].0, 0);
        assert!(!session.world().is_blocked(0));
        session.command(0, argv("XREAD BLOCK 1000 STREAMS s $"));
        assert!(session.advance(999).woken.is_empty());
        assert_eq!(session.advance(1).woken, [(0, Reply::NilArray)]);
    }

    #[test]
    fn a_lone_client_waits_out_its_timeout_as_redis_cli_does() {
        let mut session = Session::new(Version::LATEST, &["c"]);
        session.command(0, argv("XREAD BLOCK 1500 STREAMS s $"));
        let waited = session.wait_out(0).expect("blocked with a timeout").clone();
        assert_eq!(
            (waited.action.clone(), waited.woken.clone()),
            (Action::Advance { ms: 1500 }, vec![(0, Reply::NilArray)])
        );
        assert!(session.wait_out(0).is_none(), "no longer blocked");
        session.command(0, argv("XREAD BLOCK 0 STREAMS s $"));
        assert!(session.wait_out(0).is_none(), "no timeout to wait for");
        assert!(session.world().is_blocked(0));
    }

    #[test]
    fn truncating_starts_a_new_branch() {
        let mut session = Session::new(Version::LATEST, &["c"]);
        session.command(0, argv("SET a 1"));
        session.command(0, argv("SET a 2"));
        session.truncate(1);
        assert_eq!(session.steps().len(), 1);
        let step = session.command(0, argv("GET a"));
        assert_eq!(step.reply, Some(Reply::bulk("1")));
    }
}
