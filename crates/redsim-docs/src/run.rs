//! Running examples as redis-cli would: one connection, one line after another, a blocking command
//! waiting out its timeout (nobody else writes), and, for a transcript, the clock the page's own
//! IDs show: an `XADD ... *` whose reply reads `"1692632086370-0"` ran at 1692632086370 ms, so the
//! runner runs it then, its ID comes out the same, and later commands that name that ID work.

use redsim_engine::cli::{format_reply_for, format_reply_raw_for, split_args, INVALID_ARGUMENTS};
use redsim_engine::{Protocol, Reply, Version};
use redsim_sim::{Session, START_MS};

use crate::example::{Command, Example};
use crate::markdown::{blocks, Block, Source};
use crate::shape::{clock_id_ms, same_reply};

/// How replies are printed: as redis-cli on a terminal, or as `redis-cli --raw` (Redis Insight's
/// `mode=raw`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Output {
    #[default]
    Tty,
    Raw,
}

/// A command of an example, run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ran {
    pub command: Command,
    /// What redis-cli prints for it.
    pub output: String,
    /// The virtual time it blocked for before its timeout answered it.
    pub waited_ms: Option<u64>,
    /// `Some(false)` when the page shows a reply and it is not this one.
    pub same: Option<bool>,
}

/// What is printed for a command left waiting with no timeout, and for the lines after it.
pub const BLOCKED_FOREVER: &str = "(blocked with no timeout: nothing else in this example writes)\n";
pub const NOT_RUN: &str = "(not run: redis-cli is still waiting for the command before)\n";

pub fn format(reply: &Reply, protocol: Protocol, output: Output) -> String {
    match output {
        Output::Tty => format_reply_for(reply, protocol),
        Output::Raw => format_reply_raw_for(reply, protocol),
    }
}

/// When the page ran each command, where its reply tells: a reply that is one ID made by the clock
/// (what `XADD ... *` answers).
pub fn page_times(example: &Example) -> Vec<Option<u64>> {
    example
        .commands
        .iter()
        .map(|c| {
            let words: Vec<&str> = c.expected.as_deref()?.split_whitespace().collect();
            match words.as_slice() {
                [one] => clock_id_ms(one.trim_matches('"')),
                _ => None,
            }
        })
        .collect()
}

/// Where the page's clock starts: the first time its replies show, or `START_MS`.
pub fn page_start_ms(examples: &[&Example]) -> u64 {
    examples.iter().flat_map(|e| page_times(e)).flatten().next().unwrap_or(START_MS)
}

/// One redis-cli connection to one server, for one example or for every example of a page.
pub struct Runner {
    session: Session,
    /// A command is still blocked: redis-cli runs nothing more.
    waiting: bool,
}

impl Runner {
    pub fn new(version: Version, start_ms: u64) -> Runner {
        Runner { session: Session::starting_at(version, &["redis-cli"], start_ms), waiting: false }
    }

    /// Runs every command of `example` in order.
    pub fn run(&mut self, example: &Example, output: Output) -> Vec<Ran> {
        let times = page_times(example);
        example
            .commands
            .iter()
            .zip(times)
            .map(|(command, at_ms)| {
                if let Some(at) = at_ms.filter(|&at| at > self.session.now_ms()) {
                    self.session.advance(at - self.session.now_ms());
                }
                let (text, waited_ms) = self.line(&command.text, output);
                let same = command.expected.as_ref().map(|e| same_reply(&command.text, e, &text));
                Ran { command: command.clone(), output: text, waited_ms, same }
            })
            .collect()
    }

    /// One line: what redis-cli prints, and how long it waited.
    fn line(&mut self, line: &str, output: Output) -> (String, Option<u64>) {
        if self.waiting {
            return (NOT_RUN.to_string(), None);
        }
        let Some(argv) = split_args(line.as_bytes()) else {
            return (format!("{INVALID_ARGUMENTS}\n"), None);
        };
        if argv.is_empty() {
            return (String::new(), None);
        }
        let session = &mut self.session;
        let protocol = |s: &Session| s.world().server.protocol(s.clients()[0].id);
        if let Some(reply) = session.command(0, argv).reply.clone() {
            return (format(&reply, protocol(session), output), None);
        }
        let before = session.now_ms();
        let woken = session.wait_out(0).and_then(|s| s.woken.iter().find(|(c, _)| *c == 0).map(|(_, r)| r.clone()));
        match woken {
            Some(reply) => (format(&reply, protocol(session), output), Some(session.now_ms() - before)),
            None => {
                self.waiting = true;
                (BLOCKED_FOREVER.to_string(), None)
            }
        }
    }
}

/// Runs `example` alone on a fresh server emulating `version`, on the page's clock.
pub fn run(example: &Example, version: Version, output: Output) -> Vec<Ran> {
    Runner::new(version, page_start_ms(&[example])).run(example, output)
}

/// A reply on a page that is not the one Redsim gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// 1-based line of the command in the file.
    pub line: usize,
    pub command: String,
    pub expected: String,
    pub actual: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Redis examples found.
    pub blocks: usize,
    /// Of them, transcripts (with replies to compare).
    pub transcripts: usize,
    /// Replies compared.
    pub compared: usize,
    /// Transcripts whose every reply came out as the page shows it.
    pub identical: usize,
    pub findings: Vec<Finding>,
}

/// Which examples share a server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    /// Each example on a fresh server, as each `<redsim-example>` is.
    #[default]
    Example,
    /// A page's examples one after another on one server, as a tutorial builds on its earlier steps.
    Page,
}

/// Runs every Redis example of a Markdown file and compares each reply the page shows. A fence may
/// choose its profile (`redis:[version=7.0]`) and Redis Insight's raw output (`mode=raw`); others
/// run with `version`.
pub fn check_markdown(markdown: &str, version: Version, scope: Scope) -> Report {
    let found: Vec<(Block, Example)> =
        blocks(markdown).into_iter().map(|b| (b.clone(), crate::example::parse(&b.text))).collect();
    let examples: Vec<&Example> = found.iter().map(|(_, e)| e).collect();
    let mut page = Runner::new(version, page_start_ms(&examples));
    let mut report = Report { blocks: found.len(), ..Report::default() };
    for (block, example) in &found {
        let (version, output) = block_settings(block, version);
        let ran = match scope {
            Scope::Page => page.run(example, output),
            Scope::Example if example.transcript => run(example, version, output),
            Scope::Example => continue,
        };
        report.transcripts += usize::from(example.transcript);
        let (mut compared, mut all_same) = (0, true);
        for ran in ran {
            let Some(same) = ran.same else { continue };
            report.compared += 1;
            compared += 1;
            all_same &= same;
            if !same {
                report.findings.push(Finding {
                    line: block.file_line(ran.command.line),
                    command: ran.command.text,
                    expected: ran.command.expected.unwrap_or_default(),
                    actual: ran.output,
                });
            }
        }
        report.identical += usize::from(example.transcript && compared > 0 && all_same);
    }
    report
}

fn block_settings(block: &Block, default: Version) -> (Version, Output) {
    match &block.source {
        Source::Fence(info) => (
            info.param("version").and_then(|v| v.parse().ok()).unwrap_or(default),
            if info.param("mode") == Some("raw") { Output::Raw } else { Output::Tty },
        ),
        _ => (default, Output::Tty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::example::parse;

    #[test]
    fn an_example_runs_line_after_line_on_one_connection() {
        let ran =
            run(&parse("SET k v\nGET k\nGET \"unbalanced\nHELLO 3\nHGETALL nohash\n"), Version::V7_0, Output::Tty);
        let out: Vec<&str> = ran.iter().map(|r| r.output.as_str()).collect();
        assert_eq!(out, ["OK\n", "\"v\"\n", "Invalid argument(s)\n", out[3], "(empty hash)\n"]);
        assert!(ran.iter().all(|r| r.same.is_none()));
    }

    #[test]
    fn a_blocking_read_waits_out_its_timeout_and_block_0_waits_forever() {
        let ran = run(
            &parse("XREAD BLOCK 1500 STREAMS s $\nXREAD BLOCK 0 STREAMS s $\nPING\n"),
            Version::LATEST,
            Output::Tty,
        );
        assert_eq!((ran[0].output.as_str(), ran[0].waited_ms), ("(nil)\n", Some(1500)));
        assert_eq!(ran[1].output, BLOCKED_FOREVER);
        assert_eq!(ran[2].output, NOT_RUN);
    }

    #[test]
    fn raw_output_is_redis_cli_raw() {
        let ran = run(&parse("RPUSH l a b\nLRANGE l 0 -1\nGET nokey\nINCR l\n"), Version::V7_0, Output::Raw);
        let out: Vec<&str> = ran.iter().map(|r| r.output.as_str()).collect();
        assert_eq!(
            out,
            ["2\n", "a\nb\n", "\n", "WRONGTYPE Operation against a key holding the wrong kind of value\n\n"]
        );
    }

    #[test]
    fn a_transcript_runs_on_the_clock_its_ids_show() {
        let ex = parse(
            "> XADD race * rider Castilla\n\"1692632086370-0\"\n> XADD race * rider Norem\n\"1692632094485-0\"\n\
             > XRANGE race 1692632086369 1692632086371\n1) 1) \"1692632086370-0\"\n   2) 1) \"rider\"\n      2) \"Castilla\"\n\
             > XDEL race 1692632094485-0\n(integer) 1\n",
        );
        assert_eq!(page_times(&ex), [Some(1692632086370), Some(1692632094485), None, None]);
        let ran = run(&ex, Version::LATEST, Output::Tty);
        assert_eq!(ran[1].output, "\"1692632094485-0\"\n", "the same ID as on the page");
        assert!(ran.iter().all(|r| r.same == Some(true)), "{ran:#?}");
    }

    #[test]
    fn a_markdown_file_with_a_stale_reply() {
        let md = "Intro\n\n```\nredis> XADD s * a 1\n\"1692632086370-0\"\nredis> XLEN s\n(integer) 2\n```\n\n```redis\nPING\n```\n";
        let report = check_markdown(md, Version::LATEST, Scope::Example);
        assert_eq!((report.blocks, report.transcripts, report.compared), (2, 1, 2));
        assert_eq!(
            report.findings,
            [Finding {
                line: 6,
                command: "XLEN s".into(),
                expected: "(integer) 2\n".into(),
                actual: "(integer) 1\n".into()
            }]
        );
    }

    #[test]
    fn a_tutorial_page_builds_on_its_earlier_examples() {
        let md = "```redis\nSET k 1\n```\n\nThen:\n\n```\nredis> INCR k\n(integer) 2\n```\n";
        assert_eq!(check_markdown(md, Version::LATEST, Scope::Example).findings.len(), 1);
        let page = check_markdown(md, Version::LATEST, Scope::Page);
        assert_eq!((page.transcripts, page.compared, page.findings.len()), (1, 1, 0));
    }
}
