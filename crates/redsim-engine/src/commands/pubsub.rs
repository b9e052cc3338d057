//! Pub/Sub: subscriptions live on the client and in the server's channel tables; `PUBLISH`
//! hands each subscriber a push message through the outcome's `woken` list, which the simulator
//! shows in that client's console and the RESP server writes to its socket.

use crate::args::Args;
use crate::command::{CommandSpec, Flag};
use crate::error::Result;
use crate::reply::Reply;
use crate::server::{ClientId, Ctx};

const PUBSUB: &str = "pubsub";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Channel,
    Pattern,
    Shard,
}

impl Kind {
    fn verbs(self) -> (&'static str, &'static str) {
        match self {
            Kind::Channel => ("subscribe", "unsubscribe"),
            Kind::Pattern => ("psubscribe", "punsubscribe"),
            Kind::Shard => ("ssubscribe", "sunsubscribe"),
        }
    }
}

/// Subscribers by channel (or pattern).
type Table = std::collections::BTreeMap<Vec<u8>, Vec<ClientId>>;

/// The client's list and the server's table for one kind of subscription.
fn lists<'a>(ctx: &'a mut Ctx, kind: Kind) -> (&'a mut Vec<Vec<u8>>, &'a mut Table) {
    let (id, now_ms) = (ctx.client, ctx.now_ms);
    let server = &mut *ctx.server;
    let client = server.clients.get_or_insert_with(id, || crate::server::Client::new(id, now_ms));
    match kind {
        Kind::Channel => (&mut client.channels, &mut server.pubsub_channels),
        Kind::Pattern => (&mut client.patterns, &mut server.pubsub_patterns),
        Kind::Shard => (&mut client.shard_channels, &mut server.pubsub_shard_channels),
    }
}

fn count(ctx: &Ctx, kind: Kind) -> i64 {
    let c = ctx.client();
    (if kind == Kind::Shard { c.shard_channels.len() } else { c.subscriptions() }) as i64
}

fn subscribe(ctx: &mut Ctx, mut args: Args, kind: Kind) -> Result<Reply> {
    let id = ctx.client;
    let mut replies = Vec::new();
    for name in args.rest() {
        let (mine, table) = lists(ctx, kind);
        if !mine.contains(name) {
            mine.push(name.clone());
            table.entry(name.clone()).or_default().push(id);
        }
        replies.push(Reply::Push(vec![
            Reply::bulk(kind.verbs().0),
            Reply::Bulk(name.clone()),
            Reply::Integer(count(ctx, kind)),
        ]));
    }
    let client = ctx.client;
    ctx.effect(|| crate::effect::Effect::ClientChanged { client });
    Ok(Reply::Many(replies))
}

fn unsubscribe(ctx: &mut Ctx, mut args: Args, kind: Kind) -> Result<Reply> {
    let id = ctx.client;
    let names: Vec<Vec<u8>> = match args.rest() {
        [] => lists(ctx, kind).0.clone(),
        some => some.to_vec(),
    };
    if names.is_empty() {
        return Ok(Reply::Push(vec![Reply::bulk(kind.verbs().1), Reply::Nil, Reply::Integer(count(ctx, kind))]));
    }
    let mut replies = Vec::new();
    for name in names {
        let (mine, table) = lists(ctx, kind);
        if let Some(at) = mine.iter().position(|n| *n == name) {
            mine.remove(at);
            if let Some(list) = table.get_mut(&name) {
                list.retain(|&c| c != id);
                if list.is_empty() {
                    table.remove(&name);
                }
            }
        }
        replies.push(Reply::Push(vec![
            Reply::bulk(kind.verbs().1),
            Reply::Bulk(name),
            Reply::Integer(count(ctx, kind)),
        ]));
    }
    let client = ctx.client;
    ctx.effect(|| crate::effect::Effect::ClientChanged { client });
    Ok(Reply::Many(replies))
}

pub static SUBSCRIBE: CommandSpec = CommandSpec::new("subscribe", -2, PUBSUB, "2.0.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::PubSub, Flag::WhileSubscribed])
    .doc("channel [channel ...]", "Listens for messages published to channels.")
    .run(|c, a| subscribe(c, a, Kind::Channel));
pub static UNSUBSCRIBE: CommandSpec = CommandSpec::new("unsubscribe", -1, PUBSUB, "2.0.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::PubSub, Flag::WhileSubscribed])
    .doc("[channel [channel ...]]", "Stops listening to messages posted to channels.")
    .run(|c, a| unsubscribe(c, a, Kind::Channel));
pub static PSUBSCRIBE: CommandSpec = CommandSpec::new("psubscribe", -2, PUBSUB, "2.0.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::PubSub, Flag::WhileSubscribed])
    .doc("pattern [pattern ...]", "Listens for messages published to channels that match one or more patterns.")
    .run(|c, a| subscribe(c, a, Kind::Pattern));
pub static PUNSUBSCRIBE: CommandSpec = CommandSpec::new("punsubscribe", -1, PUBSUB, "2.0.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::PubSub, Flag::WhileSubscribed])
    .doc(
        "[pattern [pattern ...]]",
        "Stops listening to messages published to channels that match one or more patterns.",
    )
    .run(|c, a| unsubscribe(c, a, Kind::Pattern));
pub static SSUBSCRIBE: CommandSpec = CommandSpec::new("ssubscribe", -2, PUBSUB, "7.0.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::PubSub, Flag::WhileSubscribed])
    .keys(1, -1, 1)
    .doc("shardchannel [shardchannel ...]", "Listens for messages published to shard channels.")
    .run(|c, a| subscribe(c, a, Kind::Shard));
pub static SUNSUBSCRIBE: CommandSpec = CommandSpec::new("sunsubscribe", -1, PUBSUB, "7.0.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::PubSub, Flag::WhileSubscribed])
    .keys(1, -1, 1)
    .doc("[shardchannel [shardchannel ...]]", "Stops listening to messages posted to shard channels.")
    .run(|c, a| unsubscribe(c, a, Kind::Shard));

pub static PUBLISH: CommandSpec = CommandSpec::new("publish", 3, PUBSUB, "2.0.0")
    .flags(&[Flag::Loading, Flag::Stale, Flag::Fast, Flag::PubSub])
    .doc("channel message", "Posts a message to a channel.")
    .run(|c, a| publish(c, a, false));
pub static SPUBLISH: CommandSpec = CommandSpec::new("spublish", 3, PUBSUB, "7.0.0")
    .flags(&[Flag::Loading, Flag::Stale, Flag::Fast, Flag::PubSub])
    .keys(1, 1, 1)
    .doc("shardchannel message", "Post a message to a shard channel")
    .run(|c, a| publish(c, a, true));

/// Redis's `pubsubPublishMessage`: channel subscribers first, in the order they subscribed,
/// then pattern subscribers.
fn publish(ctx: &mut Ctx, mut args: Args, shard: bool) -> Result<Reply> {
    let (channel, message) = (args.next()?.to_vec(), args.next()?.to_vec());
    let mut deliveries: Vec<(ClientId, Reply)> = Vec::new();
    let table = if shard { &ctx.server.pubsub_shard_channels } else { &ctx.server.pubsub_channels };
    let kind = if shard { "smessage" } else { "message" };
    for &id in table.get(&channel).into_iter().flatten() {
        deliveries.push((
            id,
            Reply::Push(vec![Reply::bulk(kind), Reply::Bulk(channel.clone()), Reply::Bulk(message.clone())]),
        ));
    }
    if !shard {
        for (pattern, ids) in &ctx.server.pubsub_patterns {
            if crate::glob::matches(pattern, &channel, false) {
                for &id in ids {
                    let push = vec![
                        Reply::bulk("pmessage"),
                        Reply::Bulk(pattern.clone()),
                        Reply::Bulk(channel.clone()),
                        Reply::Bulk(message.clone()),
                    ];
                    deliveries.push((id, Reply::Push(push)));
                }
            }
        }
    }
    let receivers = deliveries.len() as i64;
    ctx.effect(|| crate::effect::Effect::Published { channel: channel.clone(), receivers: receivers as usize });
    ctx.out.woken.extend(deliveries);
    // Published messages reach replicas too (Redis propagates PUBLISH).
    ctx.dirty += 1;
    Ok(Reply::Integer(receivers))
}

fn pubsub_channels(ctx: &mut Ctx, mut args: Args, shard: bool) -> Result<Reply> {
    let pattern = args.next().ok().map(<[u8]>::to_vec);
    let table = if shard { &ctx.server.pubsub_shard_channels } else { &ctx.server.pubsub_channels };
    Ok(Reply::Array(
        table
            .keys()
            .filter(|c| pattern.as_ref().is_none_or(|p| crate::glob::matches(p, c, false)))
            .map(|c| Reply::Bulk(c.clone()))
            .collect(),
    ))
}

fn pubsub_numsub(ctx: &mut Ctx, mut args: Args, shard: bool) -> Result<Reply> {
    let table = if shard { &ctx.server.pubsub_shard_channels } else { &ctx.server.pubsub_channels };
    let pairs = args
        .rest()
        .iter()
        .map(|c| (Reply::Bulk(c.clone()), Reply::Integer(table.get(c).map_or(0, |l| l.len()) as i64)))
        .collect();
    Ok(Reply::Map(pairs))
}

/// `PUBSUB CHANNELS|NUMSUB|NUMPAT|SHARDCHANNELS|SHARDNUMSUB|HELP`
pub static PUBSUB_CMD: CommandSpec = CommandSpec::new("pubsub", -2, PUBSUB, "2.8.0")
    .doc("<subcommand> [arguments]", "A container for Pub/Sub commands.")
    .subcommands(&[
        CommandSpec::new("channels", -2, PUBSUB, "2.8.0")
            .flags(&[Flag::Loading, Flag::Stale, Flag::PubSub])
            .doc("[pattern]", "Returns the active channels.")
            .run(|c, a| pubsub_channels(c, a, false)),
        CommandSpec::new("help", 2, PUBSUB, "6.2.0")
            .flags(&[Flag::Loading, Flag::Stale, Flag::PubSub])
            .doc("", "Returns helpful text about the different subcommands.")
            .run(|_, _| {
                Ok(super::stream::help_reply(
                    "PUBSUB",
                    &[
                        "CHANNELS [<pattern>]",
                        "    Return the currently active channels matching a <pattern> (default: '*').",
                        "NUMPAT",
                        "    Return number of subscriptions to patterns.",
                        "NUMSUB [<channel> ...]",
                        "    Return the number of subscribers for the specified channels, excluding",
                        "    pattern subscriptions(default: no channels).",
                        "SHARDCHANNELS [<pattern>]",
                        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
                        "SHARDNUMSUB [<shardchannel> ...]",
                        "    Return the number of subscribers for the specified shard level channel(s)",
                    ],
                ))
            }),
        CommandSpec::new("numpat", 2, PUBSUB, "2.8.0")
            .flags(&[Flag::Loading, Flag::Stale, Flag::PubSub])
            .doc("", "Returns a count of unique pattern subscriptions.")
            .run(|c, _| Ok(Reply::Integer(c.server.pubsub_patterns.len() as i64))),
        CommandSpec::new("numsub", -2, PUBSUB, "2.8.0")
            .flags(&[Flag::Loading, Flag::Stale, Flag::PubSub])
            .doc("[channel [channel ...]]", "Returns a count of subscribers to channels.")
            .run(|c, a| pubsub_numsub(c, a, false)),
        CommandSpec::new("shardchannels", -2, PUBSUB, "7.0.0")
            .flags(&[Flag::Loading, Flag::Stale, Flag::PubSub])
            .doc("[pattern]", "Returns the active shard channels.")
            .run(|c, a| pubsub_channels(c, a, true)),
        CommandSpec::new("shardnumsub", -2, PUBSUB, "7.0.0")
            .flags(&[Flag::Loading, Flag::Stale, Flag::PubSub])
            .doc("[shardchannel [shardchannel ...]]", "Returns the count of subscribers of shard channels.")
            .run(|c, a| pubsub_numsub(c, a, true)),
    ]);
