//! `SLOWLOG`: Redis's `slowlogPushEntryIfNeeded`, with a command's duration from a cost model
//! (virtual time has no durations of its own).

use super::*;

/// One `SLOWLOG GET` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlowlogEntry {
    pub id: u64,
    pub time_s: u64,
    pub duration_us: i64,
    pub args: Vec<Vec<u8>>,
    pub addr: String,
    pub name: Vec<u8>,
}

impl Server {
    /// Redis's `slowlogPushEntryIfNeeded`, with a command's duration taken from a cost model:
    /// Redsim runs in virtual time, so a command costs 1 µs plus 1 µs per argument and per
    /// element of its reply. `called`: the command and its container, whose full name
    /// (`acl|setuser`) says what to redact.
    pub(super) fn slowlog_push(
        &mut self,
        now_ms: u64,
        client: ClientId,
        called: (Option<&CommandSpec>, &CommandSpec),
        argv: &[Vec<u8>],
        reply: Option<&Reply>,
        cost: i64,
    ) {
        let threshold = self.config.slowlog_slower_than;
        if threshold < 0 {
            return;
        }
        // `cost` stops counting at `COST_CAP`; a reply that big is counted to the end.
        let duration = if cost < COST_CAP { cost } else { cost_us(argv, reply, i64::MAX) };
        if duration < threshold {
            return;
        }
        // Arguments that carry secrets are not kept (Redis's `redactClientCommandArgument`).
        let full = command::full_name(called.0, called.1);
        let redacted = |i: usize| match full.as_str() {
            "auth" => i >= 1,
            "acl|setuser" => i >= 2,
            "config|set" => crate::config::redacted(argv, i, self.config.version),
            "hello" => {
                argv.iter().position(|a| a.eq_ignore_ascii_case(b"AUTH")).is_some_and(|at| i > at && i <= at + 2)
            }
            "migrate" => crate::commands::server::redacted_args(argv).contains(&i),
            _ => false,
        };
        const MAX_ARGC: usize = 32;
        const MAX_STRING: usize = 128;
        let shown = argv.len().min(MAX_ARGC);
        let mut args: Vec<Vec<u8>> = Vec::with_capacity(shown);
        for (i, arg) in argv.iter().enumerate().take(shown) {
            if shown != argv.len() && i == shown - 1 {
                args.push(format!("... ({} more arguments)", argv.len() - shown + 1).into_bytes());
            } else if redacted(i) {
                args.push(b"(redacted)".to_vec());
            } else if arg.len() > MAX_STRING {
                let mut a = arg[..MAX_STRING].to_vec();
                a.extend_from_slice(format!("... ({} more bytes)", arg.len() - MAX_STRING).as_bytes());
                args.push(a);
            } else {
                args.push(arg.clone());
            }
        }
        let (addr, name) = self.clients.get(&client).map_or((String::new(), Vec::new()), |c| {
            (format!("127.0.0.1:{}", 50000 + c.id), c.name.clone().unwrap_or_default())
        });
        let id = self.slowlog_next_id;
        self.slowlog_next_id += 1;
        self.slowlog.push_front(SlowlogEntry { id, time_s: now_ms / 1000, duration_us: duration, args, addr, name });
        self.slowlog.truncate(self.config.slowlog_max_len as usize);
    }
}

/// The reply's element count, or any number of at least `cap` once it gets there: only
/// whether the threshold is reached matters for most commands, and a big reply need not
/// be walked to the end to know.
pub(super) fn weight(r: &Reply, cap: i64) -> i64 {
    // A leaf weighs 1, counted here rather than by a call per element.
    fn add(total: &mut i64, x: &Reply, cap: i64) {
        if *total < cap {
            *total += match x {
                Reply::Array(_) | Reply::Set(_) | Reply::Push(_) | Reply::Many(_) | Reply::Map(_) => {
                    weight(x, cap - *total)
                }
                _ => 1,
            };
        }
    }
    let mut total = 1;
    match r {
        Reply::Array(v) | Reply::Set(v) | Reply::Push(v) | Reply::Many(v) => {
            for x in v {
                add(&mut total, x, cap);
            }
        }
        Reply::Map(v) => {
            for (k, x) in v {
                add(&mut total, k, cap);
                add(&mut total, x, cap);
            }
        }
        _ => {}
    }
    total
}

/// Where the cost model stops counting a command's reply for `INFO commandstats` and the latency
/// monitor; the slow log counts a reply that reaches it to the end.
pub(super) const COST_CAP: i64 = 100_000;

/// What a command costs in the cost model, in µs: 1, plus 1 per argument and per reply element
/// (at most `cap`).
pub(super) fn cost_us(argv: &[Vec<u8>], reply: Option<&Reply>, cap: i64) -> i64 {
    let base = 1 + argv.len() as i64;
    base + reply.map_or(0, |r| weight(r, cap))
}
