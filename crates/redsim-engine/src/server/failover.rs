//! `FAILOVER`: a primary hands its role to one of its replicas (Redis's coordinated failover).
//! Writes are paused while the replica catches up (by its acknowledgements); then this server
//! becomes the replica's replica, which the host carries out as Redis's `PSYNC FAILOVER` does: the
//! target takes over the same history and this server follows it. Writes resume once the new
//! link is up, and the writes that waited meanwhile are refused as a replica refuses them.

use super::*;

/// A failover under way (Redis's `failover_state` other than `no-failover`).
#[derive(Clone, Debug)]
pub(crate) struct Failover {
    /// `TO host port`, or the replica chosen once one caught up.
    pub target: Option<(Vec<u8>, u16)>,
    /// `TIMEOUT`: when waiting ends (absolute virtual ms).
    pub end_ms: Option<u64>,
    pub force: bool,
    /// Past waiting: this server replicates the target now.
    pub in_progress: bool,
}

impl Server {
    /// `master_failover_state` of `INFO replication`.
    pub(crate) fn failover_state(&self) -> &'static str {
        match &self.failover {
            None => "no-failover",
            Some(f) if f.in_progress => "failover-in-progress",
            Some(_) => "waiting-for-sync",
        }
    }

    /// Whether a `FAILOVER` is under way: the host looks again as Redis's cron does.
    pub fn failover_waiting(&self) -> bool {
        self.failover.is_some()
    }

    /// A replica client that announced `host` and `port` (Redis's `findReplica`).
    pub(crate) fn find_replica(&self, host: &[u8], port: u16) -> Option<&Client> {
        self.clients.values().find(|c| {
            c.replica.as_ref().is_some_and(|r| {
                let ip = r.ip.as_deref().map(str::as_bytes).or(peer_ip(c));
                r.listening_port == port && ip.is_some_and(|ip| ip.eq_ignore_ascii_case(host))
            })
        })
    }

    /// Starts waiting for a replica to catch up, with writes paused.
    pub(crate) fn start_failover(&mut self, target: Option<(Vec<u8>, u16)>, end_ms: Option<u64>, force: bool) {
        self.failover = Some(Failover { target, end_ms, force, in_progress: false });
        self.pause = Some(Pause { end_ms: u64::MAX, writes_only: true });
    }

    /// Ends the failover: writes resume (Redis's `clearFailoverState`).
    fn clear_failover(&mut self, now_ms: u64, out: &mut Outcome) {
        self.failover = None;
        if self.pause.is_some_and(|p| p.end_ms == u64::MAX) {
            self.pause = None;
            self.resume_postponed(now_ms, out);
        }
    }

    /// Redis's `abortFailover`: a failover under way is given up; past waiting, this server is
    /// a primary again.
    pub(crate) fn abort_failover(&mut self, now_ms: u64, out: &mut Outcome) {
        let Some(failover) = &self.failover else { return };
        if failover.in_progress && self.master.take().is_some() {
            out.replicaof = Some(None);
        }
        self.clear_failover(now_ms, out);
    }

    /// Redis's `updateFailoverStatus`, after every command and on every tick: the timeout, a
    /// replica that has caught up, and the end of a failover whose new link is up.
    pub(crate) fn failover_check(&mut self, now_ms: u64, out: &mut Outcome) {
        let Some(failover) = &self.failover else { return };
        if failover.in_progress {
            if self.master.as_ref().is_some_and(MasterLink::is_up) {
                self.clear_failover(now_ms, out);
            }
            return;
        }
        if failover.end_ms.is_some_and(|end| end <= now_ms) {
            match (failover.force, failover.target.clone()) {
                (true, Some(target)) => self.fail_over_to(target, out),
                _ => self.abort_failover(now_ms, out),
            }
            return;
        }
        let offset = self.stats.repl_offset;
        let caught_up = |c: &Client| c.replica.as_ref().is_some_and(|r| r.acked_offset == offset);
        let target = match &failover.target {
            Some((host, port)) => {
                self.find_replica(host, *port).filter(|c| caught_up(c)).map(|_| (host.clone(), *port))
            }
            None => self.clients.values().filter(|c| caught_up(c)).find_map(|c| {
                let r = c.replica.as_ref()?;
                let ip = r.ip.as_deref().map(str::as_bytes).or(peer_ip(c))?;
                Some((ip.to_vec(), r.listening_port))
            }),
        };
        if let Some(target) = target {
            self.fail_over_to(target, out);
        }
    }

    /// The replica has caught up (or time is up with `FORCE`): this server becomes its replica,
    /// and the host hands it the role (Redis's `replicationSetMaster` with `PSYNC FAILOVER`).
    fn fail_over_to(&mut self, (host, port): (Vec<u8>, u16), out: &mut Outcome) {
        if let Some(f) = self.failover.as_mut() {
            f.in_progress = true;
            f.target = Some((host.clone(), port));
        }
        self.master = Some(MasterLink::new(host.clone(), port));
        out.replicaof = Some(Some((host, port)));
        let replicas: Vec<ClientId> = self.replicas().collect();
        for id in replicas {
            self.disconnect(id);
            out.killed.push(id);
        }
        self.drop_pending_propagation();
    }
}

/// The address a client connected from, without its port.
fn peer_ip(c: &Client) -> Option<&[u8]> {
    c.addr.as_deref().and_then(|a| a.rsplit_once(':')).map(|(ip, _)| ip.as_bytes())
}
