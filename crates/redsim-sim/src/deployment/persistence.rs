//! Persistence: AOF fsyncs by policy, RDB snapshots on their period, AOF rewrites.

#[allow(unused_imports)]
use super::*;

impl Deployment {
    pub(super) fn persist_due(&mut self, events: &mut Vec<Event>) {
        let now = self.now_ms;
        for n in self.nodes.iter_mut().filter(|n| n.up) {
            let p = &mut n.persistence;
            let period = match p.aof {
                Some(Fsync::EverySec) => Some(1000),
                Some(Fsync::No) => Some(30_000),
                _ => None,
            };
            if let Some(period) = period {
                if !p.aof_buffer.is_empty() && now >= p.last_fsync_ms + period {
                    let count = p.aof_buffer.len();
                    p.aof_disk.extend(p.aof_buffer.drain(..));
                    p.last_fsync_ms = now;
                    p.durable_offset = n.offset;
                    events.push(Event {
                        at_ms: now,
                        kind: EventKind::Persistence,
                        text: format!("{}: fsync of the AOF ({count} command(s) now safe on disk)", n.name),
                    });
                } else if p.aof_buffer.is_empty() {
                    p.last_fsync_ms = p.last_fsync_ms.max(now.saturating_sub(period));
                }
            }
            if let Some(every) = p.save_every_ms {
                let saved = p.rdb.as_ref().map_or(0, |(o, _)| *o);
                if n.offset > saved && now >= p.last_save_ms + every {
                    p.rdb = Some((n.offset, Rc::new(n.server.clone())));
                    p.last_save_ms = now;
                    if p.aof.is_none() {
                        p.durable_offset = n.offset;
                    }
                    events.push(Event {
                        at_ms: now,
                        kind: EventKind::Persistence,
                        text: format!("{}: RDB snapshot saved (offset {})", n.name, n.offset),
                    });
                }
            }
        }
    }
    pub(super) fn save_rdb(&mut self, node: NodeId, events: &mut Vec<Event>) {
        let now = self.now_ms;
        let n = &mut self.nodes[node];
        n.persistence.rdb = Some((n.offset, Rc::new(n.server.clone())));
        n.persistence.last_save_ms = now;
        if n.persistence.aof.is_none() {
            n.persistence.durable_offset = n.offset;
        }
        events.push(Event {
            at_ms: now,
            kind: EventKind::Persistence,
            text: format!("{}: RDB snapshot written", n.name),
        });
    }
    /// `BGREWRITEAOF`: the AOF becomes the commands that rebuild the data as it is now.
    pub(super) fn rewrite_aof(&mut self, node: NodeId, events: &mut Vec<Event>) {
        let now = self.now_ms;
        let n = &mut self.nodes[node];
        if n.persistence.aof.is_none() {
            return;
        }
        let before = n.persistence.aof_disk.len() + n.persistence.aof_buffer.len();
        n.persistence.aof_disk = SharedLog::default();
        n.persistence.aof_buffer.clear();
        // The rewrite starts from a snapshot of the data: keep it as a base the reload starts from.
        n.persistence.rdb = Some((n.offset, Rc::new(n.server.clone())));
        n.persistence.durable_offset = n.offset;
        n.persistence.last_fsync_ms = now;
        events.push(Event {
            at_ms: now,
            kind: EventKind::Persistence,
            text: format!("{}: AOF rewritten from {before} command(s) to a snapshot of the data", n.name),
        });
    }
}
