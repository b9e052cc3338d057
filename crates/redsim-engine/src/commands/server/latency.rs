//! `LATENCY`: the latency monitor's events and the per-command latency histograms.

use super::*;
use std::collections::VecDeque;

/// Samples kept per event (Redis's `LATENCY_TS_LEN`).
const HISTORY: usize = 160;

/// One event class's time series: (unix seconds, milliseconds), one sample a second at most.
#[derive(Clone, Debug, Default)]
pub struct Series {
    pub samples: VecDeque<(u64, u64)>,
    pub max: u64,
}

impl crate::server::Server {
    /// Redis's `latencyAddSampleIfNeeded`: an event that took at least the threshold is logged.
    pub(crate) fn latency_sample(&mut self, event: &str, now_ms: u64, ms: u64) {
        let threshold = self.config.latency_monitor_threshold;
        if threshold <= 0 || (ms as i64) < threshold {
            return;
        }
        let series = self.latency_events.entry(event.to_string()).or_default();
        series.max = series.max.max(ms);
        let now = now_ms / 1000;
        if let Some(last) = series.samples.back_mut() {
            if last.0 == now {
                last.1 = last.1.max(ms);
                return;
            }
        }
        if series.samples.len() == HISTORY {
            series.samples.pop_front();
        }
        series.samples.push_back((now, ms));
    }
}

pub static LATENCY: CommandSpec = CommandSpec::new("latency", -2, SERVER, "2.8.13")
    .doc("", "A container for latency diagnostics commands.")
    .subcommands(&[
        LATENCY_DOCTOR,
        LATENCY_GRAPH,
        LATENCY_HELP,
        LATENCY_HISTOGRAM,
        LATENCY_HISTORY,
        LATENCY_LATEST,
        LATENCY_RESET,
    ]);

const ADMIN: &[Flag] = &[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale];

const LATENCY_DOCTOR: CommandSpec = CommandSpec::new("doctor", 2, SERVER, "2.8.13")
    .flags(ADMIN)
    .doc("", "Returns a human-readable latency analysis report.")
    .run(|ctx, _| Ok(Reply::Verbatim("txt".into(), doctor(ctx.server).into_bytes())));

const LATENCY_GRAPH: CommandSpec = CommandSpec::new("graph", 3, SERVER, "2.8.13")
    .flags(ADMIN)
    .doc("event", "Returns a latency graph for an event.")
    .run(|ctx, mut args| {
        let event = String::from_utf8_lossy(args.next()?).into_owned();
        let Some(series) = ctx.server.latency_events.get(&event) else {
            return Err(Error::other(format!("ERR No samples available for event '{event}'")));
        };
        let now = ctx.now_ms / 1000;
        Ok(Reply::Verbatim("txt".into(), graph(&event, series, now).into_bytes()))
    });

const LATENCY_HELP: CommandSpec = CommandSpec::new("help", 2, SERVER, "2.8.13")
    .flags(&[Flag::Loading, Flag::Stale])
    .doc("", "Returns helpful text about the different subcommands.")
    .run(|_, _| {
        Ok(crate::commands::stream::help_reply(
            "LATENCY",
            &[
                "DOCTOR",
                "    Return a human readable latency analysis report.",
                "GRAPH <event>",
                "    Return an ASCII latency graph for the <event> class.",
                "HISTORY <event>",
                "    Return time-latency samples for the <event> class.",
                "LATEST",
                "    Return the latest latency samples for all events.",
                "RESET [<event> ...]",
                "    Reset latency data of one or more <event> classes.",
                "    (default: reset all data for all event classes)",
                "HISTOGRAM [COMMAND ...]",
                "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
                "    If no commands are specified then all histograms are replied.",
            ],
        ))
    });

const LATENCY_HISTOGRAM: CommandSpec = CommandSpec::new("histogram", -2, SERVER, "7.0.0")
    .flags(ADMIN)
    .doc("[command [command ...]]", "Returns the cumulative distribution of latencies of a subset or all commands.")
    .run(histogram);

const LATENCY_HISTORY: CommandSpec = CommandSpec::new("history", 3, SERVER, "2.8.13")
    .flags(ADMIN)
    .doc("event", "Returns timestamp-latency samples for an event.")
    .run(|ctx, mut args| {
        let event = String::from_utf8_lossy(args.next()?).into_owned();
        let samples = ctx.server.latency_events.get(&event).map(|s| s.samples.clone()).unwrap_or_default();
        Ok(Reply::Array(
            samples
                .iter()
                .map(|(t, ms)| Reply::Array(vec![Reply::Integer(*t as i64), Reply::Integer(*ms as i64)]))
                .collect(),
        ))
    });

const LATENCY_LATEST: CommandSpec = CommandSpec::new("latest", 2, SERVER, "2.8.13")
    .flags(ADMIN)
    .doc("", "Returns the latest latency samples for all events.")
    .run(|ctx, _| {
        Ok(Reply::Array(
            ctx.server
                .latency_events
                .iter()
                .map(|(event, s)| {
                    let (t, ms) = s.samples.back().copied().unwrap_or((0, 0));
                    Reply::Array(vec![
                        Reply::bulk(event.as_str()),
                        Reply::Integer(t as i64),
                        Reply::Integer(ms as i64),
                        Reply::Integer(s.max as i64),
                    ])
                })
                .collect(),
        ))
    });

const LATENCY_RESET: CommandSpec = CommandSpec::new("reset", -2, SERVER, "2.8.13")
    .flags(ADMIN)
    .doc("[event [event ...]]", "Resets the latency data for one or more events.")
    .run(|ctx, mut args| {
        let events = args.rest();
        let resets = if events.is_empty() {
            let n = ctx.server.latency_events.len();
            ctx.server.latency_events.clear();
            n
        } else {
            events.iter().filter(|e| ctx.server.latency_events.remove(&*String::from_utf8_lossy(e)).is_some()).count()
        };
        Ok(Reply::Integer(resets as i64))
    });

/// One command's histogram: its calls and the cumulative count at each bucket's top (in µs).
fn command_cdf(stats: &crate::server::stats::CommandStats) -> Reply {
    let mut points = Vec::new();
    let mut cumulative = 0;
    for (bucket, count) in stats.buckets.iter().enumerate() {
        if *count == 0 {
            continue;
        }
        cumulative += count;
        let micros = (1024u64 << bucket) / 1000;
        points.push((Reply::Integer(micros as i64), Reply::Integer(cumulative as i64)));
    }
    Reply::Map(vec![
        (Reply::bulk("calls"), Reply::Integer(stats.calls as i64)),
        (Reply::bulk("histogram_usec"), Reply::Map(points)),
    ])
}

fn histogram(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let version = ctx.version();
    let stats = &ctx.server.stats.commands;
    let has = |name: &str| stats.get(name).filter(|s| s.calls > 0);
    let names = args.rest();
    let mut entries = Vec::new();
    if names.is_empty() {
        for (name, s) in stats.iter().filter(|(_, s)| s.calls > 0) {
            entries.push((Reply::bulk(name.as_str()), command_cdf(s)));
        }
        return Ok(Reply::Map(entries));
    }
    for name in names {
        let text = String::from_utf8_lossy(name).to_ascii_lowercase();
        let (top, sub) = match text.split_once('|') {
            Some((t, s)) => (t.to_string(), Some(s.to_string())),
            None => (text.clone(), None),
        };
        let Some(spec) = crate::command::lookup(top.as_bytes()).filter(|c| c.available_in(version)) else { continue };
        let full = match &sub {
            Some(sub) => match spec.subcommand(sub.as_bytes()) {
                Some(s) => format!("{}|{}", spec.name, s.name),
                None => continue,
            },
            None => spec.name.to_string(),
        };
        if let Some(s) = has(&full) {
            entries.push((Reply::bulk(full.as_str()), command_cdf(s)));
        }
        if sub.is_none() {
            for s in spec.subcommands.iter().filter(|s| s.available_in(version)) {
                let full = format!("{}|{}", spec.name, s.name);
                if let Some(st) = has(&full) {
                    entries.push((Reply::bulk(full.as_str()), command_cdf(st)));
                }
            }
        }
    }
    Ok(Reply::Map(entries))
}

/// `LATENCY DOCTOR`'s report (Redis's `createLatencyReport`, the parts that apply here).
fn doctor(server: &crate::server::Server) -> String {
    let threshold = server.config.settings.number("latency-monitor-threshold");
    if server.latency_events.is_empty() && threshold == 0 {
        return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n".to_string();
    }
    if server.latency_events.is_empty() {
        return "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n".to_string();
    }
    let mut report =
        String::from("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
    for (n, (event, s)) in server.latency_events.iter().enumerate() {
        let count = s.samples.len().max(1) as u64;
        let avg = s.samples.iter().map(|x| x.1).sum::<u64>() / count;
        let mad = s.samples.iter().map(|x| x.1.abs_diff(avg)).sum::<u64>() / count;
        let period = match (s.samples.front(), s.samples.back()) {
            (Some(first), Some(last)) => last.0.saturating_sub(first.0),
            _ => 0,
        };
        report.push_str(&format!(
            "{}. {event}: {} latency spikes (average {avg}ms, mean deviation {mad}ms, period {:.2} sec). Worst all time event {}ms.\n",
            n + 1,
            s.samples.len(),
            period as f64 / count as f64,
            s.max
        ));
    }
    report.push_str("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n");
    report
}

/// `LATENCY GRAPH`: the event's samples as a sparkline, four rows high.
fn graph(event: &str, s: &Series, now: u64) -> String {
    let (min, max) = s.samples.iter().fold((u64::MAX, 0), |(lo, hi), x| (lo.min(x.1), hi.max(x.1)));
    let min = if s.samples.is_empty() { 0 } else { min };
    let mut out = format!("{event} - high {max} ms, low {min} ms (all time high {} ms)\n", s.max);
    out.push_str(&"-".repeat(80));
    out.push('\n');
    let rows = 4;
    let range = (max - min).max(1) as f64;
    for row in (0..rows).rev() {
        let line: String = s
            .samples
            .iter()
            .map(|x| {
                let level = ((x.1 - min) as f64 / range * (rows - 1) as f64).round() as usize;
                if level >= row {
                    if level == row {
                        '_'
                    } else {
                        '|'
                    }
                } else {
                    ' '
                }
            })
            .collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    for x in &s.samples {
        let ago = now.saturating_sub(x.0);
        let label = if ago < 60 {
            format!("{ago}s")
        } else if ago < 3600 {
            format!("{}m", ago / 60)
        } else if ago < 86400 {
            format!("{}h", ago / 3600)
        } else {
            format!("{}d", ago / 86400)
        };
        out.push_str(&label);
        out.push(' ');
    }
    out.push('\n');
    out
}
