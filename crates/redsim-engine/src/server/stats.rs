//! Per-command and per-error statistics (`INFO commandstats`, `errorstats`, `latencystats`):
//! how often each command ran, was refused before running or failed, how long it took in the
//! cost model, and how many errors of each kind were replied.

use super::*;

/// One command's line of `INFO commandstats`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CommandStats {
    pub calls: u64,
    pub usec: u64,
    /// Refused before running (arity, ACL, OOM, wrong context).
    pub rejected_calls: u64,
    /// Ran and answered with an error.
    pub failed_calls: u64,
    /// Durations sampled for the latency percentiles (at most `SAMPLES`, replaced in turn).
    samples: Vec<u64>,
    /// Calls by duration, in buckets doubling from 1,024 ns (`LATENCY HISTOGRAM`).
    pub buckets: Vec<u64>,
}

/// How many durations a command keeps for its percentiles.
const SAMPLES: usize = 256;

/// Redis stops tracking new error codes once this many are known (`ERROR_STATS_NUMBER`).
const ERROR_CODES_MAX: usize = 128;

impl CommandStats {
    fn sample(&mut self, usec: u64) {
        // Redis's histogram counts nanoseconds from a first bucket of 1,024.
        let ns = usec.saturating_mul(1000);
        let mut bucket = 0;
        while (1024u64 << bucket) < ns && bucket < 40 {
            bucket += 1;
        }
        if self.buckets.len() <= bucket {
            self.buckets.resize(bucket + 1, 0);
        }
        self.buckets[bucket] += 1;
        if self.samples.len() < SAMPLES {
            self.samples.push(usec);
        } else {
            let at = (self.calls as usize) % SAMPLES;
            self.samples[at] = usec;
        }
    }

    /// The `p`th percentile of the sampled durations.
    pub fn percentile(&self, p: f64) -> f64 {
        if self.samples.is_empty() {
            return 0.0;
        }
        let mut sorted = self.samples.clone();
        sorted.sort_unstable();
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1] as f64
    }
}

/// The code an error reply starts with (`ERR`, `WRONGTYPE`, `NOGROUP`, ...).
pub fn error_code(message: &str) -> &str {
    let code = message.split(' ').next().unwrap_or("ERR");
    if code.is_empty() {
        "ERR"
    } else {
        &code[..code.len().min(32)]
    }
}

impl Server {
    /// One more error reply of this kind (Redis's `afterErrorReply`).
    pub(crate) fn count_error(&mut self, message: &str) {
        self.stats.total_error_replies += 1;
        let code = error_code(message).to_string();
        if let Some(n) = self.stats.errors.get_mut(&code) {
            *n += 1;
        } else if self.stats.errors.len() < ERROR_CODES_MAX {
            self.stats.errors.insert(code, 1);
        }
    }

    /// A command refused before it ran: its error is counted, and its `rejected_calls`.
    pub(crate) fn count_rejection(&mut self, command: Option<String>, message: &str) {
        self.count_error(message);
        if let Some(name) = command {
            self.stats.commands.entry(name).or_default().rejected_calls += 1;
        }
    }

    /// A command ran: one more call, its duration, and a failure if it answered with an error
    /// (`counted`: the error was counted already, by the command inside a script that raised it).
    pub(crate) fn count_call(&mut self, name: String, usec: u64, error: Option<&str>, counted: bool, first_run: bool) {
        if let Some(message) = error {
            if !counted {
                self.count_error(message);
            }
        }
        let entry = self.stats.commands.entry(name).or_default();
        Self::add_call(entry, usec, error.is_some(), first_run);
    }

    /// `count_call` for a command known by its row: a top-level command's entry is found by its
    /// static name, with no string made for it (this runs for every command).
    pub(crate) fn count_call_of(
        &mut self,
        parent: Option<&'static crate::command::CommandSpec>,
        spec: &'static crate::command::CommandSpec,
        usec: u64,
        error: Option<&str>,
        counted: bool,
        first_run: bool,
    ) {
        if parent.is_none() && error.is_none() {
            if let Some(entry) = self.stats.commands.get_mut(spec.name) {
                Self::add_call(entry, usec, false, first_run);
                return;
            }
        }
        self.count_call(crate::command::full_name(parent, spec), usec, error, counted, first_run);
    }

    fn add_call(entry: &mut CommandStats, usec: u64, failed: bool, first_run: bool) {
        if first_run {
            entry.calls += 1;
            entry.usec += usec;
            entry.sample(usec);
        }
        if failed {
            entry.failed_calls += 1;
        }
    }
}
