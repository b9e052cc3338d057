//! XADD and XTRIM, which share Redis's option parser (`streamParseAddOrTrimArgsOrReply`).

use super::{effect, id_reply, lookup, lookup_again, STREAM};
use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::effect::StreamEffect;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::stream::{
    idmp, parse_id, AppendError, DeletePolicy, IdSyntax, ParsedId, Stream, StreamId, TrimSpec, TrimStrategy, Trimmed,
};
use crate::value::Value;

/// `XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]`
pub static XADD: CommandSpec = CommandSpec::new("xadd", -5, STREAM, "5.0.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key [NOMKSTREAM] [KEEPREF | DELREF | ACKED] [IDMPAUTO pid | IDMP pid iid] [MAXLEN | MINID [= | ~] threshold [LIMIT count]] <* | id> field value [field value ...]", "Appends a new message to a stream. Creates the key if it doesn't exist.")
    .run(xadd);

/// `XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]`
pub static XTRIM: CommandSpec = CommandSpec::new("xtrim", -4, STREAM, "5.0.0")
    .flags(&[Flag::Write])
    .keys(1, 1, 1)
    .doc(
        "key MAXLEN | MINID [= | ~] threshold [LIMIT count] [KEEPREF | DELREF | ACKED]",
        "Deletes messages from the beginning of a stream.",
    )
    .run(xtrim);

/// What XADD and XTRIM were asked to do, besides the fields.
struct AddTrimOptions {
    trim: Option<TrimSpec>,
    /// `None` for `*`.
    id: Option<ParsedId>,
    nomkstream: bool,
    /// How many arguments (after the key) the options and the ID took.
    used: usize,
    /// Positions (after the key) of the `~` and of the trim threshold, for propagation.
    approx_at: Option<usize>,
    threshold_at: usize,
    /// `IDMP pid iid` or `IDMPAUTO pid` (`None` iid) (Redis 8.6), and where those arguments are.
    idmp: Option<(Vec<u8>, Option<Vec<u8>>)>,
    idmp_args: Vec<usize>,
}

/// `policies`: the emulated Redis knows `KEEPREF|DELREF|ACKED` (8.2); `idmp`: `IDMP|IDMPAUTO` (8.6).
fn parse_options(
    rest: &[Vec<u8>],
    xadd: bool,
    node_max_entries: i64,
    policies: bool,
    idmp: bool,
) -> Result<AddTrimOptions> {
    let is = |arg: &[u8], word: &str| arg.eq_ignore_ascii_case(word.as_bytes());
    let mut options = AddTrimOptions {
        trim: None,
        id: None,
        nomkstream: false,
        used: rest.len(),
        approx_at: None,
        threshold_at: 0,
        idmp: None,
        idmp_args: Vec::new(),
    };
    let mut strategy: Option<TrimStrategy> = None;
    let mut approx = false;
    let mut limit: i64 = 0;
    let mut limit_given = false;
    let mut policy: Option<DeletePolicy> = None;
    let mut j = 0;
    while j < rest.len() {
        let more = rest.len() - 1 - j;
        let opt = rest[j].as_slice();
        if xadd && opt == b"*" {
            options.used = j + 1;
            break;
        } else if (is(opt, "MAXLEN") || is(opt, "MINID")) && more > 0 {
            if strategy.is_some() {
                return Err(Error::other(
                    "ERR syntax error, MAXLEN and MINID options at the same time are not compatible",
                ));
            }
            approx = false;
            options.approx_at = None;
            let next = rest[j + 1].as_slice();
            if more >= 2 && (next == b"~" || next == b"=") {
                approx = next == b"~";
                options.approx_at = approx.then_some(j + 1);
                j += 1;
            }
            options.threshold_at = j + 1;
            let threshold = rest.get(j + 1).map(Vec::as_slice).unwrap_or_default();
            strategy = Some(if is(opt, "MAXLEN") {
                let max = parse_i64(threshold).ok_or(Error::NotInteger)?;
                if max < 0 {
                    return Err(Error::other("ERR The MAXLEN argument must be >= 0."));
                }
                TrimStrategy::MaxLen(max as u64)
            } else {
                TrimStrategy::MinId(parse_id(threshold, IdSyntax::STRICT)?.id)
            });
            j += 1;
        } else if is(opt, "LIMIT") && more > 0 {
            limit = parse_i64(&rest[j + 1]).ok_or(Error::NotInteger)?;
            if limit < 0 {
                return Err(Error::other("ERR The LIMIT argument must be >= 0."));
            }
            limit_given = true;
            j += 1;
        } else if xadd && is(opt, "NOMKSTREAM") {
            options.nomkstream = true;
        } else if xadd && idmp && ((is(opt, "IDMP") && more >= 2) || (is(opt, "IDMPAUTO") && more >= 1)) {
            if options.idmp.is_some() {
                return Err(Error::other("ERR IDMP/IDMPAUTO specified multiple times"));
            }
            let auto = is(opt, "IDMPAUTO");
            let pid = rest[j + 1].clone();
            if pid.is_empty() {
                let which = if auto { "IDMPAUTO" } else { "IDMP" };
                return Err(Error::other(format!("ERR {which} requires a non-empty producer ID")));
            }
            options.idmp_args.extend(j..=j + 1);
            j += 1;
            let iid = if auto {
                None
            } else {
                j += 1;
                options.idmp_args.push(j);
                if rest[j].is_empty() {
                    return Err(Error::other("ERR IDMP requires a non-empty idempotent ID"));
                }
                Some(rest[j].clone())
            };
            options.idmp = Some((pid, iid));
        } else if let Some(p) = DeletePolicy::parse(opt).filter(|_| policies) {
            if policy.is_some() {
                return Err(Error::Syntax);
            }
            policy = Some(p);
        } else if xadd {
            let syntax = IdSyntax { allow_auto_seq: true, ..IdSyntax::STRICT };
            options.id = Some(parse_id(opt, syntax)?);
            options.used = j + 1;
            if options.idmp.is_some() {
                return Err(Error::other("ERR IDMP/IDMPAUTO can be used only with auto-generated IDs"));
            }
            break;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    if limit != 0 && strategy.is_none() {
        return Err(Error::other("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"));
    }
    if !xadd && strategy.is_none() {
        return Err(Error::other("ERR syntax error, XTRIM must be called with a trimming strategy"));
    }
    if limit_given && !approx {
        return Err(Error::other("ERR syntax error, LIMIT cannot be used without the special ~ option"));
    }
    if !limit_given {
        // Without LIMIT, `~` does at most 100 nodes' worth of work; exact trimming has no cap.
        limit = if approx {
            match node_max_entries.saturating_mul(100) {
                l if l <= 0 => 10_000,
                l => l,
            }
        } else {
            0
        };
    }
    options.trim = strategy.map(|strategy| TrimSpec { strategy, approx, limit, policy: policy.unwrap_or_default() });
    Ok(options)
}

fn xadd(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let rest = args.rest();
    // Only the simulator needs what is propagated; the RESP server skips the copy.
    let mut propagate = ctx.server.propagating().then(|| ctx.argv.to_vec());
    let limits = ctx.server.config.stream_node_limits;
    let version = ctx.version();
    let options = parse_options(rest, true, limits.max_entries, version.at_least(8, 2), version.at_least(8, 6))?;
    let fields = &rest[options.used.min(rest.len())..];
    if options.used >= rest.len() || fields.len() < 2 || fields.len() % 2 == 1 {
        return Err(Error::WrongArity { name: "xadd".into() });
    }
    if let Some(ParsedId { id: StreamId::MIN, seq_given: true }) = options.id {
        return Err(Error::other("ERR The ID specified in XADD must be greater than 0-0"));
    }
    let created = match lookup(ctx, key)? {
        Some(_) => false,
        None if options.nomkstream => return Ok(Reply::Nil),
        None => {
            ctx.store(key, Value::Stream(Box::new(ctx.server.new_stream())), false);
            true
        }
    };
    let now_ms = ctx.now_ms;
    // There, or stored just above.
    let Some(stream) = lookup_again(ctx, key)? else { return Ok(Reply::Nil) };
    // An idempotent producer's retry answers the entry it already added, and changes nothing else.
    let idmp = options.idmp.clone().map(|(pid, iid)| (pid, iid.unwrap_or_else(|| idmp::auto_iid(fields))));
    if let Some((pid, iid)) = &idmp {
        if let Some(id) = stream.idmp.seen(pid, iid, now_ms) {
            return Ok(id_reply(id));
        }
    }
    if stream.last_id == StreamId::MAX {
        return Err(Error::other("ERR The stream has exhausted the last possible ID, unable to add more items"));
    }
    let appended = match stream.append(fields, options.id, now_ms, limits) {
        Ok(appended) => appended,
        Err(AppendError::SequenceExhausted) if !version.at_least(7, 2) => {
            return Err(Error::other("ERR Elements are too large to be stored"));
        }
        Err(AppendError::IdTooSmall | AppendError::SequenceExhausted) => {
            return Err(Error::other(
                "ERR The ID specified in XADD is equal or smaller than the target stream top item",
            ));
        }
        Err(AppendError::TooLarge) => return Err(Error::other("ERR Elements are too large to be stored")),
    };
    let recorded = idmp.clone();
    if let Some((pid, iid)) = idmp {
        stream.idmp.record(&pid, iid, appended.id, now_ms);
    }
    let trimmed = options.trim.map(|spec| stream.trim(spec));
    if let Some(propagate) = propagate.as_mut() {
        if let Some(spec) = options.trim {
            rewrite_approx_trim(propagate, 2, &options, spec, stream);
        }
        if !options.id.is_some_and(|p| p.seq_given) {
            propagate[2 + options.used - 1] = appended.id.to_bytes();
        }
        // Replicas get the entry with its ID; the IDMP words (valid only with `*`) are dropped.
        for &at in options.idmp_args.iter().rev() {
            propagate.remove(2 + at);
        }
    }
    // From 8.8 the producer's record follows the entry (`XIDMPRECORD`), so replicas and the AOF
    // keep it too.
    match (propagate, recorded) {
        (Some(entry), Some((pid, iid))) if version.at_least(8, 8) => {
            let id = appended.id.to_bytes();
            ctx.also_propagate.push(entry);
            ctx.also_propagate.push(vec![b"XIDMPRECORD".to_vec(), key.to_vec(), pid, iid, id]);
            ctx.prevent_propagation = true;
        }
        (propagate, _) => ctx.propagate_as = propagate,
    }
    if !created {
        ctx.dirty += 1;
    }
    ctx.signal_ready(key);
    effect(ctx, key, StreamEffect::Added { id: appended.id, node: appended.node, new_node: appended.new_node });
    ctx.notify(crate::notify::STREAM, "xadd", key);
    if let Some(trimmed) = trimmed {
        if !trimmed.ids.is_empty() {
            ctx.notify(crate::notify::STREAM, "xtrim", key);
        }
        trim_effects(ctx, key, trimmed);
    }
    Ok(id_reply(appended.id))
}

fn xtrim(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?.to_vec();
    let mut propagate = ctx.server.propagating().then(|| ctx.argv.to_vec());
    let limits = ctx.server.config.stream_node_limits;
    let options = parse_options(args.rest(), false, limits.max_entries, ctx.version().at_least(8, 2), false)?;
    let Some(stream) = lookup(ctx, &key)? else {
        return Ok(Reply::Integer(0));
    };
    // Its parser asks for a strategy.
    let Some(spec) = options.trim else { return Err(Error::Syntax) };
    let trimmed = stream.trim(spec);
    if let Some(propagate) = propagate.as_mut() {
        rewrite_approx_trim(propagate, 2, &options, spec, stream);
    }
    let count = trimmed.ids.len();
    ctx.propagate_as = propagate;
    ctx.dirty += (count + trimmed.refs_dropped.len()) as u64;
    trim_effects(ctx, &key, trimmed);
    Ok(Reply::Integer(count as i64))
}

fn trim_effects(ctx: &mut Ctx, key: &[u8], trimmed: Trimmed) {
    for (group, _, id) in trimmed.refs_dropped {
        effect(ctx, key, StreamEffect::PendingDropped { group, id });
    }
    if !trimmed.ids.is_empty() {
        effect(ctx, key, StreamEffect::Trimmed { ids: trimmed.ids, nodes_removed: trimmed.nodes_removed });
    }
}

/// Redis's `streamRewriteApproxSpecifier` and `streamRewriteTrimArgument`: a replica must trim to
/// exactly what the primary kept, so `~` becomes `=` and the threshold the resulting length (or
/// first ID). `offset` is where the arguments after the key start in `argv`.
fn rewrite_approx_trim(argv: &mut [Vec<u8>], offset: usize, options: &AddTrimOptions, spec: TrimSpec, stream: &Stream) {
    let Some(approx_at) = options.approx_at else { return };
    argv[offset + approx_at] = b"=".to_vec();
    argv[offset + options.threshold_at] = match spec.strategy {
        TrimStrategy::MaxLen(_) => stream.length.to_string().into_bytes(),
        TrimStrategy::MinId(_) => stream.first_id.to_bytes(),
    };
}

#[cfg(test)]
mod tests {
    use crate::{Server, Version};

    fn propagated(lines: &[&str]) -> Vec<String> {
        let mut server = Server::new(Version::V7_0);
        let c = server.connect(0);
        let mut out = Vec::new();
        for line in lines {
            let argv = crate::cli::split_args(line.as_bytes()).unwrap();
            for cmd in server.execute(1_000, c, &argv).propagate.into_iter().filter(|c| c[0] != b"SELECT") {
                out.push(cmd.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>().join(" "));
            }
        }
        out
    }

    #[test]
    fn replicas_get_concrete_ids_and_exact_trims() {
        assert_eq!(propagated(&["XADD s * f v", "XADD s 1000-* f v"]), ["XADD s 1000-0 f v", "XADD s 1000-1 f v"]);
        let mut lines = vec!["CONFIG SET stream-node-max-entries 2".to_string()];
        lines.extend((1..=5).map(|i| format!("XADD t {i}-0 f v")));
        lines.push("XADD t MAXLEN ~ 2 6-0 f v".into());
        lines.push("XTRIM t MINID ~ 6".into());
        lines.push("XADD t 7-0 f v".into());
        lines.push("XTRIM t MINID ~ 7".into());
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let out = propagated(&lines);
        assert_eq!(out[5], "XADD t MAXLEN = 2 6-0 f v");
        // `MINID ~ 6` removes no whole node: nothing changed, nothing is propagated.
        assert_eq!(out[6], "XADD t 7-0 f v");
        assert_eq!(out[7], "XTRIM t MINID = 7-0");
        assert_eq!(out.len(), 8);
    }
}
