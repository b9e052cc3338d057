//! XREAD and XREADGROUP (Redis's `xreadCommand`, which serves both).
//!
//! When nothing can be served and `BLOCK` was given, the handler asks the dispatcher to park
//! the client (`Error::Block`) with its `$` IDs resolved, so that re-running the same command
//! after a write serves exactly what arrived since.

use super::{
    effect, entry_reply, group_mut, group_ref, id_reply, lookup, lookup_again, no_such_key_or_group, node_entry_reply,
    STREAM,
};
use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::effect::StreamEffect;
use crate::error::{BlockOn, Error, Result};
use crate::reply::{Protocol, Reply};
use crate::server::Ctx;
use crate::stream::{parse_id, IdSyntax, Stream, StreamId, ENTRIES_READ_UNKNOWN};

/// What XREADGROUP adds to its `NOGROUP` error.
const IN_XREADGROUP: &str = " in XREADGROUP with GROUP option";

/// `XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]`
pub static XREAD: CommandSpec = CommandSpec::new("xread", -4, STREAM, "5.0.0")
    .flags(&[Flag::ReadOnly, Flag::Blocking, Flag::MovableKeys])
    .doc("[COUNT count] [MAXCOUNT maxcount] [MAXSIZE maxsize] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]", "Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.")
    .run(|ctx, args| read(ctx, args, false));

/// `XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]`
pub static XREADGROUP: CommandSpec = CommandSpec::new("xreadgroup", -7, STREAM, "5.0.0")
    .flags(&[Flag::Write, Flag::Blocking, Flag::MovableKeys])
    .doc("GROUP group consumer [COUNT count] [MAXCOUNT maxcount] [MAXSIZE maxsize] [BLOCK milliseconds] [CLAIM min-idle-time] [NOACK] STREAMS key [key ...] id [id ...]", "Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise.")
    .run(|ctx, args| read(ctx, args, true));

/// The ID given for one stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ReadFrom {
    /// Entries after this ID (`$` resolved already).
    After(StreamId),
    /// `>`: entries never delivered to the group.
    New,
}

#[derive(Clone)]
struct ReadRequest<'a> {
    count: usize,
    /// Absolute virtual-ms deadline; `Some(0)` blocks forever; `None` does not block.
    block: Option<u64>,
    /// Group and consumer, borrowed from the command line (as are the keys).
    group: Option<(&'a [u8], &'a [u8])>,
    noack: bool,
    keys: &'a [Vec<u8>],
    ids: Vec<ReadFrom>,
    /// Index in argv of the first ID, for rewriting `$` when parking the client.
    ids_at: usize,
    /// `CLAIM min-idle-time` (Redis 8.4): with `>`, pending entries idle this long are claimed
    /// and served before new ones.
    claim: Option<u64>,
    /// `MAXCOUNT` and `MAXSIZE` (Redis 8.10): caps on the whole reply, across the streams.
    max_count: Option<usize>,
    max_size: Option<usize>,
}

/// What is left of `MAXCOUNT` and `MAXSIZE` while streams are served in the caller's order.
#[derive(Clone, Copy, Debug)]
struct Budget {
    entries: Option<usize>,
    bytes: Option<usize>,
    /// Nothing served yet: the first entry always goes, however big (so a reader progresses).
    first: bool,
}

impl Budget {
    fn exhausted(&self) -> bool {
        self.entries == Some(0) || (!self.first && self.bytes == Some(0))
    }

    /// How many of these entries (their reply sizes, in order) fit, with `count` as the
    /// stream's own cap (0: none).
    fn fits(&self, sizes: impl Iterator<Item = usize>, count: usize) -> usize {
        let mut n = 0;
        let mut used = 0usize;
        let cap = match (count, self.entries) {
            (0, None) => usize::MAX,
            (0, Some(e)) => e,
            (c, None) => c,
            (c, Some(e)) => c.min(e),
        };
        for size in sizes {
            if n >= cap {
                break;
            }
            if let Some(bytes) = self.bytes {
                let first = self.first && n == 0;
                if !first && used + size > bytes {
                    break;
                }
            }
            used += size;
            n += 1;
        }
        n
    }

    fn spend(&mut self, entries: &[Reply], protocol: Protocol) {
        if let Some(e) = self.entries.as_mut() {
            *e = e.saturating_sub(entries.len());
        }
        if let Some(b) = self.bytes.as_mut() {
            let used: usize = entries.iter().map(|r| r.encode(protocol).len()).sum();
            *b = b.saturating_sub(used);
        }
        if !entries.is_empty() {
            self.first = false;
        }
    }
}

/// The reply bytes of an entry as `XREAD` sends it.
fn entry_size(entry: crate::stream::StreamEntry, protocol: Protocol) -> usize {
    entry_reply(entry).encode(protocol).len()
}

fn parse<'a>(ctx: &mut Ctx, args: &mut Args<'a>, with_group: bool) -> Result<ReadRequest<'a>> {
    let mut request = ReadRequest {
        count: 0,
        block: None,
        group: None,
        noack: false,
        keys: &[],
        ids: vec![],
        ids_at: 0,
        claim: None,
        max_count: None,
        max_size: None,
    };
    let name = if with_group { "xreadgroup" } else { "xread" };
    let total = args.remaining();
    let mut streams_at = None;
    while !args.is_empty() {
        let more = args.remaining() - 1;
        if more > 0 && args.eat("BLOCK") {
            if ctx.server.in_script {
                // There is no sense in blocking inside a script (Redis's own comment).
                return Err(Error::other(format!(
                    "ERR {} command is not allowed with BLOCK option from scripts",
                    String::from_utf8_lossy(&ctx.argv[0])
                )));
            }
            let ms =
                parse_i64(args.next()?).ok_or_else(|| Error::other("ERR timeout is not an integer or out of range"))?;
            if ms < 0 {
                return Err(Error::other("ERR timeout is negative"));
            }
            let now = ctx.now_ms as i64;
            if ms > 0 && ms > i64::MAX - now {
                return Err(Error::other("ERR timeout is out of range"));
            }
            request.block = Some(if ms == 0 { 0 } else { (ms + now) as u64 });
        } else if more > 0 && args.eat("COUNT") {
            let count = parse_i64(args.next()?).ok_or(Error::NotInteger)?;
            request.count = count.max(0) as usize;
        } else if more > 0 && ctx.version().at_least(8, 10) && args.eat("MAXCOUNT") {
            // Redis 8.10 (redis/redis#15282): a cap on the entries of the whole reply.
            let n = parse_i64(args.next()?).ok_or(Error::NotInteger)?;
            if n <= 0 {
                return Err(Error::other("ERR MAXCOUNT must be a positive integer"));
            }
            request.max_count = Some(n as usize);
        } else if more > 0 && ctx.version().at_least(8, 10) && args.eat("MAXSIZE") {
            // Redis 8.10: a soft cap on the reply's bytes.
            let n = parse_i64(args.next()?).ok_or(Error::NotInteger)?;
            if n <= 0 {
                return Err(Error::other("ERR MAXSIZE must be a positive integer"));
            }
            request.max_size = Some(n as usize);
        } else if more > 0 && with_group && ctx.version().at_least(8, 4) && args.eat("CLAIM") {
            // Redis 8.4 (redis.io XREADGROUP page, "The CLAIM option").
            let ms = parse_i64(args.next()?)
                .filter(|&ms| ms >= 0)
                .ok_or_else(|| Error::other("ERR min-idle-time must be a positive integer"))?;
            request.claim = Some(ms as u64);
        } else if more > 0 && args.eat("STREAMS") {
            streams_at = Some(total - args.remaining());
            break;
        } else if more >= 2 && args.eat("GROUP") {
            if !with_group {
                return Err(Error::other(
                    "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            request.group = Some((args.next()?, args.next()?));
        } else if args.eat("NOACK") {
            if !with_group {
                return Err(Error::other(
                    "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            request.noack = true;
        } else {
            return Err(Error::Syntax);
        }
    }
    let streams_at = streams_at.ok_or(Error::Syntax)?;
    if request.max_count.is_some_and(|m| request.count > 0 && m < request.count) {
        return Err(Error::other("ERR MAXCOUNT must be greater than or equal to COUNT"));
    }
    let rest = args.rest();
    if !rest.len().is_multiple_of(2) {
        return Err(Error::other(if ctx.version().at_least(8, 0) {
            if with_group {
                format!("ERR Unbalanced '{name}' list of streams: for each stream key an ID or '>' must be specified.")
            } else {
                format!("ERR Unbalanced '{name}' list of streams: for each stream key an ID, '+', or '$' must be specified.")
            }
        } else {
            "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.".to_string()
        }));
    }
    if with_group && request.group.is_none() {
        return Err(Error::other("ERR Missing GROUP option for XREADGROUP"));
    }
    let half = rest.len() / 2;
    request.keys = &rest[..half];
    request.ids_at = 1 + streams_at + half;
    let plus_reads_last = ctx.version().at_least(7, 4);
    // XREAD counts a keyspace hit per lookup, so it looks each key up again below; XREADGROUP
    // counts none and keeps the first lookup.
    let recount = ctx.counts_hits;
    for (key, id) in rest[..half].iter().zip(&rest[half..]) {
        let stream = lookup(ctx, key)?;
        if let Some((group, _)) = request.group {
            if !stream.as_ref().is_some_and(|s| s.groups.contains_key(group)) {
                return Err(no_such_key_or_group(key, group, IN_XREADGROUP));
            }
        }
        let stream = if recount { lookup(ctx, key)? } else { stream };
        let from = match id.as_slice() {
            b"$" | b"+" if with_group && (id == b"$" || plus_reads_last) => {
                return Err(Error::other("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."));
            }
            b"$" => ReadFrom::After(stream.map_or(StreamId::MIN, |s| s.last_id)),
            // Redis 7.4 (redis/redis#13117): read from just before the last ID, so the entry
            // with that ID comes back if it still exists; an empty stream waits like `$`.
            b"+" if plus_reads_last => ReadFrom::After(match stream {
                Some(s) if s.length > 0 => s.last_id.prev().unwrap_or(StreamId::MIN),
                Some(s) => s.last_id,
                None => StreamId::MIN,
            }),
            b">" if !with_group => {
                return Err(Error::other("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."));
            }
            b">" => ReadFrom::New,
            other => ReadFrom::After(parse_id(other, IdSyntax::STRICT)?.id),
        };
        request.ids.push(from);
    }
    Ok(request)
}

fn read(ctx: &mut Ctx, mut args: Args, with_group: bool) -> Result<Reply> {
    let request = parse(ctx, &mut args, with_group)?;
    let protocol = ctx.client().protocol;
    let mut budget = Budget { entries: request.max_count, bytes: request.max_size, first: true };
    let mut served: Vec<(Vec<u8>, Reply)> = Vec::new();
    for (key, &from) in request.keys.iter().zip(&request.ids) {
        // Once the reply is full, the remaining streams are not read.
        if budget.exhausted() {
            break;
        }
        let entries = match &request.group {
            Some((group, consumer)) => read_group(ctx, key, group, consumer, from, &request, budget)?,
            None => read_plain(ctx, key, from, request.count, budget, protocol)?,
        };
        if let Some(entries) = entries {
            if let Reply::Array(items) = &entries {
                budget.spend(items, protocol);
            }
            served.push((key.clone(), entries));
        }
    }
    if !served.is_empty() {
        return Ok(if ctx.client().protocol == Protocol::Resp3 {
            Reply::Map(served.into_iter().map(|(k, v)| (Reply::Bulk(k), v)).collect())
        } else {
            Reply::Array(served.into_iter().map(|(k, v)| Reply::Array(vec![Reply::Bulk(k), v])).collect())
        });
    }
    match request.block {
        Some(deadline_ms) if !ctx.deny_blocking && ctx.server.rerunning => {
            // A woken reader that found nothing: the server keeps it blocked as it was.
            Err(Error::Block(BlockOn::keys(Vec::new(), deadline_ms, Vec::new())))
        }
        Some(deadline_ms) if !ctx.deny_blocking => {
            // Park with `$` and `+` replaced by the IDs they meant now, so a re-run after a write
            // serves only what arrived since.
            let mut argv = ctx.argv.to_vec();
            for (i, from) in request.ids.iter().enumerate() {
                if let ReadFrom::After(id) = from {
                    argv[request.ids_at + i] = id.to_bytes();
                }
            }
            if request.count == 0 && !ctx.version().at_least(7, 2) {
                // Redis 7.0 serves a woken reader without COUNT at most 1000 entries
                // (XREAD_BLOCKED_DEFAULT_COUNT); 7.2 and later run the command as it was given.
                argv.splice(1..1, [b"COUNT".to_vec(), b"1000".to_vec()]);
            }
            Err(Error::Block(BlockOn::keys(request.keys.to_vec(), deadline_ms, argv)))
        }
        _ => Ok(Reply::NilArray),
    }
}

fn read_plain(
    ctx: &mut Ctx,
    key: &[u8],
    from: ReadFrom,
    count: usize,
    budget: Budget,
    protocol: Protocol,
) -> Result<Option<Reply>> {
    let Some(stream) = lookup(ctx, key)? else {
        return Ok(None);
    };
    let Some(last) = stream.last_live_id() else {
        return Ok(None);
    };
    let start = match from {
        // Below the last entry, so there is a next ID.
        ReadFrom::After(gt) if last > gt => gt.next().unwrap_or(last),
        _ => return Ok(None),
    };
    let limit = if budget.entries.is_none() && budget.bytes.is_none() {
        if count == 0 {
            usize::MAX
        } else {
            count
        }
    } else {
        budget.fits(stream.range(start, StreamId::MAX, false).map(|e| entry_size(e, protocol)), count)
    };
    if limit == 0 {
        return Ok(None);
    }
    let mut out = Vec::new();
    stream.for_each_in_range(start, StreamId::MAX, limit, |node, meta| out.push(node_entry_reply(node, meta)));
    Ok(Some(Reply::Array(out)))
}

/// Serves one stream of an XREADGROUP; `None` when there is nothing to serve from it.
fn read_group(
    ctx: &mut Ctx,
    key: &[u8],
    group: &[u8],
    consumer: &[u8],
    from: ReadFrom,
    request: &ReadRequest,
    budget: Budget,
) -> Result<Option<Reply>> {
    let now_ms = ctx.now_ms;
    let protocol = ctx.client().protocol;
    let creates_consumer_always = ctx.version().at_least(7, 4);
    // What deliveries did is only needed by the pictures and by replication.
    let record = ctx.server.observe || ctx.server.propagating();
    let stream = lookup_again(ctx, key)?.ok_or_else(|| no_such_key_or_group(key, group, IN_XREADGROUP))?;
    let cg = group_ref(stream, key, group, IN_XREADGROUP)?;
    let start = match from {
        ReadFrom::After(gt) => Some((gt.next(), true)),
        ReadFrom::New => match stream.last_live_id() {
            Some(last) if last > cg.last_delivered_id => Some((cg.last_delivered_id.next(), false)),
            _ => None,
        },
    };
    let mut effects = Vec::new();
    let created = if start.is_some() || creates_consumer_always {
        let cg = group_mut(stream, key, group, IN_XREADGROUP)?;
        match cg.consumers.get_mut(consumer) {
            Some(c) => {
                c.seen_time = now_ms;
                false
            }
            None => cg.ensure_consumer(consumer, now_ms),
        }
    } else {
        false
    };
    if created {
        effects.push(StreamEffect::ConsumerCreated { group: group.to_vec(), consumer: consumer.to_vec() });
    }
    // MAXCOUNT and MAXSIZE narrow this stream's COUNT to what still fits in the reply.
    let limited = budget.entries.is_some() || budget.bytes.is_some();
    let count = match start {
        Some((Some(first), _)) if limited => {
            let sizes: Vec<usize> = match from {
                ReadFrom::New => stream.range(first, StreamId::MAX, false).map(|e| entry_size(e, protocol)).collect(),
                ReadFrom::After(_) => {
                    let pel: Vec<StreamId> = group_ref(stream, key, group, IN_XREADGROUP)?
                        .consumers
                        .get(consumer)
                        .map_or(Vec::new(), |c| c.pending.range(first..).copied().collect());
                    pel.iter().map(|id| stream.entry(*id).map_or(8, |e| entry_size(e, protocol))).collect()
                }
            };
            budget.fits(sizes.into_iter(), request.count)
        }
        _ if limited => {
            budget.entries.map_or(request.count, |e| if request.count == 0 { e } else { e.min(request.count) })
        }
        _ => request.count,
    };
    let nothing_fits = limited && count == 0 && start.is_some_and(|(first, _)| first.is_some());
    let (noack, claim) = (request.noack, request.claim);
    let reply = if nothing_fits {
        None
    } else {
        match (start, claim.filter(|_| matches!(from, ReadFrom::New))) {
            (start, Some(min_idle)) => {
                // Claimed entries first, then new ones, all with their idle time and delivery count.
                let claimed = claim_idle(stream, key, group, consumer, min_idle, count, now_ms, &mut effects)?;
                let left = if count == 0 { 0 } else { count.saturating_sub(claimed.len()) };
                let new = match start {
                    Some((Some(start), false)) if count == 0 || left > 0 => {
                        match deliver(
                            stream,
                            key,
                            group,
                            consumer,
                            start,
                            left,
                            noack,
                            now_ms,
                            record.then_some(&mut effects),
                        )? {
                            Reply::Array(items) => items,
                            _ => Vec::new(),
                        }
                    }
                    _ => Vec::new(),
                };
                let with_meta = |r: Reply| match r {
                    Reply::Array(mut pair) => {
                        pair.extend([Reply::Integer(0), Reply::Integer(0)]);
                        Reply::Array(pair)
                    }
                    other => other,
                };
                let mut all = claimed;
                all.extend(new.into_iter().map(with_meta));
                (!all.is_empty()).then_some(Reply::Array(all))
            }
            (None, None) => None,
            (Some((None, _)), None) => Some(Reply::Array(vec![])),
            (Some((Some(start), true)), None) => {
                Some(history(stream, key, group, consumer, start, count, now_ms, &mut effects)?)
            }
            (Some((Some(start), false)), None) => Some(deliver(
                stream,
                key,
                group,
                consumer,
                start,
                count,
                noack,
                now_ms,
                record.then_some(&mut effects),
            )?),
        }
    };
    if reply.is_some() {
        ctx.dirty += 1;
    }
    let history = matches!(start, Some((_, true)));
    super::notify_group_changes(ctx, key, &effects);
    super::propagate_group_changes(ctx, key, &effects, history);
    for change in effects {
        effect(ctx, key, change);
    }
    Ok(reply)
}

/// `XREADGROUP ... CLAIM min-idle-time` (Redis 8.4): the group's pending entries idle at least
/// `min_idle` ms, longest idle first, become this consumer's; each is served with the idle time it
/// had and the delivery count it had before this delivery (integers, as redis/redis#14524 made
/// them). Entries deleted from the stream leave the PEL, as `XAUTOCLAIM` does with them.
#[allow(clippy::too_many_arguments)]
fn claim_idle(
    stream: &mut Stream,
    key: &[u8],
    group: &[u8],
    consumer: &[u8],
    min_idle: u64,
    count: usize,
    now_ms: u64,
    effects: &mut Vec<StreamEffect>,
) -> Result<Vec<Reply>> {
    let cg = group_ref(stream, key, group, IN_XREADGROUP)?;
    // Entries handed back by XNACK come first, then the longest idle.
    let mut idle: Vec<(bool, u64, StreamId)> = cg
        .pending
        .iter()
        .filter(|(_, p)| p.idle_for_claim(now_ms) >= min_idle)
        .map(|(id, p)| (!p.released, p.delivery_time, *id))
        .collect();
    idle.sort_unstable();
    let limit = if count == 0 { usize::MAX } else { count };
    let mut out = Vec::new();
    for (_, delivery_time, id) in idle {
        if out.len() >= limit {
            break;
        }
        let Some(entry) = stream.entry(id) else {
            group_mut(stream, key, group, IN_XREADGROUP)?.remove_pending(id);
            effects.push(StreamEffect::PendingDropped { group: group.to_vec(), id });
            continue;
        };
        let cg = group_mut(stream, key, group, IN_XREADGROUP)?;
        let Some(before) = cg.pending.get(&id).map(|p| p.delivery_count) else { continue };
        let from = cg.assign_pending(id, consumer, now_ms, before + 1).map(|f| f.to_vec());
        effects.push(StreamEffect::Claimed {
            group: group.to_vec(),
            from,
            to: consumer.to_vec(),
            id,
            delivery_count: before + 1,
        });
        if let Some(c) = cg.consumers.get_mut(consumer) {
            c.active_time = Some(now_ms);
        }
        let mut reply = match entry_reply(entry) {
            Reply::Array(pair) => pair,
            other => vec![other],
        };
        reply.extend([Reply::Integer(now_ms.saturating_sub(delivery_time) as i64), Reply::Integer(before as i64)]);
        out.push(Reply::Array(reply));
    }
    Ok(out)
}

/// Redis's `streamReplyWithRangeFromConsumerPEL`: the consumer's own pending entries from `start`.
#[allow(clippy::too_many_arguments)]
fn history(
    stream: &mut Stream,
    key: &[u8],
    group: &[u8],
    consumer: &[u8],
    start: StreamId,
    count: usize,
    now_ms: u64,
    effects: &mut Vec<StreamEffect>,
) -> Result<Reply> {
    let cg = group_ref(stream, key, group, IN_XREADGROUP)?;
    let limit = if count == 0 { usize::MAX } else { count };
    let ids: Vec<StreamId> =
        cg.consumers.get(consumer).map_or(Vec::new(), |c| c.pending.range(start..).take(limit).copied().collect());
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match stream.entry(id) {
            Some(entry) => {
                out.push(entry_reply(entry));
                let cg = group_mut(stream, key, group, IN_XREADGROUP)?;
                // A consumer's pending entry is in its group's PEL.
                let Some(pending) = cg.pending.get_mut(&id) else { continue };
                pending.delivery_time = now_ms;
                pending.delivery_count += 1;
                effects.push(StreamEffect::Delivered {
                    group: group.to_vec(),
                    consumer: consumer.to_vec(),
                    id,
                    delivery_count: pending.delivery_count,
                    noack: false,
                });
                if let Some(c) = cg.consumers.get_mut(consumer) {
                    c.active_time = Some(now_ms);
                }
            }
            None => out.push(Reply::Array(vec![id_reply(id), Reply::NilArray])),
        }
    }
    Ok(Reply::Array(out))
}

/// Redis's `streamReplyWithRange` with a group: new entries, moving the group forward and
/// adding each to the PEL (unless NOACK).
#[allow(clippy::too_many_arguments)]
fn deliver(
    stream: &mut Stream,
    key: &[u8],
    group: &[u8],
    consumer: &[u8],
    start: StreamId,
    count: usize,
    noack: bool,
    now_ms: u64,
    effects: Option<&mut Vec<StreamEffect>>,
) -> Result<Reply> {
    let limit = if count == 0 { usize::MAX } else { count };
    let capacity = limit.min(stream.length as usize).min(1024);
    let (mut ids, mut out) = (Vec::with_capacity(capacity), Vec::with_capacity(capacity));
    stream.for_each_in_range(start, StreamId::MAX, limit, |node, meta| {
        ids.push(meta.id);
        out.push(node_entry_reply(node, meta));
    });
    // The groups leave the stream while the entries are handed out (a move, not a copy): the
    // group is looked up once, and the stream's counters stay readable beside it.
    let mut groups = std::mem::take(&mut stream.groups);
    let Some(cg) = groups.get_mut(group) else {
        stream.groups = groups;
        return Err(no_such_key_or_group(key, group, IN_XREADGROUP));
    };
    for &id in &ids {
        if id > cg.last_delivered_id {
            cg.entries_read =
                if cg.entries_read != ENTRIES_READ_UNKNOWN && !stream.range_has_tombstones(id, StreamId::MAX) {
                    cg.entries_read + 1
                } else if stream.entries_added > 0 {
                    stream.estimate_entries_read(id)
                } else {
                    cg.entries_read
                };
            cg.last_delivered_id = id;
        }
    }
    let previous = if noack { Vec::new() } else { cg.assign_new(consumer, &ids, now_ms) };
    if !ids.is_empty() {
        if let Some(c) = cg.consumers.get_mut(consumer) {
            c.active_time = Some(now_ms);
        }
    }
    if let Some(effects) = effects {
        let mut previous = previous.into_iter().peekable();
        for &id in &ids {
            if let Some((_, from)) = previous.next_if(|(p, _)| *p == id) {
                if *from != *consumer {
                    effects.push(StreamEffect::Claimed {
                        group: group.to_vec(),
                        from: Some(from.to_vec()),
                        to: consumer.to_vec(),
                        id,
                        delivery_count: 1,
                    });
                }
            }
            effects.push(StreamEffect::Delivered {
                group: group.to_vec(),
                consumer: consumer.to_vec(),
                id,
                delivery_count: 1,
                noack,
            });
        }
        effects.push(StreamEffect::GroupMoved {
            group: group.to_vec(),
            last_delivered_id: cg.last_delivered_id,
            entries_read: cg.entries_read,
        });
    }
    stream.groups = groups;
    Ok(Reply::Array(out))
}
