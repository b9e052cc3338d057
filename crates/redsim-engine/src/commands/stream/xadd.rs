//! XADD and XTRIM, which share Redis's option parser (`streamParseAddOrTrimArgsOrReply`).

use super::{effect, id_reply, lookup, STREAM};
use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::effect::StreamEffect;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::stream::{parse_id, AppendError, IdSyntax, ParsedId, StreamId, TrimSpec, TrimStrategy};
use crate::value::Value;

/// `XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]`
pub static XADD: CommandSpec = CommandSpec {
    name: "xadd",
    arity: -5,
    flags: &[Flag::Write, Flag::Fast],
    keys: (1, 1, 1),
    group: STREAM,
    since: "5.0.0",
    summary: "Appends a new message to a stream. Creates the key if it doesn't exist.",
    syntax: "key [NOMKSTREAM] [MAXLEN | MINID [= | ~] threshold [LIMIT count]] <* | id> field value [field value ...]",
    run: Some(xadd),
    subcommands: &[],
};

/// `XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]`
pub static XTRIM: CommandSpec = CommandSpec {
    name: "xtrim",
    arity: -4,
    flags: &[Flag::Write],
    keys: (1, 1, 1),
    group: STREAM,
    since: "5.0.0",
    summary: "Deletes messages from the beginning of a stream.",
    syntax: "key MAXLEN | MINID [= | ~] threshold [LIMIT count]",
    run: Some(xtrim),
    subcommands: &[],
};

/// What XADD and XTRIM were asked to do, besides the fields.
struct AddTrimOptions {
    trim: Option<TrimSpec>,
    /// `None` for `*`.
    id: Option<ParsedId>,
    nomkstream: bool,
    /// How many arguments (after the key) the options and the ID took.
    used: usize,
}

fn parse_options(rest: &[Vec<u8>], xadd: bool, node_max_entries: i64) -> Result<AddTrimOptions> {
    let is = |arg: &[u8], word: &str| arg.eq_ignore_ascii_case(word.as_bytes());
    let mut options = AddTrimOptions { trim: None, id: None, nomkstream: false, used: rest.len() };
    let mut strategy: Option<TrimStrategy> = None;
    let mut approx = false;
    let mut limit: i64 = 0;
    let mut limit_given = false;
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
            let next = rest[j + 1].as_slice();
            if more >= 2 && (next == b"~" || next == b"=") {
                approx = next == b"~";
                j += 1;
            }
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
        } else if xadd {
            let syntax = IdSyntax { allow_auto_seq: true, ..IdSyntax::STRICT };
            options.id = Some(parse_id(opt, syntax)?);
            options.used = j + 1;
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
    options.trim = strategy.map(|strategy| TrimSpec { strategy, approx, limit });
    Ok(options)
}

fn xadd(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?.to_vec();
    let rest = args.rest();
    let limits = ctx.server.config.stream_node_limits;
    let options = parse_options(rest, true, limits.max_entries)?;
    let fields = &rest[options.used.min(rest.len())..];
    if options.used >= rest.len() || fields.len() < 2 || fields.len() % 2 == 1 {
        return Err(Error::WrongArity { name: "xadd".into() });
    }
    if let Some(ParsedId { id: StreamId::MIN, seq_given: true }) = options.id {
        return Err(Error::other("ERR The ID specified in XADD must be greater than 0-0"));
    }
    let created = match lookup(ctx, &key)? {
        Some(_) => false,
        None if options.nomkstream => return Ok(Reply::Nil),
        None => {
            ctx.store(&key, Value::Stream(Box::default()), false);
            true
        }
    };
    let now_ms = ctx.now_ms;
    let version = ctx.version();
    let stream = lookup(ctx, &key)?.expect("exists or was just created");
    if stream.last_id == StreamId::MAX {
        return Err(Error::other("ERR The stream has exhausted the last possible ID, unable to add more items"));
    }
    let pairs = fields.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect();
    let appended = match stream.append(pairs, options.id, now_ms, limits) {
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
    let trimmed = options.trim.map(|spec| stream.trim(spec));
    if !created {
        ctx.dirty += 1;
    }
    ctx.signal_ready(&key);
    effect(ctx, &key, StreamEffect::Added { id: appended.id, node: appended.node, new_node: appended.new_node });
    if let Some(trimmed) = trimmed.filter(|t| !t.ids.is_empty()) {
        effect(ctx, &key, StreamEffect::Trimmed { ids: trimmed.ids, nodes_removed: trimmed.nodes_removed });
    }
    Ok(id_reply(appended.id))
}

fn xtrim(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?.to_vec();
    let limits = ctx.server.config.stream_node_limits;
    let options = parse_options(args.rest(), false, limits.max_entries)?;
    let Some(stream) = lookup(ctx, &key)? else {
        return Ok(Reply::Integer(0));
    };
    let spec = options.trim.expect("XTRIM always has a strategy");
    let trimmed = stream.trim(spec);
    let count = trimmed.ids.len();
    if count > 0 {
        ctx.dirty += count as u64;
        effect(ctx, &key, StreamEffect::Trimmed { ids: trimmed.ids, nodes_removed: trimmed.nodes_removed });
    }
    Ok(Reply::Integer(count as i64))
}
